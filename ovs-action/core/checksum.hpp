// Internet checksum (RFC 1071) and its incremental update (RFC 1624).
//
// The core cannot use OVS's lib/csum.c (it must not depend on OVS), and
// none of the project's libraries has one, so it lives here: a handful of
// inline functions on the hot path.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace nat64 {

// One's-complement sum of 'len' bytes added to 'sum' (host order, not
// folded): big-endian 16-bit words, an odd trailing byte padded with zero
// (RFC 1071 §4.1).  The sum is byte-order independent (RFC 1071 §2(B)), so
// native-order 32-bit words are summed in a 64-bit accumulator and the
// folded result swapped once.
inline uint32_t csum_add_bytes(uint32_t sum, const uint8_t *p, size_t len) noexcept {
    uint64_t acc = 0;
    while (len >= 8) {
        uint64_t w;
        std::memcpy(&w, p, 8);
        acc += (w & 0xffffffffu) + (w >> 32);
        p += 8;
        len -= 8;
    }
    if (len >= 4) {
        uint32_t w;
        std::memcpy(&w, p, 4);
        acc += w;
        p += 4;
        len -= 4;
    }
    if (len >= 2) {
        uint16_t w;
        std::memcpy(&w, p, 2);
        acc += w;
        p += 2;
        len -= 2;
    }
    if (len) {
        const uint8_t tail[2] = {p[0], 0};
        uint16_t w;
        std::memcpy(&w, tail, 2);
        acc += w;
    }
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    auto v = static_cast<uint16_t>(acc);
    if constexpr (std::endian::native == std::endian::little) {
        v = static_cast<uint16_t>((v >> 8) | (v << 8));
    }
    return sum + v;
}

// Adds a 16-bit value (host order) to a running sum.
inline uint32_t csum_add16(uint32_t sum, uint16_t v) noexcept {
    return sum + v;
}

inline uint16_t csum_fold(uint32_t sum) noexcept {
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(sum);
}

// Final checksum value (host order) from a running sum.
inline uint16_t csum_finish(uint32_t sum) noexcept {
    return static_cast<uint16_t>(~csum_fold(sum));
}

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m').  'old_sum'/'new_sum' are the
// one's-complement sums of the removed and the added data.
inline uint16_t csum_update(uint16_t hc, uint32_t old_sum, uint32_t new_sum) noexcept {
    uint32_t s = static_cast<uint16_t>(~hc);
    s += static_cast<uint16_t>(~csum_fold(old_sum));
    s += csum_fold(new_sum);
    return static_cast<uint16_t>(~csum_fold(s));
}

}  // namespace nat64
