//! Unit tests of the twin's description (weights parsing, faults applied to a spec).
use super::*;

fn w(s: &str) -> Weights {
    s.parse().unwrap()
}

#[test]
fn parses_weights() {
    assert_eq!(
        w("90/10"),
        Weights {
            stable: 90,
            canary: 10
        }
    );
    assert_eq!(
        w(" 100 / 0 "),
        Weights {
            stable: 100,
            canary: 0
        }
    );
    for bad in ["", "90", "90/", "a/b", "-1/10", "0/0", "1000/1", "90/10/0"] {
        assert!(
            matches!(bad.parse::<Weights>(), Err(Error::Config(_))),
            "{bad:?}"
        );
    }
}

#[test]
fn healthy_planes_agree() {
    let s = TwinSpec::healthy(w("90/10"), "img:t");
    assert_eq!(s.stable.edge_weight, s.stable.listener_weight);
    assert_eq!(s.canary.edge_weight, s.canary.listener_weight);
    assert_eq!((s.stable.replicas, s.canary.replicas), (2, 1));
    assert_eq!(s.waf, WafMode::Blocking);
    assert!(!s.legacy_tls());
}

#[test]
fn weight_zero_scales_to_zero() {
    let s = TwinSpec::healthy(w("100/0"), "img:t");
    assert_eq!((s.canary.replicas, s.canary.desired), (0, 0));
}

#[test]
fn weight_drift_moves_the_edge_only() {
    let s = TwinSpec::with_faults(w("90/10"), "i", &[Fault::WeightDrift]);
    assert_eq!(
        (s.stable.listener_weight, s.canary.listener_weight),
        (90, 10)
    );
    assert_eq!((s.stable.edge_weight, s.canary.edge_weight), (70, 30));
    let s = TwinSpec::with_faults(w("10/90"), "i", &[Fault::WeightDrift]);
    assert_eq!((s.stable.edge_weight, s.canary.edge_weight), (30, 70));
    let s = TwinSpec::with_faults(w("100/0"), "i", &[Fault::WeightDrift]);
    assert_eq!(s.canary.edge_weight, 20);
    assert_eq!(s.canary.replicas, 1, "a drifted canary needs a container");
}

#[test]
fn canary_not_scaled_keeps_a_serving_canary() {
    let s = TwinSpec::with_faults(w("90/10"), "i", &[Fault::CanaryNotScaled]);
    assert_eq!(s.canary.listener_weight, 0);
    assert!(s.canary.edge_weight > 0);
    assert_eq!((s.canary.replicas, s.canary.desired), (1, 1));
}

#[test]
fn canary_starved_gives_the_canary_listener_weight_but_no_edge_traffic() {
    for weights in ["90/10", "100/0", "50/50"] {
        let s = TwinSpec::with_faults(w(weights), "i", &[Fault::CanaryStarved]);
        assert_eq!(
            (s.stable.listener_weight, s.canary.listener_weight),
            (99, 1)
        );
        assert_eq!((s.stable.edge_weight, s.canary.edge_weight), (100, 0));
        assert_eq!((s.canary.replicas, s.canary.desired), (1, 1), "{weights}");
    }
}

#[test]
fn other_faults_flip_one_knob() {
    let s = TwinSpec::with_faults(
        w("90/10"),
        "i",
        &[
            Fault::WafOff,
            Fault::CertExpired,
            Fault::TlsLegacy,
            Fault::NoRedirect,
            Fault::CanaryErrors,
            Fault::CanarySlow,
        ],
    );
    assert_eq!(s.waf, WafMode::DetectionOnly);
    assert_eq!(s.cert, CertProfile::Expired);
    assert!(s.legacy_tls());
    assert!(!s.redirect);
    assert!(s.canary.error_rate > 0.0 && s.stable.error_rate == 0.0);
    assert!(s.canary.delay_ms > 0 && s.stable.delay_ms == 0);
    assert_eq!(s.faults.len(), 6);
}
