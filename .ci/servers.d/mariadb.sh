# MariaDB on 127.0.0.1 for the database connector tests (sourced by .ci/servers.sh).
# Data in $STATE/mariadb, socket in a temp dir, a test user with a password on database
# piiscout_test. Writes PIISCOUT_TEST_MYSQL_URL to $STATE/env.

_mariadb_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

mariadb_start() {
    local dir="$STATE/mariadb" port pw sock run_as i
    mariadb_stop >/dev/null 2>&1
    if ! command -v mariadbd >/dev/null 2>&1 || ! command -v mariadb-install-db >/dev/null 2>&1; then
        echo "mariadb: installing mariadb-server (about a minute the first time)" >&2
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server; } \
            >/dev/null || return 1
    fi
    port="$(_mariadb_port)" || return 1
    pw="my-$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')"
    sock="$(mktemp -d /tmp/piiscout-my.XXXXXX)"
    mkdir -p "$dir/data"
    echo "$sock" > "$dir/socketdir"
    run_as="$(id -un)"
    if [ "$(id -u)" = 0 ]; then run_as=mysql; chown -R mysql: "$dir" "$sock"; fi
    mariadb-install-db --no-defaults --user="$run_as" --datadir="$dir/data" --skip-test-db \
        --auth-root-authentication-method=socket >"$dir/install.log" 2>&1 || {
        cat "$dir/install.log" >&2; return 1; }
    mariadbd --no-defaults --user="$run_as" --datadir="$dir/data" --port="$port" \
        --bind-address=127.0.0.1 --socket="$sock/mysqld.sock" --pid-file="$dir/mysqld.pid" \
        --skip-log-bin --innodb-buffer-pool-size=32M --log-error="$dir/server.log" \
        </dev/null >/dev/null 2>&1 &
    echo $! > "$dir/launcher.pid"
    for i in $(seq 1 100); do
        mariadb-admin --no-defaults --socket="$sock/mysqld.sock" -uroot ping >/dev/null 2>&1 && break
        sleep 0.2
    done
    mariadb-admin --no-defaults --socket="$sock/mysqld.sock" -uroot ping >/dev/null 2>&1 || {
        echo "mariadb: no answer" >&2; cat "$dir/server.log" >&2; return 1; }
    mariadb --no-defaults --socket="$sock/mysqld.sock" -uroot -e "
        CREATE DATABASE piiscout_test CHARACTER SET utf8mb4;
        CREATE USER 'piiscout'@'127.0.0.1' IDENTIFIED BY '$pw';
        GRANT ALL ON piiscout_test.* TO 'piiscout'@'127.0.0.1';" || return 1
    echo "export PIISCOUT_TEST_MYSQL_URL='mysql+pymysql://piiscout:$pw@127.0.0.1:$port/piiscout_test'" \
        >> "$STATE/env"
}

mariadb_stop() {
    local dir="$STATE/mariadb" pid i
    if [ -f "$dir/mysqld.pid" ]; then
        pid="$(cat "$dir/mysqld.pid")"
        kill "$pid" 2>/dev/null
        for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -9 "$pid" 2>/dev/null
    fi
    [ -f "$dir/socketdir" ] && rm -rf "$(cat "$dir/socketdir")"
    rm -rf "$dir"
    return 0
}
