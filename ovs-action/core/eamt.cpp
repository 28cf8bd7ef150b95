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

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>
#include <string>

namespace nat64 {

namespace {

inline uint64_t load_be64(const uint8_t *p) noexcept {
    uint64_t v;
    std::memcpy(&v, p, sizeof v);
    if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
    return v;
}

inline void store_be64(uint8_t *p, uint64_t v) noexcept {
    if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
    std::memcpy(p, &v, sizeof v);
}

// Top 'len' bits set, len 0..64, without the undefined shift by 64.
inline uint64_t top_bits64(unsigned len) noexcept {
    return len == 0 ? 0 : ~uint64_t{0} << (64 - len);
}

inline uint64_t ipv6_mask_hi(unsigned len) noexcept {
    return top_bits64(len >= 64 ? 64 : len);
}
inline uint64_t ipv6_mask_lo(unsigned len) noexcept {
    return top_bits64(len <= 64 ? 0 : len - 64);
}

inline uint32_t ipv4_mask(unsigned len) noexcept {
    return len == 0 ? 0 : ~uint32_t{0} << (32 - len);
}

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

// The IPv6 filter hashes the upper half differently from hash6 so that its
// bits are independent of the table slots.
inline uint64_t filter6_hash(uint64_t hi) noexcept {
    return mix64(hi ^ kMul2);
}

inline bool test_bit(const uint64_t *bits, uint64_t i) noexcept {
    return (bits[i >> 6] >> (i & 63)) & 1;
}

inline void set_bit(std::vector<uint64_t> &bits, uint64_t i) {
    bits[i >> 6] |= uint64_t{1} << (i & 63);
}

// Table size for n keys: a power of two with load <= 0.5, so linear probing
// stays short and a miss always reaches an empty slot.
inline unsigned table_bits(size_t n) noexcept {
    return static_cast<unsigned>(std::countr_zero(std::bit_ceil(std::max<size_t>(2 * n, 2))));
}

}  // namespace

Eamt::Eamt(const std::vector<EamtEntry> &entries) : n_entries_(entries.size()) {
    if (entries.empty()) return;

    // Group entry indices by prefix length, per direction, keeping input order
    // so that the first of two duplicate prefixes is inserted first and wins.
    std::vector<std::vector<size_t>> by_len6(129), by_len4(33);
    std::vector<uint64_t> upper_halves;
    upper_halves.reserve(entries.size());
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
        upper_halves.push_back(load_be64(e.ipv6.addr.b.data()));
    }

    // IPv4 filter: every /16 an entry overlaps (an entry shorter than /16
    // overlaps several).  8 KiB, and exact at /16 granularity.
    filter4_.assign((size_t{1} << 16) / 64, 0);
    for (const EamtEntry &e : entries) {
        const uint32_t first = (e.ipv4.addr & ipv4_mask(e.ipv4.len)) >> 16;
        const uint32_t count = e.ipv4.len >= 16 ? 1 : uint32_t{1} << (16 - e.ipv4.len);
        for (uint32_t i = 0; i < count; ++i)
            set_bit(filter4_, first + i);
    }

    // IPv6 filter: about 16 bits per distinct upper half, so that an address
    // outside the table's /64s passes with probability <= 1/16, capped at
    // 64 KiB (tables with more than 32k distinct /64s filter less).
    std::sort(upper_halves.begin(), upper_halves.end());
    const size_t distinct =
        std::unique(upper_halves.begin(), upper_halves.end()) - upper_halves.begin();
    const unsigned fbits =
        std::clamp<unsigned>(std::countr_zero(std::bit_ceil(distinct * 16)), 9, 19);
    filter6_.assign((size_t{1} << fbits) / 64, 0);
    filter6_shift_ = static_cast<uint8_t>(64 - fbits);
    for (size_t i = 0; i < distinct; ++i)
        set_bit(filter6_, filter6_hash(upper_halves[i]) >> filter6_shift_);

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
        for (size_t i : idx) {
            const EamtEntry &e = entries[i];
            // Host bits are masked off rather than trusted, so the key always
            // equals what a lookup computes from a packet address.
            const uint64_t kh = load_be64(e.ipv6.addr.b.data()) & lvl.mask_hi;
            const uint64_t kl = load_be64(e.ipv6.addr.b.data() + 8) & lvl.mask_lo;
            for (uint64_t s = hash6(kh, kl) >> lvl.shift;; s = (s + 1) & lvl.slot_mask) {
                Slot6 &slot = lvl.slots[s];
                if (!slot.used) {
                    slot.hi = kh;
                    slot.lo = kl;
                    slot.v4 = e.ipv4.addr & ipv4_mask(e.ipv4.len);
                    slot.used = 1;
                    break;
                }
                if (slot.hi == kh && slot.lo == kl) break;  // duplicate: first wins
            }
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
        lvl.slot_mask = (uint32_t{1} << bits) - 1;
        lvl.slots.assign(size_t{1} << bits, Slot4{});
        for (size_t i : idx) {
            const EamtEntry &e = entries[i];
            const uint32_t key = e.ipv4.addr & lvl.mask;
            const uint64_t hi = load_be64(e.ipv6.addr.b.data()) & ipv6_mask_hi(e.ipv6.len);
            const uint64_t lo = load_be64(e.ipv6.addr.b.data() + 8) & ipv6_mask_lo(e.ipv6.len);
            for (uint64_t s = hash4(key) >> lvl.shift;; s = (s + 1) & lvl.slot_mask) {
                Slot4 &slot = lvl.slots[s];
                if (!slot.used) {
                    slot.key = key;
                    slot.used = 1;
                    slot.hi = hi;
                    slot.lo = lo;
                    break;
                }
                if (slot.key == key) break;  // duplicate: first wins
            }
        }
    }
}

bool Eamt::v6_to_v4(const uint8_t v6[16], uint32_t &v4) const noexcept {
    if (levels6_.empty()) return false;
    const uint64_t hi = load_be64(v6);
    if (!test_bit(filter6_.data(), filter6_hash(hi) >> filter6_shift_)) return false;
    const uint64_t lo = load_be64(v6 + 8);
    for (const Level6 &lvl : levels6_) {
        const uint64_t kh = hi & lvl.mask_hi;
        const uint64_t kl = lo & lvl.mask_lo;
        const Slot6 *slots = lvl.slots.data();
        for (uint64_t s = hash6(kh, kl) >> lvl.shift;; s = (s + 1) & lvl.slot_mask) {
            const Slot6 &slot = slots[s];
            if (!slot.used) break;
            if (slot.hi == kh && slot.lo == kl) {
                // Equal suffix lengths put the whole suffix (at most 32 bits,
                // as len >= 96) in the low bits of 'lo'.
                v4 = slot.v4 | static_cast<uint32_t>(lo & ~lvl.mask_lo);
                return true;
            }
        }
    }
    return false;
}

bool Eamt::v4_to_v6(uint32_t v4, uint8_t v6[16]) const noexcept {
    if (levels4_.empty() || !test_bit(filter4_.data(), v4 >> 16)) return false;
    for (const Level4 &lvl : levels4_) {
        const uint32_t key = v4 & lvl.mask;
        const Slot4 *slots = lvl.slots.data();
        for (uint64_t s = hash4(key) >> lvl.shift;; s = (s + 1) & lvl.slot_mask) {
            const Slot4 &slot = slots[s];
            if (!slot.used) break;
            if (slot.key == key) {
                store_be64(v6, slot.hi);
                store_be64(v6 + 8, slot.lo | (v4 & ~lvl.mask));
                return true;
            }
        }
    }
    return false;
}

}  // namespace nat64
