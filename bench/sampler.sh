#!/usr/bin/env bash
# Sampler throughput vs a reference load tool, and peak RSS at 10k vs 1M requests.
# Not a timed test: run by hand, figures go in the release notes.
#
#   bash bench/sampler.sh            # needs: nginx (scripts/setup.sh), wrk or oha,
#                                    # /usr/bin/time, a release build of harness
#
# Target: a local nginx on 127.0.0.1:18443 (TLS, private CA) answering 11 bytes with
# x-variant/x-release headers, the same target for both tools, same concurrency.
set -euo pipefail
cd "$(dirname "$0")/.."
C=${C:-32}
N=${N:-200000}
work=$(mktemp -d)
trap 'kill "$(cat "$work/nginx.pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$work"' EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj /CN=bench-ca -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=bench.test \
  -keyout "$work/leaf.key" -out "$work/leaf.csr" 2>/dev/null
printf 'subjectAltName=DNS:bench.test\n' > "$work/ext"
openssl x509 -req -in "$work/leaf.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" \
  -CAcreateserial -days 2 -extfile "$work/ext" -out "$work/leaf.pem" 2>/dev/null
cat > "$work/nginx.conf" <<CONF
worker_processes 1; pid $work/nginx.pid; error_log $work/error.log;
events { worker_connections 4096; }
http { access_log off;
  server { listen 127.0.0.1:18443 ssl; server_name bench.test;
    ssl_certificate $work/leaf.pem; ssl_certificate_key $work/leaf.key;
    keepalive_requests 1000000;
    location / { add_header x-variant stable; add_header x-release v1;
                 return 200 "hello world"; } } }
CONF
nginx -c "$work/nginx.conf" -p "$work"
sleep 0.2

cargo build --release -p harness -q
H=target/release/harness
common=(verify --url https://bench.test:18443/ --resolve bench.test:18443:127.0.0.1
        --ca-file "$work/ca.pem" --checks health --rps 10000000 --quiet
        --concurrency "$C")

# Three alternating rounds; the median of each tool. The harness's rate is its sampling
# rate from report.json (requests / sampling duration), like oha's requestsPerSec; the
# whole-process rate (start-up, AWS-less config, report writing included) is shown too.
ROUNDS=${ROUNDS:-3}
ours=(); wall=(); refs=()
for r in $(seq "$ROUNDS"); do
  t0=$(date +%s.%N)
  "$H" "${common[@]}" --max-requests "$N" --report-dir "$work/r$r" >/dev/null 2>&1 || true
  t1=$(date +%s.%N)
  json=$(find "$work/r$r" -name report.json | head -1)
  ours+=("$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["sample"]; print(s["requests"]/s["duration_s"])' "$json")")
  wall+=("$(echo "$N / ($t1 - $t0)" | bc -l)")
  if command -v oha >/dev/null; then
    refs+=("$(oha -n "$N" -c "$C" --no-tui --cacert "$work/ca.pem" \
          --connect-to bench.test:18443:127.0.0.1:18443 https://bench.test:18443/ --output-format json \
          | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["requestsPerSec"])')")
    tool=oha
  else
    # wrk (Debian) does not verify certificates; it is only the throughput reference.
    refs+=("$(wrk -t1 -c"$C" -d10s https://127.0.0.1:18443/ | awk '/Requests\/sec/ {print $2}')")
    tool=wrk
  fi
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
m_ours=$(median "${ours[@]}"); m_wall=$(median "${wall[@]}"); m_ref=$(median "${refs[@]}")
printf 'harness sampler: %.0f req/s sampling, %.0f req/s whole process (c=%s, n=%s, median of %s)\n' \
  "$m_ours" "$m_wall" "$C" "$N" "$ROUNDS"
printf '%s: %.0f req/s (median of %s)\n' "$tool" "$m_ref" "$ROUNDS"
printf 'ratio harness/%s: %.2f (sampling), %.2f (whole process)\n' "$tool" \
  "$(echo "$m_ours / $m_ref" | bc -l)" "$(echo "$m_wall / $m_ref" | bc -l)"

for n in 10000 1000000; do
  # The verdict does not matter here (a one-variant target is INCONCLUSIVE for health).
  rss=$({ /usr/bin/time -v "$H" "${common[@]}" --report-dir "$work/rss" --max-requests "$n" 2>&1 >/dev/null || true; } \
        | awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}')
  printf 'peak RSS at %7d requests: %s KiB\n' "$n" "$rss"
done
