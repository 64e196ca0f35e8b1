#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 for the test
# suite: uses the one that is there, else installs Debian's, starts it and
# gives the postgres role the password "postgres" (the tests' default URL is
# postgres://postgres:postgres@127.0.0.1:5432/postgres, which also works
# where the server trusts local connections).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

answers() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

if command -v pg_isready >/dev/null && answers; then
  exit 0
fi
"$here/ensure-packages.sh" postgresql postgresql-client

version="$(ls /etc/postgresql | sort -V | tail -n1)"
if ! answers; then
  echo "Starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
    || pg_ctlcluster "$version" main start
fi
for _ in $(seq 1 30); do answers && break; sleep 1; done
answers || { echo "PostgreSQL does not answer on 127.0.0.1:5432" >&2; exit 1; }

# Only set a password where the server does not already let us in.
if ! psql -h 127.0.0.1 -U postgres -d postgres -Atc 'select 1' >/dev/null 2>&1 <<<"" ; then
  su postgres -c "psql -q -c \"ALTER ROLE postgres PASSWORD 'postgres'\"" >/dev/null
fi
