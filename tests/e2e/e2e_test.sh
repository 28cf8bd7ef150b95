#!/usr/bin/env bash
# End-to-end test of the nat64 OpenFlow action with real traffic: an
# IPv6-only and an IPv4-only network namespace, joined by the patched
# ovs-vswitchd's userspace datapath (tests/e2e/topology.sh draws it), and
# the real tools of the namespaces' own network stacks: ping, curl against
# python3's http.server, socat over UDP and TCP, traceroute, tracepath,
# tcpdump.
#
#   e2e_test.sh [BINDIR [SCHEMA]]      (as root)
#
# BINDIR holds the patched OVS programs (default: build/bin of this
# checkout), SCHEMA the vswitch.ovsschema (default: next to BINDIR in
# share/openvswitch).  Needs root, and Debian's iproute2 ethtool procps
# iputils-ping iputils-tracepath traceroute curl socat tcpdump python3;
# not being root or a missing tool is a failure, never a skip.
#
# The checks named "FRAGMENTATION:" need IPv6 fragmentation in the datapath
# (IPv4 packets with DF=0 that are larger than 1280 bytes once translated,
# RFC 7915 §4.1).
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
# Names unique per run, so that parallel runs and other users'
# namespaces are never touched.
TOPO_PREFIX=n64e2e-$$
TOPO_FAR=1
# shellcheck source-path=SCRIPTDIR source=topology.sh
. "$HERE/topology.sh" || fatal "cannot source $HERE/topology.sh"
# shellcheck source-path=SCRIPTDIR source=helpers.sh
. "$HERE/helpers.sh" || fatal "cannot source $HERE/helpers.sh"

# --- Preflight: root, programs, tools -----------------------------------
msg=$(topo_preflight 2>&1) || fatal "preflight: root and the patched OVS programs" "$msg"
missing=()
for t in ping tracepath traceroute curl socat tcpdump timeout sha256sum; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
done
# The servers are python3's; prefer Debian's interpreter over any other
# python3 on PATH.
PY=/usr/bin/python3
[[ -x $PY ]] || PY=$(command -v python3) || missing+=(python3)
[[ ${#missing[@]} -eq 0 ]] ||
    fatal "tools present" "missing: ${missing[*]}" \
        "Debian: apt-get install iputils-ping iputils-tracepath traceroute curl socat tcpdump python3"
ok "preflight: root, the patched OVS programs and every tool present"

# --- Topology -----------------------------------------------------------
section "topology: $TOPO_NS6 (IPv6 only) -- ovs-vswitchd in $TOPO_NSSW -- $TOPO_NS4 (IPv4 only) -- $TOPO_NSFAR"
topo_up || fatal "namespaces, patched ovs-vswitchd, instance and flows set up"
ok "namespaces, patched ovs-vswitchd, instance $TOPO_INSTANCE and flows set up"
expect_match "dpif/show-dp-features: NAT64 action: Yes" '^NAT64 action: Yes$' \
    "$(topo_appctl dpif/show-dp-features "$TOPO_BR" 2>&1)"

# Captures with tcpdump: cap_start NS COUNT FILTER... starts one on eth0
# of NS that stops after COUNT packets (or 10 s); cap_wait prints what it
# saw (-v: TTL, flags, length, checksums checked).
capn=0
cap_start() {
    local ns=$1 n=$2
    shift 2
    capn=$((capn + 1))
    cap_out=$TOPO_DIR/cap$capn.txt
    ip netns exec "$TOPO_PREFIX-$ns" timeout 10 tcpdump -i eth0 -nn -v -l -c "$n" "$@" \
        >"$cap_out" 2>"$cap_out.err" &
    cap_pid=$!
    for _ in $(seq 50); do
        grep -q 'listening on' "$cap_out.err" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}
cap_wait() {
    wait "$cap_pid"
    cat "$cap_out"
}
# hops: the hop addresses of a traceroute output, space-separated.
hops() {
    awk 'NR > 1 { print $2 }' <<<"$1" | paste -sd' '
}

# --- Servers ------------------------------------------------------------
# HTTP: python3's http.server in each namespace, on its own address.  A
# small page (checked for content) and 2 MiB of random bytes (full-size
# TCP segments, checked by hash).
token=$RANDOM$RANDOM
for side in 4 6; do
    mkdir -p "$TOPO_DIR/www$side"
    printf 'hello from the IPv%s-only namespace %s\n' "$side" "$token" >"$TOPO_DIR/www$side/hello.txt"
    head -c 2097152 /dev/urandom >"$TOPO_DIR/www$side/big.bin"
done
start_bg http4 v4 "$PY" -m http.server 8080 --bind "$TOPO_H4" --directory "$TOPO_DIR/www4"
start_bg http6 v6 "$PY" -m http.server 8080 --bind "$TOPO_H6" --directory "$TOPO_DIR/www6"
# UDP: a python echo server answering "PEER LENGTH FIRST-16-BYTES", so the
# client sees which source address the server saw.
cat >"$TOPO_DIR/udp_echo.py" <<'PYEOF'
import socket, sys
addr, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, port))
while True:
    data, peer = s.recvfrom(65535)
    s.sendto(b"%s %d %s\n" % (peer[0].encode(), len(data), data[:16].strip()), peer)
PYEOF
start_bg udp4 v4 "$PY" "$TOPO_DIR/udp_echo.py" "$TOPO_H4" 7000
start_bg udp6 v6 "$PY" "$TOPO_DIR/udp_echo.py" "$TOPO_H6" 7000
start_bg udpfar far "$PY" "$TOPO_DIR/udp_echo.py" "$TOPO_FAR_H" 7000
# TCP sink for uploads: writes what it receives to a file.
start_bg sink4 v4 socat -u "TCP4-LISTEN:9000,bind=$TOPO_H4,reuseaddr" "OPEN:$TOPO_DIR/upload4.bin,creat,trunc"
servers_up=1
for s in "v4 t 8080" "v6 t 8080" "v4 u 7000" "v6 u 7000" "far u 7000" "v4 t 9000"; do
    # shellcheck disable=SC2086 # "NS PROTO PORT"
    wait_listen $s || { servers_up=0; bad "server listening: $s" "$(tail -n 5 "$TOPO_DIR"/*.log)"; }
done
[[ $servers_up == 1 ]] && ok "HTTP, UDP echo and TCP sink servers listening in the namespaces"

# udp_echo NS DEST PORT PAYLOAD: sends PAYLOAD (one datagram) with socat
# and prints the answer.
udp_echo() {
    local ns=$1 dest=$2 port=$3 payload=$4 addr
    if [[ $dest == *:* ]]; then addr="UDP6:[$dest]:$port"; else addr="UDP4:$dest:$port"; fi
    printf '%s' "$payload" | ip netns exec "$TOPO_PREFIX-$ns" timeout 10 socat -t3 -T3 - "$addr" 2>&1
}

# --- 1. ping through the translator --------------------------------------
section "ping"
# IPv6 host -> IPv4 host by its pool6 address (RFC 6052 §2.2 embedding).
# The translator is a router: the hop limit drops by one (RFC 7915 §5.1
# TTL, §4.1 Hop Limit), so both echo requests and replies arrive with 63.
cap_start v4 1 'icmp[icmptype] = icmp-echo' || bad "tcpdump started in the IPv4 namespace"
run v6 15 ping -6 -c 3 -i 0.2 -W 2 "$TOPO_H4_AS6"
cap=$(cap_wait)
[[ $RC -eq 0 ]] && grep -q ' 0% packet loss' <<<"$OUT" &&
    grep -Eq "bytes from $TOPO_H4_AS6: icmp_seq=1 ttl=63 " <<<"$OUT" &&
    ok "ping -6 $TOPO_H4_AS6 (pool6 form of $TOPO_H4): 3 replies, hop limit 63" ||
    bad "ping -6 $TOPO_H4_AS6 (pool6 form of $TOPO_H4): 3 replies, hop limit 63" "$OUT"
# RFC 7915 §5.1: TTL = hop limit - 1; DF=0 and a fresh identification for
# packets of at most 1260 bytes; source = EAMT image of 2001:db8:6::5.
expect_match "tcpdump in the IPv4 namespace: echo request $TOPO_H6_AS4 > $TOPO_H4, ttl 63, DF clear" \
    "ttl 63, id [0-9]+, offset 0, flags \[none\], proto ICMP \(1\), length 84\)" "$cap"
expect_match "tcpdump: the translated echo request comes from the EAMT address" \
    "^ *$TOPO_H6_AS4 > $TOPO_H4: ICMP echo request" "$cap"
grep -q 'bad cksum' <<<"$cap" && bad "tcpdump: IPv4 header checksum correct" "$cap" ||
    ok "tcpdump: IPv4 header checksum correct"

# IPv4 host -> IPv6 host by its EAMT address (RFC 7757): the IPv4-only
# side reaches the IPv6-only host.
cap_start v6 1 'icmp6 and ip6[40] = 128' || bad "tcpdump started in the IPv6 namespace"
run v4 15 ping -c 3 -i 0.2 -W 2 "$TOPO_H6_AS4"
cap=$(cap_wait)
[[ $RC -eq 0 ]] && grep -q ' 0% packet loss' <<<"$OUT" &&
    grep -Eq "bytes from $TOPO_H6_AS4: icmp_seq=1 ttl=63 " <<<"$OUT" &&
    ok "ping $TOPO_H6_AS4 (EAMT address of $TOPO_H6) from the IPv4 namespace: 3 replies, ttl 63" ||
    bad "ping $TOPO_H6_AS4 (EAMT address of $TOPO_H6) from the IPv4 namespace: 3 replies, ttl 63" "$OUT"
# RFC 7915 §4.1/§4.2: hop limit = TTL - 1, ICMPv4 echo -> ICMPv6 echo
# with the checksum now over the IPv6 pseudo-header (tcpdump checks it).
expect_match "tcpdump in the IPv6 namespace: echo request $TOPO_H4_AS6 > $TOPO_H6, hop limit 63, checksum ok" \
    "hlim 63, next-header ICMPv6 \(58\) payload length: 64\) $TOPO_H4_AS6 > $TOPO_H6: \[icmp6 sum ok\] ICMP6, echo request" "$cap"

# --- 2. TCP: HTTP with curl, bulk upload with socat -----------------------
section "TCP"
# IPv6-only client -> IPv4-only HTTP server.
run v6 20 curl -sS -g --max-time 15 "http://[$TOPO_H4_AS6]:8080/hello.txt"
[[ $RC -eq 0 && $OUT == "hello from the IPv4-only namespace $token" ]] &&
    ok "curl http://[$TOPO_H4_AS6]:8080/hello.txt from the IPv6 namespace: content right" ||
    bad "curl http://[$TOPO_H4_AS6]:8080/hello.txt from the IPv6 namespace: content right" "rc $RC: $OUT"
expect_match "the IPv4 server saw the client as $TOPO_H6_AS4 (EAMT)" \
    "^$TOPO_H6_AS4 - - .*\"GET /hello.txt HTTP/1.1\" 200" "$(cat "$TOPO_DIR/http4.log")"
run v6 40 curl -sS -g --max-time 30 -o "$TOPO_DIR/big4.dl" "http://[$TOPO_H4_AS6]:8080/big.bin"
[[ $RC -eq 0 && $(sha256sum <"$TOPO_DIR/big4.dl") == $(sha256sum <"$TOPO_DIR/www4/big.bin") ]] &&
    ok "curl: 2 MiB from the IPv4 server arrive intact (IPv4->IPv6 full-size segments)" ||
    bad "curl: 2 MiB from the IPv4 server arrive intact (IPv4->IPv6 full-size segments)" "rc $RC: $OUT"

# IPv4-only client -> TCP service in the IPv6-only namespace, through the
# EAMT mapping; the client's address is embedded in pool6.
run v4 20 curl -sS --max-time 15 "http://$TOPO_H6_AS4:8080/hello.txt"
[[ $RC -eq 0 && $OUT == "hello from the IPv6-only namespace $token" ]] &&
    ok "curl http://$TOPO_H6_AS4:8080/hello.txt from the IPv4 namespace: content right" ||
    bad "curl http://$TOPO_H6_AS4:8080/hello.txt from the IPv4 namespace: content right" "rc $RC: $OUT"
expect_match "the IPv6 server saw the client as $TOPO_H4_AS6 (pool6)" \
    "^$TOPO_H4_AS6 - - .*\"GET /hello.txt HTTP/1.1\" 200" "$(cat "$TOPO_DIR/http6.log")"
run v4 40 curl -sS --max-time 30 -o "$TOPO_DIR/big6.dl" "http://$TOPO_H6_AS4:8080/big.bin"
[[ $RC -eq 0 && $(sha256sum <"$TOPO_DIR/big6.dl") == $(sha256sum <"$TOPO_DIR/www6/big.bin") ]] &&
    ok "curl: 2 MiB from the IPv6 server arrive intact (IPv6->IPv4 full-size segments)" ||
    bad "curl: 2 MiB from the IPv6 server arrive intact (IPv6->IPv4 full-size segments)" "rc $RC: $OUT"

# Bulk upload IPv6 -> IPv4 with socat (the client's segments are the big
# ones this time).
run v6 40 socat -u "OPEN:$TOPO_DIR/www6/big.bin" "TCP6:[$TOPO_H4_AS6]:9000"
for _ in $(seq 50); do
    [[ $(stat -c %s "$TOPO_DIR/upload4.bin" 2>/dev/null) == 2097152 ]] && break
    sleep 0.1
done
[[ $RC -eq 0 && $(sha256sum <"$TOPO_DIR/upload4.bin") == $(sha256sum <"$TOPO_DIR/www6/big.bin") ]] &&
    ok "socat: 2 MiB uploaded from the IPv6 namespace to the IPv4 TCP sink arrive intact" ||
    bad "socat: 2 MiB uploaded from the IPv6 namespace to the IPv4 TCP sink arrive intact" "rc $RC: $OUT"

# --- 3. UDP both ways ----------------------------------------------------
section "UDP"
# RFC 7915 §4.5/§5.5: the UDP checksum is updated for the new pseudo-
# header; the receiving stacks drop a datagram whose checksum is wrong.
payload=hello-udp6-$token
out=$(udp_echo v6 "$TOPO_H4_AS6" 7000 "$payload")
[[ $out == "$TOPO_H6_AS4 ${#payload} ${payload:0:16}" ]] &&
    ok "UDP IPv6 -> IPv4: the echo server saw $TOPO_H6_AS4, the answer came back" ||
    bad "UDP IPv6 -> IPv4: the echo server saw $TOPO_H6_AS4, the answer came back" "got: $out"
payload=hello-udp4-$token
out=$(udp_echo v4 "$TOPO_H6_AS4" 7000 "$payload")
[[ $out == "$TOPO_H4_AS6 ${#payload} ${payload:0:16}" ]] &&
    ok "UDP IPv4 -> IPv6: the echo server saw $TOPO_H4_AS6, the answer came back" ||
    bad "UDP IPv4 -> IPv6: the echo server saw $TOPO_H4_AS6, the answer came back" "got: $out"

# --- 4. Hop limit: time exceeded across the translator ---------------------
section "hop limit and traceroute"
# RFC 7915 §5.1 (and RFC 4443 §3.3): the translator is a router; a packet
# whose hop limit would reach 0 is answered with ICMPv6 time exceeded from
# its own address, router-ipv6.
before=$(counter reply-hop-limit)
run v6 10 ping -6 -c 1 -W 2 -t 1 "$TOPO_H4_AS6"
expect_match "ping -6 -t 1: time exceeded from the translator ($TOPO_GW6)" \
    "^From $TOPO_GW6 icmp_seq=1 Time exceeded: Hop limit" "$OUT"
[[ $(counter reply-hop-limit) == $((before + 1)) ]] &&
    ok "nat64/stats: reply-hop-limit counted it" ||
    bad "nat64/stats: reply-hop-limit counted it" "$before -> $(counter reply-hop-limit)"
# RFC 7915 §4.1: the same for IPv4, from router-ipv4.
before=$(counter reply-hop-limit)
run v4 10 ping -c 1 -W 2 -t 1 "$TOPO_H6_AS4"
expect_match "ping -t 1 from the IPv4 namespace: time exceeded from the translator ($TOPO_GW4)" \
    "^From $TOPO_GW4 icmp_seq=1 Time to live exceeded" "$OUT"
[[ $(counter reply-hop-limit) == $((before + 1)) ]] &&
    ok "nat64/stats: reply-hop-limit counted it" ||
    bad "nat64/stats: reply-hop-limit counted it" "$before -> $(counter reply-hop-limit)"

# traceroute (UDP probes) from the IPv6 host to the host behind the IPv4
# router: hop 1 is the translator (its own ICMPv6 error); hop 2 is the
# IPv4 router, whose ICMPv4 time exceeded the translator turns into
# ICMPv6 (RFC 7915 §4.2 type 11 -> 3, §4.3 the inner packet translated
# back, so traceroute matches it to its probe) with the router's address in
# pool6; hop 3 is the destination's port unreachable (type 3 code 3 ->
# type 1 code 4).
run v6 30 traceroute -6 -n -q 1 -w 2 -m 5 "$TOPO_FAR_AS6"
want="$TOPO_GW6 $TOPO_H4_AS6 $TOPO_FAR_AS6"
[[ $RC -eq 0 && $(hops "$OUT") == "$want" ]] &&
    ok "traceroute -6 $TOPO_FAR_AS6: hops $want" ||
    bad "traceroute -6 $TOPO_FAR_AS6: hops $want" "$OUT"
# And from the far IPv4 host to the IPv6 host: the IPv4 router, the
# translator (router-ipv4), then the IPv6 host's port unreachable turned
# into ICMPv4 from its EAMT address (RFC 7915 §5.2, §5.3).
run far 30 traceroute -n -q 1 -w 2 -m 5 "$TOPO_H6_AS4"
want="$TOPO_FAR_GW $TOPO_GW4 $TOPO_H6_AS4"
[[ $RC -eq 0 && $(hops "$OUT") == "$want" ]] &&
    ok "traceroute $TOPO_H6_AS4 from behind the IPv4 router: hops $want" ||
    bad "traceroute $TOPO_H6_AS4 from behind the IPv4 router: hops $want" "$OUT"

# --- 5. Path MTU discovery --------------------------------------------------
section "path MTU discovery"
# ping_answered NS ARGS...: one ping (ARGS are its options and target)
# from NS is answered; OUT says what happened.
ping_answered() {
    local ns=$1
    shift
    run "$ns" 10 ping -c 1 -W 2 "$@"
    [[ $RC -eq 0 ]] && grep -q ' 0% packet loss' <<<"$OUT"
}
# udp_answered NS DEST SIZE: the echo server at DEST answers a datagram of
# SIZE bytes from NS with the right length.
udp_answered() {
    local peer=$TOPO_H6_AS4
    [[ $2 == *:* ]] || peer=$TOPO_H4_AS6
    OUT=$(udp_echo "$1" "$2" 7000 "$(head -c "$3" /dev/zero | tr '\0' f)")
    [[ $OUT == "$peer $3 ffffffffffffffff" ]]
}
# fragmentation_check NAME CHECK ARGS...: a check that needs IPv6
# fragmentation in the datapath (see the header).
fragmentation_check() {
    local name=$1
    shift
    "$@" && ok "$name" || bad "$name" "$OUT"
}

# (a) IPv4 sender, DF set, packet too big for the IPv6 side: all links are
# 1500, so a 1500-byte IPv4 packet would be 1520 bytes as IPv6.  RFC 7915
# §4.1/§4.4 and RFC 1191: ICMPv4 fragmentation needed from router-ipv4,
# MTU = ipv6-mtu - 20 = 1480.
before=$(counter reply-too-big)
run v4 10 ping -c 1 -W 2 -M "do" -s 1472 "$TOPO_H6_AS4"
expect_match "ping -M do -s 1472 (1500 bytes, DF): fragmentation needed, mtu 1480, from $TOPO_GW4" \
    "^From $TOPO_GW4 icmp_seq=1 Frag needed and DF set \(mtu = 1480\)" "$OUT"
[[ $(counter reply-too-big) == $((before + 1)) ]] &&
    ok "nat64/stats: reply-too-big counted it" ||
    bad "nat64/stats: reply-too-big counted it" "$before -> $(counter reply-too-big)"
run v4 5 ip route get "$TOPO_H6_AS4"
expect_match "ip route get $TOPO_H6_AS4 in the IPv4 namespace: cached mtu 1480" ' mtu 1480( |$)' "$OUT"
run v4 10 ping -c 1 -W 2 -M "do" -s 1452 "$TOPO_H6_AS4"
[[ $RC -eq 0 ]] && grep -q '1460 bytes from' <<<"$OUT" &&
    ok "ping -M do -s 1452 (1480 bytes, the learned MTU): answered" ||
    bad "ping -M do -s 1452 (1480 bytes, the learned MTU): answered" "$OUT"
# RFC 7915 §4.1: with DF=0 the translator fragments what would be larger
# than 1280 bytes (lowest-ipv6-mtu) as IPv6.
fragmentation_check "FRAGMENTATION: ping -M dont -s 1300 from IPv4 (DF=0, 1348 bytes as IPv6 > 1280): answered" \
    ping_answered v4 -M dont -s 1300 "$TOPO_H6_AS4"
# The IPv4 sender's own fragments (DF=0, 1500 bytes) need refragmenting.
# (UDP: fragmented ICMP cannot be translated at all, drop-icmp-fragment.)
fragmentation_check "FRAGMENTATION: UDP of 3000 bytes from IPv4 (sender's fragments, refragmented as IPv6): answered" \
    udp_answered v4 "$TOPO_H6_AS4" 3000

# (b) An IPv4 router behind the translator has the smaller link (1300):
# the translated packet (DF=1, as it is larger than 1260 bytes, RFC 7915
# §5.1) gets the router's ICMPv4 fragmentation needed (mtu 1300), which
# the translator turns into ICMPv6 packet too big with mtu 1320 (RFC 7915
# §4.2: the MTU grows by the header difference), from the router's pool6
# address.  Not a translator-originated error: reply-too-big stays put.
before=$(counter reply-too-big)
run v6 10 ping -6 -c 1 -W 2 -M "do" -s 1352 "$TOPO_FAR_AS6"
expect_match "ping -6 -s 1352 (1400 bytes) to the far host: packet too big, mtu 1320, from the IPv4 router ($TOPO_H4_AS6)" \
    "^From $TOPO_H4_AS6 icmp_seq=1 Packet too big: mtu=1320" "$OUT"
[[ $(counter reply-too-big) == "$before" ]] &&
    ok "nat64/stats: reply-too-big did not move (the router's error was translated)" ||
    bad "nat64/stats: reply-too-big did not move (the router's error was translated)" "$before -> $(counter reply-too-big)"
run v6 5 ip -6 route get "$TOPO_FAR_AS6"
expect_match "ip -6 route get $TOPO_FAR_AS6 in the IPv6 namespace: cached mtu 1320" ' mtu 1320( |$)' "$OUT"
# At the learned size the datagram gets through: 1320 bytes of IPv6 are
# 1300 of IPv4.  (UDP, as the far host's ping reply would have DF=0 and
# need IPv6 fragmentation on the way back.)
out=$(udp_echo v6 "$TOPO_FAR_AS6" 7000 "$(head -c 1272 /dev/zero | tr '\0' p)")
[[ $out == "$TOPO_H6_AS4 1272 pppppppppppppppp" ]] &&
    ok "UDP of 1320 IPv6 bytes (the learned MTU) reaches the far host, answer back" ||
    bad "UDP of 1320 IPv6 bytes (the learned MTU) reaches the far host, answer back" "got: $out"
fragmentation_check "FRAGMENTATION: ping -6 -s 1272 to the far host (its 1300-byte reply has DF=0): answered" \
    ping_answered v6 -6 -M "do" -s 1272 "$TOPO_FAR_AS6"

# (c) The translator's own IPv4 link is the small one: uplink MTU 1400,
# ipv4-mtu 1400.  An IPv6 packet that would be larger than 1400 bytes as
# IPv4 is answered with ICMPv6 packet too big from router-ipv6, mtu 1420
# (IPv6 routers never fragment, RFC 8200 §5, RFC 8201; RFC 7915 §5.4).
topo_set_mtu4 1400 && ok "IPv4 link MTU and ipv4-mtu set to 1400" ||
    bad "IPv4 link MTU and ipv4-mtu set to 1400"
before=$(counter reply-too-big)
run v6 10 ping -6 -c 1 -W 2 -M "do" -s 1452 "$TOPO_H4_AS6"
expect_match "ping -6 -s 1452 (1500 bytes): packet too big, mtu 1420, from the translator ($TOPO_GW6)" \
    "^From $TOPO_GW6 icmp_seq=1 Packet too big: mtu=1420" "$OUT"
[[ $(counter reply-too-big) == $((before + 1)) ]] &&
    ok "nat64/stats: reply-too-big counted it" ||
    bad "nat64/stats: reply-too-big counted it" "$before -> $(counter reply-too-big)"
run v6 5 ip -6 route get "$TOPO_H4_AS6"
expect_match "ip -6 route get $TOPO_H4_AS6: cached mtu 1420" ' mtu 1420( |$)' "$OUT"
# tracepath discovers the same by itself once the cache is flushed.
run v6 5 ip -6 route flush cache
run v6 30 tracepath -6 -n -m 5 "$TOPO_H4_AS6"
expect_match "tracepath -6 $TOPO_H4_AS6: reached, pmtu 1420" 'Resume: pmtu 1420 hops 2 ' "$OUT"
# At the learned size: a 1420-byte IPv6 datagram crosses as a 1400-byte
# IPv4 one with DF set (RFC 7915 §5.1: DF=1 above 1260 bytes, ID 0 as it
# is atomic, RFC 6864 §4.1).
cap_start v4 1 'udp and dst port 7000' || bad "tcpdump started in the IPv4 namespace"
out=$(udp_echo v6 "$TOPO_H4_AS6" 7000 "$(head -c 1372 /dev/zero | tr '\0' q)")
cap=$(cap_wait)
[[ $out == "$TOPO_H6_AS4 1372 qqqqqqqqqqqqqqqq" ]] &&
    ok "UDP of 1420 IPv6 bytes (the learned MTU) reaches the IPv4 host, answer back" ||
    bad "UDP of 1420 IPv6 bytes (the learned MTU) reaches the IPv4 host, answer back" "got: $out"
expect_match "tcpdump: it arrived as 1400 bytes of IPv4 with DF set, ttl 63" \
    "ttl 63, id 0, offset 0, flags \[DF\], proto UDP \(17\), length 1400\)" "$cap"
# Larger than the path MTU: the IPv6 sender fragments (RFC 8200 §4.5),
# the translator turns each fragment into an IPv4 fragment (RFC 7915
# §5.1.1) and the IPv4 host reassembles the datagram.
out=$(udp_echo v6 "$TOPO_H4_AS6" 7000 "$(head -c 3000 /dev/zero | tr '\0' r)")
[[ $out == "$TOPO_H6_AS4 3000 rrrrrrrrrrrrrrrr" ]] &&
    ok "UDP of 3000 bytes, fragmented by the IPv6 sender, reassembled by the IPv4 host" ||
    bad "UDP of 3000 bytes, fragmented by the IPv6 sender, reassembled by the IPv4 host" "got: $out"
# TCP across the new MTU: the MSS option (the server's 1360) keeps the
# segments within it.
run v6 40 curl -sS -g --max-time 30 -o "$TOPO_DIR/big4b.dl" "http://[$TOPO_H4_AS6]:8080/big.bin"
[[ $RC -eq 0 && $(sha256sum <"$TOPO_DIR/big4b.dl") == $(sha256sum <"$TOPO_DIR/www4/big.bin") ]] &&
    ok "curl: 2 MiB from the IPv4 server intact over the 1400-byte link" ||
    bad "curl: 2 MiB from the IPv4 server intact over the 1400-byte link" "rc $RC: $OUT"
fragmentation_check "FRAGMENTATION: ping -6 -s 1372 (its 1400-byte IPv4 reply has DF=0): answered" \
    ping_answered v6 -6 -M "do" -s 1372 "$TOPO_H4_AS6"

# --- 6. The switch itself ---------------------------------------------------
section "switch state"
dp=$(topo_appctl dpctl/dump-flows 2>&1)
expect_match "dpctl/dump-flows: nat64(instance=$TOPO_INSTANCE) then recirc" \
    "actions:nat64\(instance=$TOPO_INSTANCE\),recirc\(0x[0-9a-f]+\)" "$dp"
stats=$(topo_appctl nat64/stats "$TOPO_INSTANCE" 2>&1)
t64=$(sed -n 's/^translated-6to4: //p' <<<"$stats")
t46=$(sed -n 's/^translated-4to6: //p' <<<"$stats")
[[ ${t64:-0} -gt 0 && ${t46:-0} -gt 0 ]] &&
    ok "nat64/stats: packets translated both ways (6to4 $t64, 4to6 $t46)" ||
    bad "nat64/stats: packets translated both ways" "$stats"
# Nothing in this run is malformed or untranslatable.
drops=$(grep -E '^drop-' <<<"$stats" | grep -v ': 0$')
[[ -z $drops ]] && ok "nat64/stats: no drop counter moved" ||
    bad "nat64/stats: no drop counter moved" "$drops"
if kill -0 "$(cat "$TOPO_DIR/ovs-vswitchd.pid" 2>/dev/null)" 2>/dev/null; then
    ok "ovs-vswitchd is still running"
else
    bad "ovs-vswitchd is still running" "$(tail -n 20 "$TOPO_DIR/ovs-vswitchd.log")"
fi
errs=$(grep -E '\|(EMER|ERR)\|' "$TOPO_DIR/ovs-vswitchd.log")
[[ -z $errs ]] && ok "ovs-vswitchd logged no errors" || bad "ovs-vswitchd logged no errors" "$errs"
cov=$(topo_appctl coverage/show | grep -E '^nat64_' | awk '{print $1 "=" $NF}' | paste -sd' ')
printf 'datapath coverage: %s\n' "${cov:-none}"

summary
[[ $fail -eq 0 ]]
