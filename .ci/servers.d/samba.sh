# Samba (smbd) on 127.0.0.1 (a free port, or $SAMBA_PORT) with a private smb.conf; sourced by
# .ci/servers.sh.
# Exports PIISCOUT_TEST_SMB_URL (no credentials), PIISCOUT_TEST_SMB_USER,
# PIISCOUT_TEST_SMB_PASSWORD and PIISCOUT_TEST_SMB_DIR (the share's directory, where tests write
# their fixtures; the share itself is read-only for the scanner's user).

SAMBA_USER="${SAMBA_USER:-piiscoutsmb}"

samba_start() {
    local dir="$STATE/samba"
    if [ -f "$dir/smbd.pid" ] && kill -0 "$(cat "$dir/smbd.pid")" 2>/dev/null; then
        samba_stop
    fi
    if ! command -v smbd >/dev/null 2>&1 && [ ! -x /usr/sbin/smbd ]; then
        echo "samba: installing samba" >&2
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq samba; } \
            >/dev/null || return 1
    fi
    # A free port unless one is asked for: another smbd (another checkout's tests) may hold 4450.
    SAMBA_PORT="${SAMBA_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
    local smbd=/usr/sbin/smbd smbpasswd=/usr/bin/smbpasswd
    rm -rf "$dir"
    mkdir -p "$dir"/{private,lock,state,cache,pid,ncalrpc,binddns,logs,share}
    chmod 755 "$dir" "$dir/share"
    id "$SAMBA_USER" >/dev/null 2>&1 \
        || useradd --no-create-home --shell /usr/sbin/nologin "$SAMBA_USER" || return 1
    local password
    password="$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    cat > "$dir/smb.conf" <<CONF
[global]
    workgroup = WORKGROUP
    server role = standalone server
    smb ports = $SAMBA_PORT
    interfaces = 127.0.0.1
    bind interfaces only = yes
    disable netbios = yes
    server min protocol = SMB2_10
    private dir = $dir/private
    lock directory = $dir/lock
    state directory = $dir/state
    cache directory = $dir/cache
    pid directory = $dir/pid
    ncalrpc dir = $dir/ncalrpc
    binddns dir = $dir/binddns
    log file = $dir/logs/log.%m
    passdb backend = tdbsam:$dir/private/passdb.tdb
    load printers = no
    printing = bsd
    printcap name = /dev/null
    disable spoolss = yes
    usershare max shares = 0
    map to guest = never
[piiscout]
    path = $dir/share
    read only = yes
    browseable = yes
    guest ok = no
    valid users = $SAMBA_USER
CONF
    printf '%s\n%s\n' "$password" "$password" \
        | "$smbpasswd" -c "$dir/smb.conf" -a -s "$SAMBA_USER" >/dev/null || return 1
    # Its own session: on shutdown smbd signals its whole process group, which must not be ours.
    setsid "$smbd" --foreground --no-process-group --configfile="$dir/smb.conf" \
        >"$dir/logs/smbd.out" 2>&1 </dev/null &
    echo $! > "$dir/smbd.pid"
    local i
    for i in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$SAMBA_PORT") 2>/dev/null; then
            {
                echo "export PIISCOUT_TEST_SMB_URL=smb://127.0.0.1:$SAMBA_PORT/piiscout"
                echo "export PIISCOUT_TEST_SMB_USER=$SAMBA_USER"
                echo "export PIISCOUT_TEST_SMB_PASSWORD=$password"
                echo "export PIISCOUT_TEST_SMB_DIR=$dir/share"
            } >> "$STATE/env"
            return 0
        fi
        kill -0 "$(cat "$dir/smbd.pid")" 2>/dev/null || break
        sleep 0.1
    done
    echo "samba: smbd did not answer on port $SAMBA_PORT; see $dir/logs" >&2
    return 1
}

samba_stop() {
    local dir="$STATE/samba" pid
    if [ -f "$dir/smbd.pid" ]; then
        pid="$(cat "$dir/smbd.pid")"
        # smbd forks one child per connection: end them (by parent id), then the parent.
        pkill -TERM -P "$pid" 2>/dev/null
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
    fi
    rm -rf "$dir"
    return 0
}
