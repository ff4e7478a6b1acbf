#!/usr/bin/env bash
# Bench (not a test): bring-up and teardown time of the local twin with the app image
# already built. Target: up < 15 s. Runs `harness twin up` / `harness twin down` N times
# (default 5) in a throw-away state folder and prints each time and the median.
# Usage: bash bench/twin.sh [N]   (HARNESS_APP_IMAGE selects the image)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-5}"
# HARNESS_BIN=target/debug/harness skips the release build.
BIN="${HARNESS_BIN:-target/release/harness}"
[ -n "${HARNESS_BIN:-}" ] || cargo build --quiet --release -p harness
STATE="$(mktemp -d)/twin"
trap '"$BIN" twin down --state-dir "$STATE" >/dev/null 2>&1 || true' EXIT

ms() { date +%s%3N; }
ups=(); downs=()
for i in $(seq "$N"); do
  t0=$(ms); "$BIN" twin up --env --state-dir "$STATE" >/dev/null; t1=$(ms)
  "$BIN" twin down --state-dir "$STATE"; t2=$(ms)
  ups+=($((t1 - t0))); downs+=($((t2 - t1)))
  echo "run $i: up $((t1 - t0)) ms, down $((t2 - t1)) ms"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "median over $N runs: up $(median "${ups[@]}") ms (target < 15000), down $(median "${downs[@]}") ms"
