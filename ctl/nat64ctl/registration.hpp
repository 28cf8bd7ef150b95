// Whether this Proxmox VE node has the ipv6only zone type registered:
// pve-network loads zone types from a fixed list in Zones.pm and the GUI
// from pve-manager's bundle, so sdn-plugin/ovs-nat64-sdn-register patches
// both, and a pve-network or pve-manager upgrade undoes that until the apt
// hook re-applies it.  nat64ctl status reports what is missing.
#pragma once

#include <string>
#include <vector>

namespace nat64::ctl {

// Installed paths, relative to the root of the node's file system.
inline constexpr const char *kPveZonesModule = "usr/share/perl5/PVE/Network/SDN/Zones.pm";
inline constexpr const char *kPluginModule =
    "usr/share/perl5/PVE/Network/SDN/Zones/Ipv6OnlyPlugin.pm";
inline constexpr const char *kPveManagerBundle = "usr/share/pve-manager/js/pvemanagerlib.js";
// What the registration tool writes (and removes) in those files.
inline constexpr const char *kZonesRegisterLine =
    "PVE::Network::SDN::Zones::Ipv6OnlyPlugin->register();";
inline constexpr const char *kGuiBlockBegin = "// BEGIN ovs-nat64 ipv6only zone";

struct Registration {
    bool proxmox = false;              // pve-network is installed (else nothing to check)
    std::vector<std::string> missing;  // what is missing, each naming its file
    bool gui = false;                  // pve-manager's GUI is installed and has the panel
    bool ok() const { return missing.empty(); }
    // One line for people: "registered (API and GUI)", "NOT REGISTERED: ...".
    std::string summary() const;
};

// root: "/" on a node; tests pass a directory laid out like one.
Registration check_registration(const std::string &root);

}  // namespace nat64::ctl
