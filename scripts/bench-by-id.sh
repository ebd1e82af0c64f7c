#!/usr/bin/env bash
# Decisions by enterprise id from Postgres with the decision log on, at a fixed
# rate over random stored enterprises; prints throughput and latency.
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
before=$(psql "$url" -tAc "SELECT count(*) FROM decision_log")
bin/credpol-load -label "by-id" -url "http://127.0.0.1:18190/v1/decisions/$decision" -bodies "$tmp/bodies" \
  -token "$token" -rate "$rate" -concurrency 64 -duration "${secs}s" -warmup 3s
sleep 1
after=$(psql "$url" -tAc "SELECT count(*) FROM decision_log")
echo "decision log entries written during the run (warm-up included): $((after - before))"
