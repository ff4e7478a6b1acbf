#!/usr/bin/env bash
# README command (2): install what is missing, then run every test: format, lints,
# unit and integration tests (real Docker, nginx + ModSecurity, moto), infra lints.
# CI runs exactly this through .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

# A clean clone builds everything once: incremental compilation only adds work there
# (CI sets CI=true). Left alone on a developer's machine, where it pays off.
if [ -n "${CI:-}" ]; then
  export CARGO_INCREMENTAL=0
fi

echo "== cargo fmt --check" >&2
cargo fmt --all --check
# Clippy lints as the tests build: `cargo clippy` is clippy-driver run as cargo's
# workspace wrapper (RUSTC_WORKSPACE_WRAPPER, lint flags in CLIPPY_ARGS) in check mode;
# run the same wrapper under `cargo test` and every workspace target the tests build
# (libs, bins, their unit tests, the integration tests, examples: what `clippy
# --all-targets` covers here, there are no benches) is linted with `-D warnings`, while
# the dependencies compile once instead of once checked and once built (about 3 of a
# cold run's minutes on two cores).
clippy_driver="$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver)"
echo "== cargo test, linted by clippy -D warnings ($clippy_driver)" >&2
RUSTC_WORKSPACE_WRAPPER="$clippy_driver" CLIPPY_ARGS="-Dwarnings__CLIPPY_HACKERY__" \
  cargo test --workspace --locked
echo "== infra lints (terraform fmt, checkov, zizmor, workflow schema, hadolint)" >&2
bash scripts/lint-infra.sh
