#!/usr/bin/python3
"""Generates demo.pcap, the capture translated by scripts/demo-translate.sh.

The scenario matches instance.json: IPv6-only VMs in 2001:db8:6::/120 are
known to the IPv4 world as 192.0.2.0/24 (EAMT), an IPv4-only mail server
203.0.113.25 has the IPv6 name 2001:db8:44::25 (EAMT), and the rest of the
IPv4 internet is reached through pool6 64:ff9b::/96.  The internet hosts have
global addresses (9.9.9.9, 93.184.216.34 = example.com, 1.2.3.4), not the
documentation ranges: RFC 6052 §3.1 forbids the Well-Known Prefix with
non-global IPv4 addresses, and the translator enforces it.  The EAMT side may
use documentation ranges because explicit mappings bypass that rule.

Packets (Ethernet; the index is the one nat64ctl prints and logs):
   0  VM -> DNS server via pool6, UDP            translated 6->4
   1  DNS answer from IPv4, UDP                  translated 4->6
   2  VM -> web server via pool6, TCP SYN        translated 6->4
   3  SYN-ACK from IPv4                          translated 4->6
   4  VM pings the web server (VLAN 100)         translated 6->4, tag kept
   5  echo reply from IPv4 (VLAN 100)            translated 4->6, tag kept
   6  VM -> mail server's EAMT name, TCP         translated 6->4
   7  VM sends UDP with hop limit 1              ICMPv6 time exceeded back to the VM
   8  VM -> 64:ff9b::7f00:1 (127.0.0.1)          dropped: reserved address
   9  first fragment of a VM's UDP datagram      translated to an IPv4 fragment
  10  second fragment                            translated to an IPv4 fragment
  11  1500-byte IPv4 packet with DF              ICMP "fragmentation needed" back (IPv6 MTU)
  12  1500-byte IPv4 packet without DF           translated into IPv6 fragments
  13  IPv4 client -> VM's EAMT address 192.0.2.80, TCP SYN   translated 4->6
  14  the VM's SYN-ACK                           translated 6->4
  15  ARP request                                dropped: not IP
  16  IPv6 host without any mapping -> pool6     ICMPv6 error: its source has no mapping

Requires python3-scapy (Debian; hence /usr/bin/python3).  Usage: make_demo_pcap.py [OUT.pcap]
The output is deterministic, so the committed demo.pcap can be regenerated.
"""

import os
import sys

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Dot1Q, Ether, ICMPv6EchoRequest, IPv6,
                       IPv6ExtHdrFragment, Padding, Raw, wrpcap)

VM_MAC = "02:00:00:00:06:10"
GW_MAC = "02:00:00:00:00:64"  # the translator's bridge port

VM6 = "2001:db8:6::10"        # 192.0.2.16 through EAMT
VM4 = "192.0.2.16"
WEB_VM6 = "2001:db8:6::50"    # 192.0.2.80 through EAMT
WEB_VM4 = "192.0.2.80"
MAIL6 = "2001:db8:44::25"     # IPv4-only mail server's EAMT name
MAIL4 = "203.0.113.25"
DNS4 = "9.9.9.9"
WEB4 = "93.184.216.34"
CLIENT4 = "1.2.3.4"           # an IPv4-only client on the internet


def pool6(v4):
    """RFC 6052 /96 embedding in 64:ff9b::/96."""
    a, b, c, d = (int(x) for x in v4.split("."))
    return "64:ff9b::%x:%x" % (a << 8 | b, c << 8 | d)


def from_vm(l3, vlan=None):
    eth = Ether(src=VM_MAC, dst=GW_MAC)
    return eth / Dot1Q(vlan=vlan) / l3 if vlan else eth / l3


def to_vm(l3, vlan=None):
    eth = Ether(src=GW_MAC, dst=VM_MAC)
    return eth / Dot1Q(vlan=vlan) / l3 if vlan else eth / l3


def udp_fragments(src, dst, sport, dport, payload, first_len, ident):
    """The two IPv6 fragments of one UDP datagram (checksum over the whole)."""
    whole = bytes(IPv6(src=src, dst=dst) / UDP(sport=sport, dport=dport) / Raw(payload))[40:]
    parts = [(0, 1, whole[:first_len]), (first_len // 8, 0, whole[first_len:])]
    return [IPv6(src=src, dst=dst) /
            IPv6ExtHdrFragment(nh=17, offset=ofs, m=more, id=ident) / Raw(data)
            for ofs, more, data in parts]


def packets():
    dns_query = bytes.fromhex("123401000001000000000000076578616d706c6503636f6d0000010001")
    frag1, frag2 = udp_fragments(VM6, pool6(DNS4), 40001, 9000, bytes(range(256)) * 4, 512,
                                 0x5151)
    return [
        from_vm(IPv6(src=VM6, dst=pool6(DNS4)) / UDP(sport=40000, dport=53) / Raw(dns_query)),
        to_vm(IP(src=DNS4, dst=VM4, id=1) / UDP(sport=53, dport=40000) /
              Raw(dns_query[:2] + b"\x81\x80" + dns_query[4:])),
        from_vm(IPv6(src=VM6, dst=pool6(WEB4)) /
                TCP(sport=40002, dport=443, flags="S", seq=1000, window=64800)),
        to_vm(IP(src=WEB4, dst=VM4, id=2, flags="DF") /
              TCP(sport=443, dport=40002, flags="SA", seq=5000, ack=1001, window=65535)),
        from_vm(IPv6(src=VM6, dst=pool6(WEB4)) / ICMPv6EchoRequest(id=7, seq=1, data=b"ping"),
                vlan=100),
        to_vm(IP(src=WEB4, dst=VM4, id=3) / ICMP(type=0, id=7, seq=1) / Raw(b"ping"), vlan=100),
        from_vm(IPv6(src=VM6, dst=MAIL6) / TCP(sport=40003, dport=25, flags="S", seq=2000)),
        from_vm(IPv6(src=VM6, dst=pool6(DNS4), hlim=1) / UDP(sport=40004, dport=33434) /
                Raw(b"traceroute")),
        from_vm(IPv6(src=VM6, dst=pool6("127.0.0.1")) / UDP(sport=40005, dport=7) / Raw(b"x")),
        from_vm(frag1),
        from_vm(frag2),
        to_vm(IP(src=WEB4, dst=VM4, id=4, flags="DF") /
              TCP(sport=443, dport=40002, flags="A", seq=5001, ack=1001) / Raw(b"D" * 1460)),
        to_vm(IP(src=DNS4, dst=VM4, id=5) / UDP(sport=9000, dport=40001) / Raw(b"U" * 1472)),
        to_vm(IP(src=CLIENT4, dst=WEB_VM4, id=6) /
              TCP(sport=50000, dport=80, flags="S", seq=3000)),
        from_vm(IPv6(src=WEB_VM6, dst=pool6(CLIENT4)) /
                TCP(sport=80, dport=50000, flags="SA", seq=9000, ack=3001)),
        Ether(src=VM_MAC, dst="ff:ff:ff:ff:ff:ff") /
        ARP(op=1, hwsrc=VM_MAC, psrc=VM4, pdst="192.0.2.1"),
        from_vm(IPv6(src="2001:db8:99::1", dst=pool6(WEB4)) /
                UDP(sport=40006, dport=443) / Raw(b"quic")),
    ]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "demo.pcap")
    # Short frames carry the padding a receiver captures (60-byte minimum
    # without FCS), which nat64ctl must not hand to the translator as payload.
    pkts = [p / Padding(load=bytes(60 - len(p))) if len(p) < 60 else p for p in packets()]
    # Fixed timestamps keep the file reproducible; 10 ms apart, except that
    # the two fragments share one millisecond (one translator burst).
    t = 1700000000.0
    for i, p in enumerate(pkts):
        if i != 10:
            t += 0.010
        p.time = t
    wrpcap(out, pkts)
    print("wrote %d packets to %s" % (len(pkts), out))


if __name__ == "__main__":
    main()
