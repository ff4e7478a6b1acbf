//! The split test's design, fixed by the configuration before any traffic is sent:
//! the band, the look plan, the calibrated nominal level, and the exact operating
//! characteristics at the configured share. A design whose healthy split would reach
//! PASS with probability below [`MIN_PASS_PROBABILITY`] within the budget is rejected
//! as a configuration error (exit 2) that names the budget it needs: otherwise every
//! run of it would end INCONCLUSIVE (or worse, PASS by luck) and say nothing.
//!
//! * Interior weights: `P(PASS | true share = p0)` within the budget is exact, from the
//!   group-sequential recursion ([`group_sequential::Recursion`]) on the planned looks
//!   at the calibrated level. The smallest adequate budget is searched on the look
//!   positions of the unbounded schedule (a budget at a look position keeps every
//!   earlier look): one recursion pass at the current level finds the first look where
//!   `P(PASS)` reaches the target; calibrating there lowers the level (more looks), so
//!   the check repeats until the calibrated design at that budget reaches the target.
//!   Each round moves the candidate up at least one look, and the first round starts
//!   from a lower bound (the level of a shorter schedule is larger).
//! * Weight 0 or 100 (the leak test): the healthy split has no hit on the zero side,
//!   so PASS is certain once the leak sample `n = ⌈ln α / ln(1 − leak margin)⌉` fits in
//!   the budget, and impossible otherwise.
//!
//! Designs are memoised per configuration: simulations build thousands of monitors.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use super::config::{
    FIRST_LOOK_FRACTION, FIXED_N_LIMIT, LOOK_RATIO, MIN_FIRST_LOOK, MIN_PASS_PROBABILITY,
    SplitConfig, ZERO_WEIGHT_LOOKS,
};
use crate::error::{Error, Result};
use crate::stats::group_sequential::{self, LookRule, Operating, Recursion};
use crate::stats::sample_size::{FIXED_N_POWER, Goal, fixed_n_exact, fixed_n_tost};
use crate::stats::{self, Band, LookPlan};

/// Largest budget the adequacy search considers; beyond it the message says "more
/// than" this.
pub const BUDGET_SEARCH_LIMIT: u64 = 2_000_000;
/// Rounds of the budget search (each calibrates once); it converges in two or three.
const BUDGET_SEARCH_ROUNDS: u32 = 8;

/// Everything the monitor needs that depends on the configuration only.
#[derive(Debug, Clone)]
pub struct Design {
    /// Configured canary share.
    pub p0: f64,
    /// The band with the effective margin (interior weights); for weight 0/100 the
    /// centre and the leak margin.
    pub band: Band,
    /// When to look.
    pub plan: LookPlan,
    /// Calibrated nominal level of every look (`None` for weight 0/100).
    pub nominal: Option<f64>,
    /// Leak-test sample for weight 0/100.
    pub zero_n: u64,
    /// Responses the one-shot design needs (the leak sample for weight 0/100).
    pub fixed_n: u64,
    /// Exact operating characteristics when the true share is the configured one.
    pub healthy: Operating,
}

type Key = (i64, i64, u64, u64, u64, u64);

/// The design of a validated configuration, or the configuration error saying which
/// budget it needs (memoised).
pub fn design(cfg: &SplitConfig) -> Result<Design> {
    static CACHE: OnceLock<Mutex<HashMap<Key, std::result::Result<Design, String>>>> =
        OnceLock::new();
    let key = (
        cfg.stable_weight,
        cfg.canary_weight,
        cfg.alpha.to_bits(),
        cfg.margin.to_bits(),
        cfg.leak_margin.to_bits(),
        cfg.max_requests,
    );
    let cache = CACHE.get_or_init(Mutex::default);
    let cached = cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&key)
        .cloned();
    let result = match cached {
        Some(r) => r,
        None => {
            let r = compute(cfg);
            cache
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(key, r.clone());
            r
        }
    };
    result.map_err(Error::Config)
}

fn compute(cfg: &SplitConfig) -> std::result::Result<Design, String> {
    let (_, p0) = stats::shares(cfg.stable_weight, cfg.canary_weight)
        .ok_or_else(|| "weights define no split".to_string())?;
    let n_max = cfg.max_requests;
    let zero_n = stats::zero_weight_n(cfg.leak_margin, cfg.alpha);
    if p0 == 0.0 || p0 == 1.0 {
        let plan = LookPlan::Linear {
            step: zero_n.div_ceil(ZERO_WEIGHT_LOOKS).max(1),
            anchor: zero_n,
            n_max,
        };
        let fits = zero_n <= n_max;
        let healthy = Operating {
            pass: if fits { 1.0 } else { 0.0 },
            fail: 0.0,
            expected_n: zero_n.min(n_max) as f64,
        };
        if !fits {
            return Err(format!(
                "--max-requests {n_max} gives P(PASS | healthy {}/{}) = 0.00 at leak margin \
                 {}: the leak test needs {zero_n} responses with no hit on the zero-weight \
                 side; it needs at least {}",
                cfg.stable_weight,
                cfg.canary_weight,
                cfg.leak_margin,
                thousands(zero_n)
            ));
        }
        return Ok(Design {
            p0,
            band: Band {
                center: p0,
                margin: cfg.leak_margin,
            },
            plan,
            nominal: None,
            zero_n,
            fixed_n: zero_n,
            healthy,
        });
    }
    let band = Band::scaled(p0, cfg.margin);
    let fixed_n = fixed_n_exact(
        p0,
        band,
        cfg.alpha,
        FIXED_N_POWER,
        Goal::Inside,
        FIXED_N_LIMIT,
    )
    .unwrap_or(FIXED_N_LIMIT);
    let first = ((fixed_n as f64 * FIRST_LOOK_FRACTION).ceil() as u64).max(MIN_FIRST_LOOK);
    let plan = geometric(first, n_max);
    let looks = plan.looks();
    let nominal = group_sequential::calibrate(&looks, band, cfg.alpha);
    let healthy = group_sequential::operating(&group_sequential::rules(&looks, band, nominal), p0);
    if healthy.pass < MIN_PASS_PROBABILITY {
        let needed = match smallest_budget(first, band, cfg.alpha, nominal) {
            Some(b) => format!("it needs at least {}", thousands(b)),
            None => format!("it needs more than {}", thousands(BUDGET_SEARCH_LIMIT)),
        };
        return Err(format!(
            "--max-requests {n_max} gives P(PASS | healthy {}/{}) = {:.2} at margin {} \
             (effective ±{}) below the required {MIN_PASS_PROBABILITY}; {needed} \
             (or widen --margin)",
            cfg.stable_weight,
            cfg.canary_weight,
            floor2(healthy.pass),
            cfg.margin,
            band.margin,
        ));
    }
    Ok(Design {
        p0,
        band,
        plan,
        nominal: Some(nominal),
        zero_n,
        fixed_n,
        healthy,
    })
}

/// The geometric look plan from `first` (clamped to the budget) up to `n_max`.
fn geometric(first: u64, n_max: u64) -> LookPlan {
    LookPlan::Geometric {
        first: first.min(n_max),
        ratio: LOOK_RATIO,
        n_max,
    }
}

/// The smallest budget at a look position of the unbounded schedule from `first` for
/// which the calibrated design reaches [`MIN_PASS_PROBABILITY`] at the configured share
/// (module doc); `None` beyond [`BUDGET_SEARCH_LIMIT`]. `nominal` is the level of a
/// shorter schedule (an upper bound on the level of any longer one).
pub fn smallest_budget(first: u64, band: Band, alpha: f64, mut nominal: f64) -> Option<u64> {
    // The one-shot test at the current level estimates the scale: far beyond the
    // limit, no exact pass is needed to say so.
    let rough = fixed_n_tost(band.center, band.margin, nominal, MIN_PASS_PROBABILITY);
    if rough > BUDGET_SEARCH_LIMIT {
        return None;
    }
    let all = geometric(first, BUDGET_SEARCH_LIMIT).looks();
    for _ in 0..BUDGET_SEARCH_ROUNDS {
        let mut rec = Recursion::new(band.center);
        let k = all.iter().position(|&n| {
            rec.look(&LookRule::new(n, band, nominal)).pass >= MIN_PASS_PROBABILITY
        })?;
        let looks = &all[..=k];
        let level = group_sequential::calibrate(looks, band, alpha);
        let op =
            group_sequential::operating(&group_sequential::rules(looks, band, level), band.center);
        if op.pass >= MIN_PASS_PROBABILITY {
            return Some(all[k]);
        }
        nominal = level;
    }
    None
}

/// `p` rounded down to two decimals (so 0.989 is shown as 0.98, never as 0.99).
fn floor2(p: f64) -> f64 {
    (p * 100.0).floor() / 100.0
}

/// `67413` → `"67,413"`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
