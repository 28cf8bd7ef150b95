#!/usr/bin/env python3
"""Conformance vectors for the ovs-nat64 translator: stateless (SIIT) and
stateful (NAT64).

Every case is derived from the RFC texts (RFC 7915, RFC 6052, RFC 7757,
RFC 4884, RFC 1191/8201, RFC 792/1122/1812/4443 for ICMP generation, RFC 6146
for stateful NAT64) and from
the implementation choices fixed for ovs-nat64 where the RFCs leave room
(see README.md).  Expected packets are written by hand with scapy from what
the RFC says; nothing here runs our translator.

Usage:
    gen_vectors.py OUTDIR            write one directory per case into OUTDIR
    gen_vectors.py OUTDIR --check    ... and re-read every pcap and verify the
                                     checksums of the expected packets
    gen_vectors.py --list            print the case names
    gen_vectors.py --markdown        print the README case table

Each case directory holds:
    instance.json   the instance configuration (shared/design.md document)
    in.pcap         packets fed to `nat64ctl translate` (their timestamps are
                    the translator's clock)
    expected.pcap   packets it must write, in order
    case.json       {"name", "rfc", "description", "ignore", "expect_verdicts",
                     "expect_outputs", "linktype"[, "expect_reasons"]}

Python stdlib + scapy (Debian's python3-scapy) only.
"""

import argparse
import ipaddress
import json
import os
import shutil
import struct
import sys


def _ensure_scapy():
    """Debian's scapy lives in /usr/bin/python3's dist-packages; another
    python3 first in PATH (pyenv, venv) may not see it.  Re-exec once."""
    import importlib.util
    if importlib.util.find_spec("scapy") is not None:
        return
    system_py = "/usr/bin/python3"
    if (os.path.exists(system_py) and not os.environ.get("NAT64_CONFORMANCE_REEXEC")
            and os.path.realpath(sys.executable) != os.path.realpath(system_py)):
        os.environ["NAT64_CONFORMANCE_REEXEC"] = "1"
        os.execv(system_py, [system_py] + sys.argv)
    sys.exit("gen_vectors.py: scapy is not importable (apt-get install python3-scapy)")


_ensure_scapy()

import logging  # noqa: E402

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.layers.inet import (IP, ICMP, TCP, UDP, IPOption_EOL,  # noqa: E402
                               IPOption_LSRR, IPOption_NOP, IPOption_RR,
                               IPOption_SSRR, IPOption_Timestamp)
from scapy.layers.inet6 import (IPv6, ICMPv6DestUnreach, ICMPv6EchoReply,  # noqa: E402
                                ICMPv6EchoRequest, ICMPv6PacketTooBig,
                                ICMPv6ParamProblem, ICMPv6TimeExceeded,
                                ICMPv6Unknown, IPv6ExtHdrDestOpt,
                                IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, PadN)
from scapy.layers.l2 import Ether  # noqa: E402
from scapy.packet import Raw  # noqa: E402

# ---------------------------------------------------------------------------
# pcap files (written with the stdlib so the link type is exactly what we say)

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101  # raw IPv4/IPv6, version from the first nibble
T0 = 1700000000


def write_pcap(path, linktype, packets, times=None):
    """Packet i is stamped T0 + times[i] seconds (microsecond resolution), or
    T0 + i without 'times'.  nat64ctl translate runs the translator's clock
    on these stamps (shared/design.md "Offline translation")."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktype))
        for i, p in enumerate(packets):
            us = round((times[i] if times is not None else i) * 1000000)
            f.write(struct.pack("<IIII", T0 + us // 1000000, us % 1000000, len(p), len(p)))
            f.write(p)


def read_pcap(path):
    """Returns (linktype, [bytes]).  Classic pcap, either byte order, us/ns."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError("%s: too short for a pcap header" % path)
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise ValueError("%s: not a classic pcap file (magic %s)" % (path, magic.hex()))
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0x0FFFFFFF
    out, off = [], 24
    while off < len(data):
        if off + 16 > len(data):
            raise ValueError("%s: truncated record header" % path)
        _, _, caplen, _ = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        if off + caplen > len(data):
            raise ValueError("%s: truncated record" % path)
        out.append(data[off:off + caplen])
        off += caplen
    return linktype, out


# ---------------------------------------------------------------------------
# RFC 6052 §2.2: IPv4-embedded IPv6 addresses.  Written from the figure in
# §2.2 and checked below against the example table of §2.4.

def rfc6052_embed(prefix, v4):
    net = ipaddress.IPv6Network(prefix)
    plen = net.prefixlen
    if plen not in (32, 40, 48, 56, 64, 96):
        raise ValueError("RFC 6052 §2.2 allows /32 /40 /48 /56 /64 /96, not /%d" % plen)
    b = bytearray(net.network_address.packed)
    v = ipaddress.IPv4Address(v4).packed
    if plen == 96:
        b[12:16] = v
    else:
        pos = plen // 8
        for octet in v:
            if pos == 8:  # bits 64..71, the "u" octet, MUST be zero
                pos += 1
            b[pos] = octet
            pos += 1
    return str(ipaddress.IPv6Address(bytes(b)))


# RFC 6052 §2.4, "Table 1: Text Representation of IPv4-Embedded IPv6 Address"
RFC6052_TABLE = [
    ("2001:db8::/32", "2001:db8:c000:221::"),
    ("2001:db8:100::/40", "2001:db8:1c0:2:21::"),
    ("2001:db8:122::/48", "2001:db8:122:c000:2:2100::"),
    ("2001:db8:122:300::/56", "2001:db8:122:3c0:0:221::"),
    ("2001:db8:122:344::/64", "2001:db8:122:344:c0:2:2100:0"),
    ("2001:db8:122:344::/96", "2001:db8:122:344::192.0.2.33"),
]
for _p, _a in RFC6052_TABLE:
    assert ipaddress.IPv6Address(rfc6052_embed(_p, "192.0.2.33")) == ipaddress.IPv6Address(_a), _p


# ---------------------------------------------------------------------------
# Internet checksum helpers (used to craft inputs and for --check)

def inet_sum(data, s=0):
    if len(data) % 2:
        data += b"\0"
    for i in range(0, len(data), 2):
        s += (data[i] << 8) | data[i + 1]
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def inet_cksum(data):
    return (~inet_sum(data)) & 0xFFFF


def pseudo4(src, dst, proto, length):
    return (ipaddress.IPv4Address(src).packed + ipaddress.IPv4Address(dst).packed
            + struct.pack("!BBH", 0, proto, length))


def pseudo6(src, dst, nh, length):
    return (ipaddress.IPv6Address(src).packed + ipaddress.IPv6Address(dst).packed
            + struct.pack("!IxxxB", length, nh))


def udp4(src, dst, sport, dport, data):
    """A complete UDP datagram (bytes) with its IPv4 checksum."""
    return bytes(IP(src=src, dst=dst) / UDP(sport=sport, dport=dport) / Raw(data))[20:]


def udp6(src, dst, sport, dport, data):
    """A complete UDP datagram (bytes) with its IPv6 checksum."""
    return bytes(IPv6(src=src, dst=dst) / UDP(sport=sport, dport=dport) / Raw(data))[40:]


def pat(n, seed=0):
    """Deterministic payload bytes."""
    return bytes(((seed + i) * 37 + 11) & 0xFF for i in range(n))


def B(p):
    return p if isinstance(p, (bytes, bytearray)) else bytes(p)


def ext_mpls_object():
    """RFC 4884 §7 ICMP Extension Structure: version 2 header with its own
    checksum, one MPLS Label Stack object (RFC 4950; class 1, c-type 1)."""
    obj = struct.pack("!HBB", 8, 1, 1) + struct.pack("!I", (16 << 12) | (1 << 8) | 1)
    body = bytes([0x20, 0x00, 0x00, 0x00]) + obj
    cs = inet_cksum(body)
    return bytes([0x20, 0x00]) + struct.pack("!H", cs) + obj


# ---------------------------------------------------------------------------
# The address plan (documentation ranges only, see README.md)

POOL6 = "2001:db8:64::/96"          # network-specific prefix: RFC 6052 §3.1's WKP
#                                     restriction does not apply to it
EAM6, EAM4 = "2001:db8:6::/120", "192.0.2.0/24"
H6, H6_4 = "2001:db8:6::10", "192.0.2.16"    # IPv6 host, EAM-mapped
H6B, H6B_4 = "2001:db8:6::11", "192.0.2.17"  # second IPv6 host (hairpinning)
R6, R6_4 = "2001:db8:6::1", "192.0.2.1"      # IPv6 router, EAM-mapped
R6X = "2001:db8:ffff::1"                     # IPv6 router, untranslatable
U6 = "2001:db8:ffff::99"                     # IPv6 host, untranslatable
H4 = "198.51.100.20"                         # IPv4 host (reached through pool6)
H4_6 = rfc6052_embed(POOL6, H4)
R4 = "203.0.113.1"                           # IPv4 router on the path
R4_6 = rfc6052_embed(POOL6, R4)
ROUTER4, ROUTER6 = "198.51.100.1", "2001:db8:1c0:2:1::"  # the translator itself
POOL6791 = "203.0.113.8"

BASE_CONFIG = {
    "instance": 7,
    "pool6": POOL6,
    "eamt": [{"ipv6": EAM6, "ipv4": EAM4}],
    "pool6791v4": POOL6791 + "/32",
    "randomize-rfc6791-addresses": False,
    "router-ipv4": ROUTER4,
    "router-ipv6": ROUTER6,
    "ipv4-mtu": 1500,
    "ipv6-mtu": 1500,
    "lowest-ipv6-mtu": 1280,
    "amend-udp-checksum-zero": False,
    "zeroize-traffic-class": False,
    "override-tos": False,
    "tos": 0,
    "eam-hairpin-mode": "intrinsic",
}


def make_config(overrides):
    cfg = json.loads(json.dumps(BASE_CONFIG))
    for k, v in (overrides or {}).items():
        if v is None:
            cfg.pop(k, None)   # "unset": the key is left out of the document
        else:
            cfg[k] = v
    return cfg


# ---------------------------------------------------------------------------
# Cases

IGNORE_KEYS = {
    "ipv4.id": "outer IPv4 Identification masked; outer IPv4 header checksum verified instead of compared",
    "ipv6.hlim": "outer IPv6 Hop Limit masked",
    "inner.ipv4.id": "IPv4 Identification of the packet quoted in an ICMPv4 error masked; its header "
                     "checksum and the outer ICMPv4 checksum verified instead of compared",
    "inner.l4.checksum": "transport checksum of the quoted packet masked; outer ICMP checksum verified",
    "eth.addr": "Ethernet destination and source addresses masked (ethertype still compared)",
}


class Case:
    def __init__(self, name, rfc, description, config, ignore, linktype):
        for k in ignore:
            assert k in IGNORE_KEYS, k
        self.name, self.rfc, self.description = name, rfc, " ".join(description.split())
        self.config, self.ignore, self.linktype = config, list(ignore), linktype
        self.inputs, self.expected, self.verdicts, self.outputs = [], [], [], []
        self.times, self.reasons = [], []

    def _add(self, inp, verdict, outs, t, reason):
        # t: seconds after T0 (the pcap timestamp, i.e. the translator's
        # clock); by default one second per input.  reason: the log's
        # "reason" to insist on (stateful cases), or None.
        if t is None:
            t = len(self.inputs)
        assert not self.times or t >= self.times[-1], (self.name, t)
        self.inputs.append(B(inp))
        self.verdicts.append(verdict)
        self.times.append(t)
        self.reasons.append(reason)
        idx = []
        for o in outs:
            idx.append(len(self.expected))
            self.expected.append(B(o))
        self.outputs.append(idx)

    def translated(self, inp, *outs, t=None, reason=None):
        assert outs
        self._add(inp, "translated", outs, t, reason)

    def reply(self, inp, out, t=None, reason=None):
        self._add(inp, "icmp-reply", [out], t, reason)

    def dropped(self, inp, t=None, reason=None):
        self._add(inp, "dropped", [], t, reason)

    def write(self, root):
        d = os.path.join(root, self.name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "instance.json"), "w") as f:
            json.dump(self.config, f, indent=2)
            f.write("\n")
        write_pcap(os.path.join(d, "in.pcap"), self.linktype, self.inputs, self.times)
        # Outputs carry the time of the input that produced them (the
        # runner compares bytes only).
        out_times = [0.0] * len(self.expected)
        for t, idx in zip(self.times, self.outputs):
            for j in idx:
                out_times[j] = t
        write_pcap(os.path.join(d, "expected.pcap"), self.linktype, self.expected, out_times)
        meta = {
            "name": self.name,
            "rfc": self.rfc,
            "description": self.description,
            "ignore": self.ignore,
            "expect_verdicts": self.verdicts,
            "expect_outputs": self.outputs,
            "linktype": self.linktype,
        }
        if any(r is not None for r in self.reasons):
            meta["expect_reasons"] = self.reasons
        with open(os.path.join(d, "case.json"), "w") as f:
            json.dump(meta, f, indent=2)
            f.write("\n")


class Registry:
    def __init__(self):
        self.cases = []
        self.section = ""

    def new(self, name, rfc, description, config=None, ignore=(), linktype=LINKTYPE_RAW):
        assert all(c.name != name for c in self.cases), name
        c = Case(name, rfc, description, make_config(config), ignore, linktype)
        c.section = self.section
        self.cases.append(c)
        return c


# Outer headers used over and over.  4->6: IPv4 host H4 -> IPv6 host H6 (EAM);
# 6->4: H6 -> H4 (pool6).  TTL/Hop Limit arrive as 64 and leave as 63.

def v4_to_h6(ttl=64, tos=0, flags="DF", id=0x1234, src=H4, dst=H6_4, **kw):
    return IP(src=src, dst=dst, ttl=ttl, tos=tos, flags=flags, id=id, **kw)


def v6_from_h4(hlim=63, tc=0, src=H4_6, dst=H6, **kw):
    return IPv6(src=src, dst=dst, hlim=hlim, tc=tc, fl=0, **kw)


def v6_to_h4(hlim=64, tc=0, fl=0x5A5A5, src=H6, dst=H4_6, **kw):
    return IPv6(src=src, dst=dst, hlim=hlim, tc=tc, fl=fl, **kw)


def v4_from_h6(ttl=63, tos=0, flags=0, id=0, src=H6_4, dst=H4, **kw):
    return IP(src=src, dst=dst, ttl=ttl, tos=tos, flags=flags, id=id, **kw)


# ---------------------------------------------------------------------------
# RFC 7915 §4.1 / §5.1: the IP header

def cases_ip_header(r):
    r.section = "IP header (RFC 7915 §4.1, §5.1)"
    data = pat(64)

    c = r.new("4to6-udp-basic", "RFC 7915 §4.1",
              """§4.1: Version 6; Traffic Class from TOS; Flow Label 0; Payload Length = Total
              Length - IHL*4; Next Header copied; Hop Limit = TTL - 1 (the translator is a router);
              source embedded per RFC 6052, destination through the EAMT (RFC 7757). §4.5: the
              UDP checksum is updated for the IPv6 pseudo-header.""")
    c.translated(v4_to_h6() / UDP(sport=53, dport=40000) / data,
                 v6_from_h4() / UDP(sport=53, dport=40000) / data)

    c = r.new("4to6-udp-df0-small-no-fragment-header", "RFC 7915 §4",
              """§4: "When the IPv4 sender does not set the DF bit, the translator MUST NOT include
              the Fragment Header for the non-fragmented IPv6 packets." """)
    c.translated(v4_to_h6(flags=0, id=0x4321) / UDP(sport=53, dport=40000) / data,
                 v6_from_h4() / UDP(sport=53, dport=40000) / data)

    tcp_kw = dict(sport=443, dport=40001, seq=1000, ack=2000, flags="PA", window=8192,
                  options=[("MSS", 1460), ("NOP", None), ("NOP", None), ("SAckOK", b"")])
    c = r.new("4to6-tcp", "RFC 7915 §4.1, §4.5",
              """§4.5: "Translators MUST do this [recalculate the pseudo-header checksum] for TCP
              and ICMP packets"; TCP options are not touched.""")
    c.translated(v4_to_h6() / TCP(**tcp_kw) / pat(100),
                 v6_from_h4() / TCP(**tcp_kw) / pat(100))

    c = r.new("6to4-udp-basic", "RFC 7915 §5.1",
              """§5.1: Version 4, IHL 5, TOS from Traffic Class, Total Length = Payload Length +
              20, DF clear for packets <= 1260 bytes, TTL = Hop Limit - 1, Protocol copied,
              header checksum computed; the Flow Label is dropped. §5.5: UDP checksum updated.""",
              ignore=["ipv4.id"])
    c.translated(v6_to_h4() / UDP(sport=40000, dport=53) / data,
                 v4_from_h6() / UDP(sport=40000, dport=53) / data)

    tcp_kw2 = dict(sport=40001, dport=443, seq=77777, ack=0, flags="S", window=65535,
                   options=[("MSS", 1440), ("SAckOK", b""), ("WScale", 7)])
    c = r.new("6to4-tcp", "RFC 7915 §5.1, §5.5",
              """§5.5: "Translators MUST do this for TCP, UDP, and ICMP." (pseudo-header checksum
              recomputation)""", ignore=["ipv4.id"])
    c.translated(v6_to_h4() / TCP(**tcp_kw2), v4_from_h6() / TCP(**tcp_kw2))

    c = r.new("4to6-tos-copied", "RFC 7915 §4.1",
              """§4.1 Traffic Class: "By default, copied from the IP Type Of Service (TOS) octet."
              (all 8 bits, ECN included)""")
    c.translated(v4_to_h6(tos=0xB9) / UDP(sport=53, dport=40000) / data,
                 v6_from_h4(tc=0xB9) / UDP(sport=53, dport=40000) / data)

    c = r.new("4to6-zeroize-traffic-class", "RFC 7915 §4.1",
              """§4.1: "An implementation of a translator SHOULD support an administratively
              configurable option to ignore the IPv4 TOS and always set the IPv6 traffic class
              (TC) to zero." (zeroize-traffic-class)""", config={"zeroize-traffic-class": True})
    c.translated(v4_to_h6(tos=0xB9) / UDP(sport=53, dport=40000) / data,
                 v6_from_h4(tc=0) / UDP(sport=53, dport=40000) / data)

    c = r.new("4to6-override-tos-not-applied", "RFC 7915 §4.1",
              """override-tos is the §5.1 (IPv6->IPv4) option; IPv4->IPv6 still copies the TOS
              octet into the Traffic Class.""", config={"override-tos": True, "tos": 0x28})
    c.translated(v4_to_h6(tos=0xB9) / UDP(sport=53, dport=40000) / data,
                 v6_from_h4(tc=0xB9) / UDP(sport=53, dport=40000) / data)

    c = r.new("6to4-traffic-class-copied", "RFC 7915 §5.1",
              """§5.1 Type of Service: "By default, copied from the IPv6 Traffic Class (all 8
              bits)." """, ignore=["ipv4.id"])
    c.translated(v6_to_h4(tc=0xB9) / UDP(sport=40000, dport=53) / data,
                 v4_from_h6(tos=0xB9) / UDP(sport=40000, dport=53) / data)

    c = r.new("6to4-override-tos", "RFC 7915 §5.1",
              """§5.1: "...SHOULD support an administratively configurable option to ignore the
              IPv6 traffic class and always set the IPv4 TOS Octet to a specified value."
              (override-tos + tos)""", config={"override-tos": True, "tos": 0x28},
              ignore=["ipv4.id"])
    c.translated(v6_to_h4(tc=0xB9) / UDP(sport=40000, dport=53) / data,
                 v4_from_h6(tos=0x28) / UDP(sport=40000, dport=53) / data)

    c = r.new("6to4-zeroize-traffic-class-not-applied", "RFC 7915 §5.1",
              """zeroize-traffic-class is the §4.1 (IPv4->IPv6) option; IPv6->IPv4 still copies
              the Traffic Class.""", config={"zeroize-traffic-class": True}, ignore=["ipv4.id"])
    c.translated(v6_to_h4(tc=0xB9) / UDP(sport=40000, dport=53) / data,
                 v4_from_h6(tos=0xB9) / UDP(sport=40000, dport=53) / data)

    c = r.new("4to6-ttl-2-leaves-with-hop-limit-1", "RFC 7915 §4.1",
              """§4.1 Hop Limit: "Since the translator is a router, as part of forwarding the
              packet it needs to decrement either the IPv4 TTL (before the translation) or the
              IPv6 Hop Limit (after the translation)." """)
    c.translated(v4_to_h6(ttl=2) / UDP(sport=53, dport=40000) / data,
                 v6_from_h4(hlim=1) / UDP(sport=53, dport=40000) / data)

    c = r.new("6to4-hop-limit-2-leaves-with-ttl-1", "RFC 7915 §5.1",
              """§5.1 TTL: copied from Hop Limit and decremented, the translator being a
              router.""", ignore=["ipv4.id"])
    c.translated(v6_to_h4(hlim=2) / UDP(sport=40000, dport=53) / data,
                 v4_from_h6(ttl=1) / UDP(sport=40000, dport=53) / data)

    c = r.new("4to6-ipv4-options-ignored-record-route", "RFC 7915 §4.1",
              """§4.1: "If any IPv4 options are present in the IPv4 packet, they MUST be ignored
              and the packet translated normally; there is no attempt to translate the
              options." (Record Route; Payload Length excludes the options)""")
    c.translated(v4_to_h6(options=[IPOption_RR(routers=["0.0.0.0"], pointer=4), IPOption_EOL()])
                 / UDP(sport=53, dport=40000) / data,
                 v6_from_h4() / UDP(sport=53, dport=40000) / data)

    c = r.new("4to6-ipv4-options-ignored-timestamp-nop", "RFC 7915 §4.1",
              """§4.1: IPv4 options MUST be ignored (NOP + Internet Timestamp).""")
    c.translated(v4_to_h6(options=[IPOption_NOP(), IPOption_NOP(),
                                   IPOption_Timestamp(flg=0, timestamp=[0, 0], pointer=5,
                                                      length=12)])
                 / UDP(sport=53, dport=40000) / data,
                 v6_from_h4() / UDP(sport=53, dport=40000) / data)

    c = r.new("4to6-expired-lsrr-ignored", "RFC 7915 §4.1",
              """§4.1: only an *unexpired* source route stops translation; a Loose Source Route
              whose pointer is past its length is an ordinary, ignored option.""")
    # (scapy would compute the UDP checksum against the last route entry; with
    # the route completed, the final destination is the header's destination)
    c.translated(v4_to_h6(proto=17, options=[IPOption_LSRR(routers=["203.0.113.50", "203.0.113.51"],
                                                           pointer=12)])
                 / Raw(udp4(H4, H6_4, 53, 40000, data)),
                 v6_from_h4() / UDP(sport=53, dport=40000) / data)

    for kind, opt in (("lsrr", IPOption_LSRR), ("ssrr", IPOption_SSRR)):
        c = r.new("4to6-unexpired-%s-source-route-failed" % kind, "RFC 7915 §4.1, §4.4",
                  """§4.1: "if an unexpired source route option is present then the packet MUST
                  instead be discarded, and an ICMPv4 "Destination Unreachable, Source Route
                  Failed" (Type 3, Code 5) error message SHOULD be returned to the sender."
                  Error from router-ipv4: TTL 64, DF 0, TOS 0, quoting the packet.""",
                  ignore=GEN4_IGNORE)
        inp = B(v4_to_h6(options=[opt(routers=["203.0.113.50", "203.0.113.51"], pointer=4)])
                / UDP(sport=53, dport=40000) / data)
        c.reply(inp, gen4(inp, ICMP(type=3, code=5)))

    udpb = udp6(H6, H4_6, 40000, 53, data)
    pad4 = PadN(optdata=b"\0" * 4)
    c = r.new("6to4-hop-by-hop-skipped", "RFC 7915 §5.1",
              """§5.1: "If any IPv6 extension headers are present in the IPv6 packet (Hop-by-Hop
              Options header, Destination Options header, or Routing header with the Segments
              Left field equal to zero), those IPv6 extension headers MUST be ignored ... and
              the packet translated normally. However, the Total Length field and the Protocol
              field are adjusted to "skip" these extension headers." """, ignore=["ipv4.id"])
    c.translated(v6_to_h4(nh=0) / IPv6ExtHdrHopByHop(nh=17, options=[pad4]) / Raw(udpb),
                 v4_from_h6(proto=17) / Raw(udp4(H6_4, H4, 40000, 53, data)))

    c = r.new("6to4-destination-options-skipped", "RFC 7915 §5.1",
              """§5.1: a Destination Options header MUST be ignored and skipped.""",
              ignore=["ipv4.id"])
    c.translated(v6_to_h4(nh=60) / IPv6ExtHdrDestOpt(nh=17, options=[pad4]) / Raw(udpb),
                 v4_from_h6(proto=17) / Raw(udp4(H6_4, H4, 40000, 53, data)))

    def srh(nh, segleft, segment=R4_6):
        # RFC 8754 Segment Routing Header (Routing Type 4) with one segment:
        # Next Header, Hdr Ext Len 2, Routing Type 4, Segments Left, Last Entry 0,
        # Flags 0, Tag 0, Segment List[0].
        return (struct.pack("!BBBBBBH", nh, 2, 4, segleft, 0, 0, 0)
                + ipaddress.IPv6Address(segment).packed)

    c = r.new("6to4-routing-header-segments-left-0-skipped", "RFC 7915 §5.1",
              """§5.1: a Routing header with the Segments Left field equal to zero MUST be
              ignored and the packet translated normally.""", ignore=["ipv4.id"])
    c.translated(v6_to_h4(nh=43) / Raw(srh(17, 0) + udpb),
                 v4_from_h6(proto=17) / Raw(udp4(H6_4, H4, 40000, 53, data)))

    c = r.new("6to4-extension-header-chain-skipped", "RFC 7915 §5.1",
              """§5.1: Hop-by-Hop, Destination Options and a Routing header with Segments Left
              0, all in one packet, are skipped; Protocol is the upper layer's.""",
              ignore=["ipv4.id"])
    c.translated(v6_to_h4(nh=0) / IPv6ExtHdrHopByHop(nh=60, options=[pad4])
                 / IPv6ExtHdrDestOpt(nh=43, options=[pad4]) / Raw(srh(17, 0) + udpb),
                 v4_from_h6(proto=17) / Raw(udp4(H6_4, H4, 40000, 53, data)))

    c = r.new("6to4-routing-header-segments-left-nonzero", "RFC 7915 §5.1, §5.4",
              """§5.1: "If a Routing header with a non-zero Segments Left field is present, then
              the packet MUST NOT be translated, and an ICMPv6 "parameter problem/erroneous
              header field encountered" (Type 4, Code 0) error message, with the Pointer field
              indicating the first byte of the Segments Left field, SHOULD be returned to the
              sender." Pointer = 40 + 3 = 43.""")
    inp = B(v6_to_h4(nh=43) / Raw(srh(17, 1) + udpb))
    c.reply(inp, IPv6(src=ROUTER6, dst=H6, hlim=64, tc=0, fl=0)
            / ICMPv6ParamProblem(code=0, ptr=43) / Raw(inp))

    c = r.new("6to4-hop-by-hop-then-routing-segments-left-nonzero", "RFC 7915 §5.1, §5.4",
              """§5.1: as above; the pointer counts from the start of the packet, so after an
              8-byte Hop-by-Hop header it is 40 + 8 + 3 = 51.""")
    inp = B(v6_to_h4(nh=0) / IPv6ExtHdrHopByHop(nh=43, options=[pad4]) / Raw(srh(17, 2) + udpb))
    c.reply(inp, IPv6(src=ROUTER6, dst=H6, hlim=64, tc=0, fl=0)
            / ICMPv6ParamProblem(code=0, ptr=51) / Raw(inp))

    c = r.new("4to6-unknown-protocol-forwarded", "RFC 7915 §4.5",
              """§4.5: "In order to ease debugging and troubleshooting, translators MUST forward
              all transport protocols as described in the "Next Header" step of Section 4.1."
              (protocol 253, RFC 3692-style experiment; payload untouched)""")
    c.translated(v4_to_h6(proto=253) / Raw(pat(40, 3)),
                 v6_from_h4(nh=253) / Raw(pat(40, 3)))

    c = r.new("6to4-unknown-next-header-forwarded", "RFC 7915 §5.5",
              """§5.5: "translators MUST forward all transport protocols as described in the
              "Protocol" step of Section 5.1." (next header 253)""", ignore=["ipv4.id"])
    c.translated(v6_to_h4(nh=253) / Raw(pat(40, 3)),
                 v4_from_h6(proto=253) / Raw(pat(40, 3)))

    c = r.new("6to4-1280-bytes-df-clear", "RFC 7915 §5, §5.1",
              """§5: "When the resulting IPv4 packet is smaller than or equal to 1260 bytes, the
              translator MUST send the packet with a cleared Don't Fragment bit." (IPv6 1280 ->
              IPv4 1260; Identification implementation-chosen)""", ignore=["ipv4.id"])
    big = pat(1280 - 48)
    c.translated(v6_to_h4() / UDP(sport=40000, dport=53) / big,
                 v4_from_h6(flags=0) / UDP(sport=40000, dport=53) / big)

    c = r.new("6to4-1281-bytes-df-set", "RFC 7915 §5, §5.1",
              """§5: "Otherwise, the packet MUST be sent with the Don't Fragment bit set." (IPv6
              1281 -> IPv4 1261, DF=1; ovs-nat64 uses Identification 0 when DF=1)""")
    big = pat(1281 - 48)
    c.translated(v6_to_h4() / UDP(sport=40000, dport=53) / big,
                 v4_from_h6(flags="DF", id=0) / UDP(sport=40000, dport=53) / big)


# ---------------------------------------------------------------------------
# RFC 7915 §4.5 / §5.5: transport checksums

def craft_tail_for_zero(pseudo, l4_without_tail):
    """Returns 2 bytes that, appended (at an even offset) to l4_without_tail
    (checksum field zero), make the one's complement sum 0xFFFF, i.e. the
    computed checksum 0x0000."""
    s0 = inet_sum(pseudo + l4_without_tail)
    return struct.pack("!H", (~s0) & 0xFFFF)


def cases_transport(r):
    r.section = "Transport checksums (RFC 7915 §4.5, §5.5)"
    data = pat(64)

    c = r.new("4to6-udp-zero-checksum-dropped-by-default", "RFC 7915 §4.5",
              """§4.5: for UDP without a checksum the translator SHOULD offer "1. Dropping the
              packet ..." and "2. Calculating an IPv6 checksum"; ovs-nat64's default
              (amend-udp-checksum-zero=false) is to drop.""")
    c.dropped(v4_to_h6() / UDP(sport=53, dport=40000, chksum=0) / data)

    c = r.new("4to6-udp-zero-checksum-amended", "RFC 7915 §4.5",
              """§4.5: "2. Calculating an IPv6 checksum and forwarding the packet" when
              amend-udp-checksum-zero is on and the packet is not a fragment.""",
              config={"amend-udp-checksum-zero": True})
    c.translated(v4_to_h6() / UDP(sport=53, dport=40000, chksum=0) / data,
                 v6_from_h4() / UDP(sport=53, dport=40000) / data)

    full = UDP(sport=53, dport=40000, chksum=0, len=8 + 400) / pat(400)
    c = r.new("4to6-udp-zero-checksum-first-fragment-dropped", "RFC 7915 §4.5",
              """§4.5: "A stateless translator cannot compute the UDP checksum of fragmented
              packets, so when a stateless translator receives the first fragment of a
              fragmented UDP IPv4 packet and the checksum field is zero, the translator SHOULD
              drop the packet" (even with amend-udp-checksum-zero on).""",
              config={"amend-udp-checksum-zero": True})
    c.dropped(v4_to_h6(flags="MF", proto=17) / Raw(B(full)[:208]))

    # 6->4: the IPv4 UDP checksum computes to 0x0000 and must be sent as 0xFFFF
    # (RFC 768: "If the computed checksum is zero, it is transmitted as all ones").
    head = struct.pack("!HHHH", 40000, 53, 8 + 32, 0) + pat(30)
    tail = craft_tail_for_zero(pseudo4(H6_4, H4, 17, 40), head)
    payload = pat(30) + tail
    exp = v4_from_h6() / UDP(sport=40000, dport=53) / payload
    assert UDP(bytes(exp)[20:]).chksum == 0xFFFF
    c = r.new("6to4-udp-checksum-computing-to-zero-sent-as-ffff", "RFC 7915 §5.5; RFC 768",
              """§5.5 recomputes the UDP checksum; RFC 768: "If the computed checksum is zero, it
              is transmitted as all ones" — an IPv4 UDP checksum of 0 would mean "no
              checksum". The payload is crafted so the IPv4 checksum computes to zero.""",
              ignore=["ipv4.id"])
    c.translated(v6_to_h4() / UDP(sport=40000, dport=53) / payload, exp)

    head = struct.pack("!HHHH", 53, 40000, 8 + 32, 0) + pat(30, 9)
    tail = craft_tail_for_zero(pseudo6(H4_6, H6, 17, 40), head)
    payload = pat(30, 9) + tail
    exp = v6_from_h4() / UDP(sport=53, dport=40000) / payload
    assert UDP(bytes(exp)[40:]).chksum == 0xFFFF
    c = r.new("4to6-udp-checksum-computing-to-zero-sent-as-ffff", "RFC 7915 §4.5; RFC 8200 §8.1",
              """§4.5 recomputes the UDP checksum; RFC 8200 §8.1: a UDP checksum that computes
              to zero "must be changed to hex FFFF for placement in the UDP header". The
              payload is crafted so the IPv6 checksum computes to zero.""")
    c.translated(v4_to_h6() / UDP(sport=53, dport=40000) / payload, exp)


# ---------------------------------------------------------------------------
# RFC 7915 §4.2 ICMPv4 -> ICMPv6 (informational), §5.2 ICMPv6 -> ICMPv4 (informational)

def cases_icmp_info(r):
    r.section = "ICMP informational messages (RFC 7915 §4.2, §5.2)"
    data = pat(32, 5)

    c = r.new("4to6-echo-request", "RFC 7915 §4.2",
              """§4.2: "Echo and Echo Reply (Type 8 and Type 0): Adjust the Type values to 128 and
              129, respectively, and adjust the ICMP checksum both to take the type change into
              account and to include the ICMPv6 pseudo-header." Identifier and sequence
              kept.""")
    c.translated(v4_to_h6() / ICMP(type=8, id=0x4242, seq=7) / data,
                 v6_from_h4() / ICMPv6EchoRequest(id=0x4242, seq=7, data=data))

    c = r.new("4to6-echo-reply", "RFC 7915 §4.2", """§4.2: Echo Reply (Type 0) -> Type 129.""")
    c.translated(v4_to_h6() / ICMP(type=0, id=0x4243, seq=8) / data,
                 v6_from_h4() / ICMPv6EchoReply(id=0x4243, seq=8, data=data))

    drops4 = [
        (13, "timestamp", "Timestamp and Timestamp Reply (Type 13 and Type 14): Obsoleted in ICMPv6. Silently drop."),
        (14, "timestamp-reply", "Timestamp and Timestamp Reply (Type 13 and Type 14): Obsoleted in ICMPv6. Silently drop."),
        (15, "information-request", "Information Request/Reply (Type 15 and Type 16): Obsoleted in ICMPv6. Silently drop."),
        (16, "information-reply", "Information Request/Reply (Type 15 and Type 16): Obsoleted in ICMPv6. Silently drop."),
        (17, "address-mask-request", "Address Mask Request/Reply (Type 17 and Type 18): Obsoleted in ICMPv6. Silently drop."),
        (18, "address-mask-reply", "Address Mask Request/Reply (Type 17 and Type 18): Obsoleted in ICMPv6. Silently drop."),
        (9, "router-advertisement", "ICMP Router Advertisement (Type 9): Single-hop message. Silently drop."),
        (10, "router-solicitation", "ICMP Router Solicitation (Type 10): Single-hop message. Silently drop."),
        (4, "source-quench", "Source Quench (Type 4): Obsoleted in ICMPv6. Silently drop."),
        (5, "redirect", "Redirect (Type 5): Single-hop message. Silently drop."),
        (6, "alternate-host-address", "Alternative Host Address (Type 6): Silently drop."),
        (253, "unknown-type", "Unknown ICMPv4 types: Silently drop."),
    ]
    for t, nm, sentence in drops4:
        c = r.new("4to6-icmp-%s-dropped" % nm, "RFC 7915 §4.2", "§4.2: \"%s\"" % sentence)
        if t == 5:
            inner = v4_to_h6(src=H6_4, dst=H4, ttl=63) / UDP(sport=40000, dport=53) / pat(8)
            c.dropped(IP(src=R4, dst=H6_4, ttl=64) / ICMP(type=5, code=1, gw=R4) / Raw(B(inner)))
        else:
            c.dropped(v4_to_h6() / ICMP(type=t, code=0) / Raw(pat(12)))

    c = r.new("4to6-igmp-dropped", "RFC 7915 §4.2",
              """§4.2: "all the "normal" IGMP messages are single-hop messages and SHOULD be
              silently dropped by the translator." (IGMPv2 Membership Report, protocol 2)""")
    igmp = bytearray(struct.pack("!BBH", 0x16, 0, 0) + ipaddress.IPv4Address("233.252.0.1").packed)
    igmp[2:4] = struct.pack("!H", inet_cksum(bytes(igmp)))
    c.dropped(v4_to_h6(proto=2) / Raw(bytes(igmp)))

    c = r.new("6to4-echo-request", "RFC 7915 §5.2",
              """§5.2: "Echo Request and Echo Reply (Type 128 and 129): Adjust the Type values to
              8 and 0, respectively, and adjust the ICMP checksum both to take the type change
              into account and to exclude the ICMPv6 pseudo-header." """, ignore=["ipv4.id"])
    c.translated(v6_to_h4() / ICMPv6EchoRequest(id=0x4242, seq=7, data=data),
                 v4_from_h6() / ICMP(type=8, id=0x4242, seq=7) / data)

    c = r.new("6to4-echo-reply", "RFC 7915 §5.2", """§5.2: Echo Reply (Type 129) -> Type 0.""",
              ignore=["ipv4.id"])
    c.translated(v6_to_h4() / ICMPv6EchoReply(id=0x4243, seq=8, data=data),
                 v4_from_h6() / ICMP(type=0, id=0x4243, seq=8) / data)

    drops6 = [
        (130, "mld-query", "MLD Multicast Listener Query/Report/Done (Type 130, 131, 132): Single-hop message. Silently drop."),
        (131, "mld-report", "MLD Multicast Listener Query/Report/Done (Type 130, 131, 132): Single-hop message. Silently drop."),
        (132, "mld-done", "MLD Multicast Listener Query/Report/Done (Type 130, 131, 132): Single-hop message. Silently drop."),
        (143, "mldv2-report", "MLD messages are single-hop messages: silently drop (MLDv2 Report, Type 143)."),
        (133, "nd-router-solicitation", "Neighbor Discover messages (Type 133 through 137): Single-hop message. Silently drop."),
        (134, "nd-router-advertisement", "Neighbor Discover messages (Type 133 through 137): Single-hop message. Silently drop."),
        (135, "nd-neighbor-solicitation", "Neighbor Discover messages (Type 133 through 137): Single-hop message. Silently drop."),
        (136, "nd-neighbor-advertisement", "Neighbor Discover messages (Type 133 through 137): Single-hop message. Silently drop."),
        (137, "nd-redirect", "Neighbor Discover messages (Type 133 through 137): Single-hop message. Silently drop."),
        (200, "unknown-informational", "Unknown informational messages: Silently drop. (Type 200, private experimentation)"),
    ]
    for t, nm, sentence in drops6:
        c = r.new("6to4-icmpv6-%s-dropped" % nm, "RFC 7915 §5.2", "§5.2: \"%s\"" % sentence)
        c.dropped(v6_to_h4() / ICMPv6Unknown(type=t, code=0, msgbody=pat(20)))


# ---------------------------------------------------------------------------
# RFC 7915 §4.2 + §4.3: ICMPv4 errors -> ICMPv6 errors

def inner4_udp(ttl=5, n=20, tos=0):
    """The packet H6 (as 192.0.2.16) sent to H4, as an IPv4 router saw it."""
    return IP(src=H6_4, dst=H4, ttl=ttl, tos=tos, id=0x5555, flags=0) / UDP(sport=40000, dport=53) / pat(n, 1)


def inner6_udp(hlim=5, n=20, tc=0):
    """... and the same packet translated back (inner TTL not decremented)."""
    return IPv6(src=H6, dst=H4_6, hlim=hlim, tc=tc, fl=0) / UDP(sport=40000, dport=53) / pat(n, 1)


def icmp4_error_in(icmp, quote):
    return IP(src=R4, dst=H6_4, ttl=64, id=0x0101, flags=0) / icmp / Raw(B(quote))


def icmp6_error_out(icmp, quote):
    return IPv6(src=R4_6, dst=H6, hlim=63, tc=0, fl=0) / icmp / Raw(B(quote))


DU4_TO_6 = {  # ICMPv4 Destination Unreachable code -> ICMPv6 (type, code) (RFC 7915 §4.2)
    0: (1, 0, "Code 0, 1 (Net Unreachable, Host Unreachable): Set the Code to 0 (No route to destination)."),
    1: (1, 0, "Code 0, 1 (Net Unreachable, Host Unreachable): Set the Code to 0 (No route to destination)."),
    2: (4, 1, "Code 2 (Protocol Unreachable): Translate to an ICMPv6 Parameter Problem (Type 4, Code 1) and make the Pointer point to the IPv6 Next Header field."),
    3: (1, 4, "Code 3 (Port Unreachable): Set the Code to 4 (Port unreachable)."),
    5: (1, 0, "Code 5 (Source Route Failed): Set the Code to 0 (No route to destination)."),
    6: (1, 0, "Code 6, 7, 8: Set the Code to 0 (No route to destination)."),
    7: (1, 0, "Code 6, 7, 8: Set the Code to 0 (No route to destination)."),
    8: (1, 0, "Code 6, 7, 8: Set the Code to 0 (No route to destination)."),
    9: (1, 1, "Code 9, 10 (Communication with Destination Host Administratively Prohibited): Set the Code to 1."),
    10: (1, 1, "Code 9, 10 (Communication with Destination Host Administratively Prohibited): Set the Code to 1."),
    11: (1, 0, "Code 11, 12: Set the Code to 0 (No route to destination)."),
    12: (1, 0, "Code 11, 12: Set the Code to 0 (No route to destination)."),
    13: (1, 1, "Code 13 (Communication Administratively Prohibited): Set the Code to 1."),
    14: (None, None, "Code 14 (Host Precedence Violation): Silently drop."),
    15: (1, 1, "Code 15 (Precedence cutoff in effect): Set the Code to 1."),
    16: (None, None, "Other Code values: Silently drop."),
}

# RFC 7915 §4.2 Figure 3: ICMPv4 Parameter Problem pointer -> ICMPv6 pointer
PP4_TO_6 = {0: 0, 1: 1, 2: 4, 3: 4, 4: None, 5: None, 6: None, 7: None, 8: 7, 9: 6,
            10: None, 11: None, 12: 8, 13: 8, 14: 8, 15: 8, 16: 24, 17: 24, 18: 24, 19: 24}


def cases_icmp4_errors(r):
    r.section = "ICMPv4 errors -> ICMPv6 (RFC 7915 §4.2, §4.3)"
    q4, q6 = inner4_udp(), inner6_udp()

    for code, (t6, c6, sentence) in sorted(DU4_TO_6.items()):
        name = "4to6-dest-unreach-code-%d" % code
        doc = ("§4.2 Destination Unreachable: \"%s\" §4.3: the quoted packet is translated "
               "like a normal packet (inner TTL not decremented, inner addresses and UDP "
               "checksum translated)." % sentence)
        c = r.new(name, "RFC 7915 §4.2, §4.3", doc)
        inp = icmp4_error_in(ICMP(type=3, code=code), q4)
        if t6 is None:
            c.dropped(inp)
        elif t6 == 4:
            c.translated(inp, icmp6_error_out(ICMPv6ParamProblem(code=1, ptr=6), q6))
        else:
            c.translated(inp, icmp6_error_out(ICMPv6DestUnreach(code=c6), q6))

    for code in (0, 1):
        c = r.new("4to6-time-exceeded-code-%d" % code, "RFC 7915 §4.2, §4.3",
                  """§4.2: "Time Exceeded (Type 11): Set the Type to 3, and adjust the ICMP
                  checksum both to take the type change into account and to include the ICMPv6
                  pseudo-header. The Code is unchanged." """)
        c.translated(icmp4_error_in(ICMP(type=11, code=code), q4),
                     icmp6_error_out(ICMPv6TimeExceeded(code=code), q6))

    for ptr4, ptr6 in sorted(PP4_TO_6.items()):
        if ptr4 in (5, 7, 11, 14, 17, 18):  # keep the list reasonable: one per field edge
            continue
        c = r.new("4to6-param-problem-pointer-%d" % ptr4, "RFC 7915 §4.2 (Figure 3)",
                  """§4.2 Parameter Problem Code 0: "Set the Code to 0 (Erroneous header field
                  encountered) and update the pointer as defined in Figure 3. (If the Original
                  IPv4 Pointer Value is not listed or the Translated IPv6 Pointer Value is
                  listed as "n/a", silently drop the packet.)" IPv4 pointer %d -> %s."""
                  % (ptr4, "IPv6 pointer %d" % ptr6 if ptr6 is not None else "n/a (drop)"))
        inp = icmp4_error_in(ICMP(type=12, code=0, ptr=ptr4), q4)
        if ptr6 is None:
            c.dropped(inp)
        else:
            c.translated(inp, icmp6_error_out(ICMPv6ParamProblem(code=0, ptr=ptr6), q6))

    c = r.new("4to6-param-problem-pointer-20-not-listed", "RFC 7915 §4.2 (Figure 3)",
              """§4.2: a pointer into the IPv4 options (20) is "not listed" in Figure 3:
              silently drop.""")
    c.dropped(icmp4_error_in(ICMP(type=12, code=0, ptr=20), q4))

    c = r.new("4to6-param-problem-code-1-dropped", "RFC 7915 §4.2",
              """§4.2: "Code 1 (Missing a required option): Silently drop." """)
    c.dropped(icmp4_error_in(ICMP(type=12, code=1, ptr=0), q4))

    c = r.new("4to6-param-problem-code-2-bad-length", "RFC 7915 §4.2",
              """§4.2: "Code 2 (Bad length): Set the Code to 0 (Erroneous header field
              encountered) and update the pointer as defined in Figure 3." (pointer 2 ->
              4)""")
    c.translated(icmp4_error_in(ICMP(type=12, code=2, ptr=2), q4),
                 icmp6_error_out(ICMPv6ParamProblem(code=0, ptr=4), q6))

    c = r.new("4to6-param-problem-code-3-dropped", "RFC 7915 §4.2",
              """§4.2 Parameter Problem: "Other Code values: Silently drop." """)
    c.dropped(icmp4_error_in(ICMP(type=12, code=3, ptr=0), q4))

    c = r.new("4to6-unknown-error-type-dropped", "RFC 7915 §4.2",
              """§4.2: "Unknown ICMPv4 types: Silently drop." (type 41, which RFC 7915 does
              not list, quoting a packet)""")
    c.dropped(icmp4_error_in(ICMP(type=41, code=0), q4))

    # Fragmentation Needed -> Packet Too Big, MTU arithmetic
    big4 = IP(src=H6_4, dst=H4, ttl=63, id=0, flags="DF") / UDP(sport=40000, dport=53) / pat(1472, 2)
    big6 = IPv6(src=H6, dst=H4_6, hlim=63, tc=0, fl=0) / UDP(sport=40000, dport=53) / pat(1472, 2)
    qb4, qb6 = B(big4)[:548], B(big6)[:568]   # the IPv4 router quoted 548 bytes (576 total)

    def ptb(name, rfc, doc, adv, mtu6, config=None, q=(qb4, qb6)):
        c = r.new(name, rfc, doc, config=config)
        c.translated(icmp4_error_in(ICMP(type=3, code=4, nexthopmtu=adv), q[0]),
                     icmp6_error_out(ICMPv6PacketTooBig(mtu=mtu6), q[1]))

    mtu_sentence = ("§4.2 Code 4: \"Translate to an ICMPv6 Packet Too Big message (Type 2) with "
                    "Code set to 0. The MTU field MUST be adjusted for the difference between the "
                    "IPv4 and IPv6 header sizes, i.e., minimum(advertised MTU+20, "
                    "MTU_of_IPv6_nexthop, (MTU_of_IPv4_nexthop)+20).\" ")
    ptb("4to6-frag-needed-to-packet-too-big", "RFC 7915 §4.2, §4.3; RFC 1191",
        mtu_sentence + "min(1400+20, 1500, 1500+20) = 1420.", 1400, 1420)
    ptb("4to6-frag-needed-capped-by-ipv6-mtu", "RFC 7915 §4.2",
        mtu_sentence + "ipv6-mtu 1400: min(1480+20, 1400, 1520) = 1400.", 1480, 1400,
        config={"ipv6-mtu": 1400})
    ptb("4to6-frag-needed-capped-by-ipv4-mtu", "RFC 7915 §4.2",
        mtu_sentence + "ipv4-mtu 1300: min(1480+20, 1500, 1300+20) = 1320.", 1480, 1320,
        config={"ipv4-mtu": 1300})
    ptb("4to6-frag-needed-small-mtu-raised-to-1280", "RFC 7915 §5, §6",
        """§5: "When translating an ICMPv4 "Fragmentation Needed" packet, the indicated MTU in
        the resulting ICMPv6 "Packet Too Big" will never be set to a value lower than 1280."
        Advertised 576 -> 1280.""", 576, 1280)
    ptb("4to6-frag-needed-mtu-zero-plateau", "RFC 7915 §4.2; RFC 1191 §5",
        """§4.2: "if the IPv4 router set the MTU field to zero ... the translator MUST use the
        plateau values specified in [RFC1191] to determine a likely path MTU ... (Use the
        greatest plateau value that is less than the returned Total Length field.)" Quoted
        Total Length 1500 -> plateau 1492; with ipv4-mtu 1472 both readings of the formula
        give min(1492[+20], 1500, 1472+20) = 1492.""", 0, 1492, config={"ipv4-mtu": 1472})
    mid4 = IP(src=H6_4, dst=H4, ttl=63, id=0, flags="DF") / UDP(sport=40000, dport=53) / pat(972, 2)
    mid6 = IPv6(src=H6, dst=H4_6, hlim=63, tc=0, fl=0) / UDP(sport=40000, dport=53) / pat(972, 2)
    ptb("4to6-frag-needed-mtu-zero-small-plateau-raised-to-1280", "RFC 7915 §4.2, §5; RFC 1191 §5",
        """§4.2 plateau rule with a quoted Total Length of 1000 -> plateau 508, then §5 "never
        ... lower than 1280" -> 1280.""", 0, 1280, q=(B(mid4)[:548], B(mid6)[:568]))

    # Quoted packets of other shapes
    c = r.new("4to6-time-exceeded-quoting-echo-request", "RFC 7915 §4.3",
              """§4.3: "The ICMP error messages containing the packet in error MUST be translated
              just like a normal IP packet (except the TTL value of the inner IPv4/IPv6
              packet)." The quoted ICMPv4 Echo Request becomes an ICMPv6 Echo Request with a
              checksum over the IPv6 pseudo-header.""")
    ei4 = IP(src=H6_4, dst=H4, ttl=1, id=0x5555, flags=0) / ICMP(type=8, id=9, seq=1) / pat(24)
    ei6 = IPv6(src=H6, dst=H4_6, hlim=1, tc=0, fl=0) / ICMPv6EchoRequest(id=9, seq=1, data=pat(24))
    c.translated(icmp4_error_in(ICMP(type=11, code=0), ei4),
                 icmp6_error_out(ICMPv6TimeExceeded(code=0), ei6))

    c = r.new("4to6-port-unreachable-quoting-tcp", "RFC 7915 §4.3",
              """§4.3: the quoted TCP segment is translated like a normal packet (addresses,
              checksum for the IPv6 pseudo-header, inner TOS -> Traffic Class).""")
    tk = dict(sport=40002, dport=25, seq=5, flags="S", window=1024)
    c.translated(icmp4_error_in(ICMP(type=3, code=3),
                                IP(src=H6_4, dst=H4, ttl=60, tos=0x10, id=0x5555, flags="DF") / TCP(**tk)),
                 icmp6_error_out(ICMPv6DestUnreach(code=4),
                                 IPv6(src=H6, dst=H4_6, hlim=60, tc=0x10, fl=0) / TCP(**tk)))

    c = r.new("4to6-error-quoting-header-plus-8-bytes", "RFC 7915 §4.3; RFC 792",
              """RFC 792 routers quote the IP header plus 64 bits of data. §4.3: the quoted
              header is still translated like a normal one: Payload Length is derived from the
              quoted Total Length (1000), not from what was quoted; the UDP checksum is updated
              as for the whole datagram.""")
    long4 = IP(src=H6_4, dst=H4, ttl=5, id=0x5555, flags=0) / UDP(sport=40000, dport=53) / pat(972, 4)
    long6 = IPv6(src=H6, dst=H4_6, hlim=5, tc=0, fl=0) / UDP(sport=40000, dport=53) / pat(972, 4)
    c.translated(icmp4_error_in(ICMP(type=3, code=1), B(long4)[:28]),
                 icmp6_error_out(ICMPv6DestUnreach(code=0), B(long6)[:48]))

    c = r.new("4to6-error-truncated-to-1280", "RFC 7915 §4.3; RFC 4443 §2.4(c)",
              """A 1500-byte ICMPv4 error becomes 1540 bytes once translated; the ICMPv6 error
              carries as much of the packet in error as fits in 1280 bytes (RFC 4443 §2.4(c),
              ovs-nat64: truncate to 1280).""")
    q4l = IP(src=H6_4, dst=H4, ttl=5, id=0x5555, flags=0) / UDP(sport=40000, dport=53) / pat(1444, 6)
    q6l = IPv6(src=H6, dst=H4_6, hlim=5, tc=0, fl=0) / UDP(sport=40000, dport=53) / pat(1444, 6)
    assert len(B(icmp4_error_in(ICMP(type=3, code=1), q4l))) == 1500
    c.translated(icmp4_error_in(ICMP(type=3, code=1), q4l),
                 icmp6_error_out(ICMPv6DestUnreach(code=0), B(q6l)[:1280 - 48]))

    c = r.new("4to6-error-quoting-fragment", "RFC 7915 §4.3, §4.1",
              """§4.3: the quoted packet is translated "just like a normal IP packet"; a quoted
              IPv4 first fragment (MF=1) gets a Fragment Header (§4.1: Identification
              zero-extended, M copied).""")
    full = udp4(H6_4, H4, 40000, 53, pat(400, 8))
    full6 = udp6(H6, H4_6, 40000, 53, pat(400, 8))
    fq4 = IP(src=H6_4, dst=H4, ttl=5, id=0x7777, flags="MF", proto=17) / Raw(full[:104])
    fq6 = (IPv6(src=H6, dst=H4_6, hlim=5, tc=0, fl=0)
           / IPv6ExtHdrFragment(nh=17, offset=0, m=1, id=0x7777) / Raw(full6[:104]))
    c.translated(icmp4_error_in(ICMP(type=3, code=1), fq4),
                 icmp6_error_out(ICMPv6DestUnreach(code=0), fq6))

    c = r.new("4to6-error-quoting-packet-with-options", "RFC 7915 §4.3, §4.1",
              """§4.3 translates the quoted packet like a normal one, and §4.1 says IPv4 options
              "MUST be ignored": the quoted IPv4 header with a Record Route option (IHL 7)
              becomes a plain 40-byte IPv6 header; Payload Length excludes the options.""")
    oq4 = (IP(src=H6_4, dst=H4, ttl=5, id=0x5555, flags=0,
              options=[IPOption_RR(routers=["0.0.0.0"], pointer=4), IPOption_EOL()])
           / UDP(sport=40000, dport=53) / pat(20, 1))
    assert (B(oq4)[0] & 0xF) == 7
    c.translated(icmp4_error_in(ICMP(type=3, code=3), oq4),
                 icmp6_error_out(ICMPv6DestUnreach(code=4), q6))

    c = r.new("4to6-error-quoting-error-dropped", "RFC 7915 §4.3",
              """§4.3: "This process MUST stop at the first embedded header and drop the packet
              if it contains more embedded headers." (an ICMPv4 error quoting an ICMPv4
              error)""")
    nested = (IP(src=H6_4, dst=H4, ttl=5, id=0x5555, flags=0) / ICMP(type=3, code=3)
              / Raw(B(IP(src=H4, dst=H6_4, ttl=5, id=1) / UDP(sport=53, dport=40000) / pat(8))))
    c.dropped(icmp4_error_in(ICMP(type=3, code=1), nested))

    # RFC 4884 extensions
    ext = ext_mpls_object()
    e4 = IP(src=H6_4, dst=H4, ttl=1, id=0x5555, flags=0) / UDP(sport=40000, dport=53) / pat(100, 3)
    e6 = IPv6(src=H6, dst=H4_6, hlim=1, tc=0, fl=0) / UDP(sport=40000, dport=53) / pat(100, 3)
    assert len(B(e4)) == 128 and len(B(e6)) == 148
    c = r.new("4to6-time-exceeded-rfc4884-extension", "RFC 7915 §4.2; RFC 4884 §4.1, §4.2",
              """§4.2 ICMP Error Payload: "If the received ICMPv4 packet contains an ICMPv4
              Extension [RFC4884], the translation of the ICMPv4 packet will cause the ICMPv6
              packet to change length. When this occurs, the ICMPv6 Extension length attribute
              MUST be adjusted accordingly". RFC 4884: ICMPv4 length in 32-bit words (32 for
              128 bytes), ICMPv6 length in 64-bit words with the original datagram zero-padded
              to a 64-bit boundary: 148 -> 152 bytes, length 19; the extension follows
              unchanged.""")
    c.translated(icmp4_error_in(ICMP(type=11, code=0, length=32), B(e4) + ext),
                 icmp6_error_out(ICMPv6TimeExceeded(code=0, length=19), B(e6) + b"\0" * 4 + ext))

    e4b = IP(src=H6_4, dst=H4, ttl=5, id=0x5555, flags=0) / UDP(sport=40000, dport=53) / pat(104, 3)
    e6b = IPv6(src=H6, dst=H4_6, hlim=5, tc=0, fl=0) / UDP(sport=40000, dport=53) / pat(104, 3)
    assert len(B(e4b)) == 132 and len(B(e6b)) == 152
    c = r.new("4to6-dest-unreach-rfc4884-extension-aligned", "RFC 7915 §4.2; RFC 4884 §4.1, §4.2",
              """As above with a 132-byte quote (length 33): the translated 152-byte quote is
              already 64-bit aligned (length 19), no padding.""")
    c.translated(icmp4_error_in(ICMP(type=3, code=3, length=33), B(e4b) + ext),
                 icmp6_error_out(ICMPv6DestUnreach(code=4, length=19), B(e6b) + ext))


# ---------------------------------------------------------------------------
# RFC 7915 §5.2 + §5.3: ICMPv6 errors -> ICMPv4 errors

def inner6_from_h4(hlim=5, n=20):
    """The packet H4 (as pool6 address) sent to H6, as an IPv6 router saw it."""
    return IPv6(src=H4_6, dst=H6, hlim=hlim, tc=0, fl=0) / UDP(sport=53, dport=40000) / pat(n, 2)


def inner4_to_h6(ttl=5, n=20, flags=0):
    """... translated back: inner Identification implementation-chosen (masked)."""
    return IP(src=H4, dst=H6_4, ttl=ttl, tos=0, id=0, flags=flags) / UDP(sport=53, dport=40000) / pat(n, 2)


def icmp6_error_in(icmp, quote, src=R6):
    return IPv6(src=src, dst=H4_6, hlim=64, tc=0, fl=0) / icmp / Raw(B(quote))


def icmp4_error_out(icmp, quote, src=R6_4):
    return IP(src=src, dst=H4, ttl=63, tos=0, id=0, flags=0) / icmp / Raw(B(quote))


DU6_TO_4 = {  # RFC 7915 §5.2
    0: (1, "Code 0 (No route to destination): Set the Code to 1 (Host unreachable)."),
    1: (10, "Code 1 (Communication with destination administratively prohibited): Set the Code to 10."),
    2: (1, "Code 2 (Beyond scope of source address): Set the Code to 1 (Host unreachable)."),
    3: (1, "Code 3 (Address unreachable): Set the Code to 1 (Host unreachable)."),
    4: (3, "Code 4 (Port unreachable): Set the Code to 3 (Port unreachable)."),
    5: (None, "Other Code values: Silently drop. (5, source address failed ingress/egress policy)"),
    6: (None, "Other Code values: Silently drop. (6, reject route to destination)"),
}

# RFC 7915 §5.2 Figure 6: ICMPv6 Parameter Problem pointer -> ICMPv4 pointer
PP6_TO_4 = {0: 0, 1: 1, 2: None, 3: None, 4: 2, 5: 2, 6: 9, 7: 8, 8: 12, 23: 12, 24: 16, 39: 16,
            40: None}

ERR_IGNORE = ["ipv4.id", "inner.ipv4.id"]


def cases_icmp6_errors(r):
    r.section = "ICMPv6 errors -> ICMPv4 (RFC 7915 §5.2, §5.3)"
    q6, q4 = inner6_from_h4(), inner4_to_h6()
    inner_note = (" §5.3: the quoted packet is translated like a normal packet (Hop Limit not "
                  "decremented; its IPv4 Identification is implementation-chosen and masked).")

    for code, (c4, sentence) in sorted(DU6_TO_4.items()):
        c = r.new("6to4-dest-unreach-code-%d" % code, "RFC 7915 §5.2, §5.3",
                  "§5.2 Destination Unreachable (Type 1) -> Type 3: \"%s\"%s" % (sentence, inner_note),
                  ignore=ERR_IGNORE)
        inp = icmp6_error_in(ICMPv6DestUnreach(code=code), q6)
        if c4 is None:
            c.dropped(inp)
        else:
            c.translated(inp, icmp4_error_out(ICMP(type=3, code=c4), q4))

    for code in (0, 1):
        c = r.new("6to4-time-exceeded-code-%d" % code, "RFC 7915 §5.2, §5.3",
                  """§5.2: "Time Exceeded (Type 3): Set the Type to 11, and adjust the ICMPv4
                  checksum both to take the type change into account and to exclude the ICMPv6
                  pseudo-header. The Code is unchanged." """ + inner_note, ignore=ERR_IGNORE)
        c.translated(icmp6_error_in(ICMPv6TimeExceeded(code=code), q6),
                     icmp4_error_out(ICMP(type=11, code=code), q4))

    for ptr6, ptr4 in sorted(PP6_TO_4.items()):
        c = r.new("6to4-param-problem-pointer-%d" % ptr6, "RFC 7915 §5.2 (Figure 6)",
                  """§5.2 Parameter Problem Code 0: "Set to Type 12, Code 0, and update the pointer
                  as defined in Figure 6. (If the Original IPv6 Pointer Value is not listed or the
                  Translated IPv4 Pointer Value is listed as "n/a", silently drop the packet.)"
                  IPv6 pointer %d -> %s.""" % (ptr6, "IPv4 pointer %d" % ptr4 if ptr4 is not None
                                                 else "n/a / not listed (drop)"),
                  ignore=ERR_IGNORE)
        inp = icmp6_error_in(ICMPv6ParamProblem(code=0, ptr=ptr6), q6)
        if ptr4 is None:
            c.dropped(inp)
        else:
            c.translated(inp, icmp4_error_out(ICMP(type=12, code=0, ptr=ptr4), q4))

    c = r.new("6to4-param-problem-code-1-protocol-unreachable", "RFC 7915 §5.2",
              """§5.2: "Code 1 (Unrecognized Next Header type encountered): Translate this to an
              ICMPv4 protocol unreachable (Type 3, Code 2)." """, ignore=ERR_IGNORE)
    c.translated(icmp6_error_in(ICMPv6ParamProblem(code=1, ptr=6), q6),
                 icmp4_error_out(ICMP(type=3, code=2), q4))

    c = r.new("6to4-param-problem-code-2-dropped", "RFC 7915 §5.2",
              """§5.2: "Code 2 (Unrecognized IPv6 option encountered): Silently drop." """)
    c.dropped(icmp6_error_in(ICMPv6ParamProblem(code=2, ptr=42), q6))

    c = r.new("6to4-unknown-error-type-dropped", "RFC 7915 §5.2",
              """§5.2: "Unknown error messages: Silently drop." (type 100)""")
    c.dropped(icmp6_error_in(ICMPv6Unknown(type=100, code=0, msgbody=b"\0\0\0\0"), q6))

    # Packet Too Big -> Fragmentation Needed
    big6 = IPv6(src=H4_6, dst=H6, hlim=63, tc=0, fl=0) / UDP(sport=53, dport=40000) / pat(1452, 7)
    big4 = IP(src=H4, dst=H6_4, ttl=63, tos=0, id=0, flags="DF") / UDP(sport=53, dport=40000) / pat(1452, 7)
    qb6 = B(big6)[:1232]          # the IPv6 router quoted as much as fits in 1280 bytes
    qb4 = B(big4)[:576 - 28]      # translated quote, 576-byte limit
    mtu_sentence = ("§5.2: \"Packet Too Big (Type 2): Translate to an ICMPv4 Destination "
                    "Unreachable (Type 3) with Code 4 ... The MTU field MUST be adjusted for the "
                    "difference between the IPv4 and IPv6 header sizes ..., i.e., "
                    "minimum(advertised MTU-20, MTU_of_IPv4_nexthop, (MTU_of_IPv6_nexthop)-20).\" "
                    "The quote is cut so the ICMPv4 error is 576 bytes. ")

    def ptb(name, doc, adv, mtu4, config=None):
        c = r.new(name, "RFC 7915 §5.2, §5.3; RFC 1191", mtu_sentence + doc, config=config,
                  ignore=ERR_IGNORE)
        c.translated(icmp6_error_in(ICMPv6PacketTooBig(mtu=adv), qb6),
                     icmp4_error_out(ICMP(type=3, code=4, nexthopmtu=mtu4), qb4))

    ptb("6to4-packet-too-big-to-frag-needed", "min(1400-20, 1500, 1500-20) = 1380.", 1400, 1380)
    ptb("6to4-packet-too-big-capped-by-ipv4-mtu", "ipv4-mtu 1300: min(1480, 1300, 1480) = 1300.",
        1500, 1300, config={"ipv4-mtu": 1300})
    ptb("6to4-packet-too-big-capped-by-ipv6-mtu", "ipv6-mtu 1350: min(1480, 1500, 1330) = 1330.",
        1500, 1330, config={"ipv6-mtu": 1350})

    c = r.new("6to4-time-exceeded-quoting-echo-request", "RFC 7915 §5.3",
              """§5.3: "The ICMP error messages containing the packet in error MUST be translated
              just like a normal IP packet (except that the TTL/Hop Limit value of the inner
              IPv4/IPv6 packet are not decremented)." The quoted ICMPv6 Echo Request becomes
              an ICMPv4 Echo Request (checksum without pseudo-header).""", ignore=ERR_IGNORE)
    ei6 = IPv6(src=H4_6, dst=H6, hlim=1, tc=0, fl=0) / ICMPv6EchoRequest(id=9, seq=1, data=pat(24))
    ei4 = IP(src=H4, dst=H6_4, ttl=1, tos=0, id=0, flags=0) / ICMP(type=8, id=9, seq=1) / pat(24)
    c.translated(icmp6_error_in(ICMPv6TimeExceeded(code=0), ei6),
                 icmp4_error_out(ICMP(type=11, code=0), ei4))

    c = r.new("6to4-error-truncated-to-576", "RFC 7915 §5.3; RFC 1812 §4.3.2.3",
              """A 1280-byte ICMPv6 error translates to 1240 bytes; the ICMPv4 error carries as
              much of the packet in error as fits in 576 bytes (RFC 1812 §4.3.2.3, ovs-nat64:
              truncate to 576).""", ignore=ERR_IGNORE)
    l6 = IPv6(src=H4_6, dst=H6, hlim=5, tc=0, fl=0) / UDP(sport=53, dport=40000) / pat(1184, 5)
    l4 = IP(src=H4, dst=H6_4, ttl=5, tos=0, id=0, flags=0) / UDP(sport=53, dport=40000) / pat(1184, 5)
    assert len(B(icmp6_error_in(ICMPv6TimeExceeded(code=0), l6))) == 1280
    c.translated(icmp6_error_in(ICMPv6TimeExceeded(code=0), l6),
                 icmp4_error_out(ICMP(type=11, code=0), B(l4)[:548]))

    c = r.new("6to4-error-quoting-packet-with-hop-by-hop", "RFC 7915 §5.3, §5.1",
              """§5.3 translates the quoted packet like a normal one, and §5.1 skips a Hop-by-Hop
              Options header: the quote becomes a plain IPv4/UDP packet whose Total Length
              excludes the extension header.""", ignore=ERR_IGNORE)
    hq6 = (IPv6(src=H4_6, dst=H6, hlim=5, tc=0, fl=0, nh=0)
           / IPv6ExtHdrHopByHop(nh=17, options=[PadN(optdata=b"\0" * 4)])
           / Raw(udp6(H4_6, H6, 53, 40000, pat(20, 2))))
    c.translated(icmp6_error_in(ICMPv6DestUnreach(code=4), hq6),
                 icmp4_error_out(ICMP(type=3, code=3), q4))

    c = r.new("6to4-error-quoting-fragment", "RFC 7915 §5.3, §5.1.1",
              """§5.3 + §5.1.1: a quoted IPv6 first fragment becomes an IPv4 fragment: MF copied
              from M, DF clear, Identification = low 16 bits of the Fragment Header's, Total
              Length without the Fragment Header; the UDP checksum is updated.""",
              ignore=["ipv4.id"])
    fu6 = udp6(H4_6, H6, 53, 40000, pat(400, 8))
    fu4 = udp4(H4, H6_4, 53, 40000, pat(400, 8))
    fq6 = (IPv6(src=H4_6, dst=H6, hlim=5, tc=0, fl=0)
           / IPv6ExtHdrFragment(nh=17, offset=0, m=1, id=0xCAFE1234) / Raw(fu6[:104]))
    fq4 = IP(src=H4, dst=H6_4, ttl=5, tos=0, id=0x1234, flags="MF", proto=17) / Raw(fu4[:104])
    c.translated(icmp6_error_in(ICMPv6DestUnreach(code=3), fq6),
                 icmp4_error_out(ICMP(type=3, code=1), fq4))

    c = r.new("6to4-port-unreachable-quoting-tcp", "RFC 7915 §5.3",
              """§5.3: the quoted TCP segment is translated like a normal packet (addresses,
              checksum for the IPv4 pseudo-header, Traffic Class -> TOS).""",
              ignore=ERR_IGNORE)
    tk = dict(sport=25, dport=40002, seq=5, ack=6, flags="SA", window=1024)
    c.translated(icmp6_error_in(ICMPv6DestUnreach(code=4),
                                IPv6(src=H4_6, dst=H6, hlim=60, tc=0x10, fl=0) / TCP(**tk)),
                 icmp4_error_out(ICMP(type=3, code=3),
                                 IP(src=H4, dst=H6_4, ttl=60, tos=0x10, id=0, flags=0) / TCP(**tk)))

    c = r.new("6to4-error-quoting-error-dropped", "RFC 7915 §5.3",
              """§5.3: "This process MUST stop at the first embedded header and drop the packet
              if it contains more embedded headers." (an ICMPv6 error quoting an ICMPv6
              error)""")
    nested = (IPv6(src=H4_6, dst=H6, hlim=5) / ICMPv6DestUnreach(code=4)
              / Raw(B(IPv6(src=H6, dst=H4_6, hlim=5) / UDP(sport=40000, dport=53) / pat(8))))
    c.dropped(icmp6_error_in(ICMPv6DestUnreach(code=0), nested))

    # RFC 4884
    ext = ext_mpls_object()
    x6 = IPv6(src=H4_6, dst=H6, hlim=1, tc=0, fl=0) / UDP(sport=53, dport=40000) / pat(120, 4)
    x4 = IP(src=H4, dst=H6_4, ttl=1, tos=0, id=0, flags=0) / UDP(sport=53, dport=40000) / pat(120, 4)
    assert len(B(x6)) == 168 and len(B(x4)) == 148
    c = r.new("6to4-time-exceeded-rfc4884-extension", "RFC 7915 §5.2; RFC 4884 §4.1, §4.2",
              """§5.2 ICMP Error Payload: "If the received ICMPv6 packet contains an ICMPv6
              Extension [RFC4884], the translation of the ICMPv6 packet will cause the ICMPv4
              packet to change length. When this occurs, the ICMPv6 Extension length attribute
              MUST be adjusted accordingly (e.g., shorter due to the translation from IPv6 to
              IPv4)." ICMPv6 length 21 (64-bit words, 168 bytes) -> ICMPv4 length 37 (32-bit
              words, 148 bytes).""", ignore=ERR_IGNORE)
    c.translated(icmp6_error_in(ICMPv6TimeExceeded(code=0, length=21), B(x6) + ext),
                 icmp4_error_out(ICMP(type=11, code=0, length=37), B(x4) + ext))

    y6 = IPv6(src=H4_6, dst=H6, hlim=5, tc=0, fl=0) / UDP(sport=53, dport=40000) / pat(80, 4)
    y4 = IP(src=H4, dst=H6_4, ttl=5, tos=0, id=0, flags=0) / UDP(sport=53, dport=40000) / pat(80, 4)
    assert len(B(y6)) == 128 and len(B(y4)) == 108
    c = r.new("6to4-dest-unreach-rfc4884-extension-padded-to-128", "RFC 7915 §5.2; RFC 4884 §4.1, §5",
              """RFC 4884: when an extension is appended, "the "original datagram" field MUST
              contain at least 128 octets" (zero-padded). The 128-byte IPv6 quote shrinks to
              108 bytes, so it is padded to 128 (ICMPv4 length 32).""", ignore=ERR_IGNORE)
    c.translated(icmp6_error_in(ICMPv6DestUnreach(code=4, length=16), B(y6) + ext),
                 icmp4_error_out(ICMP(type=3, code=3, length=32), B(y4) + b"\0" * 20 + ext))

    # RFC 6791: untranslatable sources of ICMPv6 errors
    c = r.new("6to4-error-from-untranslatable-router-pool6791", "RFC 7915 §5.1; RFC 6791 §2",
              """RFC 7915 §5.1 / RFC 6791: an ICMPv6 error whose source cannot be translated is
              sourced from the pool6791v4 pool (randomize-rfc6791-addresses false: its first
              address) instead of being dropped.""", ignore=ERR_IGNORE)
    c.translated(icmp6_error_in(ICMPv6TimeExceeded(code=0), q6, src=R6X),
                 icmp4_error_out(ICMP(type=11, code=0), q4, src=POOL6791))

    c = r.new("6to4-error-from-untranslatable-router-pool6791-prefix", "RFC 6791 §2",
              """pool6791v4 203.0.113.8/30 with randomize-rfc6791-addresses false: the first
              address of the pool, 203.0.113.8.""", config={"pool6791v4": "203.0.113.8/30"},
              ignore=ERR_IGNORE)
    c.translated(icmp6_error_in(ICMPv6DestUnreach(code=3), q6, src=R6X),
                 icmp4_error_out(ICMP(type=3, code=1), q4, src=POOL6791))

    c = r.new("6to4-error-from-untranslatable-router-no-pool6791", "RFC 6791 §2",
              """No pool6791v4 configured: ovs-nat64 falls back to its own router-ipv4 as the
              source of the translated ICMPv4 error.""", config={"pool6791v4": None},
              ignore=ERR_IGNORE)
    c.translated(icmp6_error_in(ICMPv6TimeExceeded(code=0), q6, src=R6X),
                 icmp4_error_out(ICMP(type=11, code=0), q4, src=ROUTER4))


# ---------------------------------------------------------------------------
# RFC 7915 §4.4 / §5.4 and router behaviour: errors the translator generates

GEN4_IGNORE = ["ipv4.id"]


def gen4(inp, icmp):
    """ICMPv4 error generated by the translator: from router-ipv4, TTL 64, DF 0, TOS 0,
    quoting as much of the offending packet as fits in 576 bytes.  With DF=0 the
    datagram is not atomic, and RFC 791 / RFC 6864 §4 keep the uniqueness of the
    Identification of non-atomic datagrams within the source/destination/protocol
    tuple, so a constant ID 0 is not allowed: cases using this mask it
    (GEN4_IGNORE).  The expected packet carries 0 there."""
    inp = B(inp)
    src = IP(inp).src
    return IP(src=ROUTER4, dst=src, ttl=64, id=0, flags=0, tos=0) / icmp / Raw(inp[:576 - 28])


def gen6(inp, icmp):
    """ICMPv6 error generated by the translator: from router-ipv6, Hop Limit 64, Traffic
    Class 0, Flow Label 0, quoting as much of the offending packet as fits in 1280 bytes."""
    inp = B(inp)
    src = IPv6(inp).src
    return IPv6(src=ROUTER6, dst=src, hlim=64, tc=0, fl=0) / icmp / Raw(inp[:1280 - 48])


def cases_generated(r):
    r.section = "Errors generated by the translator (RFC 7915 §4.4, §5.4; RFC 1812; RFC 4443)"
    data = pat(64)

    for ttl in (1, 0):
        c = r.new("4to6-ttl-%d-time-exceeded" % ttl, "RFC 7915 §4.1; RFC 1812 §5.3.1",
                  """§4.1: "As part of decrementing the TTL or Hop Limit, the translator (as any
                  router) MUST check for zero and send the ICMPv4 "TTL Exceeded" or ICMPv6 "Hop
                  Limit Exceeded" error." TTL %d arrives: ICMPv4 Time Exceeded (11/0) to the
                  sender from router-ipv4.""" % ttl, ignore=GEN4_IGNORE)
        inp = v4_to_h6(ttl=ttl) / UDP(sport=53, dport=40000) / data
        c.reply(inp, gen4(inp, ICMP(type=11, code=0)))

    for hlim in (1, 0):
        c = r.new("6to4-hop-limit-%d-time-exceeded" % hlim, "RFC 7915 §4.1, §5.1; RFC 4443 §3.3",
                  """§4.1: the translator (as any router) MUST check for zero and send ICMPv6
                  "Hop Limit Exceeded" (3/0) from router-ipv6. Hop Limit %d arrives.""" % hlim)
        inp = v6_to_h4(hlim=hlim) / UDP(sport=40000, dport=53) / data
        c.reply(inp, gen6(inp, ICMPv6TimeExceeded(code=0)))

    c = r.new("4to6-ttl-1-time-exceeded-quote-truncated", "RFC 1812 §4.3.2.3",
              """RFC 1812 §4.3.2.3: the ICMP error "SHOULD contain as much of the original
              datagram as possible without the length of the ICMP datagram exceeding 576
              bytes." (1500-byte packet -> 548 bytes quoted)""", ignore=GEN4_IGNORE)
    inp = v4_to_h6(ttl=1) / UDP(sport=53, dport=40000) / pat(1472)
    c.reply(inp, gen4(inp, ICMP(type=11, code=0)))

    c = r.new("6to4-hop-limit-1-time-exceeded-quote-truncated", "RFC 4443 §2.4(c)",
              """RFC 4443 §2.4(c): an ICMPv6 error includes "as much of the IPv6 offending
              (invoking) packet ... as possible without making the error message packet exceed
              the minimum IPv6 MTU" (1500-byte packet -> 1232 bytes quoted).""")
    inp = v6_to_h4(hlim=1) / UDP(sport=40000, dport=53) / pat(1452)
    c.reply(inp, gen6(inp, ICMPv6TimeExceeded(code=0)))

    c = r.new("4to6-ttl-1-icmp-error-not-answered", "RFC 1812 §4.3.2.7; RFC 7915 §4.4",
              """RFC 1812 §4.3.2.7: a router MUST NOT originate an ICMP error for an ICMP error
              message (RFC 7915 §4.4: "unless the discarded packet is itself an ICMPv4 error
              message"). An ICMPv4 error arriving with TTL 1 is dropped silently.""")
    c.dropped(IP(src=R4, dst=H6_4, ttl=1, id=0x0101, flags=0) / ICMP(type=3, code=1) / Raw(B(inner4_udp())))

    c = r.new("6to4-hop-limit-1-icmpv6-error-not-answered", "RFC 4443 §2.4(e)",
              """RFC 4443 §2.4(e): "An ICMPv6 error message MUST NOT be originated as a result of
              receiving ... An ICMPv6 error message." An ICMPv6 error arriving with Hop Limit 1
              is dropped silently.""")
    c.dropped(IPv6(src=R6, dst=H4_6, hlim=1, tc=0, fl=0) / ICMPv6DestUnreach(code=0) / Raw(B(inner6_from_h4())))

    c = r.new("4to6-ttl-1-non-first-fragment-not-answered", "RFC 1812 §4.3.2.7; RFC 1122 §3.2.2",
              """RFC 1122 §3.2.2: "An ICMP error message MUST NOT be sent as the result of
              receiving ... a datagram fragment other than the first" (also RFC 1812
              §4.3.2.7). A non-first fragment with TTL 1 is dropped silently.""")
    c.dropped(v4_to_h6(ttl=1, flags=0, frag=100, proto=17) / Raw(pat(200)))

    c = r.new("4to6-df-too-big-frag-needed", "RFC 7915 §4.1; RFC 1191",
              """§4.1: "If the DF bit is set and the MTU of the next-hop interface is less than
              the total length value of the IPv4 packet plus 20, the translator MUST send an
              ICMPv4 "Fragmentation Needed" error message to the IPv4 source address." 1500 +
              20 > ipv6-mtu 1500: 3/4 with next-hop MTU 1500 - 20 = 1480.""", ignore=GEN4_IGNORE)
    inp = v4_to_h6(flags="DF") / UDP(sport=53, dport=40000) / pat(1472)
    c.reply(inp, gen4(inp, ICMP(type=3, code=4, nexthopmtu=1480)))

    c = r.new("4to6-df-too-big-frag-needed-ipv6-mtu-1400", "RFC 7915 §4.1; RFC 1191",
              """§4.1 as above with ipv6-mtu 1400: a 1400-byte DF packet (1420 once translated)
              gets Fragmentation Needed with next-hop MTU 1380.""", config={"ipv6-mtu": 1400},
              ignore=GEN4_IGNORE)
    inp = v4_to_h6(flags="DF") / UDP(sport=53, dport=40000) / pat(1372)
    c.reply(inp, gen4(inp, ICMP(type=3, code=4, nexthopmtu=1380)))

    c = r.new("4to6-df-fits-ipv6-mtu-exactly", "RFC 7915 §4.1",
              """§4.1: a 1480-byte DF packet becomes exactly 1500 = ipv6-mtu bytes: translated,
              no error.""")
    c.translated(v4_to_h6(flags="DF") / UDP(sport=53, dport=40000) / pat(1452),
                 v6_from_h4() / UDP(sport=53, dport=40000) / pat(1452))

    c = r.new("6to4-too-big-packet-too-big", "RFC 7915 §1.4, §5; RFC 8201 §4",
              """§1.4: "the translator MUST send a Packet Too Big error message or fragment the
              packet when the packet size exceeds the MTU of the next-hop interface." 1500-byte
              IPv6 -> 1480 > ipv4-mtu 1400 (DF would be set): ICMPv6 Packet Too Big with MTU
              max(1280, 1400 + 20) = 1420 from router-ipv6.""", config={"ipv4-mtu": 1400})
    inp = v6_to_h4() / UDP(sport=40000, dport=53) / pat(1452)
    c.reply(inp, gen6(inp, ICMPv6PacketTooBig(mtu=1420)))

    c = r.new("6to4-too-big-packet-too-big-at-least-1280", "RFC 7915 §5; RFC 8201 §4",
              """As above with ipv4-mtu 1200 and a 1400-byte IPv6 packet (1380 > 1260, DF=1):
              MTU max(1280, 1220) = 1280, never below the IPv6 minimum MTU.""",
              config={"ipv4-mtu": 1200})
    inp = v6_to_h4() / UDP(sport=40000, dport=53) / pat(1352)
    c.reply(inp, gen6(inp, ICMPv6PacketTooBig(mtu=1280)))

    c = r.new("6to4-fits-ipv4-mtu-exactly", "RFC 7915 §5.1",
              """A 1420-byte IPv6 packet becomes exactly 1400 = ipv4-mtu bytes: translated (DF=1
              since > 1260, Identification 0).""", config={"ipv4-mtu": 1400})
    c.translated(v6_to_h4() / UDP(sport=40000, dport=53) / pat(1372),
                 v4_from_h6(flags="DF", id=0) / UDP(sport=40000, dport=53) / pat(1372))

    c = r.new("6to4-untranslatable-source-dest-unreach", "RFC 7915 §5.4",
              """§5.4: "If the IPv6 packet is discarded, then the translator SHOULD send back an
              ICMPv6 error message to the original sender of the packet, unless the discarded
              packet is itself an ICMPv6 message. The ICMPv6 message MUST have Type 1
              (Destination Unreachable) and Code 1 (Communication with destination
              administratively prohibited), unless otherwise specified in this document or
              [RFC6146]." Source outside EAMT and pool6: 1/1 from router-ipv6.""")
    inp = v6_to_h4(src=U6) / UDP(sport=40000, dport=53) / data
    c.reply(inp, gen6(inp, ICMPv6DestUnreach(code=1)))

    c = r.new("6to4-untranslatable-source-no-router-ipv6-dropped", "RFC 7915 §5.4",
              """§5.4's error needs a source address; without router-ipv6 ovs-nat64 drops
              silently.""", config={"router-ipv6": None})
    c.dropped(v6_to_h4(src=U6) / UDP(sport=40000, dport=53) / data)

    c = r.new("4to6-ttl-1-no-router-ipv4-dropped", "RFC 7915 §4.1",
              """Time Exceeded needs a source address; without router-ipv4 ovs-nat64 drops
              silently.""", config={"router-ipv4": None})
    c.dropped(v4_to_h6(ttl=1) / UDP(sport=53, dport=40000) / data)


# ---------------------------------------------------------------------------
# Fragments: RFC 7915 §4.1 (Fragment Header), §5.1.1 (IPv6 Fragment Processing)

def frag6(src, dst, hlim, nh, offset8, m, ident, chunk, tc=0):
    return (IPv6(src=src, dst=dst, hlim=hlim, tc=tc, fl=0)
            / IPv6ExtHdrFragment(nh=nh, offset=offset8, m=m, id=ident) / Raw(chunk))


def cases_fragments(r):
    r.section = "Fragments (RFC 7915 §4.1, §5.1.1)"
    frag_sentence = ("§4.1: \"If there is a need to add a Fragment Header (the packet is a "
                     "fragment ...)\": Next Header copied from Protocol, Fragment Offset copied, "
                     "M flag copied from MF, Identification: low-order 16 bits from the IPv4 "
                     "Identification, high-order 16 bits zero.")
    u4 = udp4(H4, H6_4, 53, 40000, pat(1200, 3))   # 1208-byte UDP datagram
    u6 = udp6(H4_6, H6, 53, 40000, pat(1200, 3))

    c = r.new("4to6-first-fragment", "RFC 7915 §4.1, §4.5",
              frag_sentence + " The first fragment's UDP checksum is updated for the IPv6 "
              "pseudo-header (the checksum of the whole datagram).")
    c.translated(v4_to_h6(flags="MF", id=0xBEEF, proto=17) / Raw(u4[:800]),
                 frag6(H4_6, H6, 63, 17, 0, 1, 0xBEEF, u6[:800]))

    c = r.new("4to6-middle-fragment", "RFC 7915 §4.1",
              frag_sentence + " A non-first fragment has no transport header: payload copied.")
    c.translated(v4_to_h6(flags="MF", id=0xBEEF, frag=100, proto=17) / Raw(u4[800:1000]),
                 frag6(H4_6, H6, 63, 17, 100, 1, 0xBEEF, u4[800:1000]))

    c = r.new("4to6-last-fragment", "RFC 7915 §4.1", frag_sentence + " (MF=0, offset 125)")
    c.translated(v4_to_h6(flags=0, id=0xBEEF, frag=125, proto=17) / Raw(u4[1000:]),
                 frag6(H4_6, H6, 63, 17, 125, 0, 0xBEEF, u4[1000:]))

    v6u = udp6(H6, H4_6, 40000, 53, pat(1200, 4))
    v4u = udp4(H6_4, H4, 40000, 53, pat(1200, 4))
    f_sentence = ("§5.1.1: \"Identification: Copied from the low-order 16 bits in the "
                  "Identification field in the Fragment Header. Flags: The IPv4 More Fragments "
                  "(MF) flag is copied from the M flag in the IPv6 Fragment Header. The IPv4 "
                  "Don't Fragment (DF) flag is cleared (set to zero)\"; Total Length excludes the "
                  "Fragment Header.")
    c = r.new("6to4-first-fragment", "RFC 7915 §5.1.1, §5.5",
              f_sentence + " UDP checksum updated for the IPv4 pseudo-header.")
    c.translated(frag6(H6, H4_6, 64, 17, 0, 1, 0x11223344, v6u[:800]),
                 v4_from_h6(flags="MF", id=0x3344, proto=17) / Raw(v4u[:800]))

    c = r.new("6to4-middle-fragment", "RFC 7915 §5.1.1", f_sentence + " Payload copied.")
    c.translated(frag6(H6, H4_6, 64, 17, 100, 1, 0x11223344, v6u[800:1000]),
                 v4_from_h6(flags="MF", frag=100, id=0x3344, proto=17) / Raw(v6u[800:1000]))

    c = r.new("6to4-last-fragment", "RFC 7915 §5.1.1", f_sentence + " (M=0, offset 125)")
    c.translated(frag6(H6, H4_6, 64, 17, 125, 0, 0x11223344, v6u[1000:]),
                 v4_from_h6(flags=0, frag=125, id=0x3344, proto=17) / Raw(v6u[1000:]))

    at6 = udp6(H6, H4_6, 40000, 53, pat(1344, 6))
    at4 = udp4(H6_4, H4, 40000, 53, pat(1344, 6))
    c = r.new("6to4-atomic-fragment", "RFC 7915 §5.1.1",
              f_sentence + " An atomic fragment (offset 0, M 0) of 1400 bytes: DF stays clear "
              "although the IPv4 packet is > 1260 bytes; Identification 0xdeadbeef -> 0xbeef.")
    c.translated(frag6(H6, H4_6, 64, 17, 0, 0, 0xDEADBEEF, at6),
                 v4_from_h6(flags=0, id=0xBEEF, proto=17) / Raw(at4))

    c = r.new("4to6-fragmented-icmp-dropped", "RFC 7915 §1.2",
              """§1.2: "Fragmented ICMP/ICMPv6 packets will not be translated by IP/ICMP
              translators." (the ICMPv6 checksum needs the whole message's length)""")
    ic = B(ICMP(type=8, id=1, seq=1) / pat(1000))
    c.dropped(v4_to_h6(flags="MF", id=0x0202, proto=1) / Raw(ic[:800]))

    c = r.new("6to4-fragmented-icmpv6-dropped", "RFC 7915 §1.2",
              """§1.2: "Fragmented ICMP/ICMPv6 packets will not be translated by IP/ICMP
              translators." """)
    ic6 = B(IPv6(src=H6, dst=H4_6) / ICMPv6EchoRequest(id=1, seq=1, data=pat(1000)))[40:]
    c.dropped(frag6(H6, H4_6, 64, 58, 0, 1, 0x0303, ic6[:800]))

    # The translator fragments DF=0 packets that do not fit lowest-ipv6-mtu
    d4 = pat(1472, 10)
    full6 = udp6(H4_6, H6, 53, 40000, d4)   # 1480 bytes
    c = r.new("4to6-df0-fragmented-to-lowest-ipv6-mtu", "RFC 7915 §4, §4.1",
              """§4.1: "If the DF flag is not set and the IPv4 packet will result in an IPv6
              packet larger than a user-defined length (hereinafter referred to as
              "lowest-ipv6-mtu", and which defaults to 1280 bytes), the packet SHOULD be
              fragmented so that the resulting IPv6 packet (with Fragment Header added to each
              fragment) will be less than or equal to lowest-ipv6-mtu". 1500-byte IPv4 ->
              fragments of 1280 (1232 data) and 296 bytes; Identification = IPv4 ID.""")
    c.translated(v4_to_h6(flags=0, id=0xABCD) / UDP(sport=53, dport=40000) / d4,
                 frag6(H4_6, H6, 63, 17, 0, 1, 0xABCD, full6[:1232]),
                 frag6(H4_6, H6, 63, 17, 154, 0, 0xABCD, full6[1232:]))

    c = r.new("4to6-df0-fragmented-lowest-ipv6-mtu-1400", "RFC 7915 §4.1",
              """§4.1: "The translator MUST provide a configuration function for the network
              administrator to adjust the threshold of the minimum IPv6 MTU". lowest-ipv6-mtu
              1400: fragments of 1400 (1352 data) and 176 bytes.""",
              config={"lowest-ipv6-mtu": 1400})
    c.translated(v4_to_h6(flags=0, id=0xABCE) / UDP(sport=53, dport=40000) / d4,
                 frag6(H4_6, H6, 63, 17, 0, 1, 0xABCE, full6[:1352]),
                 frag6(H4_6, H6, 63, 17, 169, 0, 0xABCE, full6[1352:]))

    c = r.new("4to6-df0-exactly-lowest-ipv6-mtu-not-fragmented", "RFC 7915 §4, §4.1",
              """A 1260-byte DF=0 packet becomes exactly 1280 = lowest-ipv6-mtu bytes: no
              fragmentation and (§4) no Fragment Header.""")
    c.translated(v4_to_h6(flags=0, id=0xABCF) / UDP(sport=53, dport=40000) / pat(1232),
                 v6_from_h4() / UDP(sport=53, dport=40000) / pat(1232))

    tail = pat(1480, 12)
    c = r.new("4to6-df0-fragment-refragmented", "RFC 7915 §4.1",
              """§4.1: "For example, if the packet is fragmented prior to the translation, the
              IPv4 packets should be fragmented so that their length, excluding the IPv4
              header, is at most 1232 bytes". A 1500-byte last fragment (offset 185) becomes
              two IPv6 fragments at offsets 185 and 339, only the last with M=0.""")
    c.translated(v4_to_h6(flags=0, id=0xAC00, frag=185, proto=17) / Raw(tail),
                 frag6(H4_6, H6, 63, 17, 185, 1, 0xAC00, tail[:1232]),
                 frag6(H4_6, H6, 63, 17, 339, 0, 0xAC00, tail[1232:]))


# ---------------------------------------------------------------------------
# RFC 6052: prefix lengths

def cases_rfc6052(r):
    r.section = "RFC 6052 address format"
    v4 = "192.0.2.33"
    eam = [{"ipv6": "2001:db8:6::/120", "ipv4": "198.51.100.0/24"}]
    h6_4 = "198.51.100.16"
    for prefix, addr in RFC6052_TABLE:
        plen = prefix.split("/")[1]
        cfg = {"pool6": prefix, "eamt": eam}
        doc = ("RFC 6052 §2.2 (Figure 1) and §2.4 (Table 1): with prefix %s, 192.0.2.33 is "
               "represented as %s%s." % (prefix, addr,
                                        "" if plen == "96" else "; bits 64..71 (u) are zero"))
        c = r.new("6to4-rfc6052-prefix-%s" % plen, "RFC 6052 §2.2, §2.3; RFC 7915 §5.1",
                  doc + " §2.3: the IPv4 destination is extracted from the IPv6 destination.",
                  config=cfg, ignore=["ipv4.id"])
        c.translated(IPv6(src=H6, dst=addr, hlim=64) / UDP(sport=40000, dport=53) / pat(16),
                     IP(src=h6_4, dst=v4, ttl=63, id=0, flags=0) / UDP(sport=40000, dport=53) / pat(16))
        c = r.new("4to6-rfc6052-prefix-%s" % plen, "RFC 6052 §2.2, §2.3; RFC 7915 §4.1",
                  doc + " §2.3: the IPv4 source is embedded into the IPv6 source.", config=cfg)
        c.translated(IP(src=v4, dst=h6_4, ttl=64, id=1, flags="DF") / UDP(sport=53, dport=40000) / pat(16),
                     IPv6(src=addr, dst=H6, hlim=63) / UDP(sport=53, dport=40000) / pat(16))

    c = r.new("6to4-pool6-source-not-extracted", "RFC 7915 §5.1; RFC 7757 §3.3 (ovs-nat64 policy)",
              """RFC 7915 §5.1 lets a translator take an IPv4-translatable source from pool6.
              ovs-nat64 does not: a VM on the IPv6 side would then choose any IPv4 source it
              likes (docs/design.md, "Address mapping").  Such a source is untranslatable and
              gets the §5.4 error (Type 1, Code 1) from router-ipv6.""")
    src6 = rfc6052_embed(POOL6, "203.0.113.99")
    inp = IPv6(src=src6, dst=H4_6, hlim=64) / UDP(sport=40000, dport=53) / pat(16)
    c.reply(inp, gen6(inp, ICMPv6DestUnreach(code=1)))


# ---------------------------------------------------------------------------
# Reserved destinations, denylist4, RFC 6052 §3.1 (Well-Known Prefix)

def cases_reserved(r):
    r.section = "Reserved addresses, denylist4, Well-Known Prefix"
    for v4, why in (("127.0.0.1", "loopback 127/8"), ("224.0.0.1", "multicast 224/4"),
                    ("255.255.255.255", "limited broadcast"), ("0.1.2.3", "\"this network\" 0/8"),
                    ("169.254.1.1", "link-local 169.254/16"), ("240.0.0.1", "reserved 240/4")):
        c = r.new("6to4-reserved-destination-%s-dropped" % v4,
                  "RFC 7915 §5.1; RFC 6890; RFC 1812 §5.3.7",
                  """A pool6 destination embedding %s (%s) is never translated: ovs-nat64 drops
                  it (the RFC 6890 special-purpose ranges that are not forwardable).""" % (v4, why))
        c.dropped(IPv6(src=H6, dst=rfc6052_embed(POOL6, v4), hlim=64) / UDP(sport=40000, dport=53) / pat(16))

    cfg = {"denylist4": ["198.51.100.128/25"]}
    c = r.new("6to4-denylist4-destination-dropped", "RFC 7915 §5.1 (ovs-nat64 denylist4)",
              """denylist4 198.51.100.128/25: 198.51.100.200 is never reached through pool6.""",
              config=cfg)
    c.dropped(IPv6(src=H6, dst=rfc6052_embed(POOL6, "198.51.100.200"), hlim=64)
              / UDP(sport=40000, dport=53) / pat(16))
    c = r.new("6to4-denylist4-neighbour-translated", "RFC 7915 §5.1 (ovs-nat64 denylist4)",
              """denylist4 198.51.100.128/25 does not cover 198.51.100.127: translated.""",
              config=cfg, ignore=["ipv4.id"])
    c.translated(IPv6(src=H6, dst=rfc6052_embed(POOL6, "198.51.100.127"), hlim=64)
                 / UDP(sport=40000, dport=53) / pat(16),
                 IP(src=H6_4, dst="198.51.100.127", ttl=63, id=0, flags=0) / UDP(sport=40000, dport=53) / pat(16))

    wkp = {"pool6": "64:ff9b::/96"}
    pub = "93.184.216.34"
    c = r.new("6to4-wkp-global-destination", "RFC 6052 §2.1, §2.2",
              """The Well-Known Prefix 64:ff9b::/96 with a global IPv4 address (93.184.216.34)
              is translated normally.""", config=wkp, ignore=["ipv4.id"])
    c.translated(IPv6(src=H6, dst="64:ff9b::" + pub, hlim=64) / UDP(sport=40000, dport=53) / pat(16),
                 IP(src=H6_4, dst=pub, ttl=63, id=0, flags=0) / UDP(sport=40000, dport=53) / pat(16))
    c = r.new("4to6-wkp-global-source", "RFC 6052 §2.1, §2.2",
              """A global IPv4 source is embedded into the Well-Known Prefix.""", config=wkp)
    c.translated(IP(src=pub, dst=H6_4, ttl=64, id=1, flags="DF") / UDP(sport=53, dport=40000) / pat(16),
                 IPv6(src="64:ff9b::" + pub, dst=H6, hlim=63) / UDP(sport=53, dport=40000) / pat(16))
    for v4 in ("10.1.2.3", "192.168.0.1"):
        c = r.new("6to4-wkp-non-global-destination-%s-dropped" % v4, "RFC 6052 §3.1",
                  """RFC 6052 §3.1: "The Well-Known Prefix MUST NOT be used to represent non-global
                  IPv4 addresses, such as those defined in [RFC1918] ... Address translators MUST
                  NOT translate packets in which an address is composed of the Well-Known Prefix
                  and a non-global IPv4 address; they MUST drop these packets." (%s)""" % v4,
                  config=wkp)
        c.dropped(IPv6(src=H6, dst="64:ff9b::" + v4, hlim=64) / UDP(sport=40000, dport=53) / pat(16))
    c = r.new("4to6-wkp-non-global-source-dropped", "RFC 6052 §3.1",
              """RFC 6052 §3.1: the IPv4 source 172.16.0.1 (RFC 1918) would be represented with
              the Well-Known Prefix: "they MUST drop these packets." """, config=wkp)
    c.dropped(IP(src="172.16.0.1", dst=H6_4, ttl=64, id=1, flags="DF") / UDP(sport=53, dport=40000) / pat(16))

    c = r.new("4to6-illegal-source-loopback-dropped", "RFC 7915 §4.1; RFC 1812 §5.3.7",
              """§4.1 Source Address: "If the translator gets an illegal source address (e.g.,
              0.0.0.0, 127.0.0.1, etc.), the translator SHOULD silently drop the packet (as
              discussed in Section 5.3.7 of [RFC1812])." """)
    c.dropped(IP(src="127.0.0.1", dst=H6_4, ttl=64, id=1, flags="DF") / UDP(sport=53, dport=40000) / pat(16))


# ---------------------------------------------------------------------------
# RFC 7757: EAMT

def cases_eamt(r):
    r.section = "EAMT (RFC 7757)"
    d = pat(24, 2)

    single = {"eamt": [{"ipv6": EAM6, "ipv4": EAM4},
                       {"ipv6": "2001:db8:7::5/128", "ipv4": "203.0.113.5/32"}]}
    c = r.new("6to4-eam-single-address-source", "RFC 7757 §3.1, §3.2",
              """RFC 7757 §3.2: the EAM algorithm is consulted before RFC 6052; a /128 <-> /32
              entry maps 2001:db8:7::5 to 203.0.113.5.""", config=single, ignore=["ipv4.id"])
    c.translated(IPv6(src="2001:db8:7::5", dst=H4_6, hlim=64) / UDP(sport=1, dport=2) / d,
                 IP(src="203.0.113.5", dst=H4, ttl=63, id=0, flags=0) / UDP(sport=1, dport=2) / d)
    c = r.new("4to6-eam-single-address-destination", "RFC 7757 §3.1, §3.2",
              """... and 203.0.113.5 back to 2001:db8:7::5.""", config=single)
    c.translated(IP(src=H4, dst="203.0.113.5", ttl=64, id=1, flags="DF") / UDP(sport=2, dport=1) / d,
                 IPv6(src=H4_6, dst="2001:db8:7::5", hlim=63) / UDP(sport=2, dport=1) / d)

    small = {"eamt": [{"ipv6": EAM6, "ipv4": EAM4},
                      {"ipv6": "2001:db8:d::/126", "ipv4": "203.0.113.100/30"}]}
    c = r.new("6to4-eam-prefix-suffix-copied", "RFC 7757 §3.1, §3.2",
              """RFC 7757 §3.2: the suffix bits after the EAM prefix are copied: 2001:db8:d::/126
              <-> 203.0.113.100/30 maps 2001:db8:d::2 to 203.0.113.102.""", config=small,
              ignore=["ipv4.id"])
    c.translated(IPv6(src="2001:db8:d::2", dst=H4_6, hlim=64) / UDP(sport=1, dport=2) / d,
                 IP(src="203.0.113.102", dst=H4, ttl=63, id=0, flags=0) / UDP(sport=1, dport=2) / d)
    c = r.new("4to6-eam-prefix-suffix-copied", "RFC 7757 §3.1, §3.2",
              """... and 203.0.113.103 to 2001:db8:d::3.""", config=small)
    c.translated(IP(src=H4, dst="203.0.113.103", ttl=64, id=1, flags="DF") / UDP(sport=2, dport=1) / d,
                 IPv6(src=H4_6, dst="2001:db8:d::3", hlim=63) / UDP(sport=2, dport=1) / d)

    inside = {"eamt": [{"ipv6": EAM6, "ipv4": EAM4},
                       {"ipv6": "2001:db8:64::c633:6400/120", "ipv4": "203.0.113.0/24"}]}
    c = r.new("6to4-eam-takes-precedence-over-pool6", "RFC 7757 §3.2",
              """RFC 7757 §3.2: the EAMT is searched first; only if no entry matches is the RFC
              6052 algorithm used. 2001:db8:64::c633:6415 is both a pool6 address
              (198.51.100.21) and inside an EAM entry: it becomes 203.0.113.21.""",
              config=inside, ignore=["ipv4.id"])
    c.translated(IPv6(src=H6, dst="2001:db8:64::c633:6415", hlim=64) / UDP(sport=1, dport=2) / d,
                 IP(src=H6_4, dst="203.0.113.21", ttl=63, id=0, flags=0) / UDP(sport=1, dport=2) / d)
    c = r.new("4to6-eam-takes-precedence-over-pool6", "RFC 7757 §3.2",
              """RFC 7757 §3.2: the IPv4 source 203.0.113.21 matches the EAMT, so it becomes
              2001:db8:64::c633:6415, not its pool6 form 2001:db8:64::cb00:7115.""",
              config=inside)
    c.translated(IP(src="203.0.113.21", dst=H6_4, ttl=64, id=1, flags="DF") / UDP(sport=2, dport=1) / d,
                 IPv6(src="2001:db8:64::c633:6415", dst=H6, hlim=63) / UDP(sport=2, dport=1) / d)

    ov4 = {"eamt": [{"ipv6": "2001:db8:a::/120", "ipv4": "192.0.2.0/24"},
                    {"ipv6": "2001:db8:b::5/128", "ipv4": "192.0.2.5/32"}]}
    c = r.new("4to6-eam-overlap-longest-ipv4-prefix", "RFC 7757 §3.2, §5",
              """RFC 7757: overlapping EAM entries are resolved by longest prefix match. 192.0.2.5
              matches 192.0.2.0/24 (listed first) and 192.0.2.5/32: the /32 wins ->
              2001:db8:b::5.""", config=ov4)
    c.translated(IP(src=H4, dst="192.0.2.5", ttl=64, id=1, flags="DF") / UDP(sport=2, dport=1) / d,
                 IPv6(src=H4_6, dst="2001:db8:b::5", hlim=63) / UDP(sport=2, dport=1) / d)
    c = r.new("4to6-eam-overlap-shorter-prefix", "RFC 7757 §3.2, §5",
              """Same table: 192.0.2.6 only matches the /24 -> 2001:db8:a::6.""", config=ov4)
    c.translated(IP(src=H4, dst="192.0.2.6", ttl=64, id=1, flags="DF") / UDP(sport=2, dport=1) / d,
                 IPv6(src=H4_6, dst="2001:db8:a::6", hlim=63) / UDP(sport=2, dport=1) / d)
    c = r.new("6to4-eam-overlap-ipv4-side", "RFC 7757 §3.2, §5",
              """Same table, IPv6->IPv4 direction: 2001:db8:a::5 only matches 2001:db8:a::/120 ->
              192.0.2.5.""", config=ov4, ignore=["ipv4.id"])
    c.translated(IPv6(src="2001:db8:a::5", dst=H4_6, hlim=64) / UDP(sport=1, dport=2) / d,
                 IP(src="192.0.2.5", dst=H4, ttl=63, id=0, flags=0) / UDP(sport=1, dport=2) / d)

    ov6 = {"eamt": [{"ipv6": "2001:db8:c::/120", "ipv4": "198.51.100.0/24"},
                    {"ipv6": "2001:db8:c::7/128", "ipv4": "203.0.113.7/32"}]}
    c = r.new("6to4-eam-overlap-longest-ipv6-prefix", "RFC 7757 §3.2, §5",
              """RFC 7757: longest prefix match on the IPv6 side. 2001:db8:c::7 matches
              2001:db8:c::/120 (listed first) and 2001:db8:c::7/128: the /128 wins ->
              203.0.113.7.""", config=ov6, ignore=["ipv4.id"])
    c.translated(IPv6(src="2001:db8:c::7", dst=R4_6, hlim=64) / UDP(sport=1, dport=2) / d,
                 IP(src="203.0.113.7", dst=R4, ttl=63, id=0, flags=0) / UDP(sport=1, dport=2) / d)
    c = r.new("6to4-eam-overlap-shorter-ipv6-prefix", "RFC 7757 §3.2, §5",
              """Same table: 2001:db8:c::8 only matches the /120 -> 198.51.100.8.""",
              config=ov6, ignore=["ipv4.id"])
    c.translated(IPv6(src="2001:db8:c::8", dst=R4_6, hlim=64) / UDP(sport=1, dport=2) / d,
                 IP(src="198.51.100.8", dst=R4, ttl=63, id=0, flags=0) / UDP(sport=1, dport=2) / d)

    c = r.new("4to6-destination-not-in-eamt-dropped", "RFC 7915 §4.1; RFC 7757 §3.2",
              """Stateless 4->6: the IPv4 destination must be in the EAMT (no IPv4 translation
              prefix is configured, no pool4 here); 203.0.113.77 is not: dropped.""")
    c.dropped(IP(src=H4, dst="203.0.113.77", ttl=64, id=1, flags="DF") / UDP(sport=2, dport=1) / d)

    hp_dst = rfc6052_embed(POOL6, H6B_4)
    hp_src = rfc6052_embed(POOL6, H6_4)
    c = r.new("6to6-eam-hairpinning-intrinsic", "RFC 7757 §4",
              """RFC 7757 §4 (hairpinning): H6 (2001:db8:6::10 = 192.0.2.16 by EAM) sends to the
              pool6 form of 192.0.2.17, which the EAMT maps to 2001:db8:6::11. The IPv4 packet
              would go back into the translator, so it is translated back to IPv6 at once; its
              source is rendered with RFC 6052 (pool6), not the EAMT, so the reply comes back
              through the translator: 2001:db8:64::c000:210 -> 2001:db8:6::11. Hop Limit
              masked (one or two decrements are both defensible).""", ignore=["ipv6.hlim"])
    c.translated(IPv6(src=H6, dst=hp_dst, hlim=64) / UDP(sport=40000, dport=7) / d,
                 IPv6(src=hp_src, dst=H6B, hlim=62) / UDP(sport=40000, dport=7) / d)


# ---------------------------------------------------------------------------
# Stateful NAT64 (RFC 6146)
#
# IPv6 hosts outside the EAMT reach pool6 addresses through the session
# table: their source becomes a pool4 transport address.  Port choice is
# randomised (RFC 6056 in spirit), so every pool4 here leaves exactly one
# candidate per protocol: one address, one port (or ICMP identifier).  The
# pcap timestamps are the translator's clock: each input says when (t, in
# seconds after T0) it arrives, and the timer cases jump over the RFC 6146
# §4 minimum lifetimes.  These cases also pin the log's reason, so "dropped
# because there is no BIB entry" and "dropped by filtering" are told apart.

N6 = "2001:db8:5::10"     # IPv6 hosts without an EAMT entry: stateful
N6B = "2001:db8:5::11"
S6 = "2001:db8:5::80"     # IPv6 server published through a static BIB entry
P4 = "203.0.113.100"      # the pool4 address
PPORT = 6000              # its one port / ICMP identifier (tcp, udp, icmp)
SPORT4 = 8080             # static BIB port (TCP), a pool4 entry of its own
H4B = "198.51.100.21"     # a second IPv4 host (pool6)
H4B_6 = rfc6052_embed(POOL6, H4B)

STATEFUL = {
    "pool4": [{"prefix": P4 + "/32", "ports": "%d-%d" % (PPORT, PPORT),
               "protocols": ["tcp", "udp", "icmp"]}],
    "static-bib": [],
    # RFC 6146 §4 minimums: UDP_MIN 2 min, TCP_EST 2 h 4 min, TCP_TRANS 4 min;
    # ICMP_DEFAULT 60 s.
    "timeouts": {"udp": 120, "tcp-est": 7440, "tcp-trans": 240, "icmp": 60},
    "address-dependent-filtering": False,
    "drop-externally-initiated-tcp": False,
    "drop-icmpv6-info": False,
    "max-sessions": 4096,
    "max-sessions-per-source": 0,
}

# A static BIB entry S6#80 <-> P4#8080 (TCP), in a pool4 entry of its own so
# that dynamic TCP flows still have exactly one candidate, P4#6000.
STATIC_WEB = {
    "pool4": STATEFUL["pool4"] + [{"prefix": P4 + "/32", "ports": "%d-%d" % (SPORT4, SPORT4),
                                   "protocols": ["tcp"]}],
    "static-bib": [{"protocol": "tcp", "ipv6": "%s#80" % S6, "ipv4": "%s#%d" % (P4, SPORT4)}],
}


def stateful_config(**over):
    cfg = json.loads(json.dumps(STATEFUL))
    cfg.update(over)
    return cfg


def sf6_out(src=N6, dst=H4_6, hlim=64):
    """A packet from the VNet host (any flow label: it is dropped, §5.1)."""
    return IPv6(src=src, dst=dst, hlim=hlim, tc=0, fl=0x5A5A5)


def sf4_out(dst=H4, src=P4):
    """... as it leaves: from pool4, TTL - 1, DF 0 (<= 1260 bytes, Identification
    implementation-chosen: these cases mask ipv4.id)."""
    return IP(src=src, dst=dst, ttl=63, tos=0, id=0, flags=0)


def sf4_in(src=H4, dst=P4, ttl=64, id=0x2345):
    """A packet from the IPv4 side to the pool4 address."""
    return IP(src=src, dst=dst, ttl=ttl, tos=0, id=id, flags="DF")


def sf6_in(src=H4_6, dst=N6):
    """... as it reaches the VNet host."""
    return IPv6(src=src, dst=dst, hlim=63, tc=0, fl=0)


OUT, IN = "translated-6to4", "translated-4to6"


def cases_stateful(r):
    r.section = "Stateful NAT64 (RFC 6146)"
    q, a = pat(24, 1), pat(40, 2)

    # --- 1. UDP session lifetime --------------------------------------------
    c = r.new("stateful-udp-session-lifetime", "RFC 6146 §3.5.1, §3.5.1.1, §3.6, §4",
              """§3.5.1: the first packet of N6#40000 creates a BIB entry (pool4 P4#6000) and a
              session; it leaves as P4#6000 -> H4#53 (§3.6: source transport address from the
              BIB). The reply from H4#53 finds the session and goes to N6#40000. A packet of the
              session sets or resets its lifetime to the UDP timeout (configured 120 s =
              UDP_MIN, §4): a reply at 200 s still passes because N6 sent again at 100 s. The
              session (and with it the dynamic BIB entry) is gone by 320 s whether or not inbound
              packets also reset the timer (the reply at 200 s would take it to 320 s): a reply
              at 325 s finds no BIB entry and is dropped (RFC 6146 §3.5.1 asks for an ICMPv4 Port
              Unreachable there with a SHOULD; ovs-nat64 drops silently, see README). At 330 s
              the IPv6 host sends again: a new BIB entry and session, the same (only) pool4
              transport address, and replies pass again.""",
              config=stateful_config(), ignore=["ipv4.id"])

    def udp_out(t):
        c.translated(sf6_out() / UDP(sport=40000, dport=53) / q,
                     sf4_out() / UDP(sport=PPORT, dport=53) / q, t=t, reason=OUT)

    def udp_back(t):
        c.translated(sf4_in() / UDP(sport=53, dport=PPORT) / a,
                     sf6_in() / UDP(sport=53, dport=40000) / a, t=t, reason=IN)

    udp_out(0)
    udp_back(60)
    udp_out(100)
    udp_back(200)
    c.dropped(sf4_in() / UDP(sport=53, dport=PPORT) / a, t=325, reason="drop-no-bib")
    udp_out(330)
    udp_back(331)

    # --- 2. TCP lifecycle ---------------------------------------------------
    c = r.new("stateful-tcp-lifecycle", "RFC 6146 §3.5.2.2, §3.6, §4",
              """§3.5.2.2: a V6 SYN in CLOSED creates the BIB entry and a session in V6 INIT; the
              V4 SYN (SYN/ACK) moves it to ESTABLISHED; data passes both ways; a V6 FIN moves it
              to V6 FIN RCV, the V4 FIN to V4 FIN + V6 FIN RCV with the lifetime set to
              TCP_TRANS (240 s, §4); packets in that state are still translated: a
              retransmitted V4 FIN at 240 s (just before 1.1 + 240 s) passes. The same segment
              at 485 s finds the session expired and the BIB entry gone (CLOSED, no BIB entry:
              silently discarded); 485 s is late enough even if the retransmission at 240 s had
              set the lifetime to TCP_TRANS again. Ports: N6#40001 <-> P4#6000 (§3.6); sequence
              numbers and options are not touched.""",
              config=stateful_config(), ignore=["ipv4.id"])
    cp, sp = 40001, 80

    def tcp_out(t, data=b"", **kw):
        c.translated(sf6_out() / TCP(sport=cp, dport=sp, **kw) / Raw(data),
                     sf4_out() / TCP(sport=PPORT, dport=sp, **kw) / Raw(data), t=t, reason=OUT)

    def tcp_in(t, data=b"", **kw):
        c.translated(sf4_in() / TCP(sport=sp, dport=PPORT, **kw) / Raw(data),
                     sf6_in() / TCP(sport=sp, dport=cp, **kw) / Raw(data), t=t, reason=IN)

    tcp_out(0.0, seq=1000, flags="S", window=65535, options=[("MSS", 1440), ("SAckOK", b"")])
    tcp_in(0.1, seq=5000, ack=1001, flags="SA", window=29200, options=[("MSS", 1460)])
    tcp_out(0.2, seq=1001, ack=5001, flags="A", window=65535)
    tcp_out(0.3, pat(100, 3), seq=1001, ack=5001, flags="PA", window=65535)
    tcp_in(0.4, pat(200, 4), seq=5001, ack=1101, flags="PA", window=29200)
    tcp_out(1.0, seq=1101, ack=5201, flags="FA", window=65535)
    tcp_in(1.1, seq=5201, ack=1102, flags="FA", window=29200)
    tcp_out(1.2, seq=1102, ack=5202, flags="A", window=65535)
    tcp_in(240.0, seq=5201, ack=1102, flags="FA", window=29200)
    c.dropped(sf4_in() / TCP(sport=sp, dport=PPORT, seq=5201, ack=1102, flags="FA", window=29200),
              t=485.0, reason="drop-no-bib")

    # --- 3. Filtering -------------------------------------------------------
    c = r.new("stateful-filtering-address-dependent", "RFC 6146 §3.5.1; RFC 4787 §5",
              """address-dependent-filtering on (§3.5.1, a NAT64 that filters on its IPv4
              interface): an inbound packet to P4#6000 passes only if a session of that BIB
              entry has its source address as destination address. N6#40000 talks to H4#53;
              H4B#53 is refused (dropped; the ICMPv4 3/13 is a MAY); H4 from another port
              (5353) is let in (address-dependent, not port-dependent) and gets a session of its
              own; once N6#40000 has sent to H4B, the same BIB entry (endpoint-independent
              mapping: P4#6000 again) admits H4B too.""",
              config=stateful_config(**{"address-dependent-filtering": True}), ignore=["ipv4.id"])
    c.translated(sf6_out() / UDP(sport=40000, dport=53) / q,
                 sf4_out() / UDP(sport=PPORT, dport=53) / q, t=0, reason=OUT)
    c.dropped(sf4_in(src=H4B) / UDP(sport=53, dport=PPORT) / a, t=1, reason="drop-filtered")
    c.translated(sf4_in() / UDP(sport=5353, dport=PPORT) / a,
                 sf6_in() / UDP(sport=5353, dport=40000) / a, t=2, reason=IN)
    c.translated(sf4_in() / UDP(sport=53, dport=PPORT) / a,
                 sf6_in() / UDP(sport=53, dport=40000) / a, t=3, reason=IN)
    c.translated(sf6_out(dst=H4B_6) / UDP(sport=40000, dport=53) / q,
                 sf4_out(dst=H4B) / UDP(sport=PPORT, dport=53) / q, t=4, reason=OUT)
    c.translated(sf4_in(src=H4B) / UDP(sport=53, dport=PPORT) / a,
                 sf6_in(src=H4B_6) / UDP(sport=53, dport=40000) / a, t=5, reason=IN)

    c = r.new("stateful-filtering-endpoint-independent", "RFC 6146 §3.5.1; RFC 4787 §5",
              """address-dependent-filtering off (endpoint-independent filtering, the default):
              once N6#40000 has a BIB entry (P4#6000), any IPv4 host may send to P4#6000 and
              reaches N6#40000, each new remote getting a session of its own (§3.5.1: no
              session for (T,t)-(X,x) yet, so one is created).""",
              config=stateful_config(), ignore=["ipv4.id"])
    c.translated(sf6_out() / UDP(sport=40000, dport=53) / q,
                 sf4_out() / UDP(sport=PPORT, dport=53) / q, t=0, reason=OUT)
    c.translated(sf4_in(src=H4B) / UDP(sport=53, dport=PPORT) / a,
                 sf6_in(src=H4B_6) / UDP(sport=53, dport=40000) / a, t=1, reason=IN)
    c.translated(sf4_in() / UDP(sport=5353, dport=PPORT) / a,
                 sf6_in() / UDP(sport=5353, dport=40000) / a, t=2, reason=IN)

    c = r.new("stateful-drop-externally-initiated-tcp", "RFC 6146 §3.5.2.2",
              """drop-externally-initiated-tcp on: §3.5.2.2 (CLOSED, V4 SYN): "If the security
              policy requires silently dropping externally initiated TCP connections, then the
              packet SHOULD be silently discarded" - even towards a static BIB entry (S6#80 <->
              P4#8080). A connection the IPv6 side opens from that same transport address still
              works: its V6 SYN leaves from the static P4#8080 and the V4 SYN/ACK comes back. A
              second inbound SYN from another port of the same host is still refused.""",
              config=stateful_config(**STATIC_WEB, **{"drop-externally-initiated-tcp": True}),
              ignore=["ipv4.id"])
    syn_in = TCP(sport=50000, dport=SPORT4, seq=7000, flags="S", window=64240,
                 options=[("MSS", 1460)])
    c.dropped(sf4_in() / syn_in, t=0, reason="drop-filtered")
    kw = dict(seq=9000, flags="S", window=65535, options=[("MSS", 1440)])
    c.translated(sf6_out(src=S6) / TCP(sport=80, dport=443, **kw),
                 sf4_out() / TCP(sport=SPORT4, dport=443, **kw), t=1, reason=OUT)
    kw = dict(seq=3000, ack=9001, flags="SA", window=29200, options=[("MSS", 1460)])
    c.translated(sf4_in() / TCP(sport=443, dport=SPORT4, **kw),
                 sf6_in(dst=S6) / TCP(sport=443, dport=80, **kw), t=1.1, reason=IN)
    c.dropped(sf4_in() / TCP(sport=50002, dport=SPORT4, seq=7100, flags="S", window=64240),
              t=2, reason="drop-filtered")

    # --- 4. Static BIB: port forward -------------------------------------------
    c = r.new("stateful-static-bib-port-forward", "RFC 6146 §3.5.2.2, §3.6",
              """A static BIB entry (S6#80 <-> P4#8080) publishes an IPv6 server: §3.5.2.2
              (CLOSED, V4 SYN, destination transport address in use in the BIB, no
              address-dependent filtering): a session in V4 INIT, the SYN translated to
              H4_6#50000 -> S6#80; the server's SYN/ACK (V6 SYN) makes it ESTABLISHED and leaves
              from the static P4#8080 (§3.6); data both ways. A second client (H4B) reaches the
              same server through the same entry. A flow the VNet opens gets the one dynamic
              port P4#6000: the static port is not handed out.""",
              config=stateful_config(**STATIC_WEB), ignore=["ipv4.id"])

    def fw_in(t, data=b"", src=H4, sport=50000, **kw):
        c.translated(sf4_in(src=src) / TCP(sport=sport, dport=SPORT4, **kw) / Raw(data),
                     sf6_in(src=rfc6052_embed(POOL6, src), dst=S6) / TCP(sport=sport, dport=80, **kw)
                     / Raw(data), t=t, reason=IN)

    def fw_out(t, data=b"", dst=H4, dport=50000, **kw):
        c.translated(sf6_out(src=S6, dst=rfc6052_embed(POOL6, dst)) / TCP(sport=80, dport=dport, **kw)
                     / Raw(data),
                     sf4_out(dst=dst) / TCP(sport=SPORT4, dport=dport, **kw) / Raw(data),
                     t=t, reason=OUT)

    fw_in(0.0, seq=7000, flags="S", window=64240, options=[("MSS", 1460), ("SAckOK", b"")])
    fw_out(0.2, seq=2000, ack=7001, flags="SA", window=65535, options=[("MSS", 1440)])
    fw_in(0.3, seq=7001, ack=2001, flags="A", window=64240)
    fw_in(0.4, pat(80, 5), seq=7001, ack=2001, flags="PA", window=64240)
    fw_out(0.5, pat(300, 6), seq=2001, ack=7081, flags="PA", window=65535)
    fw_in(1.0, src=H4B, sport=50001, seq=8000, flags="S", window=64240, options=[("MSS", 1460)])
    fw_out(1.1, dst=H4B, dport=50001, seq=4000, ack=8001, flags="SA", window=65535,
           options=[("MSS", 1440)])
    kw = dict(seq=100, flags="S", window=65535, options=[("MSS", 1440)])
    c.translated(sf6_out() / TCP(sport=40010, dport=80, **kw),
                 sf4_out() / TCP(sport=PPORT, dport=80, **kw), t=2.0, reason=OUT)

    # --- 5. ICMP ---------------------------------------------------------------
    ed = pat(32, 7)
    c = r.new("stateful-icmp-echo-session", "RFC 6146 §3.5.3, §3.6, §4",
              """§3.5.3: an ICMPv6 echo request creates an ICMP query BIB entry keyed by the
              identifier; the identifier is the "port": 0x1234 leaves as the pool4 identifier
              6000 (§3.6), and the echo reply to P4 with identifier 6000 comes back to N6 with
              0x1234 (RFC 7915 §4.2/§5.2 type and checksum translation). After the ICMP timeout
              (60 s, ICMP_DEFAULT §4) a late reply finds no BIB entry and is dropped.""",
              config=stateful_config(), ignore=["ipv4.id"])
    for k, t in ((1, 0.0), (2, 1.0)):
        c.translated(sf6_out() / ICMPv6EchoRequest(id=0x1234, seq=k, data=ed),
                     sf4_out() / ICMP(type=8, id=PPORT, seq=k) / ed, t=t, reason=OUT)
        c.translated(sf4_in() / ICMP(type=0, id=PPORT, seq=k) / ed,
                     sf6_in() / ICMPv6EchoReply(id=0x1234, seq=k, data=ed), t=t + 0.1, reason=IN)
    c.dropped(sf4_in() / ICMP(type=0, id=PPORT, seq=2) / ed, t=70.0, reason="drop-no-bib")

    c = r.new("stateful-icmp4-error-to-session", "RFC 6146 §3.5, §3.6; RFC 7915 §4.2, §4.3",
              """An ICMPv4 error to P4 quotes a packet that left through a session: the quoted
              packet's source transport address (P4#6000, or identifier 6000 for an echo
              request) finds the session, and the error goes to the IPv6 host with the quoted
              packet restored to its IPv6 form (N6#40000 -> H4_6, identifier 0x1234), translated
              like a normal packet (RFC 7915 §4.3: quoted TTL copied, transport checksum
              updated). Port Unreachable (3/3) becomes ICMPv6 1/4, Time Exceeded 11/0 becomes
              3/0. An error quoting a transport address no session holds (P4#6001) is
              dropped.""",
              config=stateful_config(), ignore=["ipv4.id"])
    up = pat(12, 8)
    c.translated(sf6_out() / UDP(sport=40000, dport=33434) / up,
                 sf4_out() / UDP(sport=PPORT, dport=33434) / up, t=0.0, reason=OUT)
    quoted4 = IP(src=P4, dst=H4, ttl=60, tos=0, id=0x3333, flags=0) / UDP(sport=PPORT, dport=33434) / up
    quoted6 = IPv6(src=N6, dst=H4_6, hlim=60, tc=0, fl=0) / UDP(sport=40000, dport=33434) / up
    c.translated(IP(src=H4, dst=P4, ttl=64, id=0x0101, flags=0) / ICMP(type=3, code=3) / Raw(B(quoted4)),
                 IPv6(src=H4_6, dst=N6, hlim=63, tc=0, fl=0) / ICMPv6DestUnreach(code=4)
                 / Raw(B(quoted6)), t=0.5, reason=IN)
    c.translated(sf6_out() / ICMPv6EchoRequest(id=0x1234, seq=1, data=ed),
                 sf4_out() / ICMP(type=8, id=PPORT, seq=1) / ed, t=1.0, reason=OUT)
    quoted4 = IP(src=P4, dst=H4, ttl=1, tos=0, id=0x3334, flags=0) / ICMP(type=8, id=PPORT, seq=1) / ed
    quoted6 = IPv6(src=N6, dst=H4_6, hlim=1, tc=0, fl=0) / ICMPv6EchoRequest(id=0x1234, seq=1, data=ed)
    c.translated(IP(src=R4, dst=P4, ttl=64, id=0x0102, flags=0) / ICMP(type=11, code=0) / Raw(B(quoted4)),
                 IPv6(src=R4_6, dst=N6, hlim=63, tc=0, fl=0) / ICMPv6TimeExceeded(code=0)
                 / Raw(B(quoted6)), t=1.5, reason=IN)
    quoted4 = IP(src=P4, dst=H4, ttl=60, tos=0, id=0x3335, flags=0) / UDP(sport=PPORT + 1, dport=33434) / up
    c.dropped(IP(src=H4, dst=P4, ttl=64, id=0x0103, flags=0) / ICMP(type=3, code=3) / Raw(B(quoted4)),
              t=2.0, reason="drop-no-bib")

    c = r.new("stateful-icmp6-error-from-session-host", "RFC 6146 §3.5, §3.6; RFC 7915 §5.2, §5.3",
              """The IPv6 host answers a packet that came in through its session with an ICMPv6
              error: the quoted packet's destination (N6#40000) finds the session; the ICMPv4
              error leaves from the host's pool4 address P4 and quotes the packet as the IPv4
              host sent it (H4#53 -> P4#6000; RFC 7915 §5.3: quoted Hop Limit copied, UDP checksum
              updated, quoted Identification implementation-chosen: masked). ICMPv6 1/4 becomes
              ICMPv4 3/3.""",
              config=stateful_config(), ignore=["ipv4.id", "inner.ipv4.id"])
    c.translated(sf6_out() / UDP(sport=40000, dport=53) / q,
                 sf4_out() / UDP(sport=PPORT, dport=53) / q, t=0.0, reason=OUT)
    c.translated(sf4_in() / UDP(sport=53, dport=PPORT) / a,
                 sf6_in() / UDP(sport=53, dport=40000) / a, t=0.5, reason=IN)
    quoted6 = IPv6(src=H4_6, dst=N6, hlim=63, tc=0, fl=0) / UDP(sport=53, dport=40000) / a
    quoted4 = IP(src=H4, dst=P4, ttl=63, tos=0, id=0, flags=0) / UDP(sport=53, dport=PPORT) / a
    c.translated(sf6_out(dst=H4_6) / ICMPv6DestUnreach(code=4) / Raw(B(quoted6)),
                 sf4_out() / ICMP(type=3, code=3) / Raw(B(quoted4)), t=1.0, reason=OUT)

    # --- 6. pool4 exhaustion, TCP without a session ------------------------------
    c = r.new("stateful-pool4-exhausted", "RFC 6146 §3.5.1, §3.5.1.1, §3.5.2.2",
              """A one-port pool4 (P4#6000 per protocol). §3.5.1: "If it is not possible to
              allocate an appropriate IPv4 transport address or create a BIB entry, then the
              packet is discarded. The NAT64 SHOULD send an ICMPv6 Destination Unreachable
              error message with Code 3 (Address Unreachable)." A second UDP source port of N6,
              and another host N6B, get that error (from router-ipv6, quoting the packet); so
              does a second TCP SYN (§3.5.2.2 refers to the same rules). The existing BIB entry
              keeps working, also towards a new destination (endpoint-independent mapping,
              §3.5.1.1: the BIB is searched by the source IPv6 transport address alone).""",
              config=stateful_config(), ignore=["ipv4.id"])
    c.translated(sf6_out() / UDP(sport=40000, dport=53) / q,
                 sf4_out() / UDP(sport=PPORT, dport=53) / q, t=0, reason=OUT)
    inp = B(sf6_out() / UDP(sport=40001, dport=53) / q)
    c.reply(inp, gen6(inp, ICMPv6DestUnreach(code=3)), t=1, reason="reply-pool4-exhausted")
    inp = B(sf6_out(src=N6B) / UDP(sport=40000, dport=53) / q)
    c.reply(inp, gen6(inp, ICMPv6DestUnreach(code=3)), t=2, reason="reply-pool4-exhausted")
    kw = dict(seq=1, flags="S", window=65535, options=[("MSS", 1440)])
    c.translated(sf6_out() / TCP(sport=40002, dport=80, **kw),
                 sf4_out() / TCP(sport=PPORT, dport=80, **kw), t=3, reason=OUT)
    inp = B(sf6_out() / TCP(sport=40003, dport=80, **kw))
    c.reply(inp, gen6(inp, ICMPv6DestUnreach(code=3)), t=4, reason="reply-pool4-exhausted")
    c.translated(sf6_out() / UDP(sport=40000, dport=53) / q,
                 sf4_out() / UDP(sport=PPORT, dport=53) / q, t=5, reason=OUT)
    c.translated(sf6_out(dst=H4B_6) / UDP(sport=40000, dport=53) / q,
                 sf4_out(dst=H4B) / UDP(sport=PPORT, dport=53) / q, t=6, reason=OUT)

    c = r.new("stateful-tcp-without-session-dropped", "RFC 6146 §3.5.2.2",
              """§3.5.2.2, CLOSED state: only a SYN opens a session; any other packet with no
              BIB entry is silently discarded: an IPv6 ACK of an unknown connection, and an
              IPv4 ACK to a pool4 transport address no BIB entry holds. An IPv4 SYN to such an
              address is not translated either (V4 SYN with no BIB entry: the RFC keeps it for
              TCP_INCOMING_SYN and then answers with an ICMP error; nothing leaves when it
              arrives).""",
              config=stateful_config(), ignore=["ipv4.id"])
    c.dropped(sf6_out() / TCP(sport=40010, dport=80, seq=5, ack=6, flags="A", window=512),
              t=0, reason="drop-tcp-no-session")
    c.dropped(sf4_in() / TCP(sport=80, dport=PPORT, seq=6, ack=5, flags="A", window=512),
              t=1, reason="drop-no-bib")
    c.dropped(sf4_in() / TCP(sport=80, dport=PPORT, seq=6, flags="S", window=512),
              t=2, reason="drop-no-bib")


# ---------------------------------------------------------------------------
# Link types and sequences

def cases_misc(r):
    r.section = "Link types and sequences"
    d = pat(32)
    m1, m2 = "02:00:00:00:00:01", "02:00:00:00:00:02"
    c = r.new("6to4-ethernet", "RFC 7915 §5.1; shared/design.md offline translation",
              """Ethernet input stays Ethernet; the EtherType becomes 0x0800.""",
              ignore=["eth.addr", "ipv4.id"], linktype=LINKTYPE_ETHERNET)
    c.translated(Ether(src=m1, dst=m2, type=0x86DD) / v6_to_h4() / UDP(sport=40000, dport=53) / d,
                 Ether(src=m1, dst=m2, type=0x0800) / v4_from_h6() / UDP(sport=40000, dport=53) / d)
    c = r.new("4to6-ethernet", "RFC 7915 §4.1; shared/design.md offline translation",
              """Ethernet input stays Ethernet; the EtherType becomes 0x86DD.""",
              ignore=["eth.addr"], linktype=LINKTYPE_ETHERNET)
    c.translated(Ether(src=m2, dst=m1, type=0x0800) / v4_to_h6() / UDP(sport=53, dport=40000) / d,
                 Ether(src=m2, dst=m1, type=0x86DD) / v6_from_h4() / UDP(sport=53, dport=40000) / d)

    c = r.new("mixed-sequence-verdicts-in-order", "shared/design.md offline translation",
              """Four inputs of both directions: translated, dropped, ICMP reply, translated;
              outputs and log entries keep the input order.""", ignore=["ipv4.id"])
    c.translated(v6_to_h4() / UDP(sport=40000, dport=53) / d,
                 v4_from_h6() / UDP(sport=40000, dport=53) / d)
    c.dropped(IP(src=H4, dst="203.0.113.77", ttl=64, id=1, flags="DF") / UDP(sport=2, dport=1) / d)
    inp = v4_to_h6(ttl=1) / UDP(sport=53, dport=40000) / d
    c.reply(inp, gen4(inp, ICMP(type=11, code=0)))
    c.translated(v4_to_h6() / UDP(sport=53, dport=40000) / d,
                 v6_from_h4() / UDP(sport=53, dport=40000) / d)


def build_all():
    r = Registry()
    cases_ip_header(r)
    cases_transport(r)
    cases_icmp_info(r)
    cases_icmp4_errors(r)
    cases_icmp6_errors(r)
    cases_generated(r)
    cases_fragments(r)
    cases_rfc6052(r)
    cases_reserved(r)
    cases_eamt(r)
    cases_stateful(r)
    cases_misc(r)
    return r.cases


# ---------------------------------------------------------------------------
# Self-check: every pcap readable, every expected packet's checksums valid

def final_destination4(p):
    """RFC 791 (source routing): with an unexpired source route the
    pseudo-header carries the final destination, the route's last entry."""
    ihl, i = (p[0] & 0xF) * 4, 20
    while i < ihl:
        t = p[i]
        if t == 0:
            break
        if t == 1:
            i += 1
            continue
        ln = p[i + 1]
        if t in (131, 137) and p[i + 2] <= ln:
            return ipaddress.IPv4Address(p[i + ln - 4:i + ln])
        i += max(ln, 2)
    return ipaddress.IPv4Address(p[16:20])


def check_packet(p, linktype, inner=False):
    """Returns a list of problems with the checksums of one (complete) packet;
    for an ICMP error, also of the quoted packet when it is complete."""
    problems = []
    if linktype == LINKTYPE_ETHERNET:
        p = p[14:]
    if inner:
        # A quoted packet: check what its length fields say is there.
        v = p[0] >> 4
        if v == 4 and len(p) >= 20:
            if inet_sum(p[:(p[0] & 0xF) * 4]) != 0xFFFF:
                problems.append("quoted IPv4 header checksum")
            tl = struct.unpack("!H", p[2:4])[0]
            if tl != len(p):
                return problems  # truncated (or padded) quote
        elif v == 6 and len(p) >= 40:
            if struct.unpack("!H", p[4:6])[0] + 40 != len(p):
                return problems
        else:
            return problems
        return ["quoted " + x for x in check_packet(p, LINKTYPE_RAW)]
    v = p[0] >> 4
    if v == 4:
        ihl = (p[0] & 0xF) * 4
        if inet_sum(p[:ihl]) != 0xFFFF:
            problems.append("IPv4 header checksum")
        tl = struct.unpack("!H", p[2:4])[0]
        if tl != len(p):
            problems.append("IPv4 total length %d != %d" % (tl, len(p)))
        fo = struct.unpack("!H", p[6:8])[0]
        proto = p[9]
        if fo & 0x3FFF:  # fragment: transport checksum covers the whole datagram
            return problems
        seg = p[ihl:tl]
        if proto == 1:
            if inet_sum(seg) != 0xFFFF:
                problems.append("ICMPv4 checksum")
            if seg[0] in (3, 11, 12):
                q = seg[8:8 + seg[5] * 4] if seg[5] else seg[8:]
                problems += check_packet(q, LINKTYPE_RAW, inner=True)
        elif proto in (6, 17):
            if proto == 17 and struct.unpack("!H", seg[6:8])[0] == 0:
                return problems
            if inet_sum(pseudo4(ipaddress.IPv4Address(p[12:16]), final_destination4(p),
                                proto, len(seg)) + seg) != 0xFFFF:
                problems.append("%s checksum" % ("TCP" if proto == 6 else "UDP"))
    elif v == 6:
        plen = struct.unpack("!H", p[4:6])[0]
        if plen + 40 != len(p):
            problems.append("IPv6 payload length %d != %d" % (plen, len(p) - 40))
        nh, off = p[6], 40
        src, dst = ipaddress.IPv6Address(p[8:24]), ipaddress.IPv6Address(p[24:40])
        while nh in (0, 43, 44, 60):
            if nh == 44:
                return problems  # fragment
            if nh == 43 and p[off + 3] != 0:
                return problems  # routing header in flight: pseudo-header uses the final dst
            nh, off = p[off], off + (p[off + 1] + 1) * 8
        seg = p[off:]
        if nh in (6, 17, 58):
            if inet_sum(pseudo6(src, dst, nh, len(seg)) + seg) != 0xFFFF:
                problems.append({6: "TCP", 17: "UDP", 58: "ICMPv6"}[nh] + " checksum")
        if nh == 58 and seg[0] in (1, 2, 3, 4):
            q = seg[8:8 + seg[4] * 8] if seg[0] in (1, 3) and seg[4] else seg[8:]
            problems += check_packet(q, LINKTYPE_RAW, inner=True)
    else:
        problems.append("not IP (version %d)" % v)
    return problems


def self_check(root, cases):
    bad = 0
    for c in cases:
        d = os.path.join(root, c.name)
        for fn in ("in.pcap", "expected.pcap"):
            lt, pkts = read_pcap(os.path.join(d, fn))
            assert lt == c.linktype, (c.name, fn, lt)
            want = c.inputs if fn == "in.pcap" else c.expected
            assert pkts == want, (c.name, fn)
            # Inputs are valid too (a zero UDP checksum means "none" and is skipped),
            # so a failure is the translator's, not the vector's.
            for i, p in enumerate(pkts):
                probs = check_packet(p, lt)
                if probs:
                    bad += 1
                    print("CHECK %s %s[%d]: %s" % (c.name, fn, i, ", ".join(probs)))
        with open(os.path.join(d, "case.json")) as f:
            meta = json.load(f)
        assert len(meta["expect_verdicts"]) == len(c.inputs)
        with open(os.path.join(d, "instance.json")) as f:
            json.load(f)
    # Scapy agrees that the expected packets parse (no exception on dissection)
    for c in cases:
        for p in c.expected:
            if c.linktype == LINKTYPE_ETHERNET:
                Ether(p)
            elif p[0] >> 4 == 4:
                IP(p)
            else:
                IPv6(p)
    return bad


def markdown_table(cases):
    lines = []
    section = None
    for c in cases:
        if c.section != section:
            section = c.section
            lines.append("")
            lines.append("### " + section)
            lines.append("")
            lines.append("| case | RFC | verdicts |")
            lines.append("| --- | --- | --- |")
        lines.append("| `%s` | %s | %s |" % (c.name, c.rfc, ", ".join(c.verdicts)))
    return "\n".join(lines).lstrip("\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir", nargs="?", help="directory to write the case directories into")
    ap.add_argument("--check", action="store_true", help="re-read and verify what was written")
    ap.add_argument("--list", action="store_true", help="print the case names and exit")
    ap.add_argument("--markdown", action="store_true", help="print the README case table and exit")
    ap.add_argument("--clean", action="store_true", help="empty OUTDIR first")
    args = ap.parse_args(argv)

    cases = build_all()
    if args.list:
        for c in cases:
            print(c.name)
        return 0
    if args.markdown:
        print(markdown_table(cases))
        return 0
    if not args.outdir:
        ap.error("OUTDIR is required")
    if args.clean and os.path.isdir(args.outdir):
        shutil.rmtree(args.outdir)
    os.makedirs(args.outdir, exist_ok=True)
    for c in cases:
        c.write(args.outdir)
    print("gen_vectors: %d cases written to %s" % (len(cases), args.outdir))
    if args.check:
        bad = self_check(args.outdir, cases)
        if bad:
            print("gen_vectors: %d packets with bad checksums" % bad)
            return 1
        print("gen_vectors: self-check OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
