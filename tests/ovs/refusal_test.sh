#!/usr/bin/env bash
# How the nat64 action is refused where the datapath cannot run it, against a
# sandboxed, patched ovs-vswitchd (tests/ovs/sandbox.sh: private mktemp
# directory, unix sockets only, dummy netdev/dpif providers, daemons killed
# on every exit).
#
#   refusal_test.sh BINDIR SCHEMA
#
# BINDIR holds the patched OVS programs (build/bin), SCHEMA is
# build/share/openvswitch/vswitch.ovsschema.
#
# No kernel datapath is needed: "ovs-appctl dpif/set-dp-features BRIDGE
# nat64 false" makes the dummy userspace datapath report what a kernel
# datapath reports ("NAT64 action: No").  Then
#   - flows, groups and packet-outs that use nat64 (also nested in clone())
#     are refused with NXBAC_NAT64_DATAPATH_SUPPORT, which ovs-ofctl prints
#     with its explanation;
#   - flows and groups installed before the support went away are caught by
#     xlate: the packet is dropped with the reason "Action not supported by
#     the datapath" (ofproto/trace, the drop counter, the log), never passed
#     on untranslated.
# Likewise with "clone false": nat64 that is not the last action drops the
# packet instead of translating the original in place.
#
# The last line is "N passed, M failed".

# "COND && ok ... || bad ..." is safe here: ok always succeeds.
# shellcheck disable=SC2015
SANDBOX_NAME=refusal
# shellcheck source-path=SCRIPTDIR source=sandbox.sh
. "$(dirname "$0")/sandbox.sh" || { echo "0 passed, 1 failed"; exit 1; }

[[ $# -eq 2 ]] || fatal "usage: $0 BINDIR SCHEMA"
SCHEMA=$2
sandbox_check_programs "$1" ovs-ofctl

sandbox_start br0

# The error ovs-ofctl must print, name and explanation, on one line.
REFUSAL='NXBAC_NAT64_DATAPATH_SUPPORT: The nat64 action requires the userspace datapath \(datapath_type=netdev\)'
# refused NAME ARGS...: ovs-ofctl ARGS fails with the nat64 refusal.
refused() {
    local name=$1
    shift
    ofctl "$@"
    if [[ $RC -eq 0 ]]; then
        bad "$name" "ovs-ofctl $* succeeded"
    elif ! grep -Eq -- "$REFUSAL" <<<"$ERR"; then
        bad "$name" "error does not match /$REFUSAL/:" "$ERR"
    else
        ok "$name"
    fi
}
# accepted NAME ARGS...: ovs-ofctl ARGS succeeds.
accepted() {
    local name=$1
    shift
    ofctl "$@"
    [[ $RC -eq 0 ]] && ok "$name" || bad "$name" "ovs-ofctl $* exited $RC:" "$ERR"
}
# tx PORT: the number of packets sent on PORT so far.
tx() {
    "$BIN/ovs-ofctl" dump-ports br0 "$1" |
        sed -n 's/^ *tx pkts=\([0-9]*\),.*/\1/p'
}
# wait_tx PORT N: waits up to 5 s for PORT to have sent N packets; prints
# the count it saw last.
wait_tx() {
    local n
    for _ in $(seq 50); do
        n=$(tx "$1")
        [[ $n -ge $2 ]] && break
        sleep 0.1
    done
    echo "$n"
}
# drops: the drop_action_unsupported_action coverage counter.
drops() {
    appctl coverage/read-counter drop_action_unsupported_action
    echo "$OUT"
}
# wait_drops N: waits up to 5 s (coverage counters are summed once a
# second) for the counter to reach N; prints what it saw last.
wait_drops() {
    local n
    for _ in $(seq 50); do
        n=$(drops)
        [[ $n -ge $1 ]] && break
        sleep 0.1
    done
    echo "$n"
}
# count_lines TEXT: non-empty lines in TEXT.
count_lines() {
    grep -c . <<<"$1"
}

# --- Packets ------------------------------------------------------------
# 2001:db8:6::5 is 198.51.100.5 by the EAMT; the destinations
# 2001:db8:64::cb00:7121 to ...:7124 are 203.0.113.33 to .36 in pool6.  Each
# destination selects one way of using nat64 (see the flows below).
FLOW6='udp6,dl_src=50:54:00:00:00:06,dl_dst=50:54:00:00:00:01,ipv6_src=2001:db8:6::5,nw_ttl=64,udp_src=40000,udp_dst=53'
DST_TOP=2001:db8:64::cb00:7121      # nat64 as the last action
DST_CLONE=2001:db8:64::cb00:7122    # inside clone()
DST_GROUP=2001:db8:64::cb00:7123    # in a group bucket
DST_NOTLAST=2001:db8:64::cb00:7124  # nat64 followed by output
# frame DST: the hex of an IPv6 UDP frame from the VM to DST.
frame() {
    "$BIN/ovs-ofctl" compose-packet "$FLOW6,ipv6_dst=$1" |
        sed 's/^[0-9a-f]*  //' | tr -d ' \n-'
}
# receive DST: the frame arrives on p1.
receive() {
    local hex
    hex=$(frame "$1")
    [[ -n $hex ]] || fatal "ovs-ofctl compose-packet failed"
    appctl netdev-dummy/receive p1 "$hex"
    [[ $RC -eq 0 ]] || bad "netdev-dummy/receive p1 to $1" "$ERR"
}
# trace DST: ofproto/trace of that frame's flow; sets OUT.
trace() {
    appctl ofproto/trace br0 "in_port=p1,$FLOW6,ipv6_dst=$1"
}

vsctl add-port br0 p1 -- set interface p1 type=dummy ofport_request=1 \
    -- add-port br0 p2 -- set interface p2 type=dummy ofport_request=2 ||
    fatal "adding the dummy ports failed" "$(dump_logs)"
DOC='{"instance": 7, "pool6": "2001:db8:64::/96", "router-ipv4": "198.51.100.1", "router-ipv6": "2001:db8:1c0:2:1::"}'
expect_ok "instance-set 7 with pool6 2001:db8:64::/96" nat64/instance-set "$DOC"
expect_ok "eamt-add 2001:db8:6::5/128 198.51.100.5/32" \
    nat64/eamt-add 7 2001:db8:6::5/128 198.51.100.5/32

# --- 1. While the datapath supports nat64 -------------------------------
appctl dpif/set-dp-features br0 nat64
expect_match "dpif/set-dp-features lists the nat64 capability, true" \
    '^nat64 \(NAT64 action\) : \[run time\]:true, \[boot time\]:true$' "$OUT"

ofctl del-flows br0   # the bridge's default NORMAL flow
accepted "add-group: a group with a nat64 bucket is accepted" \
    add-group br0 'group_id=1,type=all,bucket=actions=nat64(instance=7,table=10)'
cat >"$dir/flows" <<FLOWS
table=0,in_port=p1,ipv6,ipv6_dst=$DST_TOP,actions=nat64(instance=7,table=10)
table=0,in_port=p1,ipv6,ipv6_dst=$DST_CLONE,actions=clone(nat64(instance=7,table=10))
table=0,in_port=p1,ipv6,ipv6_dst=$DST_GROUP,actions=group:1
table=0,in_port=p1,ipv6,ipv6_dst=$DST_NOTLAST,actions=nat64(instance=7,table=10),output:p2
table=10,ip,actions=output:p2
table=10,ipv6,actions=output:p1
FLOWS
accepted "add-flows: nat64 flows (last action, in clone, nat64 then output) are accepted" \
    add-flows br0 "$dir/flows"
ofctl dump-flows br0
flows0=$(grep -o 'actions=.*' <<<"$OUT" | sort)
ofctl dump-groups br0
groups0=$(grep 'group_id=' <<<"$OUT")

# Every way of using nat64 translates (one IPv4 packet on p2 each; nat64
# followed by output:p2 also sends the original IPv6 packet).
p2=$(tx p2)
want=$p2
for dst in $DST_TOP $DST_CLONE $DST_GROUP $DST_NOTLAST; do
    receive "$dst"
    want=$((want + 1))
    [[ $dst == "$DST_NOTLAST" ]] && want=$((want + 1))
    got=$(wait_tx p2 "$want")
    [[ $got -eq $want ]] && ok "supported: the packet to $dst is translated and sent on p2" ||
        bad "supported: the packet to $dst is translated and sent on p2" \
            "p2 sent $got packets, expected $want"
done
appctl nat64/stats 7
stats1=$OUT
expect_match "supported: nat64/stats 7 counted 4 translations" \
    '^translated-6to4: 4$' "$stats1"

# --- 2. Support turned off: refused, with the explanation ---------------
expect_ok "dpif/set-dp-features br0 nat64 false" \
    dpif/set-dp-features br0 nat64 false
appctl dpif/set-dp-features br0 nat64
expect_match "dpif/set-dp-features: nat64 is false at run time" \
    '^nat64 \(NAT64 action\) : \[run time\]:false, \[boot time\]:true$' "$OUT"

refused "add-flow: nat64 is refused with the explanation" \
    add-flow br0 'table=0,priority=5,ipv6,actions=nat64(instance=7,table=10)'
refused "add-flow: nat64 inside clone() is refused with the explanation" \
    add-flow br0 'table=0,priority=5,ipv6,actions=clone(nat64(instance=7,table=10))'
refused "add-flow: nat64 two clone()s deep is refused with the explanation" \
    add-flow br0 'table=0,priority=5,ipv6,actions=clone(output:p2,clone(nat64(instance=7,table=10)))'
refused "add-flow: nat64 in write_actions is refused with the explanation" \
    -O OpenFlow13 add-flow br0 'table=0,priority=5,ipv6,actions=write_actions(nat64(instance=7,table=10))'
refused "add-flow -O OpenFlow10: refused with the explanation (NX1.0 error encoding)" \
    -O OpenFlow10 add-flow br0 'table=0,priority=5,ipv6,actions=nat64(instance=7,table=10)'
refused "add-flow -O OpenFlow15: refused with the explanation (NX1.2+ error encoding)" \
    -O OpenFlow15 add-flow br0 'table=0,priority=5,ipv6,actions=nat64(instance=7,table=10)'
# In a bundle, ovs-ofctl prints only the error's name.
ofctl --bundle add-flow br0 'table=0,priority=5,ipv6,actions=nat64(instance=7,table=10)'
[[ $RC -ne 0 ]] && grep -q '^Error NXBAC_NAT64_DATAPATH_SUPPORT for: OFPT_FLOW_MOD' <<<"$ERR" &&
    ok "add-flow --bundle: refused with NXBAC_NAT64_DATAPATH_SUPPORT" ||
    bad "add-flow --bundle: refused with NXBAC_NAT64_DATAPATH_SUPPORT" "rc $RC:" "$ERR"
refused "mod-flows: replacing actions by nat64 is refused with the explanation" \
    mod-flows br0 'table=10,ip,actions=nat64(instance=7,table=20)'
refused "add-group: a nat64 bucket is refused with the explanation" \
    add-group br0 'group_id=2,type=all,bucket=actions=output:p2,bucket=actions=nat64(instance=7,table=10)'
refused "add-group: a nat64 bucket inside clone() is refused with the explanation" \
    add-group br0 'group_id=2,type=all,bucket=actions=clone(nat64(instance=7,table=10))'
refused "mod-group: a new nat64 bucket is refused with the explanation" \
    mod-group br0 'group_id=1,type=all,bucket=actions=nat64(instance=7,table=20)'
hex=$(frame $DST_TOP)
refused "packet-out: nat64 is refused with the explanation" \
    packet-out br0 "in_port=p1 packet=$hex actions=nat64(instance=7,table=10)"
refused "packet-out: nat64 inside clone() is refused with the explanation" \
    packet-out br0 "in_port=p1 packet=$hex actions=clone(nat64(instance=7,table=10))"

ofctl dump-flows br0
[[ $(grep -o 'actions=.*' <<<"$OUT" | sort) == "$flows0" ]] &&
    ok "refused: the flow table is unchanged" ||
    bad "refused: the flow table is unchanged" "before:" "$flows0" "after:" "$OUT"
ofctl dump-groups br0
[[ $(grep 'group_id=' <<<"$OUT") == "$groups0" ]] &&
    ok "refused: the group table is unchanged" ||
    bad "refused: the group table is unchanged" "before:" "$groups0" "after:" "$OUT"
expect_match "refused: ovs-vswitchd logs why" \
    'br0: rejecting nat64 action because datapath type netdev does not support it \(only datapath_type=netdev does\)' \
    "$(cat "$dir/ovs-vswitchd.log")"
accepted "add-flow: flows without nat64 are still accepted" \
    add-flow br0 'table=20,ipv6,actions=output:p1'

# --- 3. Flows and groups from before: xlate drops, with a reason --------
# ofproto/trace names the reason; the datapath flow drops.
for dst in $DST_TOP $DST_CLONE $DST_GROUP; do
    case $dst in
        "$DST_TOP") what="nat64 as the last action" ;;
        "$DST_CLONE") what="nat64 inside clone()" ;;
        "$DST_GROUP") what="nat64 in a group bucket" ;;
    esac
    trace "$dst"
    [[ $RC -eq 0 ]] || bad "trace ($what) succeeds" "rc $RC: $ERR"
    expect_match "trace ($what): names the unsupported action" \
        "nat64 action is not supported by this bridge's datapath \(it needs datapath_type=netdev\)" "$OUT"
    expect_match "trace ($what): translation fails with the reason, packet dropped" \
        '^Translation failed \(Action not supported by the datapath\), packet is dropped\.$' "$OUT"
    expect_match "trace ($what): datapath actions: drop" '^Datapath actions: drop$' "$OUT"
done

drops0=$(drops)
p1=$(tx p1)
p2=$(tx p2)
for dst in $DST_TOP $DST_CLONE $DST_GROUP $DST_NOTLAST; do
    receive "$dst"
done
n=$(wait_drops $((drops0 + 4)))
[[ $n -eq $((drops0 + 4)) ]] &&
    ok "unsupported: 4 packets counted by drop_action_unsupported_action" ||
    bad "unsupported: 4 packets counted by drop_action_unsupported_action" \
        "counter went from $drops0 to $n"
[[ $(tx p2) -eq $p2 && $(tx p1) -eq $p1 ]] &&
    ok "unsupported: nothing is sent, translated or not (also not nat64's output:p2)" ||
    bad "unsupported: nothing is sent, translated or not (also not nat64's output:p2)" \
        "p1 $p1 -> $(tx p1), p2 $p2 -> $(tx p2)"
appctl dpctl/dump-flows
expect_match "unsupported: the datapath flows drop" 'actions:drop$' "$OUT"
[[ $(grep -c 'nat64(' <<<"$OUT") -eq 0 ]] &&
    ok "unsupported: no datapath flow uses nat64" ||
    bad "unsupported: no datapath flow uses nat64" "$OUT"
expect_match "unsupported: ovs-vswitchd logs the dropped packets and why" \
    "nat64 action is not supported by this bridge's datapath \(it needs datapath_type=netdev\) on bridge br0 while processing" \
    "$(cat "$dir/ovs-vswitchd.log")"

# A packet-out through the group from before: translating it fails, so the
# switch refuses it and sends nothing.
refused "unsupported: a packet-out to the nat64 group is refused with the explanation" \
    packet-out br0 "in_port=p1 packet=$(frame $DST_GROUP) actions=group:1"
sleep 0.3
[[ $(tx p2) -eq $p2 && $(tx p1) -eq $p1 ]] &&
    ok "unsupported: the packet-out sends nothing" ||
    bad "unsupported: the packet-out sends nothing" "p1 $p1 -> $(tx p1), p2 $p2 -> $(tx p2)"
appctl nat64/stats 7
[[ $OUT == "$stats1" ]] && ok "unsupported: nat64/stats 7 did not move" ||
    bad "unsupported: nat64/stats 7 did not move" "before:" "$stats1" "after:" "$OUT"

# --- 4. Without the datapath clone action -------------------------------
expect_ok "dpif/set-dp-features br0 nat64 true" \
    dpif/set-dp-features br0 nat64 true
expect_ok "dpif/set-dp-features br0 clone false" \
    dpif/set-dp-features br0 clone false
trace $DST_NOTLAST
expect_match "no clone: trace of nat64 followed by output says it needs clone" \
    "nat64 action that is not the last action needs the clone action, which this bridge's datapath does not support" "$OUT"
expect_match "no clone: translation fails with the reason, packet dropped" \
    '^Translation failed \(Action not supported by the datapath\), packet is dropped\.$' "$OUT"
trace $DST_TOP
expect_match "no clone: nat64 as the last action still translates (trace)" \
    '^Translated flow: .*nw_src=198\.51\.100\.5,nw_dst=203\.0\.113\.33' "$OUT"
drops0=$(drops)
p2=$(tx p2)
receive $DST_NOTLAST
n=$(wait_drops $((drops0 + 1)))
[[ $n -eq $((drops0 + 1)) ]] &&
    ok "no clone: nat64 followed by output drops the packet (counted)" ||
    bad "no clone: nat64 followed by output drops the packet (counted)" \
        "counter went from $drops0 to $n"
receive $DST_TOP
n=$(wait_tx p2 $((p2 + 1)))
[[ $n -eq $((p2 + 1)) ]] &&
    ok "no clone: only the packet for nat64 as the last action is sent" ||
    bad "no clone: only the packet for nat64 as the last action is sent" \
        "p2 sent $((n - p2)) packets, expected 1"

# --- 5. Support back: everything translates again -----------------------
expect_ok "dpif/set-dp-features br0 clone true" \
    dpif/set-dp-features br0 clone true
p2=$(tx p2)
receive $DST_NOTLAST
receive $DST_GROUP
n=$(wait_tx p2 $((p2 + 3)))
[[ $n -eq $((p2 + 3)) ]] &&
    ok "supported again: nat64 then output, and the group, send 3 packets on p2" ||
    bad "supported again: nat64 then output, and the group, send 3 packets on p2" \
        "p2 sent $((n - p2)) packets, expected 3"

# --- The daemon survived it all -----------------------------------------
sandbox_finish
