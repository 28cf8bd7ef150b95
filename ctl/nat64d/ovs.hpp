// Open vSwitch as nat64d sees it: OVSDB (bridges), OpenFlow (our flows) and
// ovs-vswitchd's control socket (translator instances).  Thin C++ over
// ovs_glue.h, which speaks through libopenvswitch.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nat64d {

class OvsError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Bridge external_ids nat64d keeps: which VNet and instance a bridge serves,
// and whether nat64d created it (then it also deletes it).
inline constexpr const char *kExtVnet = "nat64d-vnet";
inline constexpr const char *kExtInstance = "nat64d-instance";
inline constexpr const char *kExtCreated = "nat64d-created";

struct BridgeRow {
    std::string uuid;
    std::string name;
    std::string datapath_type;
    std::map<std::string, std::string> external_ids;
};

struct OvsEndpoints {
    std::string db;      // OVSDB remote, e.g. unix:/run/openvswitch/db.sock
    std::string rundir;  // where <bridge>.mgmt and ovs-vswitchd.pid live
    std::string ctl;     // ovs-vswitchd's control socket; empty: from the pid file
};

class Ovs {
  public:
    explicit Ovs(OvsEndpoints ep);

    // OVSDB.
    std::vector<BridgeRow> bridges();
    // A bridge of datapath_type netdev with its internal port (MTU mtu, MAC hwaddr).
    void create_bridge(const std::string &name, uint32_t mtu, const std::string &hwaddr,
                       const std::map<std::string, std::string> &external_ids);
    // Sets the external_ids in 'set' and removes those in 'remove' (no other
    // key is touched), in one transaction.
    void update_bridge(const BridgeRow &br, const std::map<std::string, std::string> &set,
                       const std::vector<std::string> &remove);
    // The kernel ifindex of every interface ovs-vswitchd has opened.
    std::map<std::string, int64_t> interface_ifindexes();
    void delete_bridge(const BridgeRow &br);

    // ovs-vswitchd.  pid() is nullopt while no ovs-vswitchd runs.
    std::optional<long> vswitchd_pid() const;
    std::string appctl(const std::string &command, const std::vector<std::string> &args);

    // OpenFlow on bridge's management socket.
    std::string canonical_flows(const std::string &flows);
    // The flows matching cookie/mask: canonical (one line each, comparable)
    // or, with 'stats', as "ovs-ofctl dump-flows" prints them.
    std::string dump_flows(const std::string &bridge, uint64_t cookie, uint64_t mask,
                           bool stats = false);
    void replace_flows(const std::string &bridge, uint64_t cookie, uint64_t mask,
                       const std::string &flows);
    // Creates or changes a meter that drops above pktps packets a second
    // (bursts of up to 'burst').
    void set_meter(const std::string &bridge, uint32_t meter_id, uint32_t pktps, uint32_t burst);

  private:
    nlohmann::json transact(const nlohmann::json &ops);
    std::string ctl_path() const;
    std::string mgmt(const std::string &bridge) const;
    OvsEndpoints ep_;
};

}  // namespace nat64d
