#!/usr/bin/env bash
# Batch against single calls, decision log on: 1,000 inline-facts items of
# credit_grade per POST /v1/decisions/credit_grade/batch against the same
# items one request each, rounds alternating, on one server.
# Usage: scripts/bench-batch.sh [database URL, default a throwaway SQLite] [seconds] [rounds]
set -euo pipefail
db=${1:-}
secs=${2:-10}
rounds=${3:-3}
cd "$(dirname "$0")/.."
go build -o bin/credpol ./cmd/credpol
go build -o bin/credpol-load ./cmd/credpol-load
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
db=${db:-$tmp/credpol.db}
python3 - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
items = [{"jurisdiction": "230000", "facts": {"public_credit_score": 600 + i % 400,
          "penalties": [{"decision_no": "罚%d" % i, "decided_on": "2025-01-10", "kinds": ["fine"], "fine_amount": 2000, "sector": "food", "procedure": "ordinary"}]}}
         for i in range(1000)]
with open(tmp + "/single", "w") as f:
    for it in items:
        f.write(json.dumps(it, ensure_ascii=False) + "\n")
with open(tmp + "/batch", "w") as f:
    f.write(json.dumps({"items": items}, ensure_ascii=False) + "\n")
PY
bin/credpol serve --addr 127.0.0.1:18195 --database-url "$db" --dev-token --rate-limit 0 --decision-log-dir "$tmp/log" \
  --batch-body-limit 67108864 --log-level warn >"$tmp/out" 2>"$tmp/err" &
for _ in $(seq 150); do grep -q "development token" "$tmp/out" 2>/dev/null && break; sleep 0.2; done
token=$(sed -n 's/^development token (full scope): //p' "$tmp/out")
# Every item must be answered, not refused, before anything is timed.
curl -sf -H "Authorization: Bearer $token" --data-binary @"$tmp/batch" http://127.0.0.1:18195/v1/decisions/credit_grade/batch |
  python3 -c 'import json,sys; r=json.load(sys.stdin)["items"]; bad=[x for x in r if "error" in x]; sys.exit(f"{len(bad)} of {len(r)} items refused: {bad[:1]}") if bad else print(f"{len(r)} items answered")'
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), store $db"
: >"$tmp/results"
for r in $(seq "$rounds"); do
  bin/credpol-load -json -label single -url http://127.0.0.1:18195/v1/decisions/credit_grade -bodies "$tmp/single" \
    -token "$token" -concurrency 8 -duration "${secs}s" -warmup 2s >>"$tmp/results"
  bin/credpol-load -json -label batch -url http://127.0.0.1:18195/v1/decisions/credit_grade/batch -bodies "$tmp/batch" \
    -token "$token" -concurrency 2 -duration "${secs}s" -warmup 2s >>"$tmp/results"
done
python3 - "$tmp/results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
single = [r["throughput_rps"] for r in rows if r["label"] == "single"]
batch = [r["throughput_rps"] * 1000 for r in rows if r["label"] == "batch"]
for r in rows:
    print(f"{r['label']:7} {r['throughput_rps'] * (1000 if r['label'] == 'batch' else 1):9.0f} decisions/s  errors {r['errors']}")
s, b = statistics.median(single), statistics.median(batch)
print(f"medians: single calls {s:.0f} decisions/s, batches of 1,000 {b:.0f} decisions/s: ratio {b/s:.2f}x (target >= 3x)")
PY
