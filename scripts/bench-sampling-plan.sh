#!/usr/bin/env bash
# Draws a sampling plan over every enterprise in a Postgres database and
# reports the time the request took and the server's peak RSS (VmHWM).
# Usage: scripts/bench-sampling-plan.sh postgres://…/credpol_1m [jurisdiction]
# Seed the database first: bin/credpol seed --database-url URL --enterprises 1000000 --seed 1
set -euo pipefail
url=${1:?database URL}
code=${2:-100000}
addr=127.0.0.1:18765
cd "$(dirname "$0")/.."
go build -o bin/credpol ./cmd/credpol
out=$(mktemp)
bin/credpol serve --database-url "$url" --addr $addr --dev-token --decision-log-dir "$(mktemp -d)" --log-level warn >"$out" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 50); do grep -q "development token" "$out" 2>/dev/null && break; sleep 0.2; done
token=$(sed -n 's/^development token (full scope): //p' "$out")
before=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
body='{"jurisdiction":"'$code'","name":"bench","year":2026,"seed":"bench","inspectors":{"pool":["i1","i2","i3","i4","i5","i6","i7","i8"],"team_size":2}}'
start=$(date +%s.%N)
curl -sf -H "Authorization: Bearer $token" -d "$body" "http://$addr/v1/sampling-plans" >"$out.plan"
end=$(date +%s.%N)
peak=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
python3 - "$out.plan" <<PY
import json,sys
p=json.load(open(sys.argv[1]))
print(f"population {p['population']}, excluded {sum(p['excluded'].values())}, drawn {p['drawn']}")
PY
echo "plan drawn in $(echo "$end - $start" | bc) s; server peak RSS $((peak/1024)) MiB (at start $((before/1024)) MiB)"
rm -f "$out.plan"
