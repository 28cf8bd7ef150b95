// The read-only views of this node's datapath, per VNet: status, stats,
// session list, flows and trace.  They find the VNet's instance and bridge
// the way nat64d does (SettingsStore::spec_here) and ask ovs-vswitchd.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "nat64ctl/ops_cmd.hpp"

namespace nat64::ctl {

class ViewCommands {
  public:
    explicit ViewCommands(CLI::App &app);
    std::optional<int> run();

  private:
    int run_status();
    int run_stats();
    int run_sessions();
    int run_flows();
    int run_trace();

    OpsOptions opt_;
    CLI::App *status_ = nullptr, *stats_ = nullptr, *sessions_ = nullptr, *flows_ = nullptr,
             *trace_ = nullptr;
    std::string vnet_, protocol_, address_, pve_root_ = "/", dns64_dir_ = "/run/nat64d/dns64";
    std::vector<std::string> flow_;
    bool json_ = false, csv_ = false, numeric_ = false, explain_ = false;
};

}  // namespace nat64::ctl
