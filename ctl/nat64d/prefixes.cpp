#include "nat64d/prefixes.hpp"

#include <algorithm>

namespace nat64d {

bool contains(const nat64::Ipv6Prefix &p, const nat64::Ipv6Addr &a) {
    for (int i = 0; i < 16; i++) {
        int bits = std::min(8, std::max(0, p.len - i * 8));
        auto mask = static_cast<uint8_t>(0xff00 >> bits);
        if ((a.b[i] & mask) != p.addr.b[i]) return false;
    }
    return true;
}

bool contains(const nat64::Ipv4Prefix &p, uint32_t a) {
    uint32_t mask = p.len == 0 ? 0 : ~uint32_t{0} << (32 - p.len);
    return (a & mask) == p.addr;
}

bool overlap(const nat64::Ipv6Prefix &a, const nat64::Ipv6Prefix &b) {
    return a.len <= b.len ? contains(a, b.addr) : contains(b, a.addr);
}

bool overlap(const nat64::Ipv4Prefix &a, const nat64::Ipv4Prefix &b) {
    return a.len <= b.len ? contains(a, b.addr) : contains(b, a.addr);
}

}  // namespace nat64d
