//! The machine setup respects the user's machine (issue 14): `scripts/setup.sh` never
//! stops, disables or kills a service or process, installs Python packages only into
//! venvs of its own (PEP 668 forbids the system Python on Debian 12 and 13), and keeps
//! the nginx package from starting a service while it installs it; the twin's nginx
//! reads only its own config and listens only on loopback ports, so a system nginx
//! can be left running beside it. The scripts parse (`bash -n`).

use std::net::{Ipv4Addr, SocketAddr};

use harness::twin::{EdgeLayout, Fault, TwinSpec, Upstream, Variant, Weights, render_nginx};

use super::infra::repo_root;

/// The scripts a user or CI runs.
const SCRIPTS: [&str; 4] = [
    "scripts/setup.sh",
    "scripts/test.sh",
    "scripts/lint-infra.sh",
    "scripts/local.sh",
];

/// setup.sh without comments, one entry per line.
fn setup_code() -> Vec<String> {
    let text = std::fs::read_to_string(repo_root().join("scripts/setup.sh")).unwrap();
    text.lines()
        .map(|l| l.split_once(" #").map_or(l, |(code, _)| code).trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

#[test]
fn scripts_parse() {
    for script in SCRIPTS {
        let out = std::process::Command::new("bash")
            .arg("-n")
            .arg(repo_root().join(script))
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "{script}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn setup_never_stops_disables_or_kills_anything() {
    let code = setup_code();
    assert!(!code.is_empty());
    for line in &code {
        let words: Vec<&str> = line.split_whitespace().collect();
        for w in &words {
            assert!(
                !["pkill", "killall", "kill", "invoke-rc.d", "update-rc.d"].contains(w),
                "setup.sh must not signal or drive services: {line}"
            );
        }
        for (i, w) in words.iter().enumerate() {
            let rest = &words[i + 1..];
            let stops = |verbs: &[&str]| rest.iter().any(|r| verbs.contains(r));
            if *w == "systemctl" {
                assert!(
                    !stops(&["stop", "disable", "mask", "kill", "restart", "isolate"]),
                    "{line}"
                );
            }
            if *w == "service" {
                assert!(!stops(&["stop", "restart"]), "{line}");
            }
        }
    }
    // The one apt-get install keeps maintainer scripts from starting services.
    let installs: Vec<&String> = code
        .iter()
        .filter(|l| l.contains("apt-get install"))
        .collect();
    assert_eq!(installs.len(), 1, "{installs:?}");
    let joined = code.join("\n");
    let at = joined.find("apt-get install").unwrap();
    let stmt_start = joined[..at]
        .rfind("env ")
        .expect("apt-get install runs under env");
    assert!(
        joined[stmt_start..at].contains("SYSTEMD_OFFLINE=1"),
        "apt-get install must run with SYSTEMD_OFFLINE=1"
    );
}

#[test]
fn setup_installs_python_packages_only_into_its_venvs() {
    let code = setup_code();
    let pip: Vec<&String> = code.iter().filter(|l| l.contains("pip install")).collect();
    assert!(!pip.is_empty());
    for line in pip {
        assert!(
            line.starts_with("\"$venv/bin/python\" -m pip install"),
            "pip outside the project's venvs: {line}"
        );
        assert!(!line.contains("--break-system-packages") && !line.contains("--user"));
    }
    let text = code.join("\n");
    for venv in ["MOTO_VENV", "TOOLS_VENV"] {
        assert!(
            text.contains(&format!("venv_install \"${venv}\"")),
            "{venv}"
        );
    }
    for pkg in ["python3-venv", "python3-pip"] {
        assert!(text.contains(pkg), "{pkg} missing from the APT list");
    }
}

/// Every fault's edge config: no `include` (no site of the system nginx, no
/// `/etc/nginx`), every listener on 127.0.0.1 at the ports the twin picked.
#[test]
fn twin_nginx_reads_only_its_own_config_on_loopback() {
    let layout = EdgeLayout {
        prefix: "/tmp/tw/edge".into(),
        cert: "/tmp/tw/cert.pem".into(),
        key: "/tmp/tw/key.pem".into(),
        modsecurity_rules: "/tmp/tw/modsecurity/main.conf".into(),
        https_port: 41443,
        http_port: 41080,
        redirect_status: 301,
        waf_rate: Vec::new(),
        as_root: false,
    };
    let ups = [Variant::Stable, Variant::Canary].map(|variant| Upstream {
        variant,
        addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 20000)),
    });
    let weights: Weights = "90/10".parse().unwrap();
    let mut specs = vec![TwinSpec::healthy(weights, "img:t")];
    specs.extend(Fault::ALL.map(|f| TwinSpec::with_faults(weights, "img:t", &[f])));
    for spec in specs {
        let conf = render_nginx(&spec, &layout, &ups);
        assert!(!conf.contains("include"), "{conf}");
        assert!(!conf.contains("/etc/nginx"), "{conf}");
        let listens: Vec<&str> = conf
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("listen "))
            .collect();
        assert_eq!(listens.len(), 2, "{conf}");
        for l in listens {
            assert!(
                l.starts_with("listen 127.0.0.1:41443 ") || l == "listen 127.0.0.1:41080;",
                "{l}"
            );
        }
    }
}
