// Choosing the pool4 transport address of a new BIB entry.
//
// RFC 6146 §3.5.1.1 / §3.5.2.3: the IPv4 address should be the one the
// IPv6 source already uses ("paired" pooling, RFC 4787 REQ-2), and the port
// should stay in the original port's range class (well-known 0-1023 vs
// 1024-65535, RFC 4787 REQ-3/§4.2.1).  Within that, ports are chosen in the
// spirit of RFC 6056 §3.3.3-§3.3.4: a keyed hash of the endpoints and of an
// allocation counter picks where the search for a free port starts, so
// allocations are neither sequential nor predictable from outside, and a
// port just freed is not handed straight out again.  Probing is bounded, so an exhausted pool costs
// the new-flow path a fixed amount of work, not a scan of 64k ports.
#include <algorithm>
#include <cstring>

#include "packet.hpp"
#include "state.hpp"

namespace nat64 {

namespace {

constexpr unsigned kMaxAddresses = 32;  // addresses tried per allocation
constexpr unsigned kMaxProbes = 2048;   // ports tried per address

bool has_proto(const Pool4Entry &e, Protocol p) {
    return p == Protocol::tcp ? e.tcp : p == Protocol::udp ? e.udp : e.icmp;
}

uint64_t prefix_size(const Ipv4Prefix &pfx) {
    return uint64_t{1} << (32 - pfx.len);
}

// The k-th address of the pool4 entries that carry 'p' (k < total).
uint32_t nth_address(const InstanceConfig &c, Protocol p, uint64_t k) {
    for (const Pool4Entry &e : c.pool4) {
        if (!has_proto(e, p)) continue;
        const uint64_t n = prefix_size(e.prefix);
        if (k < n) return e.prefix.addr + static_cast<uint32_t>(k);
        k -= n;
    }
    return 0;
}

uint64_t key_hash(uint64_t seed, const uint8_t *addr6, uint64_t extra) {
    uint64_t a, b;
    std::memcpy(&a, addr6, 8);
    std::memcpy(&b, addr6 + 8, 8);
    uint64_t h = (seed ^ a) * 0x9e3779b97f4a7c15ull;
    h = ((h ^ (h >> 29)) ^ b) * 0xbf58476d1ce4e5b9ull;
    h = ((h ^ (h >> 31)) ^ extra) * 0x94d049bb133111ebull;
    return h ^ (h >> 32);
}

}  // namespace

bool State::allocate(const InstanceConfig &c, Protocol p, const uint8_t *addr6, uint16_t port6,
                     uint32_t remote4, uint32_t preferred4, Mapped4 &out, uint64_t now,
                     bool dry) noexcept {
    uint64_t total = 0;
    uint64_t preferred_k = ~uint64_t{0};
    for (const Pool4Entry &e : c.pool4) {
        if (!has_proto(e, p)) continue;
        if (preferred4 && ipv4_in_prefix(e.prefix.addr, e.prefix.len, preferred4))
            preferred_k = total + (preferred4 - e.prefix.addr);
        total += prefix_size(e.prefix);
    }
    if (total == 0) return false;
    // Paired pooling: the source's address if it has one, else one chosen
    // by the source alone, so all its flows share it.
    const uint64_t k0 =
        preferred_k != ~uint64_t{0} ? preferred_k : key_hash(seed_, addr6, 0) % total;
    const uint8_t proto = static_cast<uint8_t>(p);
    const uint64_t offset = key_hash(seed_ ^ 0xa110c, addr6, remote4);
    for (uint64_t t = 0; t < total && t < kMaxAddresses; t++) {
        const uint32_t a4 = nth_address(c, p, (k0 + t) % total);
        for (const Pool4Entry &e : c.pool4) {
            if (!has_proto(e, p) || !ipv4_in_prefix(e.prefix.addr, e.prefix.len, a4)) continue;
            uint32_t lo = e.port_min, hi = e.port_max;
            if (p != Protocol::icmp) {
                // Keep the range class if this entry has ports in it.
                const uint32_t clo = port6 < 1024 ? 0 : 1024;
                const uint32_t chi = port6 < 1024 ? 1023 : 65535;
                if (std::max(lo, clo) <= std::min(hi, chi)) {
                    lo = std::max(lo, clo);
                    hi = std::min(hi, chi);
                }
            }
            const uint32_t n = hi - lo + 1;
            // The counter goes through the hash too: consecutive flows of
            // one host get unrelated ports, not neighbours.
            const uint64_t spread = key_hash(offset, addr6, ++alloc_counter_);
            const uint32_t start = static_cast<uint32_t>(spread % n);
            for (uint32_t j = 0; j < n && j < kMaxProbes; j++) {
                const uint16_t port = static_cast<uint16_t>(lo + (start + j) % n);
                const uint32_t b = locked_bib4(a4, port, proto);
                // A dynamic entry whose sessions have all expired is gone
                // (RFC 6146 §3.5.1), whether or not a sweep found it yet.
                if (b == HashIndex::kNone ||
                    (!bibs_.at[b].is_static &&
                     (dry ? !has_live_session(b, now) : reap_bib(c, b, now)))) {
                    out.addr4 = a4;
                    out.port4 = port;
                    return true;
                }
            }
        }
    }
    return false;
}

}  // namespace nat64
