//! The WAF gate tier: "is the WAF we deploy in force?" Frozen canonical requests per
//! AWS managed rule ([`corpus`]), sent only for the rule groups the WebACL deploys, all
//! of which must be blocked; the WebACL's configuration ([`acl`]); the benign corpus's
//! false-positive rate ([`judge`]). How strong the WAF is (the attack corpus) is the
//! separate posture tier.

pub mod acl;
pub mod corpus;
pub mod judge;
pub mod send;

pub use acl::AclExpect;
pub use corpus::{GateRequest, Wire};
pub use judge::{GateAnswer, GateInput, GateOutcome, judge, outcome};
pub use send::send_wires;
