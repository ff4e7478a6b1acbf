//! What the workflow asked `terraform apply` to deploy: flags first, else the values
//! app-infra's outputs echo back (`stable_weight`, `canary_weight`, `stable_image_tag`,
//! `canary_image_tag` in `terraform output -json`). Missing values are configuration
//! errors (exit 2) naming the flag.

use std::path::Path;

use super::rollout::Requested;
use crate::cli::GateArgs;
use crate::error::{Error, Result};

/// The requested deployment from the flags and `--tf-outputs`.
pub fn resolve(args: &GateArgs) -> Result<Requested> {
    let outputs = match &args.verify.tf_outputs {
        Some(p) => read(p)?,
        None => serde_json::Value::Null,
    };
    let value = |k: &str| outputs.get(k).and_then(|o| o.get("value"));
    let text = |k: &str| value(k).and_then(|v| v.as_str()).map(str::to_owned);
    let number = |k: &str| value(k).and_then(serde_json::Value::as_i64);
    let need = |v: Option<String>, flag: &str, output: &str| {
        v.filter(|t| !t.trim().is_empty()).ok_or_else(|| {
            Error::Config(format!(
                "gate: give --{flag} or --tf-outputs with the output {output}"
            ))
        })
    };
    let weight = |v: Option<i64>, flag: &str, output: &str| {
        v.ok_or_else(|| {
            Error::Config(format!(
                "gate: give --{flag} or --tf-outputs with the output {output}"
            ))
        })
    };
    let req = Requested {
        stable_tag: need(
            args.stable_tag.clone().or(text("stable_image_tag")),
            "stable-tag",
            "stable_image_tag",
        )?,
        canary_tag: need(
            args.canary_tag.clone().or(text("canary_image_tag")),
            "canary-tag",
            "canary_image_tag",
        )?,
        stable_weight: weight(
            args.stable_weight.or(number("stable_weight")),
            "stable-weight",
            "stable_weight",
        )?,
        canary_weight: weight(
            args.canary_weight.or(number("canary_weight")),
            "canary-weight",
            "canary_weight",
        )?,
    };
    let ok = |w: i64| (0..=crate::checks::split::MAX_WEIGHT).contains(&w);
    if !ok(req.stable_weight)
        || !ok(req.canary_weight)
        || req.stable_weight + req.canary_weight == 0
    {
        return Err(Error::Config(format!(
            "gate: requested weights {}/{} are not listener weights (0..={} each, not both 0)",
            req.stable_weight,
            req.canary_weight,
            crate::checks::split::MAX_WEIGHT
        )));
    }
    Ok(req)
}

fn read(path: &Path) -> Result<serde_json::Value> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Config(format!("--tf-outputs {}: {e}", path.display())))?;
    serde_json::from_str(&text)
        .map_err(|e| Error::Config(format!("--tf-outputs {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::VerifyArgs;

    fn args(tf: Option<&Path>, f: impl Fn(&mut GateArgs)) -> GateArgs {
        let mut a = GateArgs {
            stable_tag: None,
            canary_tag: None,
            stable_weight: None,
            canary_weight: None,
            rollout_timeout: 600,
            verify: VerifyArgs {
                tf_outputs: tf.map(Path::to_path_buf),
                ..VerifyArgs::default()
            },
        };
        f(&mut a);
        a
    }

    #[test]
    fn outputs_give_the_defaults_and_flags_win() {
        let dir = tempfile::tempdir().unwrap();
        let tf = dir.path().join("outputs.json");
        std::fs::write(
            &tf,
            r#"{"stable_image_tag":{"value":"v1"},"canary_image_tag":{"value":"v2"},
                "stable_weight":{"value":90},"canary_weight":{"value":10}}"#,
        )
        .unwrap();
        let r = resolve(&args(Some(&tf), |_| {})).unwrap();
        assert_eq!(
            (
                r.stable_tag.as_str(),
                r.canary_tag.as_str(),
                r.stable_weight,
                r.canary_weight
            ),
            ("v1", "v2", 90, 10)
        );
        let r = resolve(&args(Some(&tf), |a| {
            a.canary_tag = Some("v3".into());
            a.stable_weight = Some(50);
            a.canary_weight = Some(50);
        }))
        .unwrap();
        assert_eq!((r.canary_tag.as_str(), r.stable_weight), ("v3", 50));
    }

    #[test]
    fn missing_or_bad_values_are_one_line_config_errors() {
        for (a, needle) in [
            (args(None, |_| {}), "--stable-tag"),
            (
                args(None, |a| {
                    a.stable_tag = Some("v1".into());
                    a.canary_tag = Some("v2".into());
                    a.stable_weight = Some(90);
                }),
                "--canary-weight",
            ),
            (
                args(None, |a| {
                    a.stable_tag = Some("v1".into());
                    a.canary_tag = Some("v2".into());
                    a.stable_weight = Some(0);
                    a.canary_weight = Some(0);
                }),
                "not listener weights",
            ),
        ] {
            match resolve(&a) {
                Err(Error::Config(m)) => {
                    assert!(m.contains(needle), "{m}");
                    assert!(!m.contains('\n'));
                }
                other => panic!("{needle}: {other:?}"),
            }
        }
    }
}
