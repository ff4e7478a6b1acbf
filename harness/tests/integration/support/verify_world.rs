//! The world of the `verify`, `split` and `scale` tests: moto seeded through `twin::seed`, two poem
//! backends on port 0 and a weighted TLS front standing in for the ALB.

#![allow(dead_code)]

pub use std::net::SocketAddr;
pub use std::path::PathBuf;
pub use std::sync::Arc;

pub use clap::Parser;
pub use harness::cli::Cli;
pub use harness::twin::moto::MotoServer;
pub use harness::twin::seed::{SeedPlan, Seeded, seed};
pub use rand::Rng;
pub use tokio::net::{TcpListener, TcpStream};

pub const HOST: &str = "twin.test";

/// A poem backend; `variant` None answers without attribution headers.
pub async fn backend(variant: Option<(&'static str, &'static str)>) -> SocketAddr {
    use poem::listener::{Acceptor, Listener};
    let acceptor = poem::listener::TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .unwrap();
    let addr = *acceptor.local_addr()[0].as_socket_addr().unwrap();
    let ep = poem::endpoint::make_sync(move |_req| {
        let mut b = poem::Response::builder();
        if let Some((v, r)) = variant {
            b = b.header("x-variant", v).header("x-release", r);
        }
        b.body("ok")
    });
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(ep));
    addr
}

pub struct Front {
    pub port: u16,
    pub ca_file: PathBuf,
}

/// A TLS front that forwards each connection to `stable` or `canary` with probability
/// proportional to the weights.
pub async fn front(
    dir: &std::path::Path,
    stable: SocketAddr,
    canary: SocketAddr,
    weights: (u32, u32),
) -> Front {
    let (acceptor, ca_file) = tls_acceptor(dir);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    serve(listener, acceptor, stable, canary, weights);
    Front { port, ca_file }
}

/// A TLS acceptor for [`HOST`] with a fresh private CA, written to `dir/ca.pem`.
pub fn tls_acceptor(dir: &std::path::Path) -> (tokio_rustls::TlsAcceptor, PathBuf) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec![HOST.to_string()])
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();

    let key = rustls_pki_types::PrivateKeyDer::try_from(leaf_key.serialize_der()).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![leaf.der().clone(), ca.der().clone()], key)
    .unwrap();
    (tokio_rustls::TlsAcceptor::from(Arc::new(config)), ca_file)
}

/// Serves `listener` as a weighted front: each connection goes to `stable` or `canary`
/// with probability proportional to the weights.
pub fn serve(
    listener: TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    stable: SocketAddr,
    canary: SocketAddr,
    weights: (u32, u32),
) {
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let pick = rand::rng().random_range(0..weights.0 + weights.1);
            let target = if pick < weights.0 { stable } else { canary };
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut up) = TcpStream::connect(target).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut up).await;
            });
        }
    });
}

pub struct World {
    pub moto: MotoServer,
    pub seeded: Seeded,
    pub front: Front,
    pub dir: tempfile::TempDir,
    pub creds: PathBuf,
}

pub struct Spec {
    pub listener: (i64, i64),
    pub real: (u32, u32),
    pub canary_running: i32,
    pub headers: bool,
}

impl Spec {
    /// Listener and edge agree on 90/10, the canary runs, responses are attributed.
    pub fn healthy() -> Self {
        Spec {
            listener: (90, 10),
            real: (90, 10),
            canary_running: 1,
            headers: true,
        }
    }
}

pub async fn world(spec: Spec) -> World {
    let dir = tempfile::tempdir().unwrap();
    let moto = MotoServer::start().await.unwrap();
    let creds = dir.path().join("credentials");
    std::fs::write(
        &creds,
        "[moto]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    )
    .unwrap();
    let (s, c) = if spec.headers {
        (Some(("stable", "v1")), Some(("canary", "v2")))
    } else {
        (None, None)
    };
    let stable = backend(s).await;
    let canary = backend(c).await;
    let front = front(dir.path(), stable, canary, spec.real).await;
    let sdk = harness::aws::load(&aws_options(&moto, &creds))
        .await
        .unwrap();
    let plan = SeedPlan {
        name: "poem".into(),
        host: HOST.into(),
        stable_weight: spec.listener.0,
        canary_weight: spec.listener.1,
        stable_tag: "v1".into(),
        canary_tag: "v2".into(),
        stable_desired: 2,
        stable_running: 2,
        canary_desired: spec.canary_running,
        canary_running: spec.canary_running,
        stable_targets: vec![(stable.ip().to_string(), stable.port())],
        canary_targets: if spec.canary_running > 0 {
            vec![(canary.ip().to_string(), canary.port())]
        } else {
            vec![]
        },
        ssl_policy: "ELBSecurityPolicy-TLS13-1-2-2021-06".into(),
        redirect_http: true,
        ..SeedPlan::default()
    };
    let seeded = seed(&sdk, &plan).await.unwrap();
    World {
        moto,
        seeded,
        front,
        dir,
        creds,
    }
}

pub fn aws_options(moto: &MotoServer, creds: &std::path::Path) -> harness::aws::AwsOptions {
    harness::aws::AwsOptions {
        endpoint_url: Some(moto.endpoint_url.clone()),
        region: Some("us-east-1".into()),
        profile: Some("moto".into()),
        credentials_file: Some(creds.to_path_buf()),
    }
}

impl World {
    pub fn args(&self, extra: &[&str]) -> Vec<String> {
        let port = self.front.port;
        let mut a: Vec<String> = vec![
            "harness".into(),
            "verify".into(),
            "--url".into(),
            format!("https://{HOST}:{port}/"),
            "--resolve".into(),
            format!("{HOST}:{port}:127.0.0.1"),
            "--ca-file".into(),
            self.front.ca_file.display().to_string(),
            "--listener-arn".into(),
            self.seeded.listener_arn.clone(),
            "--cluster".into(),
            self.seeded.cluster.clone(),
            "--stable-service".into(),
            self.seeded.stable_service.clone(),
            "--canary-service".into(),
            self.seeded.canary_service.clone(),
            "--stable-target-group".into(),
            self.seeded.stable_target_group_arn.clone(),
            "--canary-target-group".into(),
            self.seeded.canary_target_group_arn.clone(),
            "--aws-endpoint-url".into(),
            self.moto.endpoint_url.clone(),
            "--aws-region".into(),
            "us-east-1".into(),
            "--aws-profile".into(),
            "moto".into(),
            "--aws-credentials-file".into(),
            self.creds.display().to_string(),
            "--report-dir".into(),
            self.dir.path().join("reports").display().to_string(),
            "--checks".into(),
            "split,scale".into(),
            "--alpha".into(),
            "0.05".into(),
            "--margin".into(),
            "0.05".into(),
            "--max-requests".into(),
            "3000".into(),
            "--concurrency".into(),
            "16".into(),
            "--rps".into(),
            "100000".into(),
            "--drain-timeout-s".into(),
            "1".into(),
            "--fresh-connections".into(),
            "--quiet".into(),
        ];
        // An extra `--flag value` replaces the base one (clap rejects repeats).
        let mut rest = extra.iter().map(|s| s.to_string()).peekable();
        while let Some(arg) = rest.next() {
            let value_follows = rest.peek().is_some_and(|v| !v.starts_with("--"));
            match a.iter().position(|x| *x == arg) {
                Some(i) if value_follows && arg.starts_with("--") => {
                    a[i + 1] = rest.next().unwrap();
                }
                _ => a.push(arg),
            }
        }
        a
    }
}

/// Exit code and, for errors, the message.
pub async fn exit_of(args: Vec<String>) -> (i32, String) {
    let cli = Cli::parse_from(args);
    match harness::run_async(cli).await {
        Ok(o) => (o.exit_code(), String::new()),
        Err(e) => (e.exit_code(), e.to_string()),
    }
}

/// Exit code and message of `harness verify` against a fresh world.
pub async fn verify_in(spec: Spec, extra: &[&str]) -> (i32, String) {
    let w = world(spec).await;
    exit_of(w.args(extra)).await
}

/// An imported certificate: moto wants an HTTPS listener's certificate repeated on
/// every ModifyListener.
pub async fn listener_certificate(w: &World) -> aws_sdk_elasticloadbalancingv2::types::Certificate {
    let sdk = harness::aws::load(&aws_options(&w.moto, &w.creds))
        .await
        .unwrap();
    let ck = rcgen::generate_simple_self_signed(vec![HOST.to_string()]).unwrap();
    let imported = aws_sdk_acm::Client::new(&sdk)
        .import_certificate()
        .certificate(aws_sdk_acm::primitives::Blob::new(ck.cert.pem()))
        .private_key(aws_sdk_acm::primitives::Blob::new(
            ck.signing_key.serialize_pem(),
        ))
        .send()
        .await
        .unwrap();
    aws_sdk_elasticloadbalancingv2::types::Certificate::builder()
        .certificate_arn(imported.certificate_arn().unwrap())
        .build()
}
