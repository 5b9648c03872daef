#!/usr/bin/env bash
# The first step of `npm test`: makes sure everything the suites talk to is
# installed and running, so the README's test command passes on a fresh
# machine of this kind (Debian 12) with nothing skipped:
#
#   PostgreSQL 5432 (trust on 127.0.0.1, database `test`), Redis 6379,
#   RabbitMQ 5672, NATS with JetStream 4222, aiosmtpd (the email test's SMTP server), Chromium (/usr/bin/chromium, the
#   load report's browser test), Prometheus and promtool (the rule checks and
#   the scrape test).
#
# Idempotent, and a fast no-op when all is there (a few port probes and one
# query). What is missing is started, or installed from Debian's packages and
# started, when running as root with apt-get; otherwise the script prints
# exactly what to install or start and fails under CI=true or
# REQUIRE_SERVICES=1, or lets the suites that need it skip (a laptop).
# SKIP_SERVICE_SETUP=1 skips it all (servers elsewhere: TEST_DATABASE_URL, ...).
set -euo pipefail

cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
now_ms() { local ns; ns=$(date +%s%N); [[ $ns =~ ^[0-9]+$ ]] && echo $((ns / 1000000)) || echo $((SECONDS * 1000)); }
started=$(now_ms)

log() { printf 'setup: %s\n' "$*" >&2; }

if [ "${SKIP_SERVICE_SETUP:-}" = 1 ]; then
  log "SKIP_SERVICE_SETUP=1: not checking the local servers"
  exit 0
fi

required=0
if [ "${CI:-}" = true ] || [ "${REQUIRE_SERVICES:-}" = 1 ]; then required=1; fi
can_install=0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then can_install=1; fi

# What could not be fixed here: packages to install, and one line per other problem.
todo_packages=()
todo_other=()

# port_open PORT: true when something accepts TCP on 127.0.0.1:PORT within 1 s.
port_open() {
  if command -v timeout >/dev/null; then timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
  else bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; fi
}

# wait_port NAME PORT SECONDS: wait (bounded) until the port answers.
wait_port() {
  local name=$1 port=$2 limit=$3 waited=0
  until port_open "$port"; do
    if (( waited >= limit )); then
      log "$name: port $port still closed after ${limit}s"
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  log "$name: up on $port (waited ${waited}s)"
}

apt_updated=0
# apt_install PACKAGE: install a Debian package, running apt-get update once per run.
apt_install() {
  if (( apt_updated == 0 )); then
    log "apt-get update"
    apt-get update -qq
    apt_updated=1
  fi
  log "installing $1"
  # A package's postinst may try to start its service and fail without systemd; the start below does it.
  apt-get install -y -qq --no-install-recommends "$1" >/dev/null
}

# apt_install_no_start PACKAGE: install without letting its postinst start a system service
# (policy-rc.d answering 101 = "not allowed"); the tests start their own copies on free ports.
apt_install_no_start() {
  local policy=/usr/sbin/policy-rc.d
  if [ -e "$policy" ]; then apt_install "$1"; return; fi
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
  apt_install "$1" || { rm -f "$policy"; exit 1; }
  rm -f "$policy"
}

pg_version() { ls /etc/postgresql 2>/dev/null | head -n 1; }

start_postgres() {
  if ! command -v pg_ctlcluster >/dev/null || [ -z "$(pg_version)" ]; then apt_install postgresql; fi
  # The package's postinst may have started it already; the port decides.
  pg_ctlcluster --skip-systemctl-redirect "$(pg_version)" main start || log "postgres: pg_ctlcluster start failed (already running?)"
}

start_redis() {
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log >/dev/null
}

start_rabbitmq() {
  command -v rabbitmq-server >/dev/null || apt_install rabbitmq-server
  rabbitmq-server -detached || log "rabbitmq: rabbitmq-server -detached failed (already running?)"
}

start_nats() {
  [ -x /usr/sbin/nats-server ] || apt_install nats-server
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
}

# ensure NAME PORT START_FUNCTION WAIT_SECONDS BINARY PACKAGE HOW_TO_START
ensure() {
  local name=$1 port=$2 start=$3 limit=$4 binary=$5 package=$6 how=$7
  if port_open "$port"; then return 0; fi
  if (( can_install )); then
    log "$name: down on $port, starting"
    "$start"
    wait_port "$name" "$port" "$limit"
    return
  fi
  log "$name: nothing listens on 127.0.0.1:$port"
  command -v "$binary" >/dev/null || [ -x "/usr/sbin/$binary" ] || todo_packages+=("$package")
  todo_other+=("start $name: $how")
}

ensure postgres 5432 start_postgres 60 pg_ctlcluster postgresql 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start'
ensure redis 6379 start_redis 60 redis-server redis-server 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no'
ensure rabbitmq 5672 start_rabbitmq 90 rabbitmq-server rabbitmq-server 'rabbitmq-server -detached'
ensure nats 4222 start_nats 60 nats-server nats-server 'nats-server -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server &'

# PostgreSQL: trust auth over TCP for user postgres, and a database named test.
psql_ok() { psql -h 127.0.0.1 -U postgres -d "$1" -Atqc 'select 1' >/dev/null 2>&1; }
if port_open 5432 && ! command -v psql >/dev/null; then
  if (( can_install )); then apt_install postgresql-client; else todo_packages+=(postgresql-client); fi
fi
if port_open 5432 && command -v psql >/dev/null; then
  if ! psql_ok test; then
    if ! psql_ok postgres; then
      if (( can_install )) && [ -n "$(pg_version)" ]; then
        # A freshly installed cluster asks for passwords over TCP; a throwaway test server trusts loopback.
        hba="/etc/postgresql/$(pg_version)/main/pg_hba.conf"
        log "postgres: password required on 127.0.0.1, switching $hba to trust"
        cat >"$hba" <<'EOF'
local   all all               trust
host    all all 127.0.0.1/32  trust
host    all all ::1/128       trust
EOF
        pg_ctlcluster --skip-systemctl-redirect "$(pg_version)" main reload
        sleep 1
      else
        todo_other+=("postgres: let user postgres in over 127.0.0.1 without a password (trust in pg_hba.conf)")
      fi
    fi
    if psql_ok postgres; then
      log "postgres: creating database test"
      psql -h 127.0.0.1 -U postgres -d postgres -qc 'create database test'
    fi
    psql_ok test || todo_other+=("postgres: create database test (psql -h 127.0.0.1 -U postgres -c 'create database test')")
  fi
fi

# Streaming replicas of the local server (`scalestack db replica`, src/platform/db/replicas/): the
# primary must let `replication` connections in over 127.0.0.1 (pg_hba's `all` does not cover them; a
# reload, not a restart, applies it) and have wal_level >= replica with WAL senders to spare (those two
# need a restart, so they are only reported).
if port_open 5432 && command -v psql >/dev/null && psql_ok postgres; then
  hba=$(psql -h 127.0.0.1 -U postgres -d postgres -Atqc 'show hba_file' 2>/dev/null || true)
  if [ -n "$hba" ] && ! grep -Eq '^host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba" 2>/dev/null; then
    if [ -w "$hba" ]; then
      log "postgres: allowing replication connections from 127.0.0.1 ($hba, reload)"
      printf 'host    replication all 127.0.0.1/32  trust\n' >>"$hba"
      psql -h 127.0.0.1 -U postgres -d postgres -Atqc 'select pg_reload_conf()' >/dev/null
    else
      todo_other+=("postgres: add 'host replication all 127.0.0.1/32 trust' to $hba and reload")
    fi
  fi
  wal_level=$(psql -h 127.0.0.1 -U postgres -d postgres -Atqc 'show wal_level')
  senders=$(psql -h 127.0.0.1 -U postgres -d postgres -Atqc 'show max_wal_senders')
  if [ "$wal_level" = minimal ] || (( senders < 4 )); then
    todo_other+=("postgres: set wal_level=replica and max_wal_senders>=4, then restart (now $wal_level, $senders)")
  fi
fi

# PgBouncer for the pooling suites (docs/patterns/connection-pooling.md): the binary only; each test
# runs its own on a free port with deploy/pgbouncer/pgbouncer.ini as the template.
# policy-rc.d (exit 101) keeps the package's postinst from starting a system pgbouncer on :6432.
if [ ! -x /usr/sbin/pgbouncer ]; then
  if (( can_install )); then
    apt_install_no_start pgbouncer
  else
    todo_packages+=(pgbouncer)
  fi
fi

# nginx, the static file server and reverse proxy the benchmarks compare against (bench/lib/nginx.ts:
# `npm run bench -- gateway` and `-- catalog`, whose smoke test runs in the suite). Its postinst would
# start a system nginx on :80; policy-rc.d stops that, the benches start their own on free ports.
if [ ! -x /usr/sbin/nginx ]; then
  if (( can_install )); then apt_install_no_start nginx-light; else todo_packages+=(nginx-light); fi
fi

# Chromium for the load report's browser test (src/loadgen/report/html.test.ts).
if [ ! -x /usr/bin/chromium ]; then
  if (( can_install )); then apt_install chromium; else todo_packages+=(chromium); fi
fi

# aiosmtpd, a real SMTP server that is not the project's (Python, no daemon: the
# email test starts it on a free port, delivering to a Maildir it reads; ADR 0034).
if ! /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
  if (( can_install )); then apt_install python3-aiosmtpd; else todo_packages+=(python3-aiosmtpd); fi
fi

# Prometheus and promtool for the rule checks, the alert unit tests and the
# scrape test (tools/promtool*.test.ts). The package's postinst would start a
# prometheus service on :9090; policy-rc.d (exit 101 = "not allowed") stops
# it for this install, and the tests start their own on a free port.
if [ ! -x /usr/bin/promtool ] || [ ! -x /usr/bin/prometheus ]; then
  if (( can_install )); then
    apt_install_no_start prometheus
  else
    todo_packages+=(prometheus)
  fi
fi

# kubectl for the offline rendering of deploy/k8s (tools/deploy-manifests.test.ts): Debian's
# kubernetes-client, unpacked into .tools/ (not installed: its /usr/bin/kubectl would collide with
# another kubectl the machine may have). The same kustomize on every machine.
kubectl_dir=.tools/kubernetes-client
if [ ! -x "$kubectl_dir/usr/bin/kubectl" ]; then
  if command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null; then
    if (( apt_updated == 0 )) && ! apt-cache show kubernetes-client >/dev/null 2>&1; then apt-get update -qq; apt_updated=1; fi
    deb_dir=$(mktemp -d)
    mkdir -p "$kubectl_dir"
    if (cd "$deb_dir" && apt-get download -qq kubernetes-client >/dev/null 2>&1) && dpkg-deb -x "$deb_dir"/kubernetes-client_*.deb "$kubectl_dir"; then
      log "kubectl: unpacked Debian's kubernetes-client into $kubectl_dir"
    else
      todo_other+=("kubectl: apt-get download kubernetes-client && dpkg-deb -x kubernetes-client_*.deb $kubectl_dir")
    fi
    rm -rf "$deb_dir"
  else
    todo_other+=("kubectl: apt-get download kubernetes-client && dpkg-deb -x kubernetes-client_*.deb $kubectl_dir")
  fi
fi

ms=$(( $(now_ms) - started ))
if (( ${#todo_packages[@]} == 0 && ${#todo_other[@]} == 0 )); then
  log "postgres, redis, rabbitmq, nats, chromium, aiosmtpd, prometheus, pgbouncer, nginx: ready (${ms} ms)"
  exit 0
fi

log "not ready, and this script can install only as root with apt-get:"
if (( ${#todo_packages[@]} > 0 )); then
  log "  install: apt-get install -y --no-install-recommends ${todo_packages[*]}"
  if [[ " ${todo_packages[*]} " == *" prometheus "* ]]; then
    log "  (prometheus: put 'exit 101' in /usr/sbin/policy-rc.d while installing, so it does not start a server on :9090)"
  fi
fi
for line in "${todo_other[@]}"; do log "  $line"; done
if (( required )); then
  log "CI=true or REQUIRE_SERVICES=1: failing instead of letting the suites that need these skip"
  exit 1
fi
log "the suites that need these will be skipped"
