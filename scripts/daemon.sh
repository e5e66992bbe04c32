#!/usr/bin/env bash
# A private, throwaway Docker daemon plus a loopback image registry, for the
# test suite and the benchmarks.
#
# Each daemon lives in a slot directory under $REPO/.test-daemon/ with its own
# socket, data-root, exec-root, pidfile, bridge (dtuibrN, 10.213.N.0/24) and
# address pool for user networks, so it never touches /var/run/docker.sock, a
# developer's own daemon on docker0, or another engineer's test run started
# from the same checkout at the same time (that run simply gets the next slot).
#
#   eval "$(scripts/daemon.sh start)"   start one; stdout is the `export` lines
#   scripts/daemon.sh env               print them again (uses DTUI_DAEMON_DIR)
#   scripts/daemon.sh stop              stop the one named by DTUI_DAEMON_DIR
#   scripts/daemon.sh crash [DIR]       SIGKILL that dockerd only, as a crash
#                                       would (containers, registry, bridge stay)
#   scripts/daemon.sh revive [DIR]      start dockerd again after a crash, on the
#                                       same socket and data-root
#   scripts/daemon.sh run CMD [ARG...]  start, run CMD with that environment,
#                                       always stop; exits with CMD's status
#   source scripts/daemon.sh            then `dtui_daemon_start` exports into
#                                       this shell and `dtui_daemon_stop` ends it
#
# Environment knobs: DTUI_TEST_NET (default 10.213: the /16 the bridges and
# user networks come from), DTUI_TEST_REGISTRY_PORT (first port tried, 5000),
# DTUI_DAEMON_OWNER (for `start`: the pid of the process that will stop the
# daemon, e.g. a test's pytest; once it is gone the slot is free again and the
# next start cleans it up, even when that process was killed before its stop).
# Progress goes to stderr, so stdout stays clean for `eval`.

DTUI_REPO=${DTUI_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
DTUI_TEST_IMAGE=busybox:local
_DTUI_SLOTS=6  # the /16 holds 6 bridges and 6 pools of 32 networks each

_dtui_say() { echo "dtui-test: $*" >&2; }

_dtui_proc_start_time() {
    # Field 22 of /proc/PID/stat; with the pid it names a process uniquely,
    # so a recycled pid is never mistaken for the owner.
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    # shellcheck disable=SC2086
    set -- $stat
    echo "${20}"
}

_dtui_cmdline() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null; }

# Slot layout; sets the _d_* variables for slot directory $1.
_dtui_slot_vars() {
    _d_dir=$1
    _d_slot=${_d_dir##*slot}
    _d_sock=$_d_dir/docker.sock
    _d_exec=$_d_dir/exec
    # containerd's socket lives under the exec-root and unix socket paths are
    # limited to 107 bytes: a deep checkout moves the exec-root to /run.
    if ((${#_d_exec} + 40 > 107)); then
        _d_exec=/run/dtui-test-$(printf %s "$_d_dir" | sha1sum | cut -c1-10)
        _d_sock=$_d_exec/docker.sock
    fi
    _d_net=${DTUI_TEST_NET:-10.213}
    _d_bridge=dtuibr$_d_slot
    _d_bip=$_d_net.$_d_slot.1/24
    _d_pool=$_d_net.$((64 + 32 * _d_slot)).0/19
    _d_config=$_d_dir/docker-config
}

_dtui_docker() {
    env -u DOCKER_CONTEXT -u DOCKER_TLS_VERIFY -u DOCKER_CERT_PATH \
        DOCKER_HOST="unix://$_d_sock" DOCKER_CONFIG="$_d_config" docker "$@"
}

_dtui_dockerd_pid() {
    local pid
    pid=$(cat "$_d_dir/dockerd.pid" 2>/dev/null) || return 1
    [[ -n $pid ]] && _dtui_running "$pid" || return 1
    [[ $(_dtui_cmdline "$pid") == *"--data-root $_d_dir/data "* ]] || return 1
    echo "$pid"
}

_dtui_registry_pid() {
    local pid
    pid=$(cat "$_d_dir/registry.pid" 2>/dev/null) || return 1
    [[ -n $pid ]] && _dtui_running "$pid" || return 1
    [[ $(_dtui_cmdline "$pid") == *"$_d_dir/registry.yml"* ]] || return 1
    echo "$pid"
}

# A slot is taken while the process that will stop it is alive; a daemon
# started with `start` (no such process) holds its slot while dockerd runs.
_dtui_slot_taken() {
    local pid start
    read -r pid start 2>/dev/null <"$1/owner" || return 1
    if [[ $pid == detached ]]; then
        _dtui_slot_vars "$1"
        _dtui_dockerd_pid >/dev/null
        return
    fi
    [[ -n $start && $(_dtui_proc_start_time "$pid") == "$start" ]]
}

_dtui_check_net() {
    local routes
    routes=$(
        ip -4 -o route show root "$_d_net.$_d_slot.0/24"
        ip -4 -o route show match "$_d_net.$_d_slot.1" | grep -v '^default'
    )
    routes=$(grep -v " dev $_d_bridge " <<<"$routes" | grep .)
    if [[ -n $routes ]]; then
        _dtui_say "$_d_net.$_d_slot.0/24 is already routed on this host:"
        echo "$routes" >&2
        _dtui_say "set DTUI_TEST_NET to a free /16 prefix (e.g. DTUI_TEST_NET=10.77)"
        return 1
    fi
}

_dtui_make_bridge() {
    # dockerd only takes a non-default --bridge that already exists; its
    # address becomes the bridge network's gateway and subnet.
    if ! ip link show "$_d_bridge" >/dev/null 2>&1; then
        ip link add "$_d_bridge" type bridge || return 1
    fi
    ip -4 addr flush dev "$_d_bridge"
    ip addr add "$_d_bip" dev "$_d_bridge" || return 1
    ip link set "$_d_bridge" up
}

# The private dockerd runs with --iptables=false: on start, libnetwork
# flushes and recreates the shared DOCKER* chains, which silently drops every
# rule another daemon on this host put there (its published ports, network
# isolation). Published ports still work through docker-proxy on 127.0.0.1;
# traffic between our own containers needs these FORWARD accepts when another
# daemon has set the FORWARD policy to DROP. Nothing is NATed to the outside,
# so tests cannot reach beyond the machine.
_dtui_forward_specs() {
    local a=$_d_net.$_d_slot.0/24 p=$_d_pool s d
    for s in "$a" "$p"; do
        for d in "$a" "$p"; do
            echo "-s $s -d $d"
        done
    done
}

_dtui_allow_forward() {
    local spec
    while read -r spec; do
        # shellcheck disable=SC2086
        iptables -C FORWARD $spec -j ACCEPT 2>/dev/null || iptables -I FORWARD $spec -j ACCEPT || return 1
    done < <(_dtui_forward_specs)
}

_dtui_drop_forward() {
    local spec
    while read -r spec; do
        # shellcheck disable=SC2086
        while iptables -D FORWARD $spec -j ACCEPT 2>/dev/null; do :; done
    done < <(_dtui_forward_specs)
}

_dtui_wait_dockerd() {
    local i
    for ((i = 0; i < 300; i++)); do
        if _dtui_docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
            return 0
        fi
        if ((i > 5)) && ! _dtui_dockerd_pid >/dev/null; then
            break
        fi
        sleep 0.1
    done
    _dtui_say "dockerd did not become ready within 30 s; its log ($_d_dir/dockerd.log):"
    tail -n 60 "$_d_dir/dockerd.log" >&2
    return 1
}

# Everything in a private daemon belongs to the tests; what a crashed or
# finished run left behind goes, except the base image.
_dtui_reset_daemon() {
    local ids ref keep id
    ids=$(_dtui_docker ps -aq)
    [[ -z $ids ]] || _dtui_docker rm -fv $ids >/dev/null
    ids=$(_dtui_docker volume ls -q)
    [[ -z $ids ]] || _dtui_docker volume rm -f $ids >/dev/null
    _dtui_docker network prune -f >/dev/null
    keep=$(_dtui_docker image inspect -f '{{.Id}}' "$DTUI_TEST_IMAGE" 2>/dev/null)
    while read -r ref; do
        [[ $ref == "$DTUI_TEST_IMAGE" || $ref == *"<none>"* ]] || _dtui_docker rmi -f "$ref" >/dev/null
    done < <(_dtui_docker images -a --format '{{.Repository}}:{{.Tag}}')
    while read -r id; do
        [[ -z $id || $id == "$keep" ]] || _dtui_docker rmi -f "$id" >/dev/null 2>&1
    done < <(_dtui_docker images -aq --no-trunc | sort -u)
    return 0
}

_dtui_import_busybox() {
    if _dtui_docker image inspect "$DTUI_TEST_IMAGE" >/dev/null 2>&1; then
        return 0
    fi
    local busybox rootfs applet
    busybox=$(dpkg -L busybox-static 2>/dev/null | grep -m1 '/bin/busybox$')
    busybox=${busybox:-/bin/busybox}
    if [[ $(LC_ALL=C ldd "$busybox" 2>&1) != *"not a dynamic executable"* ]]; then
        _dtui_say "$busybox is not statically linked (install busybox-static)"
        return 1
    fi
    _dtui_say "building $DTUI_TEST_IMAGE from $busybox"
    rootfs=$_d_dir/rootfs
    rm -rf "$rootfs"
    mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,proc,sys,dev}
    chmod 1777 "$rootfs/tmp"
    chmod 700 "$rootfs/root"
    cp "$busybox" "$rootfs/bin/busybox"
    while read -r applet; do
        # An applet link named busybox would replace the binary with a
        # link to itself.
        [[ -z $applet || ${applet##*/} == busybox ]] && continue
        ln -sf /bin/busybox "$rootfs/$applet"
    done < <("$busybox" --list-full)
    echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
    echo 'root:x:0:' >"$rootfs/etc/group"
    tar -C "$rootfs" --numeric-owner --owner=0 --group=0 -c . |
        _dtui_docker import -c 'CMD ["/bin/sh"]' - "$DTUI_TEST_IMAGE" >/dev/null || return 1
    rm -rf "$rootfs"
}

_dtui_port_busy() {
    [[ -n $(ss -Hltn "( sport = :$1 )" 2>/dev/null) ]]
}

_dtui_registry_ready() {
    # A plain HTTP probe of the v2 API root, so no curl is needed.
    (
        exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
        printf 'GET /v2/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
        read -r -t 2 _ status _ <&3
        [[ ${status:-} == 200 ]]
    ) 2>/dev/null
}

_dtui_start_registry() {
    local port=${DTUI_TEST_REGISTRY_PORT:-5000} last i pid
    last=$((port + 100))
    rm -rf "$_d_dir/registry-data"
    mkdir -p "$_d_dir/registry-data"
    for (( ; port < last; port++)); do
        _dtui_port_busy "$port" && continue
        cat >"$_d_dir/registry.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $_d_dir/registry-data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: dtui-test-only
EOF
        : >"$_d_dir/registry.log"
        (
            exec {_dtui_lock_fd}>&-
            exec setsid docker-registry serve "$_d_dir/registry.yml" </dev/null >>"$_d_dir/registry.log" 2>&1
        ) &
        pid=$!
        disown "$pid"  # its end is ours to handle; no job notices from bash
        echo "$pid" >"$_d_dir/registry.pid"
        for ((i = 0; i < 100; i++)); do
            if _dtui_registry_ready "$port"; then
                _d_registry=127.0.0.1:$port
                return 0
            fi
            [[ -d /proc/$pid ]] || break
            sleep 0.05
        done
        if grep -q 'address already in use' "$_d_dir/registry.log"; then
            continue  # lost a race for the port; take the next one
        fi
        _dtui_say "docker-registry did not start; its log:"
        cat "$_d_dir/registry.log" >&2
        kill "$pid" 2>/dev/null
        return 1
    done
    _dtui_say "no free registry port in ${DTUI_TEST_REGISTRY_PORT:-5000}..$last"
    return 1
}

_dtui_env_lines() {
    cat <<EOF
export DOCKER_HOST=unix://$_d_sock
export DOCKER_CONFIG=$_d_config
export DTUI_TEST_DAEMON=1
export DTUI_TEST_REGISTRY=$_d_registry
export DTUI_TEST_IMAGE=$DTUI_TEST_IMAGE
export DTUI_DAEMON_DIR=$_d_dir
unset DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH
EOF
}

# One start or stop at a time across all slots: slot choice, bridges and
# registry ports are races, and a stop must finish before its slot is reused.
_dtui_lock() {
    mkdir -p "$DTUI_REPO/.test-daemon"
    exec {_dtui_lock_fd}>"$DTUI_REPO/.test-daemon/.lock"
    flock "$_dtui_lock_fd"
}

_dtui_unlock() { exec {_dtui_lock_fd}>&-; }

# Start a daemon in a free slot. $1 is the owner's pid (the process that will
# call stop) or "detached". Sets _d_* and writes $_d_dir/env.
_dtui_start_slot() {
    local owner=$1 base=$DTUI_REPO/.test-daemon slot dir="" rc
    _dtui_lock
    for ((slot = 0; slot < _DTUI_SLOTS; slot++)); do
        _dtui_slot_taken "$base/slot$slot" && continue
        [[ -z $dir ]] && dir=$base/slot$slot
        # A daemon whose run was killed before it could stop it goes now.
        _dtui_slot_vars "$base/slot$slot"
        if _dtui_dockerd_pid >/dev/null || _dtui_registry_pid >/dev/null; then
            _dtui_say "stopping a daemon left running in $_d_dir"
            _dtui_stop_slot quiet
        fi
    done
    if [[ -z $dir ]]; then
        _dtui_say "all $_DTUI_SLOTS private daemon slots in $base are in use"
        _dtui_unlock
        return 1
    fi
    mkdir -p "$dir"
    _dtui_slot_vars "$dir"
    # Leftovers of a killed run (bridge, mounts, rules) go first.
    _dtui_stop_slot quiet
    if [[ $owner == detached ]]; then
        echo detached >"$dir/owner"
    else
        echo "$owner $(_dtui_proc_start_time "$owner")" >"$dir/owner"
    fi
    _dtui_start_slot_locked
    rc=$?
    ((rc == 0)) || _dtui_stop_slot quiet
    _dtui_unlock
    return "$rc"
}

_dtui_start_slot_locked() {
    _dtui_check_net || return 1
    _dtui_make_bridge || return 1
    _dtui_allow_forward || return 1
    mkdir -p "$_d_dir/data" "$_d_exec" "$_d_config"
    echo '{}' >"$_d_dir/daemon.json"
    echo '{}' >"$_d_config/config.json"
    : >"$_d_dir/dockerd.log"
    _dtui_say "starting private dockerd at unix://$_d_sock (bridge $_d_bridge $_d_bip)"
    _dtui_launch_dockerd || return 1
    _dtui_reset_daemon
    _dtui_import_busybox || return 1
    _dtui_start_registry || return 1
    _dtui_say "registry at $_d_registry; daemon $(_dtui_docker version --format '{{.Server.Version}}') ready"
    _dtui_env_lines >"$_d_dir/env"
}

# Run dockerd for the slot in _d_* (its bridge exists) and wait until it answers.
_dtui_launch_dockerd() {
    # A fresh network store on every start. On start, moby deletes the
    # default "bridge" network it finds in its store as stale, and with
    # --default-address-pool and no live-restore it then also deletes the
    # host's docker0 (daemon_unix.go: removeDefaultBridgeInterface), which is
    # another daemon's bridge, never ours. With no stored "bridge" network
    # that never runs. User networks do not outlive a restart of a private
    # daemon; the tests make their own.
    rm -rf "$_d_dir/data/network"
    # A pidfile left by a killed dockerd would block the start if its pid had
    # been reused.
    rm -f "$_d_dir/dockerd.pid"
    # setsid: a Ctrl+C meant for pytest must not reach the daemon; the trap
    # that called us stops it in order. --config-file: never read the host's
    # /etc/docker/daemon.json.
    (
        exec {_dtui_lock_fd}>&-
        exec setsid dockerd \
            --host "unix://$_d_sock" \
            --data-root "$_d_dir/data" \
            --exec-root "$_d_exec" \
            --pidfile "$_d_dir/dockerd.pid" \
            --config-file "$_d_dir/daemon.json" \
            --bridge "$_d_bridge" \
            --iptables=false \
            --default-address-pool "base=$_d_pool,size=24" \
            --shutdown-timeout 2 \
            </dev/null >>"$_d_dir/dockerd.log" 2>&1
    ) &
    disown $!
    _dtui_wait_dockerd
}

_dtui_running() {
    # A zombie counts as gone: a detached daemon's parent has exited and
    # whoever adopted it may reap it late.
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat:0:1} != Z ]]
}

# Pids of the slot's processes whose command name matches one of the glob
# patterns given: the ones whose command line names its exec-root.
_dtui_slot_pids() {
    local proc comm pattern
    for proc in /proc/[0-9]*; do
        read -r comm 2>/dev/null <"$proc/comm" || continue
        for pattern in "$@"; do
            # shellcheck disable=SC2053
            if [[ $comm == $pattern ]]; then
                [[ $(_dtui_cmdline "${proc#/proc/}") == *"$_d_exec/"* ]] && echo "${proc#/proc/}"
                break
            fi
        done
    done
}

_dtui_children() {  # pid
    local parent=$1 stat fields
    for stat in /proc/[0-9]*/stat; do
        fields=$(cat "$stat" 2>/dev/null) || continue
        fields=${fields##*) }
        # shellcheck disable=SC2086
        set -- $fields
        [[ $2 == "$parent" ]] && { stat=${stat#/proc/}; echo "${stat%/stat}"; }
    done
}

_dtui_wait_gone() {  # pid, tenths of a second
    local i
    for ((i = 0; i < $2; i++)); do
        _dtui_running "$1" || return 0
        sleep 0.1
    done
    return 1
}

# Stop the daemon and registry of the slot in _d_* and clean what they leave:
# containerd shims, mounts and network namespaces under the slot, the bridge
# and its FORWARD rules. "quiet" skips the progress line.
_dtui_stop_slot() {
    local pid proc comm mnt
    # The registry's storage is wiped on every start, so there is nothing for
    # a graceful shutdown (which takes seconds) to save.
    pid=$(_dtui_registry_pid) && { kill -9 "$pid"; _dtui_wait_gone "$pid" 50; }
    if pid=$(_dtui_dockerd_pid); then
        [[ ${1:-} == quiet ]] || _dtui_say "stopping private dockerd at unix://$_d_sock"
        # Killing the containers first keeps the daemon's shutdown short.
        _dtui_reset_daemon 2>/dev/null
        kill "$pid"
        _dtui_wait_gone "$pid" 200 || { _dtui_say "dockerd ignored SIGTERM; killing it"; kill -9 "$pid"; }
    fi
    # A container of a daemon that is gone (crashed, or its run was killed) is
    # a child of its shim; killing the shim alone would leave it running.
    for pid in $(_dtui_slot_pids 'containerd-shim*'); do
        for child in $(_dtui_children "$pid"); do
            kill -9 "$child" 2>/dev/null
        done
    done
    for pid in $(_dtui_slot_pids containerd 'containerd-shim*' runc dockerd docker-proxy); do
        kill -9 "$pid" 2>/dev/null
    done
    while read -r mnt; do
        umount -l "$mnt" 2>/dev/null
    done < <(awk -v a="$_d_dir/" -v b="$_d_exec/" \
        'index($5, a) == 1 || index($5, b) == 1 { print length($5), $5 }' /proc/self/mountinfo |
        sort -rn | cut -d' ' -f2-)
    if ip link show "$_d_bridge" >/dev/null 2>&1; then
        ip link del "$_d_bridge"
    fi
    _dtui_drop_forward
    rm -f "$_d_dir/owner" "$_d_dir/dockerd.pid" "$_d_dir/registry.pid" "$_d_dir/env" "$_d_sock"
    [[ $_d_exec == /run/dtui-test-* ]] && rm -rf "$_d_exec"
    return 0
}

# Public: start a daemon owned by this shell and export its environment here.
dtui_daemon_start() {
    _dtui_start_slot "$$" || return 1
    eval "$(_dtui_env_lines)"
}

# Public: stop the daemon named by DTUI_DAEMON_DIR (or $1).
dtui_daemon_stop() {
    local dir=${1:-${DTUI_DAEMON_DIR:-}}
    if [[ -z $dir || ! -d $dir ]]; then
        _dtui_say "no private daemon to stop (DTUI_DAEMON_DIR is unset)"
        return 1
    fi
    _dtui_slot_vars "$dir"
    _dtui_lock
    _dtui_stop_slot
    _dtui_unlock
}

# Slot variables for the daemon named by $1 or DTUI_DAEMON_DIR, if it runs.
_dtui_named_slot() {
    local dir=${1:-${DTUI_DAEMON_DIR:-}}
    if [[ -z $dir || ! -f $dir/owner ]]; then
        _dtui_say "no private daemon in ${dir:-(DTUI_DAEMON_DIR is unset)}"
        return 1
    fi
    _dtui_slot_vars "$dir"
}

# Public: SIGKILL the slot's dockerd, nothing else, for tests of a daemon that
# dies under a client. containerd goes with it (moby starts it with a parent
# death signal); containers keep running in their shims until the daemon is
# back and, without live-restore, stops them.
dtui_daemon_crash() {
    local pid
    _dtui_named_slot "$@" || return 1
    if ! pid=$(_dtui_dockerd_pid); then
        _dtui_say "dockerd of $_d_dir is not running"
        return 1
    fi
    kill -9 "$pid"
    _dtui_wait_gone "$pid" 100 || { _dtui_say "dockerd $pid survived SIGKILL"; return 1; }
    # Its containerd gets SIGKILL from the kernel but may take a moment to go;
    # one still listed in containerd.pid (even as an unreaped zombie) would
    # make the next dockerd wait for it instead of starting its own.
    for pid in $(_dtui_slot_pids containerd); do
        kill -9 "$pid" 2>/dev/null
        _dtui_wait_gone "$pid" 100 || { _dtui_say "containerd $pid survived SIGKILL"; return 1; }
    done
    rm -f "$_d_exec/containerd/containerd.pid"
}

# Public: start the slot's dockerd again after a crash: same socket, data-root
# and bridge; nothing is reset or imported.
dtui_daemon_revive() {
    _dtui_named_slot "$@" || return 1
    if _dtui_dockerd_pid >/dev/null; then
        _dtui_say "dockerd of $_d_dir is already running"
        return 1
    fi
    _dtui_lock
    ip link show "$_d_bridge" >/dev/null 2>&1 || _dtui_make_bridge
    _dtui_launch_dockerd
    local rc=$?
    _dtui_unlock
    return "$rc"
}

_dtui_main() {
    local cmd=${1:-}
    shift
    case $cmd in
    start)
        local owner=${DTUI_DAEMON_OWNER:-detached}
        if [[ $owner != detached ]] && ! _dtui_running "$owner"; then
            _dtui_say "DTUI_DAEMON_OWNER=$owner is not a running process"
            return 2
        fi
        _dtui_start_slot "$owner" && cat "$_d_dir/env"
        ;;
    env)
        [[ -n ${DTUI_DAEMON_DIR:-} && -f $DTUI_DAEMON_DIR/env ]] || {
            _dtui_say "no running private daemon (DTUI_DAEMON_DIR is unset or stopped)"
            return 1
        }
        cat "$DTUI_DAEMON_DIR/env"
        ;;
    stop)
        dtui_daemon_stop "$@"
        ;;
    crash)
        dtui_daemon_crash "$@"
        ;;
    revive)
        dtui_daemon_revive "$@"
        ;;
    run)
        (($# > 0)) || { _dtui_say "usage: $0 run CMD [ARG...]"; return 2; }
        trap 'dtui_daemon_stop' EXIT
        trap 'exit 130' INT
        trap 'exit 143' TERM
        dtui_daemon_start || return 1
        "$@"
        ;;
    *)
        echo "usage: $0 start | env | stop [DIR] | crash [DIR] | revive [DIR] | run CMD [ARG...]" >&2
        return 2
        ;;
    esac
}

# No errexit: every step checks its own failure, and cleanup must keep going
# past a step that fails.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    set -uo pipefail
    _dtui_main "$@"
fi
