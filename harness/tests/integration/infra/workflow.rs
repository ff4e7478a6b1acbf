//! The contract between `.github/workflows/`, `terraform/app-infra` and `harness
//! verify --tf-outputs`, checked offline: the deploy workflow's own input validation
//! (run for real) agrees with Terraform's, app-infra's outputs cover what the harness
//! and the workflows read, and the workflows pin actions by SHA, scope permissions per
//! job and never overlap deploys.

use crate::support::infra;

use infra::*;
use std::process::Command;

/// The deploy workflow validates inputs in bash before touching anything; it must agree
/// with the Terraform validation. The step's script is extracted from the YAML and run.
#[test]
fn workflow_input_validation_agrees_with_terraform() {
    let app = load_stack("app-infra");
    let (_, wf) = load_workflow("deploy-canary.yml");
    let steps = wf["jobs"]["validate"]["steps"]
        .as_sequence()
        .expect("validate steps");
    let script = steps
        .iter()
        .find(|s| s["id"].as_str() == Some("check"))
        .and_then(|s| s["run"].as_str())
        .expect("step id: check with a run script");
    let dir = tempfile::tempdir().unwrap();
    let run = |stable: &str, canary: &str, (stable_tag, canary_tag): (&str, &str)| -> bool {
        Command::new("bash")
            .arg("-c")
            .arg(script)
            .env("STABLE_TAG", stable_tag)
            .env("CANARY_TAG", canary_tag)
            .env("STABLE_WEIGHT", stable)
            .env("CANARY_WEIGHT", canary)
            .env("GITHUB_OUTPUT", dir.path().join("out"))
            .env("GITHUB_STEP_SUMMARY", dir.path().join("summary"))
            .output()
            .unwrap()
            .status
            .success()
    };
    let pairs = [
        (100, 0),
        (0, 100),
        (99, 1),
        (50, 50),
        (60, 30),
        (0, 0),
        (60, 50),
        (100, 100),
        (101, -1),
        (-10, 110),
        (1000, -900),
    ];
    for (stable, canary) in pairs {
        assert_eq!(
            run(
                &stable.to_string(),
                &canary.to_string(),
                ("latest", "latest")
            ),
            weights_pass_validation(&app, stable, canary),
            "bash and Terraform disagree on stable={stable} canary={canary}"
        );
    }
    for (stable, canary) in [("abc", "0"), ("50.5", "49.5"), ("", "100"), ("1e2", "0")] {
        assert!(
            !run(stable, canary, ("latest", "latest")),
            "bash accepted {stable:?}/{canary:?}"
        );
    }
    for tags in [
        ("bad tag;rm", "latest"),
        ("latest", "$(id)"),
        ("-x", "latest"),
        ("latest", ""),
    ] {
        assert!(
            !run("100", "0", tags),
            "bash accepted the image tags {tags:?}"
        );
    }
    assert!(
        run("100", "0", ("3f2a9c1", "v1.2.3_rc")),
        "bash rejected valid tags"
    );
}

#[test]
fn outputs_cover_the_tf_outputs_contract_and_the_workflows() {
    let app = load_stack("app-infra");
    let outputs: BTreeSet<String> = all(&app, "output")
        .inspect(|o| {
            assert!(
                attr(o.body(), "description").is_some(),
                "output {:?}: description",
                labels(o)
            );
            assert!(
                attr(o.body(), "value").is_some(),
                "output {:?}: value",
                labels(o)
            );
        })
        .map(|o| labels(o)[0].to_owned())
        .collect();
    for name in TF_OUTPUTS_CONTRACT {
        assert!(outputs.contains(*name), "missing output {name}");
    }
    let url = find(&app, "output", &["url"]).unwrap();
    assert!(render(attr(url.body(), "value").unwrap()).starts_with("\"https://"));
    // Everything the workflows read back from `terraform output`.
    for wf in ["deploy-canary.yml", "nightly-verify.yml"] {
        let (text, _) = load_workflow(wf);
        let raw = text.split("terraform output -raw ").skip(1);
        let jq = text.split("jq -r '.").skip(1);
        for name in raw.chain(jq).map(|rest| {
            rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .next()
                .unwrap()
        }) {
            assert!(
                outputs.contains(name),
                "{wf} reads output {name}, which app-infra lacks"
            );
        }
    }
}

#[test]
fn workflows_pin_actions_scope_permissions_and_never_overlap_deploys() {
    let dir = repo_root().join(".github/workflows");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yml"))
        .collect();
    names.sort();
    assert!(names.len() >= 4, "{names:?}");
    let mut groups = BTreeMap::new();
    for name in &names {
        let (_, wf) = load_workflow(name);
        assert_eq!(
            wf["permissions"],
            Yaml::Mapping(Default::default()),
            "{name}: top-level permissions must be {{}}"
        );
        groups.insert(
            name.clone(),
            wf["concurrency"]["group"].as_str().map(str::to_owned),
        );
        for (job_name, job) in wf["jobs"].as_mapping().unwrap() {
            let job_name = job_name.as_str().unwrap();
            assert!(
                job["permissions"].is_mapping(),
                "{name}/{job_name}: job permissions"
            );
            for step in job["steps"].as_sequence().unwrap() {
                if let Some(uses) = step["uses"].as_str() {
                    assert!(
                        is_pinned(uses),
                        "{name}/{job_name}: {uses} is not pinned by SHA"
                    );
                }
                if step["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("actions/checkout@"))
                {
                    assert_eq!(step["with"]["persist-credentials"], Yaml::Bool(false));
                }
                if let Some(uses) = step["uses"]
                    .as_str()
                    .filter(|u| u.contains("configure-aws-credentials"))
                {
                    assert!(
                        step["with"]["role-to-assume"].is_string(),
                        "{uses}: OIDC role"
                    );
                    assert!(
                        step["with"].get("aws-access-key-id").is_none(),
                        "long-lived key"
                    );
                    assert_eq!(job["permissions"]["id-token"].as_str(), Some("write"));
                }
            }
        }
    }
    // Deploys and the nightly verification share one non-cancelling group.
    assert_eq!(groups["deploy-canary.yml"], groups["nightly-verify.yml"]);
    assert!(groups.values().all(Option::is_some), "{groups:?}");

    let (_, deploy) = load_workflow("deploy-canary.yml");
    assert_eq!(
        deploy["concurrency"]["cancel-in-progress"],
        Yaml::Bool(false)
    );
    let inputs = &deploy["on"]["workflow_dispatch"]["inputs"];
    for (name, default) in [
        ("stable_image_tag", "latest"),
        ("stable_weight", "100"),
        ("canary_image_tag", "latest"),
        ("canary_weight", "0"),
    ] {
        let value = &inputs[name]["default"];
        let text = value
            .as_str()
            .map(str::to_owned)
            .or_else(|| value.as_u64().map(|n| n.to_string()));
        assert_eq!(text.as_deref(), Some(default), "input {name} default");
    }
    let job = &deploy["jobs"]["deploy"];
    assert_eq!(
        job["needs"].as_str(),
        Some("validate"),
        "validation runs first"
    );
    assert_eq!(job["environment"].as_str(), Some("production"));
    let steps = job["steps"].as_sequence().unwrap();
    let position = |pred: &dyn Fn(&Yaml) -> bool| steps.iter().position(pred).unwrap();
    let run_has = |needle: &'static str| {
        move |s: &Yaml| s["run"].as_str().is_some_and(|r| r.contains(needle))
    };
    let wait = position(&run_has("aws ecs wait services-stable"));
    let gate = position(&|s: &Yaml| {
        s["id"].as_str() == Some("gate")
            && s["uses"].as_str() == Some("./")
            && s["with"]["tf-outputs"].is_string()
    });
    let rollback = position(&|s: &Yaml| s["id"].as_str() == Some("rollback"));
    let upload = position(&|s: &Yaml| {
        s["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with("actions/upload-artifact@"))
    });
    assert!(
        wait < gate && gate < rollback && rollback < upload,
        "step order"
    );
    assert!(
        steps[rollback]["run"]
            .as_str()
            .unwrap()
            .contains("canary_weight=0")
    );
    assert!(steps[upload]["if"].as_str().unwrap().contains("always()"));
}

/// An action reference pinned to a full commit SHA (or a local action).
fn is_pinned(uses: &str) -> bool {
    uses.starts_with("./")
        || uses
            .split_once('@')
            .is_some_and(|(_, r)| r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit()))
}

use crate::support::workflow_gate;

#[test]
fn deploys_and_applies_run_only_from_main() {
    workflow_gate::check_main_only();
}

#[test]
fn shared_infra_applies_the_reviewed_saved_plan() {
    workflow_gate::check_saved_plan();
}

#[test]
fn harness_is_built_once_per_change_and_installed_by_the_action() {
    workflow_gate::check_built_once();
}

/// The action passes the gate flags it was given (no empty ones, extra args split on
/// whitespace without shell evaluation) and maps every exit code; deploy-canary rolls
/// back on anything but 0, as before the action existed.
#[test]
fn action_runs_harness_gate_and_maps_its_exit_code() {
    let inputs = [
        ("TF_OUTPUTS", "out.json"),
        ("REPORT_DIR", "reports"),
        ("CHECKS", "split,health"),
        ("STABLE_TAG", "abc"),
        ("CANARY_TAG", "def"),
        ("STABLE_WEIGHT", "90"),
        ("CANARY_WEIGHT", "10"),
        ("CHANGED_AT", "2026-01-01T00:00:00Z"),
        ("EXTRA_ARGS", "--alpha 0.01 $(id) *"),
    ];
    for (code, verdict) in [
        (0, "go"),
        (1, "rollback"),
        (2, "config-error"),
        (3, "inconclusive"),
        (4, "error"),
        (7, "error"),
    ] {
        let (out, args) = workflow_gate::run_gate_step(code, &inputs);
        assert_eq!(out["exit-code"], code.to_string());
        assert_eq!(out["verdict"], verdict);
        assert_eq!(out["report-dir"], "reports");
        let args: Vec<&str> = args.lines().collect();
        assert_eq!(
            args,
            [
                "gate",
                "--report-dir",
                "reports",
                "--tf-outputs",
                "out.json",
                "--stable-tag",
                "abc",
                "--canary-tag",
                "def",
                "--stable-weight",
                "90",
                "--canary-weight",
                "10",
                "--changed-at",
                "2026-01-01T00:00:00Z",
                "--checks",
                "split,health",
                "--alpha",
                "0.01",
                "$(id)",
                "*",
            ]
        );
    }
    let (_, args) = workflow_gate::run_gate_step(0, &[("REPORT_DIR", "r")]);
    assert_eq!(
        args.lines().collect::<Vec<_>>(),
        ["gate", "--report-dir", "r"]
    );

    let action = workflow_gate::load_action();
    for input in ["tf-outputs", "report-dir", "checks", "extra-args"] {
        assert!(
            action["inputs"][input]["description"].is_string(),
            "input {input}"
        );
    }
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    for (name, _) in action["inputs"]
        .as_mapping()
        .unwrap()
        .iter()
        .chain(action["outputs"].as_mapping().unwrap())
    {
        let name = name.as_str().unwrap();
        assert!(
            readme.contains(&format!("`{name}`")),
            "README does not document {name}"
        );
    }
    for output in ["exit-code", "verdict", "report-dir"] {
        assert_eq!(
            action["outputs"][output]["value"].as_str(),
            Some(format!("${{{{ steps.gate.outputs.{output} }}}}").as_str())
        );
    }
    let (_, deploy) = load_workflow("deploy-canary.yml");
    let steps = deploy["jobs"]["deploy"]["steps"].as_sequence().unwrap();
    let rollback = steps
        .iter()
        .find(|s| s["id"].as_str() == Some("rollback"))
        .unwrap();
    assert!(
        rollback["if"]
            .as_str()
            .unwrap()
            .contains("steps.gate.outputs.exit-code != '0'")
    );
}

use crate::support::nightly_role;

/// The nightly runs the gate under app-infra's gate role and reads the state with a
/// role bootstrap declares, which reads that state object only.
#[test]
fn nightly_gates_under_the_gate_role_with_a_declared_state_reader() {
    nightly_role::check_nightly_uses_the_gate_role();
}
