#!/usr/bin/env bash
# Installs (if missing) and starts PostgreSQL 15 from Debian's packages, and makes the test role.
# Idempotent: safe to run on every test run. Prints the URL to use as TEST_POSTGRES_URL.
set -euo pipefail

if ! [ -x /usr/lib/postgresql/15/bin/postgres ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
fi
if ! pg_lsclusters -h 2>/dev/null | grep -q '^15 *main'; then
    pg_createcluster 15 main >&2
fi
if ! pg_lsclusters -h | grep -q '^15 *main .*online'; then
    pg_ctlcluster 15 main start >&2
fi
for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p 5432 && break
    sleep 1
done
su postgres -c "psql -q -v ON_ERROR_STOP=1" >&2 <<'SQL'
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'metodbot') THEN
        CREATE ROLE metodbot LOGIN PASSWORD 'metodbot' CREATEDB;
    END IF;
END
$$;
SQL
echo "postgresql+asyncpg://metodbot:metodbot@127.0.0.1:5432/postgres"
