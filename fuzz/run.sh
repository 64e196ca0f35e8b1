#!/bin/sh
# Seeds the parse_message corpus with the RFC 4475 / RFC 5118 torture
# messages and fuzzes the SIP parser for a number of seconds: the first
# argument, else $FUZZ_SECONDS, else 600. (Bash's own $SECONDS counts the
# shell's age, so it cannot carry the duration.) Further arguments go to
# libFuzzer.
#
# Only a stable toolchain is available, so RUSTC_BOOTSTRAP unlocks the
# nightly flags cargo-fuzz passes; FUZZ_SANITIZER=none drops AddressSanitizer
# if the toolchain cannot link it.
set -eu
cd "$(dirname "$0")"
seconds="${1:-${FUZZ_SECONDS:-600}}"
[ $# -gt 0 ] && shift
mkdir -p corpus/parse_message
cp ../crates/sip/tests/data/torture/*.dat corpus/parse_message/
export RUSTC_BOOTSTRAP=1
exec cargo fuzz run -s "${FUZZ_SANITIZER:-address}" parse_message -- \
    -max_total_time="$seconds" "$@"
