# shellcheck shell=bash
# Shared sandbox for the tests that run the patched ovs-vswitchd.  Sourced,
# not executed:
#
#   SANDBOX_NAME=appctl          # names the mktemp directory
#   . "$(dirname "$0")/sandbox.sh"
#   sandbox_check_programs BINDIR [PROGRAM...]
#   SCHEMA=.../vswitch.ovsschema
#   sandbox_start BRIDGE
#
# sandbox_start creates a private mktemp directory (OVS_RUNDIR, OVS_LOGDIR,
# OVS_DBDIR and OVS_SYSCONFDIR all point there), starts ovsdb-server and
# ovs-vswitchd detached in it, speaking only over unix sockets there and
# using the dummy netdev/dpif providers (--enable-dummy=override), so the
# host's /var/run/openvswitch, /etc and network devices are never touched,
# and adds BRIDGE with datapath_type=netdev.  Both daemons are killed and the
# directory removed on every exit.
#
# Missing programs are a failure, never a skip.  The last line a test
# prints is summary's "N passed, M failed".
#
# Provides: ok, bad, summary, fatal, sandbox_check_programs, sandbox_start,
# stop_daemon, cleanup, dump_logs, vsctl, appctl, expect_ok, expect_error,
# expect_match, vswitchd_alive, and the variables BIN, dir, DB.

# "COND && ok ... || bad ..." is safe here: ok always succeeds.
# shellcheck disable=SC2015
set -uo pipefail

pass=0
fail=0
ok() {
    pass=$((pass + 1))
    printf 'ok:   %s\n' "$1"
}
bad() {
    fail=$((fail + 1))
    printf 'FAIL: %s\n' "$1"
    shift
    [[ $# -gt 0 ]] && printf '      %s\n' "$@"
}
summary() {
    printf '%d passed, %d failed\n' "$pass" "$fail"
}
fatal() {
    bad "$@"
    summary
    exit 1
}

dir=
BIN=
DB=

# sandbox_check_programs BINDIR [PROGRAM...]: the OVS programs every
# sandbox needs, plus PROGRAMs, are in BINDIR.
sandbox_check_programs() {
    BIN=$1
    shift
    local p
    for p in ovsdb-tool ovsdb-server ovs-vswitchd ovs-vsctl ovs-appctl "$@"; do
        [[ -x $BIN/$p ]] ||
            fatal "patched OVS program $BIN/$p is missing (build with -DNAT64_BUILD_OVS=ON)"
    done
}

stop_daemon() { # pidfile
    local pid
    [[ -f $1 ]] || return 0
    pid=$(cat "$1" 2>/dev/null) || return 0
    [[ -n $pid ]] || return 0
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null
}
cleanup() {
    [[ -n $dir && -d $dir ]] || return 0
    stop_daemon "$dir/ovs-vswitchd.pid"
    stop_daemon "$dir/ovsdb-server.pid"
    rm -rf "$dir"
}
dump_logs() {
    tail -n 20 "$dir"/*.log 2>/dev/null
}

# sandbox_start BRIDGE: see above.  Counts one assertion.
sandbox_start() {
    local br=$1
    [[ -n $BIN ]] || fatal "sandbox_check_programs was not called"
    [[ -r $SCHEMA ]] || fatal "OVS schema $SCHEMA is missing"
    dir=$(mktemp -d "${TMPDIR:-/tmp}/nat64-ovs-${SANDBOX_NAME:-test}.XXXXXX") ||
        fatal "mktemp failed"
    trap cleanup EXIT
    trap 'exit 1' INT TERM

    export OVS_RUNDIR=$dir OVS_LOGDIR=$dir OVS_DBDIR=$dir OVS_SYSCONFDIR=$dir
    DB=unix:$dir/db.sock

    "$BIN/ovsdb-tool" create "$dir/conf.db" "$SCHEMA" ||
        fatal "ovsdb-tool create failed"
    "$BIN/ovsdb-server" "$dir/conf.db" --remote="punix:$dir/db.sock" \
        --unixctl="$dir/ovsdb-server.ctl" --pidfile="$dir/ovsdb-server.pid" \
        --log-file="$dir/ovsdb-server.log" -vconsole:off --detach --no-chdir ||
        fatal "ovsdb-server did not start" "$(dump_logs)"
    vsctl --no-wait init || fatal "ovs-vsctl init failed"
    "$BIN/ovs-vswitchd" "$DB" --enable-dummy=override --disable-system \
        --disable-system-route --unixctl="$dir/ovs-vswitchd.ctl" \
        --pidfile="$dir/ovs-vswitchd.pid" --log-file="$dir/ovs-vswitchd.log" \
        -vconsole:off --detach --no-chdir ||
        fatal "ovs-vswitchd did not start" "$(dump_logs)"
    vsctl --timeout=30 add-br "$br" -- set bridge "$br" datapath_type=netdev ||
        fatal "ovs-vsctl add-br failed" "$(dump_logs)"
    ok "sandboxed ovsdb-server and ovs-vswitchd started, netdev bridge added"
}

# vsctl ARGS...: ovs-vsctl against the sandboxed database.
vsctl() {
    "$BIN/ovs-vsctl" --db="$DB" "$@"
}

# appctl CMD ARGS...: runs ovs-appctl against the sandboxed vswitchd; sets
# OUT (stdout), ERR (stderr) and RC.
appctl() {
    OUT=$("$BIN/ovs-appctl" -t "$dir/ovs-vswitchd.ctl" "$@" 2>"$dir/err")
    RC=$?
    ERR=$(cat "$dir/err")
}
# expect_ok NAME CMD ARGS...
expect_ok() {
    local name=$1
    shift
    appctl "$@"
    if [[ $RC -eq 0 ]]; then
        ok "$name"
    else
        bad "$name" "ovs-appctl $* exited $RC: $ERR"
    fi
}
# expect_error NAME PATTERN CMD ARGS...: the command fails and its error
# message matches the extended regex PATTERN.
expect_error() {
    local name=$1 pattern=$2
    shift 2
    appctl "$@"
    if [[ $RC -eq 0 ]]; then
        bad "$name" "ovs-appctl $* succeeded: $OUT"
    elif ! grep -Eq -- "$pattern" <<<"$ERR"; then
        bad "$name" "error does not match /$pattern/: $ERR"
    else
        ok "$name"
    fi
}
# expect_match NAME PATTERN TEXT
expect_match() {
    if grep -Eq -- "$2" <<<"$3"; then
        ok "$1"
    else
        bad "$1" "no line matches /$2/ in:" "$3"
    fi
}

# vswitchd_alive: ovs-vswitchd is still running.  Counts one assertion.
vswitchd_alive() {
    if kill -0 "$(cat "$dir/ovs-vswitchd.pid")" 2>/dev/null; then
        ok "ovs-vswitchd is still running"
    else
        bad "ovs-vswitchd is still running" "$(dump_logs)"
    fi
}
