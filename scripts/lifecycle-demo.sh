#!/usr/bin/env bash
# The policy lifecycle end to end, on a fresh server with a throwaway SQLite
# store: an editor drafts Heilongjiang's B band from 790 to 800 with its
# boundary test, the gate passes it, its impact run shows the logged
# decisions for 795 moving from B to C, the editor cannot approve their own
# draft, a reviewer approves it, a publisher publishes it, and a score of 795
# turns from B to C as revision 2; a rollback to revision 1 makes it B again,
# as revision 3. Loopback only; every wait is bounded; exits non-zero on any
# unexpected outcome.
#
#   scripts/lifecycle-demo.sh            # builds credpol
#   CREDPOL=bin/credpol scripts/lifecycle-demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in curl jq timeout; do
  command -v "$tool" >/dev/null || { echo "lifecycle-demo: needs $tool" >&2; exit 2; }
done
# The users below keep their sessions in files of their own.
unset CREDPOL_SERVER CREDPOL_SESSION CREDPOL_CONFIG

tmp=$(mktemp -d)
server_pid=
cleanup() {
  local rc=$?
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "$rc" -ne 0 ] && [ -s "$tmp/serve.err" ]; then
    echo "--- the server's last log lines:" >&2
    tail -n 15 "$tmp/serve.err" | cut -c1-400 >&2
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=scripts/lifecycle-lib.sh
. scripts/lifecycle-lib.sh

db=$tmp/credpol.db
step "starting credpol serve on a fresh SQLite store ($db)"
"$credpol" serve --addr 127.0.0.1:0 --database-url "$db" --dev-token --log-level warn >"$tmp/serve.out" 2>"$tmp/serve.err" &
server_pid=$!
for _ in $(seq 600); do # 60 s
  grep -q '^development token' "$tmp/serve.out" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || fail "credpol serve exited"
  sleep 0.1
done
url=$(sed -n 's/^credpol serving on //p' "$tmp/serve.out")
token=$(sed -n 's/^development token (full scope): //p' "$tmp/serve.out")
[ -n "$url" ] && [ -n "$token" ] || fail "credpol serve did not print its address and development token within 60 s"
case $url in http://127.0.0.1:*) ;; *) fail "the server is not on loopback: $url" ;; esac
echo "serving on $url"

# as USER ARGS…: credpol as USER, with USER's session; LIMIT bounds it (seconds).
as() {
  local who=$1
  shift
  CREDPOL_CONFIG=$tmp/$who.session.json timeout "${LIMIT:-60}" "$credpol" "$@"
}

declare -A password
step "creating the editor, the reviewer and the publisher (jurisdiction 230000)"
for user in editor reviewer publisher; do
  password[$user]=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
  printf '%s\n' "${password[$user]}" |
    timeout 60 "$credpol" user create "$user" --role "$user" --jurisdictions 230000 --database-url "$db" --log-level warn
done

login() { printf '%s\n' "${password[$1]}" | as "$1" login --server "$url" --user "$1"; }

# decision prints "GRADE NUMBER" for a public credit score of 795 in 230000.
decision() {
  curl -sS --fail-with-body --max-time 10 -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"jurisdiction":"230000","facts":{"public_credit_score":795}}' "$url/v1/decisions/credit_grade" |
    jq -r '"\(.result.grade) \(.policy.number)"'
}

# expect_decision GRADE NUMBER: the server answers so within 30 s.
expect_decision() {
  local want="$1 $2" got start
  start=$(date +%s%3N)
  for _ in $(seq 300); do
    got=$(decision) || fail "the decision request failed"
    if [ "$got" = "$want" ]; then
      echo "score 795 → grade $1, policy revision number $2 (answered so $(($(date +%s%3N) - start)) ms after asking)"
      return
    fi
    sleep 0.1
  done
  fail "score 795: want grade and revision \"$want\", the server still answers \"$got\" after 30 s"
}

step "before any change: score 795 is B under revision 1"
expect_decision B 1

step "the editor logs in and starts a draft"
login editor
draft=$(as editor policy draft --jurisdiction 230000 --title "HLJ-2: band B starts at 800")
[ -n "$draft" ] || fail "no draft id"
echo "draft $draft"

step "the editor pulls the live revision"
as editor policy pull live "$tmp/work"

step "the editor moves band B from 790 to 800, and its boundary test with it"
data=$tmp/work/policies/params/230000/data.json
test=$tmp/work/testpolicies/j230000/credit_grade_test.rego
sed -i 's/"min": 790/"min": 800/' "$data"
sed -i 's/790: "B"/790: "C"/' "$test"
[ "$(jq '.credit_grade.bands[] | select(.grade == "B") | .min' "$data")" = 800 ] || fail "band B did not change in $data"
grep -q '790: "C"' "$test" || fail "the boundary test did not change in $test"

step "the editor pushes the working copy"
as editor policy push "$draft" "$tmp/work"
as editor policy diff "$draft"

step "the gate checks the draft"
LIMIT=330 as editor policy status "$draft" --wait 5m

step "the editor runs the draft's impact: the last hour's logged decisions for 795 move from B to C"
moved=$(LIMIT=330 as editor policy impact "$draft" --decisions credit_grade --log-window 1h --wait=5m --json |
  jq '[.report.logged[]? | select(.decision == "credit_grade") | .transitions[] | select(.from == "B" and .to == "C") | .count] | add // 0')
[ "$moved" -ge 1 ] || fail "the impact run shows no logged grade moving from B to C"
echo "$moved logged credit_grade decisions move from B to C"

step "the editor approving their own draft must fail"
if out=$(as editor policy approve "$draft" 2>&1); then
  fail "the editor approved their own draft: $out"
fi
echo "refused, as it must be: $out"

step "the editor submits the draft"
as editor policy submit "$draft"

step "the reviewer approves it"
login reviewer
as reviewer policy approve "$draft" --comment "band B from 800, boundary test moved with it"

step "the publisher publishes it"
login publisher
number=$(as publisher policy publish "$draft" --json | jq -r .number)
[ "$number" = 2 ] || fail "publish made revision $number, not 2"
echo "published as revision $number"
expect_decision C 2

step "the publisher rolls back to revision 1"
number=$(as publisher policy rollback --to 1 --reason "lifecycle demo: back to the shipped bands" --json | jq -r .number)
[ "$number" = 3 ] || fail "the rollback made revision $number, not 3"
echo "rolled back as revision $number"
expect_decision B 3

step "the revisions"
as publisher policy revisions
as editor logout

printf '\nlifecycle demo passed\n'
