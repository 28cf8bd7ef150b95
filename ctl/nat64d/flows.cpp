#include "nat64d/flows.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace nat64d {

namespace {

// Whether two IPv6 prefixes share any address: the shorter contains the other.
bool overlaps(const nat64::Ipv6Prefix &a, const nat64::Ipv6Prefix &b) {
    unsigned len = std::min(a.len, b.len);
    for (unsigned bit = 0; bit < len; bit += 8) {
        unsigned n = std::min(8u, len - bit);
        auto mask = static_cast<uint8_t>(0xff00u >> n);
        if ((a.addr.b[bit / 8] ^ b.addr.b[bit / 8]) & mask) return false;
    }
    return true;
}

}  // namespace

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

std::vector<nat64::Ipv4Prefix> vnet_ipv4_prefixes(const VNetSpec &spec) {
    std::vector<nat64::Ipv4Prefix> out;
    for (const auto &p : spec.instance.pool4)
        out.push_back(p.prefix);
    for (const auto &e : spec.instance.eamt)
        out.push_back(e.ipv4);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::vector<nat64::Ipv6Prefix> eamt_remote_prefixes(const VNetSpec &spec) {
    std::vector<nat64::Ipv6Prefix> out;
    for (const auto &e : spec.instance.eamt) {
        bool own = std::any_of(spec.subnets.begin(), spec.subnets.end(),
                               [&](const Subnet6 &s) { return overlaps(s.prefix, e.ipv6); });
        if (!own) out.push_back(e.ipv6);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
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
    comment("From the VMs: no router advertisements (RA-Guard, RFC 6105), and IPv6 only from");
    comment("the VNet's subnets, link-local or, for DAD and MLD, the unspecified address");
    comment("(RFC 4862 §5.4.2, RFC 3810 §5.2.13).  Everything else (IPv4, ARP, spoofed");
    comment("sources, other ethertypes) is dropped.");
    line("table=0,priority=600,icmp6,icmp_type=134,actions=drop");
    line("table=0,priority=500,ipv6,ipv6_src=fe80::/10,actions=goto_table:1");
    for (const auto &s : spec.subnets) {
        line(fmt::format("table=0,priority=500,ipv6,ipv6_src={},actions=goto_table:1",
                         nat64::format_prefix(s.prefix)));
    }
    line("table=0,priority=500,icmp6,ipv6_src=::,icmp_type=135,actions=goto_table:1");
    line("table=0,priority=500,icmp6,ipv6_src=::,icmp_type=143,actions=goto_table:1");
    line("table=0,priority=0,actions=drop");

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
