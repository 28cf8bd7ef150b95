#include "nat64d/reconciler.hpp"

#include <algorithm>
#include <chrono>
#include <ostream>
#include <sstream>
#include <thread>

#include <spdlog/spdlog.h>

#include "nat64d/flows.hpp"
#include "nat64d/prefixes.hpp"
#include "nat64d/sdn_config.hpp"

namespace nat64d {

namespace {

std::vector<std::string> sorted_lines(const std::string &text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) {
        if (!l.empty()) lines.push_back(l);
    }
    std::sort(lines.begin(), lines.end());
    return lines;
}

std::string route_text(const Route4 &r, const std::string &dev) {
    return nat64::format_prefix(r.dst) + " via " + nat64::format_ipv4(r.gateway) + " dev " + dev;
}

std::optional<uint32_t> parse_id(const std::string &s) {
    try {
        size_t end = 0;
        unsigned long v = std::stoul(s, &end);
        if (end == s.size() && v >= 1 && v <= 0xffffffffUL) return static_cast<uint32_t>(v);
    } catch (const std::exception &) {
    }
    return std::nullopt;
}

// The instance id a bridge's external_ids record, if any (and sane: an
// operator may have edited it).
std::optional<uint32_t> recorded_instance(const BridgeRow &br) {
    auto i = br.external_ids.find(kExtInstance);
    return i == br.external_ids.end() ? std::nullopt : parse_id(i->second);
}

// Why two VNets may not both run: they claim overlapping address space.
std::optional<std::string> clash(const VNetSpec &a, const VNetSpec &b) {
    for (const auto &x : vnet_ipv4_prefixes(a)) {
        for (const auto &y : vnet_ipv4_prefixes(b)) {
            if (overlap(x, y))
                return nat64::format_prefix(x) + " overlaps " + nat64::format_prefix(y);
        }
    }
    for (const auto &x : a.subnets) {
        for (const auto &y : b.subnets) {
            if (overlap(x.prefix, y.prefix)) {
                return nat64::format_prefix(x.prefix) + " overlaps " +
                       nat64::format_prefix(y.prefix);
            }
        }
    }
    return std::nullopt;
}

// Addresses a VM must never reach through pool6 anyway (shared/design.md:
// the core refuses RFC 6890 special ranges itself), so not worth listing.
bool reserved_anyway(uint32_t a) {
    return (a >> 24) == 127 || (a >> 16) == 0xa9fe || (a >> 24) == 0;
}

}  // namespace

// What a pass reads once and shares between the VNets.
struct Reconciler::Actual {
    std::vector<BridgeRow> bridges;
    std::map<std::string, int64_t> ifindexes;  // OVS's view of its interfaces
    std::vector<Route4> routes;                // ours (protocol kRouteProtocol)
    std::set<Route4> wanted_routes;
    std::set<int> routed_devices;  // devices whose routes this pass worked out
};

Reconciler::Reconciler(ReconcilerOptions opt, Ovs &ovs, Netlink &nl, std::ostream &plan_out)
    : opt_(std::move(opt)), ovs_(ovs), nl_(nl), plan_(plan_out) {}

void Reconciler::log_once(int level, const std::string &msg) {
    // The same problem every second would drown the journal: report it
    // when it appears, and again only after it went away and came back.
    logged_now_.insert(msg);
    if (logged_.count(msg) != 0) return;
    spdlog::log(static_cast<spdlog::level::level_enum>(level), "{}", msg);
}

bool Reconciler::act(const std::string &what) {
    if (opt_.dry_run) {
        plan_ << what << '\n';
        return false;
    }
    spdlog::info("{}", what);
    return true;
}

void Reconciler::sysctl(const std::string &key, const std::string &value) {
    auto cur = read_sysctl(key);
    if (cur && *cur == value) return;
    if (act("set sysctl " + key + " = " + value + " (was " + cur.value_or("absent") + ")")) {
        write_sysctl(key, value);
    }
}

nat64::InstanceConfig Reconciler::with_host_denylist(const nat64::InstanceConfig &c) const {
    // Security (README, "Security"): a VM must never reach the node itself
    // through pool6, whatever the operator configured.  (The price: IPv4
    // connections from the node to a VM's EAMT address get no answer; the
    // node reaches its VMs over IPv6.)  Other networks the node is attached
    // to are non-global space, which the Well-Known Prefix refuses anyway
    // (RFC 6052 §3.1); denying them always would also cut off IPv4 clients
    // there from the VMs they may reach, so with a network-specific pool6
    // the operator lists them in denylist4 (docs/reference.md).
    nat64::InstanceConfig out = c;
    for (uint32_t a : host_ipv4_) {
        if (reserved_anyway(a)) continue;
        nat64::Ipv4Prefix p{a, 32};
        if (std::find(out.denylist4.begin(), out.denylist4.end(), p) == out.denylist4.end()) {
            out.denylist4.push_back(p);
        }
    }
    return out;
}

int Reconciler::pass() {
    logged_now_.clear();
    int errors = 0;
    try {
        errors = pass_inner();
    } catch (const std::exception &e) {
        // A bug or an unexpected answer must not kill the daemon: the next
        // pass starts afresh.
        errors++;
        log_once(spdlog::level::err, std::string("pass aborted: ") + e.what());
    }
    logged_ = logged_now_;
    return errors;
}

int Reconciler::pass_inner() {
    int errors = 0;

    // 1. The configuration.  A file that cannot be read as a whole leaves
    // everything as the last good configuration made it.
    Desired d;
    try {
        d = load_desired(opt_.config_dir, opt_.node);
        last_good_ = d;
    } catch (const ConfigFileError &e) {
        errors++;
        if (!last_good_) {
            log_once(spdlog::level::err,
                     std::string(e.what()) + "; nothing is changed until the file is fixed");
            return errors;
        }
        log_once(spdlog::level::err,
                 std::string(e.what()) + "; keeping the previous good configuration");
        d = *last_good_;
    }
    for (const auto &p : d.problems) {
        std::string msg = p.vnet.empty() || p.message.find(p.vnet) != std::string::npos
                              ? p.message
                              : "vnet " + p.vnet + ": " + p.message;
        if (p.warning) {
            log_once(spdlog::level::warn, msg);
        } else {
            errors++;
            log_once(spdlog::level::err, msg);
        }
    }
    // A VNet whose configuration is wrong keeps its last good state; one
    // that never had one is left alone entirely (not created, not removed).
    std::map<std::string, VNetSpec> want = d.vnets;
    std::set<std::string> untouched;
    std::map<std::string, VNetSpec> kept;
    for (const auto &[vnet, why] : d.failed) {
        auto it = applied_.find(vnet);
        if (it != applied_.end()) {
            kept.emplace(vnet, it->second);
            log_once(spdlog::level::warn,
                     "vnet " + vnet + ": keeping its previous good configuration");
        } else {
            untouched.insert(vnet);
        }
    }
    // The kept state still claims its address space: a good VNet may not
    // take it over meanwhile (the routes would flip between the bridges).
    for (auto it = want.begin(); it != want.end();) {
        std::optional<std::string> why;
        std::string other;
        for (const auto &[k, spec] : kept) {
            if ((why = clash(it->second, spec))) {
                other = k;
                break;
            }
        }
        if (!why) {
            ++it;
            continue;
        }
        errors++;
        log_once(spdlog::level::err,
                 "vnet " + it->first + ": " + *why + " of vnet " + other +
                     ", which runs its previous configuration while its own is wrong");
        untouched.insert(it->first);
        it = want.erase(it);
    }
    want.insert(kept.begin(), kept.end());

    // 2. ovs-vswitchd.  A new pid means a restart: its instances and flows
    // are gone, and this pass puts them back.
    auto pid = ovs_.vswitchd_pid();
    if (pid != vswitchd_pid_) {
        if (pid && vswitchd_pid_) {
            spdlog::warn("ovs-vswitchd restarted (pid {} -> {}): programming every VNet again",
                         *vswitchd_pid_, *pid);
        } else if (pid) {
            spdlog::info("ovs-vswitchd is running (pid {})", *pid);
        }
        vswitchd_pid_ = pid;
    }
    if (!pid) {
        log_once(spdlog::level::err, "ovs-vswitchd is not running: waiting for it");
        return errors + 1;
    }

    Actual actual;
    try {
        host_ipv4_ = nl_.ipv4_addresses();
        actual.bridges = ovs_.bridges();
        actual.ifindexes = ovs_.interface_ifindexes();
        actual.routes = nl_.our_routes4();
    } catch (const std::exception &e) {
        log_once(spdlog::level::err, e.what());
        return errors + 1;
    }
    // Every instance id nat64d has recorded, before this pass changes any.
    std::set<uint32_t> recorded = our_instances_;
    for (const auto &br : actual.bridges) {
        if (br.external_ids.count(kExtVnet) == 0) continue;
        if (auto id = recorded_instance(br)) recorded.insert(*id);
    }

    // 3. Every wanted VNet, each on its own: one VNet's failure (a refused
    // instance, a bridge of the wrong type) leaves the others working.
    for (const auto &[vnet, spec] : want) {
        try {
            reconcile_vnet(spec, actual);
            if (d.vnets.count(vnet) != 0) applied_[vnet] = spec;
        } catch (const std::exception &e) {
            errors++;
            log_once(spdlog::level::err, "vnet " + vnet + ": " + e.what());
        }
    }

    // 4. What nat64d made for VNets that are gone.
    std::set<int> keep_devices;
    std::set<uint32_t> keep_instances;
    for (const auto &[vnet, spec] : want)
        keep_instances.insert(spec.instance.instance);
    for (const auto &br : actual.bridges) {
        auto v = br.external_ids.find(kExtVnet);
        if (v == br.external_ids.end()) continue;
        try {
            if (want.count(v->second) != 0 || untouched.count(v->second) != 0) {
                if (auto link = nl_.link(br.name)) keep_devices.insert(link->ifindex);
                auto id = recorded_instance(br);
                if (untouched.count(v->second) != 0 && id) keep_instances.insert(*id);
                continue;
            }
            remove_vnet(br);
        } catch (const std::exception &e) {
            errors++;
            log_once(spdlog::level::err, "removing vnet " + v->second + ": " + e.what());
        }
    }
    try {
        remove_stale_instances(recorded, keep_instances);
        // Afresh: deleting a bridge took its device's routes with it.
        actual.routes = nl_.our_routes4();
        remove_stale_routes(keep_devices, actual);
    } catch (const std::exception &e) {
        errors++;
        log_once(spdlog::level::err, e.what());
    }
    for (auto it = applied_.begin(); it != applied_.end();) {
        it = want.count(it->first) != 0 ? std::next(it) : applied_.erase(it);
    }
    if (!opt_.dry_run) running_ = want;
    return errors;
}

void Reconciler::reconcile_vnet(const VNetSpec &spec, Actual &actual) {
    const bool created = ensure_bridge(spec, actual);
    if (opt_.dry_run && created) {
        plan_ << "vnet " << spec.vnet << ": instance " << spec.instance.instance
              << ", flows and routes follow once the bridge exists\n";
        return;
    }
    LinkInfo link = find_link(spec.vnet, bridge_mac(spec), created, actual);
    // Filtering first: the flows are in before the host forwards anything
    // for the VNet.
    ensure_instance(spec);
    ensure_flows(spec, link);
    ensure_host_side(spec, link);
    ensure_routes(spec, link, actual);
}

bool Reconciler::ensure_bridge(const VNetSpec &spec, Actual &actual) {
    const std::map<std::string, std::string> ids{
        {kExtVnet, spec.vnet}, {kExtInstance, std::to_string(spec.instance.instance)}};
    auto it = std::find_if(actual.bridges.begin(), actual.bridges.end(),
                           [&](const BridgeRow &b) { return b.name == spec.vnet; });
    if (it == actual.bridges.end()) {
        // Off Proxmox, or before the first SDN Apply: nat64d makes the
        // bridge itself (on Proxmox, ifupdown2 makes it from the zone
        // plugin's config and nat64d only adds its external_ids).
        auto created = ids;
        created[kExtCreated] = "true";
        if (act("vnet " + spec.vnet + ": create bridge " + spec.vnet +
                " (datapath_type=netdev, mtu " + std::to_string(spec.mtu) + ")")) {
            ovs_.create_bridge(spec.vnet, spec.mtu, format_mac(bridge_mac(spec)), created);
            actual.bridges = ovs_.bridges();
        }
        return true;
    }
    if (it->datapath_type != "netdev") {
        throw OvsError(
            "bridge " + spec.vnet + " has datapath_type \"" + it->datapath_type +
            "\": the nat64 action runs only in the userspace datapath (datapath_type=netdev)");
    }
    bool same = true;
    for (const auto &[k, v] : ids) {
        auto e = it->external_ids.find(k);
        same = same && e != it->external_ids.end() && e->second == v;
    }
    // (fail_mode is set only on bridges nat64d creates: changing it on a
    // bridge without a controller makes ovs-vswitchd flush every flow of
    // the bridge, other people's included.  An adopted bridge's fail_mode
    // is its creator's to set; the zone plugin sets secure.)
    if (same) return false;
    if (act("vnet " + spec.vnet + ": record vnet and instance " + ids.at(kExtInstance) +
            " on bridge " + spec.vnet)) {
        ovs_.update_bridge(*it, ids, {});
        for (const auto &[k, v] : ids)
            it->external_ids[k] = v;
    }
    return false;
}

LinkInfo Reconciler::find_link(const std::string &name, const Mac &want_mac, bool created,
                               Actual &actual) {
    std::optional<LinkInfo> link = nl_.link(name);
    // ovs-vswitchd creates a new bridge's internal device in its next main
    // loop iteration after the OVSDB change: milliseconds.  Only then is it
    // worth waiting; a device missing later is an error of this pass, not
    // a reason to hold up the other VNets.
    // It then sets the MAC from other_config:hwaddr a moment later; the
    // flows carry the MAC, so wait for that too.
    for (int i = 0; created && (!link || link->mac != want_mac) && i < 100; i++) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        link = nl_.link(name);
    }
    if (!link) {
        throw OvsError(
            "the bridge's internal port " + name + " has no network device (yet): " +
            (created ? "ovs-vswitchd did not create it within 5 s" : "is ovs-vswitchd starting?"));
    }
    // A Linux bridge or any other device of the same name must never get
    // the VNet's addresses and routes.
    if (created) actual.ifindexes = ovs_.interface_ifindexes();
    auto ovs = actual.ifindexes.find(name);
    if (ovs != actual.ifindexes.end() && ovs->second != link->ifindex) {
        throw OvsError(
            "network device " + name + " (ifindex " + std::to_string(link->ifindex) +
            ") is not the bridge's internal port (ifindex " + std::to_string(ovs->second) +
            " in OVSDB): another device has its name, or ovs-vswitchd has yet to update OVSDB");
    }
    return *link;
}

void Reconciler::ensure_host_side(const VNetSpec &spec, const LinkInfo &link) {
    const std::string &dev = spec.vnet;
    if (!link.up && act("vnet " + dev + ": set link " + dev + " up")) nl_.set_link_up(dev);
    // The subnets' gateways live on the internal port: the VMs' default
    // router (ND answered by the host's kernel).  Added when missing, never
    // removed: on Proxmox ifupdown2 owns them.
    for (const auto &s : spec.subnets) {
        if (!s.gateway) continue;
        auto have = nl_.ipv6_addresses(dev);
        if (std::find(have.begin(), have.end(), std::make_pair(*s.gateway, s.prefix.len)) !=
            have.end())
            continue;
        if (act("vnet " + dev + ": add address " + nat64::format_ipv6(*s.gateway) + "/" +
                std::to_string(s.prefix.len) + " to " + dev)) {
            nl_.ensure_ipv6_address(dev, *s.gateway, s.prefix.len);
        }
    }
    // Forwarding: translated IPv4 leaves through the host's IPv4 stack, and
    // translated IPv6 is routed by the host to the VM.
    if (!nl_.ipv4_forwarding(dev) && act("vnet " + dev + ": enable IPv4 forwarding on " + dev)) {
        nl_.set_ipv4_forwarding(dev, true);
    }
    sysctl("net.ipv4.ip_forward", "1");
    sysctl("net.ipv6.conf." + dev + ".forwarding", "1");
    sysctl("net.ipv6.conf.all.forwarding", "1");
}

void Reconciler::ensure_instance(const VNetSpec &spec) {
    const nat64::InstanceConfig want = with_host_denylist(spec.instance);
    const std::string id = std::to_string(want.instance);
    std::optional<nat64::InstanceConfig> have;
    try {
        have = nat64::parse_instance_config(ovs_.appctl("nat64/instance-show", {id}));
    } catch (const OvsError &) {
        // No such instance (ovs-vswitchd restarted, or a new VNet).
    }
    our_instances_.insert(want.instance);
    if (have && *have == want) return;
    if (act("vnet " + spec.vnet + ": " + (have ? "update" : "create") + " translator instance " +
            id)) {
        ovs_.appctl("nat64/instance-set", {nat64::to_json(want)});
    }
}

void Reconciler::ensure_flows(const VNetSpec &spec, const LinkInfo &link) {
    const std::string text = vnet_flows(spec, link.mac);
    auto c = canonical_.find(text);
    if (c == canonical_.end()) {
        if (canonical_.size() > 256) canonical_.clear();
        c = canonical_.emplace(text, ovs_.canonical_flows(text)).first;
    }
    auto want = sorted_lines(c->second);
    auto have = sorted_lines(ovs_.dump_flows(spec.vnet, kCookieOwner, kCookieOwnerMask));
    if (want == have) return;

    std::vector<std::string> added, removed;
    std::set_difference(want.begin(), want.end(), have.begin(), have.end(),
                        std::back_inserter(added));
    std::set_difference(have.begin(), have.end(), want.begin(), want.end(),
                        std::back_inserter(removed));
    std::string what = "vnet " + spec.vnet + ": replace its flows (" +
                       std::to_string(added.size()) + " to add, " + std::to_string(removed.size()) +
                       " to remove, in one bundle)";
    if (opt_.dry_run) {
        plan_ << what << '\n';
        for (const auto &l : removed)
            plan_ << "  - " << l << '\n';
        for (const auto &l : added)
            plan_ << "  + " << l << '\n';
        return;
    }
    spdlog::info("{}", what);
    for (const auto &l : removed)
        spdlog::debug("  - {}", l);
    for (const auto &l : added)
        spdlog::debug("  + {}", l);
    // The RS flows need their meter first (a flow naming a missing meter
    // is refused).  Only here: a meter deleted by hand takes its flows with
    // it, so its absence shows as flows to replace.
    if (spec.ra) ovs_.set_meter(spec.vnet, kRsMeterId, kRsMeterPktps, kRsMeterBurst);
    ovs_.replace_flows(spec.vnet, kCookieOwner, kCookieOwnerMask, text);
}

void Reconciler::ensure_routes(const VNetSpec &spec, const LinkInfo &link, Actual &actual) {
    const std::string &dev = spec.vnet;
    const Mac xlat = translator_mac(spec.instance.instance);
    auto prefixes = vnet_ipv4_prefixes(spec);
    if (!prefixes.empty() && nl_.permanent_neigh4(link.ifindex, kIpv4NextHop) != xlat) {
        if (act("vnet " + dev + ": add neighbour " + nat64::format_ipv4(kIpv4NextHop) + " lladdr " +
                format_mac(xlat) + " dev " + dev + " (permanent)")) {
            nl_.replace_neigh4(link.ifindex, kIpv4NextHop, xlat);
        }
    }
    for (const auto &p : prefixes) {
        Route4 r{p, link.ifindex, kIpv4NextHop};
        actual.wanted_routes.insert(r);
        if (std::find(actual.routes.begin(), actual.routes.end(), r) != actual.routes.end())
            continue;
        if (act("vnet " + dev + ": add route " + route_text(r, dev))) nl_.replace_route4(r);
    }
    actual.routed_devices.insert(link.ifindex);
}

void Reconciler::remove_vnet(const BridgeRow &br) {
    const std::string &vnet = br.external_ids.at(kExtVnet);
    if (on_remove_ && !opt_.dry_run) on_remove_(vnet);
    // (Its instance goes with the other stale ones: remove_stale_instances.)
    if (br.external_ids.count(kExtCreated) != 0) {
        // nat64d made it: the bridge goes, and with its device the kernel
        // drops its addresses, routes and neighbour entries.
        if (act("vnet " + vnet + " is gone: delete bridge " + br.name)) ovs_.delete_bridge(br);
        return;
    }
    // ifupdown2's bridge: take back only what nat64d added.
    if (act("vnet " + vnet + " is gone: delete nat64d's flows on bridge " + br.name)) {
        ovs_.replace_flows(br.name, kCookieOwner, kCookieOwnerMask, "");
    }
    if (auto link = nl_.link(br.name)) {
        if (nl_.permanent_neigh4(link->ifindex, kIpv4NextHop) &&
            act("vnet " + vnet + " is gone: delete neighbour " + nat64::format_ipv4(kIpv4NextHop) +
                " dev " + br.name)) {
            nl_.delete_neigh4(link->ifindex, kIpv4NextHop);
        }
    }
    if (act("vnet " + vnet + " is gone: remove nat64d's external_ids from bridge " + br.name)) {
        ovs_.update_bridge(br, {}, {kExtVnet, kExtInstance, kExtCreated});
    }
}

void Reconciler::remove_stale_routes(const std::set<int> &kept_devices, Actual &actual) {
    for (const auto &r : actual.routes) {
        if (actual.wanted_routes.count(r) != 0) continue;
        // On the device of a VNet that is still here but whose routes were
        // not worked out this pass (its configuration failed, or an earlier
        // step did): left as they are, its previous good state.
        if (kept_devices.count(r.ifindex) != 0 && actual.routed_devices.count(r.ifindex) == 0)
            continue;
        if (act("delete route " + route_text(r, "#" + std::to_string(r.ifindex)) +
                " (its VNet is gone)")) {
            nl_.delete_route4(r);
        }
    }
}

void Reconciler::remove_stale_instances(const std::set<uint32_t> &recorded,
                                        const std::set<uint32_t> &keep) {
    // Ours: the ids recorded on nat64d's bridges when the pass began (so an
    // instance whose VNet is gone, or whose VNet changed its id, is found)
    // and those set by this run.  An id a wanted VNet uses now is never
    // deleted, whichever VNet had it before.
    std::set<uint32_t> ours = recorded;
    ours.insert(our_instances_.begin(), our_instances_.end());
    for (uint32_t id : ours) {
        if (keep.count(id) != 0) continue;
        our_instances_.erase(id);
        if (!act("delete translator instance " + std::to_string(id) + " (no VNet uses it)"))
            continue;
        try {
            ovs_.appctl("nat64/instance-del", {std::to_string(id)});
        } catch (const OvsError &e) {
            spdlog::debug("instance {}: {}", id, e.what());  // already gone
        }
    }
}

}  // namespace nat64d
