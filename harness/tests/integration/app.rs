//! through testcontainers (no pull, host ports chosen by Docker): routes, attribution
//! headers, JSON access log, non-root user, image size, and the SIGTERM drain.

use std::time::{Duration, Instant};

use harness::twin::image::{APP_IMAGE_REPO, AppImage, ensure_app_image};
use testcontainers::core::{IntoContainerPort, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};

/// Issue 2's image size target.
const MAX_IMAGE_BYTES: u64 = 15 * 1000 * 1000;
/// Seconds the app keeps serving after SIGTERM (production: the target group's
/// deregistration delay, 30 s; short here).
const SHUTDOWN_DELAY_S: u64 = 2;

/// Latency injected on `GET /` so a request is still in flight when SIGTERM lands.
const DELAY_MS: u64 = 1200;

async fn docker(args: &[&str]) -> String {
    let out = tokio::process::Command::new("docker")
        .args(args)
        .output()
        .await
        .expect("docker CLI");
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

async fn run(image: &AppImage) -> ContainerAsync<GenericImage> {
    GenericImage::new(image.name.clone(), image.tag.clone())
        .with_exposed_port(80.tcp())
        .with_exposed_port(8080.tcp())
        .with_wait_for(WaitFor::message_on_stdout("listening"))
        .with_env_var("VARIANT", "canary")
        .with_env_var("RELEASE", "it-7f3a")
        .with_env_var("FAULT_DELAY_MS", DELAY_MS.to_string())
        .with_env_var("DRAIN_TIMEOUT_SECS", "10")
        .with_env_var("SHUTDOWN_DELAY_SECS", SHUTDOWN_DELAY_S.to_string())
        .with_startup_timeout(Duration::from_secs(30))
        .start()
        .await
        .expect("container starts")
}

fn assert_attributed(resp: &reqwest::Response) {
    let h = resp.headers();
    assert_eq!(h.get("x-release").unwrap(), "it-7f3a", "{h:?}");
    assert_eq!(h.get("x-variant").unwrap(), "canary", "{h:?}");
}

#[tokio::test]
async fn app_image_serves_and_drains_on_sigterm() {
    let _machine = crate::support::serial::twin().await;
    let image = ensure_app_image().await.expect("image builds");
    assert_eq!(image.name, APP_IMAGE_REPO);

    let size: u64 = docker(&[
        "image",
        "inspect",
        "--format",
        "{{.Size}}",
        &image.reference(),
    ])
    .await
    .parse()
    .unwrap();
    assert!(size <= MAX_IMAGE_BYTES, "image is {size} bytes");
    let user = docker(&[
        "image",
        "inspect",
        "--format",
        "{{.Config.User}}",
        &image.reference(),
    ])
    .await;
    assert_eq!(user, "65532:65532", "runs as non-root");

    let container = run(&image).await;
    let host = container.get_host().await.unwrap();
    let app_port = container.get_host_port_ipv4(80).await.unwrap();
    let health_port = container.get_host_port_ipv4(8080).await.unwrap();
    let app = format!("http://{host}:{app_port}");
    let health = format!("http://{host}:{health_port}/health");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();

    // GET / (delayed by the fault knob).
    let resp = http.get(format!("{app}/")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_attributed(&resp);
    let ctype = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ctype.starts_with("text/plain"), "{ctype}");
    assert_eq!(resp.text().await.unwrap(), "Hello World");

    // Health JSON on its own port.
    let resp = http.get(&health).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_attributed(&resp);
    let json: serde_json::Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"status": "ok", "release": "it-7f3a", "variant": "canary"})
    );

    // Errors are attributed too.
    let resp = http.get(format!("{app}/nope")).send().await.unwrap();
    assert_eq!(resp.status(), 404);
    assert_attributed(&resp);
    let resp = http.post(format!("{app}/")).body("x").send().await.unwrap();
    assert_eq!(resp.status(), 405);
    assert_attributed(&resp);

    // SIGTERM with a request in flight.
    let in_flight = tokio::spawn({
        let http = http.clone();
        let url = format!("{app}/");
        async move { http.get(url).send().await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    docker(&["kill", "--signal", "TERM", container.id()]).await;
    let signalled = Instant::now();

    let mut saw_503 = false;
    while signalled.elapsed() < Duration::from_millis(DELAY_MS / 2) {
        match http.get(&health).send().await {
            Ok(resp) if resp.status() == 503 => {
                assert_attributed(&resp);
                let json: serde_json::Value =
                    serde_json::from_str(&resp.text().await.unwrap()).unwrap();
                assert_eq!(json["status"], "draining");
                saw_503 = true;
                break;
            }
            _ => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
    assert!(saw_503, "health never answered 503 during the drain");
    // Deregistration: the load balancer still routes here until its deregistration
    // delay ends, so new requests are still served (before, the port closed at once).
    let late = http.get(format!("{app}/")).send().await;
    assert_eq!(
        late.map(|r| r.status().as_u16()).ok(),
        Some(200),
        "a request during the shutdown delay was not served"
    );

    let resp = in_flight
        .await
        .unwrap()
        .expect("in-flight request completes");
    assert_eq!(resp.status(), 200);
    assert_attributed(&resp);
    assert_eq!(resp.text().await.unwrap(), "Hello World");

    let exit = loop {
        if let Some(code) = container.exit_code().await.unwrap() {
            break code;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(15),
            "container still running 15 s after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(exit, 0, "exit code after drain");
    assert!(signalled.elapsed() < Duration::from_secs(SHUTDOWN_DELAY_S + 10));

    // One JSON access-log line per request on stdout.
    let logs = String::from_utf8(container.stdout_to_vec().await.unwrap()).unwrap();
    let access: Vec<serde_json::Value> = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["target"] == "access")
        .collect();
    assert!(access.len() >= 6, "{logs}");
    let hello = access
        .iter()
        .find(|v| v["path"] == "/" && v["status"] == 200)
        .expect("access line for GET /");
    assert_eq!(hello["method"], "GET");
    assert_eq!(hello["variant"], "canary");
    assert_eq!(hello["release"], "it-7f3a");
    assert!(hello["latency_ms"].as_f64().unwrap() >= DELAY_MS as f64);
    assert!(access.iter().any(|v| v["status"] == 404));
}

#[tokio::test]
async fn bad_config_exits_2_with_one_line() {
    let _machine = crate::support::serial::twin().await;
    let image = ensure_app_image().await.expect("image builds");
    let out = tokio::process::Command::new("docker")
        .args(["run", "--rm", "-e", "VARIANT=blue", &image.reference()])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("VARIANT"), "{stderr}");
}
