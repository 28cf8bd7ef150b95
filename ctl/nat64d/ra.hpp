// Router advertisements: the packet layer of nat64d's own router (issue #8).
// nat64d answers Router Solicitations (packet-in) and sends Router
// Advertisements (packet-out) per VNet itself, because Debian 12's radvd has
// no PREF64 option.  This file only builds and parses frames; when to send
// them (RFC 4861 §6.2.4 intervals, §6.2.6 rate limits) is the caller's.
//
// Layouts and rules follow the RFCs, which the comments cite:
//   RFC 4861  Neighbor Discovery: RS §4.1, RA §4.2, options §4.6, RS
//             validation §6.1.1, router variables §6.2.1
//   RFC 8106  Recursive DNS Server option §5.1
//   RFC 8781  PREF64 option §4
//   RFC 4291  link-local addresses §2.5.6, modified EUI-64 appendix A
//   RFC 2464  IPv6 over Ethernet: link-layer option §6, multicast MACs §7
//
// Everything is a pure function of its arguments: no I/O, no exceptions for
// bad input (errors are values naming the offending field).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nat64/config.hpp"
#include "nat64d/netlink.hpp"

namespace nat64d {

// The interval nat64d sends unsolicited RAs at (RFC 4861 §6.2.1
// MaxRtrAdvInterval, its default), on which the default lifetimes below
// are based.
inline constexpr uint32_t kMaxRtrAdvInterval = 600;

// All-nodes multicast (RFC 4291 §2.7.1) and its Ethernet MAC (RFC 2464 §7):
// the destination of unsolicited RAs (RFC 4861 §6.2.4).
inline constexpr nat64::Ipv6Addr kAllNodes{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
inline constexpr Mac kAllNodesMac{0x33, 0x33, 0x00, 0x00, 0x00, 0x01};

// RFC 2464 §7: an IPv6 multicast address maps to 33:33 followed by its
// last 32 bits.
Mac multicast_mac(const nat64::Ipv6Addr &group);

// One on-link prefix (RFC 4861 §4.6.2 Prefix Information option).  Every
// prefix is sent with L=1 (on-link); A=1 (autonomous address-configuration)
// only for a /64, because SLAAC forms addresses from a 64-bit interface
// identifier (RFC 4862 §5.5.3 d, RFC 4291 §2.5.1).  Defaults are RFC 4861
// §6.2.1's AdvValidLifetime (30 days) and AdvPreferredLifetime (7 days);
// 0xffffffff is infinity.
struct RaPrefix {
    nat64::Ipv6Prefix prefix;
    uint32_t valid_lifetime = 2592000;
    uint32_t preferred_lifetime = 604800;
    bool operator==(const RaPrefix &) const = default;
};

// RFC 8106 §5.1: the recursive DNS servers.  The lifetime SHOULD be at least
// 3 x MaxRtrAdvInterval by default; 0 withdraws the servers.
struct RaRdnss {
    std::vector<nat64::Ipv6Addr> servers;  // no option when empty
    uint32_t lifetime = 3 * kMaxRtrAdvInterval;
    bool operator==(const RaRdnss &) const = default;
};

// RFC 8781 §4: the NAT64 prefix (an RFC 6052 prefix: /32, /40, /48, /56,
// /64 or /96).  The lifetime is in seconds and is sent in units of 8 seconds
// rounded up, at most 8191 units (65528 s); RFC 8781 §4.1 wants at least
// 3 x MaxRtrAdvInterval.  0 withdraws the prefix.
struct RaPref64 {
    nat64::Ipv6Prefix prefix;
    uint32_t lifetime = 3 * kMaxRtrAdvInterval;
    bool operator==(const RaPref64 &) const = default;
};

// What one VNet's router advertises.  A value: check it once with
// ra_config_error() when the configuration changes, then build RAs from it.
struct RaConfig {
    Mac router_mac{};  // Ethernet source, and the Source Link-Layer Address option
    // RFC 4861 §4.2: the source of an RA MUST be the router's link-local
    // address on the interface (the one the kernel owns: Netlink::
    // usable_link_local()).
    nat64::Ipv6Addr router_ip{};
    // RFC 4861 §4.2 header fields (§6.2.1 AdvCurHopLimit,
    // AdvDefaultLifetime, AdvReachableTime, AdvRetransTimer); 0 means
    // "unspecified by this router" for hop limit, reachable time and
    // retrans timer, and "not a default router" for the router lifetime.
    uint8_t cur_hop_limit = 64;
    uint16_t router_lifetime = 3 * kMaxRtrAdvInterval;  // seconds
    uint32_t reachable_time = 0;                        // milliseconds, <= 3600000
    uint32_t retrans_timer = 0;                         // milliseconds
    bool managed = false;                               // M flag: addresses from DHCPv6
    bool other = false;                                 // O flag: other configuration from DHCPv6
    std::vector<RaPrefix> prefixes;
    std::optional<uint32_t> mtu;  // RFC 4861 §4.6.4; >= 1280 (RFC 8200 §5)
    RaRdnss rdnss;
    std::optional<RaPref64> pref64;
    // What the router no longer offers, sent with lifetime 0 so that hosts
    // drop it at once instead of when its lifetime runs out: resolvers in a
    // second RDNSS option (RFC 8106 §5.1: lifetime 0 means no longer
    // used), NAT64 prefixes in more PREF64 options (RFC 8781 §4: lifetime
    // 0 means no longer valid, §5 allows several).  (A withdrawn on-link
    // prefix is a RaPrefix with preferred lifetime 0: RFC 4862 §5.5.3 e.)
    std::vector<nat64::Ipv6Addr> rdnss_withdrawn;
    std::vector<nat64::Ipv6Prefix> pref64_withdrawn;
    bool operator==(const RaConfig &) const = default;
};

// Why cfg cannot be advertised, naming the field ("pref64.prefix: ..."), or
// nullopt when it can.
std::optional<std::string> ra_config_error(const RaConfig &cfg);

// What build_ra() returns: the frame, or why there is none.
struct RaFrame {
    std::vector<uint8_t> bytes;  // empty on error
    std::string error;           // empty on success; else names the field
    bool ok() const { return error.empty(); }
};

// The complete Ethernet frame of a Router Advertisement from cfg to dst_ip
// at dst_mac: Ethernet II, IPv6 (hop limit 255, RFC 4861 §4.2), ICMPv6
// type 134 with its checksum, then the options in this order: Source
// Link-Layer Address, MTU, Prefix Information (cfg.prefixes' order), RDNSS,
// RDNSS of rdnss_withdrawn (lifetime 0), PREF64, PREF64 of each of
// pref64_withdrawn (lifetime 0).  dst_ip is kAllNodes (at kAllNodesMac) or the unicast address of
// a soliciting host (RFC 4861 §6.2.6).  Refused (error set): a config that
// ra_config_error() refuses, an unspecified dst_ip, a multicast dst_ip with
// a dst_mac that is not its RFC 2464 mapping, and an RA larger than the link
// MTU (cfg.mtu, else the IPv6 minimum 1280; RFC 4861 §6.2.3 would split it).
RaFrame build_ra(const RaConfig &cfg, const Mac &dst_mac, const nat64::Ipv6Addr &dst_ip);

// RFC 8781 §4 encodings, exposed for tests and diagnostics.
// The Prefix Length Code of an RFC 6052 prefix length (96 -> 0, 64 -> 1,
// 56 -> 2, 48 -> 3, 40 -> 4, 32 -> 5), nullopt for any other length.
std::optional<uint8_t> pref64_plc(uint8_t prefix_len);
// The 13-bit Scaled Lifetime: seconds / 8 rounded up, at most 8191.
uint16_t pref64_scaled_lifetime(uint32_t seconds);

// A Router Solicitation that passed RFC 4861 §6.1.1 validation.
struct RouterSolicitation {
    Mac eth_src{};             // the Ethernet source address
    nat64::Ipv6Addr ip_src{};  // :: when the host has no address yet
    // The Source Link-Layer Address option (RFC 4861 §4.6.1), if the RS
    // carried one with an Ethernet address (length 1, RFC 2464 §6).
    std::optional<Mac> source_link_layer;
};

// Parses an Ethernet frame and returns the RS in it, or nullopt when it is
// not a valid RS.  Checks every RFC 4861 §6.1.1 rule: hop limit 255, valid
// ICMPv6 checksum, code 0, ICMPv6 length (from the IPv6 payload length) of 8
// or more, every option length > 0 and every option inside the message, no
// Source Link-Layer Address option when the source is ::.  Also refused:
// anything that is not untagged Ethernet II carrying IPv6, an IPv6 payload
// length beyond the frame, and a multicast source (RFC 4291 §2.7).
// Limitation: ICMPv6 must follow the IPv6 header directly (next header 58).
// An RS with extension headers is refused; hosts send none (RFC 6980 forbids
// fragmented ND messages, and an RS needs no other extension header).
// Bytes after the IPv6 payload (Ethernet padding) are ignored.  Safe on any
// input: every read is bounds-checked against len.
std::optional<RouterSolicitation> parse_rs(const uint8_t *frame, size_t len);

// Where to answer rs (RFC 4861 §6.2.6): unicast to its source, at its
// Source Link-Layer Address option's MAC or else its Ethernet source; to
// all-nodes when the source is :: (the host cannot receive unicast yet).
// Rate-limiting the multicast answers (MIN_DELAY_BETWEEN_RAS) is the
// caller's.
struct RaDestination {
    Mac mac{};
    nat64::Ipv6Addr ip{};
};
RaDestination ra_destination(const RouterSolicitation &rs);

}  // namespace nat64d
