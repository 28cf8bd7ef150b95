// Byte-level access to packet headers: big-endian loads and stores and the
// protocol numbers the translator cares about.  Headers are read through
// these helpers rather than cast structs, so unaligned packets are fine.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace nat64 {

inline uint16_t rd16(const uint8_t *p) noexcept {
    return static_cast<uint16_t>((p[0] << 8) | p[1]);
}
inline uint32_t rd32(const uint8_t *p) noexcept {
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
inline uint64_t rd64(const uint8_t *p) noexcept {
    uint64_t v;
    std::memcpy(&v, p, sizeof v);
    if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
    return v;
}
inline void wr16(uint8_t *p, uint16_t v) noexcept {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}
inline void wr64(uint8_t *p, uint64_t v) noexcept {
    if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
    std::memcpy(p, &v, sizeof v);
}
inline void wr32(uint8_t *p, uint32_t v) noexcept {
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
}

// Prefix masks.  Written without a shift by the full width, which is
// undefined.
inline uint32_t ipv4_mask(unsigned len) noexcept {
    return len == 0 ? 0 : ~uint32_t{0} << (32 - len);
}
// True if host-order 'a' lies in the prefix 'addr'/'len'.
inline bool ipv4_in_prefix(uint32_t addr, unsigned len, uint32_t a) noexcept {
    return ((a ^ addr) & ipv4_mask(len)) == 0;
}
// The top 'len' bits (0..64) of a 64-bit half.
inline uint64_t top_bits64(unsigned len) noexcept {
    return len == 0 ? 0 : ~uint64_t{0} << (64 - len);
}
// An IPv6 prefix mask of 'len' (0..128) bits as two big-endian halves.
inline uint64_t ipv6_mask_hi(unsigned len) noexcept {
    return top_bits64(len >= 64 ? 64 : len);
}
inline uint64_t ipv6_mask_lo(unsigned len) noexcept {
    return top_bits64(len <= 64 ? 0 : len - 64);
}

// IP protocol / IPv6 next header numbers (IANA).
namespace proto {
constexpr uint8_t HOPOPTS = 0;
constexpr uint8_t ICMP = 1;
constexpr uint8_t IGMP = 2;
constexpr uint8_t TCP = 6;
constexpr uint8_t UDP = 17;
constexpr uint8_t ROUTING = 43;
constexpr uint8_t FRAGMENT = 44;
constexpr uint8_t ICMPV6 = 58;
constexpr uint8_t NONE = 59;
constexpr uint8_t DSTOPTS = 60;
}  // namespace proto

constexpr uint32_t IPV4_HDR = 20;
constexpr uint32_t IPV6_HDR = 40;
constexpr uint32_t FRAG_HDR = 8;
constexpr uint32_t ICMP_HDR = 8;

// RFC 7915 §4.4/§5.4 and RFC 1812/4443: the largest ICMP error a router
// sends in each family.
constexpr uint32_t ICMPV4_ERROR_MAX = 576;
constexpr uint32_t ICMPV6_ERROR_MAX = 1280;

// Hop limit / TTL of the ICMP errors the translator originates.
constexpr uint8_t ERROR_TTL = 64;

}  // namespace nat64
