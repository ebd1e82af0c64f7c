#!/usr/bin/env bash
# How long a publication takes to reach every replica: three `credpol serve`
# on one Postgres database, and ROUNDS times (20 unless given) a one-line
# change to policies/j230000/credit_grade.rego goes through draft, gate,
# review and publication on replica 1; from the publish response, each
# replica is asked for a decision every 20 ms until all three answer with
# the new revision's number. Prints each time, then the median and the max.
#
# Postgres: a fresh database, dropped at exit, on the server
# CREDPOL_TEST_DATABASE_URL names, else postgres@127.0.0.1:5432.
# Loopback only; every wait is bounded.
#
#   scripts/replicas.sh                  # builds credpol
#   CREDPOL=bin/credpol ROUNDS=5 scripts/replicas.sh
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in psql python3 jq timeout; do
  command -v "$tool" >/dev/null || { echo "replicas: needs $tool" >&2; exit 2; }
done
unset CREDPOL_SERVER CREDPOL_SESSION CREDPOL_CONFIG
rounds=${ROUNDS:-20}

tmp=$(mktemp -d)
pids=()
admin_url=
dbname=
cleanup() {
  local rc=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$rc" -ne 0 ]; then
    for log in "$tmp"/serve*.err; do
      [ -s "$log" ] || continue
      echo "--- last log lines of $(basename "$log" .err):" >&2
      tail -n 10 "$log" | cut -c1-400 >&2
    done
  fi
  if [ -n "$dbname" ]; then
    timeout 30 psql -q "$admin_url" -c "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" >/dev/null || echo "could not drop database $dbname" >&2
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=scripts/lifecycle-lib.sh
. scripts/lifecycle-lib.sh

step "creating a fresh database"
admin_url=${CREDPOL_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
export PGCONNECT_TIMEOUT=5
name=credpol_replicas_$$_$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
timeout 30 psql -q "$admin_url" -c "CREATE DATABASE $name" >/dev/null
dbname=$name
db=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$admin_url" "$name")
echo "database $name"

# serve N [FLAGS…]: start replica N on a free loopback port, logging to $tmp/serveN.err.
serve() {
  local n=$1
  shift
  "$credpol" serve --addr 127.0.0.1:0 --database-url "$db" --log-level info "$@" >"$tmp/serve$n.out" 2>"$tmp/serve$n.err" &
  pids+=($!)
}
# ready N: wait up to 60 s for replica N to log the address it listens on,
# and add its URL to urls.
urls=()
ready() {
  local n=$1 pid=${pids[$(($1 - 1))]} addr=
  for _ in $(seq 600); do
    addr=$(sed -n 's/.*"msg":"serving","addr":"\([^"]*\)".*/\1/p' "$tmp/serve$n.err" 2>/dev/null)
    [ -n "$addr" ] && break
    kill -0 "$pid" 2>/dev/null || fail "replica $n exited"
    sleep 0.1
  done
  case $addr in 127.0.0.1:*) urls+=("http://$addr") ;; *) fail "replica $n: not serving on loopback within 60 s (${addr:-no address})" ;; esac
}

step "starting three replicas"
# Replica 1 alone makes the store (migrations, revision 1) and the
# development token; the others would only rotate it.
serve 1 --dev-token
ready 1
token=$(sed -n 's/^development token (full scope): //p' "$tmp/serve1.out")
[ -n "$token" ] || fail "replica 1 printed no development token"
serve 2
serve 3
ready 2
ready 3
printf 'replica %s\n' "${urls[@]}"

as() {
  local who=$1
  shift
  CREDPOL_CONFIG=$tmp/$who.session.json timeout "${LIMIT:-60}" "$credpol" "$@"
}

step "creating the editor, the reviewer and the publisher; each logs in to replica 1"
for user in editor reviewer publisher; do
  pw=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
  printf '%s\n' "$pw" | timeout 60 "$credpol" user create "$user" --role "$user" --jurisdictions 230000 --database-url "$db" --log-level warn
  printf '%s\n' "$pw" | as "$user" login --server "${urls[0]}" --user "$user"
done

# publish_and_wait DRAFT: publishes through replica 1 as the publisher, then
# asks every replica for a decision each 20 ms until all answer with the new
# revision's number (30 s at most); prints the revision number and the
# milliseconds from the publish response to the last replica's answer.
publish_and_wait() {
  timeout 60 python3 - "$1" "$tmp/publisher.session.json" "$token" "${urls[@]}" <<'EOF'
import http.client, json, sys, threading, time, urllib.parse

draft, session_file, api_token, urls = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
session = json.load(open(session_file))["token"]

def conn(url):
    p = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(p.hostname, p.port, timeout=10)

c = conn(urls[0])
c.request("POST", "/admin/v1/drafts/%s/publish" % draft, body="{}",
          headers={"Authorization": "Bearer " + session, "Content-Type": "application/json"})
resp = c.getresponse()
answered = time.monotonic()
body = resp.read()
if resp.status != 201:
    sys.exit("publish: HTTP %d %s" % (resp.status, body.decode()))
number = json.loads(body)["number"]

seen, errors = {}, []
decision = json.dumps({"jurisdiction": "230000", "facts": {"public_credit_score": 795}})

def watch(i, url):
    c = conn(url)
    deadline = answered + 30
    while time.monotonic() < deadline:
        try:
            c.request("POST", "/v1/decisions/credit_grade", body=decision,
                      headers={"Authorization": "Bearer " + api_token, "Content-Type": "application/json"})
            r = c.getresponse()
            got = json.loads(r.read())
        except (OSError, http.client.HTTPException, ValueError) as e:
            errors.append("replica %d: %s" % (i + 1, e))
            return
        n = (got.get("policy") or {}).get("number")
        if n == number:
            seen[i] = (time.monotonic() - answered) * 1000
            return
        if r.status != 200 or not isinstance(n, int) or n > number:
            errors.append("replica %d: HTTP %d, policy number %r while waiting for %d" % (i + 1, r.status, n, number))
            return
        time.sleep(0.02)
    errors.append("replica %d still not on revision %d after 30 s" % (i + 1, number))

threads = [threading.Thread(target=watch, args=(i, u)) for i, u in enumerate(urls)]
for t in threads:
    t.start()
for t in threads:
    t.join()
if errors:
    sys.exit("; ".join(errors))
print(number, "%.0f" % max(seen.values()), " ".join("%.0f" % seen[i] for i in range(len(urls))))
EOF
}

step "pulling the live revision for the editor's working copy"
as editor policy pull live "$tmp/work"
rego=$tmp/work/policies/j230000/credit_grade.rego
cp "$rego" "$tmp/credit_grade.rego.orig"

step "$rounds publications through replica 1"
times=()
for i in $(seq "$rounds"); do
  draft=$(as editor policy draft --jurisdiction 230000 --title "replicas.sh: propagation check $i")
  { cat "$tmp/credit_grade.rego.orig"; printf '\n# replicas.sh: propagation check %d\n' "$i"; } >"$rego"
  as editor policy push "$draft" "$tmp/work" >/dev/null
  LIMIT=330 as editor policy status "$draft" --wait 5m >/dev/null || fail "round $i: the gate did not pass: $(as editor policy status "$draft" 2>&1)"
  as editor policy submit "$draft" >/dev/null
  as reviewer policy approve "$draft" >/dev/null
  out=$(publish_and_wait "$draft") || fail "round $i: publication or propagation failed"
  read -r number ms each <<<"$out"
  printf 'round %2d: revision %s on all three replicas %5s ms after the publish response (each: %s ms)\n' "$i" "$number" "$ms" "$each"
  times+=("$ms")
done

step "summary"
printf '%s\n' "${times[@]}" | sort -n | awk '
  { t[NR] = $1 }
  END {
    median = NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
    printf "%d publications: median %.0f ms, max %.0f ms to reach all three replicas\n", NR, median, t[NR]
  }'
