//! The ECS variant of the matrix (`terraform/harness-runner`), checked offline: the
//! runner task's role holds exactly the reads of app-infra's gate role (which the
//! deploy-path tests hold to the reads the harness makes) plus PutObject under the
//! reports prefix; the execution role pulls one repository, writes one log group and
//! reads one parameter; the task definition runs the harness read-only and as non-root,
//! then uploads its report folder with a script run here against a stand-in `aws`.

use crate::support::infra::*;

fn actions_by_sid(statements: &[Statement]) -> BTreeMap<String, Vec<String>> {
    statements
        .iter()
        .map(|s| (s.sid.clone(), s.actions.clone()))
        .collect()
}

#[test]
fn runner_task_role_has_the_gate_reads_and_writes_only_its_reports() {
    let runner = load_stack("harness-runner");
    let gate = actions_by_sid(&policy_statements(&load_stack("app-infra"), "gate"));
    let task = policy_statements(&runner, "task");
    let mut reads = actions_by_sid(&task);
    let reports = reads.remove("\"Reports\"").expect("statement Reports");
    assert_eq!(reads, gate, "runner reads differ from the gate role's");
    assert_eq!(reports, ["s3:PutObject"]);
    let put = task.iter().find(|s| s.sid == "\"Reports\"").unwrap();
    assert_eq!(
        put.resources,
        ["arn:${local.partition}:s3:::${var.reports_bucket}/${var.reports_prefix}*"]
    );
    // "*" only where the gate has it (resource-less APIs).
    let app = load_stack("app-infra");
    let gate_star: BTreeSet<String> = policy_statements(&app, "gate")
        .into_iter()
        .filter(|s| s.resources.iter().any(|r| r == "*"))
        .map(|s| s.sid)
        .collect();
    let task_star: BTreeSet<String> = task
        .iter()
        .filter(|s| s.resources.iter().any(|r| r == "*"))
        .map(|s| s.sid.clone())
        .collect();
    assert_eq!(task_star, gate_star);

    let exec = policy_statements(&runner, "execution");
    let granted: Vec<(String, Vec<String>)> = exec
        .iter()
        .map(|s| (s.actions.join(","), s.resources.clone()))
        .collect();
    assert_eq!(
        granted,
        [
            ("ecr:GetAuthorizationToken".into(), vec!["*".into()]),
            (
                "ecr:BatchCheckLayerAvailability,ecr:BatchGetImage,ecr:GetDownloadUrlForLayer"
                    .into(),
                vec!["local.harness_repository_arn".into()]
            ),
            (
                "logs:CreateLogStream,logs:PutLogEvents".into(),
                vec!["${aws_cloudwatch_log_group.runner.arn}:*".into()]
            ),
            (
                "ssm:GetParameters".into(),
                vec!["var.gate_token_parameter_arn".into()]
            ),
        ]
    );
    let trust = policy_statements(&runner, "ecs_tasks_assume");
    assert_eq!(trust.len(), 1);
    assert_eq!(trust[0].principals, ["ecs-tasks.amazonaws.com"]);
    assert!(
        trust[0].conditions.join(" ").contains("aws:SourceAccount"),
        "confused deputy: {:?}",
        trust[0].conditions
    );
}

/// The container definitions evaluated with stand-ins for the values Terraform knows
/// only at apply time.
fn containers(runner: &[Block]) -> Vec<Value> {
    let mut ctx = tf_context();
    ctx.declare_func(
        "jsonencode",
        FuncDef::new(|args: FuncArgs| Ok(args[0].clone()), [ParamType::Any]),
    );
    let mut vars = hcl::Map::new();
    for (k, v) in [
        (
            "harness_image",
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/h@sha256:ab",
        ),
        ("uploader_image", "public.ecr.aws/aws-cli/aws-cli@sha256:cd"),
        (
            "gate_token_parameter_arn",
            "arn:aws:ssm:eu-west-1:1:parameter/t",
        ),
        ("app_region", "eu-west-1"),
        ("region", "us-east-1"),
        ("reports_bucket", "bucket"),
        ("reports_prefix", "harness-runs/"),
    ] {
        vars.insert(k.to_owned(), Value::from(v));
    }
    ctx.declare_var("var", Value::Object(vars));
    let mut group = hcl::Map::new();
    group.insert("name".to_owned(), Value::from("/ecs/runner"));
    let mut groups = hcl::Map::new();
    groups.insert("runner".to_owned(), Value::Object(group));
    ctx.declare_var("aws_cloudwatch_log_group", Value::Object(groups));
    let def =
        find(runner, "resource", &["aws_ecs_task_definition", "runner"]).expect("task definition");
    let value = attr(def.body(), "container_definitions")
        .unwrap()
        .evaluate(&ctx)
        .unwrap_or_else(|e| panic!("container_definitions: {e}"));
    value.as_array().unwrap().clone()
}

#[test]
fn runner_task_runs_the_harness_then_uploads_its_reports() {
    let runner = load_stack("harness-runner");
    let defs = containers(&runner);
    let by_name = |n: &str| {
        defs.iter()
            .find(|c| field(c, "name") == &Value::from(n))
            .unwrap_or_else(|| panic!("container {n}"))
    };
    let harness = by_name("harness");
    let upload = by_name("upload");
    assert_eq!(defs.len(), 2);
    for c in [harness, upload] {
        assert_eq!(field(c, "readonlyRootFilesystem"), &Value::Bool(true));
        assert_eq!(field(c, "privileged"), &Value::Bool(false));
        let logs = field(field(c, "logConfiguration"), "options");
        assert_eq!(field(logs, "awslogs-group"), &Value::from("/ecs/runner"));
    }
    // The harness may end with any exit code: the upload (essential) still runs.
    assert_eq!(field(harness, "essential"), &Value::Bool(false));
    assert_eq!(field(upload, "essential"), &Value::Bool(true));
    assert_eq!(field(harness, "user"), &Value::from("65532:65532"));
    let depends = field(upload, "dependsOn").as_array().unwrap();
    assert_eq!(field(&depends[0], "containerName"), &Value::from("harness"));
    assert_eq!(field(&depends[0], "condition"), &Value::from("COMPLETE"));
    let command: Vec<&str> = field(harness, "command")
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(&command[..1], ["gate"]);
    let secrets = field(harness, "secrets").as_array().unwrap();
    assert_eq!(
        field(&secrets[0], "name"),
        &Value::from("HARNESS_GATE_TOKEN")
    );
    let mounts = |c: &Value| field(c, "mountPoints").as_array().unwrap()[0].clone();
    assert_eq!(field(&mounts(harness), "readOnly"), &Value::Bool(false));
    assert_eq!(field(&mounts(upload), "readOnly"), &Value::Bool(true));
    let report_dir = command.iter().position(|a| *a == "--report-dir").unwrap() + 1;
    assert_eq!(
        field(&mounts(harness), "containerPath"),
        &Value::from(command[report_dir])
    );

    // The upload script against a stand-in `aws`: refuses without RUN_KEY, else copies
    // the whole folder under the prefix the task role may write.
    let script = field(upload, "command").as_array().unwrap()[0]
        .as_str()
        .unwrap()
        .to_owned();
    let env: Vec<(String, String)> = field(upload, "environment")
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let s = |k| field(e, k).as_str().unwrap().to_owned();
            (s("name"), s("value"))
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let aws = dir.path().join("aws");
    let args = dir.path().join("args");
    std::fs::write(
        &aws,
        format!(
            "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done > '{}'\n",
            args.display()
        ),
    )
    .unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&aws)
        .status()
        .unwrap();
    let path = format!("{}:/usr/bin:/bin", dir.path().display());
    let run = |run_key: &str| {
        let mut cmd = std::process::Command::new("/bin/sh");
        cmd.arg("-c").arg(&script).env_clear().env("PATH", &path);
        for (k, v) in &env {
            cmd.env(k, v);
        }
        cmd.env("RUN_KEY", run_key).status().unwrap().success()
    };
    assert!(!run(""), "uploads without a run key");
    assert!(!args.exists());
    assert!(run("1234/us-east-1/shard-2"));
    assert_eq!(
        std::fs::read_to_string(&args)
            .unwrap()
            .lines()
            .collect::<Vec<_>>(),
        [
            "s3",
            "cp",
            "--recursive",
            "--only-show-errors",
            "/reports",
            "s3://bucket/harness-runs/1234/us-east-1/shard-2/"
        ]
    );
}

/// The README's `aws ecs run-task` example builds the harness command with jq from
/// app-infra's outputs: run that part for real and parse the command it builds with
/// the harness's own parser.
#[test]
fn readme_run_task_example_builds_a_gate_command_the_harness_parses() {
    use clap::CommandFactory;
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let start = readme
        .find("o=outputs.json")
        .expect("README run-task example");
    let end = start + readme[start..].find("task=$(aws ecs run-task").unwrap();
    let script = format!("{}\nprintf '%s' \"$overrides\"\n", &readme[start..end]);
    let dir = tempfile::tempdir().unwrap();
    let outputs = serde_json::json!({
        "url": {"value": "https://app.example.com"},
        "listener_arn": {"value": "arn:aws:elasticloadbalancing:eu-west-1:1:listener/app/a/b/c"},
        "cluster": {"value": "arn:aws:ecs:eu-west-1:1:cluster/canary-harness-production"},
        "stable_service_name": {"value": "canary-harness-production-stable"},
        "canary_service_name": {"value": "canary-harness-production-canary"},
        "stable_target_group_arn": {"value": "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/s/1"},
        "canary_target_group_arn": {"value": "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/c/2"},
        "stable_image_tag": {"value": "3f2a9c1"},
        "canary_image_tag": {"value": "7b1e0d4"},
        "stable_weight": {"value": 90},
        "canary_weight": {"value": 10},
        "web_acl_arn": {"value": "arn:aws:wafv2:eu-west-1:1:regional/webacl/canary-harness-production/abcd"},
        "waf_managed_rule_groups": {"value": ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesSQLiRuleSet"]},
    });
    std::fs::write(dir.path().join("outputs.json"), outputs.to_string()).unwrap();
    let run = run_script(
        &script,
        dir.path(),
        &[
            ("I", "2"),
            ("N", "4"),
            ("RPS", "50.00"),
            ("GITHUB_RUN_ID", "1234"),
            ("CHANGED_AT", "2026-12-01T03:00:00+00:00"),
        ],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let overrides: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let containers = overrides["containerOverrides"].as_array().unwrap();
    assert_eq!(containers[1]["name"], "upload");
    assert_eq!(containers[1]["environment"][0]["value"], "1234/shard-2");
    assert_eq!(containers[0]["name"], "harness");
    let args: Vec<String> = containers[0]["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().expect("string argument").to_owned())
        .collect();
    let value = |flag: &str| {
        let at = args
            .iter()
            .position(|a| a == flag)
            .unwrap_or_else(|| panic!("no {flag}"));
        args[at + 1].as_str()
    };
    assert_eq!(value("--shard"), "2/4");
    assert_eq!(value("--web-acl-name"), "canary-harness-production");
    assert_eq!(value("--canary-weight"), "10");
    assert_eq!(args.iter().filter(|a| *a == "--web-acl-group").count(), 2);
    let matches = harness::cli::Cli::command()
        .try_get_matches_from(std::iter::once("harness".to_owned()).chain(args.iter().cloned()))
        .unwrap_or_else(|e| panic!("harness {args:?} does not parse:\n{e}"));
    assert_eq!(matches.subcommand_name(), Some("gate"));
}
