#include "nat64d/prefixes.hpp"

#include <algorithm>

namespace nat64d {

nat64::Ipv6Addr masked(const nat64::Ipv6Addr &a, uint8_t len) {
    nat64::Ipv6Addr m{};
    for (int i = 0; i < 16; i++) {
        int bits = std::min(8, std::max(0, len - i * 8));
        m.b[i] = static_cast<uint8_t>(a.b[i] & (0xff00 >> bits));
    }
    return m;
}

bool contains(const nat64::Ipv6Prefix &p, const nat64::Ipv6Addr &a) {
    return masked(a, p.len) == p.addr;
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

bool is_unspecified(const nat64::Ipv6Addr &a) {
    return a == nat64::Ipv6Addr{};
}
bool is_loopback(const nat64::Ipv6Addr &a) {
    return a == nat64::Ipv6Addr{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
}
bool is_link_local(const nat64::Ipv6Addr &a) {
    return a.b[0] == 0xfe && (a.b[1] & 0xc0) == 0x80;
}
bool is_multicast(const nat64::Ipv6Addr &a) {
    return a.b[0] == 0xff;
}

}  // namespace nat64d
