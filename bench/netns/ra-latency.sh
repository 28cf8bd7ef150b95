#!/usr/bin/env bash
# RS -> RA latency of nat64d's router (issue #8), and what a guest flooding
# Router Solicitations does to it and to its neighbours.
#
#   sudo bench/netns/ra-latency.sh [BUILD_DIR]     # default BUILD_DIR: <repo>/build
#
# The sandbox of the nat64d end-to-end tests (tests/e2e/nat64d_env.sh: the
# patched ovs-vswitchd and ovsdb-server in a private run directory inside a
# "node" namespace, nat64d with a Proxmox-shaped config directory), one
# VNet, two VMs (veth pairs) that only accept RAs.  Prints:
#   1. idle: COUNT RSs from vm1, one at a time, each timed from its send
#      to the arrival of its unicast RA (AF_PACKET timestamps in the VM);
#   2. under flood: vm2 sends valid RSs back to back for FLOOD seconds
#      while vm1 measures again;
#   3. what nat64d counted (its log when the VNet stops: RSs received,
#      rate-limited, answers) and the CPU time nat64d and ovs-vswitchd
#      used during the flood.
# Environment: COUNT (default 200), FLOOD (default 10 s).  Nothing leaves
# the namespaces; everything is removed at the end.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${1:-$ROOT/build}
COUNT=${COUNT:-200}
FLOOD=${FLOOD:-10}
P=n64bra-$$
# shellcheck source-path=SCRIPTDIR source=../../tests/e2e/nat64d_env.sh
. "$ROOT/tests/e2e/nat64d_env.sh" "$BUILD/bin"
VM1=$P-vm1 VM2=$P-vm2

ra() { ip netns exec "$1" "$PY" "$HERE/ra_tools.py" "${@:2}" 2>>"$DIR/ra_tools.err"; }
# cpu_ms PID: user + system time of PID so far, in ms.
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$1/stat"; }

env_preflight ip
"$PY" -c 'import scapy.layers.inet6' 2>/dev/null || fatal "python3-scapy is missing (sudo scripts/install-deps.sh)"
env_dir
add_netns "$NODE" "$VM1" "$VM2"
for vm in "$VM1:vm1p" "$VM2:vm2p"; do
    make_vm "${vm%%:*}" "${vm#*:}" || fatal "VM ${vm%%:*}"
    ip netns exec "${vm%%:*}" sysctl -qw net.ipv6.conf.eth0.accept_ra=2
    ip -n "${vm%%:*}" link set eth0 up
done
start_ovs
write_running_config "vnet1:z1" "z1:\"nat64-prefix\": \"$POOL6/96\""
start_nat64d
until_ok 10 vsctl br-exists vnet1 || fatal "nat64d made no bridge" "$(tail -20 "$DIR/nat64d.log")"
for p in vm1p vm2p; do
    vsctl add-port vnet1 "$p" || fatal "plugging $p"
    ip -n "$NODE" link set "$p" up
done
has_route() { [[ -n $(ip -n "$1" -6 route show default) ]]; }
for vm in "$VM1" "$VM2"; do
    until_ok 10 has_route "$vm" || fatal "$vm got no RA" "$(tail -20 "$DIR/nat64d.log")"
done
NAT64D_PID=$(cat "$DIR/nat64d.pid")

echo "== idle: $COUNT RSs from vm1, one at a time"
ra "$VM1" latency eth0 "$COUNT" | sed 's/^/   /'

echo "== under flood: vm2 sends RSs back to back for $FLOOD s, vm1 measures"
VSWITCHD_PID=$(cat "$DIR/ovs-vswitchd.pid")
CPU0=$(cpu_ms "$NAT64D_PID") VCPU0=$(cpu_ms "$VSWITCHD_PID")
ra "$VM2" flood eth0 "$FLOOD" >"$DIR/flood.out" &
FLOODER=$!
sleep 1
ra "$VM1" latency eth0 $((FLOOD * 10 < COUNT ? FLOOD * 10 : COUNT)) | sed 's/^/   vm1: /'
wait "$FLOODER"
CPU1=$(cpu_ms "$NAT64D_PID") VCPU1=$(cpu_ms "$VSWITCHD_PID")
sed 's/^/   vm2: /' "$DIR/flood.out"
echo "   CPU time during the flood (${FLOOD}+ s): nat64d $((CPU1 - CPU0)) ms, ovs-vswitchd $((VCPU1 - VCPU0)) ms"
echo "   RS flows (packets that reached the controller action):"
ofctl dump-flows vnet1 icmp6,icmp_type=133 | grep -o 'n_packets=[0-9]*, .*ipv6_src=[^,]*' | sed 's/^/     /'

# The VNet goes: nat64d logs its router's counters.
write_running_config "" "z1:\"nat64-prefix\": \"$POOL6/96\""
stopped() { grep -q "router advertisements stopped" "$DIR/nat64d.log"; }
until_ok 10 stopped || fatal "nat64d did not stop the VNet" "$(tail -20 "$DIR/nat64d.log")"
echo "== nat64d's counters for vnet1"
grep -o "router advertisements stopped.*" "$DIR/nat64d.log" | sed 's/^/   /'
