// RFC 7757: the Explicit Address Mapping Table.
//
// One open-addressing hash table per distinct prefix length and direction,
// probed from the longest length down, so the first hit is the longest-prefix
// match §3.3 asks for.  Keys are the masked prefixes; on a hit the suffix of
// the looked-up address is carried over unchanged (§3.3: the translated
// address is the other side's prefix followed by the same suffix).  With equal
// suffix lengths on both sides the suffix is always the low bits of both
// addresses, which is what makes a lookup a mask, a hash probe and an OR.
#include "eamt.hpp"

#include "packet.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>
#include <string>

namespace nat64 {

namespace {

// Multiply-shift hashing: the index is the top bits of a product, which
// depend on every key bit below them.  A bare multiply (Fibonacci hashing)
// spreads consecutive keys perfectly but clusters keys in some power-of-two
// strides (one entry per /27, or addresses that differ only in their
// second-to-last 16-bit group) enough to triple the average probe count under
// linear probing, so an xor-shift folds the high bits down between two
// multiplies.  Every structured key set we tried then probes like random keys
// (about 1.3 slots on average at our load).  The constants are odd with
// well-mixed bits: 2^64 divided by the golden ratio, and the splitmix64
// multiplier.
constexpr uint64_t kMul1 = 0x9e3779b97f4a7c15ULL;
constexpr uint64_t kMul2 = 0xbf58476d1ce4e5b9ULL;

inline uint64_t mix64(uint64_t x) noexcept {
    x ^= x >> 31;
    x *= kMul1;
    x ^= x >> 29;
    return x * kMul2;
}

inline uint64_t hash6(uint64_t hi, uint64_t lo) noexcept {
    return mix64((hi * kMul2) ^ lo);
}

inline uint64_t hash4(uint32_t key) noexcept {
    uint64_t x = uint64_t{key} * kMul1;
    x ^= x >> 29;
    return x * kMul2;
}

// Control bytes (see eamt.hpp): 0 marks an empty slot, a full slot holds
// 0x80 | 7 low hash bits, which the index (the top bits) does not use.  A
// group is the 8 control bytes read as one 64-bit word.
constexpr size_t kGroup = 8;
constexpr uint64_t kLsbs = 0x0101010101010101ULL;
constexpr uint64_t kMsbs = 0x8080808080808080ULL;

inline uint8_t ctrl_byte(uint64_t h) noexcept {
    return static_cast<uint8_t>(0x80 | (h & 0x7f));
}

// Control byte i of a group lands in bits 8i..8i+7 whatever the host order.
inline uint64_t load_le64(const uint8_t *p) noexcept {
    uint64_t v;
    std::memcpy(&v, p, sizeof v);
    if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
    return v;
}

// Linear probing, a group of kGroup control bytes at a time: the slots whose
// control byte matches, up to the first empty slot, are compared with 'eq'.
// Byte-wise equality is found with carry-free SWAR arithmetic (the high bit
// of each byte of the result says "equal").  Load <= 0.5 guarantees an
// empty slot, so the loop ends.
template <class Slot, class Eq>
inline const Slot *probe(const uint8_t *ctrl, const Slot *slots, uint64_t slot_mask, uint64_t h,
                         unsigned shift, Eq eq) noexcept {
    const uint64_t want = ctrl_byte(h) * kLsbs;
    for (uint64_t s = h >> shift;; s = (s + kGroup) & slot_mask) {
        const uint64_t group = load_le64(ctrl + s);
        const uint64_t x = group ^ want;
        uint64_t match = ~(((x & ~kMsbs) + ~kMsbs) | x) & kMsbs;
        const uint64_t empty = ~group & kMsbs;
        if (empty != 0) match &= (empty & (0 - empty)) - 1;  // before the first empty
        for (; match != 0; match &= match - 1) {
            const Slot &slot = slots[(s + (std::countr_zero(match) >> 3)) & slot_mask];
            if (eq(slot)) return &slot;
        }
        if (empty != 0) return nullptr;
    }
}

// Inserts unless an equal key is present (duplicates: the first wins).
template <class Slot, class Eq>
void insert(std::vector<uint8_t> &ctrl, std::vector<Slot> &slots, uint64_t h, unsigned shift,
            const Slot &value, Eq eq) {
    const uint64_t slot_mask = slots.size() - 1;
    const uint8_t c = ctrl_byte(h);
    for (uint64_t s = h >> shift;; s = (s + 1) & slot_mask) {
        if (ctrl[s] == 0) {
            ctrl[s] = c;
            if (s < kGroup - 1) ctrl[slots.size() + s] = c;  // the copy after the end
            slots[s] = value;
            return;
        }
        if (ctrl[s] == c && eq(slots[s])) return;
    }
}

// Table size for n keys: a power of two with load <= 0.5, so linear probing
// stays short and a miss always reaches an empty slot; at least one group.
inline unsigned table_bits(size_t n) noexcept {
    return static_cast<unsigned>(std::countr_zero(std::bit_ceil(std::max(2 * n, kGroup))));
}

}  // namespace

Eamt::Eamt(const std::vector<EamtEntry> &entries) : n_entries_(entries.size()) {
    // Group entry indices by prefix length, per direction, keeping input order
    // so that the first of two duplicate prefixes is inserted first and wins.
    std::vector<std::vector<size_t>> by_len6(129), by_len4(33);
    for (size_t i = 0; i < entries.size(); ++i) {
        const EamtEntry &e = entries[i];
        if (e.ipv6.len > 128 || e.ipv4.len > 32 || 128 - e.ipv6.len != 32 - e.ipv4.len) {
            // §3.2 also allows an IPv6 suffix longer than the IPv4 one; the
            // configuration schema does not, and neither does this table.
            throw std::invalid_argument("EAMT entry " + std::to_string(i) +
                                        ": IPv6 and IPv4 suffix lengths differ");
        }
        by_len6[e.ipv6.len].push_back(i);
        by_len4[e.ipv4.len].push_back(i);
    }

    for (int len = 128; len >= 0; --len) {
        const std::vector<size_t> &idx = by_len6[len];
        if (idx.empty()) continue;
        Level6 &lvl = levels6_.emplace_back();
        const unsigned bits = table_bits(idx.size());
        lvl.len = static_cast<uint8_t>(len);
        lvl.mask_hi = ipv6_mask_hi(len);
        lvl.mask_lo = ipv6_mask_lo(len);
        lvl.shift = static_cast<uint8_t>(64 - bits);
        lvl.slot_mask = (uint64_t{1} << bits) - 1;
        lvl.slots.assign(size_t{1} << bits, Slot6{});
        lvl.ctrl.assign(lvl.slots.size() + kGroup - 1, 0);
        for (size_t i : idx) {
            const EamtEntry &e = entries[i];
            // Host bits are masked off rather than trusted, so the key always
            // equals what a lookup computes from a packet address.
            Slot6 slot;
            slot.hi = rd64(e.ipv6.addr.b.data()) & lvl.mask_hi;
            slot.lo = rd64(e.ipv6.addr.b.data() + 8) & lvl.mask_lo;
            slot.v4 = e.ipv4.addr & ipv4_mask(e.ipv4.len);
            insert(lvl.ctrl, lvl.slots, hash6(slot.hi, slot.lo), lvl.shift, slot,
                   [&](const Slot6 &o) { return o.hi == slot.hi && o.lo == slot.lo; });
        }
    }

    for (int len = 32; len >= 0; --len) {
        const std::vector<size_t> &idx = by_len4[len];
        if (idx.empty()) continue;
        Level4 &lvl = levels4_.emplace_back();
        const unsigned bits = table_bits(idx.size());
        lvl.len = static_cast<uint8_t>(len);
        lvl.mask = ipv4_mask(len);
        lvl.shift = static_cast<uint8_t>(64 - bits);
        lvl.slot_mask = (uint64_t{1} << bits) - 1;
        lvl.slots.assign(size_t{1} << bits, Slot4{});
        lvl.ctrl.assign(lvl.slots.size() + kGroup - 1, 0);
        for (size_t i : idx) {
            const EamtEntry &e = entries[i];
            Slot4 slot;
            slot.key = e.ipv4.addr & lvl.mask;
            slot.hi = rd64(e.ipv6.addr.b.data()) & ipv6_mask_hi(e.ipv6.len);
            slot.lo = rd64(e.ipv6.addr.b.data() + 8) & ipv6_mask_lo(e.ipv6.len);
            insert(lvl.ctrl, lvl.slots, hash4(slot.key), lvl.shift, slot,
                   [&](const Slot4 &o) { return o.key == slot.key; });
        }
    }
}

bool Eamt::v6_to_v4(const uint8_t v6[16], uint32_t &v4) const noexcept {
    const uint64_t hi = rd64(v6);
    const uint64_t lo = rd64(v6 + 8);
    for (const Level6 &lvl : levels6_) {
        const uint64_t kh = hi & lvl.mask_hi;
        const uint64_t kl = lo & lvl.mask_lo;
        const Slot6 *slot =
            probe(lvl.ctrl.data(), lvl.slots.data(), lvl.slot_mask, hash6(kh, kl), lvl.shift,
                  [&](const Slot6 &s) { return s.hi == kh && s.lo == kl; });
        if (slot != nullptr) {
            // Equal suffix lengths put the whole suffix (at most 32 bits, as
            // len >= 96) in the low bits of 'lo'.
            v4 = slot->v4 | static_cast<uint32_t>(lo & ~lvl.mask_lo);
            return true;
        }
    }
    return false;
}

bool Eamt::v4_to_v6(uint32_t v4, uint8_t v6[16]) const noexcept {
    for (const Level4 &lvl : levels4_) {
        const uint32_t key = v4 & lvl.mask;
        const Slot4 *slot = probe(lvl.ctrl.data(), lvl.slots.data(), lvl.slot_mask, hash4(key),
                                  lvl.shift, [&](const Slot4 &s) { return s.key == key; });
        if (slot != nullptr) {
            wr64(v6, slot->hi);
            wr64(v6 + 8, slot->lo | (v4 & ~lvl.mask));
            return true;
        }
    }
    return false;
}

}  // namespace nat64
