//! The nightly matrix (`nightly-verify.yml`) checked offline by running its own
//! scripts: the plan job's shard list covers 1..N exactly once at a share of one rate
//! the WAF's per-IP gate limit admits; every shard runs the gate action with
//! `--shard I/N` into `reports/shard-I`; the merge job needs every shard, refuses a
//! missing or stray one, runs `harness merge` over all of them and publishes one report
//! and one JUnit. Each `harness …` command line the workflow builds is parsed by the
//! real CLI parser, so a flag the harness does not have fails here, not at 03:17.

use crate::support::infra::*;
use crate::support::nightly_matrix::*;
use crate::support::workflow_gate;

#[test]
fn plan_covers_every_shard_once_at_a_share_of_a_rate_the_waf_admits() {
    let (_, wf) = load_workflow(WF);
    let env = |k: &str| wf["env"][k].as_str().unwrap().to_owned();
    let default = env("DEFAULT_SHARDS");
    let input = &wf["on"]["workflow_dispatch"]["inputs"]["shards"]["default"];
    assert_eq!(input.as_u64().map(|n| n.to_string()), Some(default.clone()));
    // The limit the plan checks is the one app-infra deploys.
    let app = load_stack("app-infra");
    assert_eq!(
        variable_default(&app, "waf_gate_rate_limit"),
        env("WAF_GATE_RATE_LIMIT")
    );
    let total: f64 = env("TOTAL_RPS").parse().unwrap();
    let window: f64 = env("WAF_WINDOW_S").parse().unwrap();
    let limit: f64 = env("WAF_GATE_RATE_LIMIT").parse().unwrap();
    assert!(total * window <= limit, "the default rate trips the WAF");

    let max: u64 = env("MAX_SHARDS").parse().unwrap();
    let cases = [
        (String::new(), default.parse::<u64>().unwrap()),
        ("1".into(), 1),
        ("3".into(), 3),
        (max.to_string(), max),
    ];
    for (requested, n) in cases {
        let out =
            run_plan(&wf, &requested, &[]).unwrap_or_else(|| panic!("plan refused {requested:?}"));
        let shards: Vec<u64> = serde_json::from_str(&out["shards"]).unwrap();
        assert_eq!(
            shards,
            (1..=n).collect::<Vec<_>>(),
            "shards 1..{n} once each"
        );
        assert_eq!(out["count"], n.to_string());
        let rps: f64 = out["rps"].parse().unwrap();
        // Rounded to 0.01 rps down or up: the shards together send TOTAL_RPS.
        assert!(
            (rps * n as f64 - total).abs() <= 0.005 * n as f64,
            "{rps} × {n}"
        );
    }
    let too_many = (max + 1).to_string();
    for bad in ["0", "-1", "x", "1.5", "4; id", "04", too_many.as_str()] {
        assert!(
            run_plan(&wf, bad, &[]).is_none(),
            "plan accepted shards={bad:?}"
        );
    }
    let over = format!("{}", limit / window + 1.0);
    assert!(
        run_plan(&wf, "", &[("TOTAL_RPS", over.as_str())]).is_none(),
        "rate over the WAF limit"
    );
    assert!(
        run_plan(&wf, "", &[("TOTAL_RPS", "0")]).is_none(),
        "no rate"
    );

    // The matrix is exactly the plan's list: no include/exclude to add or drop a shard.
    let verify = &wf["jobs"]["verify"];
    assert_eq!(verify["needs"].as_str(), Some("plan"));
    assert_eq!(verify["strategy"]["fail-fast"], Yaml::Bool(false));
    let matrix = verify["strategy"]["matrix"].as_mapping().unwrap();
    assert_eq!(matrix.len(), 1, "{matrix:?}");
    assert_eq!(
        verify["strategy"]["matrix"]["shard"].as_str(),
        Some("${{ fromJSON(needs.plan.outputs.shards) }}")
    );
}

#[test]
fn each_shard_runs_the_gate_action_with_its_shard_and_uploads_its_folder() {
    let (_, wf) = load_workflow(WF);
    let n = 4_u64;
    let plan = run_plan(&wf, &n.to_string(), &[]).unwrap();
    let gate = step(&wf, "verify", "verify");
    assert_eq!(
        gate["uses"].as_str(),
        Some("./"),
        "the gate action, as deploy-canary"
    );
    // Each action input, by the env name the action's gate step reads it under.
    let action = workflow_gate::load_action();
    let gate_env = action["runs"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| s["id"].as_str() == Some("gate"))
        .unwrap()["env"]
        .clone();
    let env_name = |input: &str| -> String {
        let wanted = format!("${{{{ inputs.{input} }}}}");
        gate_env
            .as_mapping()
            .unwrap()
            .iter()
            .find(|(_, v)| v.as_str() == Some(wanted.as_str()))
            .map(|(k, _)| k.as_str().unwrap().to_owned())
            .unwrap_or_else(|| panic!("action input {input} reaches no env"))
    };
    for shard in 1..=n {
        let values = [
            ("matrix.shard", shard.to_string()),
            ("needs.plan.outputs.count", plan["count"].clone()),
            ("needs.plan.outputs.rps", plan["rps"].clone()),
            ("runner.temp", "/runner/tmp".to_owned()),
            (
                "steps.deployed.outputs.stable_image_tag",
                "3f2a9c1".to_owned(),
            ),
            (
                "steps.deployed.outputs.canary_image_tag",
                "7b1e0d4".to_owned(),
            ),
            ("steps.deployed.outputs.stable_weight", "90".to_owned()),
            ("steps.deployed.outputs.canary_weight", "10".to_owned()),
            (
                "steps.deployed.outputs.changed_at",
                "2026-12-01T03:00:00+00:00".to_owned(),
            ),
        ];
        let inputs: Vec<(String, String)> = gate["with"]
            .as_mapping()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                (
                    env_name(k.as_str().unwrap()),
                    substitute(v.as_str().unwrap(), &values),
                )
            })
            .collect();
        let inputs: Vec<(&str, &str)> = inputs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let (_, args) = workflow_gate::run_gate_step(0, &inputs);
        let args: Vec<String> = args.lines().map(str::to_owned).collect();
        let after = |flag: &str| {
            let at = args
                .iter()
                .position(|a| a == flag)
                .unwrap_or_else(|| panic!("no {flag} in {args:?}"));
            assert_eq!(
                args.iter().filter(|a| *a == flag).count(),
                1,
                "{flag} twice: {args:?}"
            );
            args[at + 1].clone()
        };
        assert_eq!(after("--shard"), format!("{shard}/{n}"));
        assert_eq!(after("--report-dir"), format!("reports/shard-{shard}"));
        assert_eq!(after("--rps"), plan["rps"]);
        assert_eq!(after("--tf-outputs"), "/runner/tmp/outputs.json");
        assert_eq!(parse(&args), "gate");
    }

    // The shard's artifact holds reports/ (so shard-I/ inside), named per shard, kept
    // when the gate failed, replaced when the shard is re-run.
    let uploads = uses_of(&wf, "verify", "actions/upload-artifact@");
    assert_eq!(uploads.len(), 1);
    let upload = uploads[0];
    assert!(upload["if"].as_str().unwrap().contains("always()"));
    assert_eq!(upload["with"]["path"].as_str(), Some("reports/"));
    assert_eq!(upload["with"]["overwrite"], Yaml::Bool(true));
    let name = upload["with"]["name"].as_str().unwrap();
    assert_eq!(name, "nightly-verify-shard-${{ matrix.shard }}");
    assert!(
        uses_of(&wf, "verify", "dorny/test-reporter@").is_empty(),
        "shards publish no JUnit"
    );

    let download = uses_of(&wf, "merge", "actions/download-artifact@");
    assert_eq!(download.len(), 1);
    let with = &download[0]["with"];
    let pattern = with["pattern"].as_str().unwrap();
    assert_eq!(pattern, name.replace("${{ matrix.shard }}", "*"));
    assert_eq!(with["merge-multiple"], Yaml::Bool(true));
    assert_eq!(with["path"].as_str(), Some("reports"));
}

/// Lays out a downloaded `reports/` folder in a test directory.
type Prepare = dyn Fn(&Path);

#[test]
fn merge_needs_every_shard_refuses_a_missing_one_and_publishes_one_verdict() {
    let (_, wf) = load_workflow(WF);
    let job = &wf["jobs"]["merge"];
    let needs: Vec<&str> = job["needs"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(
        needs.contains(&"verify") && needs.contains(&"plan"),
        "{needs:?}"
    );
    assert_eq!(
        wf["jobs"].as_mapping().unwrap().len(),
        3,
        "plan, verify, merge"
    );
    // Runs when a shard failed (not only on success), not when the run is cancelled.
    assert_eq!(job["if"].as_str(), Some("${{ !cancelled() }}"));
    assert_eq!(
        step(&wf, "merge", "Every shard reported")["env"]["COUNT"].as_str(),
        Some("${{ needs.plan.outputs.count }}")
    );

    let n = 4;
    let all = tempfile::tempdir().unwrap();
    (1..=n).for_each(|i| shard(all.path(), i));
    let (ok, out, args) = run_merge(&wf, all.path(), "4", 0);
    assert!(ok, "all shards present");
    let shards: Vec<String> = (1..=n).map(|i| format!("reports/shard-{i}")).collect();
    assert_eq!(args[0], "merge");
    let mut given: Vec<String> = args[1..=n as usize].to_vec();
    given.sort();
    assert_eq!(given, shards, "merge gets every shard folder once");
    assert_eq!(args[n as usize + 1..], ["--report-dir", "reports/merged"]);
    assert_eq!(parse(&args), "merge");
    assert_eq!(
        (out["exit-code"].as_str(), out["verdict"].as_str()),
        ("0", "go")
    );
    for (code, verdict) in [
        (1, "rollback"),
        (2, "config-error"),
        (3, "inconclusive"),
        (4, "error"),
    ] {
        let (_, out, _) = run_merge(&wf, all.path(), "4", code);
        assert_eq!(
            (out["exit-code"].as_str(), out["verdict"].as_str()),
            (code.to_string().as_str(), verdict)
        );
    }

    // A missing shard, a shard with no or two reports, a stray shard, or no plan at all
    // fails before anything is merged.
    let twice = |d: &Path| {
        (1..=4).for_each(|i| shard(d, i));
        let again = d.join("reports/shard-1/20261201T031800Z-app.example.com");
        std::fs::create_dir_all(&again).unwrap();
        std::fs::write(again.join("report.json"), "{}").unwrap();
    };
    let empty = |d: &Path| {
        [1, 3, 4].into_iter().for_each(|i| shard(d, i));
        std::fs::create_dir_all(d.join("reports/shard-2")).unwrap();
    };
    let cases: [(&str, &Prepare, &str); 6] = [
        (
            "shard 3 missing",
            &|d| [1, 2, 4].into_iter().for_each(|i| shard(d, i)),
            "4",
        ),
        ("shard 2 empty", &empty, "4"),
        ("shard 1 twice", &twice, "4"),
        ("shard 5 of 4", &|d| (1..=5).for_each(|i| shard(d, i)), "4"),
        ("no plan", &|d| (1..=4).for_each(|i| shard(d, i)), ""),
        ("nothing downloaded", &|_| {}, "4"),
    ];
    for (label, prepare, count) in cases {
        let dir = tempfile::tempdir().unwrap();
        prepare(dir.path());
        let (ok, _, args) = run_merge(&wf, dir.path(), count, 0);
        assert!(!ok && args.is_empty(), "{label}: merged anyway");
    }

    // One report, one JUnit, both of the merged run, and a red run unless it is a go.
    let uploads = uses_of(&wf, "merge", "actions/upload-artifact@");
    assert_eq!(uploads.len(), 1);
    assert_eq!(uploads[0]["with"]["path"].as_str(), Some("reports/merged/"));
    assert!(uploads[0]["if"].as_str().unwrap().contains("always()"));
    let junit = uses_of(&wf, "merge", "dorny/test-reporter@");
    assert_eq!(junit.len(), 1);
    assert_eq!(
        junit[0]["with"]["path"].as_str(),
        Some("reports/merged/**/junit.xml")
    );
    assert_eq!(job["permissions"]["checks"].as_str(), Some("write"));
    let fail = step(&wf, "merge", "Fail the run on a non-go verdict");
    assert_eq!(
        fail["if"].as_str(),
        Some("always() && steps.merge.outputs.exit-code != '0'")
    );
    assert!(fail["run"].as_str().unwrap().contains("exit 1"));
}
