#!/usr/bin/env python3
"""Router Solicitations and Router Advertisements for the end-to-end test of
nat64d's router (ra_dns64_test.sh), run inside a VM namespace.

  ra_tools.py solicit IFACE [--unspecified] [--timeout S]
      sends one RS to ff02::2 and prints the RA that answers it: from
      IFACE's link-local address with a Source Link-Layer Address option,
      answered by a unicast RA to that address; with --unspecified from ::
      without the option (RFC 4861 §4.1), answered to ff02::1.  Exit 1,
      printing "no RA", if none comes within S seconds (default 2).
  ra_tools.py solicit IFACE --unspecified --after-ra [--timeout S]
      the answer to an RS from :: told apart from the router's scheduled
      RAs: one RS from :: first, whose answer (or any RA to ff02::1) must
      come within S seconds; right after it, a second RS from ::, and the
      next RA to ff02::1 within S seconds of the first is printed, with
      "since_ra_ms" (the time between the two).  After a multicast RA the
      router's next scheduled one is at least 16 s away (RFC 4861 §6.2.4,
      §6.2.6: a multicast answer resets the interval timer), and the answer
      waits MIN_DELAY_BETWEEN_RAS (3 s) after the previous multicast RA, so
      an answer comes about 3 s after the first, a scheduled RA never
      that soon.  Exit 1, printing "no RA", if either is missing.
  ra_tools.py latency IFACE COUNT [--timeout S]
      COUNT RSes from the link-local address, one at a time, each waiting
      for its unicast RA; prints "RS->RA latency over COUNT: min X ms,
      median Y ms, max Z ms, p99 W ms" and "answered N of COUNT"; exit 1 unless all
      were answered within S seconds (default 2).
  ra_tools.py flood IFACE SECONDS
      sends valid RSs from IFACE's link-local address back to back for
      SECONDS (a misbehaving guest) and prints how many.
  ra_tools.py watch IFACE SECONDS [--decode]
      prints every RA IFACE receives within SECONDS, one line each
      ("ra from SRC to DST"); with --decode each followed by its "key
      value" lines, indented by two spaces.
  ra_tools.py advertise IFACE PREFIX
      sends one RA from IFACE's link-local address to ff02::1 offering
      PREFIX (a /64) and itself as default router: a rogue router.
  ra_tools.py selftest
      decodes RAs crafted with scapy and checks every field; exit 1 on a
      mismatch.

An RA is printed as "key value" lines, one option a line, so a shell test
can match each field:

  eth_src 02:65:6d:88:39:d9        eth_dst 52:54:...      (one line each)
  ip_src fe80::...  ip_dst fe80::...  hop_limit 255  checksum ok
  cur_hop_limit 64  flags M=0 O=0  router_lifetime 1800
  reachable_time 0  retrans_timer 0
  slla 02:65:6d:88:39:d9
  mtu 1450
  pio 2001:db8:1::/64 L=1 A=1 valid=2592000 preferred=604800
  rdnss lifetime=1800 2001:db8:1::1
  pref64 2001:db8:64::/96 plc=0 scaled_lifetime=225 lifetime=1800
  option_types 1 5 3 25 38
  latency_ms 0.412

scapy builds the frames; the decoder is our own, because scapy 2.5 has
no class for the PREF64 option (RFC 8781, type 38).  Frames go through
an AF_PACKET socket, so the latency is not scapy's sniffing overhead.
"""

import ipaddress
import select
import socket
import statistics
import struct
import sys
import time

ETH_P_IPV6 = 0x86DD
PACKET_OUTGOING = 4
ICMPV6 = 58
RS, RA = 133, 134
ALL_NODES, ALL_ROUTERS = "ff02::1", "ff02::2"
# RFC 8781 §4: Prefix Length Code -> prefix length.
PLC_LENGTH = {0: 96, 1: 64, 2: 56, 3: 48, 4: 40, 5: 32}


def mac_text(b):
    return ":".join("%02x" % x for x in b)


def ip6_text(b):
    return str(ipaddress.IPv6Address(bytes(b)))


def checksum_ok(ip_src, ip_dst, icmp):
    """RFC 4443 §2.3: the ICMPv6 checksum over the pseudo-header."""
    data = ip_src + ip_dst + struct.pack("!IxxxB", len(icmp), ICMPV6) + icmp
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total == 0xFFFF


def decode_options(opts):
    """RFC 4861 §4.6 options: list of (line, type); raises ValueError."""
    lines, types = [], []
    while opts:
        if len(opts) < 2 or opts[1] == 0 or 8 * opts[1] > len(opts):
            raise ValueError("bad option length at %r" % opts[:2])
        kind, body, opts = opts[0], opts[: 8 * opts[1]], opts[8 * opts[1]:]
        types.append(str(kind))
        if kind == 1:  # Source Link-Layer Address, RFC 4861 §4.6.1
            lines.append("slla " + mac_text(body[2:8]))
        elif kind == 5:  # MTU, §4.6.4
            lines.append("mtu %d" % struct.unpack("!I", body[4:8]))
        elif kind == 3:  # Prefix Information, §4.6.2
            plen, flags, valid, preferred = struct.unpack("!BBII", body[2:12])
            net = ipaddress.IPv6Network((bytes(body[16:32]), plen), strict=False)
            lines.append("pio %s L=%d A=%d valid=%d preferred=%d"
                         % (net, flags >> 7, (flags >> 6) & 1, valid, preferred))
        elif kind == 25:  # Recursive DNS Server, RFC 8106 §5.1
            (lifetime,) = struct.unpack("!I", body[4:8])
            servers = [ip6_text(body[i:i + 16]) for i in range(8, len(body) - 15, 16)]
            lines.append("rdnss lifetime=%d %s" % (lifetime, " ".join(servers)))
        elif kind == 38:  # PREF64, RFC 8781 §4: 13-bit scaled lifetime, 3-bit PLC
            (word,) = struct.unpack("!H", body[2:4])
            scaled, plc = word >> 3, word & 7
            length = PLC_LENGTH.get(plc)
            prefix = bytes(body[4:16]) + bytes(4)
            if length is None:
                shown = ip6_text(prefix) + "/?"
            else:  # bits past the length must be sent as zero (RFC 8781 §4)
                net = ipaddress.IPv6Network((prefix, length), strict=False)
                shown = str(net) + ("" if net.network_address.packed == prefix else " tail=nonzero")
            lines.append("pref64 %s plc=%d scaled_lifetime=%d lifetime=%d"
                         % (shown, plc, scaled, 8 * scaled))
        else:
            lines.append("option %d length %d" % (kind, body[1]))
    return lines, types


def decode_ra(frame):
    """The lines describing frame if it is an ICMPv6 RA, else None."""
    if len(frame) < 14 + 40 + 16 or struct.unpack("!H", frame[12:14])[0] != ETH_P_IPV6:
        return None
    ip = frame[14:]
    (plen,) = struct.unpack("!H", ip[4:6])
    if ip[6] != ICMPV6 or ip[40] != RA or 40 + plen > len(ip):
        return None
    src, dst, icmp = ip[8:24], ip[24:40], ip[40:40 + plen]
    cur_hop, flags, lifetime, reachable, retrans = struct.unpack("!BBHII", icmp[4:16])
    lines = [
        "eth_dst " + mac_text(frame[0:6]),
        "eth_src " + mac_text(frame[6:12]),
        "ip_src " + ip6_text(src),
        "ip_dst " + ip6_text(dst),
        "hop_limit %d" % ip[7],
        "checksum " + ("ok" if checksum_ok(src, dst, icmp) else "bad"),
        "icmp_code %d" % icmp[1],
        "cur_hop_limit %d" % cur_hop,
        "flags M=%d O=%d" % (flags >> 7, (flags >> 6) & 1),
        "router_lifetime %d" % lifetime,
        "reachable_time %d" % reachable,
        "retrans_timer %d" % retrans,
    ]
    try:
        opts, types = decode_options(icmp[16:])
    except ValueError as e:
        return lines + ["options invalid: %s" % e]
    return lines + opts + ["option_types " + " ".join(types)]


class Port:
    """An AF_PACKET socket on one interface, with its MAC and link-local."""

    def __init__(self, iface):
        self.iface = iface
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IPV6))
        self.sock.bind((iface, ETH_P_IPV6))
        with open("/sys/class/net/%s/address" % iface) as f:
            self.mac = f.read().strip()
        self.link_local = None
        with open("/proc/net/if_inet6") as f:
            for line in f:  # address, ifindex, prefix length, scope, flags, name
                addr, _, _, scope, _, name = line.split()
                if name == iface and scope == "20":
                    self.link_local = str(ipaddress.IPv6Address(bytes.fromhex(addr)))

    def send(self, frame):
        self.sock.send(frame)

    def wait_ra(self, deadline, dst=None):
        """(frame, arrival) of the first RA received (to dst if given) before
        deadline (time.monotonic()), else (None, None)."""
        want = socket.inet_pton(socket.AF_INET6, dst) if dst else None
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                return None, None
            frame, addr = self.sock.recvfrom(65535)
            arrival = time.monotonic()
            if addr[2] == PACKET_OUTGOING or decode_ra(frame) is None:
                continue
            if want is None or frame[14 + 24:14 + 40] == want:
                return frame, arrival


def rs_frame(port, unspecified=False):
    from scapy.layers.inet6 import IPv6, ICMPv6ND_RS, ICMPv6NDOptSrcLLAddr
    from scapy.layers.l2 import Ether
    if unspecified:  # RFC 4861 §4.1: no Source Link-Layer Address option from ::
        pkt = (Ether(src=port.mac, dst="33:33:00:00:00:02")
               / IPv6(src="::", dst=ALL_ROUTERS, hlim=255) / ICMPv6ND_RS())
    else:
        pkt = (Ether(src=port.mac, dst="33:33:00:00:00:02")
               / IPv6(src=port.link_local, dst=ALL_ROUTERS, hlim=255)
               / ICMPv6ND_RS() / ICMPv6NDOptSrcLLAddr(lladdr=port.mac))
    return bytes(pkt)


def solicit(port, unspecified, timeout):
    """Sends one RS; returns (RA frame or None, latency in s)."""
    frame = rs_frame(port, unspecified)
    dst = ALL_NODES if unspecified else port.link_local
    sent = time.monotonic()
    port.send(frame)
    ra, arrival = port.wait_ra(sent + timeout, dst)
    return ra, (arrival - sent) if ra else None


def cmd_solicit(iface, unspecified, timeout):
    port = Port(iface)
    if not unspecified and port.link_local is None:
        sys.exit("%s has no link-local address" % iface)
    ra, latency = solicit(port, unspecified, timeout)
    if ra is None:
        print("no RA within %g s" % timeout)
        return 1
    print("\n".join(decode_ra(ra)))
    print("latency_ms %.3f" % (latency * 1000))
    return 0


def cmd_solicit_after_ra(iface, timeout):
    port = Port(iface)
    frame = rs_frame(port, True)  # built (scapy imported) before the clock runs
    answers = []
    for what in ("the first RS", "the previous RA"):
        start = answers[-1][1] if answers else time.monotonic()
        sent = time.monotonic()
        port.send(frame)
        ra, arrival = port.wait_ra(start + timeout, ALL_NODES)
        if ra is None:
            print("no RA to %s within %g s of %s" % (ALL_NODES, timeout, what))
            return 1
        answers.append((ra, arrival, sent))
    (_, first_at, _), (ra, arrival, sent) = answers
    print("\n".join(decode_ra(ra)))
    print("latency_ms %.3f" % ((arrival - sent) * 1000))
    print("since_ra_ms %.3f" % ((arrival - first_at) * 1000))
    return 0


def cmd_latency(iface, count, timeout):
    port = Port(iface)
    if port.link_local is None:
        sys.exit("%s has no link-local address" % iface)
    times = []
    for i in range(count):
        ra, latency = solicit(port, False, timeout)
        if ra is None:
            print("RS %d: no RA to %s within %g s" % (i + 1, port.link_local, timeout))
        else:
            times.append(latency * 1000)
        # Past this RS's RA, so the next RS starts clean (a late duplicate
        # would otherwise count as the next answer).
        time.sleep(0.05)
        port.sock.setblocking(False)
        try:
            while port.sock.recv(65535):
                pass
        except BlockingIOError:
            pass
        port.sock.setblocking(True)
    if times:
        p99 = sorted(times)[min(len(times) - 1, int(len(times) * 0.99))]
        print("RS->RA latency over %d: min %.3f ms, median %.3f ms, max %.3f ms, p99 %.3f ms"
              % (len(times), min(times), statistics.median(times), max(times), p99))
    print("answered %d of %d within %g s" % (len(times), count, timeout))
    return 0 if len(times) == count else 1


def cmd_flood(iface, seconds):
    """A misbehaving guest: valid RSs back to back for 'seconds'."""
    port = Port(iface)
    if port.link_local is None:
        sys.exit("%s has no link-local address" % iface)
    frame = rs_frame(port)
    sent = dropped = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for _ in range(64):
            try:
                port.sock.send(frame)
                sent += 1
            except OSError:  # ENOBUFS: the interface's queue is full
                dropped += 1
    print("flood: %d RSs sent in %g s (%.0f/s), %d refused by the local queue"
          % (sent, seconds, sent / seconds, dropped))
    return 0


def cmd_watch(iface, seconds, decode=False):
    port = Port(iface)
    deadline = time.monotonic() + seconds
    while True:
        ra, _ = port.wait_ra(deadline)
        if ra is None:
            return 0
        decoded = decode_ra(ra)
        lines = dict(line.split(" ", 1) for line in decoded if " " in line)
        print("ra from %s to %s" % (lines["ip_src"], lines["ip_dst"]), flush=True)
        if decode:
            for line in decoded:
                print("  " + line, flush=True)


def cmd_advertise(iface, prefix):
    from scapy.layers.inet6 import (IPv6, ICMPv6ND_RA, ICMPv6NDOptPrefixInfo,
                                    ICMPv6NDOptSrcLLAddr)
    from scapy.layers.l2 import Ether
    port = Port(iface)
    net = ipaddress.IPv6Network(prefix)
    pkt = (Ether(src=port.mac, dst="33:33:00:00:00:01")
           / IPv6(src=port.link_local, dst=ALL_NODES, hlim=255)
           / ICMPv6ND_RA(routerlifetime=1800, prf=1)
           / ICMPv6NDOptSrcLLAddr(lladdr=port.mac)
           / ICMPv6NDOptPrefixInfo(prefix=str(net.network_address), prefixlen=net.prefixlen,
                                   L=1, A=1, validlifetime=3600, preferredlifetime=3600))
    port.send(bytes(pkt))
    return 0


def crafted_ra(pref64_prefix, plen, scaled, plc, mtu):
    """An RA as nat64d should send it, built with scapy; PREF64 as raw bytes."""
    from scapy.layers.inet6 import (IPv6, ICMPv6ND_RA, ICMPv6NDOptMTU, ICMPv6NDOptPrefixInfo,
                                    ICMPv6NDOptRDNSS, ICMPv6NDOptSrcLLAddr)
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw
    top96 = socket.inet_pton(socket.AF_INET6, pref64_prefix)[:12]
    pref64 = struct.pack("!BBH", 38, 2, scaled << 3 | plc) + top96
    pkt = (Ether(src="02:65:6d:88:39:d9", dst="52:54:00:12:34:56")
           / IPv6(src="fe80::65:6dff:fe88:39d9", dst="fe80::5054:ff:fe12:3456", hlim=255)
           / ICMPv6ND_RA(chlim=64, routerlifetime=1800)
           / ICMPv6NDOptSrcLLAddr(lladdr="02:65:6d:88:39:d9")
           / ICMPv6NDOptMTU(mtu=mtu)
           / ICMPv6NDOptPrefixInfo(prefix="2001:db8:1::", prefixlen=plen, L=1, A=int(plen == 64),
                                   validlifetime=2592000, preferredlifetime=604800)
           / ICMPv6NDOptRDNSS(lifetime=1800, dns=["2001:db8:1::1", "2001:db8:53::53"])
           / Raw(pref64))
    return bytes(pkt)


def cmd_selftest():
    cases = [
        (crafted_ra("2001:db8:64::", 64, 225, 0, 1450), [
            "eth_src 02:65:6d:88:39:d9", "eth_dst 52:54:00:12:34:56",
            "ip_src fe80::65:6dff:fe88:39d9", "ip_dst fe80::5054:ff:fe12:3456",
            "hop_limit 255", "checksum ok", "icmp_code 0", "cur_hop_limit 64", "flags M=0 O=0",
            "router_lifetime 1800", "reachable_time 0", "retrans_timer 0",
            "slla 02:65:6d:88:39:d9", "mtu 1450",
            "pio 2001:db8:1::/64 L=1 A=1 valid=2592000 preferred=604800",
            "rdnss lifetime=1800 2001:db8:1::1 2001:db8:53::53",
            "pref64 2001:db8:64::/96 plc=0 scaled_lifetime=225 lifetime=1800",
            "option_types 1 5 3 25 38"]),
        (crafted_ra("64:ff9b:1:ff00::", 56, 8191, 2, 1500), [
            "mtu 1500", "pio 2001:db8:1::/56 L=1 A=0 valid=2592000 preferred=604800",
            "pref64 64:ff9b:1:ff00::/56 plc=2 scaled_lifetime=8191 lifetime=65528"]),
        (crafted_ra("2001:db8:122:344::", 64, 1, 1, 1280), [
            "pref64 2001:db8:122:344::/64 plc=1 scaled_lifetime=1 lifetime=8"]),
        (crafted_ra("2001:db8:122:344:1::", 64, 0, 1, 1280), [
            "pref64 2001:db8:122:344::/64 tail=nonzero plc=1 scaled_lifetime=0 lifetime=0"]),
    ]
    bad = 0
    for frame, want in cases:
        got = decode_ra(frame)
        for line in want:
            if line not in got:
                print("selftest: missing %r in %r" % (line, got))
                bad += 1
    corrupt = bytearray(cases[0][0])
    corrupt[-1] ^= 1
    if "checksum bad" not in decode_ra(bytes(corrupt)):
        print("selftest: a corrupted RA passed the checksum")
        bad += 1
    print("selftest: %s" % ("ok" if not bad else "%d mismatches" % bad))
    return 1 if bad else 0


def main(argv):
    sys.stdout.reconfigure(line_buffering=True)
    args = argv[1:]
    timeout = 2.0
    if "--timeout" in args:
        i = args.index("--timeout")
        timeout = float(args[i + 1])
        del args[i:i + 2]
    unspecified = "--unspecified" in args
    decode = "--decode" in args
    after_ra = "--after-ra" in args
    args = [a for a in args if a not in ("--unspecified", "--decode", "--after-ra")]
    if args[:1] == ["solicit"] and len(args) == 2 and after_ra:
        if not unspecified:
            sys.exit("--after-ra needs --unspecified")
        return cmd_solicit_after_ra(args[1], timeout)
    if args[:1] == ["solicit"] and len(args) == 2:
        return cmd_solicit(args[1], unspecified, timeout)
    if args[:1] == ["latency"] and len(args) == 3:
        return cmd_latency(args[1], int(args[2]), timeout)
    if args[:1] == ["flood"] and len(args) == 3:
        return cmd_flood(args[1], float(args[2]))
    if args[:1] == ["watch"] and len(args) == 3:
        return cmd_watch(args[1], float(args[2]), decode)
    if args[:1] == ["advertise"] and len(args) == 3:
        return cmd_advertise(args[1], args[2])
    if args == ["selftest"]:
        return cmd_selftest()
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
