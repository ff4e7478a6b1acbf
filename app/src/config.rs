//! Runtime configuration of the service, read once from the environment.
//!
//! Every knob has a default so `docker run` with no env works; every bad value is a
//! one-line [`ConfigError`] naming the variable, the value and what was expected, so the
//! binary can exit 2 instead of guessing.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use canary_contract::{ENV_APP_PORT, ENV_HEALTH_PORT, ENV_RELEASE, ENV_VARIANT, ParseVariantError};

/// Default port of the application listener (`APP_PORT`).
pub const DEFAULT_APP_PORT: u16 = 80;
/// Default port of the health listener (`HEALTH_PORT`).
pub const DEFAULT_HEALTH_PORT: u16 = 8080;
/// Default bound on the SIGTERM drain (`DRAIN_TIMEOUT_SECS`). ECS sends SIGKILL after
/// the task's `stopTimeout` (30 s by default), so the drain must end well before.
pub const DEFAULT_DRAIN_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest accepted `DRAIN_TIMEOUT_SECS` (ECS caps `stopTimeout` at 120 s).
pub const MAX_DRAIN_TIMEOUT_SECS: u64 = 120;
/// Default time the service keeps serving after SIGTERM, with `/health` answering 503,
/// before it starts to drain (`SHUTDOWN_DELAY_SECS`). ECS sends SIGTERM while the load
/// balancer is still deregistering the task's target: requests keep arriving until the
/// target group's deregistration delay (30 s in `terraform/app-infra/alb.tf`) ends. A
/// service that stopped accepting at once would answer those with connection refused,
/// which the ALB turns into 502s.
pub const DEFAULT_SHUTDOWN_DELAY: Duration = Duration::from_secs(30);
/// ECS's cap on a container's `stopTimeout`: SIGKILL follows SIGTERM after at most this.
/// The shutdown delay plus the drain bound must stay below it.
pub const ECS_MAX_STOP_TIMEOUT_SECS: u64 = 120;
/// Largest accepted `FAULT_DELAY_MS` (a fault knob, not a way to hang the service).
pub const MAX_FAULT_DELAY_MS: u64 = 60_000;
/// Longest accepted release string; it travels in every response header.
pub const MAX_RELEASE_LEN: usize = 128;
/// Time a client gets to send a complete request head once its first byte arrived
/// (slowloris defence). The ALB and nginx forward complete heads, so 10 s is generous.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Idle keep-alive connections are closed after this. It must exceed the ALB idle
/// timeout (60 s) and nginx's upstream `keepalive_timeout` (60 s) so the proxy, never
/// the target, closes an idle connection; otherwise a request racing the close gets 502.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(75);

/// The release baked in at build time: the `APP_RELEASE` build argument (e.g. a git
/// sha) when given, else the crate version. Env `RELEASE` overrides it at run time.
pub const BUILD_RELEASE: &str = match option_env!("APP_RELEASE") {
    Some(release) if !release.is_empty() => release,
    _ => env!("CARGO_PKG_VERSION"),
};

/// Which side of the canary split this process serves (the shared attribution
/// contract's enum; `VARIANT` must be exactly `stable` or `canary`).
pub use canary_contract::Variant;

/// A configuration value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// An environment variable holds an unusable value.
    #[error("invalid {var}={value:?}: expected {expected}")]
    Invalid {
        /// The variable name.
        var: &'static str,
        /// The value found (truncated).
        value: String,
        /// What would have been accepted.
        expected: &'static str,
    },
    /// Two settings contradict each other.
    #[error("{0}")]
    Conflict(String),
}

impl ConfigError {
    fn invalid(var: &'static str, value: &str, expected: &'static str) -> Self {
        let value: String = value.chars().take(64).collect();
        ConfigError::Invalid {
            var,
            value,
            expected,
        }
    }
}

/// Everything the service needs to run.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Application listener (`GET /`), `0.0.0.0:APP_PORT`.
    pub app_addr: SocketAddr,
    /// Health listener (`GET /health`), `0.0.0.0:HEALTH_PORT`.
    pub health_addr: SocketAddr,
    /// Release identifier sent in `x-release` and the health JSON.
    pub release: String,
    /// Stable or canary, sent in `x-variant` and the health JSON.
    pub variant: Variant,
    /// Upper bound of the SIGTERM drain.
    pub drain_timeout: Duration,
    /// Time served after SIGTERM (health 503) before the drain begins.
    pub shutdown_delay: Duration,
    /// Fault knob: share of `GET /` answered 503 (`FAULT_ERROR_RATE`, 0..=1).
    pub error_rate: f64,
    /// Fault knob: latency added to `GET /` (`FAULT_DELAY_MS`).
    pub delay: Duration,
    /// Slowloris bound: a started request head must be complete within this.
    pub header_read_timeout: Duration,
    /// Idle keep-alive connections are closed after this.
    pub idle_timeout: Duration,
}

impl Config {
    /// Reads `APP_PORT`, `HEALTH_PORT`, `RELEASE`, `VARIANT`, `DRAIN_TIMEOUT_SECS`,
    /// `SHUTDOWN_DELAY_SECS`,
    /// `FAULT_ERROR_RATE` and `FAULT_DELAY_MS`; unset or empty means the default.
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`Config::from_env`] with an arbitrary variable source (for tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        let app_port = match get(ENV_APP_PORT) {
            Some(v) => parse_port(ENV_APP_PORT, &v)?,
            None => DEFAULT_APP_PORT,
        };
        let health_port = match get(ENV_HEALTH_PORT) {
            Some(v) => parse_port(ENV_HEALTH_PORT, &v)?,
            None => DEFAULT_HEALTH_PORT,
        };
        if app_port == health_port && app_port != 0 {
            return Err(ConfigError::Conflict(format!(
                "APP_PORT and HEALTH_PORT are both {app_port}: they must differ"
            )));
        }
        let release = match get(ENV_RELEASE) {
            Some(v) => parse_release(&v)?,
            None => BUILD_RELEASE.to_owned(),
        };
        let variant = match get(ENV_VARIANT) {
            Some(v) => v.trim().parse().map_err(|e: ParseVariantError| {
                ConfigError::invalid(ENV_VARIANT, &e.value, ParseVariantError::EXPECTED)
            })?,
            None => Variant::default(),
        };
        let drain_timeout = match get("DRAIN_TIMEOUT_SECS") {
            Some(v) => Duration::from_secs(parse_bounded(
                "DRAIN_TIMEOUT_SECS",
                &v,
                MAX_DRAIN_TIMEOUT_SECS,
                "whole seconds 0-120",
            )?),
            None => DEFAULT_DRAIN_TIMEOUT,
        };
        let shutdown_delay = match get("SHUTDOWN_DELAY_SECS") {
            Some(v) => Duration::from_secs(parse_bounded(
                "SHUTDOWN_DELAY_SECS",
                &v,
                ECS_MAX_STOP_TIMEOUT_SECS,
                "whole seconds 0-120",
            )?),
            None => DEFAULT_SHUTDOWN_DELAY,
        };
        let stop = shutdown_delay.as_secs() + drain_timeout.as_secs();
        if stop >= ECS_MAX_STOP_TIMEOUT_SECS {
            return Err(ConfigError::Conflict(format!(
                "SHUTDOWN_DELAY_SECS + DRAIN_TIMEOUT_SECS = {stop} s: it must stay below \
                 ECS's {ECS_MAX_STOP_TIMEOUT_SECS} s stopTimeout cap, or SIGKILL ends the drain"
            )));
        }
        let error_rate = match get("FAULT_ERROR_RATE") {
            Some(v) => parse_rate(&v)?,
            None => 0.0,
        };
        let delay = match get("FAULT_DELAY_MS") {
            Some(v) => Duration::from_millis(parse_bounded(
                "FAULT_DELAY_MS",
                &v,
                MAX_FAULT_DELAY_MS,
                "milliseconds 0-60000",
            )?),
            None => Duration::ZERO,
        };
        Ok(Config {
            app_addr: SocketAddr::from((Ipv4Addr::UNSPECIFIED, app_port)),
            health_addr: SocketAddr::from((Ipv4Addr::UNSPECIFIED, health_port)),
            release,
            variant,
            drain_timeout,
            shutdown_delay,
            error_rate,
            delay,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
        })
    }

    /// A configuration for tests: both listeners on `127.0.0.1:0`, no faults, a 5 s
    /// drain bound.
    pub fn for_test(variant: Variant, release: &str) -> Config {
        Config {
            app_addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            health_addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            release: release.to_owned(),
            variant,
            drain_timeout: Duration::from_secs(5),
            shutdown_delay: Duration::ZERO,
            error_rate: 0.0,
            delay: Duration::ZERO,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
        }
    }
}

fn parse_port(var: &'static str, v: &str) -> Result<u16, ConfigError> {
    v.trim()
        .parse::<u16>()
        .map_err(|_| ConfigError::invalid(var, v, "a port number 0-65535"))
}

fn parse_bounded(
    var: &'static str,
    v: &str,
    max: u64,
    expected: &'static str,
) -> Result<u64, ConfigError> {
    match v.trim().parse::<u64>() {
        Ok(n) if n <= max => Ok(n),
        _ => Err(ConfigError::invalid(var, v, expected)),
    }
}

fn parse_rate(v: &str) -> Result<f64, ConfigError> {
    match v.trim().parse::<f64>() {
        Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
        _ => Err(ConfigError::invalid(
            "FAULT_ERROR_RATE",
            v,
            "a share between 0 and 1 (e.g. 0.05)",
        )),
    }
}

/// A release must fit in an HTTP header value: visible ASCII, no spaces, bounded.
fn parse_release(v: &str) -> Result<String, ConfigError> {
    let v = v.trim();
    let ok = v.len() <= MAX_RELEASE_LEN && v.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(v.to_owned())
    } else {
        Err(ConfigError::invalid(
            ENV_RELEASE,
            v,
            "up to 128 visible ASCII characters without spaces",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_match_the_issue() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.app_addr.port(), 80);
        assert_eq!(c.health_addr.port(), 8080);
        assert_eq!(c.variant, Variant::Stable);
        assert_eq!(c.release, BUILD_RELEASE);
        assert_eq!(c.drain_timeout, Duration::from_secs(10));
        assert_eq!(c.shutdown_delay, Duration::from_secs(30));
        assert_eq!(c.error_rate, 0.0);
        assert_eq!(c.delay, Duration::ZERO);
    }

    #[test]
    fn all_variables_are_read() {
        let c = cfg(&[
            ("APP_PORT", "8081"),
            ("HEALTH_PORT", " 9090 "),
            ("RELEASE", "abc123"),
            ("VARIANT", "canary"),
            ("DRAIN_TIMEOUT_SECS", "3"),
            ("SHUTDOWN_DELAY_SECS", "7"),
            ("FAULT_ERROR_RATE", "0.25"),
            ("FAULT_DELAY_MS", "40"),
        ])
        .unwrap();
        assert_eq!(c.app_addr.port(), 8081);
        assert_eq!(c.health_addr.port(), 9090);
        assert_eq!(c.release, "abc123");
        assert_eq!(c.variant, Variant::Canary);
        assert_eq!(c.drain_timeout, Duration::from_secs(3));
        assert_eq!(c.shutdown_delay, Duration::from_secs(7));
        assert_eq!(c.error_rate, 0.25);
        assert_eq!(c.delay, Duration::from_millis(40));
    }

    #[test]
    fn shutdown_delay_and_drain_must_fit_in_ecs_stop_timeout() {
        let err = cfg(&[("SHUTDOWN_DELAY_SECS", "100"), ("DRAIN_TIMEOUT_SECS", "20")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("stopTimeout"), "{err}");
        assert!(cfg(&[("SHUTDOWN_DELAY_SECS", "100"), ("DRAIN_TIMEOUT_SECS", "19")]).is_ok());
        assert!(cfg(&[("SHUTDOWN_DELAY_SECS", "-1")]).is_err());
    }

    #[test]
    fn empty_values_mean_default() {
        let c = cfg(&[("APP_PORT", ""), ("VARIANT", " ")]).unwrap();
        assert_eq!(c.app_addr.port(), 80);
        assert_eq!(c.variant, Variant::Stable);
    }

    #[test]
    fn bad_values_name_the_variable() {
        let cases: &[(&str, &str)] = &[
            ("APP_PORT", "http"),
            ("HEALTH_PORT", "70000"),
            ("VARIANT", "blue"),
            ("DRAIN_TIMEOUT_SECS", "-1"),
            ("DRAIN_TIMEOUT_SECS", "121"),
            ("FAULT_ERROR_RATE", "1.5"),
            ("FAULT_ERROR_RATE", "NaN"),
            ("FAULT_DELAY_MS", "1e3"),
            ("RELEASE", "has space"),
            ("RELEASE", "line\nbreak"),
        ];
        for (var, value) in cases {
            let err = cfg(&[(var, value)]).unwrap_err().to_string();
            assert!(err.contains(var), "{var}={value:?} gave {err}");
            assert!(!err.contains('\n'), "one line: {err:?}");
        }
    }

    #[test]
    fn equal_ports_conflict_but_two_zeros_do_not() {
        assert!(cfg(&[("APP_PORT", "8080")]).is_err());
        assert!(cfg(&[("APP_PORT", "0"), ("HEALTH_PORT", "0")]).is_ok());
    }

    #[test]
    fn variant_round_trips() {
        for v in [Variant::Stable, Variant::Canary] {
            assert_eq!(v.to_string().parse::<Variant>().unwrap(), v);
        }
    }
}
