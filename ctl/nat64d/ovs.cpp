#include "nat64d/ovs.hpp"

#include <fstream>
#include <memory>

#include "nat64d/ovs_glue.h"

namespace nat64d {

namespace {

using CString = std::unique_ptr<char, decltype(&n64_free)>;

// Runs one glue call; its error message becomes an OvsError.
template <typename F>
std::string call(F &&f) {
    char *out = nullptr, *err = nullptr;
    int rc = f(&out, &err);
    CString o(out, n64_free), e(err, n64_free);
    if (rc != 0) throw OvsError(e ? e.get() : "unknown Open vSwitch error");
    return o ? std::string(o.get()) : std::string();
}

nlohmann::json ovsdb_map(const std::map<std::string, std::string> &m) {
    nlohmann::json pairs = nlohmann::json::array();
    for (const auto &[k, v] : m)
        pairs.push_back(nlohmann::json::array({k, v}));
    return nlohmann::json::array({"map", pairs});
}

// OVSDB atoms and sets (RFC 7047 §5.1), spelled out: nlohmann's brace
// initialisation would read a nested two-element list as an object.
nlohmann::json uuid(const std::string &u) {
    return nlohmann::json::array({"uuid", u});
}
nlohmann::json named(const std::string &n) {
    return nlohmann::json::array({"named-uuid", n});
}
nlohmann::json set_of(const nlohmann::json &atom) {
    return nlohmann::json::array({"set", nlohmann::json::array({atom})});
}

}  // namespace

Ovs::Ovs(OvsEndpoints ep) : ep_(std::move(ep)) {}

nlohmann::json Ovs::transact(const nlohmann::json &ops) {
    nlohmann::json params = nlohmann::json::array({"Open_vSwitch"});
    for (const auto &op : ops)
        params.push_back(op);
    std::string text = params.dump();
    auto result = nlohmann::json::parse(call([&](char **out, char **err) {
        return n64_ovsdb_transact(ep_.db.c_str(), text.c_str(), out, err);
    }));
    // RFC 7047 §4.1.3: a failed operation shows as {"error": ..., "details": ...}
    // at its index (and the transaction was not committed).
    for (const auto &r : result) {
        if (r.is_object() && r.contains("error")) {
            std::string msg =
                ep_.db + ": OVSDB refused the change: " + r["error"].get<std::string>();
            if (r.contains("details")) msg += " (" + r["details"].get<std::string>() + ")";
            throw OvsError(msg);
        }
    }
    return result;
}

std::vector<BridgeRow> Ovs::bridges() {
    auto result = transact(nlohmann::json::array(
        {{{"op", "select"},
          {"table", "Bridge"},
          {"where", nlohmann::json::array()},
          {"columns",
           nlohmann::json::array({"_uuid", "name", "datapath_type", "external_ids"})}}}));
    std::vector<BridgeRow> out;
    for (const auto &row : result.at(0).at("rows")) {
        BridgeRow b;
        b.uuid = row.at("_uuid").at(1).get<std::string>();
        b.name = row.at("name").get<std::string>();
        b.datapath_type = row.at("datapath_type").get<std::string>();
        for (const auto &kv : row.at("external_ids").at(1)) {
            b.external_ids[kv.at(0).get<std::string>()] = kv.at(1).get<std::string>();
        }
        out.push_back(std::move(b));
    }
    return out;
}

void Ovs::create_bridge(const std::string &name, uint32_t mtu, const std::string &hwaddr,
                        const std::map<std::string, std::string> &external_ids) {
    // What "ovs-vsctl add-br NAME -- set bridge NAME datapath_type=netdev"
    // does, in one transaction: the bridge's own internal port and
    // interface, the bridge, and its place in Open_vSwitch's list.  Bridge
    // fail_mode=secure: no flow but ours, not even OVS's default NORMAL
    // one, so the bridge never forwards unfiltered VM traffic before
    // nat64d's flows are in.  other_config:hwaddr pins the internal port's MAC, which OVS would
    // otherwise pick from the ports' MACs and change as VMs come and go
    // (the VMs' gateway MAC must not move).  Bridge
    // names are a unique index, so a bridge made meanwhile by someone else
    // makes this fail instead of duplicating it.
    transact(nlohmann::json::array(
        {{{"op", "insert"},
          {"table", "Interface"},
          {"row", {{"name", name}, {"type", "internal"}, {"mtu_request", mtu}}},
          {"uuid-name", "iface"}},
         {{"op", "insert"},
          {"table", "Port"},
          {"row", {{"name", name}, {"interfaces", named("iface")}}},
          {"uuid-name", "port"}},
         {{"op", "insert"},
          {"table", "Bridge"},
          {"row",
           {{"name", name},
            {"datapath_type", "netdev"},
            {"fail_mode", "secure"},
            {"ports", named("port")},
            {"other_config", ovsdb_map({{"hwaddr", hwaddr}})},
            {"external_ids", ovsdb_map(external_ids)}}},
          {"uuid-name", "br"}},
         {{"op", "mutate"},
          {"table", "Open_vSwitch"},
          {"where", nlohmann::json::array()},
          {"mutations", nlohmann::json::array(
                            {nlohmann::json::array({"bridges", "insert", set_of(named("br"))})})}},
         {{"op", "comment"}, {"comment", "nat64d: create bridge " + name}}}));
}

void Ovs::update_bridge(const BridgeRow &br, const std::map<std::string, std::string> &set,
                        const std::vector<std::string> &remove) {
    // Only the keys named: delete them, then insert the new values, leaving
    // every other key alone.
    nlohmann::json keys = nlohmann::json::array();
    for (const auto &[k, v] : set)
        keys.push_back(k);
    for (const auto &k : remove)
        keys.push_back(k);
    nlohmann::json op = {
        {"op", "mutate"},
        {"table", "Bridge"},
        {"where", nlohmann::json::array({nlohmann::json::array({"_uuid", "==", uuid(br.uuid)})})},
        {"mutations", nlohmann::json::array(
                          {nlohmann::json::array(
                               {"external_ids", "delete", nlohmann::json::array({"set", keys})}),
                           nlohmann::json::array({"external_ids", "insert", ovsdb_map(set)})})}};
    transact(nlohmann::json::array({op}));
}

std::map<std::string, int64_t> Ovs::interface_ifindexes() {
    auto result = transact(
        nlohmann::json::array({{{"op", "select"},
                                {"table", "Interface"},
                                {"where", nlohmann::json::array()},
                                {"columns", nlohmann::json::array({"name", "ifindex"})}}}));
    std::map<std::string, int64_t> out;
    for (const auto &row : result.at(0).at("rows")) {
        // An optional column is an integer, or the empty set while unknown.
        if (row.at("ifindex").is_number_integer()) {
            out[row.at("name").get<std::string>()] = row.at("ifindex").get<int64_t>();
        }
    }
    return out;
}

void Ovs::delete_bridge(const BridgeRow &br) {
    // Bridge, Port and Interface are not root tables: dropping the bridge
    // from Open_vSwitch's list garbage-collects all three.
    transact(nlohmann::json::array(
        {{{"op", "mutate"},
          {"table", "Open_vSwitch"},
          {"where", nlohmann::json::array()},
          {"mutations", nlohmann::json::array({nlohmann::json::array(
                            {"bridges", "delete", set_of(uuid(br.uuid))})})}},
         {{"op", "comment"}, {"comment", "nat64d: delete bridge " + br.name}}}));
}

std::optional<long> Ovs::vswitchd_pid() const {
    std::ifstream f(ep_.rundir + "/ovs-vswitchd.pid");
    long pid = 0;
    if (!(f >> pid) || pid <= 0) return std::nullopt;
    return pid;
}

std::string Ovs::ctl_path() const {
    if (!ep_.ctl.empty()) return ep_.ctl;
    auto pid = vswitchd_pid();
    if (!pid) throw OvsError(ep_.rundir + "/ovs-vswitchd.pid: no ovs-vswitchd is running");
    return ep_.rundir + "/ovs-vswitchd." + std::to_string(*pid) + ".ctl";
}

std::string Ovs::appctl(const std::string &command, const std::vector<std::string> &args) {
    std::vector<const char *> argv;
    for (const auto &a : args)
        argv.push_back(a.c_str());
    std::string path = ctl_path();
    return call([&](char **out, char **err) {
        return n64_unixctl(path.c_str(), command.c_str(), static_cast<int>(argv.size()),
                           argv.data(), out, err);
    });
}

std::string Ovs::mgmt(const std::string &bridge) const {
    return "unix:" + ep_.rundir + "/" + bridge + ".mgmt";
}

std::string Ovs::canonical_flows(const std::string &flows) {
    return call([&](char **out, char **err) { return n64_of_canonical(flows.c_str(), out, err); });
}

std::string Ovs::dump_flows(const std::string &bridge, uint64_t cookie, uint64_t mask, bool stats) {
    std::string target = mgmt(bridge);
    return call([&](char **out, char **err) {
        return n64_of_dump(target.c_str(), cookie, mask, stats ? 1 : 0, out, err);
    });
}

void Ovs::replace_flows(const std::string &bridge, uint64_t cookie, uint64_t mask,
                        const std::string &flows) {
    std::string target = mgmt(bridge);
    call([&](char **, char **err) {
        return n64_of_replace(target.c_str(), cookie, mask, flows.c_str(), err);
    });
}

void Ovs::set_meter(const std::string &bridge, uint32_t meter_id, uint32_t pktps, uint32_t burst) {
    std::string target = mgmt(bridge);
    call([&](char **, char **err) {
        return n64_of_meter_set(target.c_str(), meter_id, pktps, burst, err);
    });
}

}  // namespace nat64d
