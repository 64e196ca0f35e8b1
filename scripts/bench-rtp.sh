#!/usr/bin/env bash
# The media test of the shared benchmark kit (../shared/bench/media) for
# Switchboard's RTP relay, then for the kit's rtpengine, on 127.0.0.1.
#
#   scripts/bench-rtp.sh            # POINTS="1000 2000 3000" SECS=15 RTPENGINE_CALLS=1000
#
# Our relay is crates/switch/examples/relay_bench.rs, restarted for every
# point, pinned to CPU 0 with one worker (as the kit pins rtpengine); the
# generator runs on CPU 1. Each result is the kit's JSON line plus the
# relay's peak RSS and the RSS per call: (peak - idle) / calls, where idle
# is relay_bench with no call, and for rtpengine its peak during a 1-call
# point run first. Kernel socket buffers are in neither figure.
set -euo pipefail
cd "$(dirname "$0")/.."
KIT=${BENCH_KIT:-../shared/bench}
POINTS=${POINTS:-"1000 2000 3000"}
SECS=${SECS:-15}
RTPENGINE_CALLS=${RTPENGINE_CALLS:-1000}
export BENCH_OUT=${BENCH_OUT:-$(mktemp -d)}
WORK=$BENCH_OUT/relay
mkdir -p "$WORK"

cargo build --release --locked -p sb-switch --example relay_bench
BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/examples/relay_bench

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# Writes the highest RSS of PID to FILE every 0.1 s while PID lives.
peak_rss() {
  local pid=$1 out=$2 peak=0 r
  while [ -e "/proc/$pid" ]; do
    r=$(rss_kb "$pid"); r=${r:-0}
    if [ "$r" -gt "$peak" ]; then peak=$r; echo "$peak" >"$out"; fi
    sleep 0.1
  done
}

# Adds rss fields to the kit's JSON line.
annotate() { # json peak_kb idle_kb calls
  python3 -c 'import json,sys; d=json.loads(sys.argv[1]); p,i,n=int(sys.argv[2]),int(sys.argv[3]),int(sys.argv[4]); d.update(rss_peak_kb=p, rss_idle_kb=i, rss_kb_per_call=round((p-i)/n,2)); print(json.dumps(d))' "$@"
}

RELAY_PID=
stop_relay() { if [ -n "$RELAY_PID" ]; then kill "$RELAY_PID" 2>/dev/null || true; wait "$RELAY_PID" 2>/dev/null || true; RELAY_PID=; fi; }
trap stop_relay EXIT

start_relay() { # calls
  local map=$WORK/map_$1.txt log=$WORK/relay_$1.log
  rm -f "$map"
  taskset -c 0 "$BIN" --calls "$1" --map "$map" --workers 1 2>"$log" &
  RELAY_PID=$!
  for _ in $(seq 100); do grep -q serving "$log" && return 0; sleep 0.1; done
  echo "relay_bench did not start; see $log" >&2; exit 1
}

start_relay 0
sleep 0.5
IDLE=$(rss_kb "$RELAY_PID")
stop_relay

# A point is tried up to 3 times: on a shared machine another program's
# ephemeral port may sit on one of the generator's fixed ports.
for n in $POINTS; do
  line=
  for _try in 1 2 3; do
    start_relay "$n"
    peak_rss "$RELAY_PID" "$WORK/peak_$n" &
    line=$("$KIT/media/run_media.py" --map "$WORK/map_$n.txt" --pid "$RELAY_PID" --secs "$SECS" | tail -1) || true
    stop_relay
    wait
    sleep 2
    [ -n "$line" ] && break
  done
  if [ -n "$line" ]; then
    annotate "$line" "$(cat "$WORK/peak_$n")" "$IDLE" "$n"
  else
    echo "{\"relay\": \"switchboard\", \"calls\": $n, \"error\": \"the generator did not run (see stderr)\"}"
  fi
done

if ! command -v rtpengine >/dev/null; then
  echo "rtpengine is not installed: no comparison" >&2
  exit 0
fi
# rtpengine: a 1-call point for its idle size, then the measured point.
out=$WORK/rtpengine.jsonl
: >"$out"
"$KIT/media/run_media.py" --secs "$SECS" --calls 1 "$RTPENGINE_CALLS" >"$out" &
KIT_PID=$!
RTPE=
for _ in $(seq 100); do RTPE=$(pgrep -P "$KIT_PID" -x rtpengine || true); [ -n "$RTPE" ] && break; sleep 0.1; done
[ -n "$RTPE" ] || { echo "rtpengine did not start" >&2; wait "$KIT_PID" || true; exit 1; }
peak_rss "$RTPE" "$WORK/peak_rtpengine" &
while [ "$(wc -l <"$out")" -lt 1 ] && [ -e "/proc/$KIT_PID" ]; do sleep 0.1; done
RTPE_IDLE=$(cat "$WORK/peak_rtpengine")
wait "$KIT_PID" || true
wait
annotate "$(tail -1 "$out")" "$(cat "$WORK/peak_rtpengine")" "$RTPE_IDLE" "$RTPENGINE_CALLS"
