#!/usr/bin/env bash
# Drops the per-test databases that an interrupted test run left behind.
set -euo pipefail
url="${SWITCHBOARD_TEST_POSTGRES_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
for db in $(psql "$url" -Atc "select datname from pg_database where datname like 'sbtest\_%'" 2>/dev/null); do
  psql "$url" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
done
