#include "nat64d/flows.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "nat64d/prefixes.hpp"
#include "nat64d/sdn_config.hpp"

namespace nat64d {

Mac translator_mac(uint32_t instance) {
    return {0x02,
            0x64,
            static_cast<uint8_t>(instance >> 24),
            static_cast<uint8_t>(instance >> 16),
            static_cast<uint8_t>(instance >> 8),
            static_cast<uint8_t>(instance)};
}

Mac gateway_mac(uint32_t instance) {
    Mac m = translator_mac(instance);
    m[1] = 0x65;
    return m;
}

Mac bridge_mac(const VNetSpec &spec) {
    return gateway_mac(default_instance_id(spec.vnet));
}

namespace {

// An EAMT entry whose IPv6 side lies in the VNet's subnets maps the VNet's
// own hosts (RFC 7757 §3.1, a source for 6->4); any other maps remote IPv4
// space into IPv6 (a destination).
bool own_entry(const VNetSpec &spec, const nat64::EamtEntry &e) {
    return std::any_of(spec.subnets.begin(), spec.subnets.end(),
                       [&](const Subnet6 &s) { return overlap(s.prefix, e.ipv6); });
}

template <typename T>
void sort_unique(std::vector<T> &v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

std::vector<nat64::Ipv4Prefix> vnet_ipv4_prefixes(const VNetSpec &spec) {
    std::vector<nat64::Ipv4Prefix> out;
    for (const auto &p : spec.instance.pool4)
        out.push_back(p.prefix);
    // Only the own entries: a remote entry's IPv4 side is somewhere out
    // there, and routing it into the bridge would cut the node off from it.
    for (const auto &e : spec.instance.eamt) {
        if (own_entry(spec, e)) out.push_back(e.ipv4);
    }
    sort_unique(out);
    return out;
}

std::vector<nat64::Ipv6Prefix> eamt_remote_prefixes(const VNetSpec &spec) {
    std::vector<nat64::Ipv6Prefix> out;
    for (const auto &e : spec.instance.eamt) {
        if (!own_entry(spec, e)) out.push_back(e.ipv6);
    }
    sort_unique(out);
    return out;
}

std::string vnet_flows(const VNetSpec &spec, const Mac &host_mac) {
    const uint32_t id = spec.instance.instance;
    const std::string c = fmt::format("cookie={:#x},", vnet_cookie(id));
    const std::string xlat = format_mac(translator_mac(id));
    const std::string host = format_mac(host_mac);
    std::string f;
    auto line = [&](const std::string &s) { f += c + s + "\n"; };
    auto comment = [&](const std::string &s) { f += "# " + s + "\n"; };

    comment(fmt::format("vnet {} (zone {}), translator instance {}", spec.vnet, spec.zone, id));
    comment("table 0, from the host (LOCAL): IPv4 routed to the VNet's pool4/EAMT addresses");
    comment("is translated 4->6 (RFC 7915 §4, RFC 6146 §3.5); no other IPv4 enters the VNet.");
    for (const auto &p : vnet_ipv4_prefixes(spec)) {
        line(fmt::format(
            "table=0,priority=1000,in_port=LOCAL,ip,nw_dst={},actions=nat64(instance={},table=2)",
            nat64::format_prefix(p), id));
    }
    line("table=0,priority=900,in_port=LOCAL,ip,actions=drop");
    line("table=0,priority=900,in_port=LOCAL,arp,actions=drop");
    comment("The host's IPv6 (gateway ND, RAs, routed traffic) reaches the VMs by L2 switching.");
    line("table=0,priority=800,in_port=LOCAL,actions=NORMAL");
    comment("From the VMs: nothing that impersonates the router (its or the translator's MAC,");
    comment("the gateway address as source or as neighbour advertisement target, router");
    comment("advertisements: RA-Guard, RFC 6105; redirects), and IPv6 only from the VNet's");
    comment("subnets, link-local or, for DAD and MLD, the unspecified address (RFC 4862");
    comment("§5.4.2, RFC 3810 §5.2.13).  Everything else (IPv4, ARP, spoofed sources, other");
    comment("ethertypes) is dropped.");
    line(fmt::format("table=0,priority=700,dl_src={},actions=drop", host));
    line(fmt::format("table=0,priority=700,dl_src={},actions=drop", xlat));
    for (const auto &s : spec.subnets) {
        if (!s.gateway) continue;
        const std::string gw = nat64::format_ipv6(*s.gateway);
        line(fmt::format("table=0,priority=700,ipv6,ipv6_src={},actions=drop", gw));
        line(fmt::format(
            "table=0,priority=700,icmp6,icmp_type=136,icmp_code=0,nd_target={},actions=drop", gw));
    }
    if (spec.ra) {
        comment("Router Solicitations (RFC 4861 §6.1.1 sources: link-local, a subnet address, or");
        comment("the unspecified address) go to nat64d alone, the VNet's router, which answers");
        comment("each with a Router Advertisement (packet-out; ra_service.cpp), through a meter");
        comment("that keeps a flood of them from ovs-vswitchd's slow path.");
        std::vector<std::string> sources{"fe80::/10", "::"};
        for (const auto &s : spec.subnets)
            sources.push_back(nat64::format_prefix(s.prefix));
        for (const auto &src : sources) {
            line(
                fmt::format("table=0,priority=650,icmp6,ipv6_src={},icmp_type=133,icmp_code=0,"
                            "actions=meter:{},CONTROLLER:65535",
                            src, kRsMeterId));
        }
    }
    line("table=0,priority=600,icmp6,icmp_type=134,actions=drop");
    line("table=0,priority=600,icmp6,icmp_type=137,actions=drop");
    line("table=0,priority=500,ipv6,ipv6_src=fe80::/10,actions=goto_table:1");
    for (const auto &s : spec.subnets) {
        line(fmt::format("table=0,priority=500,ipv6,ipv6_src={},actions=goto_table:1",
                         nat64::format_prefix(s.prefix)));
    }
    line("table=0,priority=500,icmp6,ipv6_src=::,icmp_type=135,actions=goto_table:1");
    line("table=0,priority=500,icmp6,ipv6_src=::,icmp_type=143,actions=goto_table:1");
    // Priority 1, not 0: a bridge in fail_mode standalone has OVS's own
    // priority-0 NORMAL flow, which an equal flow of ours would replace.
    line("table=0,priority=1,actions=drop");

    comment("table 1, a VM's own IPv6: to pool6 (RFC 6052) or to a remote EAMT prefix");
    comment("(RFC 7757) it is translated 6->4; all else is switched.");
    if (spec.instance.pool6) {
        line(fmt::format("table=1,priority=500,ipv6,ipv6_dst={},actions=nat64(instance={},table=3)",
                         nat64::format_prefix(*spec.instance.pool6), id));
    }
    for (const auto &p : eamt_remote_prefixes(spec)) {
        line(fmt::format("table=1,priority=500,ipv6,ipv6_dst={},actions=nat64(instance={},table=3)",
                         nat64::format_prefix(p), id));
    }
    line("table=1,priority=0,actions=NORMAL");

    comment("table 2, after 4->6: the IPv6 packet goes back to the host, which routes it");
    comment("to the VM (its neighbour cache knows the VM); an ICMPv4 error the translator");
    comment("answered with goes back to the host too.");
    line(fmt::format("table=2,priority=100,actions=mod_dl_src:{},mod_dl_dst:{},IN_PORT", xlat,
                     host));
    comment("table 3, after 6->4: IPv4 to the host's IPv4 stack, which routes it on.  IPv6");
    comment("here is either a packet hairpinned back into the VNet (RFC 6146 §3.8, RFC 7757");
    comment("§4.2; still addressed to the gateway's MAC: the host routes it to the VM) or the");
    comment("translator's ICMPv6 error (MACs swapped by the action: back out of its port).");
    line(fmt::format("table=3,priority=100,ip,actions=mod_dl_src:{},mod_dl_dst:{},LOCAL", xlat,
                     host));
    line(
        fmt::format("table=3,priority=100,ipv6,dl_dst={},actions=mod_dl_src:{},LOCAL", host, xlat));
    line("table=3,priority=90,ipv6,actions=IN_PORT");
    return f;
}

}  // namespace nat64d
