// Prefix arithmetic nat64d needs to keep VNets apart and to classify EAMT
// entries (containment and overlap of IPv4 and IPv6 prefixes), and the IPv6
// address classes its router and resolver parts check (RFC 4291).
#pragma once

#include <cstdint>

#include "nat64/config.hpp"

namespace nat64d {

bool contains(const nat64::Ipv6Prefix &p, const nat64::Ipv6Addr &a);
bool contains(const nat64::Ipv4Prefix &p, uint32_t a);
// Two prefixes overlap exactly when the shorter one holds the other.
bool overlap(const nat64::Ipv6Prefix &a, const nat64::Ipv6Prefix &b);
bool overlap(const nat64::Ipv4Prefix &a, const nat64::Ipv4Prefix &b);
// The first len bits of a, the rest zero.
nat64::Ipv6Addr masked(const nat64::Ipv6Addr &a, uint8_t len);

// RFC 4291 §2.5.2 ::, §2.5.3 ::1, §2.5.6 fe80::/10, §2.7 ff00::/8.
bool is_unspecified(const nat64::Ipv6Addr &a);
bool is_loopback(const nat64::Ipv6Addr &a);
bool is_link_local(const nat64::Ipv6Addr &a);
bool is_multicast(const nat64::Ipv6Addr &a);

}  // namespace nat64d
