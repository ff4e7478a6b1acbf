//! The opt-in floors of the `waf-posture` check, merged like every other setting
//! (flags over `--config`) and validated before any traffic against the attack
//! corpus's categories ([`crate::corpus`]).

use std::collections::BTreeMap;

use crate::error::{Error, Result};

/// Opt-in floors on the block rate (none by default: report only).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PostureFloors {
    /// Floor on the overall block rate (`--waf-min-block-rate`).
    pub overall: Option<f64>,
    /// Floors per category (`--waf-category-floor`, `[waf_category_floors]`).
    pub categories: BTreeMap<String, f64>,
}

impl PostureFloors {
    /// Whether no floor is set (report only).
    pub fn is_empty(&self) -> bool {
        self.overall.is_none() && self.categories.is_empty()
    }

    /// Checks every floor lies in (0, 1] and every category exists in the corpus.
    pub fn validate(&self) -> Result<()> {
        let ok = |x: f64| x.is_finite() && x > 0.0 && x <= 1.0;
        if let Some(f) = self.overall
            && !ok(f)
        {
            return Err(Error::Config(format!(
                "--waf-min-block-rate {f}: must be a share in (0, 1], e.g. 0.9"
            )));
        }
        let known = crate::corpus::categories();
        for (c, &f) in &self.categories {
            if !known.contains(&c.as_str()) {
                return Err(Error::Config(format!(
                    "waf category floor {c:?}: no such attack category (known: {})",
                    known.join(", ")
                )));
            }
            if !ok(f) {
                return Err(Error::Config(format!(
                    "waf category floor {c}={f}: must be a share in (0, 1], e.g. 0.9"
                )));
            }
        }
        Ok(())
    }

    /// Flags over the `--config` file: `--waf-min-block-rate` over
    /// `waf_min_block_rate`, any `--waf-category-floor` over `[waf_category_floors]`.
    pub fn merge(
        flags: (Option<f64>, &[String]),
        file: (Option<f64>, BTreeMap<String, f64>),
    ) -> Result<Self> {
        Ok(PostureFloors {
            overall: flags.0.or(file.0),
            categories: if flags.1.is_empty() {
                file.1
            } else {
                Self::parse_category_flags(flags.1)?
            },
        })
    }

    /// `--flag value` pairs that reproduce these floors.
    pub fn flags(&self) -> Vec<(&'static str, String)> {
        let mut out: Vec<_> = self
            .overall
            .map(|f| ("waf-min-block-rate", f.to_string()))
            .into_iter()
            .collect();
        for (c, f) in &self.categories {
            out.push(("waf-category-floor", format!("{c}={f}")));
        }
        out
    }

    /// Parses `CATEGORY=RATE` values of `--waf-category-floor`.
    pub fn parse_category_flags(values: &[String]) -> Result<BTreeMap<String, f64>> {
        values
            .iter()
            .map(|v| {
                let bad = || {
                    Error::Config(format!(
                        "--waf-category-floor {v:?}: expected CATEGORY=RATE, e.g. sqli=0.9"
                    ))
                };
                let (c, r) = v.split_once('=').ok_or_else(bad)?;
                let r: f64 = r.trim().parse().map_err(|_| bad())?;
                Ok((c.trim().to_string(), r))
            })
            .collect()
    }
}
