#!/usr/bin/env bash
# credpol against stock OPA on the same policy tree and the same input, in one
# run: both servers on this machine, the same load generator and concurrency,
# rounds alternating between them. OPA is built from the module version in
# go.mod. credpol runs with its decision log off, as OPA logs no decisions.
# Usage: scripts/bench-compare.sh [decision] [seconds per round] [rounds] [concurrency]
set -euo pipefail
decision=${1:-credit_grade}
secs=${2:-10}
rounds=${3:-3}
conc=${4:-8}
cd "$(dirname "$0")/.."
go build -o bin/credpol ./cmd/credpol
go build -o bin/credpol-load ./cmd/credpol-load
go build -o bin/opa github.com/open-policy-agent/opa
echo "OPA $(bin/opa version | sed -n 's/^Version: //p'), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"

tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
bin/opa run --server --addr 127.0.0.1:18181 --log-level error policies >"$tmp/opa.log" 2>&1 &
# OPA at its best: the collector as credpol's serve runs it, and the store
# optimised for reads.
GOGC=400 bin/opa run --server --addr 127.0.0.1:18182 --log-level error --optimize-store-for-read-speed policies >"$tmp/opa-tuned.log" 2>&1 &
bin/credpol serve --addr 127.0.0.1:18180 --database-url "$tmp/credpol.db" --dev-token --decision-log=false --rate-limit 0 \
  --log-level warn >"$tmp/credpol.out" 2>"$tmp/credpol.err" &
for _ in $(seq 100); do grep -q "development token" "$tmp/credpol.out" 2>/dev/null && curl -sf 127.0.0.1:18181/health >/dev/null &&
  curl -sf 127.0.0.1:18182/health >/dev/null && break; sleep 0.2; done
token=$(sed -n 's/^development token (full scope): //p' "$tmp/credpol.out")

# Both must give the same answer before anything is timed; OPA is asked the
# package of the level that decides.
curl -sf -H "Authorization: Bearer $token" --data-binary @scripts/bench/$decision.credpol.ndjson 127.0.0.1:18180/v1/decisions/$decision >"$tmp/a.json"
jpath="j$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["policy"]["source"])' "$tmp/a.json")/$decision"
curl -sf --data-binary @scripts/bench/$decision.opa.ndjson 127.0.0.1:18181/v1/data/$jpath/decision >"$tmp/b.json"
python3 - "$tmp/a.json" "$tmp/b.json" <<'PY'
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))["result"]
a = dict(a["result"], reasons=a["reasons"])
if a != b:
    sys.exit(f"credpol and OPA disagree:\n{a}\n{b}")
print("credpol and OPA give the same decision")
PY

run() { # label url bodies [token]
  bin/credpol-load -json -label "$1" -url "$2" -bodies "$3" ${4:+-token "$4"} -concurrency "$conc" -duration "${secs}s" -warmup 2s
}
: >"$tmp/results"
for r in $(seq "$rounds"); do
  run opa "http://127.0.0.1:18181/v1/data/$jpath/decision" scripts/bench/$decision.opa.ndjson >>"$tmp/results"
  run opa-tuned "http://127.0.0.1:18182/v1/data/$jpath/decision" scripts/bench/$decision.opa.ndjson >>"$tmp/results"
  run credpol "http://127.0.0.1:18180/v1/decisions/$decision" scripts/bench/$decision.credpol.ndjson "$token" >>"$tmp/results"
done
python3 - "$tmp/results" "$decision" "$conc" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for r in rows:
    print(f"{r['label']:8} {r['throughput_rps']:9.0f} req/s  p50 {r['p50_us']:6.0f} µs  p99 {r['p99_us']:6.0f} µs  errors {r['errors']}")
med = lambda label, k: statistics.median(r[k] for r in rows if r["label"] == label)
print(f"\n{sys.argv[2]}, concurrency {sys.argv[3]}, medians of {len(rows)//3} alternating rounds:")
c = med("credpol", "throughput_rps")
for opa in ("opa", "opa-tuned"):
    o = med(opa, "throughput_rps")
    print(f"  against {opa:9}  throughput credpol {c:.0f} req/s  OPA {o:.0f} req/s  ratio {c/o:.2f}x (target >= 1.5x)")
    for k in ("p50_us", "p99_us"):
        cv, ov = med("credpol", k), med(opa, k)
        print(f"                     {k[:3]} credpol {cv:.0f} µs  OPA {ov:.0f} µs  ratio {cv/ov:.2f} (credpol/OPA)")
PY
