#include "nat64ctl/registration.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace nat64::ctl {

namespace {

// Whether a line of the file, leading blanks aside, starts with `text`
// (so a commented-out registration does not count).
bool has_line_starting(const std::filesystem::path &file, const std::string &text) {
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
        auto first = line.find_first_not_of(" \t");
        if (first != std::string::npos && line.compare(first, text.size(), text) == 0) return true;
    }
    return false;
}

}  // namespace

Registration check_registration(const std::string &root) {
    namespace fs = std::filesystem;
    const fs::path base(root);
    Registration r;
    std::error_code ec;
    const fs::path zones = base / kPveZonesModule;
    r.proxmox = fs::exists(zones, ec);
    if (!r.proxmox) return r;

    const fs::path plugin = base / kPluginModule;
    if (!fs::exists(plugin, ec))
        r.missing.push_back("the plugin module /" + std::string(kPluginModule));
    if (!has_line_starting(zones, kZonesRegisterLine)) {
        r.missing.push_back(std::string("the zone type in /") + kPveZonesModule +
                            " (pve-network upgraded?)");
    }
    const fs::path bundle = base / kPveManagerBundle;
    if (fs::exists(bundle, ec)) {
        r.gui = has_line_starting(bundle, kGuiBlockBegin);
        if (!r.gui) {
            r.missing.push_back(std::string("the GUI panel in /") + kPveManagerBundle +
                                " (pve-manager upgraded?)");
        }
    }
    return r;
}

std::string Registration::summary() const {
    if (!proxmox) return "not checked: pve-network is not installed (not a Proxmox VE node)";
    if (ok()) return gui ? "registered (API and GUI)" : "registered (API; no GUI installed)";
    std::ostringstream out;
    out << "NOT REGISTERED: missing ";
    for (size_t i = 0; i < missing.size(); i++)
        out << (i ? "; " : "") << missing[i];
    out << ". Run 'ovs-nat64-sdn-register apply' as root";
    return out.str();
}

}  // namespace nat64::ctl
