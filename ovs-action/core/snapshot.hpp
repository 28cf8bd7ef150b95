// One instance's configuration as the datapath reads it: the validated
// InstanceConfig plus the lookup structures built from it.  Immutable once
// built; instances swap whole snapshots (see instance.hpp).
#pragma once

#include <cstdint>
#include <vector>

#include "eamt.hpp"
#include "nat64/config.hpp"
#include "reserved.hpp"

namespace nat64 {

struct Snapshot {
    explicit Snapshot(InstanceConfig c);

    InstanceConfig cfg;
    Eamt eamt;
    Denylist4 deny;
    // RFC 6791 pool, as a range of host-order addresses.
    uint32_t pool6791_first = 0;
    uint32_t pool6791_count = 0;
    bool has_pool4 = false;
    // Bit (1 << Protocol) set if some pool4 entry carries the protocol.
    uint8_t pool4_protos = 0;
    // True if 'a4' is an address of some pool4 entry (any protocol):
    // IPv4 traffic to it is the stateful translator's (RFC 6146 §3.5).
    bool pool4_has_addr(uint32_t a4) const noexcept;
    // Span of the EAMT's IPv4 side: a cheap pre-check before the hairpin
    // lookup every pool6 destination would otherwise pay.
    uint32_t eamt4_lo = 1, eamt4_hi = 0;
    // False when no EAMT IPv6 prefix overlaps pool6: then an address inside
    // pool6 cannot match the EAMT, and the (usual) pool6 destination skips
    // the EAMT probe that RFC 7757 §3.3 would otherwise put first.
    bool eamt_overlaps_pool6 = false;
    // pool6 is the Well-Known Prefix: non-global IPv4 addresses must not
    // be represented with it (RFC 6052 §3.1).
    bool pool6_is_wkp = false;
};

}  // namespace nat64
