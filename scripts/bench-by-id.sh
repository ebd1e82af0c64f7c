#!/usr/bin/env bash
# Decisions by enterprise id from Postgres with the decision log on, at a fixed
# rate over random stored enterprises; prints throughput and latency as the
# client saw them, the server's own histogram beside them, and the load
# generator's timing error (a null endpoint at the same rate).
# Usage: scripts/bench-by-id.sh postgres://…/credpol_1m [rate] [seconds] [decision]
# Seed the database first: bin/credpol seed --database-url URL --enterprises 1000000 --seed 1
set -euo pipefail
url=${1:?database URL}
rate=${2:-1000}
secs=${3:-30}
decision=${4:-registration_change}
cd "$(dirname "$0")/.."
go build -o bin/credpol ./cmd/credpol
go build -o bin/credpol-load ./cmd/credpol-load
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
psql "$url" -tAc "SELECT uscc FROM enterprises TABLESAMPLE SYSTEM (2) LIMIT 10000" |
  awk '{printf "{\"enterprise_id\":\"%s\",\"context\":{\"application\":{\"kind\":\"change\"}}}\n", $1}' >"$tmp/bodies"
echo "$(wc -l <"$tmp/bodies") random enterprises; $(nproc) cores"
bin/credpol serve --addr 127.0.0.1:18190 --database-url "$url" --dev-token --rate-limit 0 --decision-log-dir "$tmp/spill" ${CREDPOL_SERVE_FLAGS:-} \
  --log-level warn >"$tmp/out" 2>"$tmp/err" &
for _ in $(seq 100); do grep -q "development token" "$tmp/out" 2>/dev/null && break; sleep 0.2; done
token=$(sed -n 's/^development token (full scope): //p' "$tmp/out")
# Warm up (connections, Postgres's cache), then measure: the server's
# histogram is read before and after the measured run only.
bin/credpol-load -label "warm-up" -url "http://127.0.0.1:18190/v1/decisions/$decision" -bodies "$tmp/bodies" \
  -token "$token" -rate "$rate" -concurrency 64 -duration 3s -warmup 0s >/dev/null
curl -sf "http://127.0.0.1:18190/metrics" >"$tmp/metrics.before"
before=$(psql "$url" -tAc "SELECT count(*) FROM decision_log")
bin/credpol-load -label "by-id" -url "http://127.0.0.1:18190/v1/decisions/$decision" -bodies "$tmp/bodies" \
  -token "$token" -rate "$rate" -concurrency 64 -duration "${secs}s" -warmup 0s
curl -sf "http://127.0.0.1:18190/metrics" >"$tmp/metrics.after"
sleep 1
after=$(psql "$url" -tAc "SELECT count(*) FROM decision_log")
echo "decision log entries written during the run: $((after - before))"

# The server's own view: its request-duration histogram over the measured run.
python3 - "$tmp/metrics.before" "$tmp/metrics.after" <<'PY'
import re, sys
def buckets(path):
    b = {}
    for line in open(path):
        m = re.match(r'credpol_http_request_duration_seconds_bucket\{.*route="/v1/decisions/:name".*le="([^"]+)"\} (\S+)', line)
        if m:
            le = float("inf") if m[1] == "+Inf" else float(m[1])
            b[le] = b.get(le, 0) + float(m[2])
    return b
before, after = buckets(sys.argv[1]), buckets(sys.argv[2])
b = {le: after[le] - before.get(le, 0) for le in after}
n = b.get(float("inf"), 0)
if not n:
    sys.exit("no server-side histogram for /v1/decisions/:name")
def q(p):
    return next(le for le in sorted(b) if b[le] >= p * n)
print("server-side, request in to answer out: p50 <= %g ms, p99 <= %g ms (histogram bucket bounds) over %d requests" % (q(.5) * 1e3, q(.99) * 1e3, n))
PY

# The load generator's own timing error: a null endpoint at the same rate.
bin/credpol-load -label "null endpoint (GET /health)" -method GET -url "http://127.0.0.1:18190/health" \
  -rate "$rate" -concurrency 64 -duration "${secs}s" -warmup 3s
