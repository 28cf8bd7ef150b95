#!/usr/bin/env python3
"""Runs the RFC conformance vectors through `nat64ctl translate`.

For every case directory (see gen_vectors.py) this runs

    nat64ctl translate --config instance.json --in in.pcap \\
                       --out actual.pcap --log actual.jsonl

and compares actual.pcap with expected.pcap byte for byte, except the fields
the case lists in "ignore" (masked in both packets; a checksum that covers a
masked field is verified to be valid instead of compared).  It also checks the
verdict log: one entry per input, the expected verdict, (when the log has
them) the output indices, and (when the case lists "expect_reasons", as the
stateful cases do) the reason of every entry whose expected reason is not
null.

Prints one PASS/FAIL line per case (with a hex diff on failure) and ends with
"N passed, M failed"; exits non-zero if anything failed.

Usage:
    run_conformance.py --nat64ctl build/bin/nat64ctl --gen --vectors /tmp/vectors
    NAT64CTL=build/bin/nat64ctl run_conformance.py --vectors /tmp/vectors -k 6to4-frag

Python stdlib (+ scapy for --gen and for the decoded summaries on failure).
"""

import argparse
import json
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

LINKTYPE_ETHERNET = 1
RAW_LINKTYPES = {12, 14, 101}  # DLT_RAW (BSD, OpenBSD) and LINKTYPE_RAW name the same thing

IGNORE_KEYS = ("ipv4.id", "ipv6.hlim", "inner.ipv4.id", "inner.l4.checksum", "eth.addr")


# ---------------------------------------------------------------------------
# pcap

def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError("%s: too short for a pcap header (%d bytes)" % (path, len(data)))
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    elif magic == b"\x0a\x0d\x0d\x0a":
        raise ValueError("%s: pcapng is not supported, expected classic pcap" % path)
    else:
        raise ValueError("%s: not a pcap file (magic %s)" % (path, magic.hex()))
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0x0FFFFFFF
    pkts, off = [], 24
    while off < len(data):
        if off + 16 > len(data):
            raise ValueError("%s: truncated record header at %d" % (path, off))
        _, _, caplen, _ = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        if off + caplen > len(data):
            raise ValueError("%s: truncated record at %d" % (path, off))
        pkts.append(data[off:off + caplen])
        off += caplen
    return linktype, pkts


def same_linktype(a, b):
    return a == b or (a in RAW_LINKTYPES and b in RAW_LINKTYPES)


# ---------------------------------------------------------------------------
# Checksums

def inet_sum(data, s=0):
    if len(data) % 2:
        data = bytes(data) + b"\0"
    for i in range(0, len(data), 2):
        s += (data[i] << 8) | data[i + 1]
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def ipv4_header_ok(p, off):
    ihl = (p[off] & 0xF) * 4
    return len(p) >= off + ihl and inet_sum(p[off:off + ihl]) == 0xFFFF


# ---------------------------------------------------------------------------
# Packet layout: where the fields named by "ignore" live

class Layout:
    """Offsets of interesting fields in one packet (None where absent)."""

    def __init__(self, p, linktype):
        self.l3 = 14 if linktype == LINKTYPE_ETHERNET else 0
        self.version = None
        self.v4_id = self.v4_csum = None
        self.v6_hlim = None
        self.icmp = None          # offset of the outer ICMP/ICMPv6 header when it is an error
        self.icmp_v6 = False
        self.v6_src = self.v6_dst = None
        self.inner = None         # offset of the quoted IP header
        self.inner_v4_id = self.inner_v4_csum = None
        self.inner_l4_csum = None
        self._parse(p)

    def _parse(self, p):
        o = self.l3
        if len(p) < o + 1:
            return
        self.version = p[o] >> 4
        if self.version == 4 and len(p) >= o + 20:
            self.v4_id, self.v4_csum = o + 4, o + 10
            ihl = (p[o] & 0xF) * 4
            frag = struct.unpack("!H", p[o + 6:o + 8])[0] & 0x3FFF
            if p[o + 9] == 1 and not frag and len(p) >= o + ihl + 8 and p[o + ihl] in (3, 11, 12):
                self.icmp = o + ihl
        elif self.version == 6 and len(p) >= o + 40:
            self.v6_hlim = o + 7
            self.v6_src, self.v6_dst = p[o + 8:o + 24], p[o + 24:o + 40]
            nh, l4 = self._skip_ext6(p, o)
            if nh == 58 and l4 is not None and len(p) >= l4 + 8 and p[l4] in (1, 2, 3, 4):
                self.icmp, self.icmp_v6 = l4, True
        if self.icmp is not None:
            self._parse_inner(p, self.icmp + 8)

    @staticmethod
    def _skip_ext6(p, o):
        """Returns (upper-layer protocol, offset) or (nh, None) for a non-first
        fragment or a truncated header chain."""
        nh, off = p[o + 6], o + 40
        while nh in (0, 43, 44, 60):
            if len(p) < off + 8:
                return nh, None
            if nh == 44:
                if struct.unpack("!H", p[off + 2:off + 4])[0] & 0xFFF8:
                    return p[off], None
                nh, off = p[off], off + 8
                continue
            nh, off = p[off], off + (p[off + 1] + 1) * 8
        return nh, off

    def _parse_inner(self, p, o):
        if len(p) < o + 1:
            return
        self.inner = o
        v = p[o] >> 4
        proto, l4 = None, None
        if v == 4 and len(p) >= o + 20:
            self.inner_v4_id, self.inner_v4_csum = o + 4, o + 10
            ihl = (p[o] & 0xF) * 4
            if not struct.unpack("!H", p[o + 6:o + 8])[0] & 0x1FFF:
                proto, l4 = p[o + 9], o + ihl
        elif v == 6 and len(p) >= o + 40:
            proto, l4 = self._skip_ext6(p, o)
        if l4 is not None:
            field = {6: 16, 17: 6, 1: 2, 58: 2}.get(proto)
            if field is not None and len(p) >= l4 + field + 2:
                self.inner_l4_csum = l4 + field


def icmp_checksum_ok(p, lay):
    seg = p[lay.icmp:]
    if lay.icmp_v6:
        pseudo = lay.v6_src + lay.v6_dst + struct.pack("!IxxxB", len(seg), 58)
        return inet_sum(pseudo + seg) == 0xFFFF
    return inet_sum(seg) == 0xFFFF


def apply_ignore(actual, expected, ignore, linktype):
    """Masks the ignored fields in both packets.  Returns (masked_actual,
    masked_expected, masked_offsets, problems) where problems lists checksums
    that had to be verified instead of compared and were wrong."""
    a, e = bytearray(actual), bytearray(expected)
    la, le = Layout(actual, linktype), Layout(expected, linktype)
    masked, problems = set(), []

    def mask(off_a, off_e, n):
        for off, buf in ((off_a, a), (off_e, e)):
            if off is None:
                continue
            for i in range(off, min(off + n, len(buf))):
                buf[i] = 0
                masked.add(i)

    verify_ipv4, verify_inner_ipv4, verify_icmp = False, False, False
    for key in ignore:
        if key == "ipv4.id":
            mask(la.v4_id, le.v4_id, 2)
            mask(la.v4_csum, le.v4_csum, 2)
            verify_ipv4 = True
        elif key == "ipv6.hlim":
            mask(la.v6_hlim, le.v6_hlim, 1)
        elif key == "inner.ipv4.id":
            mask(la.inner_v4_id, le.inner_v4_id, 2)
            mask(la.inner_v4_csum, le.inner_v4_csum, 2)
            if le.icmp is not None:
                mask(la.icmp and la.icmp + 2, le.icmp + 2, 2)
            verify_inner_ipv4 = verify_icmp = True
        elif key == "inner.l4.checksum":
            mask(la.inner_l4_csum, le.inner_l4_csum, 2)
            if le.icmp is not None:
                mask(la.icmp and la.icmp + 2, le.icmp + 2, 2)
            verify_icmp = True
        elif key == "eth.addr":
            if linktype == LINKTYPE_ETHERNET:
                mask(0, 0, 12)
        else:
            problems.append("unknown ignore key %r in case.json" % key)

    if verify_ipv4 and la.version == 4 and not ipv4_header_ok(actual, la.l3):
        problems.append("IPv4 header checksum invalid")
    if verify_inner_ipv4 and la.inner_v4_csum is not None and not ipv4_header_ok(actual, la.inner):
        problems.append("inner IPv4 header checksum invalid")
    if verify_icmp and la.icmp is not None and not icmp_checksum_ok(actual, la):
        problems.append("outer ICMP checksum invalid")
    return bytes(a), bytes(e), masked, problems


# ---------------------------------------------------------------------------
# Reporting

def summary(p, linktype):
    """One-line decoded view of a packet (scapy, best effort)."""
    try:
        import logging
        logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
        from scapy.layers.inet import IP
        from scapy.layers.inet6 import IPv6
        from scapy.layers.l2 import Ether
        if linktype == LINKTYPE_ETHERNET:
            return Ether(p).summary()
        return (IP(p) if p and p[0] >> 4 == 4 else IPv6(p)).summary()
    except Exception:  # noqa: BLE001 - scapy missing or packet unparsable
        return "%d bytes" % len(p)


def hex_diff(actual, expected, masked_offsets, max_rows=48):
    """Side-by-side hex rows (a list of lines), 16 bytes each; '!' marks rows
    that differ; '__' in the expected column stands for a masked byte (the
    actual column shows what was received)."""
    out = ["      %-47s   %s" % ("expected", "actual")]
    n = max(len(actual), len(expected))
    rows = []
    for off in range(0, n, 16):
        def cell(buf, i, hide):
            if i >= len(buf):
                return "  "
            return "__" if hide and i in masked_offsets else "%02x" % buf[i]
        ce = " ".join(cell(expected, i, True) for i in range(off, off + 16))
        ca = " ".join(cell(actual, i, False) for i in range(off, off + 16))
        differ = any((i < len(actual)) != (i < len(expected))
                     or (i < len(actual) and i not in masked_offsets and actual[i] != expected[i])
                     for i in range(off, min(off + 16, n)))
        rows.append((off, differ, ce, ca))
    show = set()
    for k, (_, differ, _, _) in enumerate(rows):
        if differ:
            show.update((k - 1, k, k + 1))
    if not show:  # only a verified checksum is wrong: show the headers
        show.update(range(4))
    shown, last = 0, -2
    for k, (off, differ, ce, ca) in enumerate(rows):
        if k not in show:
            continue
        if k > 0 and k != last + 1:
            out.append("      ...")
        if shown >= max_rows:
            out.append("      (more rows differ)")
            break
        out.append(("%04x%s %-47s | %s" % (off, "!" if differ else " ", ce, ca)).rstrip())
        shown, last = shown + 1, k
    return ["  " + line for line in out]


# ---------------------------------------------------------------------------
# One case

def run_case(nat64ctl, case_dir, timeout):
    """Returns (ok, [lines of explanation])."""
    with open(os.path.join(case_dir, "case.json")) as f:
        meta = json.load(f)
    ignore = meta.get("ignore", [])
    inst = os.path.join(case_dir, "instance.json")
    inp = os.path.join(case_dir, "in.pcap")
    out = os.path.join(case_dir, "actual.pcap")
    log = os.path.join(case_dir, "actual.jsonl")
    for stale in (out, log):
        if os.path.exists(stale):
            os.unlink(stale)
    cmd = [nat64ctl, "translate", "--config", inst, "--in", inp, "--out", out, "--log", log]
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except FileNotFoundError:
        return False, ["nat64ctl not found: %s" % nat64ctl]
    except PermissionError:
        return False, ["nat64ctl not executable: %s" % nat64ctl]
    except subprocess.TimeoutExpired:
        return False, ["nat64ctl timed out after %ss" % timeout]
    if proc.returncode != 0:
        err = proc.stderr.decode(errors="replace").strip().splitlines()[-10:]
        return False, ["nat64ctl exited with %d: %s" % (proc.returncode, " ".join(cmd))] + \
            ["  " + x for x in err]

    problems = []
    in_lt, in_pkts = read_pcap(inp)
    exp_lt, exp_pkts = read_pcap(os.path.join(case_dir, "expected.pcap"))
    if os.path.exists(out):
        try:
            out_lt, out_pkts = read_pcap(out)
        except ValueError as e:
            return False, [str(e)]
        if not same_linktype(out_lt, in_lt):
            problems.append("output link type %d, input link type %d" % (out_lt, in_lt))
    else:
        out_lt, out_pkts = in_lt, []
        if exp_pkts:
            problems.append("no output pcap written")

    # Verdict log
    verdicts = meta["expect_verdicts"]
    want_outputs = meta.get("expect_outputs")
    want_reasons = meta.get("expect_reasons") or [None] * len(verdicts)
    entries = {}
    if not os.path.exists(log):
        problems.append("no verdict log written")
    else:
        with open(log) as f:
            for n, line in enumerate(f, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    obj = json.loads(line)
                    entries[int(obj["index"])] = obj
                except (ValueError, KeyError, TypeError) as e:
                    problems.append("log line %d unreadable (%s): %s" % (n, e, line[:120]))
        for i, want in enumerate(verdicts):
            got = entries.get(i)
            if got is None:
                problems.append("log: no entry for input %d" % i)
                continue
            if got.get("verdict") != want:
                problems.append("input %d: verdict %r (reason %r), expected %r"
                                % (i, got.get("verdict"), got.get("reason"), want))
            elif want_reasons[i] is not None and got.get("reason") != want_reasons[i]:
                problems.append("input %d: %s with reason %r, expected reason %r"
                                % (i, want, got.get("reason"), want_reasons[i]))
            if want_outputs is not None and "outputs" in got and list(got["outputs"]) != want_outputs[i]:
                problems.append("input %d: log outputs %r, expected %r"
                                % (i, got["outputs"], want_outputs[i]))
        extra = sorted(set(entries) - set(range(len(verdicts))))
        if extra:
            problems.append("log: entries for inputs that do not exist: %r" % extra)

    # Packets
    if len(out_pkts) != len(exp_pkts):
        problems.append("%d output packets, expected %d" % (len(out_pkts), len(exp_pkts)))
    diffs = []
    for i, (a, e) in enumerate(zip(out_pkts, exp_pkts)):
        ma, me, masked, checks = apply_ignore(a, e, ignore, exp_lt)
        if len(a) != len(e):
            problems.append("packet %d: %d bytes, expected %d" % (i, len(a), len(e)))
        elif ma != me:
            first = next(k for k in range(len(ma)) if ma[k] != me[k])
            problems.append("packet %d: differs from byte %d (0x%x)" % (i, first, first))
        for c in checks:
            problems.append("packet %d: %s" % (i, c))
        if len(a) != len(e) or ma != me or checks:
            diffs.append("packet %d expected: %s" % (i, summary(e, exp_lt)))
            diffs.append("packet %d actual:   %s" % (i, summary(a, out_lt)))
            diffs.extend(hex_diff(a, e, masked))
    for i in range(len(exp_pkts), len(out_pkts)):
        diffs.append("unexpected packet %d: %s" % (i, summary(out_pkts[i], out_lt)))
        diffs.extend(hex_diff(out_pkts[i], b"", set()))
    for i in range(len(out_pkts), len(exp_pkts)):
        diffs.append("missing packet %d: %s" % (i, summary(exp_pkts[i], exp_lt)))
    return not problems, problems + diffs


def main(argv=None):
    ap = argparse.ArgumentParser(description="RFC conformance vectors for nat64ctl translate")
    ap.add_argument("--nat64ctl", default=os.environ.get("NAT64CTL"),
                    help="path to nat64ctl (default: $NAT64CTL)")
    ap.add_argument("--vectors", default=os.path.join(os.getcwd(), "vectors"),
                    help="directory holding (or receiving, with --gen) the case directories")
    ap.add_argument("--gen", action="store_true", help="generate the vectors first (gen_vectors.py)")
    ap.add_argument("-k", dest="filters", action="append", default=[],
                    help="only cases whose name contains this (repeatable)")
    ap.add_argument("--timeout", type=float, default=60, help="seconds per nat64ctl run")
    ap.add_argument("-q", "--quiet", action="store_true", help="print only failures and the total")
    args = ap.parse_args(argv)

    if args.gen:
        sys.path.insert(0, HERE)
        sys.dont_write_bytecode = True  # keep the source tree clean
        import gen_vectors  # noqa: E402  (needs scapy; re-execs into /usr/bin/python3 if needed)
        rc = gen_vectors.main([args.vectors, "--clean"])
        if rc:
            print("0 passed, 1 failed")
            return rc
    if not args.nat64ctl:
        ap.error("give --nat64ctl PATH or set NAT64CTL")
    nat64ctl = os.path.abspath(args.nat64ctl) if os.sep in args.nat64ctl else args.nat64ctl

    if not os.path.isdir(args.vectors):
        print("no vectors in %s (use --gen)" % args.vectors)
        print("0 passed, 1 failed")
        return 1
    names = sorted(d for d in os.listdir(args.vectors)
                   if os.path.exists(os.path.join(args.vectors, d, "case.json")))
    if args.filters:
        names = [n for n in names if any(f in n for f in args.filters)]
    if not names:
        print("no cases selected in %s" % args.vectors)
        print("0 passed, 1 failed")
        return 1

    passed = failed = 0
    for name in names:
        try:
            ok, lines = run_case(nat64ctl, os.path.join(args.vectors, name), args.timeout)
        except Exception as e:  # noqa: BLE001 - a broken case must not stop the run
            ok, lines = False, ["runner error: %r" % (e,)]
        if ok:
            passed += 1
            if not args.quiet:
                print("PASS %s" % name)
        else:
            failed += 1
            print("FAIL %s" % name)
            for line in lines:
                print("  " + line)
        sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
