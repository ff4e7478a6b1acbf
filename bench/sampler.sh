#!/usr/bin/env bash
# Sampler cost per request vs a reference load tool (oha), and peak RSS at 10k vs 1M
# requests. Not a timed test: run by hand, figures go in the README's Benchmarks table.
#
#   bash bench/sampler.sh   # needs: nginx (scripts/setup.sh), oha (cargo install oha
#                           # --locked), /usr/bin/time, python3; valgrind for CALLGRIND_N
#
# Environment: C (concurrency, 32), N (requests per round, 200000), ROUNDS (5),
# PROFILE (cargo profile of the harness build, release), HARNESS_BIN (a harness binary to
# measure instead of building one), CALLGRIND_N (0 = skip; e.g. 2000:
# instructions per request under callgrind), SKIP_RSS=1 (skip the RSS runs).
#
# Throughput on a shared 2-core machine is too noisy to hold a bar, so the primary figure
# is CPU time per request: user + sys of the whole process (`/usr/bin/time -f '%U %S'`)
# divided by the responses it completed, for both tools on the same target with the same
# n and concurrency, alternating, median over the rounds. CPU time is what the process
# itself burned, whatever else runs on the machine (it is not immune to cache and
# frequency effects of neighbours, hence several rounds). The harness does more per
# response than oha — attribution from x-variant/x-release, per-variant status and
# release counters, HDR histogram, the health check's look every 500 responses — and
# every response is recorded (no sampling, no skipping).
#
# CALLGRIND_N adds a count that does not depend on machine load: instructions executed
# (callgrind's Ir, all threads) at CALLGRIND_N and 2×CALLGRIND_N requests; the difference
# divided by CALLGRIND_N is the marginal instruction count per request, which cancels
# start-up (certificate store, runtime, TLS handshakes of the C connections) for both tools.
#
# Target: a local nginx on 127.0.0.1:18443 (TLS, private CA) answering 11 bytes with
# x-variant/x-release headers.
set -euo pipefail
cd "$(dirname "$0")/.."
C=${C:-32}
N=${N:-200000}
ROUNDS=${ROUNDS:-5}
PROFILE=${PROFILE:-release}
CALLGRIND_N=${CALLGRIND_N:-0}
command -v oha >/dev/null || { echo "bench/sampler.sh: oha not found (cargo install oha --locked)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench/sampler.sh: /usr/bin/time not found (apt-get install time)" >&2; exit 2; }
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

if [ -n "${HARNESS_BIN:-}" ]; then H=$HARNESS_BIN; else
  cargo build --profile "$PROFILE" -p harness -q; H=target/$PROFILE/harness; fi
common=(verify --url https://bench.test:18443/ --resolve bench.test:18443:127.0.0.1
        --ca-file "$work/ca.pem" --checks health --rps 10000000 --quiet
        --concurrency "$C")
oha_args=(-c "$C" --no-tui --cacert "$work/ca.pem"
          --connect-to bench.test:18443:127.0.0.1:18443 --output-format json
          https://bench.test:18443/)

# Responses completed and sampling rate, from each tool's own report.
ours_stats() { # report.json → "responses req/s"
  python3 -c 'import json,sys
s=json.load(open(sys.argv[1]))["sample"]
n=s["stable"]["responses"]+s["canary"]["responses"]+sum(s["unattributed"].values())
print(n, s["requests"]/s["duration_s"])' "$1"
}
oha_stats() { # oha JSON → "responses req/s"
  python3 -c 'import json,sys
j=json.load(open(sys.argv[1]))
print(sum(j["statusCodeDistribution"].values()), j["summary"]["requestsPerSec"])' "$1"
}
# `/usr/bin/time -f "%U %S"` output + responses → CPU microseconds per response.
cpu_us() { awk -v n="$2" 'END {printf "%.3f", ($1 + $2) / n * 1e6}' "$1"; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

ours_rps=(); ours_cpu=(); ref_rps=(); ref_cpu=()
for r in $(seq "$ROUNDS"); do
  /usr/bin/time -f '%U %S' -o "$work/t-ours" \
    "$H" "${common[@]}" --max-requests "$N" --report-dir "$work/r$r" >/dev/null 2>&1 || true
  read -r n rps < <(ours_stats "$(find "$work/r$r" -name report.json | head -1)")
  ours_rps+=("$rps"); ours_cpu+=("$(cpu_us "$work/t-ours" "$n")")
  /usr/bin/time -f '%U %S' -o "$work/t-oha" oha -n "$N" "${oha_args[@]}" >"$work/oha.json"
  read -r n rps < <(oha_stats "$work/oha.json")
  ref_rps+=("$rps"); ref_cpu+=("$(cpu_us "$work/t-oha" "$n")")
  printf 'round %s: harness %s µs/req %.0f req/s | oha %s µs/req %.0f req/s\n' "$r" \
    "${ours_cpu[-1]}" "${ours_rps[-1]}" "${ref_cpu[-1]}" "${ref_rps[-1]}"
done
m_oc=$(median "${ours_cpu[@]}"); m_rc=$(median "${ref_cpu[@]}")
m_or=$(median "${ours_rps[@]}"); m_rr=$(median "${ref_rps[@]}")
printf 'CPU per request (user+sys / responses, median of %s, c=%s, n=%s): harness %s µs, oha %s µs, ratio %.3f\n' \
  "$ROUNDS" "$C" "$N" "$m_oc" "$m_rc" "$(echo "$m_oc / $m_rc" | bc -l)"
printf 'throughput (median): harness %.0f req/s, oha %.0f req/s, ratio %.2f\n' \
  "$m_or" "$m_rr" "$(echo "$m_or / $m_rr" | bc -l)"
printf 'load average during the run: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"

if [ "$CALLGRIND_N" -gt 0 ]; then
  command -v valgrind >/dev/null || { echo "bench/sampler.sh: valgrind not found" >&2; exit 2; }
  ir() { # instructions of the whole run (all threads) from a callgrind output file
    awk '/^(summary|totals):/ {print $2; exit}' "$1"
  }
  declare -A irs
  for n in "$CALLGRIND_N" $((2 * CALLGRIND_N)); do
    valgrind -q --tool=callgrind --callgrind-out-file="$work/cg-ours-$n" \
      "$H" "${common[@]}" --max-requests "$n" --timeout-ms 60000 --report-dir "$work/cg$n" >/dev/null 2>&1 || true
    valgrind -q --tool=callgrind --callgrind-out-file="$work/cg-oha-$n" \
      oha -n "$n" "${oha_args[@]}" >/dev/null 2>&1
    irs[ours-$n]=$(ir "$work/cg-ours-$n"); irs[oha-$n]=$(ir "$work/cg-oha-$n")
  done
  n2=$((2 * CALLGRIND_N))
  i_ours=$(( (irs[ours-$n2] - irs[ours-$CALLGRIND_N]) / CALLGRIND_N ))
  i_oha=$(( (irs[oha-$n2] - irs[oha-$CALLGRIND_N]) / CALLGRIND_N ))
  printf 'instructions per request (callgrind, marginal over n=%s..%s, c=%s): harness %s, oha %s, ratio %.3f\n' \
    "$CALLGRIND_N" "$n2" "$C" "$i_ours" "$i_oha" "$(echo "$i_ours / $i_oha" | bc -l)"
  printf 'whole run at n=%s: harness %s, oha %s instructions\n' "$n2" "${irs[ours-$n2]}" "${irs[oha-$n2]}"
fi

[ "${SKIP_RSS:-0}" = 1 ] && exit 0
for n in 10000 1000000; do
  # The verdict does not matter here (a one-variant target is INCONCLUSIVE for health).
  rss=$({ /usr/bin/time -v "$H" "${common[@]}" --report-dir "$work/rss" --max-requests "$n" 2>&1 >/dev/null || true; } \
        | awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}')
  printf 'peak RSS at %7d requests: %s KiB\n' "$n" "$rss"
done
