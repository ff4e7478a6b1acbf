//! The deploy path's Terraform, checked offline (issue "The deploy gate as users run
//! it"): the target registrar deregisters stopping tasks and reconciles on a schedule
//! (its Python unit tests run here), the deploy-path alarms reach the SNS topic,
//! shared-infra derives its zones from the region, the ECR lifecycle policy never
//! expires an image the services run (simulated), the gate's role allows exactly the
//! reads the harness makes, and the plan role may write only the state lock file.

use crate::support::infra;

use infra::*;

/// The registrar's decisions (deregister on stop, reconcile = set difference) are
/// tested in Python with fakes of the ECS and ELB clients; CI runs them through here.
#[test]
fn registrar_python_unit_tests_pass() {
    let dir = repo_root().join("terraform/app-infra/registrar");
    let out = std::process::Command::new("python3")
        .args(["-B", "-m", "unittest", "discover", "-v", "-s"])
        .arg(&dir)
        .current_dir(&dir)
        .output()
        .expect("python3 runs");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "registrar unit tests failed:\n{log}");
    let ran: u32 = log
        .split("Ran ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("unittest summary");
    assert!(ran >= 10, "only {ran} registrar tests ran:\n{log}");
}

#[test]
fn registrar_runs_on_task_changes_and_on_a_reconcile_schedule() {
    let app = load_stack("app-infra");
    let mut ctx = tf_context();
    let locals = eval_locals(&app, &mut ctx);
    assert_eq!(
        locals["registrar_reconcile_schedule"],
        Value::from("rate(5 minutes)")
    );
    let rule = find(
        &app,
        "resource",
        &["aws_cloudwatch_event_rule", "registrar_reconcile"],
    )
    .expect("reconcile schedule rule");
    assert_eq!(
        render(attr(rule.body(), "schedule_expression").unwrap()),
        "local.registrar_reconcile_schedule"
    );
    for (target, source) in [
        ("task_state_registrar", "task_state"),
        ("registrar_reconcile", "registrar_reconcile"),
    ] {
        let t = find(&app, "resource", &["aws_cloudwatch_event_target", target]).unwrap();
        assert_eq!(
            render(attr(t.body(), "arn").unwrap()),
            "aws_lambda_function.registrar.arn"
        );
        assert_eq!(
            render(attr(t.body(), "rule").unwrap()),
            format!("aws_cloudwatch_event_rule.{source}.name")
        );
        let allowed = all(&app, "resource")
            .filter(|r| labels(r)[0] == "aws_lambda_permission")
            .any(|p| {
                render(attr(p.body(), "source_arn").unwrap())
                    == format!("aws_cloudwatch_event_rule.{source}.arn")
            });
        assert!(
            allowed,
            "EventBridge rule {source} may not invoke the registrar"
        );
    }
    let lambda = find(&app, "resource", &["aws_lambda_function", "registrar"]).unwrap();
    let env = format!("{:?}", lambda.body());
    for key in ["TARGET_GROUPS", "CLUSTER_ARN", "TARGET_PORT"] {
        assert!(env.contains(key), "registrar environment lacks {key}");
    }
    let actions: BTreeSet<String> = policy_statements(&app, "registrar")
        .into_iter()
        .flat_map(|s| s.actions)
        .collect();
    for needed in [
        "elasticloadbalancing:RegisterTargets",
        "elasticloadbalancing:DeregisterTargets",
        "elasticloadbalancing:DescribeTargetHealth",
        "ecs:ListTasks",
        "ecs:DescribeTasks",
    ] {
        assert!(actions.contains(needed), "registrar role lacks {needed}");
    }
}

/// local.alarms evaluated with stand-ins for the resources it names.
fn alarms() -> hcl::Map<String, Value> {
    let app = load_stack("app-infra");
    let mut ctx = tf_context();
    let obj = |pairs: &[(&str, Value)]| {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        )
    };
    let named = |k: &str, v: &str| obj(&[(k, Value::from(v))]);
    ctx.declare_var("aws_lb", obj(&[("main", named("arn_suffix", "app/lb/1"))]));
    ctx.declare_var(
        "aws_lb_target_group",
        obj(&[(
            "variant",
            obj(&[
                ("stable", named("arn_suffix", "targetgroup/stable/1")),
                ("canary", named("arn_suffix", "targetgroup/canary/2")),
            ]),
        )]),
    );
    ctx.declare_var(
        "aws_sqs_queue",
        obj(&[("registrar_dlq", named("name", "dlq"))]),
    );
    ctx.declare_var(
        "aws_kinesis_firehose_delivery_stream",
        obj(&[("app_logs", named("name", "logs"))]),
    );
    let locals = eval_locals(&app, &mut ctx);
    locals["alarms"].as_object().expect("local.alarms").clone()
}

#[test]
fn deploy_path_alarms_notify_the_sns_topic() {
    let alarms = alarms();
    let found: BTreeSet<(String, String)> = alarms
        .values()
        .map(|a| {
            let dims = field(a, "dimensions").as_object().unwrap();
            let dims: Vec<String> = dims
                .iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap()))
                .collect();
            (
                field(a, "metric").as_str().unwrap().to_owned(),
                dims.join(","),
            )
        })
        .collect();
    let lb = "LoadBalancer=app/lb/1";
    let want: BTreeSet<(String, String)> = [
        ("HTTPCode_ELB_5XX_Count", lb.to_owned()),
        (
            "HTTPCode_Target_5XX_Count",
            format!("{lb},TargetGroup=targetgroup/stable/1"),
        ),
        (
            "HTTPCode_Target_5XX_Count",
            format!("{lb},TargetGroup=targetgroup/canary/2"),
        ),
        (
            "UnHealthyHostCount",
            format!("{lb},TargetGroup=targetgroup/stable/1"),
        ),
        (
            "UnHealthyHostCount",
            format!("{lb},TargetGroup=targetgroup/canary/2"),
        ),
        (
            "ApproximateNumberOfMessagesVisible",
            "QueueName=dlq".to_owned(),
        ),
        ("DeliveryToS3.Success", "DeliveryStreamName=logs".to_owned()),
        (
            "DeliveryToS3.DataFreshness",
            "DeliveryStreamName=logs".to_owned(),
        ),
    ]
    .into_iter()
    .map(|(m, d)| (m.to_owned(), d))
    .collect();
    assert_eq!(found, want);
    // The DLQ alarm fires on the first message.
    let dlq = alarms
        .values()
        .find(|a| *field(a, "metric") == Value::from("ApproximateNumberOfMessagesVisible"))
        .unwrap();
    assert_eq!(*field(dlq, "threshold"), Value::from(0));
    assert_eq!(
        *field(dlq, "comparison"),
        Value::from("GreaterThanThreshold")
    );

    let app = load_stack("app-infra");
    let alarm = find(
        &app,
        "resource",
        &["aws_cloudwatch_metric_alarm", "deploy_path"],
    )
    .expect("alarm resource");
    assert_eq!(
        render(attr(alarm.body(), "for_each").unwrap()),
        "local.alarms"
    );
    for key in ["alarm_actions", "ok_actions"] {
        assert_eq!(
            flat(attr(alarm.body(), key).unwrap()),
            "[aws_sns_topic.deployment_alerts.arn]"
        );
    }
    // CloudWatch may publish to the topic and use its KMS key.
    let topic = policy_statements(&app, "deployment_alerts");
    assert!(
        topic
            .iter()
            .any(|s| s.actions == ["sns:Publish"] && s.principals == ["cloudwatch.amazonaws.com"])
    );
    let kms = policy_statements(&app, "kms");
    assert!(kms.iter().any(
        |s| s.principals.iter().any(|p| p == "cloudwatch.amazonaws.com")
            && s.actions.iter().any(|a| a == "kms:Decrypt")
    ));
}

/// local.azs of shared-infra for a region's zone names and the two variables.
fn azs(names: &[&str], az_count: i64, overrides: &[&str]) -> Value {
    let shared = load_stack("shared-infra");
    let mut ctx = tf_context();
    let list = |v: &[&str]| Value::Array(v.iter().map(|s| Value::from(*s)).collect());
    let mut vars = hcl::Map::new();
    vars.insert("az_count".into(), Value::from(az_count));
    vars.insert("availability_zones".into(), list(overrides));
    vars.insert("project".into(), Value::from("p"));
    vars.insert("environment".into(), Value::from("e"));
    ctx.declare_var("var", Value::Object(vars));
    let mut zones = hcl::Map::new();
    zones.insert("names".into(), list(names));
    let mut available = hcl::Map::new();
    available.insert("available".into(), Value::Object(zones));
    let mut data = hcl::Map::new();
    data.insert("aws_availability_zones".into(), Value::Object(available));
    ctx.declare_var("data", Value::Object(data));
    eval_locals(&shared, &mut ctx)
        .shift_remove("azs")
        .expect("local.azs")
}

#[test]
fn shared_infra_zones_come_from_the_region_with_an_optional_override() {
    let list = |v: &[&str]| Value::Array(v.iter().map(|s| Value::from(*s)).collect());
    let us = [
        "us-east-1c",
        "us-east-1a",
        "us-east-1f",
        "us-east-1b",
        "us-east-1d",
    ];
    assert_eq!(azs(&us, 2, &[]), list(&["us-east-1a", "us-east-1b"]));
    assert_eq!(
        azs(&us, 3, &[]),
        list(&["us-east-1a", "us-east-1b", "us-east-1c"])
    );
    assert_eq!(
        azs(&["ap-south-2a", "ap-south-2b"], 3, &[]),
        list(&["ap-south-2a", "ap-south-2b"])
    );
    assert_eq!(
        azs(&us, 2, &["us-east-1d", "us-east-1f"]),
        list(&["us-east-1d", "us-east-1f"])
    );
    let shared = load_stack("shared-infra");
    assert_eq!(variable_default(&shared, "availability_zones"), "[]");
    assert_eq!(variable_default(&shared, "az_count"), "2");
    let data = find(&shared, "data", &["aws_availability_zones", "available"]).unwrap();
    assert_eq!(render(attr(data.body(), "state").unwrap()), "\"available\"");
    // Subnets follow local.azs; an unavailable override fails the plan.
    for tier in ["public", "private"] {
        let subnet = find(&shared, "resource", &["aws_subnet", tier]).unwrap();
        assert_eq!(
            render(attr(subnet.body(), "count").unwrap()),
            "length(local.azs)"
        );
    }
    let guard = find(
        &shared,
        "resource",
        &["terraform_data", "availability_zones"],
    )
    .unwrap();
    assert!(format!("{:?}", guard.body()).contains("precondition"));
}

use crate::support::ecr_lifecycle;

#[test]
fn ecr_lifecycle_never_expires_what_the_services_run() {
    ecr_lifecycle::check();
}

use crate::support::iam_contract;

#[test]
fn gate_role_allows_exactly_the_reads_the_harness_makes() {
    iam_contract::check_gate_role();
}

#[test]
fn plan_role_writes_only_the_state_lock_file() {
    iam_contract::check_plan_role();
}
