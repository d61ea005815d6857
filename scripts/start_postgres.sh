#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests, from Debian's packages, on 127.0.0.1.
#
#   eval "$(scripts/start_postgres.sh)"        # start; exports KUSTOMER_TEST_POSTGRES (a DSN)
#   .venv/bin/python -m pytest tests/destinations/test_postgres.py
#   scripts/start_postgres.sh stop             # stop it and delete its data directory
#
# Installs the `postgresql` package when initdb/pg_ctl are missing (as root, with apt-get).
# The cluster lives in a temporary directory (KUSTOMER_PG_DIR), owned by the `postgres` user
# when run as root (initdb refuses to run as root), and listens on a free port of 127.0.0.1
# only. It is for tests: fsync is off. Messages go to stderr; stdout is only the exports.
set -euo pipefail

log() { echo "start_postgres: $*" >&2; }

find_bindir() {
    local dir
    if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
        pg_config --bindir
        return
    fi
    # Debian keeps the server binaries out of PATH, one directory per major version
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return
        fi
    done
    dir="$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")"
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
        echo "$dir"
    fi
}

# run a command as the cluster's owner: `postgres` when we are root, ourselves otherwise
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

stop() {
    local dir="${1:-${KUSTOMER_PG_DIR:-}}"
    if [ -z "$dir" ] || [ ! -d "$dir" ]; then
        log "nothing to stop (set KUSTOMER_PG_DIR or pass the data directory)"
        return 0
    fi
    local bindir
    bindir="$(find_bindir)"
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
    fi
    rm -rf "$dir"
    log "stopped and removed $dir"
}

start() {
    local bindir
    bindir="$(find_bindir)"
    if [ -z "$bindir" ]; then
        if [ "$(id -u)" != 0 ]; then
            log "PostgreSQL is not installed: run 'sudo apt-get install -y postgresql' first"
            exit 1
        fi
        log "installing PostgreSQL from Debian's packages"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq postgresql >&2
        bindir="$(find_bindir)"
        if [ -z "$bindir" ]; then
            log "no initdb/pg_ctl after installing postgresql"
            exit 1
        fi
    fi
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
        useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    fi

    local dir port password
    dir="$(mktemp -d "${TMPDIR:-/tmp}/kustomer-pg.XXXXXX")"
    port="${KUSTOMER_PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
    password="kustomer"
    printf '%s\n' "$password" >"$dir/pwfile"
    mkdir "$dir/data"
    chmod 700 "$dir" "$dir/data"
    if [ "$(id -u)" = 0 ]; then
        chown -R postgres: "$dir"
    fi

    as_owner "$bindir/initdb" -D "$dir/data" -U kustomer --pwfile="$dir/pwfile" \
        --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        exit 1
    }
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50" \
        start >&2 || {
        cat "$dir/server.log" >&2
        exit 1
    }
    PGPASSWORD="$password" "$bindir/createdb" -h 127.0.0.1 -p "$port" -U kustomer kustomer
    log "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, data in $dir"
    echo "export KUSTOMER_PG_DIR=$dir"
    echo "export KUSTOMER_TEST_POSTGRES=postgresql://kustomer:$password@127.0.0.1:$port/kustomer"
}

case "${1:-start}" in
start) start ;;
stop) stop "${2:-}" ;;
*)
    echo "usage: $0 [start|stop [DATA_DIR]]" >&2
    exit 2
    ;;
esac
