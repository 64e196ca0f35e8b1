#!/usr/bin/env bash
# Runs a workload of the shared benchmark kit (../shared/bench) against
# Switchboard and the kit's Kamailio, side by side, on 127.0.0.1.
#
#   scripts/bench-sip.sh register [--rate 2000 --secs 10 --repeat 3 ...]
#
# It builds the release binary, provisions the kit's accounts in a fresh
# data folder (SQLite), starts `switchboard serve` on 127.0.0.1:5070 and
# stops it afterwards. Extra arguments go to compare.sh. Needs
# `make bench-deps`.
set -euo pipefail
cd "$(dirname "$0")/.."
KIT=${BENCH_KIT:-../shared/bench}
WORKLOAD=${1:?usage: scripts/bench-sip.sh WORKLOAD [compare.sh options]}
shift
export BENCH_OUT=${BENCH_OUT:-$(mktemp -d)}
USERS=${BENCH_USERS:-1000}
# Switchboard wants SIP passwords of 8 characters or more.
PATTERN='secret-{n}'
CALLEE_PW='secret-uas'

cargo build --release --locked -p switchboard
BIN=$PWD/target/release/switchboard
"$KIT/make_users.py" --users "$USERS" --password-pattern "$PATTERN" \
  --callee-password "$CALLEE_PW" --out "$BENCH_OUT/users" >/dev/null

DATA=$BENCH_OUT/switchboard-data
rm -rf "$DATA"; mkdir -p "$DATA"
export SWITCHBOARD_DATA_DIR=$DATA SWITCHBOARD_LOG=${SWITCHBOARD_LOG:-warn}
"$BIN" account create --company Bench --main-number +33199000300 \
  --admin-email bench@example.com --admin-password bench-admin >/dev/null
{
  echo "extension,name,email,password,sip_username,sip_password"
  tail -n +2 "$BENCH_OUT/users/accounts.tsv" | while IFS=$'\t' read -r user pass _realm _ha1; do
    case $user in
      uas) ext=900 ;;
      *) ext=${user#user} ;;
    esac
    echo "$ext,$user,$user@bench.example,portal-$user,$user,$pass"
  done
} > "$BENCH_OUT/users.csv"
echo "importing $(($(wc -l < "$BENCH_OUT/users.csv") - 1)) users" >&2
"$BIN" import users --account +33199000300 --csv "$BENCH_OUT/users.csv" >/dev/null

"$BIN" --http-listen 127.0.0.1:0 --sip-listen 127.0.0.1:5070 serve > "$BENCH_OUT/serve.log" 2>&1 &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q "is serving" "$BENCH_OUT/serve.log" && break; sleep 0.2; done
grep "is serving" "$BENCH_OUT/serve.log" >&2

"$KIT/compare.sh" "$WORKLOAD" --target 127.0.0.1:5070 --pid "$SERVER" \
  --password-pattern "$PATTERN" --callee-password "$CALLEE_PW" --users "$USERS" "$@"
