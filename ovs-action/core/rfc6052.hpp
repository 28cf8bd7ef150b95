// RFC 6052 §2.2: IPv4-embedded IPv6 addresses (pool6).
#pragma once

#include <cstdint>

#include "nat64/config.hpp"

namespace nat64 {

// True for the prefix lengths RFC 6052 §2.2 allows: 32, 40, 48, 56, 64, 96.
constexpr bool rfc6052_valid_length(unsigned len) {
    return len == 32 || len == 40 || len == 48 || len == 56 || len == 64 || len == 96;
}

// Writes pool6 + v4 (host byte order) into out[16]: the IPv4 bits around the
// u-octet (bits 64..71, always zero) and a zero suffix.  pool6.len must be
// valid.
void rfc6052_embed(const Ipv6Prefix &pool6, uint32_t v4, uint8_t out[16]) noexcept;

// If 'in' lies inside pool6, stores the embedded IPv4 address (host byte
// order) in 'v4' and returns true.  The u-octet and suffix are ignored, as
// RFC 6052 §2.2 leaves their checking to the receiver.
bool rfc6052_extract(const Ipv6Prefix &pool6, const uint8_t in[16], uint32_t &v4) noexcept;

// True if 'in' lies inside 'p'.
bool ipv6_in_prefix(const Ipv6Prefix &p, const uint8_t in[16]) noexcept;

}  // namespace nat64
