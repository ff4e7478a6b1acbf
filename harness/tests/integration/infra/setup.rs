//! The machine setup respects the user's machine (issue 14): `scripts/setup.sh` never
//! stops, disables or kills a service or process, installs Python packages only into
//! venvs of its own (PEP 668 forbids the system Python on Debian 12 and 13), and keeps
//! the nginx package from starting a service while it installs it; the twin's nginx
//! reads only its own config and listens only on loopback ports, so a system nginx
//! can be left running beside it. The scripts parse (`bash -n`). Run on this machine:
//! a second run of `scripts/setup.sh` does nothing, and the venv path works with
//! Debian's own `/usr/bin/python3` (this machine's pyenv Python, first on PATH, would
//! hide what PEP 668 does to a fresh Debian 12/13).

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::SystemTime;

use harness::twin::{EdgeLayout, Fault, TwinSpec, Upstream, Variant, Weights, render_nginx};

use crate::support::infra::repo_root;
use crate::support::serial;

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
/// `/etc/nginx`), every listener on the node's loopback address (here the second
/// node's, 127.0.0.2) at the ports the twin picked.
#[test]
fn twin_nginx_reads_only_its_own_config_on_loopback() {
    let layout = EdgeLayout {
        prefix: "/tmp/tw/edge/node-1".into(),
        listen: Ipv4Addr::new(127, 0, 0, 2).into(),
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
                l.starts_with("listen 127.0.0.2:41443 ") || l == "listen 127.0.0.2:41080;",
                "{l}"
            );
        }
    }
}

/// Debian's interpreter, the one `python3-venv` and `python3-pip` serve.
const DEBIAN_PYTHON: &str = "/usr/bin/python3";

/// `scripts/setup.sh` run as a user runs it, its output kept.
fn run_setup() -> Output {
    let out = Command::new("bash")
        .arg(repo_root().join("scripts/setup.sh"))
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "setup.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// What an install would change: dpkg's status file, the service policy file, and each
/// venv's interpreter config (remade by `venv --clear`) and stamp (rewritten by every
/// pip install), with their modification times.
fn install_marks() -> Vec<(PathBuf, Option<SystemTime>)> {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let cache = home.join(".cache/canary-harness");
    let venv = |var: &str, name: &str| {
        std::env::var_os(var).map_or_else(|| cache.join(name), PathBuf::from)
    };
    let mut paths = vec![
        PathBuf::from("/var/lib/dpkg/status"),
        PathBuf::from("/usr/sbin/policy-rc.d"),
    ];
    for v in [
        venv("HARNESS_MOTO_VENV", "moto-venv"),
        venv("HARNESS_TOOLS_VENV", "tools-venv"),
    ] {
        paths.push(v.join("pyvenv.cfg"));
        paths.push(v.join(".harness-stamp"));
    }
    paths
        .into_iter()
        .map(|p| {
            let modified = std::fs::metadata(&p).and_then(|m| m.modified()).ok();
            (p, modified)
        })
        .collect()
}

/// Setup is idempotent on this machine: after a first run (CI's `.ci/run` has made one
/// already, so this one is usually a no-op too) a second run says exactly `setup: ok`
/// on stderr, nothing on stdout, and installs nothing: no Debian package (dpkg's
/// status untouched), no policy file left, no venv made or refilled. Holds the twin
/// lock: a first run that installs must not swap moto's venv under a running twin.
#[tokio::test]
async fn a_second_setup_run_does_nothing() {
    let _machine = serial::twin().await;
    run_setup();
    let before = install_marks();
    let out = run_setup();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim_end(), "setup: ok", "second run: {stderr}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        install_marks(),
        before,
        "the second run changed the machine"
    );
    let venvs = &before[2..];
    assert!(
        venvs.iter().all(|(_, m)| m.is_some()),
        "the first run left no venv: {venvs:?}"
    );
}

/// Debian's Python with nothing of this machine's around it: no pip configuration
/// from the environment (a `PIP_BREAK_SYSTEM_PACKAGES` would void the refusal below).
fn debian_python(args: &[&str]) -> Output {
    let mut cmd = Command::new(DEBIAN_PYTHON);
    cmd.args(args);
    for (key, _) in std::env::vars_os() {
        let k = key.to_string_lossy();
        if k.starts_with("PIP_") || k.starts_with("PYTHON") || k == "VIRTUAL_ENV" {
            cmd.env_remove(&key);
        }
    }
    cmd.output().expect("/usr/bin/python3 runs")
}

/// The venv path of setup.sh with Debian's `/usr/bin/python3` (what `HARNESS_PYTHON`
/// or a PATH without pyenv gives): `-m venv` into a temporary folder works and that
/// venv's pip runs. The system interpreter itself is PEP 668's "externally managed"
/// when Debian ships the marker (Debian 12 and 13 do): a `pip install` outside a venv
/// is refused with `externally-managed-environment`, which is why setup.sh never
/// installs there. Without the marker, pip is not refused, and the test says so.
#[test]
fn debian_python_makes_a_venv_whose_pip_runs_and_refuses_system_installs() {
    assert!(
        Path::new(DEBIAN_PYTHON).is_file(),
        "{DEBIAN_PYTHON} missing: setup.sh installs python3-venv"
    );
    let tmp = tempfile::tempdir().unwrap();
    let venv = tmp.path().join("venv");
    let made = debian_python(&["-m", "venv", &venv.display().to_string()]);
    assert!(
        made.status.success(),
        "{DEBIAN_PYTHON} -m venv: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    let pip = Command::new(venv.join("bin/python"))
        .args(["-m", "pip", "--version"])
        .output()
        .unwrap();
    let version = String::from_utf8_lossy(&pip.stdout);
    assert!(
        pip.status.success(),
        "{}",
        String::from_utf8_lossy(&pip.stderr)
    );
    assert!(
        version.starts_with("pip ") && version.contains(&venv.display().to_string()),
        "the venv's own pip: {version}"
    );

    let stdlib = debian_python(&[
        "-c",
        "import sysconfig; print(sysconfig.get_path('stdlib'))",
    ]);
    let stdlib = PathBuf::from(String::from_utf8_lossy(&stdlib.stdout).trim());
    let marker = stdlib.join("EXTERNALLY-MANAGED");
    let refused = debian_python(&["-m", "pip", "install", "--dry-run", "six"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    println!("{}: marker {}", stdlib.display(), marker.is_file());
    if marker.is_file() {
        assert!(!refused.status.success(), "system pip install was allowed");
        assert!(
            stderr.contains("externally-managed-environment"),
            "{stderr}"
        );
    } else {
        assert!(
            !stderr.contains("externally-managed-environment"),
            "refused without {}: {stderr}",
            marker.display()
        );
        println!(
            "no PEP 668 marker at {}: system pip is not refused",
            marker.display()
        );
    }
}
