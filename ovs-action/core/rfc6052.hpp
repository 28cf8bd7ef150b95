// RFC 6052 §2.2: IPv4-embedded IPv6 addresses (pool6).
//
// The address is handled as two big-endian 64-bit halves so that every
// prefix length becomes a pair of shifts: the IPv4 bits that fall before the
// u-octet (bits 64..71) sit at the bottom of the high half, the rest start
// right after the u-octet in the low half.  /96 is the one layout without a
// u-octet split and gets its own branch.
#pragma once

#include <cassert>
#include <cstdint>
#include <cstring>

#include "nat64/config.hpp"
#include "packet.hpp"

namespace nat64 {

// True for the prefix lengths RFC 6052 §2.2 allows: 32, 40, 48, 56, 64, 96.
constexpr bool rfc6052_valid_length(unsigned len) {
    return len == 32 || len == 40 || len == 48 || len == 56 || len == 64 || len == 96;
}

// Inline: these run for nearly every packet.

namespace rfc6052_detail {

// Bits 64..71 of the address, the u-octet, are the top byte of the low half.
// RFC 6052 §2.2 reserves them (for the RFC 4291 interface identifier format)
// and requires them to be zero.
constexpr uint64_t kLowHalfWithoutU = 0x00ffffffffffffffULL;

}  // namespace rfc6052_detail

// True if 'in' lies inside 'p'.
inline bool ipv6_in_prefix(const Ipv6Prefix &p, const uint8_t in[16]) noexcept {
    const unsigned len = p.len > 128 ? 128 : p.len;
    const uint64_t mh = ipv6_mask_hi(len), ml = ipv6_mask_lo(len);
    const uint64_t ph = rd64(p.addr.b.data()), pl = rd64(p.addr.b.data() + 8);
    // Compare masked on both sides so a prefix that carries host bits still
    // behaves as the prefix it names.
    return (((rd64(in) ^ ph) & mh) | ((rd64(in + 8) ^ pl) & ml)) == 0;
}

// Writes pool6 + v4 (host byte order) into out[16]: the IPv4 bits around the
// u-octet (bits 64..71, always zero) and a zero suffix.  pool6.len must be
// valid.
inline void rfc6052_embed(const Ipv6Prefix &pool6, uint32_t v4, uint8_t out[16]) noexcept {
    const unsigned len = pool6.len;
    assert(rfc6052_valid_length(len));
    const uint64_t x = v4;
    uint64_t hi = rd64(pool6.addr.b.data()) & ipv6_mask_hi(len);
    uint64_t lo;
    if (len == 96) {
        // §2.2: for /96 the IPv4 address is the last 32 bits; there is no suffix.
        lo = (rd64(pool6.addr.b.data() + 8) & ipv6_mask_lo(len)) | x;
    } else {
        // /32../64: the first (64 - len) IPv4 bits end the high half (none for
        // /64); the remaining ones follow the u-octet, and the bits the shift
        // pushes into the u-octet position are exactly the ones already in the
        // high half, so masking the u-octet both zeroes it and drops them.
        // Everything below is the suffix, zero by construction.
        hi |= x >> (len - 32);
        lo = (x << (88 - len)) & rfc6052_detail::kLowHalfWithoutU;
    }
    wr64(out, hi);
    wr64(out + 8, lo);
}

// If 'in' lies inside pool6, stores the embedded IPv4 address (host byte
// order) in 'v4' and returns true.  The u-octet and suffix are ignored rather
// than checked: refusing them would only lose traffic.
inline bool rfc6052_extract(const Ipv6Prefix &pool6, const uint8_t in[16], uint32_t &v4) noexcept {
    const unsigned len = pool6.len;
    if (!rfc6052_valid_length(len) || !ipv6_in_prefix(pool6, in)) return false;
    const uint64_t hi = rd64(in);
    const uint64_t lo = rd64(in + 8);
    if (len == 96) {
        v4 = static_cast<uint32_t>(lo);
    } else {
        // Inverse of the embedding above.  The u-octet and the suffix, which
        // §2.2 has senders set to zero, are ignored rather than checked (the
        // contract in rfc6052.hpp): refusing them would only lose traffic.
        v4 = static_cast<uint32_t>(hi << (len - 32)) |
             static_cast<uint32_t>((lo & rfc6052_detail::kLowHalfWithoutU) >> (88 - len));
    }
    return true;
}

}  // namespace nat64
