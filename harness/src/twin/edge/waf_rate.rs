//! The WAF's rate-based rules on the twin's edge, rendered from what Terraform declares
//! ([`crate::twin::spec::terraform::RateRule`]): per client IP, requests are counted over the rule's
//! window and, above the limit, answered with the declared status and header
//! (`429`, `x-waf-rule: rate-limit-per-ip`). A rule scoped to "not the gate" skips
//! requests whose gate header equals the twin's token; a rule scoped to "the gate"
//! counts only those. The token is random per twin (like the CI secret) and lives only
//! in the twin's folder (mode 0600) and in the [`crate::cli::VerifyArgs`] the twin hands
//! out; it is never printed.
//!
//! Implementation: ModSecurity v3 persistent collections. `initcol:ip=%{REMOTE_ADDR}`
//! opens the client's collection; the first counted request opens a window
//! (`ip.rl_N = 0`, `ip.rl_N_start = TIME_EPOCH`), and a counted request arriving when
//! the window is `window` seconds old or more opens a new one; every counted request
//! adds 1; a request that makes the count exceed the limit is denied with an internal
//! status (`460 + N`) that nginx's `error_page` turns into the declared status and
//! header (ModSecurity v3 cannot add response headers to a denial). Blocked requests
//! count too, as on AWS. (`expirevar` is not used: libmodsecurity 3.0.9's in-memory
//! collections never expired a variable in a check on this machine.)
//!
//! Timing semantics and tolerance: the twin's window is *fixed*, opened by the first
//! counted request and closed `window` seconds later (resolution 1 s: `TIME_EPOCH` is
//! in whole seconds, so a window lasts between `window − 1` and `window` seconds),
//! while AWS WAF counts over a *sliding* window re-evaluated every few seconds and may
//! let a flood run for up to ~30 s before blocking. So the twin blocks exactly the
//! `limit + 1`-th request of a window, and AWS blocks around it. libmodsecurity 3.0.9
//! as built by Debian (no LMDB) keeps collections in memory per worker process: the
//! edge runs one worker (`worker_processes 1`), and an `nginx -s reload` (weight
//! change) starts a new worker with zeroed counts.

use std::fmt::Write as _;

use crate::twin::spec::terraform::{Declared, GateScope, RateRule};

/// First ModSecurity rule id of the rate rules (the AWS extras use 10001...).
pub const FIRST_RULE_ID: u32 = 191_000;
/// Internal status of the first rate rule's denial (mapped by nginx's `error_page`).
pub const FIRST_INTERNAL_STATUS: u16 = 460;
/// Length of the twin's gate token in bytes (hex-encoded: twice as many characters,
/// within Terraform's 32–200 characters of `[A-Za-z0-9_-]`).
pub const TOKEN_BYTES: usize = 32;

/// The rate rules the edge enforces and the gate token that selects/exempts requests.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct RateLimits {
    /// Rules in priority order (limits and windows possibly scaled down for tests).
    pub rules: Vec<RateRule>,
    /// Header carrying the token.
    pub gate_header: String,
    /// The twin's token.
    pub token: String,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits")
            .field("rules", &self.rules)
            .field("gate_header", &self.gate_header)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// Overrides of the declared rate rules (tests use small ones to exercise the limit
/// quickly; the defaults are Terraform's).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateOverrides {
    /// Limit of the client rules (not scoped to the gate).
    pub client_limit: Option<u64>,
    /// Limit of the gate's rule.
    pub gate_limit: Option<u64>,
    /// Window of every rule, in seconds.
    pub window_s: Option<u64>,
}

/// A fresh random token: [`TOKEN_BYTES`] random bytes, hex-encoded.
pub fn new_token() -> String {
    let bytes: [u8; TOKEN_BYTES] = rand::random();
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

impl RateLimits {
    /// Terraform's rules with `overrides` applied and `token`.
    pub fn new(declared: &Declared, overrides: RateOverrides, token: String) -> RateLimits {
        let rules = declared
            .rate_rules
            .iter()
            .cloned()
            .map(|mut r| {
                let o = match r.scope {
                    GateScope::OnlyGate => overrides.gate_limit,
                    _ => overrides.client_limit,
                };
                r.limit = o.unwrap_or(r.limit);
                r.window_s = overrides.window_s.unwrap_or(r.window_s);
                r
            })
            .collect();
        RateLimits {
            rules,
            gate_header: declared.gate_header.clone(),
            token,
        }
    }
}

fn status(i: usize) -> u16 {
    FIRST_INTERNAL_STATUS + i as u16
}

/// The ModSecurity rules (loaded before the CRS, as the rate rules run first on AWS).
pub fn render_modsec(limits: &RateLimits) -> String {
    let mut c = String::new();
    let _ = writeln!(
        c,
        "# WAF rate-based rules of app-infra (waf.tf), generated."
    );
    let mut id = FIRST_RULE_ID;
    let mut next = || {
        id += 1;
        id
    };
    let _ = writeln!(
        c,
        "SecAction \"id:{},phase:1,pass,nolog,initcol:ip=%{{REMOTE_ADDR}}\"",
        next()
    );
    let _ = writeln!(
        c,
        "SecRule REQUEST_HEADERS:{} \"@streq {}\" \"id:{},phase:1,pass,nolog,setvar:tx.harness_gate=1\"",
        limits.gate_header,
        limits.token,
        next()
    );
    for (i, r) in limits.rules.iter().enumerate() {
        let var = format!("rl_{i}");
        let counts = match r.scope {
            GateScope::All => format!("SecAction \"id:{},phase:1,pass,nolog", next()),
            GateScope::ExceptGate => format!(
                "SecRule &TX:harness_gate \"@eq 0\" \"id:{},phase:1,pass,nolog",
                next()
            ),
            GateScope::OnlyGate => format!(
                "SecRule &TX:harness_gate \"@eq 1\" \"id:{},phase:1,pass,nolog",
                next()
            ),
        };
        let _ = writeln!(c, "# {} ({} per {} s)", r.name, r.limit, r.window_s);
        let _ = writeln!(c, "{counts},setvar:tx.{var}=1\"");
        // Open a window on the first counted request, and a new one once the current
        // is `window` seconds old (age = TIME_EPOCH - start).
        let _ = writeln!(
            c,
            "SecRule TX:{var} \"@eq 1\" \"id:{},phase:1,pass,nolog,chain\"\n    SecRule &IP:{var}_start \"@eq 0\" \"setvar:ip.{var}=0,setvar:ip.{var}_start=%{{TIME_EPOCH}}\"",
            next()
        );
        let _ = writeln!(
            c,
            "SecRule TX:{var} \"@eq 1\" \"id:{},phase:1,pass,nolog,setvar:tx.{var}_age=%{{TIME_EPOCH}},setvar:tx.{var}_age=-%{{ip.{var}_start}}\"",
            next()
        );
        let _ = writeln!(
            c,
            "SecRule TX:{var} \"@eq 1\" \"id:{},phase:1,pass,nolog,chain\"\n    SecRule TX:{var}_age \"@ge {}\" \"setvar:ip.{var}=0,setvar:ip.{var}_start=%{{TIME_EPOCH}}\"",
            next(),
            r.window_s
        );
        let _ = writeln!(
            c,
            "SecRule TX:{var} \"@eq 1\" \"id:{},phase:1,pass,nolog,setvar:ip.{var}=+1\"",
            next()
        );
        let _ = writeln!(
            c,
            "SecRule TX:{var} \"@eq 1\" \"id:{},phase:1,deny,status:{},log,noauditlog,msg:'{}',chain\"\n    SecRule IP:{var} \"@gt {}\" \"t:none\"",
            next(),
            status(i),
            r.name,
            r.limit
        );
    }
    c
}

/// nginx lines for a `server` block: each rule's internal status becomes the declared
/// status with the declared header.
pub fn render_nginx(rules: &[RateRule]) -> String {
    let mut c = String::new();
    for (i, r) in rules.iter().enumerate() {
        let _ = writeln!(c, "        error_page {} @waf_rate_{i};", status(i));
        let _ = write!(c, "        location @waf_rate_{i} {{ modsecurity off; ");
        if let Some((name, value)) = &r.header {
            let _ = write!(c, "add_header {name} {value} always; ");
        }
        let _ = writeln!(c, "return {}; }}", r.response_code);
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared() -> Declared {
        Declared::load_default().unwrap()
    }

    #[test]
    fn renders_terraforms_rules_with_overrides() {
        let d = declared();
        let l = RateLimits::new(&d, RateOverrides::default(), "tok".into());
        let ms = render_modsec(&l);
        assert!(
            ms.contains("REQUEST_HEADERS:x-harness-gate \"@streq tok\""),
            "{ms}"
        );
        assert!(ms.contains("msg:'rate-limit-per-ip'"));
        assert!(ms.contains("SecRule IP:rl_0 \"@gt 2000\" \"t:none\""));
        assert!(ms.contains("SecRule IP:rl_1 \"@gt 100000\""));
        assert!(ms.contains("SecRule TX:rl_0_age \"@ge 300\""), "{ms}");
        let small = RateLimits::new(
            &d,
            RateOverrides {
                client_limit: Some(200),
                gate_limit: None,
                window_s: Some(60),
            },
            "tok".into(),
        );
        let ms = render_modsec(&small);
        assert!(ms.contains("SecRule IP:rl_0 \"@gt 200\""));
        assert!(ms.contains("SecRule IP:rl_1 \"@gt 100000\""));
        assert!(ms.contains("SecRule TX:rl_1_age \"@ge 60\""));
        let ng = render_nginx(&small.rules);
        assert!(ng.contains("error_page 460 @waf_rate_0;"), "{ng}");
        assert!(ng.contains("add_header x-waf-rule rate-limit-per-ip always; return 429;"));
        assert!(ng.contains("add_header x-waf-rule rate-limit-gate always; return 429;"));
        assert!(!format!("{small:?}").contains("tok\""));
    }

    #[test]
    fn tokens_are_random_hex_of_terraforms_length() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 2 * TOKEN_BYTES);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
    }
}
