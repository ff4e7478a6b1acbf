#!/usr/bin/env bash
# Requests-to-verdict benchmark: the sequential split test vs the fixed-n one-shot design
# at matched power, exact for every split 99/1 ... 1/99 (healthy and shifted truth),
# simulated for 90/10, 50/50 and 99/1, plus the leak test's sample at 100/0 and 0/100.
# Prints a table and the mean ratio (target <= 0.6).
# Usage: bench/requests_to_verdict.sh [runs-per-simulated-row]
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --quiet -p harness-core --example requests_to_verdict -- "${1:-1000}"
