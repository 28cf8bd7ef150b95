// Turning the core's answer for one packet into the bytes of the output
// packets (see "splice" in include/nat64/nat64.h).
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "nat64/nat64.h"

namespace nat64::ctl {

// The core's numbers for a packet do not fit together.  That is a bug in
// the core, never the input's fault, so nat64ctl fails rather than write
// garbage.
class SpliceError : public std::logic_error {
  public:
    using std::logic_error::logic_error;
};

// Builds the outputs of a packet whose verdict is TRANSLATED or ICMP_REPLY:
//
//     prefix ++ hdr[0, hdr_len) ++ l3[consumed, consumed + tail_len)
//
// or, when frag_size != 0, one packet per fragment:
//
//     prefix ++ fragment header (48 bytes) ++ F[ofs, ofs + len)
//
// where F = hdr[48, hdr_len) ++ tail is the unfragmented output after its
// IPv6 and Fragment headers.  'prefix' is the link header (may be empty).
// Throws SpliceError if the numbers are inconsistent.
std::vector<std::vector<uint8_t>> build_outputs(const nat64_pkt &pkt,
                                                std::span<const uint8_t> prefix);

}  // namespace nat64::ctl
