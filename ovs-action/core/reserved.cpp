// IPv4 addresses never reached through pool6 (RFC 6890 special-purpose
// ranges that are not forwardable or not global, plus denylist4).
#include "reserved.hpp"

#include <algorithm>
#include <utility>

#include "packet.hpp"

namespace nat64 {

namespace {

// Last address of a prefix.
inline uint32_t last_of(const Ipv4Prefix &p) noexcept {
    return p.addr | ~ipv4_mask(p.len);
}

}  // namespace

Denylist4::Denylist4(const std::vector<Ipv4Prefix> &prefixes) {
    std::vector<Ipv4Prefix> sorted;
    sorted.reserve(prefixes.size());
    for (const Ipv4Prefix &p : prefixes) {
        const uint8_t len = p.len > 32 ? 32 : p.len;
        sorted.push_back({p.addr & ipv4_mask(len), len});
    }
    // Sorting by (address, length) puts a covering prefix before the ones it
    // contains, so one pass drops every contained prefix.  Two CIDR prefixes
    // either nest or are disjoint, so what remains never overlaps and the
    // binary search in blocks() needs to look at one candidate only.
    std::sort(sorted.begin(), sorted.end());
    for (const Ipv4Prefix &p : sorted) {
        if (!prefixes_.empty() && p.addr <= last_of(prefixes_.back())) continue;
        prefixes_.push_back(p);
    }
    // Merge sibling pairs (10.0.0.0/9 + 10.128.0.0/9 -> 10.0.0.0/8) until
    // nothing changes: fewer entries, shorter search.  Each pass is linear and
    // every pass but the last shortens some prefix, so there are at most 33.
    for (bool merged = true; merged;) {
        merged = false;
        std::vector<Ipv4Prefix> out;
        out.reserve(prefixes_.size());
        for (const Ipv4Prefix &p : prefixes_) {
            if (!out.empty() && p.len > 0 && out.back().len == p.len) {
                const Ipv4Prefix parent{p.addr & ipv4_mask(p.len - 1u),
                                        static_cast<uint8_t>(p.len - 1)};
                // out.back() is the lower sibling: p sorts after it and,
                // after the pass above, cannot be equal to it.
                if (out.back().addr == parent.addr) {
                    out.back() = parent;
                    merged = true;
                    continue;
                }
            }
            out.push_back(p);
        }
        prefixes_ = std::move(out);
    }
}

bool Denylist4::in_list(uint32_t a) const noexcept {
    // The candidate is the last prefix starting at or before 'a'; with no
    // overlaps no earlier prefix can contain 'a' if that one does not.
    auto it = std::upper_bound(prefixes_.begin(), prefixes_.end(), a,
                               [](uint32_t x, const Ipv4Prefix &p) { return x < p.addr; });
    if (it == prefixes_.begin()) return false;
    --it;
    return a <= last_of(*it);
}

bool ipv4_non_global(uint32_t a) noexcept {
    if (ipv4_always_reserved(a)) return true;
    for (const Ipv4Prefix &r : kNonGlobalRanges) {
        if ((a & ipv4_mask(r.len)) == r.addr) return true;
    }
    return false;
}

bool is_well_known_prefix(const Ipv6Prefix &p) noexcept {
    static constexpr uint8_t kWkp[16] = {0x00, 0x64, 0xff, 0x9b};
    return p.len == 96 && std::equal(p.addr.b.begin(), p.addr.b.end(), kWkp);
}

}  // namespace nat64
