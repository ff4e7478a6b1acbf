//! Faults of the twin: each one makes two planes disagree (edge vs control plane, or
//! the deployment vs the policy) so that exactly one check of `harness verify` can be
//! shown to fail. The names are the ones accepted by `--fault`.

use std::fmt;
use std::str::FromStr;

use crate::config::CheckName;
use crate::error::{Error, Result};

/// A deliberate defect of the twin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    /// The edge splits differently than the listener says (e.g. edge 70/30, listener
    /// 90/10): the split check must fail.
    WeightDrift,
    /// The listener says canary weight 0, but the canary service still has desired 1,
    /// a running container registered in its target group, and the edge still sends
    /// it a trickle: scale and split checks must fail.
    CanaryNotScaled,
    /// The WAF only logs (`SecRuleEngine DetectionOnly`) although the WebACL is
    /// associated in the control plane: the WAF check must fail.
    WafOff,
    /// The edge serves an expired certificate.
    CertExpired,
    /// The edge serves a certificate for another host name.
    CertWrongHost,
    /// The edge also accepts TLS 1.0 and 1.1 (the listener's policy says 1.2+).
    TlsLegacy,
    /// Plain HTTP is served instead of redirected to HTTPS.
    NoRedirect,
    /// The canary answers 5xx for a share of requests.
    CanaryErrors,
    /// The canary answers slowly.
    CanarySlow,
    /// The edge sends nothing to the canary while the listener gives it weight
    /// (listener 99/1, edge 100/0; the canary runs and is registered): a canary that
    /// never sees traffic is not being tested. The split check must fail.
    CanaryStarved,
    /// An extra target ([`STALE_TARGET`], an address no task runs) is registered in the
    /// canary target group of the control plane; the edge and the tasks are unchanged.
    /// `harness verify` judges traffic and does not see it: `harness gate`'s `rollout`
    /// check (target-group verification, [`crate::gate::targets`]) must fail naming it.
    StaleTarget,
    /// The edge's HTTP→HTTPS redirect keeps the path but drops the query string (the
    /// listener declares ALB's default `#{path}?#{query}`): the TLS check must fail
    /// naming "query dropped".
    RedirectDropsQuery,
    /// The edge serves another valid certificate for the right host from the same CA
    /// (different serial, key and not-after) than the one the listener names in ACM:
    /// the TLS check must fail naming both certificates.
    CertNotAcm,
    /// The WebACL exists in the control plane but is not associated with the load
    /// balancer (the edge still filters): the WAF check must fail, "no WebACL
    /// associated".
    WafNoAcl,
    /// The edge drops its model of AWSManagedRulesSQLiRuleSet (CRS 942 and our SQLi
    /// rules) while the WebACL still deploys the group: the waf check must FAIL naming a
    /// rule of that group.
    WafNoSqli,
    /// The edge drops its model of AWSManagedRulesCommonRuleSet (see `WafNoSqli`).
    WafNoCommon,
    /// The edge drops its model of AWSManagedRulesKnownBadInputsRuleSet.
    WafNoKnownBadInputs,
    /// The seeded WebACL has AWSManagedRulesSQLiRuleSet in Count mode (`override_action
    /// count`), so the edge does not block with it either: the waf check must FAIL by
    /// configuration (naming the group) and by traffic.
    WafCountSqli,
    /// One load-balancer node did not get the last change: the listener and every edge
    /// node but the last move to 50/50, the last node keeps 90/10
    /// ([`crate::twin::spec::NODE_STALE_WEIGHTS`]). The pooled split hides which node
    /// is wrong; the split check must FAIL naming the last node's address.
    NodeStale,
}

/// The dead address the `stale-target` fault registers (port: the app port).
pub const STALE_TARGET: &str = "10.255.255.1";

impl Fault {
    /// Every fault, in documentation order.
    pub const ALL: [Fault; 19] = [
        Fault::WeightDrift,
        Fault::CanaryNotScaled,
        Fault::WafOff,
        Fault::CertExpired,
        Fault::CertWrongHost,
        Fault::TlsLegacy,
        Fault::NoRedirect,
        Fault::CanaryErrors,
        Fault::CanarySlow,
        Fault::CanaryStarved,
        Fault::StaleTarget,
        Fault::RedirectDropsQuery,
        Fault::CertNotAcm,
        Fault::WafNoAcl,
        Fault::WafNoSqli,
        Fault::WafNoCommon,
        Fault::WafNoKnownBadInputs,
        Fault::WafCountSqli,
        Fault::NodeStale,
    ];

    /// The check of `harness verify` this fault is made to FAIL (the integration
    /// tests derive their fault→check table from [`Fault::ALL`] with it), or `None`
    /// for [`Fault::StaleTarget`], which only `harness gate`'s `rollout` check sees.
    pub fn check(self) -> Option<CheckName> {
        match self {
            Fault::WeightDrift | Fault::CanaryStarved | Fault::NodeStale => Some(CheckName::Split),
            Fault::CanaryNotScaled => Some(CheckName::Scale),
            Fault::CanaryErrors | Fault::CanarySlow => Some(CheckName::Health),
            Fault::CertExpired
            | Fault::CertWrongHost
            | Fault::TlsLegacy
            | Fault::NoRedirect
            | Fault::RedirectDropsQuery
            | Fault::CertNotAcm => Some(CheckName::Tls),
            Fault::WafOff
            | Fault::WafNoAcl
            | Fault::WafNoSqli
            | Fault::WafNoCommon
            | Fault::WafNoKnownBadInputs
            | Fault::WafCountSqli => Some(CheckName::Waf),
            Fault::StaleTarget => None,
        }
    }

    /// The AWS managed rule group whose edge model this fault drops.
    pub fn waf_group_off(self) -> Option<&'static str> {
        match self {
            Fault::WafNoSqli | Fault::WafCountSqli => Some("AWSManagedRulesSQLiRuleSet"),
            Fault::WafNoCommon => Some("AWSManagedRulesCommonRuleSet"),
            Fault::WafNoKnownBadInputs => Some("AWSManagedRulesKnownBadInputsRuleSet"),
            _ => None,
        }
    }

    /// The `--fault` name.
    pub fn name(self) -> &'static str {
        match self {
            Fault::WeightDrift => "weight-drift",
            Fault::CanaryNotScaled => "canary-not-scaled",
            Fault::WafOff => "waf-off",
            Fault::CertExpired => "cert-expired",
            Fault::CertWrongHost => "cert-wrong-host",
            Fault::TlsLegacy => "tls-legacy",
            Fault::NoRedirect => "no-redirect",
            Fault::CanaryErrors => "canary-errors",
            Fault::CanarySlow => "canary-slow",
            Fault::CanaryStarved => "canary-starved",
            Fault::StaleTarget => "stale-target",
            Fault::RedirectDropsQuery => "redirect-drops-query",
            Fault::CertNotAcm => "cert-not-acm",
            Fault::WafNoAcl => "waf-no-acl",
            Fault::WafNoSqli => "waf-no-sqli",
            Fault::WafNoCommon => "waf-no-common",
            Fault::WafNoKnownBadInputs => "waf-no-known-bad-inputs",
            Fault::WafCountSqli => "waf-count-sqli",
            Fault::NodeStale => "node-stale",
        }
    }

    /// Parses many names; duplicates are kept once, unknown names are configuration
    /// errors listing the valid ones.
    pub fn parse_all<S: AsRef<str>>(names: &[S]) -> Result<Vec<Fault>> {
        let mut out: Vec<Fault> = names
            .iter()
            .map(|n| n.as_ref().parse())
            .collect::<Result<_>>()?;
        out.sort();
        out.dedup();
        Ok(out)
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Fault {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Fault::ALL
            .into_iter()
            .find(|f| f.name() == s.trim())
            .ok_or_else(|| {
                let names: Vec<&str> = Fault::ALL.iter().map(|f| f.name()).collect();
                Error::Config(format!(
                    "--fault {s:?}: unknown fault; expected one of {}",
                    names.join(", ")
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in Fault::ALL {
            assert_eq!(f.to_string().parse::<Fault>().unwrap(), f);
        }
    }

    /// `harness local --help` names every fault: the cli keeps the list by hand, since
    /// it cannot import the twin.
    #[test]
    fn local_help_names_every_fault() {
        use clap::CommandFactory;
        let mut cmd = crate::cli::Cli::command();
        cmd.build();
        let help = cmd
            .find_subcommand_mut("local")
            .unwrap()
            .render_long_help()
            .to_string();
        let words: Vec<&str> = help
            .split(|c: char| c.is_whitespace() || c == ',' || c == '.' || c == ':')
            .collect();
        for f in Fault::ALL {
            assert!(words.contains(&f.name()), "local --help lacks {f}:\n{help}");
        }
    }

    #[test]
    fn unknown_fault_is_a_config_error() {
        let err = "weight-drfit".parse::<Fault>().unwrap_err();
        assert!(matches!(err, Error::Config(_)));
        assert!(err.to_string().contains("weight-drift"), "{err}");
    }

    #[test]
    fn tls_and_acl_faults_flip_one_knob_each() {
        use crate::twin::spec::{CertProfile, TwinSpec, Weights};
        let healthy = TwinSpec::healthy(Weights::new(90, 10).unwrap(), "i");
        assert!(healthy.redirect_keeps_query && healthy.web_acl_associated);
        for (fault, changed) in [
            (Fault::RedirectDropsQuery, "redirect_keeps_query"),
            (Fault::CertNotAcm, "cert"),
            (Fault::WafNoAcl, "web_acl_associated"),
        ] {
            let mut s = healthy.clone();
            s.apply(fault);
            s.faults.clear();
            let knobs = [
                (
                    "redirect_keeps_query",
                    s.redirect_keeps_query != healthy.redirect_keeps_query,
                ),
                ("cert", s.cert != healthy.cert),
                (
                    "web_acl_associated",
                    s.web_acl_associated != healthy.web_acl_associated,
                ),
            ];
            for (name, differs) in knobs {
                assert_eq!(differs, name == changed, "{fault}: {name}");
            }
            assert_eq!(s.tls_versions, healthy.tls_versions, "{fault}");
            assert_eq!(
                (s.redirect, s.waf),
                (healthy.redirect, healthy.waf),
                "{fault}"
            );
        }
        let mut s = healthy.clone();
        s.apply(Fault::CertNotAcm);
        assert_eq!(s.cert, CertProfile::NotAcm);
    }

    /// `node-stale`: the listener and the edge move to the new weights, only the last
    /// node keeps the old ones.
    #[test]
    fn node_stale_leaves_the_last_node_behind() {
        use crate::twin::spec::{NODE_STALE_WEIGHTS, TwinSpec, Weights};
        let (new, old) = NODE_STALE_WEIGHTS;
        let s = TwinSpec::with_faults(Weights::new(90, 10).unwrap(), "i", &[Fault::NodeStale]);
        let edge = |s: &TwinSpec| (s.stable.edge_weight, s.canary.edge_weight);
        assert_eq!((s.stable.listener_weight, s.canary.listener_weight), new);
        assert_eq!(edge(&s.for_node(0, 3)), new);
        assert_eq!(edge(&s.for_node(1, 3)), new);
        assert_eq!(edge(&s.for_node(2, 3)), old);
        assert!(s.stable.replicas > 0 && s.canary.replicas > 0);
        let healthy = TwinSpec::healthy(Weights::new(90, 10).unwrap(), "i");
        assert_eq!(healthy.for_node(1, 2), healthy);
    }

    #[test]
    fn parse_all_dedups() {
        let f = Fault::parse_all(&["waf-off", "tls-legacy", "waf-off"]).unwrap();
        assert_eq!(f, vec![Fault::WafOff, Fault::TlsLegacy]);
    }
}
