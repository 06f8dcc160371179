#!/usr/bin/env bash
# Smoke test of the deployment files on a machine with Docker but no image registry:
#   1. a Debian base made with debootstrap and `docker import`ed (python3, PostgreSQL, Redis);
#   2. the bot image built from deploy/Dockerfile on that base (BASE_IMAGE build argument),
#      PostgreSQL and Redis images made from the same base;
#   3. deploy/compose.yaml brought up (one-shot migrate, then the bot) with the Bot API emulator
#      (bot/emulator) standing in for Telegram;
#   4. checks: /readyz answers 200, /start gets the consent question back, `python -m bot backup`
#      writes a pg_dump file inside the bot container, `restore` of it with the bot stopped, the
#      bot ready again; then the stack is removed (volumes too).
# Needs root, debootstrap, a running dockerd and docker compose (or docker-compose).
# Not run by CI. Usage: sudo bash deploy/smoke.sh   (KEEP=1 leaves the stack running)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
WORK=${SMOKE_DIR:-$ROOT/deploy/.smoke}
SUITE=${DEBIAN_SUITE:-bookworm}
BASE=metodbot-base:$SUITE
PROJECT=metodbot-smoke
TOKEN=123456789:AAE_smoke-token-for-the-emulator
HEALTH=${SMOKE_HEALTH_PORT:-18081}
EMU=${SMOKE_EMULATOR_PORT:-18082}
mkdir -p "$WORK"

say() { printf '\n== %s\n' "$*"; }
fail() { printf 'SMOKE FAILED: %s\n' "$*" >&2; exit 1; }
if docker compose version >/dev/null 2>&1; then COMPOSE=(docker compose); else COMPOSE=(docker-compose); fi
command -v debootstrap >/dev/null || fail "debootstrap is missing (apt-get install debootstrap)"
docker info >/dev/null 2>&1 || fail "dockerd is not running (apt-get install docker.io; dockerd &)"

say "1. base image $BASE"
if ! docker image inspect "$BASE" >/dev/null 2>&1; then
    rm -rf "$WORK/rootfs"
    # DEBIAN_MIRROR may name a mirror; debootstrap's default is used otherwise.
    debootstrap --variant=minbase \
        --include=python3,python3-venv,ca-certificates,postgresql-15,postgresql-client-15,redis-server \
        "$SUITE" "$WORK/rootfs" ${DEBIAN_MIRROR:-}
    rm -rf "$WORK/rootfs/var/lib/apt/lists/"* "$WORK/rootfs/var/cache/apt/archives/"*.deb
    # The image trusts what this host trusts (a network whose proxy has its own CA included).
    cp /etc/ssl/certs/ca-certificates.crt "$WORK/rootfs/etc/ssl/certs/ca-certificates.crt"
    tar -C "$WORK/rootfs" -c . | docker import - "$BASE"
    rm -rf "$WORK/rootfs"
fi

say "2. images: bot, PostgreSQL, Redis"
docker build -q -f deploy/Dockerfile --build-arg BASE_IMAGE="$BASE" \
    --build-arg PIP_CERT=/etc/ssl/certs/ca-certificates.crt -t metodbot:smoke . >/dev/null
mkdir -p "$WORK/postgres" "$WORK/redis"
cat > "$WORK/postgres/entrypoint.sh" <<'SH'
#!/bin/sh
# The official postgres image's contract, enough for compose.yaml: POSTGRES_USER, POSTGRES_DB,
# POSTGRES_PASSWORD_FILE; data in /var/lib/postgresql/data.
set -e
BIN=/usr/lib/postgresql/15/bin
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    "$BIN/initdb" -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$POSTGRES_PASSWORD_FILE" \
        --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    echo "host all all 0.0.0.0/0 scram-sha-256" >> "$PGDATA/pg_hba.conf"
    echo "CREATE DATABASE $POSTGRES_DB;" | "$BIN/postgres" --single -D "$PGDATA" postgres >/dev/null
fi
exec "$BIN/postgres" -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/tmp
SH
cat > "$WORK/postgres/Dockerfile" <<DOCKER
FROM $BASE
COPY entrypoint.sh /entrypoint.sh
RUN chmod 755 /entrypoint.sh && mkdir -p /var/lib/postgresql/data \
    && chown -R postgres:postgres /var/lib/postgresql && chmod 700 /var/lib/postgresql/data
ENV PGDATA=/var/lib/postgresql/data
USER postgres
ENTRYPOINT ["/entrypoint.sh"]
DOCKER
cat > "$WORK/redis/Dockerfile" <<DOCKER
FROM $BASE
RUN mkdir -p /data && chown redis:redis /data
USER redis
CMD ["redis-server", "--appendonly", "yes", "--dir", "/data", "--protected-mode", "no"]
DOCKER
docker build -q -t metodbot-smoke-postgres "$WORK/postgres" >/dev/null
docker build -q -t metodbot-smoke-redis "$WORK/redis" >/dev/null

say "3. compose up with the emulator as Telegram"
mkdir -p "$WORK/secrets"
printf '%s' "$TOKEN" > "$WORK/secrets/bot_token"
head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$WORK/secrets/db_password"
head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$WORK/secrets/webhook_secret"
cat > "$WORK/compose.smoke.yaml" <<YAML
services:
  telegram:
    image: metodbot:smoke
    entrypoint: ["python", "-m", "bot.emulator", "--host", "0.0.0.0", "--port", "8081",
                 "--token", "$TOKEN"]
    working_dir: /srv
    volumes:
      - $ROOT/tests:/srv/tests:ro
    ports:
      - "127.0.0.1:$EMU:8081"
  migrate:
    depends_on:
      telegram:
        condition: service_started
  bot:
    environment:
      OUTBOX_TICK_SECONDS: "2"
YAML
export METODBOT_TAG=smoke POSTGRES_IMAGE=metodbot-smoke-postgres REDIS_IMAGE=metodbot-smoke-redis
export SECRETS_DIR=$WORK/secrets TELEGRAM_API_BASE=http://telegram:8081 ADMIN_IDS=1001
export HEALTH_HOST_PORT=$HEALTH WEBHOOK_HOST_PORT=${SMOKE_WEBHOOK_PORT:-18080}
dc() { "${COMPOSE[@]}" -p "$PROJECT" -f deploy/compose.yaml -f "$WORK/compose.smoke.yaml" "$@"; }
cleanup() {
    if [ "${KEEP:-}" != 1 ]; then dc down -v --remove-orphans >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
dc up -d --no-build

say "4. checks"
ready=""
for _ in $(seq 1 90); do
    if ready=$(curl -fsS "http://127.0.0.1:$HEALTH/readyz" 2>/dev/null); then break; fi
    ready=""; sleep 2
done
[ -n "$ready" ] || { dc ps; dc logs --tail 50 bot migrate; fail "/readyz never answered 200"; }
echo "readyz: $ready"
[ "$(dc ps -q migrate | xargs docker inspect -f '{{.State.ExitCode}}')" = 0 ] || fail "migrate failed"

curl -fsS -X POST -H 'Content-Type: application/json' \
    -d '{"user_id": 1001, "text": "/start", "first_name": "Smoke"}' \
    "http://127.0.0.1:$EMU/_emulator/send_text" >/dev/null
reply=""
for _ in $(seq 1 30); do
    reply=$(curl -fsS "http://127.0.0.1:$EMU/_emulator/messages?chat_id=1001" || true)
    case "$reply" in *"Согласны ли вы"*) break ;; esac
    reply=""; sleep 1
done
[ -n "$reply" ] || { dc logs --tail 50 bot; fail "no answer to /start"; }
echo "/start: the bot asked for consent"

dc exec -T bot python -m bot backup /tmp/smoke.dump
size=$(dc exec -T bot stat -c %s /tmp/smoke.dump | tr -d '\r')
[ "$size" -gt 1000 ] || fail "the backup is only $size bytes"
echo "backup: $size bytes"
curl -fsS "http://127.0.0.1:$HEALTH/metrics" | grep -q 'metodbot_updates_total{kind="message"}' \
    || fail "/metrics has no update counter"

# Restore as deploy/README.md says: the bot stopped, a one-off container restores the file.
docker cp "$(dc ps -q bot):/tmp/smoke.dump" "$WORK/smoke.dump"
dc stop bot
dc run --rm --no-deps -v "$WORK/smoke.dump:/tmp/restore.dump:ro" bot restore /tmp/restore.dump --yes
dc start bot
ready=""
for _ in $(seq 1 60); do
    if ready=$(curl -fsS "http://127.0.0.1:$HEALTH/readyz" 2>/dev/null); then break; fi
    ready=""; sleep 2
done
[ -n "$ready" ] || { dc logs --tail 50 bot; fail "/readyz after the restore"; }
echo "restore: the bot is ready again"
say "SMOKE OK"
