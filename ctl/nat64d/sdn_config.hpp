// Reading the SDN configuration: Proxmox's applied state plus our per-VNet
// translator settings, turned into what this node should run (model.hpp).
//
// Two files in the configuration directory (default /etc/pve/sdn, the
// cluster file system, so every node reads the same text):
//
// .running-config (kRunningConfigFile) is pve-network's, written when the
//   SDN configuration is applied (PUT /cluster/sdn):
//     {"version": N, "zones": {"ids": {...}}, "vnets": {"ids": {...}},
//      "subnets": {"ids": {...}}, "controllers": {"ids": {}}, ...}
//   Entries carry "type" and the .cfg options verbatim.  nat64d uses the
//   zones of type "ipv6only" whose "nodes" include this node (absent or
//   empty: every node), their VNets, and those VNets' IPv6 subnets.  Zone
//   keys read: "nat64-prefix" (pool6 of the zone's VNets, default
//   64:ff9b::/96) and "mtu" (1280..65535, default 1500).
//
// nat64.json (kSettingsFile) is ours, written by nat64ctl:
//     {"version": 1,
//      "vnets": {"vnet1": {"pool4": [{"prefix": "198.51.100.64/30", "ports": "1024-65535"}],
//                          "eamt": [{"ipv6": "2001:db8:1::5/128", "ipv4": "198.51.100.5/32"}],
//                          "max-sessions": 100000}}}
//   "version" must be 1; "vnets" (optional) maps a VNet id to a partial
//   instance document: any key of docs/reference.md's instance document,
//   "instance" included, and no other.  Duplicate keys are refused, as the
//   instance document parser refuses them.  nat64d fills in, for each key
//   the settings leave out:
//     instance      a per-node unique id derived from the VNet id
//                   (default_instance_id, bumped past ids already taken)
//     pool6         the zone's nat64-prefix, else 64:ff9b::/96 (an explicit
//                   null stays null: no pool6)
//     router-ipv6   the gateway of the VNet's first subnet that has one
//     router-ipv4   the first address of the first pool4 entry's prefix
//     ipv4-mtu, ipv6-mtu   the zone's mtu, else 1500
//   Settings for a VNet that .running-config does not know are ignored
//   with a warning; settings for VNets of other zones or nodes silently.
//
// A file that is unusable as a whole throws ConfigFileError; a problem in
// one zone or VNet fails only the VNets concerned (Desired::failed), so
// one typo never disturbs the other VNets of the node.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "nat64d/model.hpp"

namespace nat64d {

// FNV-1a 32-bit of the VNet id, folded into 1..2^31-1: the instance id of
// a VNet whose settings name none.
uint32_t default_instance_id(std::string_view vnet);

// Pure: the contents of .running-config and nat64.json (std::nullopt =
// file absent) -> this node's VNets.  Throws ConfigFileError (message
// starts with the file name) when either file as a whole is unusable.
Desired build_desired(const std::optional<std::string> &running_config,
                      const std::optional<std::string> &settings, const std::string &node);

// This node's name as Proxmox spells it (PVE::INotify::nodename): the host
// name up to its first dot.
std::string this_node();

// A node that the zone (its .running-config entry) runs on, as nat64d
// decides it: 'preferred' if the zone includes it, else the first node it
// names that it includes; nullopt if none (or "nodes" is malformed).
std::optional<std::string> node_of_zone(const nlohmann::json &zone, const std::string &preferred);

// Reads <dir>/.running-config and <dir>/nat64.json and calls build_desired.
// An absent file is fine (see build_desired); an existing file that cannot
// be read, or a missing <dir>, is a ConfigFileError.
Desired load_desired(const std::filesystem::path &dir, const std::string &node);

}  // namespace nat64d
