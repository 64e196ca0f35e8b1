#!/usr/bin/env bash
# Runs a workload of the shared benchmark kit (../shared/bench) against
# Switchboard and the kit's Kamailio, side by side, on 127.0.0.1.
#
#   scripts/bench-sip.sh register [--rate 2000 --secs 10 --repeat 3 ...]
#   scripts/bench-sip.sh inbound [--rate 1000 --secs 10 --repeat 3 --warmup 5]
#
# It builds the release binary, provisions the kit's accounts in a fresh
# data folder (SQLite), starts `switchboard serve` on 127.0.0.1:5070 and
# stops it afterwards. Extra arguments go to compare.sh. Needs
# `make bench-deps`.
#
# `inbound` is ours, not the kit's: a carrier (an IP trunk, 127.0.0.1:5082)
# sends INVITEs with an SDP offer and no credentials to BENCH_DIDS (200)
# numbers, each mapped to a user whose device is the kit's sipp UAS on
# 5080, answering at once; the switch anchors the media (no RTP flows).
# It runs the kit's run_load.py with tests/data/sipp/carrier_load.xml in
# place of uac_call.xml (a copy of the kit's runner in the scratch folder),
# alternating with the kit's Kamailio `call` workload at the same rate, and
# prints both sides' CPU us per call, medians and ratio (summarize.py).
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

# The inbound workload's pieces, used below.
DIDS=${BENCH_DIDS:-200}
CARRIER_PORT=5082 DEVICE_PORT=5080 KAM_PORT=5090
inbound_setup() {
  # DIDs +33 1 99 01 0000.. ring users 1000.. (the kit's userNNNN).
  [ "$DIDS" -le "$USERS" ] || { echo "BENCH_DIDS ($DIDS) must not exceed BENCH_USERS ($USERS)" >&2; exit 2; }
  mapfile -t dids < <(seq -f '+331990%05g' 10000 $((10000 + DIDS - 1)))
  "$BIN" numbers add-pool "${dids[@]}" >/dev/null
  sqlite3 "$DATA/switchboard.db" "
    UPDATE phone_numbers SET
      account_id = (SELECT id FROM accounts WHERE main_number = '+33199000300'),
      target_extension_id = (SELECT e.id FROM extensions e JOIN accounts a ON a.id = e.account_id
        WHERE a.main_number = '+33199000300'
          AND e.number = CAST(1000 + CAST(substr(phone_numbers.number, 8) AS INTEGER) - 10000 AS TEXT))
    WHERE number LIKE '+331990%' AND number >= '+33199010000';"
  "$BIN" trunks add --name bench-carrier --host 127.0.0.1 --port "$CARRIER_PORT" \
    --ip "127.0.0.1:$CARRIER_PORT" --format e164 >/dev/null
  # One line per call: the DID, the caller.
  { echo SEQUENTIAL; for i in $(seq 0 $((DIDS - 1))); do
      printf '+331990%05d;+336120%05d\n' $((10000 + i)) "$i"; done; } > "$BENCH_OUT/carrier.csv"
  printf 'SEQUENTIAL\nunused;unused\n' > "$BENCH_OUT/carrier-callee.csv"
  # The devices of those users, all at the sipp UAS's port.
  { echo SEQUENTIAL; tail -n +2 "$BENCH_OUT/users/accounts.tsv" | grep '^user' | head -n "$DIDS" |
      while IFS=$'\t' read -r user pass _; do echo "$user;[authentication username=$user password=$pass]"; done
  } > "$BENCH_OUT/devices.csv"
  # The kit's runner next to our carrier scenario (the kit itself stays untouched).
  SHADOW=$BENCH_OUT/inbound-kit
  mkdir -p "$SHADOW/sipp"
  cp "$KIT/run_load.py" "$KIT/benchlib.py" "$SHADOW/"
  cp "$KIT/sipp/uas_call.xml" "$SHADOW/sipp/"
  cp crates/switchboard/tests/data/sipp/carrier_load.xml "$SHADOW/sipp/uac_call.xml"
}
inbound_run() {
  local rate=1000 secs=10 repeat=3 warmup=5 failed=0
  while [ $# -gt 0 ]; do
    case "$1" in
      --rate) rate=$2; shift 2;;
      --secs) secs=$2; shift 2;;
      --repeat) repeat=$2; shift 2;;
      --warmup) warmup=$2; shift 2;;
      *) echo "inbound: unknown option $1" >&2; exit 2;;
    esac
  done
  local sipp_keys=(-i 127.0.0.1 -key domain 127.0.0.1 -key ruri_host 127.0.0.1:5070 -key contact_params "")
  echo "registering $DIDS devices at 127.0.0.1:$DEVICE_PORT" >&2
  sipp 127.0.0.1:5070 -sf "$KIT/sipp/register_callee.xml" -inf "$BENCH_OUT/devices.csv" -m "$DIDS" \
    -r 200 -p "$DEVICE_PORT" -t u1 "${sipp_keys[@]}" -nostdin -timeout 60s -timeout_error \
    -trace_err -error_file "$BENCH_OUT/devices_err.log" > "$BENCH_OUT/devices.out" 2>&1 ||
    { echo "device registration failed: $BENCH_OUT/devices_err.log" >&2; exit 1; }
  "$KIT/kamailio.sh" start --port "$KAM_PORT" --db "$BENCH_OUT/users/kamailio.sqlite" >/dev/null
  trap '"$KIT/kamailio.sh" stop --port "$KAM_PORT" >/dev/null 2>&1 || true; kill -TERM $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT
  local jsonl=$BENCH_OUT/inbound-$(date +%H%M%S).jsonl
  kam() {  # kam LABEL SECS JSONL
    python3 "$KIT/run_load.py" call --rate "$rate" --secs "$2" --target "127.0.0.1:$KAM_PORT" \
      --pidfile "$BENCH_OUT/kamailio-$KAM_PORT/kamailio.pid" --users-csv "$BENCH_OUT/users/users.csv" \
      --callee-csv "$BENCH_OUT/users/callee.csv" --label "$1" --jsonl "$3" --max-wait 10 >/dev/null || failed=1
  }
  ours() {  # ours LABEL SECS JSONL
    python3 "$SHADOW/run_load.py" call --rate "$rate" --secs "$2" --target 127.0.0.1:5070 --pid "$SERVER" \
      --users-csv "$BENCH_OUT/carrier.csv" --callee-csv "$BENCH_OUT/carrier-callee.csv" --no-register-callee \
      --uac-port "$CARRIER_PORT" --uas-port "$DEVICE_PORT" --label "$1" --jsonl "$3" --max-wait 10 >/dev/null || failed=1
  }
  if [ "$warmup" -gt 0 ]; then
    echo "--- warm-up, $warmup s each (not measured)" >&2
    kam warmup "$warmup" "$BENCH_OUT/warmup.jsonl"
    ours warmup "$warmup" "$BENCH_OUT/warmup.jsonl"
    failed=0
  fi
  for rep in $(seq "$repeat"); do
    echo "=== repeat $rep/$repeat: inbound through the switch, call through Kamailio, $rate/s for $secs s" >&2
    if [ $((rep % 2)) = 1 ]; then
      kam kamailio "$secs" "$jsonl"; ours target "$secs" "$jsonl"
    else
      ours target "$secs" "$jsonl"; kam kamailio "$secs" "$jsonl"
    fi
  done
  echo "target = Switchboard inbound (carrier -> DID -> device, media anchored); kamailio = the kit's call (proxy, signalling only)" >&2
  python3 "$KIT/summarize.py" --compare "$jsonl"
  echo "runs: $jsonl" >&2
  return "$failed"  # 1 when a measured run had failures above 1 %
}

# BENCH_BIN runs that binary instead of building the release one.
if [ -n "${BENCH_BIN:-}" ]; then
  BIN=$BENCH_BIN
else
  cargo build --release --locked -p switchboard
  BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/switchboard
fi
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
[ "$WORKLOAD" = inbound ] && inbound_setup

"$BIN" --http-listen 127.0.0.1:0 --sip-listen 127.0.0.1:5070 serve > "$BENCH_OUT/serve.log" 2>&1 &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q "is serving" "$BENCH_OUT/serve.log" && break; sleep 0.2; done
grep "is serving" "$BENCH_OUT/serve.log" >&2

[ "$WORKLOAD" = inbound ] && { inbound_run "$@"; exit; }
"$KIT/compare.sh" "$WORKLOAD" --target 127.0.0.1:5070 --pid "$SERVER" \
  --password-pattern "$PATTERN" --callee-password "$CALLEE_PW" --users "$USERS" "$@"
