// Prefix arithmetic nat64d needs to keep VNets apart and to classify EAMT
// entries: containment and overlap of IPv4 and IPv6 prefixes.
#pragma once

#include <cstdint>

#include "nat64/config.hpp"

namespace nat64d {

bool contains(const nat64::Ipv6Prefix &p, const nat64::Ipv6Addr &a);
bool contains(const nat64::Ipv4Prefix &p, uint32_t a);
// Two prefixes overlap exactly when the shorter one holds the other.
bool overlap(const nat64::Ipv6Prefix &a, const nat64::Ipv6Prefix &b);
bool overlap(const nat64::Ipv4Prefix &a, const nat64::Ipv4Prefix &b);

}  // namespace nat64d
