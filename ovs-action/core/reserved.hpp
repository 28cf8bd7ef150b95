// IPv4 addresses the translator never reaches through pool6: the RFC 6890
// special-purpose ranges that are not forwardable or not global, plus the
// instance's denylist4.  (EAMT mappings are explicit and bypass this, as
// RFC 7757 intends.)
#pragma once

#include <cstdint>
#include <vector>

#include "nat64/config.hpp"

namespace nat64 {

// RFC 6890 ranges that are never translated through pool6 because they are
// not forwardable or only meaningful on the translator itself: "this network"
// 0.0.0.0/8, loopback 127.0.0.0/8, link-local 169.254.0.0/16, multicast
// 224.0.0.0/4, reserved 240.0.0.0/4 and limited broadcast 255.255.255.255.
// Private ranges (RFC 1918) are legitimate destinations in many deployments;
// operators exclude them with denylist4.
// Host byte order.  Inline: checked for nearly every packet.
inline bool ipv4_always_reserved(uint32_t a) noexcept {
    const uint32_t octet1 = a >> 24;
    // RFC 6890 §2.2.2: 0.0.0.0/8 "this network", 127.0.0.0/8 loopback,
    // 169.254.0.0/16 link local; 224.0.0.0/4 multicast (RFC 5771), and
    // 240.0.0.0/4 reserved, which also covers 255.255.255.255/32 limited
    // broadcast.  The two /4s together are simply a >= 224.0.0.0.
    return octet1 == 0 || octet1 == 127 || (a >> 16) == 0xa9fe || a >= 0xe0000000;
}

// ipv4_always_reserved() as prefixes, for those who need the ranges
// themselves (nat64d's DNS64 exclusions); a unit test keeps both equal.
inline constexpr Ipv4Prefix kAlwaysReservedRanges[] = {
    {0x00000000, 8},   // 0.0.0.0/8 "this network"
    {0x7f000000, 8},   // 127.0.0.0/8 loopback
    {0xa9fe0000, 16},  // 169.254.0.0/16 link local
    {0xe0000000, 4},   // 224.0.0.0/4 multicast
    {0xf0000000, 4},   // 240.0.0.0/4 reserved, 255.255.255.255 included
};

// RFC 6890 entries whose "Global" is False, and RFC 1918/6598 space: with
// kAlwaysReservedRanges, what ipv4_non_global() covers.
inline constexpr Ipv4Prefix kNonGlobalRanges[] = {
    {0x0a000000, 8},   // 10.0.0.0/8 private (RFC 1918)
    {0x64400000, 10},  // 100.64.0.0/10 shared address space (RFC 6598)
    {0xac100000, 12},  // 172.16.0.0/12 private
    {0xc0000000, 24},  // 192.0.0.0/24 IETF protocol assignments
    {0xc0000200, 24},  // 192.0.2.0/24 TEST-NET-1
    {0xc0a80000, 16},  // 192.168.0.0/16 private
    {0xc6120000, 15},  // 198.18.0.0/15 benchmarking
    {0xc6336400, 24},  // 198.51.100.0/24 TEST-NET-2
    {0xcb007100, 24},  // 203.0.113.0/24 TEST-NET-3
};

// RFC 6052 §3.1: addresses that the Well-Known Prefix 64:ff9b::/96 must
// never represent -- the non-global ranges of RFC 5735 §3 / RFC 6890 (private,
// shared, documentation, benchmarking, IETF protocol assignments) plus the
// always-reserved ones.  Translators "MUST drop these packets".
bool ipv4_non_global(uint32_t a) noexcept;  // host byte order

// True if 'p' is the Well-Known Prefix 64:ff9b::/96 (RFC 6052 §2.1).
bool is_well_known_prefix(const Ipv6Prefix &p) noexcept;

class Denylist4 {
  public:
    Denylist4() = default;
    explicit Denylist4(const std::vector<Ipv4Prefix> &prefixes);
    // True if 'a' (host byte order) is reserved or in the denylist.
    bool blocks(uint32_t a) const noexcept {
        return ipv4_always_reserved(a) || (!prefixes_.empty() && in_list(a));
    }

  private:
    bool in_list(uint32_t a) const noexcept;

    std::vector<Ipv4Prefix> prefixes_;  // sorted, non-overlapping
};

}  // namespace nat64
