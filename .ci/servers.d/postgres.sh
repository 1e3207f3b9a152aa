# PostgreSQL on 127.0.0.1 for the database connector tests (sourced by .ci/servers.sh).
# Data in $STATE/postgres, socket in a temp dir; a role with a password so that tests can check
# the password never reaches output. Writes PIISCOUT_TEST_PG_URL to $STATE/env.

_pg_as() {  # run a PostgreSQL binary as the postgres user when we are root
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

_pg_bin() {
    local d
    d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
    [ -n "$d" ] && echo "$d"
}

_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

postgres_start() {
    local dir="$STATE/postgres" bin port pw sock i
    postgres_stop >/dev/null 2>&1
    if [ -z "$(_pg_bin)" ]; then
        echo "postgres: installing postgresql" >&2
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } \
            >/dev/null || return 1
    fi
    bin="$(_pg_bin)" || return 1
    port="$(_free_port)" || return 1
    pw="pg-$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')"
    sock="$(mktemp -d /tmp/piiscout-pg.XXXXXX)"
    mkdir -p "$dir/data"
    echo "$sock" > "$dir/socketdir"
    if [ "$(id -u)" = 0 ]; then chown -R postgres: "$dir" "$sock"; fi
    printf '%s\n' "$pw" > "$dir/pwfile"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir/pwfile"
    _pg_as "$bin/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
        --pwfile="$dir/pwfile" -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2; return 1; }
    rm -f "$dir/pwfile"
    _pg_as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $sock -c fsync=off" start >/dev/null || {
        cat "$dir/server.log" >&2; return 1; }
    for i in $(seq 1 50); do
        "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" && break
        sleep 0.2
    done
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" || { echo "postgres: no answer" >&2; return 1; }
    _pg_as "$bin/psql" -q -h "$sock" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
        -c "CREATE ROLE piiscout LOGIN PASSWORD '$pw'" \
        -c "CREATE DATABASE piiscout_test OWNER piiscout" >/dev/null || return 1
    echo "export PIISCOUT_TEST_PG_URL='postgresql+psycopg://piiscout:$pw@127.0.0.1:$port/piiscout_test'" \
        >> "$STATE/env"
}

postgres_stop() {
    local dir="$STATE/postgres" bin
    bin="$(_pg_bin)"
    if [ -n "$bin" ] && [ -f "$dir/data/postmaster.pid" ]; then
        _pg_as "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 20 stop >/dev/null 2>&1
    fi
    [ -f "$dir/socketdir" ] && rm -rf "$(cat "$dir/socketdir")"
    rm -rf "$dir"
    return 0
}
