#!/usr/bin/python3
"""Frames and their expected translations for stateful_test.sh.

Stateful NAT64 (RFC 6146) through the nat64 action: every expectation is
derived from the RFC text with scapy computing the checksums from scratch
over the expected packet.  RFC 6146 §3.5 decides which pool4 transport
address a flow gets (§3.5.1.1 for UDP, §3.5.2 for TCP, §3.5.3 for ICMP
query identifiers) and §3.6-§3.7 which fields change; RFC 7915 says how the
rest of the header is translated, as in packets.py, whose helpers this file
shares.  Where the exact bytes matter, the pool4 range holds a single port,
so the translator has no choice to make.  Nothing here runs the translator.

Commands (tab-separated lines for the shell script):

  instance ID [VARIANT]    the instance document of ID (JSON)
  cases                    KEY, NAME, IN-PORT, frames expected on p1 and on p2,
                           then the input frames in hex, one case a line
  count PCAP               frames in PCAP (0 when it does not exist yet)
  check MANIFEST P1 P2     ok|bad, NAME, DETAIL for every case in MANIFEST
                           ("KEY P1-FROM P1-TO P2-FROM P2-TO" lines)
"""
import ipaddress
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import packets  # noqa: E402  (shared helpers: pcap reader, RFC 7915 headers)
from packets import pcap_frames, diff, payload, ip_id, l2len, result  # noqa: E402

# --- Addressing ----------------------------------------------------------
# One stateful instance per concern, each with its own pool6 prefix
# (network-specific, so documentation IPv4 space is allowed, RFC 6052
# §3.1) and its own pool4 address, so that table 0 can send each to its
# instance.
H6 = "2001:db8:6::5"          # the VNet host
R4 = "203.0.113.33"           # an IPv4 server
ROUTER4, ROUTER6 = "192.0.2.1", "2001:db8:1c0:2:1::"
POOL6 = {20: "2001:db8:64::/96", 21: "2001:db8:70::/96", 22: "2001:db8:65::/96",
         23: "2001:db8:66::/96", 25: "2001:db8:68::/96"}
POOL4 = {20: "192.0.2.100", 22: "192.0.2.110", 23: "192.0.2.120",
         25: "192.0.2.140"}
POOL4_MOVED = "192.0.2.101"   # instance 20's pool4 after it is moved

UDP_PORT4 = 7000              # instance 20: the one UDP pool4 port
TCP_PORTS4 = (2000, 2999)     # instance 20: TCP (static BIB) range
LOG_PORT4 = 7500              # instance 23: the one UDP pool4 port
ICMP_ID4 = 9000               # instance 25: the one ICMP identifier
LIMIT_PORTS4 = (7000, 7099)   # instance 22

# The static BIB entry (a port forward): the host's TCP 80 as pool4 2080.
STATIC6, STATIC4 = (H6, 80), (POOL4[20], 2080)

MAC_VM, MAC_GW6 = "50:54:00:00:00:06", "50:54:00:00:00:01"
MAC_GW4, MAC_NH4 = "50:54:00:00:00:02", "50:54:00:00:00:04"
GEN_TTL = 64                  # hop limit of the translator's own errors


def instance_doc(iid, variant=""):
    doc = {"instance": iid, "pool6": POOL6[iid],
           "router-ipv4": ROUTER4, "router-ipv6": ROUTER6}
    if iid == 20:
        p4 = POOL4_MOVED if variant == "moved" else POOL4[20]
        doc["pool4"] = [
            {"prefix": p4 + "/32", "ports": f"{UDP_PORT4}-{UDP_PORT4}",
             "protocols": ["udp"]},
            {"prefix": p4 + "/32", "ports": "%d-%d" % TCP_PORTS4,
             "protocols": ["tcp", "icmp"]}]
        doc["max-sessions"] = 1000
        if variant in ("same", "moved"):
            # A replacement that changes something else as well, so that
            # instance-show can tell it was applied.
            doc["ipv6-mtu"] = 1400
    elif iid == 22:
        doc["pool4"] = [{"prefix": POOL4[22] + "/32",
                         "ports": "%d-%d" % LIMIT_PORTS4}]
        doc["max-sessions"] = 2
    elif iid == 23:
        doc["pool4"] = [{"prefix": POOL4[23] + "/32",
                         "ports": f"{LOG_PORT4}-{LOG_PORT4}",
                         "protocols": ["udp"]}]
        doc["logging-bib"] = True
        doc["logging-session"] = True
    elif iid == 25:
        doc["pool4"] = [{"prefix": POOL4[25] + "/32",
                         "ports": f"{ICMP_ID4}-{ICMP_ID4}",
                         "protocols": ["icmp"]}]
        doc["timeouts"] = {"icmp": 1}
    if iid in (20, 22, 23, 25):
        # Explicitly off (the default) where logging is not under test.
        doc.setdefault("logging-session", False)
        doc.setdefault("logging-bib", False)
    return json.dumps(doc)


def pool6(iid, v4):
    """RFC 6052 §2.2 with a /96 prefix: the IPv4 address in the last 32
    bits."""
    net = ipaddress.IPv6Network(POOL6[iid])
    assert net.prefixlen == 96
    return str(ipaddress.IPv6Address(
        net.network_address.packed[:12] + ipaddress.IPv4Address(v4).packed))


# --- Frames ---------------------------------------------------------------
def load_scapy():
    global Ether, IP, IPv6, UDP, TCP, ICMP, Raw, raw
    global ICMPv6EchoRequest
    packets.load_scapy()
    from scapy.all import (Ether, IP, IPv6, UDP, TCP, ICMP, Raw, raw,
                           ICMPv6EchoRequest)


def from_vm():
    return Ether(src=MAC_VM, dst=MAC_GW6)


def from_uplink():
    return Ether(src=MAC_NH4, dst=MAC_GW4)


def icmp6(src, dst, type_, code, rest, body):
    return packets.icmp6(src, dst, type_, code, rest, body)


class Want:
    """One expected frame.  build(got) returns the expected bytes, taking
    the fields the translator may choose (the Identification of a DF=0
    IPv4 packet it originates, RFC 7915 §5.1 / RFC 6864 §4.2; a pool4 port
    from a range) from 'got'; check(got) may add conditions on them."""

    def __init__(self, build, check=None):
        self.build, self.extra = build, check

    def check(self, got):
        try:
            want = self.build(got)
        except Exception as e:  # too short to read the free fields
            return f"cannot build the expectation from {got.hex()}: {e!r}"
        if got != want:
            return diff(got, want)
        return self.extra(got) if self.extra else None


def exact(frame):
    return Want(lambda got: raw(frame))


def free_id(builder):
    return Want(lambda got: raw(builder(ip_id(got, l2len(got)))))


class Case:
    def __init__(self, key, name, port, frames, out1=(), out2=()):
        self.key, self.name, self.port = key, name, port
        self.frames = [raw(f) for f in frames]
        self.out1, self.out2 = list(out1), list(out2)

    def check(self, got1, got2):
        return packets.check_frames(got1, got2, self.out1, self.out2)


def cases():
    v4_hdr, v6_hdr = packets.v4_hdr, packets.v6_hdr
    R6 = pool6(20, R4)       # 2001:db8:64::cb00:7121
    C = []

    # 1. UDP from the VNet host, first packet of the flow (RFC 6146
    # §3.5.1): a new BIB entry and session; the source transport address
    # becomes pool4's only UDP one, 192.0.2.100#7000 (§3.5.1.1, §3.6),
    # the destination is the address embedded in pool6 (§3.5.1, RFC 6052)
    # and the rest of the header follows RFC 7915 §5.1 (TTL = hop limit
    # - 1, flow label dropped, DF=0 for 1260 bytes or less); the UDP
    # checksum is the new pseudo-header's (§5.5) with the new port.  L2 is
    # left as it came (table 10 only outputs).
    dgram = lambda sport: UDP(sport=sport, dport=53) / Raw(payload(37))
    udp_out = [from_vm() / IPv6(src=H6, dst=R6, hlim=64, tc=0, fl=0x12345)
               / dgram(40000)]
    udp_want = free_id(lambda i: from_vm()
                       / v4_hdr(src=POOL4[20], dst=R4, tc=0, hlim=64,
                                plen=8 + 37, nh=17, ident=i)
                       / dgram(UDP_PORT4))
    C.append(Case("udp-out", "udp 6->4, new session: source 192.0.2.100#7000 from pool4 "
                  "(RFC 6146 §3.5.1.1, §3.6)", "p1", udp_out, out2=[udp_want]))
    # 2. The server's answer to that pool4 transport address: the session
    # gives back the host and port (§3.5.1, §3.7), the source is embedded
    # in pool6, RFC 7915 §4.1 does the rest (no Fragment header for DF=1,
    # traffic class = TOS, flow label 0, hop limit = TTL - 1).
    ans = lambda dport: UDP(sport=53, dport=dport) / Raw(payload(61, 3))
    C.append(Case("udp-reply", "udp 4->6 reply to 192.0.2.100#7000 reaches 2001:db8:6::5#40000 "
                  "(RFC 6146 §3.5.1, §3.7)", "p2",
                  [from_uplink() / IP(src=R4, dst=POOL4[20], ttl=64, id=0x1234,
                                      flags="DF", tos=0x10) / ans(UDP_PORT4)],
                  out1=[exact(from_uplink()
                              / v6_hdr(src=R6, dst=H6, tos=0x10, ttl=64,
                                       total=20 + 8 + 61, proto=17)
                              / ans(40000))]))
    # 3. A second UDP flow from another port of the host needs a second BIB
    # entry, but pool4 has one UDP port, held by the first (§3.5.1.1: "If
    # it is not possible to allocate an appropriate IPv4 transport address
    # ... the NAT64 SHOULD send an ICMPv6 Destination Unreachable error
    # message with Code 3 (Address Unreachable)").  The answer is the
    # translator's own, from router-ipv6, back out of the ingress port with
    # the Ethernet addresses swapped, quoting the whole packet (RFC 4443).
    ex = from_vm() / IPv6(src=H6, dst=R6, hlim=64) / dgram(40001)
    ex_l3 = raw(ex)[14:]
    C.append(Case("udp-exhausted", "udp 6->4 with pool4 exhausted: icmpv6 destination unreachable "
                  "code 3 (RFC 6146 §3.5.1.1)", "p1", [ex],
                  out1=[exact(Ether(src=MAC_GW6, dst=MAC_VM)
                              / IPv6(tc=0, fl=0, hlim=GEN_TTL, src=ROUTER6,
                                     dst=H6, nh=58)
                              / Raw(icmp6(ROUTER6, H6, 1, 3, 0, ex_l3)))]))

    # 4. Static BIB (a port forward): an IPv4 SYN to 192.0.2.100#2080
    # finds the entry (§3.5.2.2, CLOSED state, V4 SYN: a session in V4
    # INIT), and reaches 2001:db8:6::5#80; options travel unchanged, the
    # checksum follows the IPv6 pseudo-header and the new port.
    opts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (4242, 0)),
            ("NOP", None), ("WScale", 7)]
    syn = lambda dport: TCP(sport=51000, dport=dport, flags="S", seq=5000,
                            window=64240, options=opts)
    syn_in = (from_uplink() / IP(src=R4, dst=STATIC4[0], ttl=64, id=0x2222,
                                 flags="DF") / syn(STATIC4[1]))
    C.append(Case("syn-in", "tcp SYN 4->6 to the static BIB 192.0.2.100#2080 reaches "
                  "2001:db8:6::5#80 (RFC 6146 §3.5.2.2)", "p2", [syn_in],
                  out1=[exact(from_uplink()
                              / v6_hdr(src=R6, dst=H6, tos=0, ttl=64,
                                       total=20 + len(raw(syn(80))), proto=6)
                              / syn(80))]))
    # 5. The host's SYN-ACK leaves from the static entry's pool4 transport
    # address (§3.5.2.2, V4 INIT, V6 SYN: ESTABLISHED).
    synack = lambda sport: TCP(sport=sport, dport=51000, flags="SA", seq=9000,
                               ack=5001, window=65160, options=opts)
    C.append(Case("synack-out", "tcp SYN-ACK 6->4 leaves from the static BIB 192.0.2.100#2080",
                  "p1",
                  [from_vm() / IPv6(src=H6, dst=R6, hlim=64) / synack(80)],
                  out2=[free_id(lambda i: from_vm()
                                / v4_hdr(src=STATIC4[0], dst=R4, tc=0, hlim=64,
                                         plen=len(raw(synack(80))), nh=6,
                                         ident=i)
                                / synack(STATIC4[1]))]))
    # 6. The same SYN once the entry is deleted: no BIB entry, dropped
    # (§3.5.2.2: "If the ... packet is ... SYN and no BIB entry ...",
    # and §3.5.1.1 for what is not mapped).
    C.append(Case("syn-no-bib", "tcp SYN 4->6 to 192.0.2.100#2080 after bib-del: dropped",
                  "p2", [syn_in]))

    # 7. ICMPv6 echo request from the host (instance 25): an ICMP query
    # session keyed by the identifier, which becomes pool4's only one,
    # 9000 (§3.5.3), type 128 -> 8 (RFC 7915 §5.2), checksum without the
    # pseudo-header.
    ping = payload(16, 1)
    C.append(Case("echo-out", "icmpv6 echo request 6->4: identifier 0x4321 -> pool4's 9000 "
                  "(RFC 6146 §3.5.3)", "p1",
                  [from_vm() / IPv6(src=H6, dst=pool6(25, R4), hlim=64)
                   / ICMPv6EchoRequest(id=0x4321, seq=7, data=ping)],
                  out2=[free_id(lambda i: from_vm()
                                / v4_hdr(src=POOL4[25], dst=R4, tc=0, hlim=64,
                                         plen=8 + 16, nh=58, ident=i)
                                / ICMP(type=8, code=0, id=ICMP_ID4, seq=7)
                                / Raw(ping))]))

    # 8. max-sessions 2 (instance 22): three UDP flows from three ports;
    # the first two get a pool4 port from 7000-7099 (which one is the
    # translator's choice: the check reads it and checks the range), the
    # third would be a third session and is dropped.
    R6L = pool6(22, R4)

    def limit_want(sport6):
        def build(got):
            l3 = l2len(got)
            sport = struct.unpack("!H", got[l3 + 20:l3 + 22])[0]
            return raw(from_vm()
                       / v4_hdr(src=POOL4[22], dst=R4, tc=0, hlim=64,
                                plen=8 + 37, nh=17, ident=ip_id(got, l3))
                       / UDP(sport=sport, dport=53) / Raw(payload(37)))

        def in_range(got):
            l3 = l2len(got)
            sport = struct.unpack("!H", got[l3 + 20:l3 + 22])[0]
            lo, hi = LIMIT_PORTS4
            if not lo <= sport <= hi:
                return f"source port {sport} is outside pool4's {lo}-{hi}"
            return None
        return Want(build, in_range)
    for n in (1, 2, 3):
        C.append(Case(f"limit-{n}", f"max-sessions 2: udp flow {n} of 3"
                      + (" dropped" if n == 3 else " translated from pool4"),
                      "p1",
                      [from_vm() / IPv6(src=H6, dst=R6L, hlim=64)
                       / UDP(sport=41000 + n, dport=53) / Raw(payload(37))],
                      out2=[limit_want(41000 + n)] if n < 3 else []))

    # 9. A flow through the instance that logs (instance 23).
    C.append(Case("log-udp", "udp 6->4 through instance 23 (logging on): source "
                  "192.0.2.120#7500", "p1",
                  [from_vm() / IPv6(src=H6, dst=pool6(23, R4), hlim=64)
                   / dgram(42000)],
                  out2=[free_id(lambda i: from_vm()
                                / v4_hdr(src=POOL4[23], dst=R4, tc=0, hlim=64,
                                         plen=8 + 37, nh=17, ident=i)
                                / dgram(LOG_PORT4))]))

    # 10. Case 1 again after the sessions were flushed: a new session, the
    # same (only) pool4 port.
    C.append(Case("udp-again", "udp 6->4 after session-flush: a new session, again "
                  "192.0.2.100#7000", "p1", udp_out, out2=[udp_want]))
    return C


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "instance":
        print(instance_doc(int(argv[2]), argv[3] if len(argv) > 3 else ""))
    elif cmd == "count":
        print(len(pcap_frames(argv[2])))
    elif cmd == "cases":
        load_scapy()
        for c in cases():
            print("\t".join([c.key, c.name, c.port, str(len(c.out1)), str(len(c.out2)),
                             " ".join(f.hex() for f in c.frames)]))
    elif cmd == "check":
        load_scapy()
        p1, p2 = pcap_frames(argv[3]), pcap_frames(argv[4])
        ranges = {}
        with open(argv[2]) as f:
            for line in f:
                key, a1, b1, a2, b2 = line.split()
                ranges[key] = (int(a1), int(b1), int(a2), int(b2))
        for c in cases():
            if c.key not in ranges:
                result(False, c.name, "not run")
                continue
            a1, b1, a2, b2 = ranges[c.key]
            errs = c.check(p1[a1:b1], p2[a2:b2])
            result(not errs, c.name, "\n".join(errs))
    else:
        print(f"usage: {argv[0]} instance|cases|count|check ...", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
