#!/usr/bin/env bash
# Start or stop the real servers the connector tests use, on loopback, from Debian's packages.
# Each server has a script in .ci/servers.d/ with start/stop functions named after the file:
#   <name>_start  writes "export VAR=..." lines to $STATE/env for the tests to read
#   <name>_stop
# Tests read .ci/state/env (see tests/conftest.py). Usage: servers.sh start|stop
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export STATE="$HERE/state"
mkdir -p "$STATE"
action="${1:-start}"
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
# Stopped servers must not be found by later test runs.
[ "$action" = stop ] && rm -f "$STATE/env"
exit $status
