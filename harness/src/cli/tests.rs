//! Tests of the command line: which flags each command offers, and that parsed
//! options land in the structs the harness reads.

use clap::{CommandFactory, Parser};

use super::{Cli, Command};

/// Flags that name a live target or how to reach AWS: `verify` and `gate` only.
const TARGET_FLAGS: &[&str] = &[
    "--url",
    "--listener-arn",
    "--load-balancer",
    "--listener-port",
    "--cluster",
    "--stable-service",
    "--canary-service",
    "--stable-target-group",
    "--canary-target-group",
    "--ca-file",
    "--http-url",
    "--resolve",
    "--web-acl-name",
    "--web-acl-group",
    "--tf-outputs",
    "--aws-endpoint-url",
    "--aws-region",
    "--aws-profile",
    "--aws-credentials-file",
    "--plan",
];

/// Flags that say how to verify: every verifying command, `local` included.
const HOW_FLAGS: &[&str] = &[
    "--checks",
    "--alpha",
    "--margin",
    "--leak-margin",
    "--max-requests",
    "--concurrency",
    "--rps",
    "--timeout-ms",
    "--fresh-connections",
    "--waf-min-block-rate",
    "--waf-category-floor",
    "--min-cert-days",
    "--require-hsts",
    "--hsts-min-max-age",
    "--drain-timeout-s",
    "--path",
    "--header",
    "--changed-at",
    "--settle",
    "--config",
    "--report-dir",
    "--quiet",
];

fn help(sub: &str) -> String {
    let mut cmd = Cli::command();
    cmd.build();
    cmd.find_subcommand_mut(sub)
        .unwrap_or_else(|| panic!("no subcommand {sub}"))
        .render_long_help()
        .to_string()
}

/// Whether `help` lists `flag` as an option (not merely mentions it in a text).
fn offers(help: &str, flag: &str) -> bool {
    help.lines().any(|l| {
        let l = l.trim_start();
        l.starts_with(&format!("{flag} ")) || l == flag || l.contains(&format!(", {flag}"))
    })
}

#[test]
fn the_command_line_is_consistent() {
    Cli::command().debug_assert();
}

#[test]
fn local_offers_only_what_applies_to_a_twin() {
    let local = help("local");
    for flag in TARGET_FLAGS {
        assert!(
            !offers(&local, flag),
            "local --help offers {flag}:\n{local}"
        );
    }
    for flag in HOW_FLAGS.iter().chain(&["--weights", "--fault", "--keep"]) {
        assert!(offers(&local, flag), "local --help lacks {flag}:\n{local}");
    }
    for flag in ["--promotion-flow", "--at-step"] {
        assert!(offers(&local, flag), "local --help lacks {flag}:\n{local}");
    }
}

#[test]
fn verify_and_gate_keep_every_flag() {
    for sub in ["verify", "gate"] {
        let text = help(sub);
        for flag in TARGET_FLAGS.iter().chain(HOW_FLAGS) {
            assert!(offers(&text, flag), "{sub} --help lacks {flag}:\n{text}");
        }
    }
}

#[test]
fn a_target_flag_given_to_local_is_a_usage_error() {
    for args in [
        &["harness", "local", "--url", "x"][..],
        &["harness", "local", "--listener-arn", "arn:x"],
        &["harness", "local", "--cluster", "web"],
        &["harness", "local", "--aws-profile", "p"],
    ] {
        let err = Cli::try_parse_from(args).unwrap_err();
        assert_eq!(
            err.kind(),
            clap::error::ErrorKind::UnknownArgument,
            "{args:?}"
        );
        assert_eq!(err.exit_code(), crate::exit::EXIT_USAGE, "{args:?}");
    }
}

#[test]
fn local_options_reach_the_verification_and_leave_the_target_to_the_twin() {
    let cli = Cli::try_parse_from([
        "harness",
        "local",
        "--weights",
        "50/50",
        "--fault",
        "waf-off",
        "--checks",
        "split,tls",
        "--alpha",
        "0.01",
        "--max-requests",
        "900",
        "--rps",
        "40",
        "--header",
        "x-a:b",
        "--report-dir",
        "out",
        "--quiet",
        "--settle",
        "3",
        "--drain-timeout-s",
        "5",
    ])
    .unwrap();
    let Command::Local(local) = cli.command else {
        panic!("not local")
    };
    assert_eq!(
        (local.weights.as_str(), local.faults.as_slice()),
        ("50/50", &["waf-off".to_string()][..])
    );
    let v = &local.verify;
    assert_eq!(v.checks, ["split", "tls"]);
    assert_eq!(
        (v.alpha, v.max_requests, v.rps),
        (Some(0.01), Some(900), Some(40.0))
    );
    assert_eq!(v.headers, ["x-a:b"]);
    assert_eq!(v.report_dir.as_deref(), Some(std::path::Path::new("out")));
    assert!(v.quiet);
    assert_eq!((v.settle, v.drain_timeout_s), (Some(3), Some(5)));
    assert_eq!((v.url.as_deref(), v.listener_arn.as_deref()), (None, None));
    assert!(v.aws_profile.is_none() && v.gate_token.is_none() && !v.plan);
    // Defaults and the promotion flags are as before.
    let Command::Local(d) = Cli::try_parse_from(["harness", "local"]).unwrap().command else {
        panic!("not local")
    };
    assert_eq!(d.weights, "90/10");
    assert!(Cli::try_parse_from(["harness", "local", "--promotion-flow", "--keep"]).is_err());
    assert!(Cli::try_parse_from(["harness", "local", "--at-step", "2"]).is_err());
}

#[test]
fn verify_options_land_in_their_fields() {
    let cli = Cli::try_parse_from([
        "harness",
        "verify",
        "--url",
        "https://a.example",
        "--listener-arn",
        "arn:l",
        "--cluster",
        "web",
        "--resolve",
        "a:443:127.0.0.1",
        "--web-acl-group",
        "G",
        "--aws-region",
        "eu-west-1",
        "--drain-timeout-s",
        "9",
        "--plan",
        "--checks",
        "split",
        "--margin",
        "0.03",
        "--path",
        "/p",
        "--config",
        "c.toml",
        "--require-hsts",
    ])
    .unwrap();
    let Command::Verify(v) = cli.command else {
        panic!("not verify")
    };
    assert_eq!(v.url.as_deref(), Some("https://a.example"));
    assert_eq!(v.listener_arn.as_deref(), Some("arn:l"));
    assert_eq!(v.cluster.as_deref(), Some("web"));
    assert_eq!(v.resolve, ["a:443:127.0.0.1"]);
    assert_eq!(v.web_acl_groups, ["G"]);
    assert_eq!(v.aws_region.as_deref(), Some("eu-west-1"));
    assert_eq!(v.drain_timeout_s, Some(9));
    assert!(v.plan && v.require_hsts);
    assert_eq!(
        (v.checks.as_slice(), v.margin),
        (&["split".to_string()][..], Some(0.03))
    );
    assert_eq!(v.path.as_deref(), Some("/p"));
    assert_eq!(v.config.as_deref(), Some(std::path::Path::new("c.toml")));
    let Command::Gate(g) =
        Cli::try_parse_from(["harness", "gate", "--url", "u", "--stable-tag", "v1"])
            .unwrap()
            .command
    else {
        panic!("not gate")
    };
    assert_eq!(
        (g.verify.url.as_deref(), g.stable_tag.as_deref()),
        (Some("u"), Some("v1"))
    );
}
