#include "snapshot.hpp"

#include <algorithm>

#include "packet.hpp"
#include "rfc6052.hpp"

namespace nat64 {

Snapshot::Snapshot(InstanceConfig c)
    : cfg(std::move(c)), eamt(cfg.eamt), deny(cfg.denylist4), has_pool4(!cfg.pool4.empty()) {
    for (const auto &e : cfg.eamt) {
        const uint32_t last = e.ipv4.addr | ~ipv4_mask(e.ipv4.len);
        if (eamt4_lo > eamt4_hi) {
            eamt4_lo = e.ipv4.addr;
            eamt4_hi = last;
        }
        eamt4_lo = std::min(eamt4_lo, e.ipv4.addr);
        eamt4_hi = std::max(eamt4_hi, last);
    }
    if (cfg.pool6) {
        pool6_is_wkp = is_well_known_prefix(*cfg.pool6);
        for (const auto &e : cfg.eamt) {
            const Ipv6Prefix &a = e.ipv6.len < cfg.pool6->len ? e.ipv6 : *cfg.pool6;
            const Ipv6Prefix &b = e.ipv6.len < cfg.pool6->len ? *cfg.pool6 : e.ipv6;
            if (ipv6_in_prefix(a, b.addr.b.data())) eamt_overlaps_pool6 = true;
        }
    }
    for (const auto &e : cfg.pool4) {
        pool4_protos |= static_cast<uint8_t>((e.tcp ? 1u << unsigned(Protocol::tcp) : 0u) |
                                             (e.udp ? 1u << unsigned(Protocol::udp) : 0u) |
                                             (e.icmp ? 1u << unsigned(Protocol::icmp) : 0u));
    }
    if (cfg.pool6791v4) {
        pool6791_first = cfg.pool6791v4->addr;
        // A /0 would be 2^32 addresses; the range is only used modulo its
        // size, so cap it at what fits.
        pool6791_count =
            cfg.pool6791v4->len == 0 ? 0xffffffffu : (1u << (32 - cfg.pool6791v4->len));
    }
}

bool Snapshot::pool4_has_addr(uint32_t a4) const noexcept {
    for (const auto &e : cfg.pool4) {
        if (ipv4_in_prefix(e.prefix.addr, e.prefix.len, a4)) return true;
    }
    return false;
}

}  // namespace nat64
