// Router advertisements: building RAs and parsing RSs (see ra.hpp for the
// RFCs).  Byte layouts are written out field by field in the order the RFC
// figures draw them, so a reader holding the RFC can follow each line.
#include "nat64d/ra.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "checksum.hpp"
#include "nat64d/prefixes.hpp"
#include "packet.hpp"

namespace nat64d {

using nat64::Ipv6Addr;
using nat64::Ipv6Prefix;

namespace {

// Ethernet II (RFC 2464 §3) and the IPv6 header (RFC 8200 §3).
constexpr size_t kEthHeaderLen = 14;
constexpr size_t kIpv6HeaderLen = 40;
constexpr uint16_t kEthertypeIpv6 = 0x86dd;
constexpr uint8_t kNextHeaderIcmpv6 = 58;
// RFC 4861 §4.1, §4.2: hop limit 255 proves the packet was not forwarded.
constexpr uint8_t kNdHopLimit = 255;
// RFC 8200 §5: every IPv6 link carries 1280-byte packets.
constexpr uint32_t kIpv6MinMtu = 1280;

// ICMPv6 message types (RFC 4861 §4.1, §4.2) and their fixed parts: type,
// code, checksum, then for an RS 4 reserved bytes, for an RA cur hop limit,
// flags, router lifetime, reachable time and retrans timer.
constexpr uint8_t kTypeRouterSolicitation = 133;
constexpr uint8_t kTypeRouterAdvertisement = 134;
constexpr size_t kRsLen = 8;
constexpr size_t kRaLen = 16;
constexpr uint8_t kFlagManaged = 0x80;  // M
constexpr uint8_t kFlagOther = 0x40;    // O
// RFC 4861 §6.2.1 AdvReachableTime: at most one hour.
constexpr uint32_t kMaxReachableTime = 3600000;

// Option types and sizes in bytes (Length fields count 8-byte units).
constexpr uint8_t kOptSourceLinkLayerAddress = 1;  // RFC 4861 §4.6.1
constexpr uint8_t kOptPrefixInformation = 3;       // RFC 4861 §4.6.2
constexpr uint8_t kOptMtu = 5;                     // RFC 4861 §4.6.4
constexpr uint8_t kOptRdnss = 25;                  // RFC 8106 §5.1
constexpr uint8_t kOptPref64 = 38;                 // RFC 8781 §4
constexpr size_t kOptUnit = 8;
constexpr size_t kSllaLen = 8;
constexpr size_t kPioLen = 32;
constexpr size_t kMtuLen = 8;
constexpr size_t kRdnssFixedLen = 8;  // plus 16 per server
constexpr size_t kPref64Len = 16;
// RFC 8106 §5.1: Length = 1 + 2 x servers must fit its 8 bits.
constexpr size_t kMaxRdnssServers = 127;
constexpr uint8_t kPioOnLink = 0x80;      // L
constexpr uint8_t kPioAutonomous = 0x40;  // A
// RFC 8781 §4: 13-bit Scaled Lifetime in units of 8 seconds.
constexpr uint32_t kMaxScaledLifetime = 8191;

// IEEE 802: the I/G bit, the least significant bit of the first octet.
bool is_group_mac(const Mac &m) {
    return (m[0] & 0x01) != 0;
}

size_t rdnss_len(const std::vector<Ipv6Addr> &servers) {
    return servers.empty() ? 0 : kRdnssFixedLen + 16 * servers.size();
}

// The ICMPv6 length of cfg's RA.
size_t ra_icmp_len(const RaConfig &cfg) {
    return kRaLen + kSllaLen + (cfg.mtu ? kMtuLen : 0) + kPioLen * cfg.prefixes.size() +
           rdnss_len(cfg.rdnss.servers) + rdnss_len(cfg.rdnss_withdrawn) +
           kPref64Len * ((cfg.pref64 ? 1 : 0) + cfg.pref64_withdrawn.size());
}

// Big-endian writer into a buffer sized in advance.
class Writer {
  public:
    explicit Writer(uint8_t *p) : p_(p) {}
    void u8(uint8_t v) { *p_++ = v; }
    void u16(uint16_t v) {
        u8(static_cast<uint8_t>(v >> 8));
        u8(static_cast<uint8_t>(v));
    }
    void u32(uint32_t v) {
        u16(static_cast<uint16_t>(v >> 16));
        u16(static_cast<uint16_t>(v));
    }
    template <size_t N>
    void bytes(const std::array<uint8_t, N> &a) {
        p_ = std::copy(a.begin(), a.end(), p_);
    }
    uint8_t *pos() const { return p_; }

  private:
    uint8_t *p_;
};

// RFC 8200 §8.1: the upper-layer checksum covers a pseudo-header of source,
// destination, upper-layer packet length (32 bits) and next header.
uint32_t pseudo_header_sum(const Ipv6Addr &src, const Ipv6Addr &dst, uint32_t len) {
    uint32_t sum = nat64::csum_add_bytes(0, src.b.data(), src.b.size());
    sum = nat64::csum_add_bytes(sum, dst.b.data(), dst.b.size());
    sum = nat64::csum_add16(sum, static_cast<uint16_t>(len >> 16));
    sum = nat64::csum_add16(sum, static_cast<uint16_t>(len));
    return nat64::csum_add16(sum, kNextHeaderIcmpv6);
}

}  // namespace

Mac multicast_mac(const Ipv6Addr &group) {
    return {0x33, 0x33, group.b[12], group.b[13], group.b[14], group.b[15]};
}

std::optional<uint8_t> pref64_plc(uint8_t prefix_len) {
    // RFC 8781 §4, PLC: 0..5 stand for 96, 64, 56, 48, 40 and 32 bits.
    switch (prefix_len) {
        case 96:
            return 0;
        case 64:
            return 1;
        case 56:
            return 2;
        case 48:
            return 3;
        case 40:
            return 4;
        case 32:
            return 5;
        default:
            return std::nullopt;
    }
}

uint16_t pref64_scaled_lifetime(uint32_t seconds) {
    // RFC 8781 §4.1: seconds / 8 rounded up (so the prefix does not expire
    // before the router lifetime it was sized for), clamped to 13 bits.
    const uint32_t units = seconds / 8 + (seconds % 8 != 0);
    return static_cast<uint16_t>(std::min(units, kMaxScaledLifetime));
}

std::optional<std::string> ra_config_error(const RaConfig &cfg) {
    if (is_group_mac(cfg.router_mac) || cfg.router_mac == Mac{}) {
        return fmt::format("router_mac: not a unicast MAC (got {})", format_mac(cfg.router_mac));
    }
    // RFC 4861 §4.2: the source MUST be the router's link-local address.
    if (!is_link_local(cfg.router_ip)) {
        return fmt::format("router_ip: not a link-local address (got {})",
                           nat64::format_ipv6(cfg.router_ip));
    }
    if (cfg.reachable_time > kMaxReachableTime) {
        return fmt::format("reachable_time: more than {} ms (RFC 4861 §6.2.1) (got {})",
                           kMaxReachableTime, cfg.reachable_time);
    }
    for (size_t i = 0; i < cfg.prefixes.size(); ++i) {
        const RaPrefix &p = cfg.prefixes[i];
        if (p.prefix.len == 0 || p.prefix.len > 128) {
            return fmt::format("prefixes[{}].prefix: length must be 1..128 (got {})", i,
                               p.prefix.len);
        }
        // RFC 4861 §4.6.2: no Prefix Information for the link-local prefix
        // (hosts ignore it, RFC 4862 §5.5.3 b); a multicast prefix is
        // never on-link.
        if (is_link_local(p.prefix.addr) || is_multicast(p.prefix.addr)) {
            return fmt::format("prefixes[{}].prefix: link-local or multicast (got {})", i,
                               nat64::format_prefix(p.prefix));
        }
        // RFC 4862 §5.5.3 c: hosts ignore a prefix whose preferred lifetime
        // exceeds its valid lifetime.
        if (p.preferred_lifetime > p.valid_lifetime) {
            return fmt::format(
                "prefixes[{}].preferred_lifetime: more than the valid lifetime {} (got {})", i,
                p.valid_lifetime, p.preferred_lifetime);
        }
    }
    if (cfg.mtu && *cfg.mtu < kIpv6MinMtu) {
        return fmt::format("mtu: less than the IPv6 minimum {} (RFC 8200 §5) (got {})", kIpv6MinMtu,
                           *cfg.mtu);
    }
    for (const auto &[name, servers] : {std::pair{"rdnss.servers", &cfg.rdnss.servers},
                                        std::pair{"rdnss_withdrawn", &cfg.rdnss_withdrawn}}) {
        if (servers->size() > kMaxRdnssServers) {
            return fmt::format("{}: more than {} servers do not fit one option (got {})", name,
                               kMaxRdnssServers, servers->size());
        }
        for (size_t i = 0; i < servers->size(); ++i) {
            const Ipv6Addr &s = (*servers)[i];
            if (is_unspecified(s) || is_multicast(s)) {
                return fmt::format("{}[{}]: not a unicast address (got {})", name, i,
                                   nat64::format_ipv6(s));
            }
        }
    }
    // RFC 8781 §4: only the RFC 6052 prefix lengths have a PLC.
    if (cfg.pref64 && !pref64_plc(cfg.pref64->prefix.len)) {
        return fmt::format("pref64.prefix: length must be 32, 40, 48, 56, 64 or 96 (got {})",
                           nat64::format_prefix(cfg.pref64->prefix));
    }
    for (size_t i = 0; i < cfg.pref64_withdrawn.size(); ++i) {
        if (!pref64_plc(cfg.pref64_withdrawn[i].len)) {
            return fmt::format(
                "pref64_withdrawn[{}]: length must be 32, 40, 48, 56, 64 or 96 (got {})", i,
                nat64::format_prefix(cfg.pref64_withdrawn[i]));
        }
    }
    // RFC 4861 §6.2.3 would split an RA larger than the link MTU into
    // several; we refuse instead (a VNet has a handful of prefixes).
    const size_t packet = kIpv6HeaderLen + ra_icmp_len(cfg);
    const uint32_t link_mtu = cfg.mtu.value_or(kIpv6MinMtu);
    if (packet > link_mtu) {
        return fmt::format("prefixes: the RA ({} bytes) exceeds the link MTU {}", packet, link_mtu);
    }
    return std::nullopt;
}

RaFrame build_ra(const RaConfig &cfg, const Mac &dst_mac, const Ipv6Addr &dst_ip) {
    if (auto err = ra_config_error(cfg)) return {{}, std::move(*err)};
    if (is_unspecified(dst_ip)) return {{}, "dst_ip: the unspecified address"};
    if (is_multicast(dst_ip) ? dst_mac != multicast_mac(dst_ip) : is_group_mac(dst_mac)) {
        return {{},
                fmt::format("dst_mac: {} does not reach {}", format_mac(dst_mac),
                            nat64::format_ipv6(dst_ip))};
    }

    const size_t icmp_len = ra_icmp_len(cfg);
    RaFrame out;
    out.bytes.resize(kEthHeaderLen + kIpv6HeaderLen + icmp_len);
    Writer w(out.bytes.data());

    // Ethernet II (RFC 2464 §3).
    w.bytes(dst_mac);
    w.bytes(cfg.router_mac);
    w.u16(kEthertypeIpv6);

    // IPv6 (RFC 8200 §3): version 6, traffic class 0, flow label 0.
    w.u32(6u << 28);
    w.u16(static_cast<uint16_t>(icmp_len));  // payload length
    w.u8(kNextHeaderIcmpv6);
    w.u8(kNdHopLimit);
    w.bytes(cfg.router_ip.b);
    w.bytes(dst_ip.b);

    // ICMPv6 Router Advertisement (RFC 4861 §4.2).
    uint8_t *const icmp = w.pos();
    w.u8(kTypeRouterAdvertisement);
    w.u8(0);   // code
    w.u16(0);  // checksum, filled in below
    w.u8(cfg.cur_hop_limit);
    w.u8(static_cast<uint8_t>((cfg.managed ? kFlagManaged : 0) | (cfg.other ? kFlagOther : 0)));
    w.u16(cfg.router_lifetime);
    w.u32(cfg.reachable_time);
    w.u32(cfg.retrans_timer);

    // Source Link-Layer Address (RFC 4861 §4.6.1; Ethernet: RFC 2464 §6).
    w.u8(kOptSourceLinkLayerAddress);
    w.u8(kSllaLen / kOptUnit);
    w.bytes(cfg.router_mac);

    // MTU (RFC 4861 §4.6.4).
    if (cfg.mtu) {
        w.u8(kOptMtu);
        w.u8(kMtuLen / kOptUnit);
        w.u16(0);  // reserved
        w.u32(*cfg.mtu);
    }

    // Prefix Information (RFC 4861 §4.6.2), one per prefix.
    for (const RaPrefix &p : cfg.prefixes) {
        w.u8(kOptPrefixInformation);
        w.u8(kPioLen / kOptUnit);
        w.u8(p.prefix.len);
        w.u8(static_cast<uint8_t>(kPioOnLink | (p.prefix.len == 64 ? kPioAutonomous : 0)));
        w.u32(p.valid_lifetime);
        w.u32(p.preferred_lifetime);
        w.u32(0);  // Reserved2
        w.bytes(masked(p.prefix.addr, p.prefix.len).b);
    }

    // Recursive DNS Server (RFC 8106 §5.1): the servers, then those
    // withdrawn (lifetime 0).
    auto rdnss = [&](const std::vector<Ipv6Addr> &servers, uint32_t lifetime) {
        if (servers.empty()) return;
        w.u8(kOptRdnss);
        w.u8(static_cast<uint8_t>(rdnss_len(servers) / kOptUnit));  // 1 + 2 x servers
        w.u16(0);                                                   // reserved
        w.u32(lifetime);
        for (const Ipv6Addr &s : servers)
            w.bytes(s.b);
    };
    rdnss(cfg.rdnss.servers, cfg.rdnss.lifetime);
    rdnss(cfg.rdnss_withdrawn, 0);

    // PREF64 (RFC 8781 §4): scaled lifetime in the upper 13 bits of the
    // second 16-bit word, PLC in the lower 3, then the prefix's first 96
    // bits; the prefix, then each withdrawn one (lifetime 0).
    auto pref64 = [&](const nat64::Ipv6Prefix &prefix, uint32_t lifetime) {
        w.u8(kOptPref64);
        w.u8(kPref64Len / kOptUnit);
        w.u16(
            static_cast<uint16_t>(pref64_scaled_lifetime(lifetime) << 3 | *pref64_plc(prefix.len)));
        const Ipv6Addr a = masked(prefix.addr, prefix.len);
        for (size_t i = 0; i < 12; ++i)
            w.u8(a.b[i]);
    };
    if (cfg.pref64) pref64(cfg.pref64->prefix, cfg.pref64->lifetime);
    for (const auto &p : cfg.pref64_withdrawn)
        pref64(p, 0);

    // RFC 4443 §2.3: the checksum over the pseudo-header and the message.
    uint32_t sum = pseudo_header_sum(cfg.router_ip, dst_ip, static_cast<uint32_t>(icmp_len));
    sum = nat64::csum_add_bytes(sum, icmp, icmp_len);
    const uint16_t csum = nat64::csum_finish(sum);
    icmp[2] = static_cast<uint8_t>(csum >> 8);
    icmp[3] = static_cast<uint8_t>(csum);
    return out;
}

std::optional<RouterSolicitation> parse_rs(const uint8_t *frame, size_t len) {
    if (frame == nullptr || len < kEthHeaderLen + kIpv6HeaderLen) return std::nullopt;

    // Ethernet II, untagged, carrying IPv6 (a VLAN tag shows as 0x8100).
    if (nat64::rd16(frame + 12) != kEthertypeIpv6) return std::nullopt;
    RouterSolicitation rs;
    std::copy_n(frame + 6, 6, rs.eth_src.begin());
    // IEEE 802: a source MAC is unicast (group bit clear); the answer goes
    // back to it (found by fuzz_rs).
    if (rs.eth_src[0] & 1) return std::nullopt;

    // IPv6 header (RFC 8200 §3).
    const uint8_t *ip = frame + kEthHeaderLen;
    if (ip[0] >> 4 != 6) return std::nullopt;
    const size_t payload_len = nat64::rd16(ip + 4);
    if (payload_len > len - kEthHeaderLen - kIpv6HeaderLen) return std::nullopt;
    // Limitation: ICMPv6 directly after the IPv6 header, no extension headers.
    if (ip[6] != kNextHeaderIcmpv6) return std::nullopt;
    // RFC 4861 §6.1.1: the IP Hop Limit field has a value of 255.
    if (ip[7] != kNdHopLimit) return std::nullopt;
    Ipv6Addr dst;
    std::copy_n(ip + 8, 16, rs.ip_src.b.begin());
    std::copy_n(ip + 24, 16, dst.b.begin());
    // RFC 4291 §2.7: a multicast address is never a source.
    if (is_multicast(rs.ip_src)) return std::nullopt;

    // ICMPv6 (RFC 4861 §4.1).  §6.1.1: the ICMP length, derived from the IP
    // length, is 8 or more octets; ICMP code is 0.
    const uint8_t *icmp = ip + kIpv6HeaderLen;
    const size_t icmp_len = payload_len;
    if (icmp_len < kRsLen) return std::nullopt;
    if (icmp[0] != kTypeRouterSolicitation || icmp[1] != 0) return std::nullopt;
    // §6.1.1: the ICMP checksum is valid (RFC 4443 §2.3: the sum over the
    // pseudo-header and the message, checksum included, is all ones).
    uint32_t sum = pseudo_header_sum(rs.ip_src, dst, static_cast<uint32_t>(icmp_len));
    sum = nat64::csum_add_bytes(sum, icmp, icmp_len);
    if (nat64::csum_fold(sum) != 0xffff) return std::nullopt;

    // Options (RFC 4861 §4.6): §6.1.1 wants every length > 0; each option
    // must also lie inside the message.  The Reserved field and unknown
    // options are ignored (§6.1.1, §4.6).
    bool has_slla = false;
    for (size_t off = kRsLen; off < icmp_len;) {
        if (icmp_len - off < 2) return std::nullopt;
        const uint8_t type = icmp[off];
        const size_t opt_len = size_t{icmp[off + 1]} * kOptUnit;
        if (opt_len == 0 || opt_len > icmp_len - off) return std::nullopt;
        if (type == kOptSourceLinkLayerAddress) {
            has_slla = true;
            // RFC 2464 §6: an Ethernet address makes the option 8 bytes; the
            // first such option counts.
            if (opt_len == kSllaLen && !rs.source_link_layer) {
                Mac m{};
                std::copy_n(icmp + off + 2, 6, m.begin());
                // The host's own address, hence unicast; the answer is
                // sent to it.
                if (m[0] & 1) return std::nullopt;
                rs.source_link_layer = m;
            }
        }
        off += opt_len;
    }
    // §6.1.1: if the IP source address is the unspecified address, there is
    // no source link-layer address option in the message.
    if (has_slla && is_unspecified(rs.ip_src)) return std::nullopt;
    return rs;
}

RaDestination ra_destination(const RouterSolicitation &rs) {
    if (is_unspecified(rs.ip_src)) return {kAllNodesMac, kAllNodes};
    return {rs.source_link_layer.value_or(rs.eth_src), rs.ip_src};
}

}  // namespace nat64d
