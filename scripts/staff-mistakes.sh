#!/usr/bin/env bash
# The mistakes policy staff make, one at a time, on a copy of the tree: each
# must make `credpol check` or `credpol test` (on the files on disk, no flags)
# exit non-zero with a message naming the file and line. Then a county added
# with files only (no SQL, no Go) must pass both, and a server must pick it up
# on reload. Run by `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
credpol=${CREDPOL:-bin/credpol}
[ -x "$credpol" ] || go build -o "$credpol" ./cmd/credpol
credpol=$(cd "$(dirname "$credpol")" && pwd)/$(basename "$credpol") # the copies are elsewhere
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

fresh() { # a clean copy of the tree to spoil
  rm -rf "$tmp/t"
  mkdir -p "$tmp/t"
  cp -r "$root/policies" "$root/testpolicies" "$tmp/t/"
  cd "$tmp/t"
}

# expect NAME COMMAND PATTERN: COMMAND must fail and print PATTERN (a file:line).
expect() {
  local name=$1 cmd=$2 pattern=$3 out rc=0
  out=$(LANG=${lang:-C.UTF-8} "$credpol" $cmd 2>&1) || rc=$?
  if [ "$rc" -eq 0 ]; then
    echo "FAIL $name: credpol $cmd exited 0"
    failures=$((failures + 1))
  elif ! grep -Eq -- "$pattern" <<<"$out"; then
    echo "FAIL $name: credpol $cmd failed without naming $pattern:"
    sed 's/^/    /' <<<"$out" | head -15
    failures=$((failures + 1))
  else
    echo "ok   $name: $(grep -Em1 -- "$pattern" <<<"$out" | cut -c1-160)"
  fi
}

py() { python3 - "$@"; }

fresh
sed -i 's/"min": 790/"min": 800/' policies/params/230000/data.json
expect "a band threshold changed without its tests" test "fail|FAIL|失败"

fresh
sed -i 's/^\t"max_score": params.total,$/\t"max_score": params.total,\n\t"band_min": grade.band.min,/' policies/j230000/credit_grade.rego
grep -q '"band_min"' policies/j230000/credit_grade.rego || { echo "FAIL the result field edit did not apply"; failures=$((failures + 1)); }
expect "a result field added without its schema" check "schemas/results/credit_grade/schema.json:[0-9]+.*band_min"

fresh
sed -i '16s/"penalties"/"penaltys"/' policies/lib/convenience.rego
expect "a misspelt fact" check "lib/convenience.rego:16"

fresh
sed -i '0,/"qualification_restoration"/s//"qualification_restoraton"/' policies/params/140900/data.json
expect "a misspelt parameter block" check "params/140900/data.json:[0-9]+"

fresh
sed -i 's/"months": 6,/"months": "6",/' policies/params/140900/data.json
expect "a number written as text" check "params/140900/data.json:[0-9]+"

fresh
head -c 2000 "$root/policies/params/140900/data.json" >policies/params/140900/data.json
expect "broken JSON" check "params/140900/data.json:[0-9]+"

fresh
cat >>policies/j230000/credit_grade.rego <<'EOF'

decision := {"grade": "A", "score": 0, "max_score": 1000, "reasons": []} if input.enterprise.public_credit_score > 0
EOF
expect "a second decision rule" check "j230000/credit_grade.rego:[0-9]+"

fresh
sed 's/^package j140900.supervision$/package j140900.supervison/' policies/j140900/supervision.rego >policies/j140900/supervison.rego
expect "a misspelt package" check "j140900/supervison.rego:[0-9]+"

fresh
sed 's/^package j140900.supervision$/package j140930.supervision/' policies/j140900/supervision.rego >policies/j140900/copied.rego
expect "a copied file keeping its package line" check "j140900/copied.rego:[0-9]+"

fresh
printf '\nleak := http.send({"method": "GET", "url": "http://example.com"})\n' >>policies/j140900/supervision.rego
expect "a forbidden built-in" check "j140900/supervision.rego:[0-9]+.*http.send"
lang=zh_CN.UTF-8 expect "the same, for a Chinese locale" check "j140900/supervision.rego:[0-9]+: 不允许使用 http.send"

fresh
py policies/jurisdictions.json <<'EOF'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
d["jurisdictions"].append({"code": "140902", "name": "忻府区", "level": "district", "parent": "140990"})
json.dump(d, open(p, "w"), ensure_ascii=False, indent=1)
EOF
expect "a county under a parent that does not exist" check "jurisdictions.json:[0-9]+"

# A county added with files only: jurisdictions.json, its parameters, a case.
fresh
py policies/jurisdictions.json <<'EOF'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
d["jurisdictions"].append({"code": "140902", "name": "忻府区", "level": "district", "parent": "140900"})
json.dump(d, open(p, "w"), ensure_ascii=False, indent=1)
EOF
cat >testpolicies/cases/xinfu.yaml <<'EOF'
Xinfu answers as Xinzhou when it has no files of its own:
  decision: supervision
  jurisdiction: "140902"
  facts: {risk_class: D}
  expect:
    result: {sampling: much_increased}
    source: "140900"
EOF
if out=$("$credpol" check 2>&1) && out2=$("$credpol" test --run xinfu 2>&1) && grep -q "1 passed" <<<"$out2"; then
  echo "ok   a county added with files only: check and its case pass"
else
  echo "FAIL a county added with files only:"
  sed 's/^/    /' <<<"$out${out2:+$'\n'$out2}" | tail -15
  failures=$((failures + 1))
fi

cd "$root"
if [ "$failures" -gt 0 ]; then
  echo "$failures mistakes got through"
  exit 1
fi
echo "every mistake was caught"
