//! Known values of the hypergeometric tail, and simulations of the change-point test:
//! its false-alarm rate on homogeneous data and its power for a step.

use super::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use statrs::distribution::{DiscreteCDF, Hypergeometric as Reference};

/// `P(S = s)` by the definition, in logs.
fn pmf(big_n: u64, k: u64, n: u64, s: u64) -> f64 {
    (ln_binomial(k, s) + ln_binomial(big_n - k, n - s) - ln_binomial(big_n, n)).exp()
}

#[test]
fn tails_agree_with_direct_summation() {
    for (big_n, k, n) in [
        (20u64, 7u64, 5u64),
        (200, 20, 150),
        (2_000, 100, 1_000),
        (50, 49, 10),
    ] {
        let lo = (n + k).saturating_sub(big_n);
        let hi = n.min(k);
        for s in lo..=hi {
            let below: f64 = (lo..=s).map(|j| pmf(big_n, k, n, j)).sum();
            let above: f64 = (s..=hi).map(|j| pmf(big_n, k, n, j)).sum();
            let (l, u) = (
                hypergeometric_tail(big_n, k, n, s, false),
                hypergeometric_tail(big_n, k, n, s, true),
            );
            let close =
                |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.max(1e-300) || (a - b).abs() < 1e-12;
            assert!(
                close(l, below),
                "N={big_n} K={k} n={n} s={s}: {l} vs {below}"
            );
            assert!(
                close(u, above),
                "N={big_n} K={k} n={n} s={s}: {u} vs {above}"
            );
        }
    }
    // statrs agrees on a small case.
    let reference = Reference::new(200, 20, 150).unwrap();
    assert!((hypergeometric_tail(200, 20, 150, 13, false) - reference.cdf(13)).abs() < 1e-12);
    // Far tail: all 100 hits in the first half.
    // P = C(1000, 100) / C(2000, 100) = Π (1000 − i) / (2000 − i), i < 100.
    let exact: f64 = (0..100)
        .map(|i| (1000.0 - i as f64) / (2000.0 - i as f64))
        .product();
    let tail = hypergeometric_tail(2_000, 100, 1_000, 100, true);
    assert!((tail / exact - 1.0).abs() < 1e-9, "{tail} vs {exact}");
}

#[test]
fn finds_a_clean_step_and_ignores_no_information() {
    let mut segs = vec![Segment { n: 100, hits: 0 }; 10];
    segs.extend(vec![Segment { n: 100, hits: 10 }; 10]);
    let c = scan(&segs).unwrap();
    assert_eq!(c.boundary, 10);
    assert_eq!(c.before, Segment { n: 1000, hits: 0 });
    assert!((c.share_after() - 0.1).abs() < 1e-12);
    assert!(c.p_value < 1e-25, "{c:?}");
    // Perfectly even data: no change.
    let even = vec![Segment { n: 100, hits: 10 }; 20];
    assert!(scan(&even).unwrap().p_value > 0.99);
    // No hits, or one segment: nothing to test.
    assert_eq!(scan(&[Segment { n: 100, hits: 0 }; 5]), None);
    assert_eq!(scan(&[Segment { n: 100, hits: 7 }]), None);
}

/// Draws `segments` segments of `size` responses, the share `before` up to segment
/// `step` and `after` from it on.
fn draw(
    rng: &mut StdRng,
    segments: usize,
    size: u64,
    step: usize,
    before: f64,
    after: f64,
) -> Vec<Segment> {
    (0..segments)
        .map(|i| {
            let p = if i < step { before } else { after };
            let hits = (0..size).filter(|_| rng.random::<f64>() < p).count() as u64;
            Segment { n: size, hits }
        })
        .collect()
}

/// Scans every prefix (a look after each segment, as the monitor does), at the level
/// that spreads `gamma` over all (look, boundary) pairs; `true` on any detection.
fn alarm(segs: &[Segment], gamma: f64) -> bool {
    let k = segs.len() as u64;
    let level = scan_level(gamma, k * k);
    (2..=segs.len()).any(|j| scan(&segs[..j]).is_some_and(|c| c.p_value <= level))
}

/// False alarms on homogeneous data, at the shares the split check meets (1 %, 10 %,
/// 50 %) and 20 looks of 100 responses. With `gamma = 0.05` the rate must stay below
/// 0.05: the allowance is 4 binomial standard deviations of the 2,000-run estimate, so a
/// correct test fails it with probability < 4e-5 (normal approximation), while a scan
/// that ignored the multiplicity (level 0.05 per scan) alarms in most runs. At the
/// configured `CHANGE_FALSE_ALARM` (1e-4) 20,000 runs expect at most 2 alarms; 11 or more
/// has probability < 1e-5 (Poisson(2) tail).
#[test]
fn false_alarm_rate_stays_below_its_bound() {
    for (i, p) in [0.01, 0.1, 0.5].into_iter().enumerate() {
        let mut rng = StdRng::seed_from_u64(40 + i as u64);
        let runs = 2_000;
        let alarms = (0..runs)
            .filter(|_| alarm(&draw(&mut rng, 20, 100, 0, p, p), 0.05))
            .count();
        let rate = alarms as f64 / runs as f64;
        let limit = 0.05 + 4.0 * (0.05f64 * 0.95 / runs as f64).sqrt();
        println!("p {p}: false alarm rate {rate} at gamma 0.05");
        assert!(rate <= limit, "p {p}: false alarm rate {rate} > {limit}");
    }
    let mut rng = StdRng::seed_from_u64(43);
    let alarms = (0..20_000)
        .filter(|_| alarm(&draw(&mut rng, 20, 100, 0, 0.1, 0.1), CHANGE_FALSE_ALARM))
        .count();
    println!("false alarms at CHANGE_FALSE_ALARM: {alarms} of 20000");
    assert!(alarms <= 10, "{alarms} false alarms in 20,000 runs");
}

/// Power for the step the split check meets after a promotion: 0 % for the first
/// 1,000 responses, 10 % after, seen at 2,000 responses, at a level far stricter than
/// any the monitor uses (1e-4 over 10^7 scans). The p-value needs about 27 canary hits
/// after the step for 1e-11, and fewer than 27 of 1,000 at 10 % has probability below
/// 1e-15, so all 2,000 runs must detect it (a wrong outcome below 1e-11); the boundary
/// is estimated within one segment of the truth.
#[test]
fn detects_a_zero_to_ten_percent_step() {
    let mut rng = StdRng::seed_from_u64(44);
    let level = scan_level(CHANGE_FALSE_ALARM, 10_000_000);
    let runs = 2_000;
    let mut detected = 0;
    for _ in 0..runs {
        let segs = draw(&mut rng, 20, 100, 10, 0.0, 0.1);
        let c = scan(&segs).expect("hits after the step");
        if c.p_value <= level {
            detected += 1;
        }
        assert!((9..=11).contains(&c.boundary), "{c:?}");
    }
    let power = detected as f64 / runs as f64;
    println!("power for 0 % -> 10 % at 1,000 of 2,000: {power}");
    assert!(power >= 0.99, "power {power}");
}
