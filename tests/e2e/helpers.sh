# shellcheck shell=bash
# OUT and RC are set for the tests that source this file.
# shellcheck disable=SC2034
# Helpers shared by the end-to-end tests (e2e_test.sh, tap_test.sh), on top
# of topology.sh.  Sourced after it; they use the names of the topology in
# use (TOPO_PREFIX, TOPO_DIR, TOPO_INSTANCE), so a test that brings up
# several topologies in turn can keep using them.

# run NS TIMEOUT CMD...: CMD in namespace NS (v6, v4, far), bounded; sets
# OUT (stdout and stderr) and RC.
run() {
    local ns=$1 t=$2
    shift 2
    OUT=$(ip netns exec "$TOPO_PREFIX-$ns" timeout "$t" "$@" 2>&1)
    RC=$?
}
# start_bg NAME NS CMD...: CMD in the background in namespace NS, output to
# $TOPO_DIR/NAME.log.  Ended by topo_down (it kills what runs in our
# namespaces).
start_bg() {
    local name=$1 ns=$2
    shift 2
    ip netns exec "$TOPO_PREFIX-$ns" "$@" >"$TOPO_DIR/$name.log" 2>&1 &
}
# wait_listen NS t|u PORT: a socket listens on PORT in NS (5 s at most).
wait_listen() {
    for _ in $(seq 50); do
        [[ -n $(ip netns exec "$TOPO_PREFIX-$1" ss -Hln"$2" "sport = :$3") ]] && return 0
        sleep 0.1
    done
    return 1
}
# counter NAME: instance 1's counter NAME.
counter() {
    topo_appctl nat64/stats "$TOPO_INSTANCE" | sed -n "s/^$1: //p"
}

# --- Stateful NAT64 (stateful_test.sh, flood_test.sh: TOPO_STATEFUL=1) -----
# json_get KEY: the value of KEY in the JSON object on stdin; nothing if
# the input is not such an object.  PY is the test's python3.
json_get() {
    "${PY:-python3}" -c '
import json, sys
try:
    print(json.load(sys.stdin)[sys.argv[1]])
except Exception:
    pass' "$1"
}
# state_count FIELD: FIELD of "nat64/session-show ID --count" (capacity,
# sessions, sessions-tcp, ipv6-sources, sessions-expired, ...).
state_count() {
    topo_appctl nat64/session-show "$TOPO_INSTANCE" --count 2>/dev/null | json_get "$1"
}
# vswitchd_rss_kb: the resident set size of ovs-vswitchd (VmRSS, kB).
vswitchd_rss_kb() {
    awk '$1 == "VmRSS:" { print $2 }' "/proc/$(cat "$TOPO_DIR/ovs-vswitchd.pid")/status"
}
