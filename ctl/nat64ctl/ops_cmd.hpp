// The per-VNet operator commands: pool4, eamt and bib (static BIB: port
// forwards) add|remove|list.  They edit nat64.json (SettingsStore) and, unless
// --no-apply, wait until this node's nat64d has put the change into the
// datapath.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace nat64::ctl {

class SettingsStore;

struct OpsOptions {
    std::string config_dir = "/etc/pve/sdn";
    std::string node;  // default: the host name up to its first dot
    std::string ovs_rundir = "/run/openvswitch";
    std::string ovs_ctl;  // default: <ovs_rundir>/ovs-vswitchd.<pid>.ctl
    double apply_timeout = 3.0;
};

// --config-dir, --node, --ovs-rundir, --ovs-ctl: where the configuration
// and this node's Open vSwitch are.
void add_location_options(CLI::App *cmd, OpsOptions &opt);
// --json and --csv (exclusive) of the list commands.
void add_format_options(CLI::App *cmd, bool &json, bool &csv);

class OpsCommands {
  public:
    // Registers the commands (and the options they share) on app.
    explicit OpsCommands(CLI::App &app);
    // Runs the command that was given, if it is one of these: its exit code.
    std::optional<int> run();

  private:
    struct Sub {
        CLI::App *add = nullptr, *remove = nullptr, *list = nullptr;
    };
    void add_common(CLI::App *cmd, bool edits);
    int run_pool4();
    int run_eamt();
    int run_bib();
    int finish_edit(const std::string &what, const std::string &text);
    int add_or_remove(SettingsStore &store, bool add, const char *key,
                      const nlohmann::ordered_json &entry, const std::string &what);
    std::string edit(SettingsStore &store, const std::string &what,
                     const std::function<void(nlohmann::ordered_json &)> &fn);

    OpsOptions opt_;
    Sub pool4_, eamt_, bib_;
    std::string vnet_;
    bool no_apply_ = false, json_ = false, csv_ = false;
    std::string prefix_, ports_, ipv6_, ipv4_, protocol_;
    std::vector<std::string> protocols_;
};

}  // namespace nat64::ctl
