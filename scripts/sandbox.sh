#!/usr/bin/env bash
# The translator in action, in one command (as root): builds the patched
# Open vSwitch into build/ if needed, starts its ovsdb-server and
# ovs-vswitchd from build/bin in a private directory,
# joins an IPv6-only and an IPv4-only network namespace through a bridge
# whose flows call nat64(instance=1,table=1), shows ping and curl working
# across it, prints the OpenFlow flows, the datapath flows and the
# translator's counters, and removes everything again (also on Ctrl-C or
# failure).  The host's Open vSwitch (/var/run/openvswitch,
# /etc/openvswitch), interfaces and routes are never touched: everything
# lives in network namespaces of its own.
#
#   sudo scripts/sandbox.sh [--wait] [--quiet]
#
#   --wait   keep the sandbox until Enter (or Ctrl-C), to try commands
#   --quiet  do not print the set-up commands as they run
#
# NAT64_BUILD_DIR names another build tree than build/ (as ctest does).
# The exit status is 0 when ping and curl worked both ways.
#
# The topology is tests/e2e/topology.sh, the one the end-to-end tests use;
# docs/two-namespace-example.md walks through the same steps by hand.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WAIT=0
SHOW=1
# shellcheck source-path=SCRIPTDIR source=lib/ui.sh
. "$ROOT/scripts/lib/ui.sh"
for arg in "$@"; do
    case $arg in
    --wait) WAIT=1 ;;
    --quiet) SHOW=0 ;;
    -h | --help) usage_help ;;
    *) bad_option "$arg" ;;
    esac
done

# shellcheck source-path=SCRIPTDIR source=lib/build.sh
. "$ROOT/scripts/lib/build.sh"

if [[ $(id -u) -ne 0 ]]; then
    die "must run as root (it creates network namespaces and veth pairs): sudo $0"
fi
# Relative paths in what we print, so that the commands can be pasted.
cd "$ROOT" || die "cannot cd to $ROOT"
# Only the patched Open vSwitch and the core it links.
build_tree openvswitch
if [[ ! -x $BUILD/bin/ovs-vswitchd ]]; then
    die "$BUILD/bin/ovs-vswitchd is missing: run cmake -B build && cmake --build build first"
fi
for t in ping curl; do
    command -v "$t" >/dev/null 2>&1 ||
        die "'$t' is missing (Debian: apt-get install iputils-ping curl)"
done
PY=/usr/bin/python3
[[ -x $PY ]] || PY=$(command -v python3) || die "python3 is missing (Debian: apt-get install python3)"

TOPO_BIN=$BUILD/bin
TOPO_SCHEMA=$BUILD/share/openvswitch/vswitch.ovsschema
TOPO_PREFIX=n64-sandbox-$$
TOPO_SHOW=$SHOW
# shellcheck source-path=SCRIPTDIR source=../tests/e2e/topology.sh
. "$ROOT/tests/e2e/topology.sh"
topo_preflight || exit 1

# step NS|- CMD...: prints the command as one would type it, then runs it
# (in namespace NS unless "-").  A failure is counted, not fatal.
step() {
    if [[ $1 == - ]]; then
        show_run "" "${*:2}" "${@:2}"
    else
        show_run "" "ip netns exec $*" ip netns exec "$@"
    fi
}
# wait_listen NS PORT: a TCP server listens on PORT in NS (5 s at most).
wait_listen() {
    for _ in $(seq 50); do
        [[ -n $(ip netns exec "$1" ss -Hlnt "sport = :$2") ]] && return 0
        sleep 0.1
    done
    return 1
}
APPCTL=("$TOPO_BIN/ovs-appctl")
OFCTL=("$TOPO_BIN/ovs-ofctl")

# --- 1. Set-up ------------------------------------------------------------
heading "1. Two namespaces and a patched Open vSwitch (userspace datapath)"
say "IPv6-only namespace $TOPO_NS6: host $TOPO_H6, gateway $TOPO_GW6." \
    "IPv4-only namespace $TOPO_NS4: host $TOPO_H4, gateway $TOPO_GW4." \
    "Both are joined by veth pairs to bridge $TOPO_BR (datapath_type=netdev) of a patched ovs-vswitchd running in namespace $TOPO_NSSW, with its database, sockets and logs in a private directory." \
    "Translator instance $TOPO_INSTANCE: pool6 $TOPO_POOL6 (so $TOPO_H4 is $TOPO_H4_AS6 to the IPv6 side) and one EAMT entry $TOPO_H6 <-> $TOPO_H6_AS4 (so the IPv6 host is $TOPO_H6_AS4 to the IPv4 side)." ""
topo_up || die "setting up the sandbox failed (see above); everything made so far was removed"
sandbox_exit() {
    local rc=$?
    trap '' INT TERM HUP
    heading "Cleaning up (a few seconds)"
    topo_down
    say "Stopped ovs-vswitchd and ovsdb-server, deleted the namespaces $TOPO_PREFIX-* and $TOPO_DIR."
    exit "$rc"
}
trap sandbox_exit EXIT
APPCTL+=(-t "$TOPO_DIR/ovs-vswitchd.ctl")
OFCTL=(env "OVS_RUNDIR=$TOPO_DIR" "$TOPO_BIN/ovs-ofctl")
say "" "Private directory: $TOPO_DIR"

heading "2. The translator instance"
step - "${APPCTL[@]}" nat64/instance-show "$TOPO_INSTANCE"

# --- 2. Traffic -----------------------------------------------------------
heading "3. ping from the IPv6-only namespace to the IPv4-only host"
say "The IPv6 host pings $TOPO_H4_AS6, the pool6 form of $TOPO_H4. The translator turns each ICMPv6 echo into ICMPv4 (source $TOPO_H6_AS4 from the EAMT) and each reply back; ttl=63: the translator is one router hop." ""
step "$TOPO_NS6" ping -6 -c 3 -i 0.3 -W 2 "$TOPO_H4_AS6"

heading "4. curl (HTTP over TCP) from the IPv6-only namespace to an IPv4-only web server"
mkdir -p "$TOPO_DIR/www4" "$TOPO_DIR/www6"
printf 'Hello from %s, an IPv4-only web server.\n' "$TOPO_H4" >"$TOPO_DIR/www4/index.html"
ip netns exec "$TOPO_NS4" "$PY" -m http.server 80 --bind "$TOPO_H4" --directory "$TOPO_DIR/www4" \
    >"$TOPO_DIR/http4.log" 2>&1 &
wait_listen "$TOPO_NS4" 80
say "python3 -m http.server listens on $TOPO_H4:80 in $TOPO_NS4." ""
step "$TOPO_NS6" curl -sS -g --max-time 10 "http://[$TOPO_H4_AS6]/"
say "" "The server's log: it saw the client as $TOPO_H6_AS4 (the EAMT address):"
sed 's/^/    /' "$TOPO_DIR/http4.log"

heading "5. And the other way: the IPv4-only namespace reaches the IPv6-only host"
printf 'Hello from %s, a web server on an IPv6-only network.\n' "$TOPO_H6" >"$TOPO_DIR/www6/index.html"
ip netns exec "$TOPO_NS6" "$PY" -m http.server 80 --bind "$TOPO_H6" --directory "$TOPO_DIR/www6" \
    >"$TOPO_DIR/http6.log" 2>&1 &
wait_listen "$TOPO_NS6" 80
say "Through the EAMT entry, $TOPO_H6_AS4 is the IPv6 host; the IPv4 client appears there as $TOPO_H4_AS6 (pool6). A second http.server listens on [$TOPO_H6]:80 in $TOPO_NS6." ""
step "$TOPO_NS4" ping -c 2 -i 0.3 -W 2 "$TOPO_H6_AS4"
echo
step "$TOPO_NS4" curl -sS --max-time 10 "http://$TOPO_H6_AS4/"
say "" "The IPv6 server's log: it saw the client as $TOPO_H4_AS6:"
sed 's/^/    /' "$TOPO_DIR/http6.log"

# --- 3. What the switch did ---------------------------------------------------
heading "6. The OpenFlow flows: ovs-ofctl dump-flows $TOPO_BR"
say "Table 0 sends IPv6 to pool6 and IPv4 to the EAMT range into nat64(instance=1,table=1); table 1 routes the result by destination and rewrites the MACs (the translator keeps the Ethernet header). in_port sends the translator's own ICMP errors back where they came from." ""
step - "${OFCTL[@]}" dump-flows --names "$TOPO_BR"

heading "7. The datapath flows: ovs-appctl dpctl/dump-flows"
say "recirc_id(0) flows translate (nat64(instance=1)) and recirculate; the recirc_id(0x...) flows are the translated packets, matched again as what they now are." ""
step - "${APPCTL[@]}" dpctl/dump-flows

heading "8. The translator's counters: ovs-appctl nat64/stats $TOPO_INSTANCE"
step - "${APPCTL[@]}" nat64/stats "$TOPO_INSTANCE"

# --- 4. Result ------------------------------------------------------------
heading "Result"
if [[ $failures -eq 0 ]]; then
    say "${GREEN}ping and curl worked through the translator, in both directions.${OFF}"
else
    say "${RED}$failures command(s) failed (see above); the logs are in $TOPO_DIR until the clean-up.${OFF}"
    tail -n 15 "$TOPO_DIR/ovs-vswitchd.log"
fi

if [[ $WAIT == 1 ]]; then
    heading "The sandbox is yours until you press Enter (or Ctrl-C)"
    cat <<EOF
Try, from $ROOT:
  ip netns exec $TOPO_NS6 ping -6 $TOPO_H4_AS6
  ip netns exec $TOPO_NS6 curl -g http://[$TOPO_H4_AS6]/
  ip netns exec $TOPO_NS6 tracepath -6 -n $TOPO_H4_AS6
  ip netns exec $TOPO_NS4 ping $TOPO_H6_AS4
  ${APPCTL[*]} nat64/stats $TOPO_INSTANCE --explain
  ${APPCTL[*]} ofproto/trace $TOPO_BR in_port=port6,icmp6,ipv6_src=$TOPO_H6,ipv6_dst=$TOPO_H4_AS6,nw_ttl=64,icmpv6_type=128
  ${OFCTL[*]} dump-flows $TOPO_BR
Logs: $TOPO_DIR/ovs-vswitchd.log
EOF
    read -r _ || true
fi
[[ $failures -eq 0 ]]
