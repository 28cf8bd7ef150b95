// One reconciliation pass makes the node match the configuration: for every
// IPv6-only VNet of this node its bridge, addresses, forwarding sysctls,
// translator instance, flows, routes and neighbour entry; and removes what
// nat64d made for VNets that are gone.  Passes are idempotent and cheap when
// nothing drifted (reads only), so the daemon simply runs one after every
// configuration change and every --interval (docs/design.md,
// "Reconciliation").
#pragma once

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "nat64d/model.hpp"
#include "nat64d/netlink.hpp"
#include "nat64d/ovs.hpp"

namespace nat64d {

struct ReconcilerOptions {
    std::filesystem::path config_dir;
    std::string node;
    bool dry_run = false;  // print the intended changes to plan_out, change nothing
};

class Reconciler {
  public:
    Reconciler(ReconcilerOptions opt, Ovs &ovs, Netlink &nl, std::ostream &plan_out);

    // One pass.  Returns the number of errors (0: the node matches the
    // configuration).  Never throws for a problem of one VNet or file.
    int pass();

    // The VNets the node runs as of the last pass that reached ovs-vswitchd:
    // every good VNet and the previous good spec of a failed one (a VNet
    // whose reconciliation hit an error stays: one failed pass must not
    // withdraw its router).  The router advertisements and DNS64 resolvers
    // follow this set.
    const std::map<std::string, VNetSpec> &running() const { return running_; }

    // Called with a VNet's id right before its bridge or flows are removed
    // (not in dry-run): what talks to the guests through the bridge says
    // goodbye while it still can (the router's final RA).
    void on_remove(std::function<void(const std::string &vnet)> fn) { on_remove_ = std::move(fn); }

  private:
    struct Actual;
    int pass_inner();
    void reconcile_vnet(const VNetSpec &spec, Actual &actual);
    bool ensure_bridge(const VNetSpec &spec, Actual &actual);  // true: created now
    LinkInfo find_link(const std::string &name, const Mac &want_mac, bool created, Actual &actual);
    void ensure_host_side(const VNetSpec &spec, const LinkInfo &link);
    void ensure_instance(const VNetSpec &spec);
    void ensure_flows(const VNetSpec &spec, const LinkInfo &link);
    void ensure_routes(const VNetSpec &spec, const LinkInfo &link, Actual &actual);
    void remove_vnet(const BridgeRow &br);
    void remove_stale_routes(const std::set<int> &kept_devices, Actual &actual);
    void remove_stale_instances(const std::set<uint32_t> &recorded, const std::set<uint32_t> &keep);
    nat64::InstanceConfig with_host_denylist(const nat64::InstanceConfig &c) const;
    void sysctl(const std::string &key, const std::string &value);
    bool act(const std::string &what);  // logs or prints a change; false in dry-run
    void log_once(int level, const std::string &msg);

    ReconcilerOptions opt_;
    Ovs &ovs_;
    Netlink &nl_;
    std::ostream &plan_;
    std::optional<Desired> last_good_;
    std::map<std::string, VNetSpec> applied_;  // last good spec per VNet, for failed VNets
    std::map<std::string, VNetSpec> running_;  // see running()
    std::function<void(const std::string &)> on_remove_;
    std::map<std::string, std::string> canonical_;  // flow text -> canonical form
    std::set<uint32_t> our_instances_;              // instance ids nat64d set, this run
    std::optional<long> vswitchd_pid_;
    std::vector<uint32_t> host_ipv4_;
    std::set<std::string> logged_, logged_now_;  // problems already reported
};

}  // namespace nat64d
