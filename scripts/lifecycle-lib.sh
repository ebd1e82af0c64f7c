# Shared by scripts/lifecycle-demo.sh and scripts/replicas.sh (sourced, not
# run): how they report steps and failures, and the credpol binary they use
# ($CREDPOL, else one built into $tmp, which the caller has made).

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

credpol=${CREDPOL:-}
if [ -z "$credpol" ]; then
  step "building credpol"
  go build -o "$tmp/credpol" ./cmd/credpol
  credpol=$tmp/credpol
fi
"$credpol" policy --help >/dev/null 2>&1 || fail "$credpol has no policy command"
