#!/usr/bin/env bash
# Packet-exact tests of the nat64 action in a sandboxed, patched ovs-vswitchd
# (tests/ovs/sandbox.sh: private mktemp directory, unix sockets only, dummy
# netdev/dpif providers, daemons killed on every exit).
#
#   packet_test.sh BINDIR SCHEMA
#
# BINDIR holds the patched OVS programs (build/bin), SCHEMA is
# build/share/openvswitch/vswitch.ovsschema.  Frames go in with
# netdev-dummy/receive and come out in the ports' tx pcap files.
# tests/ovs/packets.py (scapy under /usr/bin/python3) builds the frames and,
# independently of our translator, the frames RFC 7915 / RFC 6052 /
# RFC 7757 say must come out, and compares them byte for byte.  Missing
# scapy is a failure, never a skip.  The last line is "N passed, M failed".

# "COND && ok ... || bad ..." is safe here: ok always succeeds.
# shellcheck disable=SC2015
SANDBOX_NAME=packets
# shellcheck source-path=SCRIPTDIR source=sandbox.sh
. "$(dirname "$0")/sandbox.sh" || { echo "0 passed, 1 failed"; exit 1; }

[[ $# -eq 2 ]] || fatal "usage: $0 BINDIR SCHEMA"
SCHEMA=$2
sandbox_check_programs "$1" ovs-ofctl
PKT=$(dirname "$0")/packets.py
sandbox_need_scapy
[[ -r $PKT ]] || fatal "$PKT is missing"

sandbox_start br0

pkt() {
    $PY "$PKT" "$@"
}
P1=$dir/p1-tx.pcap
P2=$dir/p2-tx.pcap
# p1 is the IPv6 VNet, p2 the IPv4 uplink.
sandbox_add_dummy_ports br0 "$P1" "$P2"

# --- Instances and the pipeline ------------------------------------------
# Instance 7: the VNet (pool6 2001:db8:64::/96, EAMT for the VMs, router
# addresses and an RFC 6791 pool for untranslatable error sources).
# Instance 8: the same VNet behind small egress MTUs (ipv4-mtu 1300,
# ipv6-mtu 1280).  packets.py holds the documents and the addresses.
for id in 7 8; do
    doc=$(pkt instance "$id") || fatal "packets.py instance $id failed"
    expect_ok "instance-set $id" nat64/instance-set "$doc"
done

# Table 0 sends each family to its instance; table 10 is the rest of a
# router's pipeline: translated packets leave with the MACs rewritten for
# the next hop, except toward 203.0.113.44 / 2001:db8:6::7 where L2 is left
# as it came (to check that the translation itself keeps it); answers from
# the translator go back out of the ingress port (docs/ovs-action.md).  The
# low-priority catch-alls let malformed packets (which OVS parses no
# addresses from) reach the translator, which must drop and count them.
cat >"$dir/flows" <<'FLOWS'
table=0,priority=100,in_port=p1,ipv6,ipv6_dst=2001:db8:64::/96,actions=nat64(instance=7,table=10)
table=0,priority=100,in_port=p1,ipv6,ipv6_dst=2001:db8:65::/96,actions=nat64(instance=8,table=10)
table=0,priority=100,in_port=p1,ipv6,ipv6_dst=2001:db8:99::/64,actions=nat64(instance=99,table=10)
table=0,priority=10,in_port=p1,ipv6,actions=nat64(instance=7,table=10)
table=0,priority=100,in_port=p2,ip,nw_dst=198.51.100.8,actions=nat64(instance=8,table=10)
table=0,priority=10,in_port=p2,ip,actions=nat64(instance=7,table=10)
table=10,priority=300,in_port=p1,ipv6,actions=in_port
table=10,priority=300,in_port=p2,ip,actions=in_port
table=10,priority=200,ip,nw_dst=203.0.113.44,actions=output:p2
table=10,priority=100,ip,actions=mod_dl_src:50:54:00:00:00:02,mod_dl_dst:50:54:00:00:00:04,output:p2
table=10,priority=200,ipv6,ipv6_dst=2001:db8:6::7,actions=output:p1
table=10,priority=100,ipv6,actions=mod_dl_src:50:54:00:00:00:01,mod_dl_dst:50:54:00:00:00:06,output:p1
FLOWS
ofctl del-flows br0   # the bridge's default NORMAL flow
ofctl add-flows br0 "$dir/flows"
[[ $RC -eq 0 ]] && ok "pipeline flows installed (tables 0 and 10)" ||
    fatal "pipeline flows installed (tables 0 and 10)" "$ERR"

# --- 1-3. Translations, checked byte for byte ----------------------------
# One case at a time: inject its frames, wait for the frames it must
# produce, and note which frames of each capture belong to it.  The
# frames are compared afterwards, all at once (one scapy start-up).
pkt cases >"$dir/cases" 2>"$dir/py.err" ||
    fatal "packets.py cases failed" "$(cat "$dir/py.err")"
: >"$dir/manifest"
while IFS=$'\t' read -r -u 3 name port n1 n2 hexes; do
    read -r -a frames <<<"$hexes"
    a1=$(pkt count "$P1")
    a2=$(pkt count "$P2")
    appctl netdev-dummy/receive "$port" "${frames[@]}"
    [[ $RC -eq 0 ]] || bad "$name: netdev-dummy/receive $port" "$ERR"
    b1=$(wait_at_least $((a1 + n1)) pkt count "$P1")
    b2=$(wait_at_least $((a2 + n2)) pkt count "$P2")
    echo "$name $a1 $b1 $a2 $b2" >>"$dir/manifest"
done 3<"$dir/cases"
pkt check "$dir/manifest" "$P1" "$P2" >"$dir/check" 2>"$dir/py.err" ||
    bad "packets.py check ran" "$(cat "$dir/py.err")"
report "translation checks" "$dir/check"

# Every packet moved exactly one counter of its instance, the one its
# verdict names (docs/reference.md, "Counters").
for id in 7 8; do
    appctl nat64/stats "$id"
    echo "$OUT" >"$dir/stats$id"
    pkt stats "$id" "$dir/stats$id" >"$dir/check" 2>"$dir/py.err"
    report "nat64/stats $id" "$dir/check"
done
# The four answers (time exceeded both ways, too big both ways) are the
# datapath's ICMP replies.
v=$(wait_at_least 4 coverage nat64_icmp_reply)
[[ $v -eq 4 ]] && ok "coverage nat64_icmp_reply is 4 (the translator's own answers)" ||
    bad "coverage nat64_icmp_reply is 4 (the translator's own answers)" "got $v"

# --- 5. Every drop counted ------------------------------------------------
# Malformed frames and a packet for an instance that does not exist: no
# output, one increment of the right counter (per instance, or the global
# unknown-instance one), and OVS's nat64_drop coverage counter.
pkt drops >"$dir/drops" 2>"$dir/py.err" ||
    fatal "packets.py drops failed" "$(cat "$dir/py.err")"
drop0=$(coverage nat64_drop)
ndrops=0
while IFS=$'\t' read -r -u 3 name port scope cname hex; do
    ndrops=$((ndrops + 1))
    if [[ $scope == global ]]; then
        args=(nat64/stats)
    else
        args=(nat64/stats "$scope")
    fi
    appctl "${args[@]}"
    before=$OUT
    a1=$(pkt count "$P1")
    a2=$(pkt count "$P2")
    appctl netdev-dummy/receive "$port" "$hex"
    [[ $RC -eq 0 ]] || bad "$name: netdev-dummy/receive $port" "$ERR"
    want=$(($(counter "$cname" "$before") + 1))
    for _ in $(seq 30); do
        appctl "${args[@]}"
        [[ $(counter "$cname" "$OUT") -ge $want ]] && break
        sleep 0.1
    done
    after=$OUT
    [[ $(counter "$cname" "$after") -eq $want ]] &&
        ok "$name: dropped, ${args[*]} $cname +1" ||
        bad "$name: dropped, ${args[*]} $cname +1" "before:" "$before" "after:" "$after"
    # Nothing else moved: the lines other than cname are unchanged.
    [[ $(grep -v "^$cname:" <<<"$before") == $(grep -v "^$cname:" <<<"$after") ]] &&
        ok "$name: no other counter moved" ||
        bad "$name: no other counter moved" "before:" "$before" "after:" "$after"
    [[ $(pkt count "$P1") -eq $a1 && $(pkt count "$P2") -eq $a2 ]] &&
        ok "$name: nothing was output" ||
        bad "$name: nothing was output" "p1 $a1 -> $(pkt count "$P1"), p2 $a2 -> $(pkt count "$P2")"
done 3<"$dir/drops"
v=$(wait_at_least $((drop0 + ndrops)) coverage nat64_drop)
[[ $v -eq $((drop0 + ndrops)) ]] &&
    ok "coverage nat64_drop counted the $ndrops drops ($drop0 -> $v)" ||
    bad "coverage nat64_drop counted the $ndrops drops" "$drop0 -> $v"
appctl coverage/show
expect_match "coverage/show lists nat64_drop" '^nat64_drop ' "$OUT"

# --- 4. Instance replace while traffic flows ------------------------------
# A dummy-pmd port is polled by a PMD thread, so translation runs there
# while nat64/instance-set runs in the main thread: the replacement really
# races the datapath.  Load-based sleep keeps the PMD thread from spinning
# a core of this shared machine.  Instance 9 alternates between two
# documents that map the VM 2001:db8:9::9 to 198.51.100.9 (A) or
# 198.51.100.10 (B) by EAMT; every packet must come out as an exact
# translation under one of them.
P4=$dir/p4-tx.pcap
vsctl set Open_vSwitch . other_config:pmd-maxsleep=10000 \
    -- add-port br0 p3 -- set interface p3 type=dummy-pmd ofport_request=3 \
    -- add-port br0 p4 -- set interface p4 type=dummy ofport_request=4 \
        options:tx_pcap="$P4" ||
    fatal "adding the dummy-pmd port failed" "$(dump_logs)"
ok "dummy-pmd port p3 and dummy port p4 added"
for _ in $(seq 30); do
    appctl dpif-netdev/pmd-rxq-show
    grep -q 'port: p3 ' <<<"$OUT" && break
    sleep 0.1
done
expect_match "a PMD thread polls p3 (translation runs off the main thread)" \
    'port: p3 ' "$OUT"
docA=$(pkt instance 9 A) && docB=$(pkt instance 9 B) ||
    fatal "packets.py instance 9 failed"
expect_ok "instance-set 9 (config A)" nat64/instance-set "$docA"
cat >"$dir/flows9" <<'FLOWS'
table=0,priority=100,in_port=p3,ipv6,actions=nat64(instance=9,table=20)
table=20,ip,actions=output:p4
FLOWS
ofctl add-flows br0 "$dir/flows9"
[[ $RC -eq 0 ]] && ok "instance 9 flows installed" ||
    bad "instance 9 flows installed" "$ERR"

N=400
pkt stress-frames "$N" >"$dir/stress" 2>"$dir/py.err" ||
    fatal "packets.py stress-frames failed" "$(cat "$dir/py.err")"
# The injector runs in the background, ten frames per netdev-dummy/receive
# (the dummy rx queue holds 100), and records every batch it delivered.
: >"$dir/injected"
(
    mapfile -t all <"$dir/stress"
    for ((i = 0; i < ${#all[@]}; i += 10)); do
        batch=("${all[@]:i:10}")
        "$BIN/ovs-appctl" -t "$dir/ovs-vswitchd.ctl" netdev-dummy/receive p3 \
            "${batch[@]}" >/dev/null 2>>"$dir/inject.err" &&
            echo "${#batch[@]}" >>"$dir/injected"
        sleep 0.02
    done
) &
injector=$!
replaced=0
failed=0
while kill -0 "$injector" 2>/dev/null || [[ $replaced -lt 10 ]]; do
    if ((replaced % 2)); then doc=$docA; else doc=$docB; fi
    "$BIN/ovs-appctl" -t "$dir/ovs-vswitchd.ctl" nat64/instance-set "$doc" \
        >/dev/null 2>>"$dir/replace.err" || failed=$((failed + 1))
    replaced=$((replaced + 1))
done
wait "$injector"
injected=$(awk '{ n += $1 } END { print n + 0 }' "$dir/injected")
[[ $injected -eq $N ]] && ok "all $N frames injected while instance 9 was replaced $replaced times" ||
    bad "all $N frames injected while instance 9 was replaced" \
        "$injected injected: $(cat "$dir/inject.err")"
[[ $failed -eq 0 ]] && ok "every one of the $replaced nat64/instance-set calls succeeded" ||
    bad "every nat64/instance-set call succeeded" "$failed of $replaced failed: $(cat "$dir/replace.err")"
vswitchd_alive
got=$(wait_at_least "$injected" pkt count "$P4")
pkt stress-check "$P4" "$injected" >"$dir/check" 2>"$dir/py.err"
report "replace under load" "$dir/check"
appctl nat64/stats 9
stats9=$OUT
[[ $(counter translated-6to4 "$stats9") -eq $injected ]] &&
    ok "nat64/stats 9: translated-6to4 equals the $injected injected packets" ||
    bad "nat64/stats 9: translated-6to4 equals the $injected injected packets" \
        "$got frames captured" "$stats9"
total=$(awk -F': ' '/^[a-z0-9-]+: [0-9]+$/ { n += $2 } END { print n + 0 }' <<<"$stats9")
[[ $total -eq $injected ]] &&
    ok "nat64/stats 9: all counters add up to the $injected injected packets" ||
    bad "nat64/stats 9: all counters add up to the $injected injected packets" "sum $total:" "$stats9"

# --- The daemon survived it all -----------------------------------------
sandbox_finish
