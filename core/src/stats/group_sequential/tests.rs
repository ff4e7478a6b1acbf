//! Exact checks of the recursion and the calibration against direct computation.
use super::*;
use crate::stats::binomial::clopper_pearson;
use crate::stats::equivalence::{Decision, decide};
use proptest::prelude::*;

const BAND: Band = Band {
    center: 0.1,
    margin: 0.02,
};

#[test]
fn rules_agree_with_the_interval_rule() {
    for n in [50u64, 333, 1000, 4321] {
        for nominal in [0.01, 0.0013, 0.0002] {
            let r = LookRule::new(n, BAND, nominal);
            for x in 0..=n {
                let by_rule = if r.pass.0 <= x && x <= r.pass.1 {
                    Decision::Inside
                } else if x >= r.fail_above || x < r.fail_below {
                    Decision::Outside
                } else {
                    Decision::Undecided
                };
                let by_interval = decide(clopper_pearson(x, n, nominal), BAND);
                assert_eq!(by_rule, by_interval, "n={n} x={x} a={nominal}");
            }
        }
    }
}

#[test]
fn one_look_is_the_exact_fixed_sample_test() {
    // One look: P(PASS) equals the binomial mass of the pass range.
    let n = 4000;
    let rule = LookRule::new(n, BAND, 0.01);
    let op = operating(&[rule], 0.1);
    let d = Binomial::new(0.1, n).unwrap();
    let direct = d.cdf(rule.pass.1) - d.cdf(rule.pass.0 - 1);
    assert!((op.pass - direct).abs() < 1e-9, "{} vs {direct}", op.pass);
    assert!((op.expected_n - n as f64).abs() < 1e-6);
}

#[test]
fn calibration_beats_bonferroni_and_holds_the_edges() {
    let looks: Vec<u64> = (0..20).map(|k| 1000 + 250 * k).collect();
    let alpha = 0.01;
    let a = calibrate(&looks, BAND, alpha);
    let bonferroni = alpha / looks.len() as f64;
    assert!(
        a > 2.0 * bonferroni,
        "calibrated {a} vs Bonferroni {bonferroni}"
    );
    assert!(a < alpha);
    assert!(edge_error(&looks, BAND, a) <= alpha / 2.0);
    // The next step up the bracket would break the guarantee (calibration is tight).
    assert!(edge_error(&looks, BAND, a * 1.05) > alpha / 2.0 * 0.95);
}

#[test]
fn healthy_truth_passes_and_shifted_truth_fails() {
    let looks: Vec<u64> = (1..=30).map(|k| 500 * k).collect();
    let a = calibrate(&looks, BAND, 0.01);
    let rules = rules(&looks, BAND, a);
    let healthy = operating(&rules, 0.1);
    assert!(healthy.pass > 0.99, "{healthy:?}");
    let shifted = operating(&rules, 0.15);
    assert!(shifted.fail > 0.99, "{shifted:?}");
    assert!(shifted.expected_n < healthy.expected_n);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn probabilities_are_probabilities(truth in 0.0f64..1.0, first in 20u64..400) {
        let looks: Vec<u64> = (1..=6).map(|k| first * k).collect();
        let op = operating(&rules(&looks, BAND, 0.002), truth);
        prop_assert!(op.pass >= 0.0 && op.fail >= 0.0);
        prop_assert!(op.pass + op.fail <= 1.0 + 1e-9);
        prop_assert!(op.expected_n >= first as f64 - 1e-6);
        prop_assert!(op.expected_n <= (6 * first) as f64 + 1e-6);
    }
}
