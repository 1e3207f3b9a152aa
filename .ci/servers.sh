#!/usr/bin/env bash
# Start or stop the real servers the connector tests use, on loopback, from Debian's packages.
# Each server has a script in .ci/servers.d/ with start/stop functions named after the file:
#   <name>_start  writes "export VAR=..." lines to $STATE/env for the tests to read
#   <name>_stop
# Tests read .ci/state/env (see tests/conftest.py). Usage: servers.sh start|stop
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
action="${1:-start}"
# The tests read $HERE/state/env. The servers' own state (data dirs, shares) lives in a folder
# under /tmp that their service users (postgres, mysql, the Samba user) can reach: a checkout in
# a 0700 home directory would otherwise lock them out. Its path is kept in $HERE/state/dir.
mkdir -p "$HERE/state"
if [ "$action" = start ]; then
    old="$(cat "$HERE/state/dir" 2>/dev/null || true)"
    if [ -n "$old" ] && [ -d "$old" ]; then
        STATE="$old"
    else
        STATE="$(mktemp -d /tmp/piiscout-ci.XXXXXX)" || exit 1
        chmod 755 "$STATE"
        echo "$STATE" > "$HERE/state/dir"
    fi
else
    STATE="$(cat "$HERE/state/dir" 2>/dev/null || true)"
    if [ -z "$STATE" ] || [ ! -d "$STATE" ]; then
        rm -f "$HERE/state/env" "$HERE/state/dir"
        exit 0
    fi
fi
export STATE
[ "$action" = start ] && : > "$STATE/env"
status=0
for f in "$HERE"/servers.d/*.sh; do
    [ -e "$f" ] || continue
    name="$(basename "$f" .sh)"
    # shellcheck source=/dev/null
    source "$f"
    if ! "${name}_${action}"; then
        echo "servers.sh: $name $action failed" >&2
        status=1
    fi
done
if [ "$action" = start ]; then
    cp "$STATE/env" "$HERE/state/env"
else
    # Stopped servers must not be found by later test runs.
    rm -rf "$STATE"
    rm -f "$HERE/state/env" "$HERE/state/dir"
fi
exit $status
