#!/usr/bin/env bash
# The call log pages with a million call records in one account (issue 5):
# latency percentiles measured with wrk against the real server, and the
# CSV export streamed with its peak memory.
#
#   scripts/bench-calllog.sh      # ROWS=1000000 SECS=10 CONNS=4 DATABASE_URL=sqlite (temp file)
#
# The account is seeded by crates/web/examples/seed_calls.rs (see there for
# the mix of calls). The server is pinned to CPU 0 and wrk to CPU 1 on a
# two-core machine; each URL is measured for SECS seconds with CONNS
# connections (one wrk thread). Prints one line per URL: requests/s, p50,
# p90, p99 and the largest latency.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
SECS=${SECS:-10}
CONNS=${CONNS:-4}
PORT=${PORT:-18080}
WORK=$(mktemp -d)
DB=${DATABASE_URL:-sqlite://$WORK/switchboard.db}
BASE=http://127.0.0.1:$PORT
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT

command -v wrk >/dev/null || scripts/ensure-packages.sh wrk
cargo build --release --locked -p switchboard -p sb-web --bin switchboard --example seed_calls
BIN=${CARGO_TARGET_DIR:-$PWD/target}/release

"$BIN/examples/seed_calls" "$DB" "$ROWS"
taskset -c 0 "$BIN/switchboard" --data-dir "$WORK" --database-url "$DB" \
  --http-listen "127.0.0.1:$PORT" --sip-listen 127.0.0.1:15960 --rtp-ports 31000-31100 \
  serve >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.1; done

# Signs in through the form as a browser does; prints the session cookie.
sign_in() { # PAGE POST_PATH FIELDS...
  local jar=$WORK/jar-$RANDOM csrf
  csrf=$(curl -sf -c "$jar" "$BASE$1" | sed -n 's/.*name="csrf-token" content="\([^"]*\)".*/\1/p' | head -1)
  local args=(-sf -o /dev/null -b "$jar" -c "$jar" --data-urlencode "_csrf=$csrf")
  shift
  local path=$1
  shift
  for f in "$@"; do args+=(--data-urlencode "$f"); done
  curl "${args[@]}" "$BASE$path"
  awk '$6 == "sb_session" {print "sb_session=" $7}' "$jar"
}

measure() { # COOKIE PATH
  local out
  out=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"${SECS}s" --latency -H "Cookie: $1" "$BASE$2")
  if grep -q "Non-2xx" <<<"$out"; then echo "$2: non-2xx answers" >&2; echo "$out" >&2; exit 1; fi
  awk -v url="$2" '
    /Requests\/sec/ {rps=$2}
    /^ +50%/ {p50=$2} /^ +90%/ {p90=$2} /^ +99%/ {p99=$2}
    /Latency/ && !max {max=$4}
    END {printf "%-60s %8s req/s  p50 %8s  p90 %8s  p99 %8s  max %8s\n", url, rps, p50, p90, p99, max}' <<<"$out"
}

ADMIN=$(sign_in / /signin "number=01 99 00 01 00" "password=bench-password")
USER_BUSY=$(sign_in /user /user/signin "number=01 99 00 01 00" "extension=201" "password=bench-password")
USER_RARE=$(sign_in /user /user/signin "number=01 99 00 01 00" "extension=250" "password=bench-password")
[ -n "$ADMIN" ] && [ -n "$USER_BUSY" ] && [ -n "$USER_RARE" ] || { echo "sign-in failed" >&2; exit 1; }

TODAY=$(date -u +%F)
MONTH_AGO=$(date -u -d '30 days ago' +%F)
YEAR_AGO=$(date -u -d '360 days ago' +%F)
echo "# $ROWS call records, $CONNS connections, ${SECS}s per URL, database ${DB%%:*}"
for url in \
  "/admin/calls" \
  "/admin/calls?direction=inbound" \
  "/admin/calls?direction=outbound" \
  "/admin/calls?direction=internal" \
  "/admin/calls?from=$YEAR_AGO&to=$YEAR_AGO" \
  "/admin/calls?direction=internal&from=$MONTH_AGO&to=$TODAY"; do
  measure "$ADMIN" "$url"
done
for who in USER_BUSY USER_RARE; do
  for url in \
    "/user/calls" \
    "/user/calls?show=incoming" \
    "/user/calls?show=outgoing" \
    "/user/calls?show=missed" \
    "/user/calls?from=$YEAR_AGO&to=$TODAY" \
    "/user/calls.csv"; do
    measure "${!who}" "$url"
  done
done

# The CSV export of 100,000 rows through the API (a key made with the
# CLI): time, and the server's resident memory before and after.
KEY=$("$BIN/switchboard" --data-dir "$WORK" --database-url "$DB" api-key create \
  --account +33199000100 --name bench 2>/dev/null | tail -1)
rss() { awk '/^VmRSS/ {print $2}' "/proc/$SERVER/status"; }
for n in 1000 100000; do
  before=$(rss)
  start=$(date +%s.%N)
  lines=$(curl -sf -H "Authorization: Bearer $KEY" "$BASE/api/v1/calls.csv?limit=$n" | wc -l)
  end=$(date +%s.%N)
  printf "CSV export of %s rows: %.2f s; server RSS %s KiB before, %s KiB after\n" \
    "$((lines - 1))" "$(echo "$end - $start" | bc)" "$before" "$(rss)"
done
