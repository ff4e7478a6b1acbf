#!/usr/bin/env bash
# README command (1), the main job: install what is missing, build, bring up the local
# twin of production, verify it, write the HTML report, tear the twin down.
# Extra arguments go to `harness local` (e.g. --weights 50/50 --fault weight-drift).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cargo run --quiet --release --locked -p harness -- local "$@"
