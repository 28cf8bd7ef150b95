#!/usr/bin/env python3
"""Writes the seed packets of the packet fuzzers into OUTDIR/<target>/.

    make_seeds.py OUTDIR

Seeds are valid packets (scapy fills in lengths and checksums) aimed at the
instances that tests/fuzz/fuzz_common.hpp configures, one per interesting
path of the translator: EAMT and pool6 mapping, stateful (pool4, static
BIB), ICMP informational and error messages (with inner packets and RFC 4884
extensions), fragments, extension headers, options, hop limit expiry,
packets too big.  They are generated at test time, so no binary file is
committed; text seeds live in tests/fuzz/corpus/<target>/.
"""
import logging
import os
import sys

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.layers.inet import ICMP, IP, IPOption_LSRR, IPOption_RR, TCP, UDP  # noqa: E402
from scapy.layers.inet6 import (  # noqa: E402
    ICMPv6DestUnreach,
    ICMPv6EchoReply,
    ICMPv6EchoRequest,
    ICMPv6ND_RS,
    ICMPv6NDOptSrcLLAddr,
    ICMPv6NDOptUnknown,
    ICMPv6PacketTooBig,
    ICMPv6ParamProblem,
    ICMPv6TimeExceeded,
    IPv6,
    IPv6ExtHdrDestOpt,
    IPv6ExtHdrFragment,
    IPv6ExtHdrHopByHop,
    IPv6ExtHdrRouting,
)
from scapy.layers.l2 import Ether  # noqa: E402
from scapy.packet import Raw  # noqa: E402

# Addresses of the fuzz instances (fuzz_common.hpp kConfigFull / kConfigLean).
VM = "2001:db8:6::7"            # EAMT 2001:db8:6::/120 <-> 198.51.100.0/24
VM4 = "198.51.100.7"
VM_HOST = "2001:db8:6::5"       # the overlapping /128 <-> 203.0.113.5
VM_HOST4 = "203.0.113.5"
VM_STATEFUL = "2001:db8::5"     # static BIB tcp 2001:db8::5#2000 <-> 192.0.2.2#2000
POOL4 = "192.0.2.2"
PEER4 = "8.8.8.8"
PEER6 = "64:ff9b::808:808"      # pool6 64:ff9b::/96
PEER6_LEAN = "2001:db8:64:0:8:808:800::"  # 8.8.8.8 in the /64 pool6 of instance 2
EAM_PEER6 = "2001:db8:9::1"     # EAMT 2001:db8:9::/112 <-> 100.64.0.0/16
EAM_PEER4 = "100.64.0.1"
HAIRPIN6 = "64:ff9b::c633:6409"  # 198.51.100.9 through pool6: an EAMT address
DENIED6 = "64:ff9b::a01:101"     # 10.1.1.1, denylist4
UNMAPPED6 = "2001:db8:99::1"

PAYLOAD = b"ovs-nat64 fuzz seed"


def six_to_four():
    s = {}
    s["tcp_syn"] = IPv6(src=VM, dst=PEER6) / TCP(sport=40000, dport=80, flags="S")
    s["tcp_data"] = IPv6(src=VM_HOST, dst=PEER6, tc=0xb8, fl=0x12344) / TCP(
        sport=40001, dport=443, flags="PA", seq=1000, ack=2000) / Raw(PAYLOAD)
    s["udp"] = IPv6(src=VM, dst=PEER6) / UDP(sport=5353, dport=53) / Raw(PAYLOAD)
    s["udp_lean_pool6"] = IPv6(src=VM, dst=PEER6_LEAN) / UDP(sport=1, dport=2) / Raw(PAYLOAD)
    s["udp_big"] = IPv6(src=VM, dst=PEER6) / UDP(sport=7, dport=7) / Raw(b"x" * 1400)
    s["udp_big_lean"] = IPv6(src=VM, dst=PEER6_LEAN) / UDP(sport=7, dport=7) / Raw(b"z" * 1000)
    s["udp_eam_peer"] = IPv6(src=VM, dst=EAM_PEER6) / UDP(sport=9, dport=9) / Raw(PAYLOAD)
    s["echo_request"] = IPv6(src=VM, dst=PEER6) / ICMPv6EchoRequest(id=7, seq=1, data=PAYLOAD)
    s["echo_reply"] = IPv6(src=VM, dst=PEER6) / ICMPv6EchoReply(id=7, seq=1, data=PAYLOAD)
    s["hop_limit_1"] = IPv6(src=VM, dst=PEER6, hlim=1) / UDP(sport=1, dport=2) / Raw(PAYLOAD)
    inner = IPv6(src=PEER6, dst=VM) / UDP(sport=53, dport=5353) / Raw(PAYLOAD)
    s["err_dest_unreach"] = IPv6(src=VM, dst=PEER6) / ICMPv6DestUnreach(code=4) / inner
    s["err_too_big"] = IPv6(src=VM, dst=PEER6) / ICMPv6PacketTooBig(mtu=1280) / inner
    s["err_time_exceeded"] = IPv6(src=VM, dst=PEER6) / ICMPv6TimeExceeded() / inner
    s["err_param_problem"] = IPv6(src=VM, dst=PEER6) / ICMPv6ParamProblem(code=0, ptr=6) / inner
    s["err_inner_tcp"] = IPv6(src=VM, dst=PEER6) / ICMPv6DestUnreach(code=1) / (
        IPv6(src=PEER6, dst=VM) / TCP(sport=80, dport=40000, flags="SA"))
    s["frag_first"] = IPv6(src=VM, dst=PEER6) / IPv6ExtHdrFragment(offset=0, m=1, id=0xabcd) / (
        UDP(sport=1, dport=2, len=208) / Raw(b"f" * 64))
    s["frag_later"] = IPv6(src=VM, dst=PEER6) / IPv6ExtHdrFragment(
        nh=17, offset=9, m=0, id=0xabcd) / Raw(b"g" * 64)
    s["frag_atomic"] = IPv6(src=VM, dst=PEER6) / IPv6ExtHdrFragment(offset=0, m=0, id=1) / (
        UDP(sport=1, dport=2) / Raw(PAYLOAD))
    s["ext_headers"] = IPv6(src=VM, dst=PEER6) / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() / (
        IPv6ExtHdrRouting(type=0, segleft=0)) / TCP(sport=3, dport=4)
    s["routing_segleft"] = IPv6(src=VM, dst=PEER6) / IPv6ExtHdrRouting(
        type=0, segleft=1, addresses=["2001:db8::1"]) / UDP(sport=1, dport=2)
    s["hairpin"] = IPv6(src=VM, dst=HAIRPIN6) / UDP(sport=1000, dport=2000) / Raw(PAYLOAD)
    s["denied"] = IPv6(src=VM, dst=DENIED6) / UDP(sport=1, dport=2) / Raw(PAYLOAD)
    s["stateful_static_bib"] = IPv6(src=VM_STATEFUL, dst=PEER6) / TCP(
        sport=2000, dport=80, flags="S")
    s["stateful_udp"] = IPv6(src=UNMAPPED6, dst=PEER6) / UDP(sport=3333, dport=53) / Raw(PAYLOAD)
    s["stateful_echo"] = IPv6(src=UNMAPPED6, dst=PEER6) / ICMPv6EchoRequest(id=99, seq=5)
    return s


def four_to_six():
    s = {}
    s["tcp_synack"] = IP(src=PEER4, dst=VM4) / TCP(sport=80, dport=40000, flags="SA")
    s["tcp_data"] = IP(src=PEER4, dst=VM_HOST4, tos=0xb8) / TCP(
        sport=443, dport=40001, flags="PA") / Raw(PAYLOAD)
    s["udp"] = IP(src=PEER4, dst=VM4) / UDP(sport=53, dport=5353) / Raw(PAYLOAD)
    udp0 = IP(src=PEER4, dst=VM4) / UDP(sport=53, dport=5353, chksum=0) / Raw(PAYLOAD)
    s["udp_checksum_zero"] = udp0
    s["udp_from_eam"] = IP(src=EAM_PEER4, dst=VM4) / UDP(sport=9, dport=9) / Raw(PAYLOAD)
    s["udp_big_df0"] = IP(src=PEER4, dst=VM4, flags=0) / UDP(sport=7, dport=7) / Raw(b"x" * 1400)
    s["udp_big_df1"] = IP(src=PEER4, dst=VM4, flags="DF") / UDP(sport=7, dport=7) / Raw(b"y" * 1470)
    s["echo_request"] = IP(src=PEER4, dst=VM4) / ICMP(type=8, id=7, seq=1) / Raw(PAYLOAD)
    s["echo_reply"] = IP(src=PEER4, dst=VM4) / ICMP(type=0, id=7, seq=1) / Raw(PAYLOAD)
    s["ttl_1"] = IP(src=PEER4, dst=VM4, ttl=1) / UDP(sport=1, dport=2) / Raw(PAYLOAD)
    inner = IP(src=VM4, dst=PEER4) / UDP(sport=5353, dport=53) / Raw(PAYLOAD)
    s["err_port_unreach"] = IP(src=PEER4, dst=VM4) / ICMP(type=3, code=3) / inner
    s["err_frag_needed"] = IP(src=PEER4, dst=VM4) / ICMP(type=3, code=4, nexthopmtu=1400) / inner
    s["err_time_exceeded"] = IP(src=PEER4, dst=VM4) / ICMP(type=11, code=0) / inner
    s["err_param_problem"] = IP(src=PEER4, dst=VM4) / ICMP(type=12, code=0, ptr=8) / inner
    # RFC 4884: the original datagram padded to 128 bytes, then an extension
    # structure (version 2, checksum, one object).
    padded = bytes(inner).ljust(128, b"\0")
    ext = bytes([0x20, 0, 0, 0]) + bytes([0, 8, 1, 1]) + b"\x00\x00\x00\x2a"
    s["err_rfc4884"] = IP(src=PEER4, dst=VM4) / ICMP(type=11, code=0, length=32) / Raw(
        padded + ext)
    s["err_inner_tcp"] = IP(src=PEER4, dst=VM4) / ICMP(type=3, code=1) / (
        IP(src=VM4, dst=PEER4) / TCP(sport=40000, dport=80, flags="S"))
    s["frag_first"] = IP(src=PEER4, dst=VM4, flags="MF", id=0x1234) / UDP(
        sport=1, dport=2, len=208) / Raw(b"f" * 64)
    s["frag_later"] = IP(src=PEER4, dst=VM4, frag=9, id=0x1234, proto=17) / Raw(b"g" * 64)
    s["option_rr"] = IP(src=PEER4, dst=VM4, options=[IPOption_RR(routers=["1.2.3.4"])]) / UDP(
        sport=1, dport=2)
    s["option_lsrr"] = IP(src=PEER4, dst=VM4, options=[
        IPOption_LSRR(routers=["1.2.3.4", "5.6.7.8"], pointer=4)]) / UDP(sport=1, dport=2)
    s["stateful_static_bib"] = IP(src=PEER4, dst=POOL4) / TCP(sport=80, dport=2000, flags="S")
    s["stateful_udp"] = IP(src=PEER4, dst=POOL4) / UDP(sport=53, dport=1000) / Raw(PAYLOAD)
    s["stateful_echo_reply"] = IP(src=PEER4, dst=POOL4) / ICMP(type=0, id=99, seq=5)
    s["reserved_src"] = IP(src="127.0.0.1", dst=VM4) / UDP(sport=1, dport=2)
    return s


def router_solicitations():
    """Ethernet frames for fuzz_rs: valid RSs (RFC 4861 §4.1, §6.1.1) as a
    VM sends them, with and without the source link-layer address option,
    from :: during address configuration, and one with an unknown option."""
    mac = "52:54:00:12:34:56"
    dst = {"dst": "33:33:00:00:00:02", "src": mac}
    ll = "fe80::5054:ff:fe12:3456"
    s = {}
    s["rs_sllao"] = Ether(**dst) / IPv6(src=ll, dst="ff02::2", hlim=255) / ICMPv6ND_RS() / ICMPv6NDOptSrcLLAddr(lladdr=mac)
    s["rs_plain"] = Ether(**dst) / IPv6(src=ll, dst="ff02::2", hlim=255) / ICMPv6ND_RS()
    s["rs_unspecified"] = Ether(**dst) / IPv6(src="::", dst="ff02::2", hlim=255) / ICMPv6ND_RS()
    s["rs_unknown_option"] = (Ether(**dst) / IPv6(src=ll, dst="ff02::2", hlim=255) / ICMPv6ND_RS()
                              / ICMPv6NDOptSrcLLAddr(lladdr=mac) / ICMPv6NDOptUnknown(type=200, len=1, data=b"\0" * 6))
    return s


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_seeds.py OUTDIR")
    out = sys.argv[1]
    total = 0
    for target, seeds in (("fuzz_6to4", six_to_four()), ("fuzz_4to6", four_to_six()),
                          ("fuzz_rs", router_solicitations())):
        d = os.path.join(out, target)
        os.makedirs(d, exist_ok=True)
        for name, pkt in seeds.items():
            with open(os.path.join(d, name + ".bin"), "wb") as f:
                f.write(bytes(pkt))
        total += len(seeds)
        print(f"make_seeds: {len(seeds)} seeds in {d}")
    print(f"make_seeds: {total} seeds written")


if __name__ == "__main__":
    main()
