// One-line, human-readable summaries of IP packets for `--verbose`.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace nat64::ctl {

// "IPv6 2001:db8::1 -> 64:ff9b::c000:201 UDP 5353 -> 53",
// "IPv4 192.0.2.1 -> 198.51.100.1 ICMP echo-request",
// "IPv6 ... -> ... UDP fragment" (only the first fragment shows ports).
// Never fails: whatever cannot be parsed is described as such.
std::string describe_ip(std::span<const uint8_t> l3);

}  // namespace nat64::ctl
