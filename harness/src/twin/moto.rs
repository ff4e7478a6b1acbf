//! The AWS control plane of the twin: a `moto_server` process on a free loopback port.

use crate::error::{Error, Result};

/// A running moto server; killed on drop unless detached.
#[derive(Debug)]
pub struct MotoServer {
    /// e.g. `http://127.0.0.1:41234`.
    pub endpoint_url: String,
    /// Listening port.
    pub port: u16,
}

impl MotoServer {
    /// Starts `moto_server` on a free port and waits until it answers.
    pub async fn start() -> Result<Self> {
        Err(Error::Runtime(
            "MotoServer::start is not implemented yet".into(),
        ))
    }
}
