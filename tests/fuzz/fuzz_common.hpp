// Shared harness of the packet fuzzers (fuzz_6to4.cpp, fuzz_4to6.cpp).
//
// Every input is taken as one raw L3 packet, its version nibble forced to
// the direction under test, and translated through two instances with
// different configurations.  Whatever the core answers is checked against
// the contract of include/nat64/nat64.h; a violation abort()s, which
// libFuzzer reports as a crash and saves the input.  A translated output is
// then fed back through the other direction (round trip) and checked again,
// which reaches the far side's code with well-formed packets.
//
// Only the public C ABI is used: the fuzzers see the core as the Open
// vSwitch glue does.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "nat64/nat64.h"

namespace fuzz {

// Instance 1: SIIT-DC and NAT64 together, every source of ICMP errors set.
// Overlapping EAMT entries on both sides exercise longest-prefix match.
inline constexpr const char *kConfigFull = R"({
  "instance": 1,
  "pool6": "64:ff9b::/96",
  "eamt": [
    {"ipv6": "2001:db8:6::/120",   "ipv4": "198.51.100.0/24"},
    {"ipv6": "2001:db8:6::5/128",  "ipv4": "203.0.113.5/32"},
    {"ipv6": "2001:db8:8::/124",   "ipv4": "198.51.100.16/28"},
    {"ipv6": "2001:db8:9::/112",   "ipv4": "100.64.0.0/16"},
    {"ipv6": "64:ff9b::cb00:7100/120", "ipv4": "203.0.113.0/24"}
  ],
  "denylist4": ["10.0.0.0/8"],
  "pool6791v4": "203.0.113.8/29",
  "router-ipv4": "198.51.100.1",
  "router-ipv6": "2001:db8:1c0:2:1::",
  "amend-udp-checksum-zero": true,
  "pool4": [{"prefix": "192.0.2.2/32", "ports": "1-3000", "protocols": ["tcp", "udp", "icmp"]}],
  "static-bib": [{"protocol": "tcp", "ipv6": "2001:db8::5#2000", "ipv4": "192.0.2.2#2000"}],
  "max-sessions": 4096
})";

// Instance 2: the other switches: a /64 prefix (RFC 6052 u-octet), small
// MTUs, no router addresses (errors cannot be sent), hairpinning off,
// traffic class rewriting, ICMPv6 informational messages dropped.
inline constexpr const char *kConfigLean = R"({
  "instance": 2,
  "pool6": "2001:db8:64::/64",
  "eamt": [
    {"ipv6": "2001:db8:6::/120",  "ipv4": "198.51.100.0/24"},
    {"ipv6": "2001:db8:6::80/121", "ipv4": "203.0.113.128/25"}
  ],
  "ipv4-mtu": 576,
  "ipv6-mtu": 1280,
  "lowest-ipv6-mtu": 1280,
  "amend-udp-checksum-zero": false,
  "zeroize-traffic-class": true,
  "override-tos": true,
  "tos": 46,
  "eam-hairpin-mode": "off",
  "randomize-rfc6791-addresses": false,
  "drop-icmpv6-info": true,
  "source-icmpv6-errors-better": false
})";

[[noreturn]] inline void fail(const char *what, const nat64_pkt &p) {
    std::fprintf(stderr,
                 "INVARIANT VIOLATED: %s\n  verdict=%u reason=%u family=%u hdr_len=%u "
                 "frag_size=%u consumed=%u tail_len=%u len=%u\n",
                 what, p.verdict, p.reason, p.family, p.hdr_len, p.frag_size, p.consumed,
                 p.tail_len, p.len);
    std::abort();
}

#define FUZZ_CHECK(cond, pkt)                    \
    do {                                         \
        if (!(cond)) ::fuzz::fail(#cond, (pkt)); \
    } while (0)

inline uint16_t rd16(const uint8_t *b) {
    return static_cast<uint16_t>((b[0] << 8) | b[1]);
}

// One's-complement sum of 'n' bytes, unfolded.
inline uint32_t sum_bytes(uint32_t sum, const uint8_t *b, size_t n) {
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += rd16(b + i);
    if (n & 1) sum += uint32_t{b[n - 1]} << 8;
    return sum;
}

inline uint16_t fold(uint32_t sum) {
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(sum);
}

// Whether the L4 checksum of a whole, unfragmented TCP/UDP/ICMP(v6) packet
// can be checked here, and if so whether it is valid.  Extension headers,
// fragments and UDP-without-checksum (IPv4) are "not checkable".
enum class L4Sum { uncheckable, valid, invalid };

inline L4Sum l4_checksum(const uint8_t *b, size_t len) {
    if (len < 1) return L4Sum::uncheckable;
    uint32_t sum = 0;
    const uint8_t *l4;
    size_t l4len;
    uint8_t proto;
    if ((b[0] >> 4) == 4) {
        if (len < 20) return L4Sum::uncheckable;
        size_t ihl = (b[0] & 0xfu) * 4u, total = rd16(b + 2);
        if (ihl < 20 || total < ihl || total > len) return L4Sum::uncheckable;
        if (rd16(b + 6) & 0x3fff) return L4Sum::uncheckable;  // MF or offset
        proto = b[9];
        l4 = b + ihl;
        l4len = total - ihl;
        if (proto != 1) sum = sum_bytes(0, b + 12, 8) + proto + static_cast<uint32_t>(l4len);
        if (proto == 17 && l4len >= 8 && rd16(l4 + 6) == 0) return L4Sum::uncheckable;
    } else if ((b[0] >> 4) == 6) {
        if (len < 40) return L4Sum::uncheckable;
        size_t plen = rd16(b + 4);
        if (plen == 0 || 40 + plen > len) return L4Sum::uncheckable;
        proto = b[6];
        l4 = b + 40;
        l4len = plen;
        sum = sum_bytes(0, b + 8, 32) + proto + static_cast<uint32_t>(l4len);
    } else {
        return L4Sum::uncheckable;
    }
    size_t min = proto == 6 ? 20 : 8;
    if ((proto != 6 && proto != 17 && proto != 1 && proto != 58) || l4len < min) {
        return L4Sum::uncheckable;
    }
    if (proto == 1 && (b[0] >> 4) != 4) return L4Sum::uncheckable;
    if (proto == 58 && (b[0] >> 4) != 6) return L4Sum::uncheckable;
    return fold(sum_bytes(sum, l4, l4len)) == 0xffff ? L4Sum::valid : L4Sum::invalid;
}

// Checks one packet's verdict and output against the contract; returns the
// assembled output (empty for drops).
inline std::vector<uint8_t> check(const nat64_pkt &p, L4Sum in_sum) {
    FUZZ_CHECK(p.verdict <= NAT64_DROP, p);
    FUZZ_CHECK(p.reason < NAT64_C_N, p);
    switch (p.verdict) {
        case NAT64_TRANSLATED:
            FUZZ_CHECK(p.reason <= NAT64_C_HAIRPINNED, p);
            break;
        case NAT64_ICMP_REPLY:
            FUZZ_CHECK(
                p.reason >= NAT64_C_REPLY_HOP_LIMIT && p.reason <= NAT64_C_REPLY_DST_UNREACHABLE,
                p);
            break;
        default:
            FUZZ_CHECK(p.reason >= NAT64_C_DROP_UNKNOWN_INSTANCE, p);
            return {};
    }

    FUZZ_CHECK(p.family == 4 || p.family == 6, p);
    FUZZ_CHECK(p.hdr_len <= NAT64_HDR_MAX, p);
    FUZZ_CHECK(p.hdr_len >= (p.family == 4 ? 20u : 40u), p);
    FUZZ_CHECK(p.consumed <= p.len, p);
    FUZZ_CHECK(uint64_t{p.consumed} + p.tail_len <= p.len, p);
    FUZZ_CHECK((p.hdr[0] >> 4) == p.family, p);
    if (p.verdict == NAT64_ICMP_REPLY) FUZZ_CHECK(p.family == (p.l3[0] >> 4), p);

    std::vector<uint8_t> out(p.hdr, p.hdr + p.hdr_len);
    out.insert(out.end(), p.l3 + p.consumed, p.l3 + p.consumed + p.tail_len);
    const size_t n = out.size();

    if (p.family == 4) {
        const size_t ihl = (out[0] & 0xfu) * 4u;
        FUZZ_CHECK(ihl >= 20 && ihl <= p.hdr_len, p);
        FUZZ_CHECK(fold(sum_bytes(0, out.data(), ihl)) == 0xffff, p);  // header checksum
        FUZZ_CHECK(rd16(out.data() + 2) == n, p);                      // total length
        FUZZ_CHECK(p.frag_size == 0, p);
        if (p.verdict == NAT64_ICMP_REPLY) FUZZ_CHECK(n <= 576, p);
    } else {
        FUZZ_CHECK(rd16(out.data() + 4) + 40u == n, p);  // payload length
        if (p.verdict == NAT64_ICMP_REPLY) FUZZ_CHECK(n <= 1280, p);
    }

    // Checksums: errors the translator builds are summed whole, so they are
    // always valid; otherwise a valid input checksum must stay valid.
    if (p.frag_size == 0 && (p.verdict == NAT64_ICMP_REPLY || in_sum == L4Sum::valid)) {
        FUZZ_CHECK(l4_checksum(out.data(), n) != L4Sum::invalid, p);
    }

    if (p.frag_size != 0) {
        FUZZ_CHECK(p.family == 6, p);
        FUZZ_CHECK(p.hdr_len >= 48, p);
        FUZZ_CHECK(p.hdr[6] == 44, p);  // next header: Fragment
        FUZZ_CHECK(p.frag_size % 8 == 0, p);
        const uint32_t fragmentable = p.hdr_len - 48u + p.tail_len;
        const unsigned count = nat64_fragment_count(&p);
        FUZZ_CHECK(count >= 1 && count <= 65536 / 8, p);
        uint32_t expect_ofs = 0;
        for (unsigned i = 0; i < count; i++) {
            uint8_t fh[48];
            uint32_t ofs = ~0u, dlen = ~0u;
            FUZZ_CHECK(nat64_fragment_header(&p, i, fh, &ofs, &dlen) == 48, p);
            FUZZ_CHECK((fh[0] >> 4) == 6, p);
            FUZZ_CHECK(fh[6] == 44, p);
            FUZZ_CHECK(ofs == expect_ofs, p);
            FUZZ_CHECK(dlen > 0 && dlen <= p.frag_size, p);
            FUZZ_CHECK(uint64_t{ofs} + dlen <= fragmentable, p);
            FUZZ_CHECK(rd16(fh + 4) == 8u + dlen, p);
            FUZZ_CHECK(48u + dlen <= 1280u, p);  // both instances: lowest-ipv6-mtu 1280
            const bool last = i + 1 == count;
            if (!last) {
                FUZZ_CHECK(dlen % 8 == 0, p);
                FUZZ_CHECK(fh[43] & 1, p);  // M flag
            }
            expect_ofs = ofs + dlen;
        }
        FUZZ_CHECK(expect_ofs == fragmentable, p);
        uint8_t fh[48];
        uint32_t ofs, dlen;
        FUZZ_CHECK(nat64_fragment_header(&p, count, fh, &ofs, &dlen) == 0, p);
    } else {
        FUZZ_CHECK(nat64_fragment_count(&p) == 1, p);
    }
    return out;
}

inline nat64_instance *instance(uint32_t id, const char *json) {
    char *err = nullptr;
    if (nat64_instance_set(json, &err) != 0) {
        std::fprintf(stderr, "fuzz setup: nat64_instance_set(%u) failed: %s\n", id,
                     err ? err : "?");
        nat64_free(err);
        std::abort();
    }
    nat64_instance *inst = nat64_instance_find(id);
    if (!inst) {
        std::fprintf(stderr, "fuzz setup: instance %u not found after set\n", id);
        std::abort();
    }
    return inst;
}

// Translates 'l3' (exactly 'len' bytes on the heap, so ASan sees over-reads)
// through 'inst' and checks the result; returns the output.
inline std::vector<uint8_t> translate_one(nat64_instance *inst, const uint8_t *l3, size_t len,
                                          uint64_t now_ms) {
    static nat64_pkt pkt;                 // 1.3 KB: keep it off the stack
    std::memset(&pkt, 0xa5, sizeof pkt);  // outputs must not depend on stale bytes
    pkt.l3 = l3;
    pkt.len = static_cast<uint32_t>(len);
    const size_t ok = nat64_translate_burst(inst, &pkt, 1, now_ms, 0);
    FUZZ_CHECK(ok == (pkt.verdict != NAT64_DROP ? 1u : 0u), pkt);
    return check(pkt, l4_checksum(l3, len));
}

// Forces the version nibble and, unless the input opts out, makes the
// outer length fields (and the IPv4 header checksum) agree with the input,
// so that mutations reach past the first sanity checks instead of dying
// there.  Opting out keeps those checks fuzzed too: IPv4 inputs with the
// reserved flag bit (RFC 791's bit 0 of the flags, "evil bit") set, IPv6
// inputs with the lowest flow label bit set are left as they are.
inline void normalize(uint8_t *b, size_t size, unsigned version) {
    b[0] = static_cast<uint8_t>((version << 4) | (b[0] & 0x0f));
    if (version == 4 && size >= 20 && !(b[6] & 0x80)) {
        b[2] = static_cast<uint8_t>(size >> 8);
        b[3] = static_cast<uint8_t>(size);
        size_t ihl = (b[0] & 0xfu) * 4u;
        if (ihl >= 20 && ihl <= size) {
            b[10] = b[11] = 0;
            uint16_t c = static_cast<uint16_t>(~fold(sum_bytes(0, b, ihl)));
            b[10] = static_cast<uint8_t>(c >> 8);
            b[11] = static_cast<uint8_t>(c);
        }
    } else if (version == 6 && size >= 41 && !(b[3] & 1)) {
        b[4] = static_cast<uint8_t>((size - 40) >> 8);
        b[5] = static_cast<uint8_t>(size - 40);
    }
}

// The fuzzer body shared by both directions: 'version' is the input's IP
// version (6 for fuzz_6to4, 4 for fuzz_4to6).
inline int run(const uint8_t *data, size_t size, unsigned version) {
    static nat64_instance *full = instance(1, kConfigFull);
    static nat64_instance *lean = instance(2, kConfigLean);
    static uint64_t now_ms = 1000;
    if (size == 0 || size > 65535) return -1;  // not an L3 packet; keep out of the corpus
    now_ms += 1 + data[0] % 64;                // time moves, so stateful timers expire

    uint8_t *buf = new uint8_t[size];
    std::memcpy(buf, data, size);
    normalize(buf, size, version);

    for (nat64_instance *inst : {full, lean}) {
        std::vector<uint8_t> out = translate_one(inst, buf, size, now_ms);
        // Round trip: a translated packet of the other family goes back
        // through the other direction.
        if (!out.empty() && (out[0] >> 4) != version) {
            uint8_t *back = new uint8_t[out.size()];
            std::memcpy(back, out.data(), out.size());
            translate_one(inst, back, out.size(), now_ms);
            delete[] back;
        }
    }
    delete[] buf;
    return 0;
}

}  // namespace fuzz
