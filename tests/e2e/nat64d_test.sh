#!/usr/bin/env bash
# End-to-end test of nat64d, the per-node controller, against the patched
# ovs-vswitchd/ovsdb-server of this build, with real traffic between
# network namespaces and a configuration directory in a temp dir shaped
# like Proxmox's /etc/pve/sdn (.running-config as pve-network writes it,
# plus our nat64.json).
#
#   nat64d_test.sh [BINDIR [SCHEMA]]      (as root)
#
#   namespace $P-node: the "Proxmox node": ovsdb-server, ovs-vswitchd and
#   nat64d; bridges vnet1 and vnet2 (made by nat64d), the host's IPv4
#   uplink up0 203.0.113.1/24.
#   $P-vm1 (eth0 2001:db8:1::10, on vnet1)  $P-vm2 (2001:db8:2::10, vnet2)
#   $P-v4: an IPv4-only router 203.0.113.10 with the IPv4-only server
#   192.0.2.80 (HTTP, TCP echo) behind it; it routes 198.51.100.0/24 (the
#   VNets' pool4 and EAMT addresses) to the node.
#
# It asserts: --dry-run prints the plan and changes nothing; --once builds
# everything (bridges, instances, flows with our cookies, routes,
# neighbour, gateway addresses, forwarding) and exits 0; ping and HTTP from
# each VM to the IPv4 server, which sees vnet1 as 198.51.100.1 and vnet2 as
# 198.51.100.2 (two VNets, two pool4s, isolated: anti-spoofing drops a VM
# sourcing the other VNet's subnet); the node's own IPv4 address is not
# reachable through pool6; flows deleted by hand come back and a flow that
# is not ours survives; an EAMT entry added to nat64.json works from IPv4
# within 1 s while an established TCP session of an unchanged pool4 entry
# carries on; after kill -9 of ovs-vswitchd and its restart, traffic flows
# again within 5 s; a malformed nat64.json and a bad pool4 of one VNet are
# logged with file/VNet/key and the previous good state kept; a deleted
# VNet leaves no bridge, instance, flow or route behind.
#
# Needs root and Debian's iproute2 procps iputils-ping curl socat python3;
# not being root or a missing tool is a failure, never a skip.  The last
# line is "N passed, M failed".
set -uo pipefail

P=n64d-$$
# shellcheck source-path=SCRIPTDIR source=nat64d_env.sh
. "$(dirname "${BASH_SOURCE[0]}")/nat64d_env.sh" "$@"
VM1=$P-vm1 VM2=$P-vm2
HOST6=${POOL6}cb00:7101 # 203.0.113.1, the node's own address

# --- Set-up -----------------------------------------------------------------------
env_preflight curl socat ping ss
env_dir

# The namespaces.  Each VM is a veth pair: eth0 in the VM, vmNp in the node
# (plugged into the VNet's bridge once nat64d has made it).
add_netns "$NODE" "$VM1" "$VM2" "$V4"
setup_vm() { # NS PORT ADDR GW
    make_vm "$1" "$2" || return 1
    ip -n "$NODE" link set "$2" up || return 1
    ip -n "$1" link set eth0 up || return 1
    ip -n "$1" addr add "$3/64" dev eth0 nodad || return 1
    ip -n "$1" -6 route add default via "$4" dev eth0 || return 1
}
setup_vm "$VM1" vm1p 2001:db8:1::10 2001:db8:1::1 || fatal "VM 1"
setup_vm "$VM2" vm2p 2001:db8:2::10 2001:db8:2::1 || fatal "VM 2"
# The IPv4 server (HTTP logging each client's transport address), and a
# TCP echo service for the long-lived session.
setup_ipv4_side
ip netns exec "$V4" socat TCP4-LISTEN:7000,fork,reuseaddr EXEC:cat >/dev/null 2>&1 &
disown

# Open vSwitch, private to this test.
start_ovs

# --- The configuration, as Proxmox and nat64ctl write it ----------------------
running_config() { # [VNETS]: "vnet1 vnet2" by default, all in zone v6z
    local v vnets=()
    for v in ${1:-vnet1 vnet2}; do vnets+=("$v:v6z"); done
    write_running_config "${vnets[*]}" "v6z:\"nat64-prefix\": \"$POOL6/96\""
}
POOL4_1='{"prefix": "198.51.100.1/32", "ports": "1024-65535"}'
# settings [EXTRA-FOR-VNET1] [POOL4-OF-VNET2]: nat64.json, written as
# nat64ctl does (temp file + rename).
settings() {
    cat >"$SDN/nat64.json.tmp" <<EOF
{"version": 1,
 "vnets": {
  "vnet1": {"pool4": [$POOL4_1]${1:+, $1}},
  "vnet2": {"pool4": [{"prefix": "${2:-198.51.100.2/32}", "ports": "1024-65535"}]},
  "vnet3": {"pool4": [{"prefix": "198.51.100.4/32", "ports": "1024-65535"}]}
 }}
EOF
    mv "$SDN/nat64.json.tmp" "$SDN/nat64.json"
}
# vnet3's bridge exists before nat64d runs, as ifupdown2 makes it on
# Proxmox: nat64d adopts it and, when the VNet goes, leaves it standing.
vsctl add-br vnet3 -- set bridge vnet3 datapath_type=netdev || fatal "bridge vnet3"
running_config "vnet1 vnet2 vnet3"
settings

# --- --dry-run and --once -------------------------------------------------------
section "nat64d --dry-run prints the plan and changes nothing"
OUT=$(nat64d --dry-run 2>&1)
expect_match "the plan creates bridge vnet1" 'vnet1: create bridge vnet1 \(datapath_type=netdev' "$OUT"
expect_match "the plan creates bridge vnet2" 'vnet2: create bridge vnet2' "$OUT"
expect_match "the plan adopts bridge vnet3" 'vnet3: record vnet and instance [0-9]+ on bridge vnet3$' "$OUT"
if [[ $(vsctl list-br | tr '\n' ' ') == "vnet3 " ]]; then ok "no bridge made after --dry-run"; else bad "--dry-run made bridges" "$(vsctl list-br)"; fi

section "nat64d --once builds the node and exits 0"
OUT=$(nat64d --once 2>&1)
RC=$?
if [[ $RC -eq 0 ]]; then ok "--once exits 0"; else bad "--once exit status $RC" "$OUT"; fi
BRS=$(vsctl list-br | tr '\n' ' ')
if [[ $BRS == "vnet1 vnet2 vnet3 " ]]; then ok "bridges vnet1, vnet2 and vnet3"; else bad "bridges: '$BRS'"; fi
# An adopted bridge's fail_mode is its creator's: changing it would make
# ovs-vswitchd flush all of the bridge's flows.
if [[ $(vsctl get bridge vnet1 fail_mode) == secure && $(vsctl get bridge vnet3 fail_mode) == "[]" ]]; then
    ok "fail_mode=secure on the created bridge, untouched on the adopted one"
else
    bad "fail_mode: $(vsctl get bridge vnet1 fail_mode) $(vsctl get bridge vnet3 fail_mode)"
fi
OUT=$(vsctl get bridge vnet3 external_ids)
if [[ $OUT == *'nat64d-vnet=vnet3'* && $OUT != *nat64d-created* ]]; then ok "vnet3 adopted, not marked as created"; else bad "vnet3 external_ids: $OUT"; fi
if [[ $(vsctl get bridge vnet1 datapath_type) == netdev ]]; then ok "vnet1 is datapath_type=netdev"; else bad "vnet1 datapath_type"; fi
# The MAC the zone plugin's stanza sets too (02:65 + the default instance
# id of "vnet1"; tests/sdn-plugin/hooks.t pins the same value).
OUT="$(vsctl get bridge vnet1 other_config:hwaddr) $(ip -n "$NODE" -br link show vnet1 | awk '{print $3}')"
if [[ $OUT == '"02:65:6d:88:39:d9" 02:65:6d:88:39:d9' ]]; then ok "vnet1's bridge has the MAC the zone plugin gives it"; else bad "vnet1 MAC: $OUT"; fi
ID1=$(vsctl get bridge vnet1 external_ids:nat64d-instance | tr -d '"')
ID2=$(vsctl get bridge vnet2 external_ids:nat64d-instance | tr -d '"')
if [[ $ID1 =~ ^[0-9]+$ && $ID2 =~ ^[0-9]+$ && $ID1 != "$ID2" ]]; then ok "instances $ID1 and $ID2 recorded on the bridges"; else bad "instance ids '$ID1' '$ID2'"; fi
OUT=$(appctl nat64/instance-show "$ID1" 2>&1)
expect_match "instance of vnet1 has pool6 from the zone" "\"pool6\": ?\"$POOL6/96\"" "$OUT"
expect_match "instance of vnet1 has its pool4" '198.51.100.1/32' "$OUT"
expect_match "the node's own IPv4 address is in denylist4" '203.0.113.1/32' "$OUT"
expect_match "router-ipv6 is the subnet gateway" '"router-ipv6": ?"2001:db8:1::1"' "$OUT"
FLOWS=$(ofctl dump-flows vnet1 2>&1)
COOKIE1=$(printf '0x4e363400%08x' "$ID1")
expect_match "vnet1's flows carry nat64d's cookie" "cookie=$COOKIE1" "$FLOWS"
expect_match "vnet1 translates pool6 6->4" "ipv6_dst=$POOL6/96 actions=nat64\\(instance=$ID1,table=3\\)" "$FLOWS"
expect_match "vnet1 translates its pool4 4->6" "nw_dst=198.51.100.1 actions=nat64\\(instance=$ID1,table=2\\)" "$FLOWS"
OUT=$(ip -n "$NODE" route show proto 64)
expect_match "route 198.51.100.1 via the translator next hop on vnet1" '^198\.51\.100\.1 via 169\.254\.64\.1 dev vnet1' "$OUT"
expect_match "route 198.51.100.2 on vnet2" '^198\.51\.100\.2 via 169\.254\.64\.1 dev vnet2' "$OUT"
OUT=$(ip -n "$NODE" neigh show dev vnet1)
expect_match "permanent neighbour for the next hop" '169\.254\.64\.1 lladdr 02:64:.* PERMANENT' "$OUT"
OUT=$(ip -n "$NODE" -6 addr show dev vnet1)
expect_match "gateway address on vnet1" 'inet6 2001:db8:1::1/64' "$OUT"
OUT=$(in_node sysctl -n net.ipv4.ip_forward net.ipv6.conf.all.forwarding | tr '\n' ' ')
if [[ $OUT == "1 1 " ]]; then ok "forwarding on"; else bad "forwarding: $OUT"; fi
OUT=$(nat64d --once --dry-run 2>/dev/null)
if [[ -z $OUT ]]; then ok "a second --dry-run has nothing to do"; else bad "still something to do after --once" "$OUT"; fi

# --- The daemon, and traffic ---------------------------------------------------
start_nat64d
vsctl add-port vnet1 vm1p || fatal "plugging vm1"
vsctl add-port vnet2 vm2p || fatal "plugging vm2"

section "IPv6-only VMs reach the IPv4-only server, each VNet through its own pool4"
if until_ok 10 ip netns exec "$VM1" ping -c1 -W1 "$SERVER6"; then ok "vm1 pings the IPv4 server"; else bad "vm1 ping"; fi
if until_ok 10 ip netns exec "$VM2" ping -c1 -W1 "$SERVER6"; then ok "vm2 pings the IPv4 server"; else bad "vm2 ping"; fi
OUT=$(ip netns exec "$VM1" curl -sS -m5 "http://[$SERVER6]/" 2>&1)
if [[ $OUT == hello-from-ipv4 ]]; then ok "vm1 HTTP GET"; else bad "vm1 HTTP GET" "$OUT"; fi
OUT=$(ip netns exec "$VM2" curl -sS -m5 "http://[$SERVER6]/" 2>&1)
if [[ $OUT == hello-from-ipv4 ]]; then ok "vm2 HTTP GET"; else bad "vm2 HTTP GET" "$OUT"; fi
expect_match "the server saw vnet1 as 198.51.100.1" '^198\.51\.100\.1#' "$(cat "$DIR/http.log")"
expect_match "the server saw vnet2 as 198.51.100.2" '^198\.51\.100\.2#' "$(cat "$DIR/http.log")"

section "Isolation and security"
ip -n "$VM1" addr add 2001:db8:2::99/64 dev eth0 nodad
drops() { ofctl dump-flows vnet1 table=0 | grep ' priority=1 actions=drop' | sed 's/.*n_packets=\([0-9]*\).*/\1/'; }
before=$(drops)
if ip netns exec "$VM1" ping -c2 -W1 -I 2001:db8:2::99 "$SERVER6" >/dev/null 2>&1; then
    bad "vm1 got through with a source from vnet2's subnet"
else
    ok "vm1 cannot use vnet2's addresses"
fi
after=$(drops)
if ((after >= before + 2)); then ok "the spoofed packets hit the anti-spoofing drop ($before -> $after)"; else bad "anti-spoofing drop count $before -> $after"; fi
ip -n "$VM1" addr del 2001:db8:2::99/64 dev eth0
ip -n "$VM1" addr add 10.99.0.2/24 dev eth0
ip -n "$VM1" route add 192.0.2.0/24 via 10.99.0.1
before=$(drops)
if ip netns exec "$VM1" ping -c2 -W1 "$SERVER4" >/dev/null 2>&1; then
    bad "vm1 reached the IPv4 server over IPv4, past the translator"
else
    ok "a VM's own IPv4 (ARP included) goes nowhere"
fi
after=$(drops)
if ((after >= before + 2)); then ok "its ARP requests hit the drop ($before -> $after)"; else bad "IPv4/ARP drop count $before -> $after"; fi
ip -n "$VM1" addr del 10.99.0.2/24 dev eth0
if ip netns exec "$VM1" ping -c1 -W1 "$HOST6" >/dev/null 2>&1; then
    bad "vm1 reached the node's own IPv4 address through pool6"
else
    ok "the node's own IPv4 address is not reachable through pool6"
fi

section "Drift: flows deleted by hand come back; other flows are left alone"
ofctl add-flow vnet1 "cookie=0x1234,table=9,priority=1,actions=drop"
ofctl del-flows vnet1 "cookie=$COOKIE1/-1"
if until_ok 3 sh -c "OVS_RUNDIR=$DIR $BIN/ovs-ofctl dump-flows vnet1 | grep -q 'actions=nat64(instance=$ID1,table=3)'"; then
    ok "deleted flows restored within ${WAITED} s"
else
    bad "flows not restored" "$(ofctl dump-flows vnet1)"
fi
expect_match "the foreign flow (cookie 0x1234) survived" 'cookie=0x1234, .*table=9' "$(ofctl dump-flows vnet1)"
ofctl del-flows vnet1 "cookie=0x1234/-1"
n=$(grep -c 'replace its flows\|translator instance\|add route' "$DIR/nat64d.log")
sleep 2
if [[ $(grep -c 'replace its flows\|translator instance\|add route' "$DIR/nat64d.log") == "$n" ]]; then
    ok "an idle node needs no changes (4 passes without any)"
else
    bad "nat64d keeps changing an idle node" "$(tail -5 "$DIR/nat64d.log")"
fi

section "ifupdown2 applying the zone plugin's stanza to a bridge nat64d uses"
# What ifupdown2's openvswitch addon runs for the plugin's stanza of vnet3
# (ovs_type OVSBridge, ovs_options datapath_type=netdev, ovs_extra set
# bridge ... fail_mode=secure other_config:hwaddr=...): first when it brings
# the bridge up, then on every reload, when it clears the bridge's settings
# and sets them again in the same transaction.
STANZA_EXTRA="set bridge vnet3 fail_mode=secure other_config:hwaddr=02:65:6f:88:3c:ff"
ifup_vnet3() {
    # shellcheck disable=SC2086 # ovs-vsctl arguments, split on purpose
    vsctl -- --may-exist add-br vnet3 -- set bridge vnet3 datapath_type=netdev "$@" -- $STANZA_EXTRA
}
oldest_flow() {  # the longest-installed nat64d flow of vnet3, in seconds
    ofctl dump-flows vnet3 | grep -o 'cookie=0x4e363400[^,]*, duration=[0-9.]*' | sed 's/.*=//' |
        sort -n | tail -1
}
ID3=$(vsctl get bridge vnet3 external_ids:nat64d-instance | tr -d '"')
ifup_vnet3
# fail_mode changed ([] -> secure): ovs-vswitchd flushes the bridge's
# flows, and nat64d puts them back.
if until_ok 3 sh -c "OVS_RUNDIR=$DIR $BIN/ovs-ofctl dump-flows vnet3 | grep -q 'actions=nat64(instance=$ID3,table=3)'"; then
    ok "after the first ifup of vnet3, nat64d's flows are back within ${WAITED} s"
else
    bad "vnet3 flows not restored after the first ifup" "$(ofctl dump-flows vnet3)"
fi
# The new MAC reaches the device a moment later and nat64d rewrites the
# flows that carry it; let that settle (three passes) before measuring.
until_ok 3 sh -c "ip -n $NODE link show vnet3 | grep -q 02:65:6f:88:3c:ff" ||
    bad "vnet3 did not get the stanza's MAC" "$(ip -n "$NODE" link show vnet3)"
sleep 1.5
before=$(oldest_flow)
ifup_vnet3 -- --if-exists clear bridge vnet3 auto_attach controller external-ids fail_mode \
    flood_vlans ipfix mirrors netflow other_config protocols sflow \
    -- --if-exists clear interface vnet3 mtu_request external-ids other_config options
after=$(oldest_flow)
if [[ -n $before && -n $after ]] && awk -v a="$after" -v b="$before" 'BEGIN { exit !(a >= b) }'; then
    ok "a reload (clear + ovs_extra in one transaction) does not flush the flows (${before}s -> ${after}s)"
else
    bad "vnet3's flows were replaced by the reload: oldest ${before}s -> ${after}s"
fi
OUT="$(vsctl get bridge vnet3 fail_mode) $(vsctl get bridge vnet3 other_config:hwaddr)"
if [[ $OUT == 'secure "02:65:6f:88:3c:ff"' ]]; then ok "fail_mode and MAC as the stanza says"; else bad "vnet3 after reload: $OUT"; fi
if until_ok 3 sh -c "$BIN/ovs-vsctl --db=unix:$DIR/db.sock get bridge vnet3 external_ids | grep -q nat64d-vnet=vnet3"; then
    ok "nat64d marks the bridge again within ${WAITED} s after the reload cleared external_ids"
else
    bad "vnet3 external_ids not restored" "$(vsctl get bridge vnet3 external_ids)"
fi

section "Changing nat64.json: an EAMT entry works within 1 s, sessions survive"
# The VM's second address, which the EAMT entry below maps; the held
# session uses the first one, whose pool4 entry does not change.
ip -n "$VM1" addr add 2001:db8:1::5/64 dev eth0 nodad
cat >"$DIR/hold.py" <<'EOF'
import os, socket, sys, time
s = socket.create_connection((sys.argv[1], 7000), timeout=5, source_address=(sys.argv[3], 0))
for word, gate in (("one", None), ("two", sys.argv[2])):
    while gate and not os.path.exists(gate):
        time.sleep(0.05)
    s.sendall(word.encode() + b"\n")
    print(s.recv(100).decode().strip(), flush=True)
EOF
ip netns exec "$VM1" "$PY" "$DIR/hold.py" "$SERVER6" "$DIR/go" 2001:db8:1::10 >"$DIR/hold.log" 2>&1 &
HOLD=$!
until_ok 5 grep -q one "$DIR/hold.log" || bad "the held TCP session did not start" "$(cat "$DIR/hold.log")"
PORT_BEFORE=$(appctl nat64/session-show "$ID1" tcp 2>&1 | grep -c ':7000\|#7000')
settings '"eamt": [{"ipv6": "2001:db8:1::5/128", "ipv4": "198.51.100.5/32"}]'
if until_ok 1 ip netns exec "$V4" ping -c1 -W0.3 198.51.100.5; then
    ok "IPv4 client reaches the VM at its new EAMT address after ${WAITED} s"
else
    bad "198.51.100.5 not reachable within 1 s" "$(tail -5 "$DIR/nat64d.log")"
fi
touch "$DIR/go"
wait "$HOLD"
if [[ $(cat "$DIR/hold.log") == $'one\ntwo' ]]; then ok "the established TCP session carried on"; else bad "held session" "$(cat "$DIR/hold.log")"; fi
if ((PORT_BEFORE >= 1)); then ok "session-show listed the session"; else bad "session not listed"; fi
expect_match "route for the EAMT address" '^198\.51\.100\.5 via 169\.254\.64\.1 dev vnet1' "$(ip -n "$NODE" route show proto 64)"
# A second pool4 prefix: instance, flow and route within 1 s.
POOL4_1='{"prefix": "198.51.100.1/32", "ports": "1024-65535"}, {"prefix": "198.51.100.3/32", "ports": "1024-65535"}'
settings '"eamt": [{"ipv6": "2001:db8:1::5/128", "ipv4": "198.51.100.5/32"}]'
pool4_applied() {
    appctl nat64/instance-show "$ID1" | grep -q '198.51.100.3/32' &&
        ofctl dump-flows vnet1 | grep -q 'nw_dst=198.51.100.3 actions=nat64' &&
        ip -n "$NODE" route show proto 64 | grep -q '^198\.51\.100\.3 via'
}
if until_ok 1 pool4_applied; then
    ok "a new pool4 prefix is in the instance, the flows and the routes after ${WAITED} s"
else
    bad "pool4 change not applied within 1 s" "$(tail -5 "$DIR/nat64d.log")"
fi

section "kill -9 ovs-vswitchd and restart it: back within 5 s"
kill -9 "$(cat "$DIR/ovs-vswitchd.pid")"
sleep 0.5
start_vswitchd >/dev/null 2>&1 || bad "restarting ovs-vswitchd"
if until_ok 5 ip netns exec "$VM1" ping -c1 -W0.5 "$SERVER6"; then
    ok "vm1 reaches the IPv4 server again ${WAITED} s after the restart"
else
    bad "not restored within 5 s" "$(tail -20 "$DIR/nat64d.log")"
fi
if until_ok 3 ip netns exec "$V4" ping -c1 -W0.5 198.51.100.5; then ok "and the EAMT address from IPv4"; else bad "EAMT after restart"; fi
expect_match "nat64d noticed the restart" 'ovs-vswitchd restarted' "$(cat "$DIR/nat64d.log")"

section "Bad configuration: clear errors, previous good state kept"
echo '{"version": 1, "vnets": {' >"$SDN/nat64.json"
sleep 1.5
expect_match "malformed nat64.json is logged with the file name" 'nat64\.json: .*keeping the previous good configuration' "$(cat "$DIR/nat64d.log")"
if ip netns exec "$VM1" ping -c1 -W1 "$SERVER6" >/dev/null && ip netns exec "$V4" ping -c1 -W1 198.51.100.5 >/dev/null; then
    ok "traffic still flows with the previous configuration"
else
    bad "traffic broken by a malformed file"
fi
cp "$SDN/.running-config" "$DIR/running-config.good"
echo '{"version": 99, "zones": [' >"$SDN/.running-config"
sleep 1.5
expect_match "malformed .running-config is logged with the file name" '\.running-config: .*keeping the previous good configuration' "$(cat "$DIR/nat64d.log")"
if ip netns exec "$VM2" ping -c1 -W1 "$SERVER6" >/dev/null; then ok "traffic still flows"; else bad "traffic broken by a malformed .running-config"; fi
if vsctl br-exists vnet2; then ok "no VNet removed for it"; else bad "vnet2 removed after a malformed .running-config"; fi
cp "$DIR/running-config.good" "$SDN/.running-config"
settings '"eamt": [{"ipv6": "2001:db8:1::5/128", "ipv4": "198.51.100.5/32"}]' "300.1.1.1/32"
sleep 1.5
expect_match "a bad pool4 of vnet2 is logged naming the vnet and key" 'vnet2.*pool4.*300\.1\.1\.1' "$(cat "$DIR/nat64d.log")"
if ip netns exec "$VM2" ping -c1 -W1 "$SERVER6" >/dev/null; then ok "vnet2 keeps its previous good state"; else bad "vnet2 lost its state"; fi
if ip netns exec "$VM1" ping -c1 -W1 "$SERVER6" >/dev/null; then ok "vnet1 is unaffected"; else bad "vnet1 broken by vnet2's error"; fi

section "A new instance id for a VNet: the old instance goes"
E='"eamt": [{"ipv6": "2001:db8:1::5/128", "ipv4": "198.51.100.5/32"}]'
settings "$E, \"instance\": 4242"
if until_ok 3 appctl nat64/instance-show 4242; then ok "instance 4242 set for vnet1 after ${WAITED} s"; else bad "no instance 4242"; fi
if until_ok 2 sh -c "! $BIN/ovs-appctl -t $DIR/ovs-vswitchd.ctl nat64/instance-show $ID1"; then
    ok "the old instance $ID1 is deleted"
else
    bad "old instance $ID1 still there"
fi
expect_match "vnet1's flows carry the new cookie" 'cookie=0x4e36340000001092, .*actions=nat64\(instance=4242,table=3\)' "$(ofctl dump-flows vnet1)"
if until_ok 3 ip netns exec "$VM1" ping -c1 -W1 "$SERVER6"; then ok "vnet1 works with instance 4242"; else bad "vnet1 broken by the id change"; fi

section "nat64ctl manages a VNet's pool4; new sessions follow it"
ctl() {
    in_node "$BIN/nat64ctl" "$@" --config-dir "$SDN" --node pve1 --ovs-rundir "$DIR" \
        --ovs-ctl "$DIR/ovs-vswitchd.ctl"
}
rm -f "$DIR/go"
ip netns exec "$VM2" "$PY" "$DIR/hold.py" "$SERVER6" "$DIR/go" 2001:db8:2::10 >"$DIR/hold2.log" 2>&1 &
HOLD=$!
until_ok 5 grep -q one "$DIR/hold2.log" || bad "vm2's held TCP session did not start" "$(cat "$DIR/hold2.log")"
OUT=$(ctl pool4 add --vnet vnet2 198.51.100.6/32 --ports 1024-65535 2>&1)
RC=$?
if [[ $RC -eq 0 ]]; then ok "nat64ctl pool4 add exits 0"; else bad "pool4 add exit $RC" "$OUT"; fi
expect_match "it waits until the datapath has it" "pool4 198\.51\.100\.6/32 ports 1024-65535 \(tcp,udp,icmp\) added to vnet vnet2 \(in this node's datapath after [0-9]+ ms\)" "$OUT"
OUT=$(ctl pool4 list --vnet vnet2 --json)
if "$PY" -c '
import json, sys
rows = json.loads(sys.argv[1])
want = [{"vnet": "vnet2", "prefix": p, "ports": "1024-65535", "protocols": ["tcp", "udp", "icmp"]}
        for p in ("198.51.100.2/32", "198.51.100.6/32")]
sys.exit(0 if rows == want else 1)' "$OUT"; then
    ok "pool4 list --json shows both entries"
else
    bad "pool4 list --json" "$OUT"
fi
before=$(cat "$SDN/nat64.json")
OUT=$(ctl pool4 add --vnet vnet2 198.51.100.1/32 2>&1)
RC=$?
if [[ $RC -eq 1 && $OUT == *"overlaps"*"198.51.100.1/32"* && $(cat "$SDN/nat64.json") == "$before" ]]; then
    ok "vnet1's pool4 refused for vnet2 (exit 1, names the overlap, nothing written)"
else
    bad "overlapping pool4: exit $RC" "$OUT"
fi
OUT=$(ctl pool4 remove --vnet vnet2 198.51.100.2/32 2>&1)
RC=$?
if [[ $RC -eq 0 ]]; then ok "nat64ctl pool4 remove exits 0"; else bad "pool4 remove exit $RC" "$OUT"; fi
seen=$(wc -l <"$DIR/http.log")
OUT=$(ip netns exec "$VM2" curl -sS -m5 "http://[$SERVER6]/" 2>&1)
if [[ $OUT == hello-from-ipv4 ]]; then ok "vm2 HTTP GET after the removal"; else bad "vm2 HTTP GET after removal" "$OUT"; fi
expect_match "new sessions use the remaining pool4 address" '^198\.51\.100\.6#' "$(tail -n +$((seen + 1)) "$DIR/http.log")"
OUT=$(appctl nat64/session-show "$ID2" 2>&1)
if grep -q '198\.51\.100\.2#' <<<"$OUT"; then bad "sessions on the removed pool4 remain" "$OUT"; else ok "sessions on the removed pool4 are gone"; fi
touch "$DIR/go"
wait "$HOLD"
if grep -q two "$DIR/hold2.log"; then bad "the session on the removed pool4 carried on" "$(cat "$DIR/hold2.log")"; else ok "the TCP session on the removed pool4 is cut"; fi

section "nat64ctl bib add: a port forward from IPv4 to a VM"
mkdir -p "$DIR/www2" && echo hello-from-vm2 >"$DIR/www2/index.html"
ip netns exec "$VM2" "$PY" "$HERE/peer_tools.py" http 2001:db8:2::10 80 "$DIR/www2" >"$DIR/http2.log" 2>&1 &
disown
OUT=$(ctl bib add --vnet vnet2 --protocol tcp '2001:db8:2::10#80' '198.51.100.6#8080' 2>&1)
RC=$?
if [[ $RC -eq 0 ]]; then ok "nat64ctl bib add exits 0"; else bad "bib add exit $RC" "$OUT"; fi
OUT=$(ip netns exec "$V4" curl -sS -m5 "http://198.51.100.6:8080/" 2>&1)
if [[ $OUT == hello-from-vm2 ]]; then ok "IPv4 client reaches vm2:80 at 198.51.100.6:8080"; else bad "port forward" "$OUT"; fi
OUT=$(ctl bib list --vnet vnet2 --csv)
if [[ $OUT == $'VNET,PROTOCOL,IPV6#PORT,IPV4#PORT\r\nvnet2,tcp,2001:db8:2::10#80,198.51.100.6#8080\r' ]]; then
    ok "bib list --csv shows it"
else
    bad "bib list --csv" "$OUT"
fi
OUT=$(ctl bib add --vnet vnet2 --protocol tcp '2001:db8:2::10#81' '198.51.100.9#8080' 2>&1)
RC=$?
if [[ $RC -eq 1 && $OUT == *'static BIB tcp 2001:db8:2::10#81 198.51.100.9#8080: '*'not inside any pool4 entry'* ]]; then
    ok "a static BIB entry outside pool4 is refused, naming it"
else
    bad "bib outside pool4: exit $RC" "$OUT"
fi
OUT=$(ctl bib remove --vnet vnet2 --protocol tcp '2001:db8:2::10#80' '198.51.100.6#8080' 2>&1)
RC=$?
if [[ $RC -eq 0 ]] && ! ip netns exec "$V4" curl -sS -m2 "http://198.51.100.6:8080/" >/dev/null 2>&1; then
    ok "bib remove closes the port forward"
else
    bad "bib remove: exit $RC" "$OUT"
fi

section "nat64ctl status, stats, session list, flows, trace: what OVS shows"
OUT=$(ctl status --dns64-dir "$DIR/dns64")
expect_match "status: vnet1 running with flows, RAs, its DNS64 resolver" '^vnet1 +[0-9]+ +yes +[23][0-9] +[0-9]+ +[0-9.]+% +on +pid [0-9]+$' "$OUT"
expect_match "status: vnet2 running" '^vnet2 +[0-9]+ +yes ' "$OUT"
expect_match "status --numeric: pool4 use as entries/capacity" '^vnet2 +[0-9]+ +yes +[0-9]+ +[0-9]+ +[0-9]+/193536 +on +pid [0-9]+$' "$(ctl status --numeric --dns64-dir "$DIR/dns64")"
OUT=$(ctl status --json --dns64-dir "$DIR/dns64")
if "$PY" -c '
import json, sys
rows = json.loads(sys.argv[1])
keys = {"vnet": str, "instance": int, "running": bool, "flows": int, "sessions": int,
        "bib-entries": int, "pool4-capacity": int, "ra": bool, "dns64": str,
        "dns64-server": type(None), "dns64-pid": int}
ok = rows and all(set(r) == set(keys) and all(isinstance(r[k], t) for k, t in keys.items()) for r in rows)
ok = ok and all(r["ra"] and r["dns64"] == "local" for r in rows)
sys.exit(0 if ok and {r["vnet"] for r in rows} == {"vnet1", "vnet2", "vnet3"} else 1)' "$OUT"; then
    ok "status --json follows its schema"
else
    bad "status --json" "$OUT"
fi
OUT=$(ctl stats --vnet vnet2 --json)
if "$PY" -c '
import json, sys
rows = json.loads(sys.argv[1])
ok = all(set(r) == {"counter", "value"} and isinstance(r["value"], int) for r in rows)
v = {r["counter"]: r["value"] for r in rows}
sys.exit(0 if ok and v.get("translated-6to4", 0) > 0 else 1)' "$OUT"; then
    ok "stats --json: counters with values, translated-6to4 > 0"
else
    bad "stats --json" "$OUT"
fi
expect_match "stats --explain explains" '^translated-6to4 +[0-9]+ +IPv6 packets translated to IPv4' "$(ctl stats --vnet vnet2 --explain)"
ip netns exec "$VM2" "$PY" "$HERE/peer_tools.py" udp-ask 2001:db8:2::10 "$SERVER6" 9 hello >/dev/null 2>&1
sessions() { "$PY" -c 'import json,sys; print(sorted((s["protocol"], s["ipv6"], s["ipv4"], s["remote"]) for s in json.load(sys.stdin)))'; }
A=$(ctl session list --vnet vnet2 --json | sessions)
B=$(appctl nat64/session-show "$ID2" --json | sessions)
if [[ -n $A && $A == "$B" && $A == *udp* ]]; then
    ok "session list --json shows the sessions ovs-appctl shows"
else
    bad "session list differs from nat64/session-show" "nat64ctl: $A" "ovs-appctl: $B"
fi
expect_match "session list shows the table" '^PROTO +IPV6 \(VNET HOST\) +IPV4 \(POOL4\) +REMOTE +STATE +EXPIRES-IN$' "$(ctl session list --vnet vnet2)"
n_ctl=$(ctl flows --vnet vnet1 | grep -c 'cookie=0x4e363400')
n_ofctl=$(ofctl dump-flows vnet1 cookie=0x4e36340000000000/0xffffffff00000000 | grep -c 'cookie=0x4e363400')
if [[ $n_ctl -gt 20 && $n_ctl == "$n_ofctl" ]]; then ok "flows shows the $n_ctl flows ovs-ofctl shows"; else bad "flows: $n_ctl vs $n_ofctl"; fi
OUT=$(ctl trace --vnet vnet1 "in_port=vm1p,icmp6,dl_dst=$(vsctl get bridge vnet1 other_config:hwaddr | tr -d '"'),ipv6_src=2001:db8:1::10,ipv6_dst=$SERVER6,icmpv6_type=128,nw_ttl=64" 2>&1)
expect_match "trace follows the packet into the translator" "nat64\\(instance=4242,table=3\\)" "$OUT"
OUT=$(ctl stats --vnet nope 2>&1)
RC=$?
if [[ $RC -eq 1 && $OUT == *"--vnet nope: no such VNet"* ]]; then ok "an unknown VNet is refused by name (exit 1)"; else bad "stats --vnet nope: exit $RC" "$OUT"; fi

section "nat64d restarted: nothing to redo"
kill "$(cat "$DIR/nat64d.pid")"
until_ok 5 sh -c "! kill -0 $(cat "$DIR/nat64d.pid") 2>/dev/null" || bad "nat64d did not stop on SIGTERM"
expect_match "nat64d says it stops and leaves the datapath" 'nat64d stopping' "$(cat "$DIR/nat64d.log")"
OUT=$(nat64d --dry-run 2>/dev/null)
if [[ -z $OUT ]]; then ok "a fresh nat64d finds nothing to change"; else bad "a fresh nat64d would change" "$OUT"; fi
start_nat64d

section "Deleting VNets leaves nothing behind"
settings "$E, \"instance\": 4242"
ID3=$(vsctl get bridge vnet3 external_ids:nat64d-instance | tr -d '"')
running_config vnet1
if until_ok 3 sh -c "! $BIN/ovs-vsctl --db=unix:$DIR/db.sock br-exists vnet2"; then ok "bridge vnet2 deleted"; else bad "bridge vnet2 still there"; fi
# (Later in the same pass than the bridge: wait for the pass to end.)
instance_gone() { ! appctl nat64/instance-show "$1" >/dev/null 2>&1; }
if until_ok 2 instance_gone "$ID2"; then ok "instance $ID2 deleted"; else bad "instance $ID2 still there"; fi
OUT=$(ip -n "$NODE" route show proto 64)
if grep -q '198\.51\.100\.2 ' <<<"$OUT"; then bad "route of vnet2 left" "$OUT"; else ok "no route of vnet2 left"; fi
if ip -n "$NODE" link show vnet2 >/dev/null 2>&1; then bad "device vnet2 left"; else ok "device vnet2 gone"; fi
# vnet3's bridge was not nat64d's to delete: only what nat64d added goes.
if vsctl br-exists vnet3; then ok "adopted bridge vnet3 stays"; else bad "adopted bridge vnet3 deleted"; fi
if until_ok 2 instance_gone "$ID3"; then ok "instance $ID3 of vnet3 deleted"; else bad "instance $ID3 of vnet3 still there"; fi
OUT=$(ofctl dump-flows vnet3 cookie=0x4e36340000000000/0xffffffff00000000 | grep -c cookie=)
if [[ $OUT == 0 ]]; then ok "no nat64d flows left on vnet3"; else bad "$OUT nat64d flows left on vnet3"; fi
OUT=$(vsctl get bridge vnet3 external_ids)
if [[ $OUT != *nat64d* ]]; then ok "nat64d's external_ids removed from vnet3"; else bad "vnet3 external_ids: $OUT"; fi
if [[ -z $(ip -n "$NODE" route show proto 64 dev vnet3) ]]; then ok "no route via vnet3 left"; else bad "routes via vnet3 left"; fi
if [[ -z $(ip -n "$NODE" neigh show dev vnet3 nud permanent) ]]; then ok "no neighbour on vnet3 left"; else bad "neighbour on vnet3 left"; fi
if ip netns exec "$VM1" ping -c1 -W1 "$SERVER6" >/dev/null; then ok "vnet1 still works"; else bad "vnet1 broken by the deletion"; fi
n=$(grep -c 'is gone' "$DIR/nat64d.log")
sleep 1.5
if [[ $(grep -c 'is gone' "$DIR/nat64d.log") == "$n" ]]; then ok "the removal is done once"; else bad "nat64d keeps removing" "$(tail -5 "$DIR/nat64d.log")"; fi
if kill -0 "$(cat "$DIR/nat64d.pid")" 2>/dev/null; then ok "nat64d still runs"; else bad "nat64d died" "$(tail "$DIR/nat64d.log")"; fi

summary
[[ $fail -eq 0 ]]
