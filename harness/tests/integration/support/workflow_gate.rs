//! Workflow contracts of the deploy gate as users run it: deploys and applies only
//! from main, shared-infra applies the reviewed saved plan, the harness is built once
//! and installed by the composite action.yml, whose gate step passes the flags and
//! maps `harness gate`'s exit code (run here with a stand-in binary), and the JUnit of
//! the verdict that decides (deploy-canary's gate, the nightly's merge of its shards)
//! goes to the test reporter.

use super::infra::*;

pub fn load_action() -> Yaml {
    let text = std::fs::read_to_string(repo_root().join("action.yml")).expect("action.yml");
    serde_yaml_ng::from_str(&text).expect("action.yml parses")
}

pub fn check_main_only() {
    for (wf, job) in [
        ("deploy-canary.yml", "deploy"),
        ("shared-infra.yml", "apply"),
    ] {
        let (_, y) = load_workflow(wf);
        let guard = y["jobs"][job]["if"].as_str().unwrap_or_default();
        assert!(
            guard.contains("github.ref == 'refs/heads/main'"),
            "{wf}/{job}: if = {guard:?}"
        );
        assert_eq!(y["jobs"][job]["environment"].as_str(), Some("production"));
    }
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    assert!(
        readme.contains("deployment branch"),
        "README: the environment's branch rule"
    );
}

pub fn check_saved_plan() {
    let (_, wf) = load_workflow("shared-infra.yml");
    let plan = &wf["jobs"]["plan"];
    let apply = &wf["jobs"]["apply"];
    assert!(
        plan["if"].as_str().unwrap().contains("refs/heads/main"),
        "plan runs on main"
    );
    assert_eq!(apply["needs"].as_str(), Some("plan"));
    let steps = |j: &Yaml| j["steps"].as_sequence().unwrap().clone();
    let runs = |j: &Yaml| -> Vec<String> {
        steps(j)
            .iter()
            .filter_map(|s| s["run"].as_str().map(str::to_owned))
            .collect()
    };
    assert!(
        runs(plan)
            .iter()
            .any(|r| r.contains("terraform plan") && r.contains("-out=tfplan"))
    );
    let upload = steps(plan)
        .into_iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/upload-artifact@"))
        })
        .expect("plan job uploads the saved plan");
    let name = upload["with"]["name"].as_str().unwrap().to_owned();
    let paths = upload["with"]["path"].as_str().unwrap();
    assert!(
        paths.contains("tfplan") && paths.contains(".terraform.lock.hcl"),
        "{paths}"
    );
    let apply_runs = runs(apply).join("\n");
    assert!(!apply_runs.contains("terraform plan"), "apply job re-plans");
    assert!(apply_runs.contains("terraform apply -no-color -lock-timeout=5m tfplan"));
    assert!(apply_runs.contains(&name.replace("${{ github.run_id }}", "${GITHUB_RUN_ID}")));
    assert!(
        apply_runs.contains("sha256sum --check"),
        "the applied file is the reviewed one"
    );
    let sha = apply["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find_map(|s| s["env"]["PLAN_SHA256"].as_str())
        .expect("PLAN_SHA256");
    assert_eq!(sha, "${{ needs.plan.outputs.plan_sha256 }}");
}

pub fn check_built_once() {
    let toolchain = std::fs::read_to_string(repo_root().join("rust-toolchain.toml")).unwrap();
    assert!(toolchain.contains("channel = \"1.95.0\""), "{toolchain}");
    assert!(
        toolchain.contains("components = [\"rustfmt\", \"clippy\"]"),
        "{toolchain}"
    );
    let key = "log -1 --format=%H -- app harness Cargo.toml Cargo.lock rust-toolchain.toml";
    let (hello, hello_yaml) = load_workflow("app-hello-world.yml");
    assert!(
        hello.contains(key),
        "app-hello-world keys the artifact on the harness sources"
    );
    let job = &hello_yaml["jobs"]["harness"];
    assert!(job["if"].as_str().unwrap().contains("refs/heads/main"));
    let upload = job["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/upload-artifact@"))
        })
        .expect("harness artifact upload");
    assert_eq!(
        upload["with"]["name"].as_str(),
        Some("harness-${{ steps.build.outputs.key }}")
    );
    let action = std::fs::read_to_string(repo_root().join("action.yml")).unwrap();
    assert!(action.contains(key) && action.contains("harness-${key}"));
    for wf in [
        "app-hello-world.yml",
        "deploy-canary.yml",
        "nightly-verify.yml",
        "shared-infra.yml",
    ] {
        let (text, _) = load_workflow(wf);
        assert!(
            !text.contains("rustup default stable"),
            "{wf}: unpinned toolchain"
        );
    }
    // The JUnit that decides: deploy-canary's one gate run, the nightly's merged report
    // (its shards' reports are merged first, see infra::matrix).
    for (wf, junit_job, junit) in [
        ("deploy-canary.yml", "deploy", "reports/**/junit.xml"),
        ("nightly-verify.yml", "merge", "reports/merged/**/junit.xml"),
    ] {
        let (text, y) = load_workflow(wf);
        assert!(!text.contains("cargo build"), "{wf} compiles the harness");
        let steps_of = |job: &Yaml| job["steps"].as_sequence().unwrap().clone();
        let is_gate =
            |s: &Yaml| s["uses"].as_str() == Some("./") && s["with"]["tf-outputs"].is_string();
        let gate_jobs: Vec<&Yaml> = y["jobs"]
            .as_mapping()
            .unwrap()
            .values()
            .filter(|job| steps_of(job).iter().any(is_gate))
            .collect();
        assert_eq!(gate_jobs.len(), 1, "{wf}: one job runs the gate");
        // Every job that installs the harness through the action can fetch the release
        // artifact and knows the commit that last changed its sources.
        for job in y["jobs"].as_mapping().unwrap().values() {
            let steps = steps_of(job);
            if !steps.iter().any(|s| s["uses"].as_str() == Some("./")) {
                continue;
            }
            assert_eq!(job["permissions"]["actions"].as_str(), Some("read"), "{wf}");
            assert_eq!(
                steps[0]["with"]["fetch-depth"].as_u64(),
                Some(0),
                "{wf}: full history"
            );
        }
        let steps = steps_of(gate_jobs[0]);
        let gate = steps
            .iter()
            .find(|s| is_gate(s))
            .unwrap_or_else(|| panic!("{wf}: no gate step through action.yml"));
        for input in [
            "stable-tag",
            "canary-tag",
            "stable-weight",
            "canary-weight",
            "changed-at",
        ] {
            assert!(gate["with"][input].is_string(), "{wf}: gate input {input}");
        }
        let reporters: Vec<(String, Yaml)> = y["jobs"]
            .as_mapping()
            .unwrap()
            .iter()
            .flat_map(|(name, job)| {
                steps_of(job)
                    .into_iter()
                    .map(move |s| (name.as_str().unwrap().to_owned(), s))
            })
            .filter(|(_, s)| {
                s["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("dorny/test-reporter@"))
            })
            .collect();
        assert_eq!(reporters.len(), 1, "{wf}: one JUnit published");
        let (job, reporter) = &reporters[0];
        assert_eq!(job, junit_job, "{wf}: JUnit published by the wrong job");
        assert_eq!(reporter["with"]["path"].as_str(), Some(junit), "{wf}");
    }
}

/// Runs the action's gate step with a stand-in `harness` exiting `code`; returns the
/// step's outputs and the arguments the stand-in received (one per line).
pub fn run_gate_step(code: i32, inputs: &[(&str, &str)]) -> (BTreeMap<String, String>, String) {
    let action = load_action();
    let steps = action["runs"]["steps"].as_sequence().unwrap();
    let gate = steps
        .iter()
        .find(|s| s["id"].as_str() == Some("gate"))
        .expect("gate step");
    assert_eq!(gate["if"].as_str(), Some("inputs.install-only != 'true'"));
    let script = gate["run"].as_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("harness");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done > \"{}/args\"\nexit {code}\n",
            dir.path().display()
        ),
    )
    .unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&fake)
        .status()
        .unwrap();
    let out_file = dir.path().join("out");
    // GitHub sets every env entry of the step, empty when the input is not given.
    let mut env: Vec<(&str, &str)> = gate["env"]
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap())
        .map(|k| {
            (
                k,
                inputs.iter().find(|(n, _)| *n == k).map_or("", |(_, v)| *v),
            )
        })
        .collect();
    assert!(
        inputs.iter().all(|(k, _)| env.iter().any(|(n, _)| n == k)),
        "unknown input"
    );
    let fake_s = fake.to_string_lossy().into_owned();
    let out_s = out_file.to_string_lossy().into_owned();
    env.push(("HARNESS", &fake_s));
    env.push(("GITHUB_OUTPUT", &out_s));
    let run = run_script(script, dir.path(), &env);
    assert!(
        run.status.success(),
        "gate step failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let outputs = std::fs::read_to_string(&out_file)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let args = std::fs::read_to_string(dir.path().join("args")).unwrap();
    (outputs, args)
}
