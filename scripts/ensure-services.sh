#!/usr/bin/env bash
# Make sure what the test suite needs is running on this machine, starting it if not:
# PostgreSQL on 127.0.0.1:5432, Redis on 127.0.0.1:6379, Chromium for the browser tests and
# GNU gettext for the translation catalogue's test.
# Anything that cannot be provided fails loudly: a suite that skips its browser tests or
# falls back to SQLite would pass without testing what ships.
set -euo pipefail

PG_HOST=127.0.0.1
REDIS_HOST=127.0.0.1
REDIS_PORT=6379
CHROMIUM=/usr/bin/chromium
WAIT_SECONDS=30

say() { echo "ensure-services: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# apt-get and pg_ctlcluster need root; use sudo when we are not root and it exists.
SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
fi

apt_updated=0
apt_install() {
    if [ "$apt_updated" -eq 0 ]; then
        $SUDO apt-get update -qq || die "apt-get update failed"
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" || die "apt-get install $* failed"
}

postgres_up() { pg_isready -h "$PG_HOST" -q; }
redis_up() { [ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]; }

wait_for() {
    local name=$1 check=$2
    for _ in $(seq "$WAIT_SECONDS"); do
        if $check; then return 0; fi
        sleep 1
    done
    die "$name is not answering after ${WAIT_SECONDS} s"
}

# --- PostgreSQL -----------------------------------------------------------------------
command -v pg_isready >/dev/null 2>&1 || die "PostgreSQL client tools (pg_isready) are not installed"
if ! postgres_up; then
    version=$(ls /etc/postgresql 2>/dev/null | head -1)
    [ -n "$version" ] || die "no PostgreSQL cluster under /etc/postgresql to start"
    say "starting PostgreSQL $version"
    # Exits 2 when the cluster already runs: the wait below is the real check.
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
fi

# --- Redis ----------------------------------------------------------------------------
if ! redis_up; then
    if ! command -v redis-server >/dev/null 2>&1; then
        say "installing redis-server"
        apt_install redis-server
    fi
    say "starting redis-server on $REDIS_HOST:$REDIS_PORT"
    redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" --save "" --appendonly no \
        >/dev/null
fi

# --- Chromium (browser tests) ---------------------------------------------------------
if [ ! -x "$CHROMIUM" ]; then
    say "installing chromium"
    apt_install chromium
    [ -x "$CHROMIUM" ] || die "chromium was installed but $CHROMIUM is missing"
fi

# --- GNU gettext (the catalogue test extracts today's messages with xgettext) ----------
if ! command -v xgettext >/dev/null 2>&1 || ! command -v msgmerge >/dev/null 2>&1; then
    say "installing gettext"
    apt_install gettext
fi

wait_for PostgreSQL postgres_up
wait_for Redis redis_up
say "PostgreSQL, Redis, Chromium and gettext are ready"
