#!/usr/bin/env python3
"""Sends COUNT IPv6 UDP datagrams, each a new flow, as fast as one Python
loop on an AF_PACKET socket can (flood_test.sh).

  udp_flood.py IFACE GW-MAC SRC-PREFIX DST DPORT COUNT SOURCES [PPS]

Datagram i comes from source address SRC-PREFIX + 0xff00:S with
S = i // ceil(COUNT / SOURCES) (so SOURCES addresses of the /64 in front of
it) and source port 10000 + i % ceil(COUNT / SOURCES): every datagram is a
transport address the translator has not seen, i.e. a new BIB entry and
session for a stateful NAT64 (RFC 6146 §3.5.1).  The frames go straight
to GW-MAC (the gateway; no neighbour discovery) with complete UDP
checksums, so nothing depends on the interface's offloads.  PPS, if given
and not 0, paces the loop to about that many datagrams a second.

Prints "sent N datagrams in T s (R per second)".  Only the standard library:
scapy's send loop is a hundred times slower.
"""

import ipaddress
import socket
import struct
import sys
import time

PAYLOAD = b"nat64-flood-test"


def fold(s):
    while s > 0xFFFF:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def words(data):
    if len(data) % 2:
        data += b"\0"
    return sum(struct.unpack("!%dH" % (len(data) // 2), data))


def main(argv):
    if len(argv) not in (8, 9):
        sys.exit(__doc__)
    iface, gw_mac, prefix, dst, dport, count, sources = argv[1:8]
    pps = int(argv[8]) if len(argv) == 9 else 0
    dport, count, sources = int(dport), int(count), int(sources)
    per_source = -(-count // sources)
    if per_source > 55000:
        sys.exit("too few SOURCES: at most 55000 ports per source")

    with open("/sys/class/net/%s/address" % iface) as f:
        src_mac = bytes.fromhex(f.read().strip().replace(":", ""))
    dst_mac = bytes.fromhex(gw_mac.replace(":", ""))
    # The source address with its last 32 bits 0xff00:0000; the loop
    # writes S into the last 16.
    base = ipaddress.IPv6Address(prefix).packed[:12] + b"\xff\x00\x00\x00"
    dst6 = ipaddress.IPv6Address(dst).packed
    udp_len = 8 + len(PAYLOAD)

    frame = bytearray(
        dst_mac + src_mac + b"\x86\xdd"
        # IPv6: version 6, payload length, next header UDP, hop limit 64
        + struct.pack("!IHBB", 6 << 28, udp_len, 17, 64) + base + dst6
        # UDP: source port and checksum filled in per datagram
        + struct.pack("!HHHH", 0, dport, udp_len, 0) + PAYLOAD)
    off_src_low = 14 + 8 + 14  # last 16 bits of the IPv6 source
    off_sport = 14 + 40
    off_csum = off_sport + 6
    # The checksum of everything that stays the same (pseudo-header with
    # the variable source bits zero, the UDP header with port and checksum
    # zero, the payload); each datagram adds S and its port.
    fixed = (words(base) + words(dst6) + udp_len + 17
             + words(struct.pack("!HHHH", 0, dport, udp_len, 0)) + words(PAYLOAD))

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    send = s.send
    pack_into = struct.pack_into
    start = time.monotonic()
    sent = 0
    for i in range(count):
        src, sport = divmod(i, per_source)
        sport += 10000
        csum = 0xFFFF - fold(fixed + src + sport)
        pack_into("!H", frame, off_src_low, src)
        pack_into("!H", frame, off_sport, sport)
        pack_into("!H", frame, off_csum, csum or 0xFFFF)
        try:
            send(frame)
            sent += 1
        except BlockingIOError:
            pass  # the device's queue is full: that datagram is lost
        if pps and i % 256 == 255:
            ahead = start + (i + 1) / pps - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
    took = time.monotonic() - start
    print("sent %d datagrams in %.2f s (%d per second)" % (sent, took, sent / max(took, 1e-6)))


if __name__ == "__main__":
    main(sys.argv)
