// nat64.json, the per-VNet translator settings that nat64d reads
// (docs/reference.md, "nat64d"), as nat64ctl edits it: read, changed under a
// lock, validated as a whole against Proxmox's .running-config, and written
// atomically, so that nothing is ever half-applied and concurrent nat64ctl
// runs (on this node or another one: the directory is the cluster file
// system) never lose each other's changes.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "nat64d/model.hpp"

namespace nat64::ctl {

class SettingsStore {
  public:
    // dir: the config directory (/etc/pve/sdn); node: this node's name.
    SettingsStore(std::filesystem::path dir, std::string node);

    // The whole document ({"version": 1, "vnets": {}} when there is no file).
    nlohmann::ordered_json load() const;

    // One VNet's settings object ({} when it has none).  Throws InputError
    // when vnet is not a VNet of an ipv6only zone in .running-config.
    nlohmann::ordered_json vnet_settings(const std::string &vnet) const;

    // Changes one VNet's settings object: 'edit' runs on the file's current
    // content under the lock (it throws InputError to refuse), the whole
    // result is validated, and only then written (temp file + rename).
    // Returns the file's new text.
    std::string edit(const std::string &vnet,
                     const std::function<void(nlohmann::ordered_json &)> &edit);

    // What nat64d will run for vnet on this node, from the settings text
    // given: nullopt if the VNet's zone does not include this node.
    std::optional<nat64d::VNetSpec> spec_here(const std::string &vnet,
                                              const std::string &settings_text) const;

    std::filesystem::path path() const { return dir_ / nat64d::kSettingsFile; }

  private:
    std::string running_config() const;
    void check_vnet(const std::string &running, const std::string &vnet) const;
    void validate(const std::string &running, const std::string &text,
                  const std::string &vnet) const;

    std::filesystem::path dir_;
    std::string node_;
};

}  // namespace nat64::ctl
