//! IAM contracts of the deploy path: the gate's role (app-infra gate_role.tf) allows
//! exactly the reads `harness verify` / `harness gate` make, with "*" only where the
//! service has no resource-level permissions (Service Authorization Reference), and is
//! assumable only from the GitHub environment `production` and from main (the nightly,
//! `support/nightly_role.rs`); the shared-infra plan role
//! (bootstrap plan_role.tf) writes nothing but the S3 backend's lock file.

use super::infra::*;

/// The AWS reads of the harness (src/aws readers): ELBv2, ECS, WAFv2, ACM.
pub const GATE_ACTIONS: &[&str] = &[
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeRules",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetHealth",
    "elasticloadbalancing:DescribeTargetGroupAttributes",
    "elasticloadbalancing:DescribeLoadBalancers",
    "ecs:DescribeServices",
    "ecs:ListTasks",
    "ecs:DescribeTasks",
    "ecs:DescribeTaskDefinition",
    "wafv2:GetWebACLForResource",
    "wafv2:GetWebACL",
    "acm:DescribeCertificate",
    "acm:GetCertificate",
];

/// Actions whose only valid Resource is "*" (no resource types in the reference), and
/// ecs:ListTasks, which authorizes on container instances and is narrowed by ecs:cluster.
const NO_RESOURCE_LEVEL: &[&str] = &[
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeRules",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetHealth",
    "elasticloadbalancing:DescribeTargetGroupAttributes",
    "elasticloadbalancing:DescribeLoadBalancers",
    "ecs:DescribeTaskDefinition",
    "ecs:ListTasks",
];

pub fn check_gate_role() {
    let app = load_stack("app-infra");
    let statements = policy_statements(&app, "gate");
    let actions: Vec<&str> = statements
        .iter()
        .flat_map(|s| s.actions.iter().map(String::as_str))
        .collect();
    let unique: BTreeSet<&str> = actions.iter().copied().collect();
    assert_eq!(unique.len(), actions.len(), "an action is granted twice");
    assert_eq!(
        unique,
        GATE_ACTIONS.iter().copied().collect(),
        "gate actions"
    );
    for s in &statements {
        assert!(s.actions.iter().all(|a| !a.contains('*')), "{s:?}");
        assert!(!s.resources.is_empty(), "{s:?}: no resources");
        if s.resources.iter().any(|r| r == "*") {
            assert!(
                s.actions
                    .iter()
                    .all(|a| NO_RESOURCE_LEVEL.contains(&a.as_str())),
                "{}: \"*\" for actions that support resource-level permissions",
                s.sid
            );
        }
        if s.actions.iter().any(|a| a == "ecs:ListTasks") {
            assert_eq!(
                s.conditions,
                ["\"ArnEquals\" \"ecs:cluster\" = [data.aws_ecs_cluster.main.arn]"]
            );
        }
    }
    let scoped = |action: &str| -> Vec<String> {
        statements
            .iter()
            .find(|s| s.actions.iter().any(|a| a == action))
            .map(|s| s.resources.clone())
            .unwrap()
    };
    assert_eq!(
        scoped("ecs:DescribeServices"),
        ["[for s in aws_ecs_service.variant : s.id]"]
    );
    for acm in ["acm:DescribeCertificate", "acm:GetCertificate"] {
        assert_eq!(scoped(acm), ["aws_acm_certificate.main.arn"], "{acm}");
    }
    assert_eq!(scoped("wafv2:GetWebACL"), ["aws_wafv2_web_acl.main.arn"]);
    assert!(scoped("ecs:DescribeTasks")[0].contains(":task/${local.name}/*"));

    // Only this policy, only from the production environment.
    let attached: Vec<&Block> = all(&app, "resource")
        .filter(|r| {
            attr(r.body(), "role")
                .map(render)
                .is_some_and(|role| role.starts_with("aws_iam_role.gate."))
        })
        .collect();
    assert_eq!(attached.len(), 1, "policies on the gate role");
    assert_eq!(
        render(attr(attached[0].body(), "policy").unwrap()),
        "data.aws_iam_policy_document.gate.json"
    );
    let trust = policy_statements(&app, "gate_assume");
    assert_eq!(trust.len(), 1);
    assert_eq!(trust[0].actions, ["sts:AssumeRoleWithWebIdentity"]);
    let subs: Vec<&String> = trust[0]
        .conditions
        .iter()
        .filter(|c| c.contains("githubusercontent.com:sub"))
        .collect();
    assert_eq!(subs.len(), 1, "{:?}", trust[0].conditions);
    // deploy-canary (environment production) and nightly-verify (main, no environment).
    assert_eq!(
        subs[0].replace([' ', '\n'], ""),
        "\"StringEquals\"\"token.actions.githubusercontent.com:sub\"=[\"repo:${var.github_repository}:environment:production\",\"repo:${var.github_repository}:ref:refs/heads/main\"]",
        "gate role subjects"
    );
    assert!(
        trust[0]
            .conditions
            .iter()
            .any(|c| c.ends_with(":aud\" = [\"sts.amazonaws.com\"]"))
    );
    let role = find(&app, "resource", &["aws_iam_role", "gate"]).unwrap();
    assert_eq!(
        render(attr(role.body(), "assume_role_policy").unwrap()),
        "data.aws_iam_policy_document.gate_assume.json"
    );
    // deploy-canary runs the gate under this role.
    let (text, _) = load_workflow("deploy-canary.yml");
    assert!(text.contains("jq -r '.gate_role_arn.value'"));
    assert!(text.contains("role-to-assume: ${{ steps.gate_role.outputs.arn }}"));
}

pub fn check_plan_role() {
    let boot = load_stack("bootstrap");
    let (_, wf) = load_workflow("shared-infra.yml");
    let key = wf["env"]["TF_STATE_KEY"].as_str().unwrap();
    let mut ctx = tf_context();
    let locals = eval_locals(&boot, &mut ctx);
    assert_eq!(locals["plan_state_key"], Value::from(key));
    let statements = policy_statements(&boot, "plan_state");
    for s in &statements {
        let writes = s
            .actions
            .iter()
            .any(|a| a.starts_with("s3:Put") || a.starts_with("s3:Delete"));
        if writes {
            assert_eq!(s.actions, ["s3:PutObject", "s3:DeleteObject"]);
            assert_eq!(
                s.resources,
                ["${local.bucket_arn}/${local.plan_state_key}.tflock"],
                "the plan role may write only the lock file"
            );
        }
    }
    assert!(
        statements
            .iter()
            .any(|s| s.actions.iter().any(|a| a == "s3:PutObject"))
    );
    // Trusted for the PR plan and the plan of main that the apply job consumes.
    let trust = policy_statements(&boot, "plan_assume");
    let subs = trust[0].conditions.join(" ");
    for sub in ["pull_request", "ref:refs/heads/main"] {
        assert!(
            subs.contains(&format!("repo:${{var.github_repository}}:{sub}")),
            "{subs}"
        );
    }
    assert!(!subs.contains("environment"));
    let managed: Vec<String> = all(&boot, "resource")
        .filter(|r| labels(r)[0] == "aws_iam_role_policy_attachment")
        .map(|r| render(attr(r.body(), "policy_arn").unwrap()))
        .collect();
    assert_eq!(managed.len(), 1);
    assert!(
        managed[0].ends_with(":iam::aws:policy/ReadOnlyAccess\""),
        "{managed:?}"
    );
}
