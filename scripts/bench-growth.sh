#!/usr/bin/env bash
# Prints, for every shipped decision, its median in-process cost for an
# enterprise with n penalties and n annual reports (n = 1, 10, 100, 1000),
# given inline and stored in Postgres (by id), and the growth from 1 to
# 1,000. A decision that reads neither list (reads history: no) should stay
# near 1.0; one that reads them should grow no faster than n.
# GOGC is 400, as `credpol serve` runs, unless set. Extra arguments go to
# `go test` (-benchtime 200x, say).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOGC="${GOGC:-400}"
echo "GOGC=$GOGC  $(go env GOVERSION)  $(nproc) cores  $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
go test ./internal/decision -run '^$' -bench 'DecideGrowth' -benchmem -count 1 "$@" | tee "$out"
awk '
	/^BenchmarkDecideGrowth(ByID)?\// {
		split($1, p, "/"); kind = (p[1] ~ /ByID$/ ? "by id" : "inline"); d = p[2]; n = p[3]
		sub(/^n=/, "", n); sub(/-[0-9]+$/, "", n)
		for (i = 2; i < NF; i++) {
			if ($(i+1) == "p50-ns") p50[kind, d, n] = $i
			if ($(i+1) == "reads-history") reads[d] = ($i + 0 > 0 ? "yes" : "no")
		}
		if (!((kind, d) in seen)) { seen[kind, d] = 1; order[kind, ++k[kind]] = d }
	}
	END {
		split("inline,by id", kinds, ",")
		for (x = 1; x <= 2; x++) {
			kind = kinds[x]
			if (!k[kind]) continue
			printf "\nfacts %s: p50 (µs)\n%-26s %8s %9s %9s %9s %9s %8s\n", kind, "decision", "history", "n=1", "n=10", "n=100", "n=1000", "1000/1"
			for (i = 1; i <= k[kind]; i++) {
				d = order[kind, i]; printf "%-26s %8s", d, reads[d]
				for (j = 0; j < 4; j++) { v = p50[kind, d, 10^j]; printf " %9s", (v == "" ? "-" : sprintf("%.0f", v / 1000)) }
				a = p50[kind, d, 1]; b = p50[kind, d, 1000]
				printf " %8s\n", (a != "" && b != "" ? sprintf("%.2f", b / a) : "-")
			}
		}
	}' "$out"
