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
# Provides (with tests/lib/assert.sh): ok, bad, summary, fatal, section,
# expect_match, sandbox_finish, sandbox_check_programs,
# sandbox_need_scapy, sandbox_start, sandbox_add_dummy_ports, stop_daemon,
# cleanup, dump_logs, vsctl, appctl, ofctl, coverage, wait_at_least,
# expect_ok, expect_error, expect_match, vswitchd_alive, and the variables
# BIN, dir, DB, PY.

# "COND && ok ... || bad ..." is safe here: ok always succeeds.
# shellcheck disable=SC2015
set -uo pipefail

# shellcheck source-path=SCRIPTDIR source=../lib/assert.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/assert.sh" || {
    echo "0 passed, 1 failed"
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

# sandbox_need_scapy: PY is /usr/bin/python3 (Debian's, the one
# python3-scapy installs for) and it imports scapy; a failure otherwise.
PY=/usr/bin/python3
sandbox_need_scapy() {
    [[ -x $PY ]] || fatal "$PY is missing (the frames are built with its scapy)"
    $PY -c 'import scapy.all' 2>/dev/null ||
        fatal "$PY cannot import scapy (apt-get install python3-scapy)"
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
# ofctl ARGS...: ovs-ofctl (a bridge name finds its .mgmt socket in
# OVS_RUNDIR); sets OUT, ERR and RC like appctl.
ofctl() {
    OUT=$("$BIN/ovs-ofctl" "$@" 2>"$dir/err")
    RC=$?
    ERR=$(cat "$dir/err")
}

# sandbox_add_dummy_ports BRIDGE PCAP1 PCAP2: dummy ports p1 (OpenFlow port
# 1) and p2 (port 2) on BRIDGE, writing what they send to PCAP1 and PCAP2.
# Counts one assertion.
sandbox_add_dummy_ports() {
    vsctl add-port "$1" p1 -- set interface p1 type=dummy ofport_request=1 \
            options:tx_pcap="$2" \
        -- add-port "$1" p2 -- set interface p2 type=dummy ofport_request=2 \
            options:tx_pcap="$3" ||
        fatal "adding the dummy ports failed" "$(dump_logs)"
    ok "dummy ports p1 and p2 added with tx pcap files"
}

# coverage NAME: prints OVS coverage counter NAME's total (0 if never hit).
coverage() {
    appctl coverage/read-counter "$1"
    echo "${OUT:-0}"
}

# wait_at_least N CMD ARGS...: runs CMD, which prints a number, every 0.1 s
# for up to 10 s until that number is at least N; prints the last one.
# report NAME FILE: FILE holds the "ok|bad<TAB>name<TAB>detail" lines of a
# packet checker ($PKT: packets.py, stateful_packets.py; the detail's own
# lines separated by tabs); each counts as one assertion.  An empty FILE is
# a failure (the checker's stderr is expected in $dir/py.err).
report() {
    local verdict name detail seen=
    local -a lines
    while IFS=$'\t' read -r verdict name detail; do
        seen=1
        if [[ $verdict == ok ]]; then
            ok "$name"
        else
            IFS=$'\t' read -r -a lines <<<"$detail"
            bad "$name" "${lines[@]}"
        fi
    done <"$2"
    [[ -n $seen ]] || bad "$1" "$(basename "$PKT") printed nothing: $(cat "$dir/py.err")"
}

# counter NAME TEXT: the value of "NAME: value" in nat64/stats output.
counter() {
    sed -n "s/^$1: \\([0-9]*\\)\$/\\1/p" <<<"$2"
}

# Packets reach the tx pcap files, and coverage counts the totals (threads
# flush them about once a second), a little after the command that caused
# them.
wait_at_least() {
    local want=$1 v
    shift
    for _ in $(seq 100); do
        v=$("$@")
        [[ $v -ge $want ]] && break
        sleep 0.1
    done
    echo "$v"
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

# sandbox_finish: the closing checks every sandbox test makes (ovs-vswitchd
# is still running and logged no ERR or EMER line), then the summary.
# Returns 0 if no assertion failed.
sandbox_finish() {
    local errs
    vswitchd_alive
    errs=$(grep -E '\|(EMER|ERR)\|' "$dir/ovs-vswitchd.log")
    [[ -z $errs ]] && ok "ovs-vswitchd logged no errors" ||
        bad "ovs-vswitchd logged no errors" "$errs"
    summary
    [[ $fail -eq 0 ]]
}

# vswitchd_alive: ovs-vswitchd is still running.  Counts one assertion.
vswitchd_alive() {
    if kill -0 "$(cat "$dir/ovs-vswitchd.pid")" 2>/dev/null; then
        ok "ovs-vswitchd is still running"
    else
        bad "ovs-vswitchd is still running" "$(dump_logs)"
    fi
}
