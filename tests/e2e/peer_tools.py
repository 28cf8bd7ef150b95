#!/usr/bin/env python3
"""Servers for the stateful NAT64 end-to-end tests (stateful_test.sh,
flood_test.sh) that report the transport address each client came from,
so a test can show what the translator made of its sources (RFC 6146: the
pool4 address and the port it allocated), and a UDP client for them.

  peer_tools.py http ADDR PORT DIR   http.server serving DIR; each access
                                     log line starts with "ADDR#PORT"
  peer_tools.py udp-echo ADDR PORT   answers each datagram with
                                     "ADDR#PORT LENGTH FIRST-16-BYTES" of
                                     its sender, and logs that line
  peer_tools.py udp-sink ADDR PORT   counts datagrams and distinct sender
                                     transport addresses; prints "datagrams
                                     N peers M addresses A [ADDR ...]" once
                                     a second when they changed
  peer_tools.py udp-ask SRC DST PORT TEXT
                                     sends TEXT from SRC (the kernel picks
                                     the port) to DST#PORT and prints the
                                     first answer; exit status 1 if none
                                     comes within 5 s

Output is line-buffered on stdout (the test's log file).  Only the
standard library: Debian's python3 is all the tests need.
"""

import functools
import http.server
import socket
import sys
import time


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def transport(peer):
    return "%s#%d" % (peer[0], peer[1])


def serve_http(addr, port, directory):
    class Handler(http.server.SimpleHTTPRequestHandler):
        def address_string(self):
            return transport(self.client_address)

    class Server(http.server.ThreadingHTTPServer):
        address_family = family(addr)

    handler = functools.partial(Handler, directory=directory)
    with Server((addr, port), handler) as server:
        server.serve_forever()


def udp_socket(addr, port):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((addr, port))
    return s


def udp_echo(addr, port):
    s = udp_socket(addr, port)
    while True:
        data, peer = s.recvfrom(65535)
        line = b"%s %d %s" % (transport(peer).encode(), len(data), data[:16].strip())
        print(line.decode(errors="replace"))
        s.sendto(line + b"\n", peer)


def udp_sink(addr, port):
    s = udp_socket(addr, port)
    s.settimeout(0.5)
    datagrams, printed, last = 0, -1, 0.0
    peers = set()
    while True:
        try:
            _, peer = s.recvfrom(65535)
            datagrams += 1
            peers.add(peer[:2])
        except socket.timeout:
            pass
        now = time.monotonic()
        if datagrams != printed and now - last >= 1.0:
            addresses = sorted({p[0] for p in peers})
            print("datagrams %d peers %d addresses %d %s"
                  % (datagrams, len(peers), len(addresses), " ".join(addresses[:8])))
            printed, last = datagrams, now


def udp_ask(src, dst, port, text):
    s = socket.socket(family(dst), socket.SOCK_DGRAM)
    s.settimeout(5.0)
    s.bind((src, 0))
    s.sendto(text.encode(), (dst, port))
    try:
        print(s.recv(65535).decode(errors="replace").rstrip("\n"))
    except socket.timeout:
        print("no answer within 5 s")
        sys.exit(1)


def main(argv):
    sys.stdout.reconfigure(line_buffering=True)
    if len(argv) == 5 and argv[1] == "http":
        serve_http(argv[2], int(argv[3]), argv[4])
    elif len(argv) == 4 and argv[1] == "udp-echo":
        udp_echo(argv[2], int(argv[3]))
    elif len(argv) == 4 and argv[1] == "udp-sink":
        udp_sink(argv[2], int(argv[3]))
    elif len(argv) == 6 and argv[1] == "udp-ask":
        udp_ask(argv[2], argv[3], int(argv[4]), argv[5])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
