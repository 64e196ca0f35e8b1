#!/usr/bin/env bash
# Switchboard needs Rust 1.94 or newer (edition 2024); Debian's own rustc is
# older, so the toolchain comes from rustup.
set -euo pipefail
if ! command -v cargo >/dev/null; then
  echo "cargo not found: install Rust 1.94+ with rustup (https://rustup.rs), then re-run." >&2
  exit 1
fi
v="$(rustc --version | awk '{print $2}')"
if [ "$(printf '%s\n1.94.0\n' "$v" | sort -V | head -n1)" != "1.94.0" ]; then
  echo "Rust $v is too old: Switchboard needs 1.94 or newer (rustup update)." >&2
  exit 1
fi
