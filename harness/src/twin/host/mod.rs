//! What the twin needs from the machine it runs on, below every other concern: the
//! prerequisites (nginx with ModSecurity and the CRS, moto_server, a reachable Docker
//! engine: [`prereq`]), child processes and ports ([`process`]), whether a recorded pid
//! still runs what the twin started ([`owned`]) and files created 0600 ([`secret`]).

pub mod owned;
pub mod prereq;
pub mod process;
pub mod secret;
