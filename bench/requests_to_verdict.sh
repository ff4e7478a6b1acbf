#!/usr/bin/env bash
# Requests-to-verdict benchmark: sequential split test vs the fixed-n one-shot design,
# for 90/10, 50/50, 99/1 and 100/0 (healthy and shifted truth). Prints a table and the
# mean ratio (target <= 0.6). Usage: bench/requests_to_verdict.sh [runs-per-scenario]
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --quiet -p harness --example requests_to_verdict -- "${1:-1000}"
