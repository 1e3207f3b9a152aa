# An S3 API on 127.0.0.1 for the S3 connector tests (sourced by .ci/servers.sh).
# No S3-compatible server is packaged for Debian (see FACTS.md), so this runs moto's standalone
# server from the dev extras. Writes PIISCOUT_TEST_S3_ENDPOINT to $STATE/env.

s3_start() {
    local dir="$STATE/s3" root port moto i
    s3_stop >/dev/null 2>&1
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    moto="$root/.venv/bin/moto_server"
    if [ ! -x "$moto" ]; then
        echo "s3: $moto missing; installing moto[server]" >&2
        "$root/.venv/bin/pip" install -q "moto[server]>=5" || return 1
    fi
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    mkdir -p "$dir"
    "$moto" -H 127.0.0.1 -p "$port" </dev/null >"$dir/server.log" 2>&1 &
    echo $! > "$dir/pid"
    for i in $(seq 1 100); do
        python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/', timeout=1)" \
            >/dev/null 2>&1 && break
        sleep 0.2
    done
    python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/', timeout=1)" \
        >/dev/null 2>&1 || { echo "s3: moto_server did not answer" >&2; cat "$dir/server.log" >&2; return 1; }
    echo "export PIISCOUT_TEST_S3_ENDPOINT='http://127.0.0.1:$port'" >> "$STATE/env"
}

s3_stop() {
    local dir="$STATE/s3" pid i
    if [ -f "$dir/pid" ]; then
        pid="$(cat "$dir/pid")"
        kill "$pid" 2>/dev/null
        for i in $(seq 1 25); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -9 "$pid" 2>/dev/null
    fi
    rm -rf "$dir"
    return 0
}
