//! Contract of the nightly's AWS access (`nightly-verify.yml`): it runs `harness gate`
//! under app-infra's least-privilege gate role, as deploy-canary does, and reads the
//! outputs that name that role with bootstrap's app-state-read role, which can read
//! app-infra's state object and nothing else. No role outside Terraform.

use super::infra::*;

const STATE_ROLE: &str = "${{ vars.AWS_APP_STATE_READ_ROLE_ARN }}";
const GATE_ROLE: &str = "${{ steps.deployed.outputs.gate_role_arn }}";
const CONFIGURE: &str = "aws-actions/configure-aws-credentials@";

fn role_of(step: &Yaml) -> Option<&str> {
    let uses = step["uses"].as_str()?;
    uses.starts_with(CONFIGURE)
        .then(|| step["with"]["role-to-assume"].as_str())
        .flatten()
}

pub fn check_nightly_uses_the_gate_role() {
    let (text, wf) = load_workflow("nightly-verify.yml");
    assert!(
        !text.contains("AWS_VERIFY_ROLE_ARN"),
        "out-of-band verify role"
    );
    let job = &wf["jobs"]["verify"];
    // No GitHub environment: the job's OIDC subject is `ref:refs/heads/<branch>`, and
    // the schedule runs on main.
    assert!(
        job["environment"].is_null(),
        "the nightly job must not wait for reviewers"
    );
    let steps = job["steps"].as_sequence().expect("steps");
    let roles: Vec<(usize, &str)> = steps
        .iter()
        .enumerate()
        .filter_map(|(i, s)| role_of(s).map(|r| (i, r)))
        .collect();
    assert_eq!(
        roles.iter().map(|(_, r)| *r).collect::<Vec<_>>(),
        [STATE_ROLE, GATE_ROLE],
        "the nightly assumes the state reader, then the gate role"
    );
    let deployed = steps
        .iter()
        .position(|s| s["id"].as_str() == Some("deployed"))
        .expect("step deployed");
    let run = steps[deployed]["run"].as_str().unwrap();
    assert!(
        run.contains("echo \"gate_role_arn=$(jq -r '.gate_role_arn.value'"),
        "{run}"
    );
    let gate = steps
        .iter()
        .position(|s| s["uses"].as_str() == Some("./") && !s["with"]["tf-outputs"].is_null())
        .expect("the harness gate step");
    assert!(
        roles[0].0 < deployed && deployed < roles[1].0 && roles[1].0 < gate,
        "order: state role, outputs, gate role, gate ({roles:?}, {deployed}, {gate})"
    );

    // app-infra's gate role trusts main (the nightly) besides production (deploys).
    let app = load_stack("app-infra");
    let trust = policy_statements(&app, "gate_assume");
    let subs = trust[0].conditions.join(" ");
    for sub in ["environment:production", "ref:refs/heads/main"] {
        assert!(
            subs.contains(&format!("repo:${{var.github_repository}}:{sub}\"")),
            "{subs}"
        );
    }

    // bootstrap's state reader: the app-infra state object (the key both workflows use)
    // and the bucket listing terraform init makes; no write, no other read.
    let boot = load_stack("bootstrap");
    let mut ctx = tf_context();
    let locals = eval_locals(&boot, &mut ctx);
    let key = wf["env"]["TF_STATE_KEY"].as_str().unwrap();
    assert_eq!(locals["app_state_key"], Value::from(key));
    let (_, deploy) = load_workflow("deploy-canary.yml");
    assert_eq!(deploy["env"]["TF_STATE_KEY"].as_str(), Some(key));
    let statements = policy_statements(&boot, "app_state_read");
    let granted: Vec<(&str, &str)> = statements
        .iter()
        .flat_map(|s| {
            s.actions
                .iter()
                .flat_map(move |a| s.resources.iter().map(move |r| (a.as_str(), r.as_str())))
        })
        .collect();
    assert_eq!(
        granted,
        [
            ("s3:ListBucket", "local.bucket_arn"),
            ("s3:GetObject", "${local.bucket_arn}/${local.app_state_key}"),
        ]
    );
    let trust = policy_statements(&boot, "app_state_read_assume");
    assert_eq!(trust.len(), 1);
    assert_eq!(trust[0].actions, ["sts:AssumeRoleWithWebIdentity"]);
    let subs = trust[0].conditions.join(" ");
    assert!(
        subs.contains("\"repo:${var.github_repository}:ref:refs/heads/main\""),
        "{subs}"
    );
    assert!(
        !subs.contains("pull_request") && !subs.contains("environment"),
        "{subs}"
    );
    let attached: Vec<&Block> = all(&boot, "resource")
        .filter(|r| {
            attr(r.body(), "role")
                .map(render)
                .is_some_and(|role| role.starts_with("aws_iam_role.app_state_read."))
        })
        .collect();
    assert_eq!(attached.len(), 1, "policies on the app-state-read role");
    let out = find(&boot, "output", &["app_state_read_role_arn"]).expect("output");
    assert!(
        render(attr(out.body(), "description").unwrap()).contains("AWS_APP_STATE_READ_ROLE_ARN")
    );
}
