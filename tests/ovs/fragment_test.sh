#!/usr/bin/env bash
# IPv6 fragmentation in the datapath: an IPv4 packet with DF=0 whose
# translation exceeds the IPv6 MTU leaves the nat64 action as IPv6 fragments
# (RFC 7915 §4.1, RFC 8200 §4.5), against a sandboxed, patched ovs-vswitchd
# (tests/ovs/sandbox.sh) with dummy ports.
#
#   fragment_test.sh BINDIR SCHEMA
#
# Checks, with scapy under /usr/bin/python3 deriving the expectations from
# the RFC text (not from our translator):
#   - a 1400-byte datagram becomes fragments of at most the IPv6 MTU, each
#     carrying the L2 header, whose reassembly is exactly the unfragmented
#     RFC 7915 translation, with the Fragment Identification taken from the
#     IPv4 Identification (RFC 7915 §4.1);
#   - a 60000-byte datagram, 49 fragments, more than the 32 packets a
#     datapath batch holds: the overflow path delivers every fragment;
#   - ofproto/trace reports the fragmentation and follows the first fragment.
# The last line is "N passed, M failed".

# "COND && ok ... || bad ..." is safe here: ok always succeeds.
# shellcheck disable=SC2015
SANDBOX_NAME=fragment
# shellcheck source-path=SCRIPTDIR source=sandbox.sh
. "$(dirname "$0")/sandbox.sh" || { echo "0 passed, 1 failed"; exit 1; }

[[ $# -eq 2 ]] || fatal "usage: $0 BINDIR SCHEMA"
SCHEMA=$2
sandbox_check_programs "$1" ovs-ofctl
sandbox_need_scapy

sandbox_start br0

cat >"$dir/frag.py" <<'PYEOF'
import sys
from scapy.all import (Ether, IP, IPv6, IPv6ExtHdrFragment, UDP, Raw, raw,
                       rdpcap)
H6, H4 = "2001:db8:6::5", "198.51.100.5"           # EAMT pair
R4, R6 = "203.0.113.33", "2001:db8:64::cb00:7121"  # pool6 mapping
MAC6, MAC4, GW = "50:54:00:00:00:06", "50:54:00:00:00:04", "50:54:00:00:00:01"
MTU6 = 1280

def payload(size):
    return bytes((i * 7 + 3) & 0xff for i in range(size))

def v4(size, ident):
    # DF=0: the sender allows fragmentation, so the translator must
    # fragment instead of answering "fragmentation needed" (RFC 7915 §4.1).
    return (Ether(src=MAC4, dst=GW)
            / IP(src=R4, dst=H4, ttl=64, id=ident, flags=0, tos=0)
            / UDP(sport=53, dport=40000) / Raw(payload(size)))

def want6(size):
    # The unfragmented translation: RFC 7915 §4.1 header (TTL - 1, traffic
    # class from TOS, flow label 0), UDP checksum over the IPv6
    # pseudo-header (§4.5).
    return raw(IPv6(src=R6, dst=H6, hlim=63, tc=0, fl=0)
               / UDP(sport=53, dport=40000) / Raw(payload(size)))

def fail(msg):
    print(msg)
    sys.exit(1)

def check(path, first, size, ident):
    """Frames first.. of 'path' are the fragments of v4(size, ident)."""
    frames = [raw(p) for p in rdpcap(path)][first:]
    if not frames:
        fail("no frames")
    pieces, seen_last = {}, False
    for i, f in enumerate(frames):
        if f[:12] != raw(Ether(src=MAC4, dst=GW))[:12]:
            fail(f"fragment {i}: L2 addresses changed: {f[:12].hex()}")
        if f[12:14] != b"\x86\xdd":
            fail(f"fragment {i}: ethertype {f[12:14].hex()}")
        ip = f[14:]
        if len(ip) > MTU6:
            fail(f"fragment {i}: {len(ip)} bytes > IPv6 MTU {MTU6}")
        v6 = IPv6(ip)
        if v6.nh != 44 or not v6.haslayer(IPv6ExtHdrFragment):
            fail(f"fragment {i}: no Fragment header (next header {v6.nh})")
        fh = v6[IPv6ExtHdrFragment]
        # RFC 7915 §4.1: Identification copied from the IPv4 header (low
        # 16 bits; the high 16 bits zero).
        if fh.id != ident:
            fail(f"fragment {i}: identification {fh.id:#x} != {ident:#x}")
        if fh.nh != 17:
            fail(f"fragment {i}: fragment header next header {fh.nh}")
        if (v6.src, v6.dst, v6.hlim, v6.tc, v6.fl) != (R6, H6, 63, 0, 0):
            fail(f"fragment {i}: header {v6.src} {v6.dst} {v6.hlim} "
                 f"{v6.tc} {v6.fl}")
        data = ip[48:]
        if v6.plen != len(ip) - 40:
            fail(f"fragment {i}: payload length {v6.plen} != {len(ip) - 40}")
        if fh.m and len(data) % 8:
            fail(f"fragment {i}: non-last fragment of {len(data)} bytes")
        off = fh.offset * 8
        if off in pieces:
            fail(f"fragment {i}: offset {off} repeated")
        pieces[off] = data
        seen_last |= not fh.m
    if not seen_last:
        fail("no last fragment (M=0)")
    body, pos = b"", 0
    for off in sorted(pieces):
        if off != pos:
            fail(f"gap or overlap at offset {pos} (next piece at {off})")
        body += pieces[off]
        pos += len(pieces[off])
    whole = want6(size)
    got = whole[:4] + len(body).to_bytes(2, "big") + whole[6:40] + body
    if got != whole:
        at = next(i for i in range(min(len(got), len(whole)))
                  if got[i] != whole[i]) if len(got) == len(whole) else -1
        fail(f"reassembly differs from the RFC 7915 translation "
             f"({len(got)} vs {len(whole)} bytes; first difference at "
             f"byte {at}: got {got[at:at + 8].hex()}, "
             f"want {whole[at:at + 8].hex()})")
    print(f"{len(frames)} fragments reassemble to the {len(whole)}-byte "
          f"translation")

cmd = sys.argv[1]
if cmd == "frame":
    print(raw(v4(int(sys.argv[2]), int(sys.argv[3], 0))).hex())
elif cmd == "count":
    try:
        print(len(rdpcap(sys.argv[2])))
    except FileNotFoundError:
        print(0)
elif cmd == "check":
    check(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5], 0))
else:
    fail(f"unknown command {cmd}")
PYEOF
frag() {
    $PY "$dir/frag.py" "$@"
}
P1_TX=$dir/p1-tx.pcap
sandbox_add_dummy_ports br0 "$P1_TX" "$dir/p2-tx.pcap"

DOC='{"instance": 7, "pool6": "2001:db8:64::/96", "ipv6-mtu": 1280,
      "router-ipv4": "198.51.100.1", "router-ipv6": "2001:db8:1c0:2:1::",
      "eamt": [{"ipv6": "2001:db8:6::5/128", "ipv4": "198.51.100.5/32"}]}'
expect_ok "instance 7 with ipv6-mtu 1280" nat64/instance-set "$DOC"
"$BIN/ovs-ofctl" add-flows br0 - <<'FLOWS' &&
table=0,in_port=p2,ip,actions=nat64(instance=7,table=10)
table=10,ipv6,actions=output:p1
FLOWS
    ok "flows installed" || bad "flows installed"

# --- 1. One datagram, two fragments ---------------------------------------
expect_ok "receive a 1400-byte IPv4 datagram with DF=0" \
    netdev-dummy/receive p2 "$(frag frame 1400 0x4d2)"
n=$(wait_at_least 2 frag count "$P1_TX")
[[ $n -eq 2 ]] && ok "two IPv6 fragments sent on p1" || bad "two IPv6 fragments sent on p1" "$n frames"
msg=$(frag check "$P1_TX" 0 1400 0x4d2) && ok "fragments are RFC 7915 §4.1 exact: $msg" ||
    bad "fragments are RFC 7915 §4.1 exact" "$msg"

# --- 2. More fragments than a batch holds ---------------------------------
expect_ok "receive a 60000-byte IPv4 datagram with DF=0" \
    netdev-dummy/receive p2 "$(frag frame 60000 0xbeef)"
# ceil((8 + 60000) / 1232): 1232 is 1280 - 48 rounded down to 8 bytes.
n=$(wait_at_least 51 frag count "$P1_TX")
[[ $n -eq 51 ]] && ok "49 more fragments sent on p1" || bad "49 more fragments sent on p1" "$((n - 2)) frames"
msg=$(frag check "$P1_TX" 2 60000 0xbeef) && ok "all 49 fragments are RFC 7915 §4.1 exact: $msg" ||
    bad "all 49 fragments are RFC 7915 §4.1 exact" "$msg"

n=$(wait_at_least 2 coverage nat64_fragmented)
[[ $n -eq 2 ]] && ok "coverage nat64_fragmented is 2" || bad "coverage nat64_fragmented is 2" "$n"
[[ $(coverage nat64_drop_burst_full) -eq 0 ]] && ok "coverage nat64_drop_burst_full is 0" ||
    bad "coverage nat64_drop_burst_full is 0" "$(coverage nat64_drop_burst_full)"
appctl nat64/stats 7
expect_match "nat64/stats 7: translated-4to6: 2" '^translated-4to6: 2$' "$OUT"

# --- 3. ofproto/trace -----------------------------------------------------
appctl ofproto/trace br0 'in_port=p2,udp,nw_src=203.0.113.33,nw_dst=198.51.100.5,nw_ttl=64,udp_src=53,udp_dst=40000' \
    "$(frag frame 1400 0x4d2)"
expect_match "trace: reports two IPv6 fragments" 'sent as 2 IPv6 fragments; following the first' "$OUT"
expect_match "trace: the first fragment continues to p1" '^Datapath actions: 1$' \
    "$(sed -n '/^Translated flow:/,$p' <<<"$OUT")"

sandbox_finish
