//! The core is pure by construction: its `[dependencies]` are held to an allow-list
//! of crates that do no I/O of their own (no tokio, no AWS SDK, no hyper/reqwest, no
//! network). Adding a dependency means adding it here, in review.

use std::path::Path;

/// The crates the core may depend on, and why each is pure.
const ALLOWED: [&str; 8] = [
    "askama",      // compile-time HTML templates
    "quick-junit", // JUnit XML model and serializer
    "rand",        // seeded variates for simulations (no OS entropy used by the core)
    "serde",       // (de)serialization of the result model
    "serde_json",  // report.json
    "statrs",      // distributions and special functions
    "thiserror",   // the error type
    "time",        // parsing and formatting timestamps of the result
];

/// Crates that would bring I/O into the core (matched as prefixes).
const FORBIDDEN: [&str; 7] = [
    "tokio",
    "aws-",
    "hyper",
    "reqwest",
    "rustls",
    "testcontainers",
    "futures",
];

/// The dependency names of one `[…dependencies]` table of `Cargo.toml`.
fn table(manifest: &str, header: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut inside = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line == header;
            continue;
        }
        if inside && !line.is_empty() && !line.starts_with('#') {
            let name = line.split(['=', '.', ' ']).next().unwrap_or_default();
            names.push(name.trim_matches('"').to_string());
        }
    }
    names
}

#[test]
fn dependencies_are_on_the_pure_allow_list() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let manifest = std::fs::read_to_string(&path).unwrap();
    let deps = table(&manifest, "[dependencies]");
    assert!(deps.contains(&"statrs".to_string()), "parsed {deps:?}");
    for dep in &deps {
        assert!(
            ALLOWED.contains(&dep.as_str()),
            "core dependency {dep} is not on the pure allow-list (tests/core/purity.rs)"
        );
    }
    for allowed in ALLOWED {
        assert!(
            !FORBIDDEN.iter().any(|f| allowed.starts_with(f)),
            "{allowed} is I/O"
        );
    }
    // No target-specific or build dependencies sneak I/O in either.
    assert!(
        !manifest.contains("[target."),
        "target-specific dependencies"
    );
    assert!(table(&manifest, "[build-dependencies]").is_empty());
}
