#!/usr/bin/env bash
# The nat64(instance=ID,table=T) OpenFlow action against a sandboxed, patched
# ovs-vswitchd (tests/ovs/sandbox.sh: private mktemp directory, unix sockets
# only, dummy netdev/dpif providers, daemons killed on every exit).
#
#   action_test.sh BINDIR SCHEMA
#
# BINDIR holds the patched OVS programs (build/bin), SCHEMA is
# build/share/openvswitch/vswitch.ovsschema.  Frames are built and pcap
# files read with scapy under /usr/bin/python3 (Debian's python3-scapy);
# missing scapy is a failure, never a skip.  The last line is
# "N passed, M failed".

# "COND && ok ... || bad ..." is safe here: ok always succeeds.
# shellcheck disable=SC2015
SANDBOX_NAME=action
# shellcheck source-path=SCRIPTDIR source=sandbox.sh
. "$(dirname "$0")/sandbox.sh" || { echo "0 passed, 1 failed"; exit 1; }

[[ $# -eq 2 ]] || fatal "usage: $0 BINDIR SCHEMA"
SCHEMA=$2
sandbox_check_programs "$1" ovs-ofctl
sandbox_need_scapy

sandbox_start br0

# ofctl_refused NAME PATTERN ARGS...: ovs-ofctl fails, its error matches the
# extended regex PATTERN.
ofctl_refused() {
    local name=$1 pattern=$2
    shift 2
    ofctl "$@"
    if [[ $RC -eq 0 ]]; then
        bad "$name" "ovs-ofctl $* succeeded"
    elif ! grep -Eqi -- "$pattern" <<<"$ERR"; then
        bad "$name" "error does not match /$pattern/: $ERR"
    else
        ok "$name"
    fi
}
# flow_actions FLOWS: the actions= part of every flow in a dump, one a line.
flow_actions() {
    grep -o 'actions=.*' <<<"$1"
}

# --- Packets: built and checked with scapy ------------------------------
# Addresses: the IPv6 host 2001:db8:6::5 is 198.51.100.5 by the EAMT; the
# IPv4 host 203.0.113.33 is 2001:db8:64::cb00:7121 in pool6.
cat >"$dir/pkt.py" <<'PYEOF'
import sys
from scapy.all import Ether, IP, IPv6, UDP, Raw, rdpcap, raw, checksum
H6, H4 = "2001:db8:6::5", "198.51.100.5"      # EAMT pair
R4, R6 = "203.0.113.33", "2001:db8:64::cb00:7121"  # pool6 mapping
MAC6, MAC4 = "50:54:00:00:00:06", "50:54:00:00:00:04"
GW = "50:54:00:00:00:01"
PAYLOAD = b"nat64 action test payload"

def v6(dst=R6):
    return (Ether(src=MAC6, dst=GW) / IPv6(src=H6, dst=dst, hlim=64, tc=0)
            / UDP(sport=40000, dport=53) / Raw(PAYLOAD))

def v4():
    return (Ether(src=MAC4, dst=GW) / IP(src=R4, dst=H4, ttl=64, id=0x1234,
                                         flags="DF", tos=0)
            / UDP(sport=53, dport=40000) / Raw(PAYLOAD))

def packets(path):
    try:
        return list(rdpcap(path))
    except FileNotFoundError:
        return []

def fail(msg):
    print(msg)
    sys.exit(1)

def check4(path, n):
    """The n-th (1-based) frame in 'path' is v6() translated to IPv4."""
    pkts = packets(path)
    if len(pkts) < n:
        fail(f"{path} has {len(pkts)} frames, expected at least {n}")
    got = raw(pkts[n - 1])
    if got[12:14] != b"\x08\x00":
        fail(f"ethertype {got[12:14].hex()} is not IPv4: {got.hex()}")
    ip = got[14:]
    if checksum(ip[:20]) != 0:
        fail(f"bad IPv4 header checksum: {ip[:20].hex()}")
    ident = int.from_bytes(ip[4:6], "big")
    # RFC 7915 5.1: hop limit - 1, DF=0 for packets of at most 1260 bytes
    # (identification chosen by the translator), UDP checksum recomputed.
    want = raw(IP(src=H4, dst=R4, ttl=63, id=ident, flags=0, tos=0)
               / UDP(sport=40000, dport=53) / Raw(PAYLOAD))
    if ip != want:
        fail(f"IPv4 packet differs:\n  got  {ip.hex()}\n  want {want.hex()}")
    print(f"IPv4 translation matches (id={ident:#x})")

def check6(path, n):
    """The n-th (1-based) frame in 'path' is v4() translated to IPv6."""
    pkts = packets(path)
    if len(pkts) < n:
        fail(f"{path} has {len(pkts)} frames, expected at least {n}")
    got = raw(pkts[n - 1])
    if got[12:14] != b"\x86\xdd":
        fail(f"ethertype {got[12:14].hex()} is not IPv6: {got.hex()}")
    ip = got[14:]
    # RFC 7915 4.1: TTL - 1, no fragment header (DF was set), flow label 0.
    want = raw(IPv6(src=R6, dst=H6, hlim=63, tc=0, fl=0)
               / UDP(sport=53, dport=40000) / Raw(PAYLOAD))
    if ip != want:
        fail(f"IPv6 packet differs:\n  got  {ip.hex()}\n  want {want.hex()}")
    print("IPv6 translation matches")

def rawflow(sock_path, instance, table, dl_type):
    """Sends an OpenFlow 1.3 flow_mod with a hand-encoded nat64 action
    straight to the switch (ovs-ofctl would refuse it before sending) and
    prints the switch's verdict: "ok" or "error TYPE CODE"."""
    import socket, struct
    def msg(mtype, body, xid):
        return struct.pack("!BBHI", 4, mtype, 8 + len(body), xid) + body
    def oxm_match():
        oxm = b""
        if dl_type:   # OXM_OF_ETH_TYPE
            oxm = struct.pack("!HBBH", 0x8000, 5 << 1, 2, dl_type)
        m = struct.pack("!HH", 1, 4 + len(oxm)) + oxm
        return m + b"\0" * (-len(m) % 8)
    # nx_action_nat64: OFPAT_VENDOR, len 16, NX_VENDOR_ID, subtype 200,
    # table, pad, instance.
    act = struct.pack("!HHIHBBI", 0xffff, 16, 0x2320, 200, table, 0, instance)
    inst = struct.pack("!HH4x", 4, 8 + len(act)) + act   # APPLY_ACTIONS
    fm = struct.pack("!QQBBHHHIIIH2x", 0, 0, 0, 0, 0, 0, 100,
                     0xffffffff, 0xffffffff, 0xffffffff, 0)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(sock_path)
    s.sendall(msg(0, b"", 1) + msg(14, fm + oxm_match() + inst, 2)
              + msg(20, b"", 3))
    buf, verdict = b"", None
    while True:
        while len(buf) < 8 or len(buf) < struct.unpack("!H", buf[2:4])[0]:
            data = s.recv(65536)
            if not data:
                fail(f"connection closed ({verdict})")
            buf += data
        n = struct.unpack("!H", buf[2:4])[0]
        m, buf = buf[:n], buf[n:]
        mtype, xid = m[1], struct.unpack("!I", m[4:8])[0]
        if mtype == 1 and xid == 2:     # OFPT_ERROR for the flow_mod
            verdict = "error %d %d" % struct.unpack("!HH", m[8:12])
        elif mtype == 1:
            fail("unexpected error: " + m.hex())
        elif mtype == 21:               # OFPT_BARRIER_REPLY
            print(verdict or "ok")
            return

cmd = sys.argv[1]
if cmd == "rawflow":
    rawflow(sys.argv[2], *(int(a, 0) for a in sys.argv[3:6]))
elif cmd == "frame6":
    print(raw(v6(*sys.argv[2:])).hex())
elif cmd == "frame4":
    print(raw(v4()).hex())
elif cmd == "count":
    print(len(packets(sys.argv[2])))
elif cmd == "check4":
    check4(sys.argv[2], int(sys.argv[3]))
elif cmd == "check6":
    check6(sys.argv[2], int(sys.argv[3]))
else:
    fail(f"unknown command {cmd}")
PYEOF
pkt() {
    $PY "$dir/pkt.py" "$@"
}

P1_TX=$dir/p1-tx.pcap
P2_TX=$dir/p2-tx.pcap
sandbox_add_dummy_ports br0 "$P1_TX" "$P2_TX"

# --- 1. add-flow / dump-flows round trip --------------------------------
ofctl del-flows br0   # the bridge's default NORMAL flow
ofctl add-flow br0 'ipv6,actions=nat64(instance=7,table=10)'
[[ $RC -eq 0 ]] && ok "add-flow accepts nat64(instance=7,table=10)" ||
    bad "add-flow accepts nat64(instance=7,table=10)" "$ERR"
ofctl dump-flows --no-names br0
[[ $(flow_actions "$OUT") == "actions=nat64(instance=7,table=10)" ]] &&
    ok "dump-flows prints actions=nat64(instance=7,table=10)" ||
    bad "dump-flows prints actions=nat64(instance=7,table=10)" "$OUT"
ofctl del-flows br0
ofctl -O OpenFlow13 add-flow br0 'ip,actions=nat64(instance=7,table=10),output:2'
[[ $RC -eq 0 ]] && ok "OpenFlow13 add-flow accepts nat64 followed by output" ||
    bad "OpenFlow13 add-flow accepts nat64 followed by output" "$ERR"
ofctl -O OpenFlow13 dump-flows --no-names br0
[[ $(flow_actions "$OUT") == "actions=nat64(instance=7,table=10),output:2" ]] &&
    ok "OpenFlow13 dump-flows prints actions=nat64(instance=7,table=10),output:2" ||
    bad "OpenFlow13 dump-flows prints actions=nat64(instance=7,table=10),output:2" "$OUT"
ofctl del-flows br0

# --- 2. Refused flows ---------------------------------------------------
ofctl_refused "a nat64 flow matching arp is refused, naming the match" 'match' \
    add-flow br0 'arp,actions=nat64(instance=7,table=10)'
ofctl_refused "a nat64 flow without an IP match is refused, naming the match" \
    'match' add-flow br0 'in_port=1,actions=nat64(instance=7,table=10)'
ofctl_refused "nat64 with instance=0 is refused" 'instance' \
    add-flow br0 'ipv6,actions=nat64(instance=0,table=10)'
ofctl_refused "nat64 with instance beyond 32 bits is refused" 'instance' \
    add-flow br0 'ipv6,actions=nat64(instance=4294967296,table=10)'
ofctl_refused "nat64 without table is refused" 'table' \
    add-flow br0 'ipv6,actions=nat64(instance=7)'
ofctl_refused "nat64 without instance is refused" 'instance' \
    add-flow br0 'ipv6,actions=nat64(table=10)'
ofctl_refused "nat64 with an unknown argument is refused" 'bogus' \
    add-flow br0 'ipv6,actions=nat64(instance=7,table=10,bogus=1)'
# The same checks in the switch itself: ovs-ofctl checks the actions
# before sending them, so send hand-encoded OpenFlow 1.3 flow_mods.
# OFPET_BAD_ACTION (2): OFPBAC_BAD_ARGUMENT (5), OFPBAC_MATCH_INCONSISTENT (10).
raw_refused() { # NAME WANT INSTANCE TABLE DL_TYPE
    local got
    got=$(pkt rawflow "$dir/br0.mgmt" "$3" "$4" "$5" 2>&1)
    [[ $got == "$2" ]] && ok "$1" || bad "$1" "switch answered '$got', expected '$2'"
}
raw_refused "switch: a nat64 flow without an IP match is refused (MATCH_INCONSISTENT)" \
    "error 2 10" 7 10 0
raw_refused "switch: a nat64 flow matching arp is refused (MATCH_INCONSISTENT)" \
    "error 2 10" 7 10 0x0806
raw_refused "switch: nat64 with instance 0 is refused (BAD_ARGUMENT)" \
    "error 2 5" 0 10 0x86dd
ofctl dump-flows --no-names br0
[[ -z $(flow_actions "$OUT") ]] && ok "no refused flow was installed" ||
    bad "no refused flow was installed" "$OUT"
raw_refused "switch: a hand-encoded nat64 flow matching ipv6 is accepted" \
    "ok" 7 10 0x86dd
ofctl dump-flows --no-names br0
[[ $(flow_actions "$OUT") == "actions=nat64(instance=7,table=10)" ]] &&
    ok "the hand-encoded flow dumps as nat64(instance=7,table=10)" ||
    bad "the hand-encoded flow dumps as nat64(instance=7,table=10)" "$OUT"
ofctl del-flows br0

# --- 3. Capability ------------------------------------------------------
appctl dpif/show-dp-features br0
expect_match "dpif/show-dp-features: NAT64 action: Yes" '^NAT64 action: Yes$' "$OUT"

# --- 4. Translation on the dummy datapath -------------------------------
DOC='{"instance": 7, "pool6": "2001:db8:64::/96", "router-ipv4": "198.51.100.1", "router-ipv6": "2001:db8:1c0:2:1::"}'
expect_ok "instance-set 7 with pool6 2001:db8:64::/96" nat64/instance-set "$DOC"
expect_ok "eamt-add 2001:db8:6::5/128 198.51.100.5/32" \
    nat64/eamt-add 7 2001:db8:6::5/128 198.51.100.5/32
cat >"$dir/flows" <<'FLOWS'
table=0,in_port=p1,ipv6,actions=nat64(instance=7,table=10)
table=0,in_port=p2,ip,actions=nat64(instance=7,table=10)
table=0,priority=40000,in_port=p1,ipv6,ipv6_dst=2001:db8:99::/64,actions=nat64(instance=99,table=10)
table=10,ip,actions=output:p2
table=10,ipv6,actions=output:p1
FLOWS
ofctl add-flows br0 "$dir/flows"
[[ $RC -eq 0 ]] && ok "translation flows installed" ||
    bad "translation flows installed" "$ERR"

frame6=$(pkt frame6) || fatal "building the IPv6 frame failed" "$frame6"
expect_ok "netdev-dummy/receive p1 (IPv6 UDP)" netdev-dummy/receive p1 "$frame6"
n=$(wait_at_least 1 pkt count "$P2_TX")
[[ $n -eq 1 ]] && ok "exactly one frame sent on p2" ||
    bad "exactly one frame sent on p2" "$n frames"
msg=$(pkt check4 "$P2_TX" 1) && ok "IPv6->IPv4 translation is byte-exact ($msg)" ||
    bad "IPv6->IPv4 translation is byte-exact" "$msg"
appctl dpctl/dump-flows
dpflows=$OUT
expect_match "dpctl/dump-flows shows nat64(instance=7)" 'nat64\(instance=7\)' "$dpflows"
expect_match "dpctl/dump-flows shows the recirculation" 'nat64\(instance=7\),recirc\(' "$dpflows"

frame4=$(pkt frame4) || fatal "building the IPv4 frame failed" "$frame4"
expect_ok "netdev-dummy/receive p2 (IPv4 UDP)" netdev-dummy/receive p2 "$frame4"
n=$(wait_at_least 1 pkt count "$P1_TX")
[[ $n -eq 1 ]] && ok "exactly one frame sent on p1" ||
    bad "exactly one frame sent on p1" "$n frames"
msg=$(pkt check6 "$P1_TX" 1) && ok "IPv4->IPv6 translation is byte-exact ($msg)" ||
    bad "IPv4->IPv6 translation is byte-exact" "$msg"
[[ $(pkt count "$P2_TX") -eq 1 ]] && ok "nothing more sent on p2" ||
    bad "nothing more sent on p2" "$(pkt count "$P2_TX") frames"

appctl nat64/stats 7
stats1=$OUT
expect_match "nat64/stats 7: translated-6to4: 1" '^translated-6to4: 1$' "$stats1"
expect_match "nat64/stats 7: translated-4to6: 1" '^translated-4to6: 1$' "$stats1"
[[ $(grep -vcE ': 0$|^translated-(6to4|4to6): 1$' <<<"$stats1") -eq 0 ]] &&
    ok "nat64/stats 7: no other counter moved" || bad "nat64/stats 7: no other counter moved" "$stats1"

# --- 5. ofproto/trace dry run -------------------------------------------
appctl ofproto/trace br0 'in_port=p1,udp6,ipv6_src=2001:db8:6::5,ipv6_dst=2001:db8:64::cb00:7121,nw_ttl=64,udp_src=40000,udp_dst=53'
trace=$OUT
if [[ $RC -eq 0 ]]; then
    ok "ofproto/trace of an IPv6 UDP flow to pool6 succeeds"
else
    bad "ofproto/trace of an IPv6 UDP flow to pool6 succeeds" "rc $RC: $ERR"
fi
expect_match "trace: datapath actions contain nat64(instance=7)" \
    '^Datapath actions: .*nat64\(instance=7\),recirc\(' "$trace"
expect_match "trace: the dry run translates" \
    '^Translated flow: .*udp.*nw_src=198\.51\.100\.5,nw_dst=203\.0\.113\.33' "$trace"
# After the recirculation, table 10's ip flow outputs to p2 (port 2).
after=$(sed -n '/^Translated flow:/,$p' <<<"$trace")
expect_match "trace: the translated flow continues in table 10" '^ *10\. ip, ' "$after"
expect_match "trace: the translated flow is output to p2" \
    '^Datapath actions: 2$' "$after"
appctl nat64/stats 7
[[ $OUT == "$stats1" ]] && ok "nat64/stats 7 is unchanged by the trace" ||
    bad "nat64/stats 7 is unchanged by the trace" "before:" "$stats1" "after:" "$OUT"
[[ $(pkt count "$P2_TX") -eq 1 ]] && ok "the trace sent nothing on p2" ||
    bad "the trace sent nothing on p2" "$(pkt count "$P2_TX") frames"

# --- 6. Unknown instance ------------------------------------------------
appctl nat64/stats
unknown0=$(grep -oE '[0-9]+$' <<<"$OUT")
frame99=$(pkt frame6 2001:db8:99::cb00:7121) || fatal "building the frame failed"
expect_ok "netdev-dummy/receive p1 (to the instance=99 flow)" \
    netdev-dummy/receive p1 "$frame99"
sleep 0.5
appctl nat64/stats
unknown1=$(grep -oE '[0-9]+$' <<<"$OUT")
[[ -n $unknown0 && $unknown1 == $((unknown0 + 1)) ]] &&
    ok "the global unknown-instance counter counted the packet" ||
    bad "the global unknown-instance counter counted the packet" "$unknown0 -> $OUT"
[[ $(pkt count "$P2_TX") -eq 1 && $(pkt count "$P1_TX") -eq 1 ]] &&
    ok "a packet for an unknown instance is dropped, nothing output" ||
    bad "a packet for an unknown instance is dropped, nothing output" \
        "p1 $(pkt count "$P1_TX"), p2 $(pkt count "$P2_TX") frames"
appctl nat64/stats 7
[[ $OUT == "$stats1" ]] && ok "instance 7's counters did not move" ||
    bad "instance 7's counters did not move" "$OUT"

# --- The daemon survived it all -----------------------------------------
# No error is expected in the log: the refused flows log warnings only, and
# packets for an unknown instance are only counted.
sandbox_finish
