#!/usr/bin/env bash
# Installs moto's S3 server (PyPI, pinned) for the S3 storage test, unless
# `moto_server` is already on the PATH.
set -euo pipefail
MOTO='moto[server]==5.1.18'
command -v moto_server >/dev/null 2>&1 && exit 0
echo "Installing $MOTO (an S3 server for the tests)"
python3 -m pip install --quiet "$MOTO" 2>/dev/null \
  || python3 -m pip install --quiet --break-system-packages "$MOTO"
command -v moto_server >/dev/null 2>&1 || {
  echo "moto_server is not on the PATH after installing $MOTO" >&2
  exit 1
}
