// Shared per-packet steps: header parsing, address mapping, header writers
// and the ICMP errors the translator originates.
#include <sys/random.h>
#include <unistd.h>
#include <algorithm>
#include <cstring>

#include "checksum.hpp"
#include "packet.hpp"
#include "rfc6052.hpp"
#include "xlat.hpp"

namespace nat64 {

nat64_counter parse_ipv6(const uint8_t *in, uint32_t avail, bool inner, V6Info &v) noexcept {
    if (avail < IPV6_HDR) return inner ? NAT64_C_DROP_ICMP_INNER : NAT64_C_DROP_TRUNCATED;
    if ((in[0] >> 4) != 6) return inner ? NAT64_C_DROP_ICMP_INNER : NAT64_C_DROP_BAD_HEADER;
    uint32_t plen = rd16(in + 4);
    v.l3len = IPV6_HDR + plen;
    if (!inner) {
        // Jumbograms (payload length 0, RFC 2675) cannot exist on the links
        // we serve; a packet shorter than its header says is truncated.
        if (plen == 0) return NAT64_C_DROP_BAD_HEADER;
        if (v.l3len > avail) return NAT64_C_DROP_TRUNCATED;
        avail = v.l3len;
    } else if (v.l3len < avail) {
        avail = v.l3len;
    }
    v.avail = avail;
    v.frag = false;
    v.frag_off = 0;
    v.frag_mf = false;
    v.rh_segleft_off = 0;
    // Inside an ICMP error every defect is the quote's: counted as such.
    const nat64_counter bad_ext = inner ? NAT64_C_DROP_ICMP_INNER : NAT64_C_DROP_EXT_HEADER;
    uint8_t nh = in[6];
    uint32_t off = IPV6_HDR;
    // RFC 7915 §5.1: hop-by-hop and destination options are ignored, a
    // routing header is ignored when Segments Left is 0, and the Fragment
    // header is translated.  Anything else ends the chain: it is the
    // upper-layer protocol to carry over.
    for (;;) {
        if (nh == proto::HOPOPTS || nh == proto::DSTOPTS || nh == proto::ROUTING) {
            if (nh == proto::HOPOPTS && off != IPV6_HDR) return bad_ext;
            if (off + 8 > avail) return bad_ext;
            uint32_t elen = (uint32_t{in[off + 1]} + 1) * 8;
            if (nh == proto::ROUTING && in[off + 3] != 0 && v.rh_segleft_off == 0) {
                v.rh_segleft_off = off + 3;
            }
            if (off + elen > avail) return bad_ext;
            nh = in[off];
            off += elen;
        } else if (nh == proto::FRAGMENT) {
            if (v.frag) return bad_ext;  // two Fragment headers
            if (off + FRAG_HDR > avail) return bad_ext;
            v.frag = true;
            uint16_t fo = rd16(in + off + 2);
            v.frag_off = fo >> 3;
            v.frag_mf = fo & 1;
            v.frag_id = rd32(in + off + 4);
            nh = in[off];
            off += FRAG_HDR;
            // Headers after the Fragment header of a non-first fragment are
            // payload, not headers.
            if (v.frag_off != 0) break;
        } else {
            break;
        }
    }
    v.proto = nh;
    v.l4_off = off;
    return kOk;
}

nat64_counter parse_ipv4(const uint8_t *in, uint32_t avail, bool inner, V4Info &v) noexcept {
    const nat64_counter bad = inner ? NAT64_C_DROP_ICMP_INNER : NAT64_C_DROP_BAD_HEADER;
    if (avail < IPV4_HDR) return inner ? NAT64_C_DROP_ICMP_INNER : NAT64_C_DROP_TRUNCATED;
    if ((in[0] >> 4) != 4) return bad;
    v.ihl = (in[0] & 0xf) * 4u;
    v.total = rd16(in + 2);
    if (v.ihl < IPV4_HDR || v.total < v.ihl) return bad;
    if (v.ihl > avail) return inner ? NAT64_C_DROP_ICMP_INNER : NAT64_C_DROP_TRUNCATED;
    if (!inner) {
        if (v.total > avail) return NAT64_C_DROP_TRUNCATED;
        avail = v.total;
        // RFC 1812 §5.2.2: a router verifies the header checksum.
        if (csum_fold(csum_add_bytes(0, in, v.ihl)) != 0xffff) return NAT64_C_DROP_BAD_HEADER;
    } else if (v.total < avail) {
        avail = v.total;
    }
    v.avail = avail;
    v.proto = in[9];
    v.id = rd16(in + 4);
    uint16_t fo = rd16(in + 6);
    v.df = fo & 0x4000;
    v.mf = fo & 0x2000;
    v.frag_off = fo & 0x1fff;
    return kOk;
}

bool ipv4_unexpired_source_route(const uint8_t *in, uint32_t ihl) noexcept {
    uint32_t off = IPV4_HDR;
    while (off < ihl) {
        uint8_t type = in[off];
        if (type == 0) break;  // end of option list
        if (type == 1) {       // no-operation
            off++;
            continue;
        }
        if (off + 2 > ihl) break;
        uint8_t olen = in[off + 1];
        if (olen < 2 || off + olen > ihl) break;
        // LSRR (131) and SSRR (137): the pointer is 1-based; the route is
        // unexpired while it points inside the option (RFC 791).
        if ((type == 131 || type == 137) && olen >= 3 && in[off + 2] <= olen) return true;
        off += olen;
    }
    return false;
}

bool rfc4884_split(uint32_t orig, const uint8_t *inner, uint32_t &inner_avail, const uint8_t *&ext,
                   uint32_t &ext_len) noexcept {
    if (orig > inner_avail) return false;
    ext = inner + orig;
    ext_len = inner_avail - orig;
    inner_avail = orig;
    return true;
}

uint32_t rfc4884_append(uint8_t *quote, uint32_t n, uint32_t unit, const uint8_t *ext,
                        uint32_t ext_len, uint32_t room, uint8_t &length_field) noexcept {
    const uint32_t padded = std::max<uint32_t>((n + unit - 1) / unit * unit, 128);
    if (!ext_len || padded + ext_len > room) return n;
    std::memset(quote + n, 0, padded - n);
    std::memcpy(quote + padded, ext, ext_len);
    length_field = static_cast<uint8_t>(padded / unit);
    return padded + ext_len;
}

bool rfc6791_source(const Snapshot &s, const uint8_t *src6, uint32_t &a4) noexcept {
    (void)src6;
    if (s.pool6791_count) {
        uint32_t idx = 0;
        if (s.cfg.randomize_rfc6791_addresses && s.pool6791_count > 1) {
            idx = next_random() % s.pool6791_count;
        }
        a4 = s.pool6791_first + idx;
        return true;
    }
    if (s.cfg.router_ipv4) {
        a4 = *s.cfg.router_ipv4;
        return true;
    }
    return false;
}

bool rfc6791v6_source(const Snapshot &s, uint8_t *a6) noexcept {
    if (!s.cfg.pool6791v6) return false;
    const Ipv6Prefix &p = *s.cfg.pool6791v6;
    std::memcpy(a6, p.addr.b.data(), 16);
    if (s.cfg.randomize_rfc6791_addresses) {
        // Random host bits, so the error sources do not all look alike
        // (RFC 6791 §4 leaves the choice to the implementation).
        for (unsigned bit = p.len; bit < 128; bit++) {
            if (next_random() & 1) a6[bit / 8] |= static_cast<uint8_t>(0x80u >> (bit % 8));
        }
    }
    return true;
}

namespace {
// Constant-initialised thread-locals: no TLS init guard on the hot path;
// seeded on first use.
thread_local uint32_t t_random_state = 0;
thread_local uint32_t t_ipv4_id = 0;
thread_local bool t_seeded = false;

void seed_thread() noexcept {
    uint32_t seed[2] = {0x9e3779b9u, 0x7f4a7c15u};
    // getrandom(2) cannot fail for 8 bytes once the pool is initialised;
    // if it somehow does, the constants still give a working sequence.
    if (getrandom(seed, sizeof seed, 0) != sizeof seed) seed[0] ^= static_cast<uint32_t>(gettid());
    t_random_state = seed[0] | 1u;
    t_ipv4_id = seed[1];
    t_seeded = true;
}
}  // namespace

uint16_t next_ipv4_id() noexcept {
    if (!t_seeded) [[unlikely]]
        seed_thread();
    return static_cast<uint16_t>(t_ipv4_id++);
}

uint32_t next_random() noexcept {
    if (!t_seeded) [[unlikely]]
        seed_thread();
    uint32_t x = t_random_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    t_random_state = x;
    return x;
}

namespace {
bool ipv6_unanswerable_source(const uint8_t *src) noexcept {
    static const uint8_t zero[16] = {};
    return src[0] == 0xff || std::memcmp(src, zero, 16) == 0;  // multicast, unspecified
}
}  // namespace

void reply_icmp6(const Snapshot &s, nat64_pkt &p, uint32_t l3len, uint8_t type, uint8_t code,
                 uint32_t param, nat64_counter reason) noexcept {
    const uint8_t *in = p.l3;
    if (!s.cfg.router_ipv6) return set_drop(p, NAT64_C_DROP_NO_ROUTER_ADDR);
    if (ipv6_unanswerable_source(in + 8)) return set_drop(p, NAT64_C_DROP_SRC_UNTRANSLATABLE);
    // RFC 4443 §2.4(e.2): nothing but Packet Too Big (and parameter problem
    // code 2) answers a packet sent to a multicast address.
    if (in[24] == 0xff && type != 2) return set_drop(p, NAT64_C_DROP_DST_UNTRANSLATABLE);
    uint32_t quote = l3len;
    if (quote > ICMPV6_ERROR_MAX - IPV6_HDR - ICMP_HDR)
        quote = ICMPV6_ERROR_MAX - IPV6_HDR - ICMP_HDR;
    uint8_t *o = p.hdr;
    uint16_t plen = static_cast<uint16_t>(ICMP_HDR + quote);
    write_ipv6_header(o, 0, plen, proto::ICMPV6, ERROR_TTL, s.cfg.router_ipv6->b.data(), in + 8);
    uint8_t *icmp = o + IPV6_HDR;
    icmp[0] = type;
    icmp[1] = code;
    wr16(icmp + 2, 0);
    wr32(icmp + 4, param);
    std::memcpy(icmp + ICMP_HDR, in, quote);
    // RFC 4443 §2.3: the checksum covers the pseudo-header (RFC 8200 §8.1).
    uint32_t sum = sum_v6_addrs(o + 8, o + 24) + plen + proto::ICMPV6;
    wr16(icmp + 2, csum_finish(csum_add_bytes(sum, icmp, plen)));
    p.verdict = NAT64_ICMP_REPLY;
    p.reason = static_cast<uint16_t>(reason);
    p.family = 6;
    p.hdr_len = static_cast<uint16_t>(IPV6_HDR + plen);
    p.consumed = p.len;
    p.tail_len = 0;
    p.frag_size = 0;
}

void reply_icmp4(const Snapshot &s, nat64_pkt &p, uint32_t l3len, uint8_t type, uint8_t code,
                 uint32_t rest, nat64_counter reason) noexcept {
    const uint8_t *in = p.l3;
    if (!s.cfg.router_ipv4) return set_drop(p, NAT64_C_DROP_NO_ROUTER_ADDR);
    uint32_t src = rd32(in + 12);
    if (ipv4_always_reserved(src)) return set_drop(p, NAT64_C_DROP_RESERVED_ADDR);
    // RFC 1812 §4.3.2.7: no error about a packet sent to a multicast or
    // broadcast address (224.0.0.0/4, and 240.0.0.0/4 up to
    // 255.255.255.255).
    if (rd32(in + 16) >= 0xe0000000u) return set_drop(p, NAT64_C_DROP_DST_UNTRANSLATABLE);
    uint32_t quote = l3len;
    if (quote > ICMPV4_ERROR_MAX - IPV4_HDR - ICMP_HDR)
        quote = ICMPV4_ERROR_MAX - IPV4_HDR - ICMP_HDR;
    uint8_t *o = p.hdr;
    uint16_t total = static_cast<uint16_t>(IPV4_HDR + ICMP_HDR + quote);
    // DF=0, so not an atomic datagram: RFC 6864 §4.2 wants an
    // Identification unique per source/destination/protocol, not 0.
    write_ipv4_header(o, 0, total, next_ipv4_id(), 0, ERROR_TTL, proto::ICMP, *s.cfg.router_ipv4,
                      src);
    uint8_t *icmp = o + IPV4_HDR;
    icmp[0] = type;
    icmp[1] = code;
    wr16(icmp + 2, 0);
    wr32(icmp + 4, rest);
    std::memcpy(icmp + ICMP_HDR, in, quote);
    wr16(icmp + 2, csum_finish(csum_add_bytes(0, icmp, ICMP_HDR + quote)));
    p.verdict = NAT64_ICMP_REPLY;
    p.reason = static_cast<uint16_t>(reason);
    p.family = 4;
    p.hdr_len = total;
    p.consumed = p.len;
    p.tail_len = 0;
    p.frag_size = 0;
}

}  // namespace nat64
