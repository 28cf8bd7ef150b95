// RFC 7757: the Explicit Address Mapping Table.
//
// Lookups are longest-prefix match in both directions (§3.3).  The table is
// built once per configuration snapshot and never changes afterwards, so
// readers need no synchronisation.  Layout: one open-addressing hash table
// per distinct prefix length, probed from the longest length down; typical
// tables (1:1 /128 <-> /32 mappings) have one length, so a lookup is one hash
// probe however many entries there are.
#pragma once

#include <cstdint>
#include <vector>

#include "nat64/config.hpp"

namespace nat64 {

class Eamt {
  public:
    Eamt() = default;
    // Entries must have equal suffix lengths (128 - ipv6.len == 32 - ipv4.len);
    // the config parser guarantees it.  Duplicate prefixes: the first wins.
    explicit Eamt(const std::vector<EamtEntry> &entries);

    // §3.3, IPv6 -> IPv4: on a match, stores the IPv4 address (host byte
    // order) and returns true.
    bool v6_to_v4(const uint8_t v6[16], uint32_t &v4) const noexcept;
    // §3.3, IPv4 (host byte order) -> IPv6.
    bool v4_to_v6(uint32_t v4, uint8_t v6[16]) const noexcept;

    size_t size() const noexcept { return n_entries_; }
    bool empty() const noexcept { return n_entries_ == 0; }

  private:
    // Each level is an open-addressing table with linear probing.  Besides
    // the slots it keeps one control byte per slot (0: empty, else 0x80 | 7
    // hash bits), so a probe reads 8 control bytes at once and compares a
    // slot's key only where the hash bits match: a miss usually touches no
    // slot at all, and hits and misses each take the same branches almost
    // every time.  The first 7 control bytes are repeated after the last one
    // so that reading 8 near the end needs no wrap-around.
    struct Slot6 {
        uint64_t hi = 0, lo = 0;  // masked IPv6 prefix, host order halves
        uint32_t v4 = 0;          // IPv4 prefix, host order
    };
    struct Slot4 {
        uint32_t key = 0;         // masked IPv4 prefix
        uint64_t hi = 0, lo = 0;  // IPv6 prefix
    };
    struct Level6 {
        uint8_t len = 0;    // IPv6 prefix length
        uint8_t shift = 0;  // 64 - log2(slots.size()): multiply-shift hashing
        uint64_t mask_hi = 0, mask_lo = 0;
        uint64_t slot_mask = 0;
        std::vector<uint8_t> ctrl;  // slots.size() + 7 control bytes
        std::vector<Slot6> slots;
    };
    struct Level4 {
        uint8_t len = 0;
        uint8_t shift = 0;
        uint32_t mask = 0;
        uint64_t slot_mask = 0;
        std::vector<uint8_t> ctrl;
        std::vector<Slot4> slots;
    };
    std::vector<Level6> levels6_;  // longest prefix first
    std::vector<Level4> levels4_;
    size_t n_entries_ = 0;
};

}  // namespace nat64
