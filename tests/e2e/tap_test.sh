#!/usr/bin/env bash
# End-to-end test of IPv4->IPv6 translation on tap ports (issue #3).  An
# IPv4 packet translated to IPv6 grows by 20 bytes (28 with a Fragment
# header) in front of its payload, so the datapath has to make room in the
# buffer the packet was received into, and what that buffer looks like
# depends on the netdev that received it.  tests/ovs covers the dummy
# netdevs and e2e_test.sh AF_PACKET on veth; this covers netdev-linux's
# tap class, which is what OVS ports of type tap and the internal ports of
# a netdev bridge are.
#
#   tap_test.sh [BINDIR [SCHEMA]]      (as root)
#
# The topology is e2e_test.sh's (tests/e2e/topology.sh), built once per
# variant with the hosts attached differently (TOPO_ATTACH6/TOPO_ATTACH4):
#   tap-tap        both hosts on OVS ports of type tap
#   veth-internal  the IPv4 host on a port of type internal (the kind of
#                  the bridge's own port, and of the port Proxmox's
#                  firewall puts between a VM and an OVS bridge), the IPv6
#                  host on a veth
#   tap-veth       the IPv6 host on a tap, the IPv4 host on a veth: grown
#                  packets read through AF_PACKET leave through the tap
#   tap-tso        both hosts on taps with other_config:userspace-tso-enable
#                  =true and the hosts' offloads left on: the taps carry
#                  virtio-net headers, and packets arrive with their L4
#                  checksum only started (NEEDS_CSUM) or as TSO super-
#                  packets (run_tso_variant below)
# ovs-vswitchd creates each tap in its own namespace; the test moves it
# into the host's namespace (topology.sh explains why that works).
#
# The first three variants assert real traffic: ping both ways, 2 MiB over
# TCP from the IPv4 host to the IPv6 host through the EAMT (every segment
# grows) and back, checked by SHA-256; UDP datagrams above 1232 bytes sent
# with DF=0 from the IPv4 host, which must reach the IPv6 host as IPv6
# fragments that its stack reassembles; and the datapath's coverage
# counters: nat64_translated moves, nat64_drop_no_headroom stays 0.
# tap-tso asserts ping both ways; UDP both ways and HTTP both ways (every
# segment below one MSS) arriving intact, with every translated packet's
# checksum completed by the glue (coverage nat64_csum_finished) and no
# receive checksum error on either host (TcpInCsumErrors, UdpInCsumErrors,
# Udp6InCsumErrors); then bulk TCP both ways, whose TSO packets the glue
# refuses (coverage nat64_drop_tso, a WARN naming userspace-tso-enable)
# with still no checksum error: the known limitation, documented.
#
# Needs root, and Debian's iproute2 ethtool procps iputils-ping socat
# python3 (and curl for tap-tso); not being root or a missing tool is a
# failure, never a skip.
# TAP_TEST_VARIANTS="tap-tap ..." runs only the variants named.
#
# The last line is "N passed, M failed"; the exit status is non-zero on any
# failure.  Every namespace, process and file it made is removed on every
# exit, Ctrl-C included.

# "COND && ok ... || bad ..." is safe here: ok always succeeds.
# shellcheck disable=SC2015
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# shellcheck source-path=SCRIPTDIR source=../lib/assert.sh
. "$HERE/../lib/assert.sh" || {
    echo "0 passed, 1 failed"
    exit 1
}

[[ $# -le 2 ]] || fatal "usage: $0 [BINDIR [SCHEMA]]"
[[ $# -ge 1 ]] && TOPO_BIN=$1
[[ $# -ge 2 ]] && TOPO_SCHEMA=$2
VARIANTS=${TAP_TEST_VARIANTS:-tap-tap veth-internal tap-veth tap-tso}
for v in $VARIANTS; do
    case $v in
    tap-tap | veth-internal | tap-veth | tap-tso) ;;
    *) fatal "TAP_TEST_VARIANTS: unknown variant '$v' (tap-tap, veth-internal, tap-veth, tap-tso)" ;;
    esac
done

# topology.sh derives its names from TOPO_PREFIX when sourced, so it is
# sourced again for every variant (run_variant); this first time only for
# the preflight.  Names are unique per run, so that parallel runs and
# other users' namespaces are never touched.
TOPO_PREFIX=n64tap-$$
# shellcheck source-path=SCRIPTDIR source=topology.sh
. "$HERE/topology.sh" || fatal "cannot source $HERE/topology.sh"
# shellcheck source-path=SCRIPTDIR source=helpers.sh
. "$HERE/helpers.sh" || fatal "cannot source $HERE/helpers.sh"

# --- Preflight: root, programs, tools -----------------------------------
msg=$(topo_preflight 2>&1) || fatal "preflight: root and the patched OVS programs" "$msg"
missing=()
tools=(ping socat timeout sha256sum head stat cmp awk)
[[ " $VARIANTS " == *" tap-tso "* ]] && tools+=(curl)
for t in "${tools[@]}"; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
done
# Prefer Debian's interpreter over any other python3 on PATH.
PY=/usr/bin/python3
[[ -x $PY ]] || PY=$(command -v python3) || missing+=(python3)
[[ ${#missing[@]} -eq 0 ]] ||
    fatal "tools present" "missing: ${missing[*]}" \
        "Debian: apt-get install iputils-ping socat coreutils diffutils gawk python3 curl"
ok "preflight: root, the patched OVS programs and every tool present"

# --- Helpers (they use the names of the variant being run) ----------------
BIG=2097152 # bytes per TCP transfer

# coverage NAME: the datapath's coverage counter NAME.  Threads fold
# their counts into these totals about once a second, so they lag.
coverage() {
    topo_appctl coverage/read-counter "$1"
}
# snmp6 NS FIELD: FIELD of /proc/net/snmp6 in namespace NS (per namespace).
snmp6() {
    ip netns exec "$TOPO_PREFIX-$1" sed -n "s/^$2[[:space:]]\{1,\}//p" /proc/net/snmp6
}
# snmp NS GROUP FIELD: FIELD of GROUP (Tcp, Udp) in /proc/net/snmp in
# namespace NS: a line of names, then a line of values.  (Tcp counts TCP
# over IPv6 as well; UDP over IPv6 is Udp6* in /proc/net/snmp6.)
snmp() {
    # shellcheck disable=SC2016 # awk's own fields
    ip netns exec "$TOPO_PREFIX-$1" awk -v g="$2:" -v f="$3" '
        $1 == g { if (seen) { if (col) print $col; exit }
                  seen = 1; for (i = 2; i <= NF; i++) if ($i == f) col = i }' /proc/net/snmp
}
# wait_size FILE SIZE: FILE has grown to SIZE bytes (5 s at most); the
# receiving socat may still be writing when the sender is done.
wait_size() {
    for _ in $(seq 50); do
        [[ $(stat -c %s "$1" 2>/dev/null) == "$2" ]] && return 0
        sleep 0.1
    done
    return 1
}

# The UDP server answers each datagram with "LENGTH SHA256" of what it
# received; the client sends SIZE random bytes, over IPv4 with DF clear
# (IP_PMTUDISC_DONT: Linux sets DF on UDP by default), and succeeds when
# the answer matches what it sent, i.e. the datagram arrived whole.
write_udp_tools() {
    cat >"$TOPO_DIR/udp_server.py" <<'PYEOF'
import hashlib, socket, sys
addr, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, port))
while True:
    data, peer = s.recvfrom(65535)
    s.sendto(b"%d %s" % (len(data), hashlib.sha256(data).hexdigest().encode()), peer)
PYEOF
    cat >"$TOPO_DIR/udp_client.py" <<'PYEOF'
import hashlib, os, socket, sys
addr, port, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
# IPv4: IP_MTU_DISCOVER (10 in linux/in.h; not every Python names it) =
# IP_PMTUDISC_DONT (0): DF clear on every datagram.
if s.family == socket.AF_INET:
    s.setsockopt(socket.IPPROTO_IP, getattr(socket, "IP_MTU_DISCOVER", 10), 0)
s.settimeout(3)
data = os.urandom(size)
s.sendto(data, (addr, port))
want = b"%d %s" % (size, hashlib.sha256(data).hexdigest().encode())
try:
    got = s.recv(200)
except socket.timeout:
    sys.exit("no answer within 3 s")
if got != want:
    sys.exit("answer %r, want %r" % (got, want))
print(got.decode())
PYEOF
}

# check_attach VARIANT SIDE KIND: port SIDE (6 or 4) is attached as KIND: the
# datapath port type OVS reports, and the kind of device the host's eth0
# is.  (A netdev bridge opens internal ports with the tap netdev class,
# so dpif/show says "tap" for both.)
check_attach() {
    local name=$1 side=$2 kind=$3 dptype=tap devtype='tun type tap' dev
    if [[ $kind == veth ]]; then
        dptype=system
        devtype=veth
    fi
    expect_match "$name: port$side is a datapath port of type $dptype" \
        "^ +port$side [0-9]+/[0-9]+: \($dptype\)" "$(topo_appctl dpif/show 2>&1)"
    dev=$(ip -d -n "$TOPO_PREFIX-v$side" link show eth0 2>&1)
    expect_match "$name: eth0 of the IPv$side host is the $kind device (${devtype})" "^ +$devtype " "$dev"
}

# variant_up NAME ATTACH6 ATTACH4 [OTHER_CONFIG [HOST_OFFLOAD]]: the
# topology of variant NAME (TOPO_ATTACH6, TOPO_ATTACH4, TOPO_OTHER_CONFIG,
# TOPO_HOST_OFFLOAD of topology.sh) and the check of how the hosts are
# attached.  Returns 1, cleaned up, if it could not be built.
variant_up() {
    local name=$1
    TOPO_ATTACH6=$2
    TOPO_ATTACH4=$3
    TOPO_OTHER_CONFIG=${4:-}
    TOPO_HOST_OFFLOAD=${5:-0}
    TOPO_PREFIX=n64tap-$$-$name
    # shellcheck source-path=SCRIPTDIR source=topology.sh
    . "$HERE/topology.sh" || { bad "$name: source topology.sh"; return 1; }

    section "$name: IPv6 host on $TOPO_ATTACH6, IPv4 host on $TOPO_ATTACH4${4:+, other_config:$4}"
    # Not in a subshell: topo_up sets TOPO_DIR and the traps.  It prints
    # what failed.
    if ! topo_up; then
        bad "$name: namespaces, patched ovs-vswitchd, instance and flows set up"
        topo_down
        topo_install_traps
        return 1
    fi
    ok "$name: namespaces, patched ovs-vswitchd, instance $TOPO_INSTANCE and flows set up"
    check_attach "$name" 6 "$TOPO_ATTACH6"
    check_attach "$name" 4 "$TOPO_ATTACH4"
    return 0
}

# variant_down NAME: ovs-vswitchd survived and logged no error (its
# warnings are shown), then the clean-up.
variant_down() {
    local name=$1 msg
    if kill -0 "$(cat "$TOPO_DIR/ovs-vswitchd.pid" 2>/dev/null)" 2>/dev/null; then
        ok "$name: ovs-vswitchd is still running"
    else
        bad "$name: ovs-vswitchd is still running" "$(tail -n 20 "$TOPO_DIR/ovs-vswitchd.log")"
    fi
    msg=$(grep -E '\|(EMER|ERR)\|' "$TOPO_DIR/ovs-vswitchd.log")
    [[ -z $msg ]] && ok "$name: ovs-vswitchd logged no errors" || bad "$name: ovs-vswitchd logged no errors" "$msg"
    # Warnings are expected (OVS cannot query a device moved out of its
    # namespace); shown for the record.
    msg=$(grep -E '\|WARN\|' "$TOPO_DIR/ovs-vswitchd.log" | sed 's/^[^|]*|[^|]*|//')
    if [[ -n $msg ]]; then
        printf 'ovs-vswitchd warnings:\n'
        printf '    %s\n' "${msg//$'\n'/$'\n'    }"
    fi
    topo_down
    # topo_down ignores Ctrl-C for good, so that nothing cuts the clean-up
    # short; the next variant and the summary must still be interruptible.
    topo_install_traps
}

# check_pings NAME: ping both ways; the translator is one router hop
# (ttl 63).
check_pings() {
    local name=$1
    run v6 15 ping -6 -c 3 -i 0.2 -W 2 "$TOPO_H4_AS6"
    [[ $RC -eq 0 ]] && grep -q ' 0% packet loss' <<<"$OUT" &&
        grep -Eq "bytes from $TOPO_H4_AS6: icmp_seq=1 ttl=63 " <<<"$OUT" &&
        ok "$name: ping -6 $TOPO_H4_AS6 from the IPv6 host: 3 replies, ttl 63" ||
        bad "$name: ping -6 $TOPO_H4_AS6 from the IPv6 host: 3 replies, ttl 63" "$OUT"
    run v4 15 ping -c 3 -i 0.2 -W 2 "$TOPO_H6_AS4"
    [[ $RC -eq 0 ]] && grep -q ' 0% packet loss' <<<"$OUT" &&
        grep -Eq "bytes from $TOPO_H6_AS4: icmp_seq=1 ttl=63 " <<<"$OUT" &&
        ok "$name: ping $TOPO_H6_AS4 from the IPv4 host: 3 replies, ttl 63" ||
        bad "$name: ping $TOPO_H6_AS4 from the IPv4 host: 3 replies, ttl 63" "$OUT"
}

# run_variant NAME: one topology, the traffic and the checks.
run_variant() {
    local name=$1 cov0 nohead0 t46 t64 reasm fails n before after sum_ok
    variant_up "$name" "${name%-*}" "${name#*-}" || return
    # A fresh ovs-vswitchd: both are 0 unless something already went wrong.
    cov0=$(coverage nat64_translated)
    nohead0=$(coverage nat64_drop_no_headroom)

    # Servers: TCP sinks writing what they receive to a file, and the UDP
    # server in the IPv6 namespace.
    head -c "$BIG" /dev/urandom >"$TOPO_DIR/data4.bin"
    head -c "$BIG" /dev/urandom >"$TOPO_DIR/data6.bin"
    write_udp_tools
    start_bg sink6 v6 socat -u "TCP6-LISTEN:9000,bind=[$TOPO_H6],reuseaddr" \
        "OPEN:$TOPO_DIR/recv6.bin,creat,trunc"
    start_bg sink4 v4 socat -u "TCP4-LISTEN:9000,bind=$TOPO_H4,reuseaddr" \
        "OPEN:$TOPO_DIR/recv4.bin,creat,trunc"
    start_bg udp6 v6 "$PY" "$TOPO_DIR/udp_server.py" "$TOPO_H6" 7000
    if wait_listen v6 t 9000 && wait_listen v4 t 9000 && wait_listen v6 u 7000; then
        ok "$name: TCP sinks and UDP server listening"
    else
        bad "$name: TCP sinks and UDP server listening" "$(tail -n 5 "$TOPO_DIR"/*.log)"
    fi

    check_pings "$name"

    # TCP from the IPv4 host to the IPv6 host through the EAMT: every data
    # segment is translated IPv4->IPv6 and grows by 20 bytes.  The
    # translator counts each one, so at least one per MSS-sized piece.
    before=$(counter translated-4to6)
    run v4 40 socat -u "OPEN:$TOPO_DIR/data4.bin" "TCP4:$TOPO_H6_AS4:9000"
    wait_size "$TOPO_DIR/recv6.bin" "$BIG"
    [[ $RC -eq 0 && $(sha256sum <"$TOPO_DIR/recv6.bin") == $(sha256sum <"$TOPO_DIR/data4.bin") ]] &&
        ok "$name: TCP: 2 MiB from the IPv4 host reach the IPv6 host intact (IPv4->IPv6, SHA-256)" ||
        bad "$name: TCP: 2 MiB from the IPv4 host reach the IPv6 host intact (IPv4->IPv6, SHA-256)" \
            "rc $RC: $OUT" "received $(stat -c %s "$TOPO_DIR/recv6.bin" 2>&1) bytes"
    after=$(counter translated-4to6)
    n=$((BIG / 1500))
    [[ $((after - before)) -ge $n ]] &&
        ok "$name: translated-4to6 grew by $((after - before)) (>= $n: every segment translated)" ||
        bad "$name: translated-4to6 grew by at least $n" "$before -> $after"
    # And back (IPv6->IPv4, the packets shrink).
    run v6 40 socat -u "OPEN:$TOPO_DIR/data6.bin" "TCP6:[$TOPO_H4_AS6]:9000"
    wait_size "$TOPO_DIR/recv4.bin" "$BIG"
    [[ $RC -eq 0 && $(sha256sum <"$TOPO_DIR/recv4.bin") == $(sha256sum <"$TOPO_DIR/data6.bin") ]] &&
        ok "$name: TCP: 2 MiB from the IPv6 host reach the IPv4 host intact (IPv6->IPv4, SHA-256)" ||
        bad "$name: TCP: 2 MiB from the IPv6 host reach the IPv4 host intact (IPv6->IPv4, SHA-256)" \
            "rc $RC: $OUT" "received $(stat -c %s "$TOPO_DIR/recv4.bin" 2>&1) bytes"

    # UDP with DF=0 from the IPv4 host, larger than 1232 bytes: as IPv6
    # the datagram would exceed 1280 bytes (lowest-ipv6-mtu), so the
    # translator sends it as IPv6 fragments (RFC 7915 §4.1), each with a
    # Fragment header: 28 bytes of growth.  1400 bytes are one IPv4 packet;
    # 3000 bytes arrive as the sender's IPv4 fragments, each translated
    # and, where needed, fragmented again.  The IPv6 host's stack
    # reassembles them (Ip6ReasmOKs in its /proc/net/snmp6).
    reasm=$(snmp6 v6 Ip6ReasmOKs)
    fails=$(snmp6 v6 Ip6ReasmFails)
    for n in 1400 3000; do
        run v4 10 "$PY" "$TOPO_DIR/udp_client.py" "$TOPO_H6_AS4" 7000 "$n"
        [[ $RC -eq 0 ]] &&
            ok "$name: UDP of $n bytes with DF=0 from the IPv4 host arrives whole (length and SHA-256)" ||
            bad "$name: UDP of $n bytes with DF=0 from the IPv4 host arrives whole (length and SHA-256)" "$OUT"
    done
    after=$(snmp6 v6 Ip6ReasmOKs)
    [[ $((after - reasm)) -ge 2 ]] &&
        ok "$name: the IPv6 host reassembled them from IPv6 fragments (Ip6ReasmOKs +$((after - reasm)))" ||
        bad "$name: the IPv6 host reassembled them from IPv6 fragments (Ip6ReasmOKs +2 at least)" \
            "Ip6ReasmOKs $reasm -> $after"
    after=$(snmp6 v6 Ip6ReasmFails)
    [[ $after == "$fails" ]] && ok "$name: no failed reassembly on the IPv6 host" ||
        bad "$name: no failed reassembly on the IPv6 host" "Ip6ReasmFails $fails -> $after"
    # An echo request with DF=0 that needs fragmenting as well.
    run v4 10 ping -c 1 -W 2 -M dont -s 1300 "$TOPO_H6_AS4"
    [[ $RC -eq 0 ]] && grep -q '1308 bytes from' <<<"$OUT" &&
        ok "$name: ping -M dont -s 1300 from the IPv4 host (IPv6 fragments): answered" ||
        bad "$name: ping -M dont -s 1300 from the IPv4 host (IPv6 fragments): answered" "$OUT"

    # The datapath's view.  Every translated packet the glue sent on is
    # counted by coverage nat64_translated, and the core counted it as
    # translated-6to4 or translated-4to6 (nothing hairpins here): wait for
    # the lagging coverage total to catch up with the core's, then a
    # packet dropped for lack of headroom would show in
    # nat64_drop_no_headroom and as a shortfall.
    t46=$(counter translated-4to6)
    t64=$(counter translated-6to4)
    sum_ok=0
    for _ in $(seq 30); do
        [[ $(($(coverage nat64_translated) - cov0)) -eq $((t46 + t64)) ]] && { sum_ok=1; break; }
        sleep 0.2
    done
    after=$(coverage nat64_translated)
    [[ $sum_ok == 1 && $after -gt $cov0 ]] &&
        ok "$name: coverage nat64_translated moved ($cov0 -> $after, = translated-4to6 $t46 + translated-6to4 $t64)" ||
        bad "$name: coverage nat64_translated moved and equals translated-4to6 + translated-6to4" \
            "nat64_translated $cov0 -> $after; translated-4to6 $t46, translated-6to4 $t64"
    after=$(coverage nat64_drop_no_headroom)
    [[ $nohead0 == 0 && $after == 0 ]] &&
        ok "$name: coverage nat64_drop_no_headroom stayed 0" ||
        bad "$name: coverage nat64_drop_no_headroom stayed 0" "$nohead0 -> $after"
    after=$(coverage nat64_fragmented)
    [[ $after -ge 3 ]] &&
        ok "$name: coverage nat64_fragmented counts the fragmented translations ($after)" ||
        bad "$name: coverage nat64_fragmented counts the fragmented translations (3 at least)" "$after"
    after=$(coverage nat64_drop_burst_full)
    [[ $after == 0 ]] && ok "$name: coverage nat64_drop_burst_full stayed 0" ||
        bad "$name: coverage nat64_drop_burst_full stayed 0" "$after"
    msg=$(topo_appctl nat64/stats "$TOPO_INSTANCE" 2>&1 | grep -E '^drop-' | grep -v ': 0$')
    [[ -z $msg ]] && ok "$name: nat64/stats: no drop counter moved" ||
        bad "$name: nat64/stats: no drop counter moved" "$msg"
    variant_down "$name"
}

# --- tap-tso -------------------------------------------------------------
# With other_config:userspace-tso-enable=true, ovs-vswitchd creates each
# tap with IFF_VNET_HDR and turns on the device's checksum offload and TSO
# (TUNSETOFFLOAD TUN_F_CSUM|TUN_F_TSO4|TUN_F_TSO6; netdev-linux.c).  It
# does so as it creates the port, and it reads the setting once (it can be
# turned on later, never off), so topology.sh sets it before ovs-vswitchd
# starts.  The hosts' offloads stay on (TOPO_HOST_OFFLOAD=1), so their
# stacks hand the tap TCP and UDP packets whose checksum holds only the
# pseudo-header sum (virtio NEEDS_CSUM, the packet's L4 checksum offload
# flag in OVS) and, for bulk TCP, super-packets of several MSS (TSO).  The
# glue completes the checksum in software before translating (coverage
# nat64_csum_finished), and refuses TSO packets (coverage nat64_drop_tso,
# a WARN that names userspace-tso-enable).  What the translator sends to a
# tap has no offload flags left: the receiving stack checks every
# checksum, and counts a bad one in TcpInCsumErrors, UdpInCsumErrors or
# Udp6InCsumErrors.

# coverage_sync: waits until coverage nat64_translated (which lags) has
# caught up with the instance's exact translated-4to6 + translated-6to4
# (6 s at most).  The thread that translates counts nat64_csum_finished
# too, and folds all its coverage counts at once, so that is then current
# as well.  Needs a fresh ovs-vswitchd (both start at 0, nothing
# hairpins).  Sets CORE to that sum.
coverage_sync() {
    for _ in $(seq 30); do
        CORE=$(($(counter translated-4to6) + $(counter translated-6to4)))
        [[ $(coverage nat64_translated) -eq $CORE ]] && return 0
        sleep 0.2
    done
    return 1
}
# wait_coverage_above NAME N: coverage NAME exceeds N (5 s at most).
wait_coverage_above() {
    for _ in $(seq 25); do
        [[ $(coverage "$1") -gt $2 ]] && return 0
        sleep 0.2
    done
    return 1
}
# csum_errors: the receive checksum errors of both hosts, one line ("?"
# for a counter that could not be read).
csum_errors() {
    local t6 u6 t4 u4
    t6=$(snmp v6 Tcp InCsumErrors)
    u6=$(snmp6 v6 Udp6InCsumErrors)
    t4=$(snmp v4 Tcp InCsumErrors)
    u4=$(snmp v4 Udp InCsumErrors)
    printf 'IPv6 host: TcpInCsumErrors %s Udp6InCsumErrors %s; IPv4 host: TcpInCsumErrors %s UdpInCsumErrors %s' \
        "${t6:-?}" "${u6:-?}" "${t4:-?}" "${u4:-?}"
}
# check_no_csum_errors NAME WHAT BEFORE: csum_errors still reads BEFORE.
check_no_csum_errors() {
    local now
    now=$(csum_errors)
    [[ $now == "$3" && $now != *'?'* ]] &&
        ok "$1: $2: no receive checksum error on either host ($now)" ||
        bad "$1: $2: no receive checksum error on either host" "before: $3" "after:  $now"
}
# check_csum_finished NAME WHAT CSUM0 CORE0 [MIN]: since CSUM0 (coverage
# nat64_csum_finished) and CORE0 (translated-4to6 + translated-6to4),
# every packet translated had its checksum completed by the glue, i.e. the
# host's stack sent it with NEEDS_CSUM, and there were MIN at least.
check_csum_finished() {
    local name=$1 what=$2 csum0=$3 core0=$4 min=${5:-1} csum
    if ! coverage_sync; then
        bad "$name: $what: coverage nat64_translated caught up with the instance's counters" \
            "nat64_translated $(coverage nat64_translated), translated-4to6 + translated-6to4 $CORE"
        return
    fi
    csum=$(coverage nat64_csum_finished)
    [[ $((csum - csum0)) -eq $((CORE - core0)) && $((csum - csum0)) -ge $min ]] &&
        ok "$name: $what: every translated packet came with NEEDS_CSUM and had its checksum completed (nat64_csum_finished +$((csum - csum0)) = translated +$((CORE - core0)))" ||
        bad "$name: $what: every translated packet came with NEEDS_CSUM and had its checksum completed ($min at least)" \
            "nat64_csum_finished $csum0 -> $csum; translated-4to6 + translated-6to4 $core0 -> $CORE"
}

# run_tso_variant: the tap-tso variant.
run_tso_variant() {
    local name=tap-tso side feat errs0 csum0 core0 tso0 got n dir ns dst sink
    variant_up "$name" tap tap userspace-tso-enable=true 1 || return

    # The setting took effect before the ports were made, and the hosts'
    # taps have checksum offload and TSO on (they can only because
    # ovs-vswitchd asked for them: a tap offers no offload by itself).
    expect_match "$name: ovs-vswitchd enabled userspace TSO as it started" \
        'userspace_tso\|INFO\|Userspace TCP Segmentation Offloading support enabled' \
        "$(cat "$TOPO_DIR/ovs-vswitchd.log")"
    for side in 6 4; do
        feat=$(ip netns exec "$TOPO_PREFIX-v$side" ethtool -k eth0 2>&1)
        grep -qx 'tx-checksumming: on' <<<"$feat" &&
            grep -qx 'tcp-segmentation-offload: on' <<<"$feat" &&
            ok "$name: eth0 of the IPv$side host has checksum offload and TSO on" ||
            bad "$name: eth0 of the IPv$side host has checksum offload and TSO on" \
                "$(grep -E '^(tx-checksumming|tcp-segmentation-offload):' <<<"$feat")"
    done

    # Servers: a small web page and the UDP server in both namespaces,
    # TCP sinks for the bulk transfers.
    head -c "$BIG" /dev/urandom >"$TOPO_DIR/data4.bin"
    head -c "$BIG" /dev/urandom >"$TOPO_DIR/data6.bin"
    mkdir "$TOPO_DIR/www"
    # 300 bytes or so: with the HTTP headers, one segment each way.
    for n in $(seq 8); do
        printf 'nat64 over tap with virtio-net headers, line %d\n' "$n"
    done >"$TOPO_DIR/www/page.txt"
    write_udp_tools
    start_bg udp6 v6 "$PY" "$TOPO_DIR/udp_server.py" "$TOPO_H6" 7000
    start_bg udp4 v4 "$PY" "$TOPO_DIR/udp_server.py" "$TOPO_H4" 7000
    start_bg http6 v6 "$PY" -m http.server --bind "$TOPO_H6" --directory "$TOPO_DIR/www" 8080
    start_bg http4 v4 "$PY" -m http.server --bind "$TOPO_H4" --directory "$TOPO_DIR/www" 8080
    start_bg sink6 v6 socat -u "TCP6-LISTEN:9000,bind=[$TOPO_H6],reuseaddr" \
        "OPEN:$TOPO_DIR/recv6.bin,creat,trunc"
    start_bg sink4 v4 socat -u "TCP4-LISTEN:9000,bind=$TOPO_H4,reuseaddr" \
        "OPEN:$TOPO_DIR/recv4.bin,creat,trunc"
    if wait_listen v6 u 7000 && wait_listen v4 u 7000 && wait_listen v6 t 8080 &&
        wait_listen v4 t 8080 && wait_listen v6 t 9000 && wait_listen v4 t 9000; then
        ok "$name: UDP, HTTP and TCP servers listening on both hosts"
    else
        bad "$name: UDP, HTTP and TCP servers listening on both hosts" "$(tail -n 5 "$TOPO_DIR"/*.log)"
    fi
    errs0=$(csum_errors)

    # ICMP has no checksum offload: the translation as on any port.
    check_pings "$name"

    # UDP both ways, 400 bytes (one packet, so the sender's stack leaves
    # the checksum to the device); the answers cross back.
    coverage_sync
    csum0=$(coverage nat64_csum_finished)
    core0=$CORE
    run v4 10 "$PY" "$TOPO_DIR/udp_client.py" "$TOPO_H6_AS4" 7000 400
    [[ $RC -eq 0 ]] &&
        ok "$name: UDP: 400 bytes from the IPv4 host reach the IPv6 host whole, and the answer comes back" ||
        bad "$name: UDP: 400 bytes from the IPv4 host reach the IPv6 host whole, and the answer comes back" "$OUT"
    run v6 10 "$PY" "$TOPO_DIR/udp_client.py" "$TOPO_H4_AS6" 7000 400
    [[ $RC -eq 0 ]] &&
        ok "$name: UDP: 400 bytes from the IPv6 host reach the IPv4 host whole, and the answer comes back" ||
        bad "$name: UDP: 400 bytes from the IPv6 host reach the IPv4 host whole, and the answer comes back" "$OUT"
    check_csum_finished "$name" "UDP" "$csum0" "$core0" 4
    check_no_csum_errors "$name" "UDP" "$errs0"

    # TCP both ways, every segment below one MSS: an HTTP GET of the page
    # from the other host's server (the IPv6 host through its EAMT
    # address, the IPv4 host through pool6).  The SYN is where the
    # colleague's tcpdump first saw a bad checksum.
    csum0=$(coverage nat64_csum_finished)
    core0=$CORE
    for dir in 4 6; do
        if [[ $dir == 4 ]]; then
            ns=v4 dst=$TOPO_H6_AS4
        else
            ns=v6 dst="[$TOPO_H4_AS6]"
        fi
        run "$ns" 15 curl -sS -m 10 --noproxy '*' -o "$TOPO_DIR/got$dir.txt" "http://$dst:8080/page.txt"
        [[ $RC -eq 0 ]] && cmp -s "$TOPO_DIR/got$dir.txt" "$TOPO_DIR/www/page.txt" &&
            ok "$name: TCP: the IPv$dir host fetches the page from http://$dst:8080/ intact" ||
            bad "$name: TCP: the IPv$dir host fetches the page from http://$dst:8080/ intact" "rc $RC: $OUT"
    done
    check_csum_finished "$name" "TCP below one MSS" "$csum0" "$core0" 16
    check_no_csum_errors "$name" "TCP below one MSS" "$errs0"
    got=$(coverage nat64_drop_tso)
    [[ $got == 0 ]] && ok "$name: no TSO packet so far (coverage nat64_drop_tso 0)" ||
        bad "$name: no TSO packet so far (coverage nat64_drop_tso 0)" "$got"

    # Bulk TCP, 2 MiB each way, 5 s each: the senders' stacks hand the tap
    # super-packets of several MSS, which the glue refuses (the known
    # limitation: userspace-tso-enable and the nat64 action do not go
    # together).  Whether a transfer gets through on what is sent as
    # single segments is not the point; that nothing mistranslated reaches
    # the receiver is: no checksum error, and what arrived is a prefix of
    # what was sent.
    for dir in 4 6; do
        if [[ $dir == 4 ]]; then
            ns=v4 dst="TCP4:$TOPO_H6_AS4:9000" sink=recv6.bin
        else
            ns=v6 dst="TCP6:[$TOPO_H4_AS6]:9000" sink=recv4.bin
        fi
        tso0=$(coverage nat64_drop_tso)
        run "$ns" 5 socat -u "OPEN:$TOPO_DIR/data$dir.bin" "$dst"
        wait_coverage_above nat64_drop_tso "$tso0" &&
            ok "$name: bulk TCP from the IPv$dir host: TSO packets refused (coverage nat64_drop_tso $tso0 -> $(coverage nat64_drop_tso))" ||
            bad "$name: bulk TCP from the IPv$dir host: TSO packets refused (coverage nat64_drop_tso moved)" \
                "nat64_drop_tso $tso0 -> $(coverage nat64_drop_tso); sender rc $RC: $OUT"
        sleep 0.5
        got=$(stat -c %s "$TOPO_DIR/$sink" 2>/dev/null || echo 0)
        printf '      (the transfer: sender exit status %s, %s of %s bytes received)\n' "$RC" "$got" "$BIG"
        cmp -s -n "$got" "$TOPO_DIR/$sink" "$TOPO_DIR/data$dir.bin" &&
            ok "$name: bulk TCP from the IPv$dir host: the $got bytes received are what was sent" ||
            bad "$name: bulk TCP from the IPv$dir host: the $got bytes received are what was sent" \
                "$(cmp -n "$got" "$TOPO_DIR/$sink" "$TOPO_DIR/data$dir.bin" 2>&1)"
    done
    check_no_csum_errors "$name" "bulk TCP" "$errs0"
    expect_match "$name: ovs-vswitchd warned about the TSO packets, naming userspace-tso-enable" \
        '\|nat64_glue\|WARN\|.*TSO.*userspace-tso-enable=false' "$(cat "$TOPO_DIR/ovs-vswitchd.log")"

    # The glue refused them before the translator: the instance neither
    # dropped anything nor answered "too big".
    msg=$(topo_appctl nat64/stats "$TOPO_INSTANCE" 2>&1 | grep -E '^(drop-|reply-too-big)' | grep -v ': 0$')
    [[ -z $msg ]] && ok "$name: nat64/stats: no drop counter and no reply-too-big moved" ||
        bad "$name: nat64/stats: no drop counter and no reply-too-big moved" "$msg"
    for n in nat64_drop_no_headroom nat64_drop_burst_full; do
        got=$(coverage "$n")
        [[ $got == 0 ]] && ok "$name: coverage $n stayed 0" || bad "$name: coverage $n stayed 0" "$got"
    done
    variant_down "$name"
}

for v in $VARIANTS; do
    case $v in
    tap-tso) run_tso_variant ;;
    *) run_variant "$v" ;;
    esac
done

summary
[[ $fail -eq 0 ]]
