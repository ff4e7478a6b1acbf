//! Helpers shared by the twin's integration tests.

#![allow(dead_code)]

use std::process::Command;

use std::time::Duration;

use harness::twin::{LABEL_TWIN, Twin};

/// The app image the twin runs (built from the workspace when missing).
pub async fn image() -> String {
    harness::twin::image_for_twin()
        .await
        .expect("app image (build it first)")
}

/// Containers labelled as belonging to twin `id`.
pub fn containers_of(id: &str) -> Vec<String> {
    let out = Command::new("docker")
        .args(["ps", "-aq", "--filter", &format!("label={LABEL_TWIN}={id}")])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// Whether `pid` exists and is not a zombie.
pub fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        s.rsplit_once(") ")
            .is_some_and(|(_, r)| !r.starts_with('Z'))
    })
}

/// Pids of the live processes whose parent is `parent` and whose name is `comm`.
pub fn children_named(parent: u32, comm: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // "pid (comm) state ppid ..."
        let Some((head, rest)) = stat.rsplit_once(") ") else {
            continue;
        };
        let name = head.split_once(" (").map_or("", |(_, n)| n);
        let ppid = rest
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse::<u32>().ok());
        if name == comm && ppid == Some(parent) && alive(pid) {
            out.push(pid);
        }
    }
    out
}

/// A client of the twin's edge (private CA, pins).
pub fn client(twin: &Twin) -> reqwest::Client {
    twin.endpoint()
        .unwrap()
        .client_builder()
        .unwrap()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// A client of edge node `node` alone (private CA, one pin): each node counts the WAF
/// rate rules on its own.
pub fn node_client(twin: &Twin, node: usize) -> reqwest::Client {
    twin.node_endpoint(node)
        .unwrap()
        .client_builder()
        .unwrap()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// Share of `x-variant: canary` among `n` sampled `GET /`.
pub async fn canary_share(c: &reqwest::Client, url: &str, n: usize) -> f64 {
    let mut canary = 0;
    for _ in 0..n {
        let r = c.get(url).send().await.unwrap();
        assert_eq!(r.status(), 200);
        match r.headers().get("x-variant").and_then(|v| v.to_str().ok()) {
            Some("canary") => canary += 1,
            Some("stable") => {}
            other => panic!("unattributed response: {other:?}"),
        }
    }
    canary as f64 / n as f64
}

/// (stable, canary) weights of the listener's default forward action in moto.
pub async fn listener_weights(sdk: &aws_config::SdkConfig, listener_arn: &str) -> (i32, i32) {
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(sdk);
    let l = elb
        .describe_listeners()
        .listener_arns(listener_arn)
        .send()
        .await
        .unwrap();
    let tgs = l.listeners()[0].default_actions()[0]
        .forward_config()
        .unwrap()
        .target_groups();
    // `targetgroup/<name>/<id>`, the name ending in the variant (Terraform's
    // `"${local.name}-${each.key}"`, whose prefix may itself contain "canary").
    let w = |variant: &str| {
        tgs.iter()
            .find(|t| {
                t.target_group_arn()
                    .unwrap()
                    .contains(&format!("-{variant}/"))
            })
            .and_then(|t| t.weight())
            .unwrap()
    };
    (w("stable"), w("canary"))
}

/// The control plane holds app-infra's target group settings (port 80, health check
/// `/health` on 8080, deregistration delay 30 s), as the twin read them from Terraform.
pub async fn assert_declared_target_group(twin: &Twin) {
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(twin.sdk_config().unwrap());
    let arn = twin.seeded().stable_target_group_arn.clone();
    let tgs = elb
        .describe_target_groups()
        .target_group_arns(&arn)
        .send()
        .await
        .unwrap();
    let tg = &tgs.target_groups()[0];
    assert_eq!(tg.health_check_path(), Some("/health"));
    assert_eq!(tg.health_check_port(), Some("8080"));
    assert_eq!(tg.port(), Some(80));
    let attrs = elb
        .describe_target_group_attributes()
        .target_group_arn(&arn)
        .send()
        .await
        .unwrap();
    let delay = attrs
        .attributes()
        .iter()
        .find(|a| a.key() == Some("deregistration_delay.timeout_seconds"))
        .and_then(|a| a.value());
    assert_eq!(delay, Some("30"));
}

/// `harness verify --quiet --max-requests 2000 --report-dir DIR FLAGS...` as parsed.
pub fn verify_flags(flags: &[&str], report_dir: &str) -> harness::cli::VerifyArgs {
    let mut a = vec!["harness", "verify", "--quiet", "--max-requests", "2000"];
    a.extend(["--report-dir", report_dir]);
    a.extend(flags);
    match <harness::cli::Cli as clap::Parser>::parse_from(a).command {
        harness::cli::Command::Verify(v) => *v,
        other => panic!("not verify: {other:?}"),
    }
}
