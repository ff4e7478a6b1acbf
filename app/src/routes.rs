//! The two HTTP surfaces: `GET /` on the application listener and `GET /health` on
//! the health listener. Handlers are plain poem endpoints; everything every response
//! needs (attribution headers, limits, access log) is in [`crate::edge`].

use std::sync::Arc;

use poem::http::StatusCode;
use poem::web::Data;
use poem::{Endpoint, EndpointExt, IntoResponse, Response, Route, get, handler};

use canary_contract::HEALTH_PATH;

use crate::edge::{Edge, Listener};
pub use crate::state::AppState;

/// Body of `GET /`.
pub const HELLO: &str = "Hello World";

#[handler]
async fn hello(state: Data<&Arc<AppState>>) -> Response {
    if !state.delay.is_zero() {
        tokio::time::sleep(state.delay).await;
    }
    if state.error_rate > 0.0 && rand::random::<f64>() < state.error_rate {
        return (StatusCode::SERVICE_UNAVAILABLE, "injected fault\n").into_response();
    }
    HELLO.into_response()
}

#[handler]
fn health(state: Data<&Arc<AppState>>) -> Response {
    let (status, word) = if state.is_draining() {
        (StatusCode::SERVICE_UNAVAILABLE, "draining")
    } else {
        (StatusCode::OK, "ok")
    };
    let body = serde_json::json!({
        "status": word,
        "release": state.release,
        "variant": state.variant.as_str(),
    });
    Response::builder()
        .status(status)
        .content_type("application/json")
        .body(body.to_string())
}

/// The application listener: `GET`/`HEAD /`, 404 elsewhere, 405 for other methods.
pub fn app_endpoint(state: Arc<AppState>) -> impl Endpoint<Output = Response> {
    let route = Route::new().at("/", get(hello)).data(state.clone());
    Edge::new(route, state, Listener::App)
}

/// The health listener: `GET`/`HEAD /health`, 404 elsewhere, 405 for other methods.
pub fn health_endpoint(state: Arc<AppState>) -> impl Endpoint<Output = Response> {
    let route = Route::new()
        .at(HEALTH_PATH, get(health))
        .data(state.clone());
    Edge::new(route, state, Listener::Health)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;
    use std::time::Duration;

    use super::*;
    use crate::config::{Config, Variant};
    use crate::edge::{MAX_BODY_BYTES, MAX_HEAD_BYTES};
    use poem::http::Method;
    use poem::test::{TestClient, TestResponse};

    fn state(variant: Variant) -> Arc<AppState> {
        Arc::new(AppState::new(&Config::for_test(variant, "r-test")))
    }

    fn assert_attributed(resp: &TestResponse, variant: &str) {
        resp.assert_header("x-release", "r-test");
        resp.assert_header("x-variant", variant);
    }

    #[tokio::test]
    async fn root_says_hello_world_as_text() {
        let cli = TestClient::new(app_endpoint(state(Variant::Canary)));
        let resp = cli.get("/").send().await;
        resp.assert_status_is_ok();
        resp.assert_content_type("text/plain; charset=utf-8");
        assert_attributed(&resp, "canary");
        resp.assert_text(HELLO).await;
    }

    #[tokio::test]
    async fn head_root_has_headers_and_no_body() {
        let cli = TestClient::new(app_endpoint(state(Variant::Stable)));
        let resp = cli.head("/").send().await;
        resp.assert_status_is_ok();
        assert_attributed(&resp, "stable");
        resp.assert_text("").await;
    }

    #[tokio::test]
    async fn unknown_path_is_404_with_attribution() {
        let cli = TestClient::new(app_endpoint(state(Variant::Stable)));
        let resp = cli.get("/nope").send().await;
        resp.assert_status(StatusCode::NOT_FOUND);
        assert_attributed(&resp, "stable");
        // The health route lives on the other listener only.
        cli.get("/health")
            .send()
            .await
            .assert_status(StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn other_methods_are_405_with_allow() {
        let cli = TestClient::new(app_endpoint(state(Variant::Canary)));
        for method in [Method::POST, Method::PUT, Method::DELETE, Method::PATCH] {
            let resp = cli.request(method.clone(), "/").body("x").send().await;
            resp.assert_status(StatusCode::METHOD_NOT_ALLOWED);
            resp.assert_header("allow", "GET, HEAD");
            assert_attributed(&resp, "canary");
        }
    }

    #[tokio::test]
    async fn health_is_json_and_turns_503_when_draining() {
        let st = state(Variant::Canary);
        let cli = TestClient::new(health_endpoint(st.clone()));
        let resp = cli.get("/health").send().await;
        resp.assert_status_is_ok();
        resp.assert_content_type("application/json");
        assert_attributed(&resp, "canary");
        resp.assert_json(serde_json::json!({"status":"ok","release":"r-test","variant":"canary"}))
            .await;

        st.draining.store(true, Ordering::SeqCst);
        let resp = cli.get("/health").send().await;
        resp.assert_status(StatusCode::SERVICE_UNAVAILABLE);
        assert_attributed(&resp, "canary");
        resp.assert_json(
            serde_json::json!({"status":"draining","release":"r-test","variant":"canary"}),
        )
        .await;
        // The application port is not affected by the health state.
        let app = TestClient::new(app_endpoint(st));
        app.get("/").send().await.assert_status_is_ok();
    }

    #[tokio::test]
    async fn health_listener_404_and_405() {
        let cli = TestClient::new(health_endpoint(state(Variant::Stable)));
        let resp = cli.get("/").send().await;
        resp.assert_status(StatusCode::NOT_FOUND);
        assert_attributed(&resp, "stable");
        let resp = cli.post("/health").send().await;
        resp.assert_status(StatusCode::METHOD_NOT_ALLOWED);
        assert_attributed(&resp, "stable");
    }

    #[tokio::test]
    async fn oversized_body_is_413_and_closes() {
        let cli = TestClient::new(app_endpoint(state(Variant::Stable)));
        let resp = cli
            .get("/")
            .body(vec![b'a'; MAX_BODY_BYTES + 1])
            .send()
            .await;
        resp.assert_status(StatusCode::PAYLOAD_TOO_LARGE);
        resp.assert_header("connection", "close");
        assert_attributed(&resp, "stable");
        // At the limit it is read and answered.
        let resp = cli.get("/").body(vec![b'a'; MAX_BODY_BYTES]).send().await;
        resp.assert_status_is_ok();
    }

    #[tokio::test]
    async fn oversized_head_is_431() {
        let cli = TestClient::new(app_endpoint(state(Variant::Canary)));
        let resp = cli
            .get("/")
            .header("x-big", "b".repeat(MAX_HEAD_BYTES))
            .send()
            .await;
        resp.assert_status(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
        assert_attributed(&resp, "canary");
    }

    #[tokio::test]
    async fn error_rate_one_always_fails_and_zero_never() {
        let mut cfg = Config::for_test(Variant::Canary, "r-test");
        cfg.error_rate = 1.0;
        let cli = TestClient::new(app_endpoint(Arc::new(AppState::new(&cfg))));
        for _ in 0..20 {
            let resp = cli.get("/").send().await;
            resp.assert_status(StatusCode::SERVICE_UNAVAILABLE);
            assert_attributed(&resp, "canary");
        }
        let cli = TestClient::new(app_endpoint(state(Variant::Canary)));
        for _ in 0..20 {
            cli.get("/").send().await.assert_status_is_ok();
        }
    }

    #[tokio::test]
    async fn error_rate_half_fails_about_half() {
        let mut cfg = Config::for_test(Variant::Canary, "r-test");
        cfg.error_rate = 0.5;
        let cli = TestClient::new(app_endpoint(Arc::new(AppState::new(&cfg))));
        let mut failed = 0;
        for _ in 0..400 {
            if cli.get("/").send().await.0.status() == StatusCode::SERVICE_UNAVAILABLE {
                failed += 1;
            }
        }
        // Binomial(400, 0.5): mean 200, sd 10; ±60 is 6 sd.
        assert!((140..=260).contains(&failed), "{failed} of 400 failed");
    }

    #[tokio::test]
    async fn delay_is_added() {
        let mut cfg = Config::for_test(Variant::Stable, "r-test");
        cfg.delay = Duration::from_millis(120);
        let cli = TestClient::new(app_endpoint(Arc::new(AppState::new(&cfg))));
        let t = std::time::Instant::now();
        cli.get("/").send().await.assert_status_is_ok();
        assert!(t.elapsed() >= Duration::from_millis(120));
    }
}
