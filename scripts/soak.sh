#!/usr/bin/env bash
# Soak: mixed load (single decisions inline and by id, batches, imports,
# decision-log searches) against a server on a throwaway Postgres cluster of
# this script's own, with the decision log on; the cluster is stopped for a
# while in the middle (a store outage), and the server is stopped at the end
# with SIGTERM, or with SIGKILL under load (then restarted once so it ships
# its write-ahead log). Prints answered vs logged and exits non-zero if any
# answered decision is missing from the log. Loopback only; bounded in time.
#
# Usage: scripts/soak.sh [duration=10m] [term|kill] [outage=30s]
set -euo pipefail
duration=${1:-10m}
mode=${2:-term}
outage=${3:-30s}
cd "$(dirname "$0")/.."
go build -o bin/credpol ./cmd/credpol
go build -o bin/credpol-soak ./cmd/credpol-soak

secs() { # a Go duration (10m, 90s, 1m30s) in whole seconds
  local d=$1 total=0 n
  while [[ $d =~ ^([0-9]+)([hms])(.*)$ ]]; do
    n=${BASH_REMATCH[1]}
    case ${BASH_REMATCH[2]} in h) total=$((total + n * 3600)) ;; m) total=$((total + n * 60)) ;; s) total=$((total + n)) ;; esac
    d=${BASH_REMATCH[3]}
  done
  echo "$total"
}

tmp=$(mktemp -d)
pgbin=$(dirname "$(command -v initdb 2>/dev/null || ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$tmp"
port=55439
url="postgres://postgres@127.0.0.1:$port/postgres"
pg() { as_pg "$pgbin/pg_ctl" -D "$tmp/pg" -o "-p $port -k $tmp -c listen_addresses=127.0.0.1" -l "$tmp/pg.log" -w "$@" >/dev/null; }
cleanup() {
  kill $(jobs -p) 2>/dev/null || true
  pg -m immediate stop 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

as_pg "$pgbin/initdb" -D "$tmp/pg" -A trust -U postgres >/dev/null
pg start
bin/credpol seed --database-url "$url" --enterprises 2000 --seed 7 >/dev/null
psql "$url" -tAc "SELECT uscc FROM enterprises" >"$tmp/enterprises"

start_server() {
  : >"$tmp/out"
  bin/credpol serve --addr 127.0.0.1:18199 --database-url "$url" --dev-token --decision-log-dir "$tmp/wal" --rate-limit 0 \
    --log-level warn >"$tmp/out" 2>>"$tmp/err" &
  server=$!
  for _ in $(seq 150); do grep -q "development token" "$tmp/out" 2>/dev/null && break; sleep 0.2; done
  token=$(sed -n 's/^development token (full scope): //p' "$tmp/out")
  [ -n "$token" ] || { echo "the server did not start"; cat "$tmp/err"; exit 1; }
}

start_server
total=$(secs "$duration")
echo "soak: $duration of mixed load, a ${outage} store outage at half time, then $mode; $(nproc) cores"
bin/credpol-soak -url http://127.0.0.1:18199 -token "$token" -enterprises "$tmp/enterprises" \
  -duration "$duration" -answered "$tmp/answered" >"$tmp/soak.out" &
soak=$!
sleep $((total / 2))
echo "store outage: stopping Postgres"
pg -m fast stop
sleep "$(secs "$outage")"
pg start
echo "store back"
if [ "$mode" = kill ]; then
  sleep $((total / 2 - $(secs "$outage") - 5))
  echo "SIGKILL under load"
  kill -9 "$server"
  wait "$soak" || true
  wait "$server" 2>/dev/null || true
  start_server # ships what the killed process left in its write-ahead log
  kill -TERM "$server"
  wait "$server"
else
  wait "$soak"
  echo "SIGTERM"
  kill -TERM "$server"
  wait "$server"
fi
cat "$tmp/soak.out"

psql "$url" -q -c "CREATE TEMP TABLE answered (id VARCHAR(36))" \
  -c "\\copy answered FROM '$tmp/answered'" \
  -tA -c "SELECT count(*), count(DISTINCT a.id), count(d.id) FROM answered a LEFT JOIN decision_log d ON d.id = a.id" \
  >"$tmp/check"
read -r answered distinct found < <(tr '|' ' ' <"$tmp/check")
logged=$(psql "$url" -tAc "SELECT count(*) FROM decision_log")
rejected=$(psql "$url" -tAc "SELECT count(*) FROM decision_log_rejected")
missing=$((answered - found))
echo "answered: $answered (distinct $distinct)  logged: $logged  answered but not logged: $missing  dead letters: $rejected"
if [ "$missing" -ne 0 ] || [ "$distinct" -ne "$answered" ]; then
  echo "FAIL: answered decisions lost or answered twice"
  exit 1
fi
echo "OK: every answered decision is in the log"
