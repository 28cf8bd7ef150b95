// What nat64d wants a node to look like: the IPv6-only VNets of this node,
// each with its subnets and its complete, validated translator instance.
// Built from Proxmox's applied SDN state plus our per-VNet settings
// (sdn_config.cpp); turned into bridges, flows, instances and routes by the
// reconciler.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "nat64/config.hpp"

namespace nat64d {

// The zone type our SDN plugin registers (sdn-plugin/).
inline constexpr const char *kZoneType = "ipv6only";
// The well-known NAT64 prefix (RFC 6052 §2.1), pool6 when the zone names none.
inline constexpr const char *kDefaultPool6 = "64:ff9b::/96";
// Our per-VNet settings, next to .running-config (docs/reference.md).
inline constexpr const char *kSettingsFile = "nat64.json";
inline constexpr const char *kRunningConfigFile = ".running-config";

struct Subnet6 {
    std::string id;  // Proxmox's subnet id, "<zone>-<network>-<mask>"
    nat64::Ipv6Prefix prefix;
    std::optional<nat64::Ipv6Addr> gateway;
    bool operator==(const Subnet6 &) const = default;
};

// The zone's "dns64": 'local' runs a DNS64 resolver (unbound) on the VNet's
// gateway addresses, 'off' runs and announces none.
enum class Dns64Mode { local, off };

struct VNetSpec {
    std::string vnet;  // VNet id = bridge name (Proxmox names the VNet's interface after it)
    std::string zone;
    uint32_t mtu = 1500;  // the zone's mtu, else 1500
    // The zone's "ra" (default on): nat64d is the VNet's router for its
    // guests and sends router advertisements (SLAAC prefixes, MTU, RDNSS,
    // PREF64); off for VNets with a router of their own.
    bool ra = true;
    // The zone's "dns64" and "dns64-server".  The resolver the RAs announce
    // (RDNSS, RFC 8106): dns64_server when set (then no local resolver
    // runs), else with Dns64Mode::local the gateway addresses the local
    // resolver listens on, else none.
    Dns64Mode dns64 = Dns64Mode::local;
    std::optional<nat64::Ipv6Addr> dns64_server;
    std::vector<Subnet6> subnets;  // IPv6 subnets only, sorted by id
    // The complete instance document: settings from nat64.json with nat64d's
    // defaults filled in (instance id, pool6, router-ipv6/-ipv4, MTUs).
    nat64::InstanceConfig instance;
    bool operator==(const VNetSpec &) const = default;
};

// One problem found while reading the configuration.  vnet is empty for a
// problem that is not one VNet's (an unreadable file, a bad zone).
struct Problem {
    std::string vnet;
    std::string message;   // names the file, the object and the key
    bool warning = false;  // true: something was ignored, nothing failed
};

struct Desired {
    uint64_t version = 0;                   // .running-config's "version" (0: none applied yet)
    std::map<std::string, VNetSpec> vnets;  // by VNet id: the VNets that are fine
    // VNets of this node whose configuration is wrong: nat64d leaves what it
    // already runs for them as it is (the previous good state).
    std::map<std::string, std::string> failed;  // VNet id -> message
    std::vector<Problem> problems;              // every problem, failed VNets included
};

// A file that cannot be read or parsed as a whole (malformed JSON, wrong top
// level shape): nothing in it can be trusted, so the caller keeps everything
// as it is.
class ConfigFileError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

}  // namespace nat64d
