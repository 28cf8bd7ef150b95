#!/usr/bin/python3
"""Frames and their expected translations for packet_test.sh.

Every expectation here is derived from the RFC text, field by field, with
scapy computing the checksums from scratch over the expected packet: RFC 7915
(IP/ICMP translation), RFC 6052 (pool6 addresses), RFC 7757 (EAMT), RFC 4443
and RFC 792/1812 (the ICMP errors a router originates).  Nothing here runs
the translator.

Commands (one result per line, tab-separated, for the shell script):

  instance ID              the instance document of ID (JSON)
  cases                    NAME, IN-PORT, frames expected on p1 and on p2,
                           then the input frames in hex, one case a line
  count PCAP               frames in PCAP (0 when it does not exist yet)
  check MANIFEST P1 P2     ok|bad, NAME, DETAIL for every case, given the
                           MANIFEST lines "NAME P1-FROM P1-TO P2-FROM P2-TO"
                           (frame ranges in the two capture files)
  stats ID FILE            ok|bad, NAME, DETAIL: FILE (nat64/stats ID) holds
                           exactly the counters the cases add up to
  drops                    NAME, IN-PORT, INSTANCE|global, COUNTER, frame in
                           hex: frames the translator must drop
  stress-frames N          N IPv6 frames for instance 9, hex, one a line
  stress-check PCAP N      ok|bad, NAME, DETAIL for the replace-under-load
                           capture

scapy is imported only by the commands that need it, so that "count" (run
in the polling loops) starts fast.
"""
import ipaddress
import json
import struct
import sys

# --- Addressing ----------------------------------------------------------
# Instance 7 serves the VNet: pool6 2001:db8:64::/96 (network-specific, so
# documentation IPv4 space is allowed, RFC 6052 §3.1), EAMT entries for the
# VMs.  Instance 8 is the same VNet seen through small MTUs.  Instance 9
# is replaced under load; its two configurations differ only in the EAMT.
POOL6 = {7: "2001:db8:64::/96", 8: "2001:db8:65::/96", 9: "2001:db8:64::/96"}
H6, H4 = "2001:db8:6::5", "198.51.100.5"      # VM, EAMT (MACs rewritten)
K6, K4 = "2001:db8:6::7", "198.51.100.7"      # VM, EAMT (L2 kept)
M6, M4 = "2001:db8:8::8", "198.51.100.8"      # VM behind instance 8
S6 = "2001:db8:9::9"                          # VM behind instance 9
S4A, S4B = "198.51.100.9", "198.51.100.10"    # its two EAMT mappings
RT6 = "2001:db8:6::1"                         # IPv6 router without EAMT entry
R4 = "203.0.113.33"                           # IPv4 server (MACs rewritten)
R4K = "203.0.113.44"                          # IPv4 server (L2 kept)
RT4 = "203.0.113.1"                           # IPv4 router
ROUTER4, ROUTER6 = "192.0.2.1", "2001:db8:1c0:2:1::"
POOL6791V4 = "192.0.2.8"

# MACs: the VM, the gateway's MAC on the VM side and on the uplink, and
# the IPv4 next hop.
MAC_VM, MAC_GW6 = "50:54:00:00:00:06", "50:54:00:00:00:01"
MAC_GW4, MAC_NH4 = "50:54:00:00:00:02", "50:54:00:00:00:04"

# Instance 8's egress MTUs: small enough for the too-big cases.
MTU4_8, MTU6_8 = 1300, 1280
ICMP4_MAX, ICMP6_MAX = 576, 1280     # RFC 1812 §4.3.2.3, RFC 4443 §2.4(c)
GEN_TTL = 64                         # hop limit of errors the translator
                                     # originates (IANA default TTL, RFC 1700)


def instance_doc(iid, variant="A"):
    doc = {"instance": iid, "pool6": POOL6[iid],
           "router-ipv4": ROUTER4, "router-ipv6": ROUTER6}
    if iid == 7:
        doc["eamt"] = [{"ipv6": H6 + "/128", "ipv4": H4 + "/32"},
                       {"ipv6": K6 + "/128", "ipv4": K4 + "/32"}]
        doc["pool6791v4"] = POOL6791V4 + "/32"
    elif iid == 8:
        doc["eamt"] = [{"ipv6": M6 + "/128", "ipv4": M4 + "/32"}]
        doc["ipv4-mtu"], doc["ipv6-mtu"] = MTU4_8, MTU6_8
    elif iid == 9:
        doc["eamt"] = [{"ipv6": S6 + "/128",
                        "ipv4": (S4A if variant == "A" else S4B) + "/32"}]
    return json.dumps(doc)


def pool6(iid, v4):
    """RFC 6052 §2.2: the IPv4 address embedded in prefix POOL6[iid]."""
    net = ipaddress.IPv6Network(POOL6[iid])
    p, a = net.network_address.packed, ipaddress.IPv4Address(v4).packed
    # Octets 8..15 after the u-octet (bits 64-71) is skipped.
    n = net.prefixlen // 8
    out = bytearray(p)
    slots = [i for i in range(n, 16) if i != 8][:4]
    for i, b in zip(slots, a):
        out[i] = b
    return str(ipaddress.IPv6Address(bytes(out)))


# --- Capture files (no scapy: used while polling) ------------------------
def pcap_frames(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return []
    if len(data) < 24:
        return []
    magic = data[:4]
    end = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    frames, off = [], 24
    while off + 16 <= len(data):
        incl = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        if off + 16 + incl > len(data):
            break          # a record still being written
        frames.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return frames


def inet_cksum(data):
    """RFC 1071 Internet checksum."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def diff(got, want):
    """A short description of where two byte strings differ."""
    n = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b),
             min(len(got), len(want)))
    return (f"lengths {len(got)}/{len(want)}, first difference at byte {n}:"
            f"\n  got  {got[max(0, n - 8):n + 24].hex()}"
            f"\n  want {want[max(0, n - 8):n + 24].hex()}")


# --- Everything below needs scapy ----------------------------------------
def load_scapy():
    global Ether, Dot1Q, IP, IPv6, UDP, TCP, ICMP, Raw, raw
    global IPv6ExtHdrFragment, IPv6ExtHdrDestOpt
    global ICMPv6EchoRequest, ICMPv6EchoReply
    from scapy.all import (Ether, Dot1Q, IP, IPv6, UDP, TCP, ICMP, Raw, raw,
                           IPv6ExtHdrFragment, IPv6ExtHdrDestOpt,
                           ICMPv6EchoRequest, ICMPv6EchoReply)


def eth(src, dst, vlan=None):
    e = Ether(src=src, dst=dst)
    return e / Dot1Q(vlan=vlan[0], prio=vlan[1]) if vlan else e


def from_vm(vlan=None):
    return eth(MAC_VM, MAC_GW6, vlan)


def from_uplink(vlan=None):
    return eth(MAC_NH4, MAC_GW4, vlan)


# RFC 7915 §5.1 and §4.1 header rules.  'inner' marks the packet quoted in
# an ICMP error: it is translated by the same rules (§4.3, §5.3) but not
# forwarded, so its TTL / hop limit is carried over, not decremented.
def v4_hdr(*, src, dst, tc, hlim, plen, nh, ident=0, inner=False):
    """§5.1, IPv6 without a Fragment header -> IPv4.  'plen' is the IPv6
    payload length without the ignored extension headers."""
    total = 20 + plen
    # Flags: MF=0; DF=0 up to 1260 bytes, else DF=1.  Identification: the
    # translator's choice; the checks pass in the value seen when DF=0 (see
    # free_id) and expect 0 for DF=1 (atomic datagrams, RFC 6864 §4.1).
    df = total > 1260
    return IP(version=4, ihl=5, tos=tc, len=total, id=0 if df else ident,
              flags="DF" if df else 0, frag=0,
              ttl=hlim if inner else hlim - 1,
              proto=1 if nh == 58 else nh, src=src, dst=dst)


def v6_hdr(*, src, dst, tos, ttl, total, proto, inner=False, frag=None):
    """§4.1, IPv4 (20-byte header) -> IPv6.  frag=(offset, mf, id) adds a
    Fragment header (IPv4 fragments)."""
    nh = 58 if proto == 1 else proto
    hl = ttl if inner else ttl - 1
    if frag is None:
        return IPv6(version=6, tc=tos, fl=0, plen=total - 20, nh=nh,
                    hlim=hl, src=src, dst=dst)
    off, mf, ident = frag
    return (IPv6(version=6, tc=tos, fl=0, plen=total - 20 + 8, nh=44,
                 hlim=hl, src=src, dst=dst)
            / IPv6ExtHdrFragment(nh=nh, res1=0, offset=off, res2=0, m=mf,
                                 id=ident & 0xffff))


def icmp4(type_, code, rest, body):
    """ICMPv4 message: checksum over the message only (RFC 792)."""
    m = struct.pack("!BBHI", type_, code, 0, rest) + body
    return m[:2] + struct.pack("!H", inet_cksum(m)) + m[4:]


def icmp6(src, dst, type_, code, rest, body):
    """ICMPv6 message: checksum with the pseudo-header (RFC 4443 §2.3)."""
    m = struct.pack("!BBHI", type_, code, 0, rest) + body
    ph = (ipaddress.IPv6Address(src).packed + ipaddress.IPv6Address(dst).packed
          + struct.pack("!I3xB", len(m), 58))
    return m[:2] + struct.pack("!H", inet_cksum(ph + m)) + m[4:]


def ip_id(frame, l3):
    return struct.unpack("!H", frame[l3 + 4:l3 + 6])[0]


def l2len(frame):
    return 18 if frame[12:14] == b"\x81\x00" else 14


# --- Output checks -------------------------------------------------------
class Want:
    """One expected frame: 'build(got)' returns the expected bytes; 'got'
    is passed so that free fields (the IPv4 Identification of DF=0
    packets the translator originates) can be taken from it."""

    def __init__(self, build):
        self.build = build

    def check(self, got):
        try:
            want = self.build(got)
        except Exception as e:  # a frame too short to read the free field
            return f"cannot build the expectation from {got.hex()}: {e!r}"
        if got != want:
            return diff(got, want)
        return None


def exact(frame):
    return Want(lambda got: raw(frame))


def free_id(builder):
    """Expected frame whose (outer) IPv4 Identification is free: DF=0, so
    any value unique enough will do (RFC 7915 §5.1, RFC 6864 §4.2).
    builder(ident) -> scapy frame, built with the value seen; its header
    checksum is computed over that value, so the checksum is still
    verified, not ignored."""
    return Want(lambda got: raw(builder(ip_id(got, l2len(got)))))


class Case:
    def __init__(self, name, port, frames, out1=(), out2=(), counter=None,
                 check=None, n1=None):
        self.name, self.port, self.frames = name, port, [raw(f) for f in frames]
        self.out1, self.out2 = list(out1), list(out2)
        self.counter = counter        # (instance, counter name)
        self.custom = check           # check(frames_p1, frames_p2) -> [err]
        self.n1 = len(self.out1) if n1 is None else n1
        self.n2 = len(self.out2)

    def check(self, got1, got2):
        if self.custom:
            return self.custom(got1, got2)
        return check_frames(got1, got2, self.out1, self.out2)


def payload(n, seed=0):
    return bytes((i * 7 + seed) & 0xff for i in range(n))


# --- The cases ------------------------------------------------------------
def cases():
    R6 = pool6(7, R4)      # 2001:db8:64::cb00:7121
    RK6 = pool6(7, R4K)
    RT4_6 = pool6(7, RT4)
    C = []
    T6 = (7, "translated-6to4")
    T4 = (7, "translated-4to6")

    # 1. UDP, 6->4 (RFC 7915 §5.1; §5.5 UDP checksum for the new
    # pseudo-header).  The flow label has no IPv4 counterpart.  Table 10
    # rewrites the MACs toward the IPv4 next hop.
    udp = lambda: UDP(sport=40000, dport=53) / Raw(payload(37))
    C.append(Case("udp 6->4 (RFC 7915 §5.1), MACs rewritten by table 10", "p1",
                  [from_vm() / IPv6(src=H6, dst=R6, hlim=64, tc=0, fl=0x12345)
                   / udp()],
                  out2=[free_id(lambda i: eth(MAC_GW4, MAC_NH4)
                                / v4_hdr(src=H4, dst=R4, tc=0, hlim=64,
                                         plen=8 + 37, nh=17, ident=i)
                                / udp())],
                  counter=T6))
    # Same, through a Destination Options header, which §5.1 says to
    # ignore (not translated; Total Length and Protocol adjusted).
    C.append(Case("udp with a Destination Options header 6->4 (§5.1: ignored)",
                  "p1",
                  [from_vm() / IPv6(src=H6, dst=R6, hlim=64) / IPv6ExtHdrDestOpt()
                   / udp()],
                  out2=[free_id(lambda i: eth(MAC_GW4, MAC_NH4)
                                / v4_hdr(src=H4, dst=R4, tc=0, hlim=64,
                                         plen=8 + 37, nh=17, ident=i)
                                / udp())],
                  counter=T6))
    # 2. UDP, 4->6 (§4.1: no Fragment header for DF=1; flow label 0;
    # §4.5 checksum).  Table 10 rewrites the MACs toward the VM.
    udp4 = lambda: UDP(sport=53, dport=40000) / Raw(payload(61, 3))
    C.append(Case("udp 4->6 (RFC 7915 §4.1), MACs rewritten by table 10", "p2",
                  [from_uplink() / IP(src=R4, dst=H4, ttl=64, id=0x1234,
                                      flags="DF", tos=0x10) / udp4()],
                  out1=[exact(eth(MAC_GW6, MAC_VM)
                              / v6_hdr(src=R6, dst=H6, tos=0x10, ttl=64,
                                       total=20 + 8 + 61, proto=17) / udp4())],
                  counter=T4))
    # L2 kept: table 10 outputs without rewriting the MACs.
    C.append(Case("udp 6->4 to a flow that keeps L2: Ethernet addresses unchanged",
                  "p1",
                  [from_vm() / IPv6(src=H6, dst=RK6, hlim=17) / udp()],
                  out2=[free_id(lambda i: from_vm()
                                / v4_hdr(src=H4, dst=R4K, tc=0, hlim=17,
                                         plen=8 + 37, nh=17, ident=i)
                                / udp())],
                  counter=T6))
    C.append(Case("udp 4->6 to a flow that keeps L2: Ethernet addresses unchanged",
                  "p2",
                  [from_uplink() / IP(src=R4, dst=K4, ttl=9, flags="DF") / udp4()],
                  out1=[exact(from_uplink()
                              / v6_hdr(src=R6, dst=K6, tos=0, ttl=9,
                                       total=20 + 8 + 61, proto=17) / udp4())],
                  counter=T4))

    # 3. TCP.  A SYN with options each way (options travel unchanged, only
    # the checksum follows the pseudo-header, §4.5/§5.5), a data segment
    # each way; the 6->4 one is 1380 bytes as IPv4, so DF=1 (§5.1).  The
    # traffic class / TOS is copied both ways (§4.1, §5.1).
    syn_opts = [("MSS", 1440), ("SAckOK", b""), ("Timestamp", (12345, 0)),
                ("NOP", None), ("WScale", 7)]
    syn = lambda: TCP(sport=45000, dport=443, flags="S", seq=1000,
                      window=64800, options=syn_opts)
    C.append(Case("tcp SYN with options 6->4 (traffic class -> TOS)", "p1",
                  [from_vm() / IPv6(src=H6, dst=R6, hlim=64, tc=0x28,
                                    fl=0xbeef1) / syn()],
                  out2=[free_id(lambda i: eth(MAC_GW4, MAC_NH4)
                                / v4_hdr(src=H4, dst=R4, tc=0x28, hlim=64,
                                         plen=len(raw(syn())), nh=6, ident=i)
                                / syn())],
                  counter=T6))
    synack_opts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (999, 12345)),
                   ("NOP", None), ("WScale", 7)]
    synack = lambda: TCP(sport=443, dport=45000, flags="SA", seq=5000,
                         ack=1001, window=65160, options=synack_opts)
    C.append(Case("tcp SYN-ACK with options 4->6 (TOS -> traffic class)", "p2",
                  [from_uplink() / IP(src=R4, dst=H4, ttl=60, flags="DF",
                                      tos=0x28) / synack()],
                  out1=[exact(eth(MAC_GW6, MAC_VM)
                              / v6_hdr(src=R6, dst=H6, tos=0x28, ttl=60,
                                       total=20 + len(raw(synack())), proto=6)
                              / synack())],
                  counter=T4))
    big = lambda: (TCP(sport=45000, dport=443, flags="PA", seq=1001, ack=5001,
                       window=502) / Raw(payload(1340, 5)))
    # 1380 bytes as IPv4: DF=1 and Identification 0 (atomic, RFC 6864 §4.1).
    C.append(Case("tcp data segment 6->4, 1380 bytes as IPv4: DF=1 (§5.1)", "p1",
                  [from_vm() / IPv6(src=H6, dst=R6, hlim=64) / big()],
                  out2=[exact(eth(MAC_GW4, MAC_NH4)
                              / v4_hdr(src=H4, dst=R4, tc=0, hlim=64,
                                       plen=1360, nh=6) / big())],
                  counter=T6))
    data4 = lambda: (TCP(sport=443, dport=45000, flags="PA", seq=5001, ack=2341,
                         window=501) / Raw(payload(500, 9)))
    # DF=0 but small: §4.1 adds no Fragment header.
    C.append(Case("tcp data segment 4->6 with DF=0: no Fragment header (§4.1)",
                  "p2",
                  [from_uplink() / IP(src=R4, dst=H4, ttl=64, id=0x4321,
                                      tos=0xb8) / data4()],
                  out1=[exact(eth(MAC_GW6, MAC_VM)
                              / v6_hdr(src=R6, dst=H6, tos=0xb8, ttl=64,
                                       total=20 + 20 + 500, proto=6) / data4())],
                  counter=T4))

    # 4. ICMP echo (§4.2, §5.2): 8/0 <-> 128/129, identifier, sequence and
    # data unchanged, checksum recomputed (ICMPv6 adds the pseudo-header).
    ping = payload(56, 1)
    for v6type, v4type, what in ((128, 8, "request"), (129, 0, "reply")):
        v6msg = (ICMPv6EchoRequest if v6type == 128 else ICMPv6EchoReply)
        C.append(Case(f"icmpv6 echo {what} {v6type} -> icmp {v4type} (§5.2)", "p1",
                      [from_vm() / IPv6(src=H6, dst=R6, hlim=64)
                       / v6msg(id=0x1234, seq=7, data=ping)],
                      out2=[free_id(lambda i, v4type=v4type:
                                    eth(MAC_GW4, MAC_NH4)
                                    / v4_hdr(src=H4, dst=R4, tc=0, hlim=64,
                                             plen=8 + 56, nh=58, ident=i)
                                    / ICMP(type=v4type, code=0, id=0x1234,
                                           seq=7) / Raw(ping))],
                      counter=T6))
        C.append(Case(f"icmp echo {what} {v4type} -> icmpv6 {v6type} (§4.2)", "p2",
                      [from_uplink() / IP(src=R4, dst=H4, ttl=64, id=0x77)
                       / ICMP(type=v4type, code=0, id=0x4321, seq=9) / Raw(ping)],
                      out1=[exact(eth(MAC_GW6, MAC_VM)
                                  / v6_hdr(src=R6, dst=H6, tos=0, ttl=64,
                                           total=20 + 8 + 56, proto=1)
                                  / v6msg(id=0x4321, seq=9, data=ping))],
                      counter=T4))

    # 5. ICMP errors with the offending packet inside (§4.3, §5.3): the
    # quoted packet is translated like an outer one, its roles swapped
    # (it travelled the other way), its TTL not decremented.
    # 5a. The VM answers a UDP datagram with ICMPv6 port unreachable (1/4)
    # -> ICMPv4 3/3 (§5.2).  Inner and outer IPv4 headers are DF=0, so
    # both Identifications are free; both header checksums are checked.
    q_udp = lambda: UDP(sport=5353, dport=33434) / Raw(payload(20, 2))
    quoted6 = IPv6(src=R6, dst=H6, hlim=58) / q_udp()

    def pu_want(got):
        l3 = l2len(got)
        inner = (v4_hdr(src=R4, dst=H4, tc=0, hlim=58, plen=28, nh=17,
                        ident=ip_id(got, l3 + 28), inner=True) / q_udp())
        msg = icmp4(3, 3, 0, raw(inner))
        return raw(eth(MAC_GW4, MAC_NH4)
                   / v4_hdr(src=H4, dst=R4, tc=0, hlim=64, plen=len(msg),
                            nh=58, ident=ip_id(got, l3)) / Raw(msg))
    C.append(Case("icmpv6 port unreachable 1/4 -> icmp 3/3 with the inner "
                  "packet translated (§5.2, §5.3)", "p1",
                  [from_vm() / IPv6(src=H6, dst=R6, hlim=64, nh=58)
                   / Raw(icmp6(H6, R6, 1, 4, 0, raw(quoted6)))],
                  out2=[Want(pu_want)], counter=T6))
    # 5b. Packet Too Big from a router of the VNet that has no EAMT entry
    # (outer source from pool6791v4, RFC 6791) -> ICMPv4 3/4 with
    # MTU = min(advertised - 20, ipv4 MTU, ipv6 MTU - 20) (§5.2), here
    # min(1380, 1500, 1480).  The router quoted only the first 300 bytes
    # of a 1452-byte packet: the inner Total Length still says the whole
    # packet (1432, so DF=1 and Identification 0) and the inner TCP
    # checksum is that of the whole translated segment (§5.5).
    big_in = lambda: (TCP(sport=443, dport=45000, flags="A", seq=77, ack=88,
                          window=500) / Raw(payload(1392, 4)))
    quoted_full = raw(IPv6(src=R6, dst=H6, hlim=60) / big_in())
    inner4 = raw(v4_hdr(src=R4, dst=H4, tc=0, hlim=60, plen=1412, nh=6,
                        inner=True) / big_in())[:300 - 20]

    def ptb_want(got):
        msg = icmp4(3, 4, 1380, inner4)
        return raw(eth(MAC_GW4, MAC_NH4)
                   / v4_hdr(src=POOL6791V4, dst=R4, tc=0, hlim=64,
                            plen=len(msg), nh=58, ident=ip_id(got, 14))
                   / Raw(msg))
    C.append(Case("icmpv6 packet too big 2/0 -> icmp 3/4 with MTU 1400-20 "
                  "(§5.2), RFC 6791 source, truncated quote", "p1",
                  [from_vm() / IPv6(src=RT6, dst=R6, hlim=64, nh=58)
                   / Raw(icmp6(RT6, R6, 2, 0, 1400, quoted_full[:300]))],
                  out2=[Want(ptb_want)], counter=T6))
    # 5c. Fragmentation Needed from an IPv4 router -> ICMPv6 Packet Too Big
    # with MTU = min(advertised + 20, ipv6 MTU, ipv4 MTU + 20) (§4.2), here
    # min(1420, 1500, 1520).  The router quoted 120 bytes of a 1400-byte
    # packet; the inner payload length says the whole packet.
    out_tcp = lambda: (TCP(sport=45000, dport=443, flags="A", seq=3, ack=4,
                           window=500) / Raw(payload(1360, 6)))
    q4 = raw(IP(src=H4, dst=R4, ttl=63, id=0, flags="DF") / out_tcp())[:120]
    inner6 = raw(v6_hdr(src=H6, dst=R6, tos=0, ttl=63, total=1400, proto=6,
                        inner=True) / out_tcp())[:140]
    C.append(Case("icmp frag needed 3/4 -> icmpv6 packet too big with MTU "
                  "1400+20 (§4.2, §4.3), truncated quote", "p2",
                  [from_uplink() / IP(src=RT4, dst=H4, ttl=62, id=0x999, proto=1)
                   / Raw(icmp4(3, 4, 1400, q4))],
                  out1=[exact(eth(MAC_GW6, MAC_VM)
                              / v6_hdr(src=RT4_6, dst=H6, tos=0, ttl=62,
                                       total=20 + 8 + 140, proto=1)
                              / Raw(icmp6(RT4_6, H6, 2, 0, 1420, inner6)))],
                  counter=T4))
    # 5d. Time Exceeded 11/0 -> 3/0 and port unreachable 3/3 -> 1/4 (§4.2),
    # each quoting a whole small UDP datagram.
    trace = lambda: UDP(sport=40001, dport=33434) / Raw(payload(32, 8))
    for (t4, c4, t6, c6, ttl, src4, what) in (
            (11, 0, 3, 0, 1, RT4, "time exceeded 11/0 -> icmpv6 3/0"),
            (3, 3, 1, 4, 63, R4, "port unreachable 3/3 -> icmpv6 1/4")):
        q = raw(IP(src=H4, dst=R4, ttl=ttl, id=0x2222) / trace())
        inner = raw(v6_hdr(src=H6, dst=R6, tos=0, ttl=ttl, total=60, proto=17,
                           inner=True) / trace())
        s6 = pool6(7, src4)
        C.append(Case(f"icmp {what} with the inner packet translated (§4.2, §4.3)",
                      "p2",
                      [from_uplink() / IP(src=src4, dst=H4, ttl=250, proto=1)
                       / Raw(icmp4(t4, c4, 0, q))],
                      out1=[exact(eth(MAC_GW6, MAC_VM)
                                  / v6_hdr(src=s6, dst=H6, tos=0, ttl=250,
                                           total=20 + 8 + len(inner), proto=1)
                                  / Raw(icmp6(s6, H6, t6, c6, 0, inner)))],
                      counter=T4))

    # 6. Fragments (§5.1.1, §4.1): one 1208-byte UDP datagram in two
    # fragments (1000 + 208 bytes).  The first fragment's UDP checksum is
    # that of the whole datagram under the new pseudo-header; the second
    # fragment's bytes travel unchanged.  Identification: IPv6 -> IPv4 the
    # low 16 bits (§5.1.1), IPv4 -> IPv6 zero-extended (§4.1); offsets and
    # M/MF copied; DF=0 (§5.1.1).
    dgram = lambda: UDP(sport=5000, dport=6000) / Raw(payload(1200, 11))
    full6 = raw(IPv6(src=H6, dst=R6) / dgram())[40:]
    full4 = raw(IP(src=H4, dst=R4) / dgram())[20:]
    pieces = ((0, 1, 0, 1000), (125, 0, 1000, 1208))
    for off, m, a, b in pieces:
        which = "first" if off == 0 else "non-first"
        C.append(Case(f"ipv6 {which} fragment -> ipv4 fragment (§5.1.1)", "p1",
                      [from_vm() / IPv6(src=H6, dst=R6, hlim=64)
                       / IPv6ExtHdrFragment(nh=17, offset=off, m=m,
                                            id=0x12345678) / Raw(full6[a:b])],
                      out2=[exact(eth(MAC_GW4, MAC_NH4)
                                  / IP(tos=0, len=20 + b - a, id=0x5678,
                                       flags="MF" if m else 0, frag=off,
                                       ttl=63, proto=17, src=H4, dst=R4)
                                  / Raw(full4[a:b]))],
                      counter=T6))
    full6r = raw(IPv6(src=R6, dst=H6) / dgram())[40:]
    full4r = raw(IP(src=R4, dst=H4) / dgram())[20:]
    for off, m, a, b in pieces:
        which = "first" if off == 0 else "non-first"
        C.append(Case(f"ipv4 {which} fragment -> ipv6 with a Fragment header (§4.1)",
                      "p2",
                      [from_uplink() / IP(src=R4, dst=H4, ttl=64, id=0xbeef,
                                          flags="MF" if m else 0, frag=off,
                                          proto=17) / Raw(full4r[a:b])],
                      out1=[exact(eth(MAC_GW6, MAC_VM)
                                  / v6_hdr(src=R6, dst=H6, tos=0, ttl=64,
                                           total=20 + b - a, proto=17,
                                           frag=(off, m, 0xbeef))
                                  / Raw(full6r[a:b]))],
                      counter=T4))

    # 7. 802.1Q: the tag (VID and PCP) stays, the ethertype behind it
    # becomes the new family's; these go to flows that keep L2.
    C.append(Case("vlan 100 tagged ipv6 -> ipv4: tag kept, ethertype 0x0800",
                  "p1",
                  [from_vm((100, 3)) / IPv6(src=H6, dst=RK6, hlim=64) / udp()],
                  out2=[free_id(lambda i: from_vm((100, 3))
                                / v4_hdr(src=H4, dst=R4K, tc=0, hlim=64,
                                         plen=8 + 37, nh=17, ident=i)
                                / udp())],
                  counter=T6))
    C.append(Case("vlan 200 tagged ipv4 -> ipv6: tag kept, ethertype 0x86dd",
                  "p2",
                  [from_uplink((200, 5)) / IP(src=R4, dst=K4, ttl=64, flags="DF")
                   / udp4()],
                  out1=[exact(from_uplink((200, 5))
                              / v6_hdr(src=R6, dst=K6, tos=0, ttl=64,
                                       total=20 + 8 + 61, proto=17) / udp4())],
                  counter=T4))

    # 8. Answers from the translator itself, in the sender's family, from
    # router-ipv6 / router-ipv4, back out of the ingress port with the
    # Ethernet addresses swapped (the frame goes back to its sender).
    # Hop limit 1: ICMPv6 Time Exceeded 3/0 (RFC 7915 §5.1 "as any router",
    # RFC 4443 §3.3), quoting the whole packet (it fits in 1280 bytes).
    hl1 = from_vm() / IPv6(src=H6, dst=R6, hlim=1) / udp()
    hl1_l3 = raw(hl1)[14:]
    C.append(Case("hop limit 1: icmpv6 time exceeded 3/0 back to the VM "
                  "(§5.1, RFC 4443 §3.3)", "p1", [hl1],
                  out1=[exact(eth(MAC_GW6, MAC_VM)
                              / IPv6(tc=0, fl=0, hlim=GEN_TTL, src=ROUTER6,
                                     dst=H6, nh=58)
                              / Raw(icmp6(ROUTER6, H6, 3, 0, 0, hl1_l3)))],
                  counter=(7, "reply-hop-limit")))
    # TTL 1: ICMPv4 Time Exceeded 11/0 (§4.1, RFC 792), DF=0 so its
    # Identification is free.
    t1 = from_uplink() / IP(src=R4, dst=H4, ttl=1, flags="DF") / udp4()
    t1_l3 = raw(t1)[14:]
    C.append(Case("ttl 1: icmp time exceeded 11/0 back to the IPv4 sender "
                  "(§4.1, RFC 792)", "p2", [t1],
                  out2=[free_id(lambda i: eth(MAC_GW4, MAC_NH4)
                                / IP(tos=0, id=i, flags=0, ttl=GEN_TTL,
                                     proto=1, src=ROUTER4, dst=R4)
                                / Raw(icmp4(11, 0, 0, t1_l3)))],
                  counter=(7, "reply-hop-limit")))
    # Instance 8, ipv4-mtu 1300: a 1400-byte IPv6 packet becomes 1380 bytes
    # of IPv4 with DF=1 (§5.1), too big: Packet Too Big with MTU
    # max(1280, 1300 + 20) (§5.1), quoting as much as fits 1280 bytes
    # (RFC 4443 §2.4(c)).
    pt = (from_vm() / IPv6(src=M6, dst=pool6(8, R4), hlim=64)
          / UDP(sport=41000, dport=9000) / Raw(payload(1352, 12)))
    pt_l3 = raw(pt)[14:]
    C.append(Case("ipv6 over ipv4-mtu 1300: icmpv6 packet too big MTU 1320 "
                  "back to the VM (§5.1)", "p1", [pt],
                  out1=[exact(eth(MAC_GW6, MAC_VM)
                              / IPv6(tc=0, fl=0, hlim=GEN_TTL, src=ROUTER6,
                                     dst=M6, nh=58)
                              / Raw(icmp6(ROUTER6, M6, 2, 0,
                                          max(1280, MTU4_8 + 20),
                                          pt_l3[:ICMP6_MAX - 48])))],
                  counter=(8, "reply-too-big")))
    # Instance 8, ipv6-mtu 1280: a 1300-byte IPv4 packet with DF=1 would be
    # 1320 bytes of IPv6: Fragmentation Needed 3/4 with next-hop MTU
    # 1280 - 20 (RFC 1191, RFC 7915 §4), quoting up to 576 bytes in all
    # (RFC 1812 §4.3.2.3).
    fn = (from_uplink() / IP(src=R4, dst=M4, ttl=64, flags="DF")
          / UDP(sport=9000, dport=41000) / Raw(payload(1272, 13)))
    fn_l3 = raw(fn)[14:]
    C.append(Case("ipv4 DF=1 over ipv6-mtu 1280: icmp frag needed MTU 1260 "
                  "back to the sender (§4, RFC 1191)", "p2", [fn],
                  out2=[free_id(lambda i: eth(MAC_GW4, MAC_NH4)
                                / IP(tos=0, id=i, flags=0, ttl=GEN_TTL,
                                     proto=1, src=ROUTER4, dst=R4)
                                / Raw(icmp4(3, 4, MTU6_8 - 20,
                                            fn_l3[:ICMP4_MAX - 28])))],
                  counter=(8, "reply-too-big")))

    # 9. Fragmentation in the datapath: an IPv4 packet with DF=0 whose
    # translation exceeds ipv6-mtu 1280 must leave as IPv6 fragments, each with its Fragment
    # header no larger than the configured minimum IPv6 MTU (§4.1), the
    # Fragment header built per §4.1 (Identification from the IPv4 one,
    # offsets in 8-octet units, M set on all but the last; RFC 8200 §4.5).
    # The split itself is the translator's choice, so the check reassembles
    # rather than fixing the sizes.
    fr_dgram = lambda: UDP(sport=7000, dport=8000) / Raw(payload(1372, 14))
    fr_in = (from_uplink() / IP(src=R4, dst=M4, ttl=64, id=0x4242, tos=0x20)
             / fr_dgram())
    fr_whole = raw(IPv6(src=pool6(8, R4), dst=M6) / fr_dgram())[40:]

    def fr_check(got1, got2):
        return check_fragments(got1, got2, fr_whole, src=pool6(8, R4), dst=M6,
                               tc=0x20, hlim=63, ident=0x4242, mtu=MTU6_8)
    C.append(Case("ipv4 DF=0 over ipv6-mtu 1280 -> ipv6 fragments <= 1280 "
                  "(§4.1, §5.1.1)", "p2", [fr_in], check=fr_check,
                  n1=-(-len(fr_whole) // ((MTU6_8 - 48) & ~7)),
                  counter=(8, "translated-4to6")))
    return C


def check_fragments(got1, got2, whole, *, src, dst, tc, hlim, ident, mtu):
    """got1 must be 'whole' (the translated upper-layer datagram) as IPv6
    fragments that each fit 'mtu' (RFC 7915 §4.1, RFC 8200 §4.5)."""
    errs = []
    if got2:
        errs.append(f"{len(got2)} frames on p2, expected none")
    if len(got1) < 2:
        return errs + [f"{len(got1)} frames on p1, expected at least 2 "
                       f"fragments of a {len(whole)}-byte datagram"]
    data, want_off = b"", 0
    for n, g in enumerate(got1, 1):
        where = f"p1 fragment {n}"
        if g[:14] != raw(eth(MAC_GW6, MAC_VM))[:12] + b"\x86\xdd":
            errs.append(f"{where}: Ethernet header {g[:14].hex()}")
            continue
        p = g[14:]
        if len(p) > mtu:
            errs.append(f"{where}: {len(p)} bytes, more than the IPv6 MTU {mtu}")
        if len(p) < 48:
            errs.append(f"{where}: only {len(p)} bytes")
            continue
        last = n == len(got1)
        body = p[48:]
        hdr = raw(IPv6(tc=tc, fl=0, plen=8 + len(body), nh=44, hlim=hlim,
                       src=src, dst=dst)
                  / IPv6ExtHdrFragment(nh=17, offset=want_off // 8,
                                       m=0 if last else 1, id=ident))[:48]
        if p[:48] != hdr:
            errs.append(f"{where}: headers {diff(p[:48], hdr)}")
        if not last and len(body) % 8:
            errs.append(f"{where}: {len(body)} bytes of data, not a multiple of 8")
        data += body
        want_off += len(body)
    if data != whole:
        errs.append(f"reassembled datagram differs: {diff(data, whole)}")
    return errs


def drops():
    """Frames the translator must drop, with the counter each must move:
    (name, in port, instance id or "global", counter, frame)."""
    R6 = pool6(7, R4)
    out = []
    f = raw(from_vm() / IPv6(src=H6, dst=R6, hlim=64)
            / UDP(sport=1, dport=2) / Raw(payload(40)))
    # Payload Length 100 bytes more than the frame holds.
    f = f[:18] + struct.pack("!H", len(f) - 54 + 100) + f[20:]
    out.append(("truncated ipv6 (payload length > frame)", "p1", "7",
                "drop-truncated", f))
    # Total Length 100 bytes more than the frame holds; the header
    # checksum is valid for it.
    g = raw(from_uplink() / IP(src=R4, dst=H4, ttl=64, len=20 + 8 + 40 + 100)
            / UDP(sport=2, dport=1) / Raw(payload(40)))
    out.append(("truncated ipv4 (total length > frame)", "p2", "7",
                "drop-truncated", g))
    b = bytearray(raw(from_uplink() / IP(src=R4, dst=H4, ttl=64)
                      / UDP(sport=2, dport=1) / Raw(payload(40))))
    b[24] ^= 0x5a             # the header checksum (RFC 1812 §5.2.2)
    out.append(("ipv4 with a bad header checksum", "p2", "7",
                "drop-bad-header", bytes(b)))
    out.append(("ipv6 to unknown instance 99", "p1", "global",
                "drop-unknown-instance",
                raw(from_vm() / IPv6(src=H6, dst="2001:db8:99::cb00:7121", hlim=64)
                    / UDP(sport=1, dport=2) / Raw(payload(40)))))
    return out


# --- Instance replace under load ------------------------------------------
def stress_frame(i):
    return raw(eth(MAC_VM, MAC_GW6) / IPv6(src=S6, dst=pool6(9, R4), hlim=64)
               / UDP(sport=10000 + i, dport=9999)
               / Raw(b"replace-under-load %06d" % i))


def stress_want(i, src4, ident):
    return raw(eth(MAC_VM, MAC_GW6)
               / v4_hdr(src=src4, dst=R4, tc=0, hlim=64, plen=8 + 25, nh=17,
                        ident=ident)
               / UDP(sport=10000 + i, dport=9999)
               / Raw(b"replace-under-load %06d" % i))


def stress_check(path, n):
    frames = pcap_frames(path)
    bad, seen, by = [], set(), {"A": 0, "B": 0}
    for k, g in enumerate(frames):
        if len(g) < 14 + 28:
            bad.append(f"frame {k + 1}: {len(g)} bytes: {g.hex()}")
            continue
        i = struct.unpack("!H", g[34:36])[0] - 10000
        match = None
        if 0 <= i < n:
            for name, src in (("A", S4A), ("B", S4B)):
                if g == stress_want(i, src, ip_id(g, 14)):
                    match = name
        if match is None:
            w = stress_want(i if 0 <= i < n else 0, S4A, ip_id(g, 14))
            bad.append(f"frame {k + 1} is neither translation: {diff(g, w)}")
            continue
        if i in seen:
            bad.append(f"frame {k + 1}: packet {i} output twice")
        seen.add(i)
        by[match] += 1
    res = [(not bad, "every output frame is an exact translation under config A "
            "or config B (no mixture, no corruption)", "\n".join(bad[:5]))]
    missing = sorted(set(range(n)) - seen)
    res.append((not missing and len(frames) == n,
                f"every one of the {n} injected packets came out exactly once",
                f"{len(frames)} frames, missing {missing[:10]}"
                f"{'...' if len(missing) > 10 else ''}"))
    res.append((by["A"] > 0 and by["B"] > 0,
                "both configurations were in force while traffic flowed",
                f"A={by['A']} B={by['B']}"))
    for good, name, detail in res:
        result(good, name, detail)


def check_frames(got1, got2, want1, want2):
    """The frames captured on p1 and p2 against the expected ones, in order;
    a list of differences (empty: all match)."""
    errs = []
    for port, got, want in (("p1", got1, want1), ("p2", got2, want2)):
        if len(got) != len(want):
            errs.append(f"{len(got)} frames on {port}, expected {len(want)}")
            continue
        for i, (g, w) in enumerate(zip(got, want)):
            e = w.check(g)
            if e:
                errs.append(f"{port} frame {i + 1}: {e}")
    return errs


# --- Commands ---------------------------------------------------------------
def result(good, name, detail=""):
    """One "ok|bad<TAB>NAME<TAB>DETAIL" line; DETAIL's lines become tabs."""
    detail = "\t".join(str(detail).splitlines())
    print(f"{'ok' if good else 'bad'}\t{name}\t{detail}")



def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "instance":
        print(instance_doc(int(argv[2]), argv[3] if len(argv) > 3 else "A"))
    elif cmd == "count":
        print(len(pcap_frames(argv[2])))
    elif cmd == "cases":
        load_scapy()
        for c in cases():
            print("\t".join([c.name, c.port, str(c.n1), str(c.n2),
                             " ".join(f.hex() for f in c.frames)]))
    elif cmd == "check":
        load_scapy()
        p1, p2 = pcap_frames(argv[3]), pcap_frames(argv[4])
        ranges = {}
        with open(argv[2]) as f:
            for line in f:
                name, a1, b1, a2, b2 = line.rstrip("\n").rsplit(" ", 4)
                ranges[name] = (int(a1), int(b1), int(a2), int(b2))
        for c in cases():
            if c.name not in ranges:
                result(False, c.name, "not run")
                continue
            a1, b1, a2, b2 = ranges[c.name]
            errs = c.check(p1[a1:b1], p2[a2:b2])
            result(not errs, c.name, "\n".join(errs))
    elif cmd == "stats":
        load_scapy()
        iid = int(argv[2])
        want = {}
        for c in cases():
            if c.counter and c.counter[0] == iid:
                want[c.counter[1]] = want.get(c.counter[1], 0) + 1
        got = {}
        with open(argv[3]) as f:
            for line in f:
                if ": " in line and not line.startswith(" "):
                    k, v = line.strip().split(": ", 1)
                    got[k] = int(v)
        for k, v in sorted(want.items()):
            result(got.get(k) == v, f"nat64/stats {iid}: {k}: {v}",
                   f"got {got.get(k)}")
        others = {k: v for k, v in got.items() if k not in want and v}
        result(got and not others, f"nat64/stats {iid}: every other counter is 0",
               f"{others or got}")
    elif cmd == "drops":
        load_scapy()
        for name, port, scope, counter, f in drops():
            print(f"{name}\t{port}\t{scope}\t{counter}\t{f.hex()}")
    elif cmd == "stress-frames":
        load_scapy()
        for i in range(int(argv[2])):
            print(stress_frame(i).hex())
    elif cmd == "stress-check":
        load_scapy()
        stress_check(argv[2], int(argv[3]))
    else:
        print(f"usage: {argv[0]} instance|cases|count|check|stats|drops|"
              "stress-frames|stress-check ...", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
