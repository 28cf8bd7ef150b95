// nat64d's flow plan (ctl/nat64d/flows.cpp): the pipeline of one VNet's
// bridge as text.  That the switch accepts these flows and forwards with
// them is tested end to end (tests/e2e/nat64d_test.sh); here, that the plan
// holds what docs/design.md's packet walk says, for every kind of entry.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "nat64d/flows.hpp"
#include "nat64d/sdn_config.hpp"
#include "nat64d_text.hpp"

namespace {

using nat64d::testtext::p4;
using nat64d::testtext::p6;

using nat64d::VNetSpec;

VNetSpec example() {
    VNetSpec v;
    v.vnet = "vnet1";
    v.zone = "v6z";
    v.subnets = {
        {"v6z-2001:db8:1::-64", p6("2001:db8:1::/64"), nat64::parse_ipv6("2001:db8:1::1")}};
    v.instance.instance = 0x1234;
    v.instance.pool6 = p6("64:ff9b::/96");
    nat64::Pool4Entry pool;
    pool.prefix = p4("198.51.100.64/30");
    v.instance.pool4 = {pool};
    // One EAMT entry for a VM of the VNet (a source) and one for a remote
    // IPv4 network (a destination).
    v.instance.eamt = {{p6("2001:db8:1::5/128"), p4("198.51.100.5/32")},
                       {p6("2001:db8:ffff::/120"), p4("192.0.2.0/24")}};
    return v;
}

const nat64d::Mac kHost{0x02, 0x65, 0, 0, 0x12, 0x34};

std::vector<std::string> flow_lines(const std::string &text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) {
        if (!l.empty() && l[0] != '#') out.push_back(l);
    }
    return out;
}

bool has(const std::vector<std::string> &lines, const std::string &want) {
    return std::find(lines.begin(), lines.end(), want) != lines.end();
}

TEST(Nat64dFlows, MacsCarryTheInstanceId) {
    EXPECT_EQ(nat64d::format_mac(nat64d::translator_mac(0x01020304)), "02:64:01:02:03:04");
    EXPECT_EQ(nat64d::format_mac(nat64d::gateway_mac(0x01020304)), "02:65:01:02:03:04");
    EXPECT_EQ(nat64d::vnet_cookie(7), 0x4e36340000000007ULL);
    EXPECT_EQ(nat64d::vnet_cookie(7) & nat64d::kCookieOwnerMask, nat64d::kCookieOwner);
}

// The zone plugin (sdn-plugin, default_bridge_mac; tests/sdn-plugin/hooks.t)
// computes the same MAC for a VNet without "mac": both must agree.
TEST(Nat64dFlows, GatewayMacOfDefaultInstance) {
    EXPECT_EQ(nat64d::format_mac(nat64d::gateway_mac(nat64d::default_instance_id("vnet1"))),
              "02:65:6d:88:39:d9");
    EXPECT_EQ(nat64d::format_mac(nat64d::gateway_mac(nat64d::default_instance_id("v6net"))),
              "02:65:76:73:3f:62");
}

// Even with an instance id of its own (nat64.json), the bridge gets the
// default instance's MAC: the one the plugin's stanza sets.
TEST(Nat64dFlows, BridgeMacIsTheDefaultInstancesGatewayMac) {
    nat64d::VNetSpec spec = example();
    spec.vnet = "vnet1";
    spec.instance.instance = 7;
    EXPECT_EQ(nat64d::format_mac(nat64d::bridge_mac(spec)), "02:65:6d:88:39:d9");
}

TEST(Nat64dFlows, EveryFlowCarriesTheVnetsCookie) {
    auto lines = flow_lines(nat64d::vnet_flows(example(), kHost));
    ASSERT_GT(lines.size(), 10u);
    for (const auto &l : lines)
        EXPECT_EQ(l.rfind("cookie=0x4e36340000001234,", 0), 0u) << l;
}

TEST(Nat64dFlows, TranslatesPool6AndRemoteEamtButNotTheVnetsOwnHosts) {
    auto lines = flow_lines(nat64d::vnet_flows(example(), kHost));
    const std::string c = "cookie=0x4e36340000001234,";
    EXPECT_TRUE(has(lines, c + "table=1,priority=500,ipv6,ipv6_dst=64:ff9b::/"
                               "96,actions=nat64(instance=4660,table=3)"));
    EXPECT_TRUE(has(lines, c + "table=1,priority=500,ipv6,ipv6_dst=2001:db8:ffff::/"
                               "120,actions=nat64(instance=4660,table=3)"));
    for (const auto &l : lines)
        EXPECT_EQ(l.find("ipv6_dst=2001:db8:1::5"), std::string::npos) << l;
    EXPECT_EQ(nat64d::eamt_remote_prefixes(example()),
              std::vector<nat64::Ipv6Prefix>{p6("2001:db8:ffff::/120")});
}

TEST(Nat64dFlows, Ipv4FromTheHostOnlyForPool4AndOwnEamt) {
    auto lines = flow_lines(nat64d::vnet_flows(example(), kHost));
    const std::string c = "cookie=0x4e36340000001234,";
    for (const char *p : {"198.51.100.5/32", "198.51.100.64/30"}) {
        EXPECT_TRUE(has(lines, c + "table=0,priority=1000,in_port=LOCAL,ip,nw_dst=" + p +
                                   ",actions=nat64(instance=4660,table=2)"))
            << p;
    }
    // The remote entry's IPv4 side is out there, not in the VNet: neither
    // routed into the bridge nor translated when it comes from the host.
    for (const auto &l : lines)
        EXPECT_EQ(l.find("192.0.2.0/24"), std::string::npos) << l;
    EXPECT_TRUE(has(lines, c + "table=0,priority=900,in_port=LOCAL,ip,actions=drop"));
    EXPECT_TRUE(has(lines, c + "table=0,priority=900,in_port=LOCAL,arp,actions=drop"));
    auto prefixes = nat64d::vnet_ipv4_prefixes(example());
    EXPECT_EQ(prefixes,
              (std::vector<nat64::Ipv4Prefix>{p4("198.51.100.5/32"), p4("198.51.100.64/30")}));
}

TEST(Nat64dFlows, VmsCannotImpersonateTheRouter) {
    auto lines = flow_lines(nat64d::vnet_flows(example(), kHost));
    const std::string c = "cookie=0x4e36340000001234,";
    EXPECT_TRUE(has(lines, c + "table=0,priority=700,dl_src=02:65:00:00:12:34,actions=drop"));
    EXPECT_TRUE(has(lines, c + "table=0,priority=700,dl_src=02:64:00:00:12:34,actions=drop"));
    EXPECT_TRUE(has(lines, c + "table=0,priority=700,ipv6,ipv6_src=2001:db8:1::1,actions=drop"));
    EXPECT_TRUE(has(
        lines, c + "table=0,priority=700,icmp6,icmp_type=136,icmp_code=0,nd_target=2001:db8:1::1,"
                   "actions=drop"));
    EXPECT_TRUE(has(lines, c + "table=0,priority=600,icmp6,icmp_type=137,actions=drop"));
}

TEST(Nat64dFlows, VmsMaySourceOnlyTheirSubnetsAndLinkLocal) {
    auto lines = flow_lines(nat64d::vnet_flows(example(), kHost));
    const std::string c = "cookie=0x4e36340000001234,";
    EXPECT_TRUE(
        has(lines, c + "table=0,priority=500,ipv6,ipv6_src=2001:db8:1::/64,actions=goto_table:1"));
    EXPECT_TRUE(
        has(lines, c + "table=0,priority=500,ipv6,ipv6_src=fe80::/10,actions=goto_table:1"));
    EXPECT_TRUE(has(lines, c + "table=0,priority=600,icmp6,icmp_type=134,actions=drop"));
    EXPECT_TRUE(has(lines, c + "table=0,priority=1,actions=drop"));
    // Nothing else lets a VM's packet into table 1.
    size_t to_table1 = std::count_if(lines.begin(), lines.end(), [](const std::string &l) {
        return l.find("goto_table:1") != std::string::npos;
    });
    EXPECT_EQ(to_table1, 4u);  // the subnet, link-local, DAD and MLD from ::
}

TEST(Nat64dFlows, TranslatedPacketsGoToTheHostWithTheTranslatorsMac) {
    auto lines = flow_lines(nat64d::vnet_flows(example(), kHost));
    const std::string c = "cookie=0x4e36340000001234,";
    EXPECT_TRUE(has(lines, c + "table=3,priority=100,ip,actions=mod_dl_src:02:64:00:00:12:34,"
                               "mod_dl_dst:02:65:00:00:12:34,LOCAL"));
    EXPECT_TRUE(has(lines, c + "table=2,priority=100,actions=mod_dl_src:02:64:00:00:12:34,"
                               "mod_dl_dst:02:65:00:00:12:34,IN_PORT"));
    EXPECT_TRUE(has(lines, c + "table=3,priority=90,ipv6,actions=IN_PORT"));
}

TEST(Nat64dFlows, NoPool6NoPool6Flow) {
    auto spec = example();
    spec.instance.pool6.reset();
    auto lines = flow_lines(nat64d::vnet_flows(spec, kHost));
    for (const auto &l : lines)
        EXPECT_EQ(l.find("64:ff9b"), std::string::npos) << l;
}

}  // namespace

// Issue #8: with "ra" on, Router Solicitations from the sources RFC 4861
// §6.1.1 allows go to nat64d (the controller) and to no one else; above
// the RA-Guard drops, below the impersonation drops.
TEST(Nat64dFlows, RouterSolicitationsGoToNat64dWhenRaIsOn) {
    VNetSpec v = example();
    auto lines = flow_lines(nat64d::vnet_flows(v, kHost));
    const std::string c = "cookie=0x4e36340000001234,";
    for (const char *src : {"fe80::/10", "::", "2001:db8:1::/64"}) {
        EXPECT_TRUE(has(lines, c + "table=0,priority=650,icmp6,ipv6_src=" + src +
                                   ",icmp_type=133,icmp_code=0,actions=meter:64,CONTROLLER:65535"))
            << src;
    }
    EXPECT_EQ(std::count_if(
                  lines.begin(), lines.end(),
                  [](const std::string &l) { return l.find("CONTROLLER") != std::string::npos; }),
              3);
    v.ra = false;
    lines = flow_lines(nat64d::vnet_flows(v, kHost));
    EXPECT_TRUE(std::none_of(lines.begin(), lines.end(), [](const std::string &l) {
        return l.find("CONTROLLER") != std::string::npos;
    }));
    // Without RAs of ours, a guest's router may still not advertise: the
    // RA-Guard flows stay.
    EXPECT_TRUE(has(lines, c + "table=0,priority=600,icmp6,icmp_type=134,actions=drop"));
}
