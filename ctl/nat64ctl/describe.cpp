#include "nat64ctl/describe.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <sys/socket.h>

namespace nat64::ctl {

namespace {

constexpr uint8_t kProtoIcmp = 1;
constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;
constexpr uint8_t kProtoFragment = 44;
constexpr uint8_t kProtoIcmpv6 = 58;

uint16_t be16(const uint8_t *p) {
    return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

std::string addr(int af, const uint8_t *p) {
    char buf[INET6_ADDRSTRLEN];
    return inet_ntop(af, p, buf, sizeof buf) ? buf : "?";
}

// The ICMP types a NAT64 demo shows; others print as numbers.
std::string icmp_type(bool v6, uint8_t type, uint8_t code) {
    const char *name = nullptr;
    if (v6) {
        switch (type) {
            case 1:
                name = "dest-unreachable";
                break;
            case 2:
                name = "packet-too-big";
                break;
            case 3:
                name = "time-exceeded";
                break;
            case 4:
                name = "parameter-problem";
                break;
            case 128:
                name = "echo-request";
                break;
            case 129:
                name = "echo-reply";
                break;
        }
    } else {
        switch (type) {
            case 0:
                name = "echo-reply";
                break;
            case 3:
                name = code == 4 ? "frag-needed" : "dest-unreachable";
                break;
            case 8:
                name = "echo-request";
                break;
            case 11:
                name = "time-exceeded";
                break;
            case 12:
                name = "parameter-problem";
                break;
        }
    }
    const bool echo = type == 0 || type == 8 || type == 128 || type == 129;
    if (!name) return fmt::format("type {} code {}", type, code);
    return echo ? std::string(name) : fmt::format("{} code {}", name, code);
}

// The transport part: protocol name and, when 'l4' holds them, ports or
// ICMP type.  'first' is false for non-first fragments, whose payload does
// not start with a transport header.
std::string transport(bool v6, uint8_t proto, std::span<const uint8_t> l4, bool first) {
    std::string s;
    switch (proto) {
        case kProtoTcp:
            s = "TCP";
            break;
        case kProtoUdp:
            s = "UDP";
            break;
        case kProtoIcmp:
            s = "ICMP";
            break;
        case kProtoIcmpv6:
            s = "ICMPv6";
            break;
        default:
            s = fmt::format("proto {}", proto);
            break;
    }
    if (!first) return s;
    if ((proto == kProtoTcp || proto == kProtoUdp) && l4.size() >= 4) {
        s += fmt::format(" {} -> {}", be16(&l4[0]), be16(&l4[2]));
    } else if ((proto == kProtoIcmp || proto == kProtoIcmpv6) && l4.size() >= 2) {
        s += fmt::format(" {}", icmp_type(v6, l4[0], l4[1]));
    }
    return s;
}

std::string describe_ipv4(std::span<const uint8_t> p) {
    if (p.size() < 20) return "IPv4 (truncated header)";
    const size_t ihl = size_t{p[0] & 0x0fu} * 4;
    std::string s = fmt::format("IPv4 {} -> {} ", addr(AF_INET, &p[12]), addr(AF_INET, &p[16]));
    const uint16_t frag = be16(&p[6]);
    const bool more = frag & 0x2000;
    const uint16_t offset = frag & 0x1fff;
    const std::span<const uint8_t> l4 = ihl <= p.size() ? p.subspan(ihl) : p.subspan(p.size());
    s += transport(false, p[9], l4, offset == 0);
    if (more || offset) s += " fragment";
    s += fmt::format(" ttl {}", p[8]);
    return s;
}

std::string describe_ipv6(std::span<const uint8_t> p) {
    if (p.size() < 40) return "IPv6 (truncated header)";
    std::string s = fmt::format("IPv6 {} -> {} ", addr(AF_INET6, &p[8]), addr(AF_INET6, &p[24]));
    uint8_t nh = p[6];
    std::span<const uint8_t> rest = p.subspan(40);
    bool fragment = false, first = true;
    // Only the Fragment header is looked through: it is the one extension
    // header translation itself produces.
    if (nh == kProtoFragment && rest.size() >= 8) {
        fragment = true;
        first = (be16(&rest[2]) & 0xfff8) == 0;
        nh = rest[0];
        rest = rest.subspan(8);
    }
    s += transport(true, nh, rest, first);
    if (fragment) s += " fragment";
    s += fmt::format(" hlim {}", p[7]);
    return s;
}

}  // namespace

std::string describe_ip(std::span<const uint8_t> l3) {
    if (l3.empty()) return "(empty)";
    switch (l3[0] >> 4) {
        case 4:
            return describe_ipv4(l3);
        case 6:
            return describe_ipv6(l3);
        default:
            return fmt::format("IP version {}", l3[0] >> 4);
    }
}

}  // namespace nat64::ctl
