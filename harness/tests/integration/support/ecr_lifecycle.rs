//! An ECR lifecycle policy simulator for the shared-infra contract: the policy is
//! evaluated from the Terraform (`jsonencode` argument, with the variable defaults) and
//! applied to a long release history the way ECR documents it: rules in ascending
//! `rulePriority`; an image is selected by the first rule whose tag selection it matches
//! (`any`: every image; `untagged`: no tag; `tagged` + `tagPrefixList`: a tag starting
//! with every prefix) and "cannot be expired by a rule with a lower priority";
//! `imageCountMoreThan` expires a rule's images beyond the newest N by push time,
//! `sinceImagePushed` those older than N days (Amazon ECR User Guide, "Lifecycle
//! policy evaluation rules" and "Lifecycle policy properties").

use super::infra::*;

#[derive(Clone, Debug)]
pub struct Image {
    pub tags: Vec<String>,
    /// Days since the push (0 = newest).
    pub age_days: i64,
}

/// Indices of the images the policy expires.
pub fn expired(policy: &Value, images: &[Image]) -> BTreeSet<usize> {
    let mut rules: Vec<&hcl::Map<String, Value>> = field(policy, "rules")
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| r.as_object().expect("rule"))
        .collect();
    rules.sort_by_key(|r| r["rulePriority"].as_i64().unwrap());
    let mut claimed: BTreeSet<usize> = BTreeSet::new();
    let mut out = BTreeSet::new();
    for rule in rules {
        let sel = rule["selection"].as_object().unwrap();
        let prefixes: Vec<&str> = sel
            .get("tagPrefixList")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|p| p.as_str().unwrap()).collect())
            .unwrap_or_default();
        let matches = |img: &Image| match sel["tagStatus"].as_str().unwrap() {
            "any" => true,
            "untagged" => img.tags.is_empty(),
            "tagged" => prefixes
                .iter()
                .all(|p| img.tags.iter().any(|t| t.starts_with(p))),
            other => panic!("tagStatus {other}"),
        };
        let mut mine: Vec<usize> = (0..images.len())
            .filter(|i| !claimed.contains(i) && matches(&images[*i]))
            .collect();
        claimed.extend(&mine);
        mine.sort_by_key(|i| images[*i].age_days);
        let n = sel["countNumber"].as_i64().unwrap();
        match sel["countType"].as_str().unwrap() {
            "imageCountMoreThan" => out.extend(mine.iter().skip(n as usize)),
            "sinceImagePushed" => out.extend(mine.iter().filter(|i| images[**i].age_days > n)),
            other => panic!("countType {other}"),
        }
    }
    out
}

/// The policy of shared-infra, evaluated with the variable defaults.
pub fn policy() -> Value {
    let shared = load_stack("shared-infra");
    let mut ctx = tf_context();
    let keep: i64 = variable_default(&shared, "ecr_keep_tagged_images")
        .parse()
        .unwrap();
    let mut vars = hcl::Map::new();
    vars.insert("ecr_keep_tagged_images".into(), Value::from(keep));
    ctx.declare_var("var", Value::Object(vars));
    let locals = eval_locals(&shared, &mut ctx);
    ctx.declare_var("local", Value::Object(locals));
    let lifecycle = find(&shared, "resource", &["aws_ecr_lifecycle_policy", "app"]).unwrap();
    let Some(Expression::FuncCall(call)) = attr(lifecycle.body(), "policy") else {
        panic!("policy is not jsonencode(...)");
    };
    assert_eq!(call.name.to_string(), "jsonencode");
    call.args[0].evaluate(&ctx).expect("policy evaluates")
}

/// 300 daily releases (git-sha tags), untagged leftovers, `latest` on the newest; the
/// services run an old stable, a new canary and can roll back to an older one, each
/// carrying the live-* tag deploy-canary.yml puts on it.
pub fn check() {
    let policy = policy();
    let shared = load_stack("shared-infra");
    let locals = eval_locals(&shared, &mut tf_context());
    let prefix = locals["ecr_live_tag_prefix"].as_str().unwrap().to_owned();
    let mut images: Vec<Image> = (0..300)
        .map(|day| Image {
            tags: vec![format!("{:040x}", 1000 + day)],
            age_days: day,
        })
        .chain((0..40).map(|day| Image {
            tags: vec![],
            age_days: day,
        }))
        .collect();
    images[0].tags.push("latest".into());
    let running = [(250, "stable"), (1, "canary"), (290, "rollback")];
    for (i, what) in running {
        images[i].tags.push(format!("{prefix}{what}"));
    }
    let gone = expired(&policy, &images);
    for (i, what) in running {
        assert!(
            !gone.contains(&i),
            "the {what} image (age {i} days) expires"
        );
    }
    assert!(!gone.contains(&0), "latest expires");
    // Not vacuous: old releases and old untagged images do expire.
    let keep: usize = variable_default(&shared, "ecr_keep_tagged_images")
        .parse()
        .unwrap();
    let kept_tagged = (0..300).filter(|i| !gone.contains(i)).count();
    assert_eq!(kept_tagged, keep + running.len(), "kept tagged images");
    assert!((300..340).filter(|i| gone.contains(i)).count() >= 30);
    // The same history without the live tags loses the running stable image: the
    // protection comes from the tags, which deploy-canary.yml must set before apply.
    let untagged: Vec<Image> = images
        .iter()
        .map(|img| Image {
            tags: img
                .tags
                .iter()
                .filter(|t| !t.starts_with(&prefix))
                .cloned()
                .collect(),
            age_days: img.age_days,
        })
        .collect();
    assert!(expired(&policy, &untagged).contains(&250));

    let (text, wf) = load_workflow("deploy-canary.yml");
    for what in ["stable", "canary", "rollback"] {
        assert!(
            text.contains(&format!(" {prefix}{what}\n")),
            "deploy-canary.yml does not tag {prefix}{what}"
        );
    }
    let steps = wf["jobs"]["deploy"]["steps"].as_sequence().unwrap();
    let at = |needle: &str| {
        steps
            .iter()
            .position(|s| s["run"].as_str().is_some_and(|r| r.contains(needle)))
            .unwrap_or_else(|| panic!("no step runs {needle}"))
    };
    assert!(at("aws ecr put-image") < at("terraform apply -auto-approve"));
}
