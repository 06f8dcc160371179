#!/usr/bin/env bash
# Installs (if missing) and starts a Redis server from Debian's packages on 127.0.0.1:6379.
# Idempotent. Prints the URL to use as TEST_REDIS_URL (database 15, kept for tests).
set -euo pipefail

if ! command -v redis-server >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq redis-server >&2
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save '' --appendonly no >&2
    for _ in $(seq 1 30); do
        redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break
        sleep 0.5
    done
fi
echo "redis://127.0.0.1:6379/15"
