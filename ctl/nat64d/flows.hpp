// The OpenFlow pipeline of one VNet's bridge (docs/design.md, "Packet walk"),
// the translator's MAC and the IPv4 routes that lead to it.  Pure functions
// of the VNet's spec, so the unit tests and --dry-run see exactly what the
// reconciler installs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nat64d/model.hpp"
#include "nat64d/netlink.hpp"

namespace nat64d {

// Cookies: the upper 32 bits say "nat64d" ("N64\0"), the lower 32 bits are
// the VNet's instance id.  Everything nat64d installs on a bridge carries
// kCookieOwner in the upper half, and only flows matching it under
// kCookieOwnerMask are ever dumped, replaced or deleted: flows of anyone
// else on the same bridge are never touched.
inline constexpr uint64_t kCookieOwner = 0x4e36340000000000ULL;
inline constexpr uint64_t kCookieOwnerMask = 0xffffffff00000000ULL;
constexpr uint64_t vnet_cookie(uint32_t instance) {
    return kCookieOwner | instance;
}

// The next hop through which the host routes a VNet's IPv4 addresses (pool4,
// EAMT) into the bridge: an IPv4 link-local address (RFC 3927) that exists
// only as a permanent neighbour entry pointing at translator_mac(), so the
// host never ARPs and no VM can answer for it.  The same on every bridge:
// neighbour entries are per device.
inline constexpr uint32_t kIpv4NextHop = 0xa9fe4001;  // 169.254.64.1

// The meter our Router Solicitation flows go through before they reach
// nat64d (the controller): every RS costs ovs-vswitchd a slow-path upcall
// and a packet-in, so a guest flooding RSs would take a core of
// ovs-vswitchd, which forwards every VNet's traffic; the meter drops the
// excess in the datapath's fast path.  Per bridge; guests send 3 RSs when
// their link comes up (RFC 4861 §6.3.7), so a thousand a second with a
// burst of a thousand serves hundreds of guests booting at once.
inline constexpr uint32_t kRsMeterId = 64;
inline constexpr uint32_t kRsMeterPktps = 1000;
inline constexpr uint32_t kRsMeterBurst = 1000;

// The translator's MAC on the bridge's internal port: locally administered
// (RFC 7042 §2.1), 02:64 followed by the instance id.
Mac translator_mac(uint32_t instance);
// The MAC nat64d gives the internal port of a bridge it creates: the VMs'
// gateway.  02:65 followed by the instance id.
Mac gateway_mac(uint32_t instance);

// The MAC nat64d gives a VNet's bridge when it creates it: gateway_mac()
// of the VNet's *default* instance id, whatever instance nat64.json sets,
// because that is what the zone plugin's ifupdown2 stanza sets too
// (sdn-plugin: default_bridge_mac); the router MAC guests cache then does
// not change when ifupdown2 takes the bridge over.
Mac bridge_mac(const VNetSpec &spec);

// The flows for spec's bridge, one per line in ovs-ofctl add-flow syntax,
// with '#' comment lines saying why.  host_mac is the MAC of the bridge's
// internal port (the gateway the VMs talk to, and the host's side).
std::string vnet_flows(const VNetSpec &spec, const Mac &host_mac);

// The IPv4 prefixes the host routes into spec's bridge: pool4 and the EAMT's
// IPv4 side, sorted, without duplicates.
std::vector<nat64::Ipv4Prefix> vnet_ipv4_prefixes(const VNetSpec &spec);

// The EAMT IPv6 prefixes that are destinations (remote IPv4 space mapped
// into IPv6), not the VNet's own hosts: those outside every subnet.
std::vector<nat64::Ipv6Prefix> eamt_remote_prefixes(const VNetSpec &spec);

}  // namespace nat64d
