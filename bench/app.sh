#!/usr/bin/env bash
# Bench of the app image (issue 2): image size, cold start to healthy (median of N
# runs), idle RSS. Targets: image <= 15 MB, start-to-healthy <= 100 ms.
#
# Builds the image exactly as the harness does (host-built static binary, Dockerfile
# stage runtime-local), then measures three start times per run:
#   docker_run_ms      `docker run` invoked -> first 200 on /health (includes Docker's
#                      container creation: layers, network namespace, port proxy)
#   container_ms       the container's State.StartedAt -> first 200 (the process and
#                      the first request, Docker's setup excluded)
#   process_ms         the same binary run directly on the host -> first 200
# Usage: bash bench/app.sh [RUNS]   (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${1:-20}"
TARGET=x86_64-unknown-linux-gnu
BIN="target/static/$TARGET/release/app"
IMAGE="canary-harness/app:bench"

now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.1f\n", (a[NR/2]+a[NR/2+1])/2}'; }

# Polls URL until it answers 200; prints the wall clock (ns) of that answer.
wait_200() {
  local url="$1" deadline=$(( $(now_ns) + 10000000000 ))
  while :; do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" || true)" = 200 ]; then
      now_ns; return 0
    fi
    [ "$(now_ns)" -lt "$deadline" ] || { echo "bench: $url never answered 200" >&2; return 1; }
  done
}

echo "bench: building the static binary and the image" >&2
CARGO_TARGET_DIR=target/static RUSTFLAGS="-C target-feature=+crt-static" \
  cargo build --quiet --release --locked -p app --target "$TARGET"
docker build --quiet --target runtime-local -t "$IMAGE" . >/dev/null

size_bytes=$(docker image inspect --format '{{.Size}}' "$IMAGE")
bin_bytes=$(stat -c %s "$BIN")

cids=()
cleanup() { [ "${#cids[@]}" -eq 0 ] || docker rm -f "${cids[@]}" >/dev/null 2>&1 || true; }
trap cleanup EXIT

run_ms=(); ctr_ms=(); proc_ms=()
for i in $(seq "$RUNS"); do
  t0=$(now_ns)
  cid=$(docker run -d -p 127.0.0.1::8080 "$IMAGE")
  cids+=("$cid")
  port=$(docker port "$cid" 8080/tcp | head -1 | sed 's/.*://')
  t1=$(wait_200 "http://127.0.0.1:$port/health")
  started=$(docker inspect --format '{{.State.StartedAt}}' "$cid")
  started_ns=$(date -d "$started" +%s%N)
  run_ms+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", (b-a)/1e6}')")
  ctr_ms+=("$(awk -v a="$started_ns" -v b="$t1" 'BEGIN{printf "%.1f", (b-a)/1e6}')")
  if [ "$i" -lt "$RUNS" ]; then docker rm -f "$cid" >/dev/null; cids=(); fi
done

# Idle RSS of the last container after a few requests.
cid="${cids[0]}"
for _ in 1 2 3 4 5; do curl -s -o /dev/null "http://127.0.0.1:$port/health"; done
sleep 1
pid=$(docker inspect --format '{{.State.Pid}}' "$cid")
rss_kb=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
stats_mem=$(docker stats --no-stream --format '{{.MemUsage}}' "$cid")

for _ in $(seq "$RUNS"); do
  hp=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  ap=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  t0=$(now_ns)
  APP_PORT="$ap" HEALTH_PORT="$hp" "$BIN" >/dev/null &
  p=$!
  t1=$(wait_200 "http://127.0.0.1:$hp/health")
  kill -TERM "$p"; wait "$p" || true
  proc_ms+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", (b-a)/1e6}')")
done

med_run=$(printf '%s\n' "${run_ms[@]}" | median)
med_ctr=$(printf '%s\n' "${ctr_ms[@]}" | median)
med_proc=$(printf '%s\n' "${proc_ms[@]}" | median)
printf 'image_size_mb      %s  (binary %s MB)   target <= 15\n' \
  "$(awk -v b="$size_bytes" 'BEGIN{printf "%.2f", b/1e6}')" "$(awk -v b="$bin_bytes" 'BEGIN{printf "%.2f", b/1e6}')"
printf 'docker_run_ms      median %s of %s  (all: %s)\n' "$med_run" "$RUNS" "${run_ms[*]}"
printf 'container_ms       median %s        target <= 100  (all: %s)\n' "$med_ctr" "${ctr_ms[*]}"
printf 'process_ms         median %s  (all: %s)\n' "$med_proc" "${proc_ms[*]}"
printf 'idle_rss_mb        %s  (docker stats: %s)\n' "$(awk -v k="$rss_kb" 'BEGIN{printf "%.2f", k/1024}')" "$stats_mem"
