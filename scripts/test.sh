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
echo "== cargo clippy" >&2
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test" >&2
cargo test --workspace --locked
echo "== infra lints (terraform fmt, checkov, zizmor, workflow schema, hadolint)" >&2
bash scripts/lint-infra.sh
