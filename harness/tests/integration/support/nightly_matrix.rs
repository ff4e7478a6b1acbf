//! Helpers of the nightly matrix's contract tests (`infra::matrix`): find steps of
//! `nightly-verify.yml`, run its plan and merge scripts with stand-ins, and parse a
//! `harness …` command line with the real CLI parser.

use super::infra::*;

use clap::CommandFactory;
use harness::cli::Cli;

pub const WF: &str = "nightly-verify.yml";

/// A step of `job` found by its `id` or, failing that, its `name`.
pub fn step<'a>(wf: &'a Yaml, job: &str, key: &str) -> &'a Yaml {
    wf["jobs"][job]["steps"]
        .as_sequence()
        .unwrap_or_else(|| panic!("{WF}: job {job}"))
        .iter()
        .find(|s| s["id"].as_str() == Some(key) || s["name"].as_str() == Some(key))
        .unwrap_or_else(|| panic!("{WF}/{job}: step {key}"))
}

pub fn uses_of<'a>(wf: &'a Yaml, job: &str, action: &str) -> Vec<&'a Yaml> {
    wf["jobs"][job]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter(|s| s["uses"].as_str().is_some_and(|u| u.starts_with(action)))
        .collect()
}

/// `key=value` lines a step wrote to `$GITHUB_OUTPUT`.
pub fn outputs(path: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// Runs the plan step with the workflow's env, `REQUESTED` (the dispatch input, empty
/// on a schedule) and `overrides`; its outputs on success, None when it refuses.
pub fn run_plan(
    wf: &Yaml,
    requested: &str,
    overrides: &[(&str, &str)],
) -> Option<BTreeMap<String, String>> {
    let script = step(wf, "plan", "plan")["run"].as_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let summary = dir.path().join("summary");
    let mut env: Vec<(String, String)> = wf["env"]
        .as_mapping()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().unwrap().to_owned(),
                v.as_str().unwrap().to_owned(),
            )
        })
        .collect();
    env.retain(|(k, _)| !overrides.iter().any(|(o, _)| o == k));
    env.extend(
        overrides
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    env.push(("REQUESTED".into(), requested.into()));
    env.push(("GITHUB_OUTPUT".into(), out.to_string_lossy().into()));
    env.push((
        "GITHUB_STEP_SUMMARY".into(),
        summary.to_string_lossy().into(),
    ));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let run = run_script(script, dir.path(), &env);
    run.status.success().then(|| outputs(&out))
}

/// `text` with every `${{ expr }}` replaced from `values`; panics on one left over.
pub fn substitute(text: &str, values: &[(&str, String)]) -> String {
    let mut text = text.to_owned();
    for (expr, value) in values {
        text = text.replace(&format!("${{{{ {expr} }}}}"), value);
    }
    assert!(!text.contains("${{"), "unknown expression in {text:?}");
    text
}

/// `harness ARGS` through the real parser; the subcommand's name.
pub fn parse(args: &[String]) -> String {
    let matches = Cli::command()
        .try_get_matches_from(std::iter::once("harness".to_owned()).chain(args.iter().cloned()))
        .unwrap_or_else(|e| panic!("harness {args:?} does not parse:\n{e}"));
    matches.subcommand_name().unwrap().to_owned()
}

/// The merge job's two scripts run in `dir`: the shard check, then (if it passed)
/// `harness merge` with a stand-in harness exiting `code`. The check's success, the
/// merge step's outputs and the stand-in's arguments.
pub fn run_merge(
    wf: &Yaml,
    dir: &Path,
    count: &str,
    code: i32,
) -> (bool, BTreeMap<String, String>, Vec<String>) {
    let out = dir.join("out");
    let summary = dir.join("summary");
    let (out_s, summary_s) = (
        out.to_string_lossy().into_owned(),
        summary.to_string_lossy().into_owned(),
    );
    let check = step(wf, "merge", "Every shard reported")["run"]
        .as_str()
        .unwrap();
    let env = [
        ("COUNT", count),
        ("GITHUB_OUTPUT", out_s.as_str()),
        ("GITHUB_STEP_SUMMARY", summary_s.as_str()),
    ];
    if !run_script(check, dir, &env).status.success() {
        return (false, BTreeMap::new(), Vec::new());
    }
    let merge = step(wf, "merge", "merge");
    assert_eq!(
        merge["env"]["HARNESS"].as_str(),
        Some("${{ steps.install.outputs.harness-path }}")
    );
    let fake = dir.join("harness-stand-in");
    let args = dir.join("args");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done > '{}'\nexit {code}\n",
            args.display()
        ),
    )
    .unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&fake)
        .status()
        .unwrap();
    let fake_s = fake.to_string_lossy().into_owned();
    let env = [
        ("HARNESS", fake_s.as_str()),
        ("GITHUB_OUTPUT", out_s.as_str()),
        ("GITHUB_STEP_SUMMARY", summary_s.as_str()),
    ];
    let run = run_script(merge["run"].as_str().unwrap(), dir, &env);
    assert!(
        run.status.success(),
        "merge step: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let args = std::fs::read_to_string(&args)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    (true, outputs(&out), args)
}

/// A shard folder as `harness gate --report-dir reports/shard-I` leaves it: one run folder.
pub fn shard(dir: &Path, i: u32) {
    let run = dir.join(format!(
        "reports/shard-{i}/20261201T031700Z-app.example.com"
    ));
    std::fs::create_dir_all(&run).unwrap();
    std::fs::write(run.join("report.json"), "{}").unwrap();
}
