//! Tests of the configuration merge and validation.
use super::*;

fn args() -> VerifyArgs {
    VerifyArgs {
        url: Some("https://flag.example/".into()),
        ..VerifyArgs::default()
    }
}

const TF: &str = r#"{
    "url": {"sensitive": false, "type": "string", "value": "https://tf.example/"},
    "listener_arn": {"value": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/tf/0a1b/2c3d"},
    "alb_arn": {"value": "arn:tf-alb"},
    "cluster_name": {"value": "tf-cluster"},
    "stable_service_name": {"value": "tf-stable"},
    "canary_service_name": {"value": "tf-canary"},
    "http_listener_arn": {"value": "arn:tf-http"},
    "web_acl_arn": {"value": "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/tf-acl/a1b2c3"},
    "waf_managed_rule_groups": {"value": ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesSQLiRuleSet"]}
}"#;

#[test]
fn flags_win_over_file_over_tf_outputs() {
    let file =
        parse_toml("url = \"https://file.example/\"\ncluster = \"file-cluster\"\nalpha = 0.05\n")
            .unwrap();
    let tf = parse_tf_outputs(TF).unwrap();
    let cfg = merge(&args(), file, tf).unwrap();
    assert_eq!(cfg.url, "https://flag.example/");
    assert_eq!(cfg.cluster.as_deref(), Some("file-cluster"));
    assert_eq!(
        cfg.listener_arn.as_deref(),
        Some("arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/tf/0a1b/2c3d")
    );
    assert_eq!(cfg.load_balancer_arn.as_deref(), Some("arn:tf-alb"));
    assert_eq!(cfg.stable_service.as_deref(), Some("tf-stable"));
    assert_eq!(
        cfg.web_acl_name.as_deref(),
        Some("tf-acl"),
        "from web_acl_arn"
    );
    assert_eq!(
        cfg.web_acl_groups,
        Some(vec![
            "AWSManagedRulesCommonRuleSet".to_string(),
            "AWSManagedRulesSQLiRuleSet".to_string()
        ])
    );
    let flags = VerifyArgs {
        web_acl_groups: vec!["G".into()],
        ..args()
    };
    let flagged = merge(&flags, FileConfig::default(), parse_tf_outputs(TF).unwrap()).unwrap();
    assert_eq!(
        flagged.web_acl_groups,
        Some(vec!["G".to_string()]),
        "flags win"
    );
    assert!(flagged.command_line().contains("--web-acl-group G"));
    assert_eq!(cfg.alpha, 0.05);
    assert_eq!(cfg.margin, DEFAULT_MARGIN);
    assert_eq!(cfg.leak_margin, DEFAULT_LEAK_MARGIN);
    assert_eq!(cfg.max_requests, DEFAULT_MAX_REQUESTS);
    assert_eq!(cfg.checks, CheckName::ALL.to_vec());
}

#[test]
fn without_aws_target_only_traffic_free_checks_default() {
    let cfg = merge(&args(), FileConfig::default(), TfOutputs::default()).unwrap();
    assert_eq!(
        cfg.checks,
        vec![
            CheckName::Health,
            CheckName::Tls,
            CheckName::Waf,
            CheckName::WafPosture
        ]
    );
    let mut a = args();
    a.checks = vec!["split".into()];
    let err = merge(&a, FileConfig::default(), TfOutputs::default()).unwrap_err();
    assert!(matches!(err, Error::Config(m) if m.contains("needs the AWS target")));
}

#[test]
fn rejects_bad_values_with_one_line() {
    type Mutation = Box<dyn Fn(&mut VerifyArgs)>;
    let cases: Vec<(Mutation, &str)> = vec![
        (Box::new(|a| a.alpha = Some(0.0)), "--alpha"),
        (Box::new(|a| a.margin = Some(0.7)), "--margin"),
        (Box::new(|a| a.leak_margin = Some(0.0)), "--leak-margin"),
        (Box::new(|a| a.max_requests = Some(0)), "--max-requests"),
        (Box::new(|a| a.concurrency = Some(0)), "--concurrency"),
        (Box::new(|a| a.rps = Some(-1.0)), "--rps"),
        (Box::new(|a| a.rps = Some(1e-20)), "--rps"),
        (Box::new(|a| a.rps = Some(f64::NAN)), "--rps"),
        (
            Box::new(|a| a.listener_arn = Some("nonsense".into())),
            "--listener-arn",
        ),
        (
            Box::new(|a| a.changed_at = Some("soon".into())),
            "--changed-at",
        ),
        (Box::new(|a| a.settle = Some(86_400)), "--settle"),
        (Box::new(|a| a.path = Some("api".into())), "--path"),
        (Box::new(|a| a.headers = vec!["x".into()]), "--header"),
        (Box::new(|a| a.url = Some("http://x/".into())), "https"),
        (Box::new(|a| a.url = Some("::".into())), "--url"),
        (
            Box::new(|a| a.checks = vec!["speed".into()]),
            "unknown check",
        ),
        (Box::new(|a| a.resolve = vec!["x".into()]), "--resolve"),
    ];
    for (edit, needle) in cases {
        let mut a = args();
        edit(&mut a);
        match merge(&a, FileConfig::default(), TfOutputs::default()) {
            Err(Error::Config(m)) => {
                assert!(m.contains(needle), "{m} lacks {needle}");
                assert!(!m.contains('\n'), "{m}");
            }
            other => panic!("{needle}: {other:?}"),
        }
    }
}

#[test]
fn rejects_malformed_inputs() {
    assert!(parse_toml("colour = 1").unwrap_err().contains("colour"));
    assert!(parse_tf_outputs("[1]").is_err());
    assert!(parse_tf_outputs(r#"{"url": {"value": 3}}"#).is_err());
    let bad_acl =
        parse_tf_outputs(r#"{"web_acl_arn": {"value": "arn:aws:wafv2:r:1:regional/ipset/x/1"}}"#);
    assert!(bad_acl.is_err_and(|e| e.contains("web_acl_arn")));
    for bad in [
        r#"{"waf_managed_rule_groups": {"value": "G"}}"#,
        r#"{"waf_managed_rule_groups": {"value": [1]}}"#,
    ] {
        assert!(
            parse_tf_outputs(bad).is_err_and(|e| e.contains("waf_managed_rule_groups")),
            "{bad}"
        );
    }
    let missing = merge(
        &VerifyArgs::default(),
        FileConfig::default(),
        TfOutputs::default(),
    );
    assert!(matches!(missing, Err(Error::Config(m)) if m.contains("no target URL")));
}

#[test]
fn command_line_round_trips_through_clap() {
    use clap::Parser;
    let cfg = merge(
        &args(),
        FileConfig::default(),
        parse_tf_outputs(TF).unwrap(),
    )
    .unwrap();
    let line = cfg.command_line();
    let words: Vec<&str> = line.split(' ').collect();
    let cli = crate::cli::Cli::try_parse_from(words).unwrap();
    let crate::cli::Command::Verify(again) = cli.command else {
        panic!("not verify")
    };
    let cfg2 = merge(&again, FileConfig::default(), TfOutputs::default()).unwrap();
    assert_eq!(cfg2.command_line(), line);
}

/// A token handed over in `VerifyArgs` (by the local twin) is sent as the gate header
/// and wins over `HARNESS_GATE_TOKEN`; it shows in no flag and no `Debug` output.
#[test]
fn a_handed_over_gate_token_is_sent_and_never_shown() {
    let token = "t0ken-handed-over-by-the-twin-0123456789";
    let a = VerifyArgs {
        gate_token: Some(crate::cli::GateToken(token.into())),
        ..args()
    };
    let cfg = merge(&a, FileConfig::default(), TfOutputs::default()).unwrap();
    let headers = cfg.extras.request.hyper_headers().unwrap();
    let sent: Vec<_> = headers
        .iter()
        .filter(|(n, _)| n.as_str() == crate::sample::GATE_TOKEN_HEADER)
        .map(|(_, v)| v.to_str().unwrap().to_string())
        .collect();
    assert_eq!(sent, vec![token.to_string()]);
    assert!(!format!("{a:?} {cfg:?}").contains(token));
    assert!(!cfg.command_line().contains(token));
}

#[test]
fn tls_options_default_and_resolve() {
    let cfg = merge(&args(), FileConfig::default(), TfOutputs::default()).unwrap();
    assert_eq!(cfg.min_cert_days, 21, "documented default");
    assert_eq!((cfg.require_hsts, cfg.hsts_min_max_age), (false, None));
    let file = parse_toml("min_cert_days = 30\nhsts_min_max_age = 15768000\n").unwrap();
    let cfg = merge(&args(), file, TfOutputs::default()).unwrap();
    assert_eq!(
        (cfg.min_cert_days, cfg.hsts_min_max_age),
        (30, Some(15_768_000))
    );
    let flags = VerifyArgs {
        min_cert_days: Some(7),
        hsts_min_max_age: Some(31_536_000),
        ..args()
    };
    let cfg = merge(&flags, FileConfig::default(), TfOutputs::default()).unwrap();
    assert_eq!(
        (cfg.min_cert_days, cfg.hsts_min_max_age),
        (7, Some(31_536_000))
    );
    let line = cfg.command_line();
    assert!(line.contains("--min-cert-days 7") && line.contains("--hsts-min-max-age 31536000"));
}

#[test]
fn waf_posture_floors_are_opt_in_flags_win_and_bad_ones_exit_2() {
    let cfg = merge(&args(), FileConfig::default(), TfOutputs::default()).unwrap();
    assert!(cfg.waf_floors.is_empty(), "report only by default");
    assert!(!cfg.checks_named);
    assert!(!cfg.command_line().contains("waf-min-block-rate"));
    let file =
        || parse_toml("waf_min_block_rate = 0.8\n[waf_category_floors]\nsqli = 0.9\n").unwrap();
    let cfg = merge(&args(), file(), TfOutputs::default()).unwrap();
    assert_eq!(cfg.waf_floors.overall, Some(0.8));
    assert_eq!(cfg.waf_floors.categories["sqli"], 0.9);
    assert!(
        cfg.command_line()
            .contains("--waf-min-block-rate 0.8 --waf-category-floor sqli=0.9"),
        "{}",
        cfg.command_line()
    );
    let mut a = args();
    a.waf_min_block_rate = Some(0.95);
    a.waf_category_floors = vec!["xss=0.7".into()];
    a.checks = vec!["waf-posture".into()];
    let cfg = merge(&a, file(), TfOutputs::default()).unwrap();
    assert_eq!(cfg.waf_floors.overall, Some(0.95));
    assert_eq!(cfg.waf_floors.categories.len(), 1);
    assert_eq!(cfg.checks, vec![CheckName::WafPosture]);
    assert!(cfg.checks_named);
    for bad in [
        Box::new(|a: &mut VerifyArgs| a.waf_min_block_rate = Some(1.5)) as Box<dyn Fn(&mut _)>,
        Box::new(|a: &mut VerifyArgs| a.waf_category_floors = vec!["nope=0.5".into()]),
        Box::new(|a: &mut VerifyArgs| a.waf_category_floors = vec!["sqli:0.5".into()]),
    ] {
        let mut a = args();
        bad(&mut a);
        let err = merge(&a, FileConfig::default(), TfOutputs::default()).unwrap_err();
        assert!(
            matches!(err, Error::Config(ref m) if m.contains("waf")),
            "{err}"
        );
    }
}

#[test]
fn the_gate_leaves_the_posture_measurement_out_by_default() {
    let gate: Vec<CheckName> = CheckName::ALL
        .into_iter()
        .filter(|c| c.in_gate_default())
        .collect();
    assert!(gate.contains(&CheckName::Waf) && !gate.contains(&CheckName::WafPosture));
    assert_eq!(gate.len(), CheckName::ALL.len() - 1);
    assert_eq!(
        CheckName::parse("waf-posture").unwrap(),
        CheckName::WafPosture
    );
}
