// nat64d's reading of the SDN configuration (ctl/nat64d/sdn_config.cpp):
// Proxmox's .running-config plus our nat64.json -> this node's VNets, with
// every rule's exact result and message.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nat64/config.hpp"
#include "nat64d/model.hpp"
#include "nat64d/sdn_config.hpp"
#include "nat64d_text.hpp"

namespace nat64d {
namespace {

using nat64d::testtext::a6;
using nat64d::testtext::p6;

using nlohmann::json;
using ::testing::HasSubstr;

// The brief's example, as pve-network writes it (PVE::Network::SDN
// commit_config: JSON::encode of the parsed .cfg sections, "nodes" decoded
// into a hash, booleans as 0/1).
constexpr const char *kExampleRunning =
    R"({"version":12,)"
    R"("zones":{"ids":{"v6z":{"type":"ipv6only","ipam":"pve","nat64-prefix":"64:ff9b::/96","mtu":1450,"nodes":{"pve1":1}},)"
    R"("other":{"type":"simple","ipam":"pve"}}},)"
    R"("vnets":{"ids":{"vnet1":{"type":"vnet","zone":"v6z","alias":"web"},"vnet9":{"type":"vnet","zone":"other"}}},)"
    R"("subnets":{"ids":{"v6z-2001:db8:1::-64":{"type":"subnet","vnet":"vnet1","gateway":"2001:db8:1::1"},)"
    R"("other-10.0.0.0-24":{"type":"subnet","vnet":"vnet9","gateway":"10.0.0.1","snat":1}}},)"
    R"("controllers":{"ids":{}},"fabrics":{"ids":{}}})";

constexpr const char *kExampleSettings = R"({"version": 1,
  "vnets": {"vnet1": {"pool4": [{"prefix": "198.51.100.64/30", "ports": "1024-65535"}],
                      "eamt": [{"ipv6": "2001:db8:1::5/128", "ipv4": "198.51.100.5/32"}],
                      "static-bib": [{"protocol": "tcp", "ipv6": "2001:db8:1::80#80",
                                      "ipv4": "198.51.100.65#8080"}],
                      "max-sessions": 100000, "instance": 7}}})";

// ---- Fixture builders -----------------------------------------------------

json zone(json options = json::object()) {
    json z = {{"type", "ipv6only"}, {"ipam", "pve"}};
    z.update(options);
    return z;
}

json vnet(const std::string &zone_id) {
    return {{"type", "vnet"}, {"zone", zone_id}};
}

json subnet(const std::string &vnet_id, std::optional<std::string> gateway = std::nullopt) {
    json s = {{"type", "subnet"}, {"vnet", vnet_id}};
    if (gateway) s["gateway"] = *gateway;
    return s;
}

// A .running-config shaped like pve-network's.
json running(json zones, json vnets, json subnets, uint64_t version = 12) {
    return {{"version", version},
            {"zones", {{"ids", std::move(zones)}}},
            {"vnets", {{"ids", std::move(vnets)}}},
            {"subnets", {{"ids", std::move(subnets)}}},
            {"controllers", {{"ids", json::object()}}}};
}

// One ipv6only zone "v6z" on every node, with vnet1 on 2001:db8:1::/64.
json one_vnet_running(json zone_options = json::object()) {
    return running({{"v6z", zone(std::move(zone_options))}}, {{"vnet1", vnet("v6z")}},
                   {{"v6z-2001:db8:1::-64", subnet("vnet1", "2001:db8:1::1")}});
}

// vnet1 (2001:db8:1::/64) and vnet2 (2001:db8:2::/64) in zone v6z.
json two_vnets_running() {
    return running({{"v6z", zone()}}, {{"vnet1", vnet("v6z")}, {"vnet2", vnet("v6z")}},
                   {{"v6z-2001:db8:1::-64", subnet("vnet1", "2001:db8:1::1")},
                    {"v6z-2001:db8:2::-64", subnet("vnet2", "2001:db8:2::1")}});
}

json settings(json vnets) {
    return {{"version", 1}, {"vnets", std::move(vnets)}};
}

json pool4(const std::string &prefix) {
    return json::array({{{"prefix", prefix}}});
}

Desired build(const json &rc, const std::optional<json> &s = std::nullopt,
              const std::string &node = "pve1") {
    std::optional<std::string> s_text;
    if (s) s_text = s->dump();
    return build_desired(rc.dump(), s_text, node);
}

std::string file_error(const std::optional<std::string> &rc, const std::optional<std::string> &s) {
    try {
        build_desired(rc, s, "pve1");
    } catch (const ConfigFileError &e) {
        return e.what();
    }
    ADD_FAILURE() << "no ConfigFileError";
    return "";
}

std::vector<Problem> problems_of(const Desired &d, const std::string &vnet) {
    std::vector<Problem> out;
    for (const Problem &p : d.problems) {
        if (p.vnet == vnet) out.push_back(p);
    }
    return out;
}

// The instance document with nat64d's defaults for vnet1 of
// one_vnet_running() with no settings, plus members.
nat64::InstanceConfig instance_with(uint32_t id, const std::string &members) {
    std::string doc = R"({"instance": )" + std::to_string(id) +
                      R"(, "pool6": "64:ff9b::/96", "router-ipv6": "2001:db8:1::1",
                         "ipv4-mtu": 1500, "ipv6-mtu": 1500)";
    if (!members.empty()) doc += ", " + members;
    return nat64::parse_instance_config(doc + "}");
}

// ---- default_instance_id --------------------------------------------------

TEST(Nat64dSdnConfig, DefaultInstanceIdIsFnv1aFoldedIntoPositiveInt32) {
    // FNV-1a 32-bit test vectors: "" 0x811c9dc5, "a" 0xe40c292c,
    // "foobar" 0xbf9cf968; folded as h % (2^31-1) + 1.
    EXPECT_EQ(default_instance_id(""), 0x811c9dc5u % 0x7fffffffu + 1);
    EXPECT_EQ(default_instance_id("a"), 0xe40c292cu % 0x7fffffffu + 1);
    EXPECT_EQ(default_instance_id("foobar"), 0xbf9cf968u % 0x7fffffffu + 1);
    EXPECT_EQ(default_instance_id("foobar"), 1067252074u);
    for (const char *name : {"vnet1", "vnet2", "web", "a1", "zzzzzzzz", "x_y-z"}) {
        uint32_t id = default_instance_id(name);
        EXPECT_GE(id, 1u) << name;
        EXPECT_LE(id, 0x7fffffffu) << name;
    }
    EXPECT_NE(default_instance_id("vnet1"), default_instance_id("vnet2"));
}

// ---- The brief's example, end to end -------------------------------------

TEST(Nat64dSdnConfig, ExampleGivesTheCompleteVnet) {
    Desired d = build_desired(std::string(kExampleRunning), std::string(kExampleSettings), "pve1");
    EXPECT_EQ(d.version, 12u);
    EXPECT_TRUE(d.failed.empty());
    EXPECT_TRUE(d.problems.empty());
    ASSERT_EQ(d.vnets.size(), 1u);  // vnet9 is in a "simple" zone: not ours
    const VNetSpec &v = d.vnets.at("vnet1");
    EXPECT_EQ(v.vnet, "vnet1");
    EXPECT_EQ(v.zone, "v6z");
    EXPECT_EQ(v.mtu, 1450u);
    ASSERT_EQ(v.subnets.size(), 1u);
    EXPECT_EQ(v.subnets[0],
              (Subnet6{"v6z-2001:db8:1::-64", p6("2001:db8:1::/64"), a6("2001:db8:1::1")}));
    nat64::InstanceConfig expected = nat64::parse_instance_config(R"({
        "instance": 7, "pool6": "64:ff9b::/96",
        "router-ipv6": "2001:db8:1::1", "router-ipv4": "198.51.100.64",
        "ipv4-mtu": 1450, "ipv6-mtu": 1450,
        "pool4": [{"prefix": "198.51.100.64/30", "ports": "1024-65535"}],
        "eamt": [{"ipv6": "2001:db8:1::5/128", "ipv4": "198.51.100.5/32"}],
        "static-bib": [{"protocol": "tcp", "ipv6": "2001:db8:1::80#80", "ipv4": "198.51.100.65#8080"}],
        "max-sessions": 100000})");
    EXPECT_EQ(v.instance, expected) << nat64::to_json(v.instance);
}

TEST(Nat64dSdnConfig, ExampleOnAnotherNodeHasNoVnets) {
    Desired d = build_desired(std::string(kExampleRunning), std::string(kExampleSettings), "pve2");
    EXPECT_EQ(d.version, 12u);
    EXPECT_TRUE(d.vnets.empty());
    EXPECT_TRUE(d.failed.empty());
    EXPECT_TRUE(d.problems.empty());  // settings of a VNet on another node: silently ignored
}

// ---- Absent files -----------------------------------------------------------

TEST(Nat64dSdnConfig, AbsentRunningConfigIsVersionZeroWithNoVnets) {
    Desired d = build_desired(std::nullopt, std::nullopt, "pve1");
    EXPECT_EQ(d.version, 0u);
    EXPECT_TRUE(d.vnets.empty());
    EXPECT_TRUE(d.failed.empty());
    EXPECT_TRUE(d.problems.empty());
}

TEST(Nat64dSdnConfig, AbsentSettingsGiveTheDefaults) {
    Desired d = build(one_vnet_running());
    ASSERT_TRUE(d.vnets.contains("vnet1"));
    const VNetSpec &v = d.vnets.at("vnet1");
    EXPECT_EQ(v.mtu, 1500u);
    EXPECT_EQ(v.instance, instance_with(default_instance_id("vnet1"), ""));
    EXPECT_FALSE(v.instance.router_ipv4);  // no pool4, no router-ipv4
    EXPECT_TRUE(d.problems.empty());
}

TEST(Nat64dSdnConfig, SettingsWithoutRunningConfigAreWarnedAbout) {
    Desired d = build_desired(std::nullopt, settings({{"vnet1", json::object()}}).dump(), "pve1");
    EXPECT_TRUE(d.vnets.empty());
    ASSERT_EQ(d.problems.size(), 1u);
    EXPECT_EQ(d.problems[0].vnet, "vnet1");
    EXPECT_TRUE(d.problems[0].warning);
    EXPECT_EQ(d.problems[0].message, "nat64.json: settings for unknown vnet vnet1 ignored");
}

// ---- Nodes ----------------------------------------------------------------

struct NodesCase {
    json nodes;
    bool on_pve1;
};

TEST(Nat64dSdnConfig, ZoneNodesSelectTheNode) {
    const std::vector<NodesCase> cases = {
        {json{{"pve1", 1}}, true},                // pve-network's hash
        {json{{"pve2", 1}, {"pve1", 1}}, true},   // several nodes
        {json{{"pve2", 1}}, false},               // another node only
        {json{{"pve1", 0}, {"pve2", 1}}, false},  // Perl-false value
        {json::object(), true},                   // empty: every node
        {json("pve2,pve1"), true},                // the .cfg string form
        {json("pve2, pve3"), false},              //
        {json(""), true},                         //
        {json::array({"pve1"}), true},            // an array
        {json::array({"pve2"}), false},           //
        {json::array(), true},                    //
    };
    for (const NodesCase &c : cases) {
        Desired d = build(one_vnet_running({{"nodes", c.nodes}}));
        EXPECT_EQ(d.vnets.contains("vnet1"), c.on_pve1) << c.nodes.dump();
        EXPECT_TRUE(d.failed.empty()) << c.nodes.dump();
    }
    Desired absent = build(one_vnet_running());  // no "nodes": every node
    EXPECT_TRUE(absent.vnets.contains("vnet1"));
}

TEST(Nat64dSdnConfig, UnusableNodesFailTheZonesVnets) {
    Desired d = build(one_vnet_running({{"nodes", 5}}));
    EXPECT_TRUE(d.vnets.empty());
    ASSERT_TRUE(d.failed.contains("vnet1"));
    EXPECT_THAT(d.failed.at("vnet1"), HasSubstr(".running-config: zone v6z: nodes 5: "));
    d = build(one_vnet_running({{"nodes", json::array({1, 2})}}));
    EXPECT_THAT(d.failed.at("vnet1"), HasSubstr("nodes [1,2]"));
}

// ---- Zones ----------------------------------------------------------------

TEST(Nat64dSdnConfig, ZonesOfOtherTypesAreIgnored) {
    json rc = running({{"simple1", {{"type", "simple"}, {"ipam", "pve"}}},
                       {"evpn1", {{"type", "evpn"}, {"controller", "ctl"}, {"vrf-vxlan", 100}}}},
                      {{"vnet1", vnet("simple1")}, {"vnet2", vnet("evpn1")}},
                      {{"simple1-2001:db8:1::-64", subnet("vnet1", "2001:db8:1::1")},
                       {"simple1-10.0.0.0-24", subnet("vnet1", "10.0.0.1")}});
    Desired d = build(rc, settings({{"vnet1", {{"bogus", 1}}}}));
    EXPECT_TRUE(d.vnets.empty());
    EXPECT_TRUE(d.failed.empty());
    EXPECT_TRUE(d.problems.empty());  // not even the bogus settings: not our VNet
}

TEST(Nat64dSdnConfig, ZoneNat64PrefixIsThePool6Default) {
    Desired d = build(one_vnet_running({{"nat64-prefix", "2001:db8:64::/96"}}));
    EXPECT_EQ(d.vnets.at("vnet1").instance.pool6, p6("2001:db8:64::/96"));
    d = build(one_vnet_running());
    EXPECT_EQ(d.vnets.at("vnet1").instance.pool6, p6(kDefaultPool6));
}

TEST(Nat64dSdnConfig, ZoneMtuIsTheVnetMtuAndBothTranslatorMtus) {
    for (json mtu : {json(9000), json("9000")}) {  // a Perl scalar may be encoded as a string
        Desired d = build(one_vnet_running({{"mtu", mtu}}));
        const VNetSpec &v = d.vnets.at("vnet1");
        EXPECT_EQ(v.mtu, 9000u) << mtu.dump();
        EXPECT_EQ(v.instance.ipv4_mtu, 9000u);
        EXPECT_EQ(v.instance.ipv6_mtu, 9000u);
    }
    Desired low = build(one_vnet_running({{"mtu", 1280}}));
    EXPECT_EQ(low.vnets.at("vnet1").mtu, 1280u);
}

TEST(Nat64dSdnConfig, BadZoneMtuFailsItsVnets) {
    for (json mtu : {json(1000), json(65536), json("abc"), json(-1), json(1450.5), json("")}) {
        Desired d = build(one_vnet_running({{"mtu", mtu}}));
        EXPECT_TRUE(d.vnets.empty()) << mtu.dump();
        ASSERT_TRUE(d.failed.contains("vnet1")) << mtu.dump();
        EXPECT_THAT(d.failed.at("vnet1"),
                    HasSubstr(".running-config: zone v6z: mtu " + mtu.dump() + ": "));
        EXPECT_THAT(d.failed.at("vnet1"), HasSubstr("1280 to 65535"));
    }
}

// Issue #8's zone keys: "ra", "dns64", "dns64-server", with pve-network's
// defaults when absent.
TEST(Nat64dSdnConfig, RouterAndDns64KeysDefaults) {
    const VNetSpec v = build(one_vnet_running()).vnets.at("vnet1");
    EXPECT_TRUE(v.ra);
    EXPECT_EQ(v.dns64, nat64d::Dns64Mode::local);
    EXPECT_FALSE(v.dns64_server);
}

TEST(Nat64dSdnConfig, RaTakesEveryBooleanSpelling) {
    for (json off : {json(0), json("0"), json(false), json("off"), json("No")}) {
        Desired d = build(one_vnet_running({{"ra", off}}));
        ASSERT_TRUE(d.vnets.contains("vnet1")) << off.dump();
        EXPECT_FALSE(d.vnets.at("vnet1").ra) << off.dump();
    }
    for (json on : {json(1), json("1"), json(true), json("yes"), json("ON")}) {
        EXPECT_TRUE(build(one_vnet_running({{"ra", on}})).vnets.at("vnet1").ra) << on.dump();
    }
}

TEST(Nat64dSdnConfig, BadRaDns64OrServerFailsItsVnets) {
    const std::vector<std::pair<json, std::string>> bad{
        {{{"ra", 2}}, "zone v6z: ra 2: expected 0 or 1"},
        {{{"ra", "maybe"}}, "zone v6z: ra \"maybe\": expected 0 or 1"},
        {{{"dns64", "remote"}}, "zone v6z: dns64 \"remote\": expected \"local\" or \"off\""},
        {{{"dns64-server", "10.0.0.53"}},
         "zone v6z: dns64-server \"10.0.0.53\": expected the unicast IPv6 address"},
        {{{"dns64-server", "ff02::1"}}, "dns64-server \"ff02::1\": expected the unicast"},
        {{{"dns64-server", "::"}}, "dns64-server \"::\": expected the unicast"},
        {{{"dns64", "off"}, {"dns64-server", "2001:db8::53"}},
         "dns64-server \"2001:db8::53\": cannot be set together with \"dns64\": \"off\""},
    };
    for (const auto &[opts, want] : bad) {
        Desired d = build(one_vnet_running(opts));
        EXPECT_TRUE(d.vnets.empty()) << opts.dump();
        ASSERT_TRUE(d.failed.contains("vnet1")) << opts.dump();
        EXPECT_THAT(d.failed.at("vnet1"), HasSubstr(want)) << opts.dump();
    }
}

TEST(Nat64dSdnConfig, Dns64OffAndServerReachTheSpec) {
    VNetSpec off = build(one_vnet_running({{"dns64", "off"}, {"ra", 1}})).vnets.at("vnet1");
    EXPECT_EQ(off.dns64, nat64d::Dns64Mode::off);
    VNetSpec srv = build(one_vnet_running({{"dns64-server", "2001:db8::53"}})).vnets.at("vnet1");
    EXPECT_EQ(srv.dns64, nat64d::Dns64Mode::local);
    EXPECT_EQ(srv.dns64_server, a6("2001:db8::53"));
}

TEST(Nat64dSdnConfig, BadNat64PrefixFailsEveryVnetOfItsZoneOnly) {
    json rc = running({{"badz", zone({{"nat64-prefix", "64:ff9b::/95"}})}, {"goodz", zone()}},
                      {{"vnet1", vnet("badz")}, {"vnet2", vnet("badz")}, {"vnet3", vnet("goodz")}},
                      {{"badz-2001:db8:1::-64", subnet("vnet1", "2001:db8:1::1")},
                       {"badz-2001:db8:2::-64", subnet("vnet2", "2001:db8:2::1")},
                       {"goodz-2001:db8:3::-64", subnet("vnet3", "2001:db8:3::1")}});
    Desired d = build(rc);
    ASSERT_EQ(d.vnets.size(), 1u);
    EXPECT_TRUE(d.vnets.contains("vnet3"));
    ASSERT_EQ(d.failed.size(), 2u);
    const std::string &msg = d.failed.at("vnet1");
    EXPECT_EQ(msg.rfind(".running-config: zone badz: nat64-prefix \"64:ff9b::/95\": ", 0), 0u)
        << msg;
    EXPECT_THAT(msg, HasSubstr("RFC 6052"));
    EXPECT_EQ(d.failed.at("vnet2"), msg);
    // One zone-level problem, and one per failed VNet.
    ASSERT_EQ(problems_of(d, "").size(), 1u);
    EXPECT_EQ(problems_of(d, "")[0].message, msg);
    EXPECT_FALSE(problems_of(d, "")[0].warning);
    for (const char *v : {"vnet1", "vnet2"}) {
        ASSERT_EQ(problems_of(d, v).size(), 1u) << v;
        EXPECT_EQ(problems_of(d, v)[0].message, msg);
        EXPECT_FALSE(problems_of(d, v)[0].warning);
    }
    EXPECT_EQ(d.problems.size(), 3u);
}

TEST(Nat64dSdnConfig, Nat64PrefixMustBeAPool6) {
    for (json prefix : {json("64:ff9b::1/96"), json("not-a-prefix"), json(64), json(nullptr),
                        json("64:ff9b::/128")}) {
        Desired d = build(one_vnet_running({{"nat64-prefix", prefix}}));
        ASSERT_TRUE(d.failed.contains("vnet1")) << prefix.dump();
        EXPECT_THAT(d.failed.at("vnet1"), HasSubstr("zone v6z: nat64-prefix " + prefix.dump()));
    }
    Desired ok = build(one_vnet_running({{"nat64-prefix", "2001:db8:100::/40"}}));
    EXPECT_EQ(ok.vnets.at("vnet1").instance.pool6, p6("2001:db8:100::/40"));
}

// ---- VNets ----------------------------------------------------------------

TEST(Nat64dSdnConfig, VnetIdMustBeUsableAsAnInterfaceName) {
    for (const char *id : {"averyverylongvnet", "vnet.1", "vnet 1", "vnet/1"}) {
        json rc = running({{"v6z", zone()}}, {{id, vnet("v6z")}, {"vnet2", vnet("v6z")}},
                          {{"v6z-2001:db8:2::-64", subnet("vnet2")}});
        Desired d = build(rc);
        ASSERT_TRUE(d.failed.contains(id)) << id;
        EXPECT_THAT(d.failed.at(id), HasSubstr(json(id).dump()));
        EXPECT_THAT(d.failed.at(id), HasSubstr("1 to 15 characters"));
        EXPECT_TRUE(d.vnets.contains("vnet2"));
    }
    // 15 characters, '_' and '-': fine.
    json rc = running({{"v6z", zone()}}, {{"a_very-long_15c", vnet("v6z")}},
                      {{"v6z-2001:db8:2::-64", subnet("a_very-long_15c")}});
    EXPECT_TRUE(build(rc).vnets.contains("a_very-long_15c"));
}

TEST(Nat64dSdnConfig, VnetsOfUnknownZonesAreIgnored) {
    json rc = running({{"v6z", zone()}}, {{"vnet1", vnet("v6z")}, {"vnet2", vnet("gone")}},
                      {{"v6z-2001:db8:1::-64", subnet("vnet1")}});
    Desired d = build(rc, settings({{"vnet2", json::object()}}));
    EXPECT_EQ(d.vnets.size(), 1u);
    EXPECT_TRUE(d.failed.empty());
    EXPECT_TRUE(d.problems.empty());
}

// ---- Subnets --------------------------------------------------------------

TEST(Nat64dSdnConfig, SubnetPrefixComesFromTheIdSortedById) {
    json rc = running(
        {{"v6z", zone()}}, {{"vnet1", vnet("v6z")}},
        {{"v6z-2001:db8:aa:bb:cc:dd:ee:0-112", subnet("vnet1", "2001:db8:aa:bb:cc:dd:ee:1")},
         {"v6z-2001:db8:1::-64", subnet("vnet1")},
         {"v6z-fd00:1:2:3::-64", subnet("vnet1", "fd00:1:2:3::fe")}});
    Desired d = build(rc);
    const VNetSpec &v = d.vnets.at("vnet1");
    ASSERT_EQ(v.subnets.size(), 3u);
    EXPECT_EQ(v.subnets[0], (Subnet6{"v6z-2001:db8:1::-64", p6("2001:db8:1::/64"), std::nullopt}));
    EXPECT_EQ(v.subnets[1],
              (Subnet6{"v6z-2001:db8:aa:bb:cc:dd:ee:0-112", p6("2001:db8:aa:bb:cc:dd:ee:0/112"),
                       a6("2001:db8:aa:bb:cc:dd:ee:1")}));
    EXPECT_EQ(v.subnets[2],
              (Subnet6{"v6z-fd00:1:2:3::-64", p6("fd00:1:2:3::/64"), a6("fd00:1:2:3::fe")}));
    // router-ipv6: the gateway of the first subnet (by id) that has one.
    EXPECT_EQ(v.instance.router_ipv6, a6("2001:db8:aa:bb:cc:dd:ee:1"));
}

TEST(Nat64dSdnConfig, NoGatewayNoRouterIpv6) {
    json rc = running({{"v6z", zone()}}, {{"vnet1", vnet("v6z")}},
                      {{"v6z-2001:db8:1::-64", subnet("vnet1")}});
    Desired d = build(rc);
    EXPECT_FALSE(d.vnets.at("vnet1").instance.router_ipv6);
}

TEST(Nat64dSdnConfig, BadSubnetIdFailsItsVnet) {
    for (const char *id : {"v6z-2001:db8::-129", "v6z-2001:db8::1-64", "v6z-2001:db8::", "nodash",
                           "v6z-2001:zz8::-64", "v6z-2001:db8::-", "v6z--64"}) {
        json rc = running({{"v6z", zone()}}, {{"vnet1", vnet("v6z")}, {"vnet2", vnet("v6z")}},
                          {{id, subnet("vnet1")}, {"v6z-2001:db8:2::-64", subnet("vnet2")}});
        Desired d = build(rc);
        ASSERT_TRUE(d.failed.contains("vnet1")) << id;
        EXPECT_THAT(d.failed.at("vnet1"), HasSubstr(".running-config: vnet vnet1: subnet " +
                                                    json(id).dump() + ": the id is not"));
        EXPECT_TRUE(d.vnets.contains("vnet2")) << id;
    }
}

TEST(Nat64dSdnConfig, BadGatewayFailsItsVnet) {
    struct Case {
        json gateway;
        const char *why;
    };
    for (const Case &c : {Case{"10.0.0.1", "expected an IPv6 address"},
                          Case{"2001:db8:1::zz", "expected an IPv6 address"},
                          Case{json(5), "expected an IPv6 address"},
                          Case{"2001:db8:2::1", "is outside 2001:db8:1::/64"}}) {
        json rc = one_vnet_running();
        rc["subnets"]["ids"]["v6z-2001:db8:1::-64"]["gateway"] = c.gateway;
        Desired d = build(rc);
        ASSERT_TRUE(d.failed.contains("vnet1")) << c.gateway;
        EXPECT_THAT(d.failed.at("vnet1"),
                    HasSubstr(".running-config: vnet vnet1: subnet v6z-2001:db8:1::-64: gateway " +
                              c.gateway.dump()));
        EXPECT_THAT(d.failed.at("vnet1"), HasSubstr(c.why));
    }
}

TEST(Nat64dSdnConfig, Ipv4SubnetIsAWarningAndIgnored) {
    json rc = one_vnet_running();
    rc["subnets"]["ids"]["v6z-10.0.0.0-24"] = {
        {"type", "subnet"}, {"vnet", "vnet1"}, {"gateway", "10.0.0.1"}, {"snat", 1}};
    Desired d = build(rc);
    ASSERT_TRUE(d.vnets.contains("vnet1"));
    EXPECT_EQ(d.vnets.at("vnet1").subnets.size(), 1u);
    ASSERT_EQ(d.problems.size(), 1u);
    EXPECT_EQ(d.problems[0].vnet, "vnet1");
    EXPECT_TRUE(d.problems[0].warning);
    EXPECT_THAT(d.problems[0].message,
                HasSubstr(".running-config: vnet vnet1: IPv4 subnet v6z-10.0.0.0-24 ignored"));
}

TEST(Nat64dSdnConfig, VnetWithoutIpv6SubnetIsAWarningNotAFailure) {
    json rc = running({{"v6z", zone()}}, {{"vnet1", vnet("v6z")}},
                      {{"v6z-10.0.0.0-24", subnet("vnet1", "10.0.0.1")}});
    Desired d = build(rc);
    ASSERT_TRUE(d.vnets.contains("vnet1"));
    EXPECT_TRUE(d.vnets.at("vnet1").subnets.empty());
    EXPECT_FALSE(d.vnets.at("vnet1").instance.router_ipv6);
    std::vector<Problem> p = problems_of(d, "vnet1");
    ASSERT_EQ(p.size(), 2u);  // the IPv4 subnet, and no IPv6 one
    EXPECT_TRUE(p[0].warning);
    EXPECT_TRUE(p[1].warning);
    EXPECT_EQ(p[1].message,
              ".running-config: vnet vnet1 has no IPv6 subnet: its VMs can only use link-local "
              "addresses");
}

// ---- Instance documents -----------------------------------------------------

TEST(Nat64dSdnConfig, SettingsOverrideTheDefaults) {
    json s = settings({{"vnet1",
                        {{"router-ipv6", "2001:db8:1::fe"},
                         {"router-ipv4", "198.51.100.70"},
                         {"ipv6-mtu", 9000},
                         {"pool6", "2001:db8:64::/96"},
                         {"pool4", pool4("198.51.100.64/29")}}}});
    Desired d = build(one_vnet_running({{"mtu", 1450}, {"nat64-prefix", "64:ff9b::/96"}}), s);
    const VNetSpec &v = d.vnets.at("vnet1");
    EXPECT_EQ(v.mtu, 1450u);
    EXPECT_EQ(v.instance.instance, default_instance_id("vnet1"));
    EXPECT_EQ(v.instance.router_ipv6, a6("2001:db8:1::fe"));
    EXPECT_EQ(v.instance.router_ipv4, nat64::parse_ipv4("198.51.100.70"));
    EXPECT_EQ(v.instance.ipv6_mtu, 9000u);
    EXPECT_EQ(v.instance.ipv4_mtu, 1450u);  // not in the settings: the zone's
    EXPECT_EQ(v.instance.pool6, p6("2001:db8:64::/96"));
}

TEST(Nat64dSdnConfig, RouterIpv4IsTheFirstAddressOfTheFirstPool4Entry) {
    json s = settings({{"vnet1",
                        {{"pool4", json::array({{{"prefix", "203.0.113.8/29"}},
                                                {{"prefix", "198.51.100.1"}}})}}}});
    Desired d = build(one_vnet_running(), s);
    EXPECT_EQ(d.vnets.at("vnet1").instance.router_ipv4, nat64::parse_ipv4("203.0.113.8"));
    // An empty pool4: no router-ipv4.
    d = build(one_vnet_running(), settings({{"vnet1", {{"pool4", json::array()}}}}));
    EXPECT_FALSE(d.vnets.at("vnet1").instance.router_ipv4);
}

TEST(Nat64dSdnConfig, ExplicitNullPool6StaysNull) {
    Desired d = build(one_vnet_running({{"nat64-prefix", "2001:db8:64::/96"}}),
                      settings({{"vnet1", {{"pool6", nullptr}}}}));
    EXPECT_FALSE(d.vnets.at("vnet1").instance.pool6);
}

TEST(Nat64dSdnConfig, BadSettingsFailOnlyThatVnet) {
    json s = settings({{"vnet1", {{"pool4", pool4("198.51.100.64/30")}}},
                       {"vnet2", {{"pool4", pool4("300.1.1.1/32")}}}});
    Desired d = build(two_vnets_running(), s);
    ASSERT_TRUE(d.vnets.contains("vnet1"));
    ASSERT_TRUE(d.failed.contains("vnet2"));
    const std::string &msg = d.failed.at("vnet2");
    EXPECT_EQ(msg.rfind("nat64.json: vnet vnet2: /pool4/0/prefix: ", 0), 0u) << msg;
    EXPECT_THAT(msg, HasSubstr("300.1.1.1/32"));
    ASSERT_EQ(problems_of(d, "vnet2").size(), 1u);
    EXPECT_EQ(problems_of(d, "vnet2")[0].message, msg);
    EXPECT_FALSE(problems_of(d, "vnet2")[0].warning);
}

TEST(Nat64dSdnConfig, UnknownOrBadInstanceKeysAreThatVnetsProblem) {
    struct Case {
        json vnet_settings;
        const char *expected;
    };
    for (const Case &c : {
             Case{{{"bogus", 1}}, "nat64.json: vnet vnet1: /bogus: unknown key (got 1)"},
             Case{{{"instance", 0}}, "nat64.json: vnet vnet1: /instance: "},
             Case{{{"instance", "7"}}, "nat64.json: vnet vnet1: /instance: "},
             Case{{{"max-sessions", 0}}, "nat64.json: vnet vnet1: /max-sessions: "},
             Case{{{"eamt", json::array({{{"ipv6", "2001:db8:1::5/128"}, {"ipv4", "x"}}})}},
                  "nat64.json: vnet vnet1: /eamt/0/ipv4: "},
         }) {
        Desired d = build(one_vnet_running(), settings({{"vnet1", c.vnet_settings}}));
        ASSERT_TRUE(d.failed.contains("vnet1")) << c.vnet_settings;
        EXPECT_THAT(d.failed.at("vnet1"), HasSubstr(c.expected));
    }
}

// ---- Instance ids -----------------------------------------------------------

TEST(Nat64dSdnConfig, DuplicateExplicitInstanceFailsTheLaterVnet) {
    json s = settings({{"vnet1", {{"instance", 7}}}, {"vnet2", {{"instance", 7}}}});
    Desired d = build(two_vnets_running(), s);
    ASSERT_TRUE(d.vnets.contains("vnet1"));
    EXPECT_EQ(d.vnets.at("vnet1").instance.instance, 7u);
    ASSERT_TRUE(d.failed.contains("vnet2"));
    EXPECT_EQ(d.failed.at("vnet2"),
              "nat64.json: vnet vnet2: /instance: 7 is already the instance of vnet vnet1");
}

TEST(Nat64dSdnConfig, DefaultIdGivesWayToAnExplicitOne) {
    // vnet1 names vnet2's default id: vnet2 takes the next one.
    uint32_t taken = default_instance_id("vnet2");
    json s = settings({{"vnet1", {{"instance", taken}}}});
    Desired d = build(two_vnets_running(), s);
    ASSERT_EQ(d.vnets.size(), 2u);
    EXPECT_EQ(d.vnets.at("vnet1").instance.instance, taken);
    EXPECT_EQ(d.vnets.at("vnet2").instance.instance, taken == 0x7fffffffu ? 1u : taken + 1);
    EXPECT_TRUE(d.problems.empty());
}

TEST(Nat64dSdnConfig, DefaultIdBumpsPastEveryTakenId) {
    // vnet1 and vnet2 name vnet3's default id and the one after it.
    uint32_t d3 = default_instance_id("vnet3");
    auto next = [](uint32_t n) { return n == 0x7fffffffu ? 1u : n + 1; };
    json rc = two_vnets_running();
    rc["vnets"]["ids"]["vnet3"] = vnet("v6z");
    rc["subnets"]["ids"]["v6z-2001:db8:3::-64"] = subnet("vnet3");
    json s = settings({{"vnet1", {{"instance", d3}}}, {"vnet2", {{"instance", next(d3)}}}});
    Desired d = build(rc, s);
    ASSERT_EQ(d.vnets.size(), 3u);
    EXPECT_EQ(d.vnets.at("vnet3").instance.instance, next(next(d3)));
}

TEST(Nat64dSdnConfig, ExplicitIdsAboveTheDefaultRangeAreFine) {
    json s = settings({{"vnet1", {{"instance", 4294967295u}}}});
    Desired d = build(two_vnets_running(), s);
    EXPECT_EQ(d.vnets.at("vnet1").instance.instance, 4294967295u);
    EXPECT_EQ(d.vnets.at("vnet2").instance.instance, default_instance_id("vnet2"));
}

TEST(Nat64dSdnConfig, FailedVnetsKeepTheirInstanceIds) {
    // vnet1 fails (bad pool4) but still holds instance 7, which it may be
    // running with: vnet2 may not take it.
    json s = settings({{"vnet1", {{"instance", 7}, {"pool4", pool4("300.1.1.1/32")}}},
                       {"vnet2", {{"instance", 7}}}});
    Desired d = build(two_vnets_running(), s);
    EXPECT_TRUE(d.failed.contains("vnet1"));
    ASSERT_TRUE(d.failed.contains("vnet2"));
    EXPECT_THAT(d.failed.at("vnet2"), HasSubstr("already the instance of vnet vnet1"));
}

// ---- Isolation between VNets ------------------------------------------------

TEST(Nat64dSdnConfig, OverlappingPool4FailsTheLaterVnet) {
    json s = settings({{"vnet1", {{"pool4", pool4("198.51.100.64/30")}}},
                       {"vnet2", {{"pool4", pool4("198.51.100.66/32")}}}});
    Desired d = build(two_vnets_running(), s);
    ASSERT_TRUE(d.vnets.contains("vnet1"));
    ASSERT_TRUE(d.failed.contains("vnet2"));
    EXPECT_EQ(d.failed.at("vnet2"),
              "nat64.json: vnet vnet2: /pool4/0/prefix 198.51.100.66/32 overlaps "
              "/pool4/0/prefix 198.51.100.64/30 of vnet vnet1");
}

TEST(Nat64dSdnConfig, AdjacentPool4sAreFine) {
    json s = settings({{"vnet1", {{"pool4", pool4("198.51.100.64/30")}}},
                       {"vnet2", {{"pool4", pool4("198.51.100.68/30")}}}});
    Desired d = build(two_vnets_running(), s);
    EXPECT_EQ(d.vnets.size(), 2u);
    EXPECT_TRUE(d.problems.empty());
}

TEST(Nat64dSdnConfig, EamtClaimsIpv4Too) {
    // vnet2's EAMT maps an address inside vnet1's pool4.
    json s = settings({{"vnet1", {{"pool4", pool4("198.51.100.64/30")}}},
                       {"vnet2",
                        {{"eamt", json::array({{{"ipv6", "2001:db8:2::5/128"},
                                                {"ipv4", "198.51.100.67/32"}}})}}}});
    Desired d = build(two_vnets_running(), s);
    ASSERT_TRUE(d.failed.contains("vnet2"));
    EXPECT_EQ(d.failed.at("vnet2"),
              "nat64.json: vnet vnet2: /eamt/0/ipv4 198.51.100.67/32 overlaps /pool4/0/prefix "
              "198.51.100.64/30 of vnet vnet1");

    // Two EAMT prefixes, one inside the other.
    s = settings(
        {{"vnet1",
          {{"eamt", json::array({{{"ipv6", "2001:db8:1::/120"}, {"ipv4", "203.0.113.0/24"}}})}}},
         {"vnet2",
          {{"eamt",
            json::array({{{"ipv6", "2001:db8:2::1/128"}, {"ipv4", "198.51.100.1/32"}},
                         {{"ipv6", "2001:db8:2::2/128"}, {"ipv4", "203.0.113.77/32"}}})}}}});
    d = build(two_vnets_running(), s);
    ASSERT_TRUE(d.failed.contains("vnet2"));
    EXPECT_EQ(d.failed.at("vnet2"),
              "nat64.json: vnet vnet2: /eamt/1/ipv4 203.0.113.77/32 overlaps /eamt/0/ipv4 "
              "203.0.113.0/24 of vnet vnet1");
}

TEST(Nat64dSdnConfig, StaticBibInsideItsOwnPool4IsNoConflict) {
    // A VNet's static BIB address lies in its own pool4 (the core requires
    // it): claims of one VNet never conflict with each other.
    json s = settings({{"vnet1",
                        {{"pool4", pool4("198.51.100.8/30")},
                         {"static-bib", json::array({{{"protocol", "tcp"},
                                                      {"ipv6", "2001:db8:1::9#22"},
                                                      {"ipv4", "198.51.100.9#2222"}}})}}},
                       {"vnet2", {{"pool4", pool4("198.51.100.12/30")}}}});
    Desired d = build(two_vnets_running(), s);
    EXPECT_EQ(d.vnets.size(), 2u);
    EXPECT_TRUE(d.failed.empty());
    EXPECT_EQ(d.vnets.at("vnet1").instance.static_bib.size(), 1u);
}

TEST(Nat64dSdnConfig, OverlappingSubnetsFailTheLaterVnet) {
    json rc = running({{"v6z", zone()}}, {{"vnet1", vnet("v6z")}, {"vnet2", vnet("v6z")}},
                      {{"v6z-2001:db8::-48", subnet("vnet1", "2001:db8::1")},
                       {"v6z-2001:db8:0:7::-64", subnet("vnet2", "2001:db8:0:7::1")}});
    Desired d = build(rc);
    ASSERT_TRUE(d.vnets.contains("vnet1"));
    ASSERT_TRUE(d.failed.contains("vnet2"));
    EXPECT_EQ(d.failed.at("vnet2"),
              ".running-config: vnet vnet2: subnet 2001:db8:0:7::/64 (v6z-2001:db8:0:7::-64) "
              "overlaps subnet 2001:db8::/48 (v6z-2001:db8::-48) of vnet vnet1");
}

TEST(Nat64dSdnConfig, AFailedVnetClaimsNothing) {
    // vnet1 fails (unknown key), so vnet2 may use the same pool4.
    json s = settings({{"vnet1", {{"pool4", pool4("198.51.100.64/30")}, {"bogus", true}}},
                       {"vnet2", {{"pool4", pool4("198.51.100.64/30")}}}});
    Desired d = build(two_vnets_running(), s);
    EXPECT_TRUE(d.failed.contains("vnet1"));
    EXPECT_TRUE(d.vnets.contains("vnet2"));
}

// ---- Settings for other VNets ---------------------------------------------

TEST(Nat64dSdnConfig, SettingsForUnknownVnetsAreWarnedOthersIgnored) {
    json rc = one_vnet_running({{"nodes", {{"pve1", 1}}}});
    rc["zones"]["ids"]["far"] = zone({{"nodes", {{"pve2", 1}}}});
    rc["zones"]["ids"]["simp"] = {{"type", "simple"}, {"ipam", "pve"}};
    rc["vnets"]["ids"]["farnet"] = vnet("far");
    rc["vnets"]["ids"]["simpnet"] = vnet("simp");
    json s = settings({{"vnet1", json::object()},
                       {"farnet", {{"bogus", 1}}},
                       {"simpnet", {{"bogus", 1}}},
                       {"ghost", json::object()}});
    Desired d = build(rc, s);
    EXPECT_EQ(d.vnets.size(), 1u);
    EXPECT_TRUE(d.failed.empty());
    ASSERT_EQ(d.problems.size(), 1u);
    EXPECT_EQ(d.problems[0].vnet, "ghost");
    EXPECT_TRUE(d.problems[0].warning);
    EXPECT_EQ(d.problems[0].message, "nat64.json: settings for unknown vnet ghost ignored");
}

// ---- Whole-file errors ------------------------------------------------------

TEST(Nat64dSdnConfig, MalformedRunningConfigIsAFileError) {
    std::string e = file_error(std::string(R"({"version": 12, "zones": {"ids": )"), std::nullopt);
    EXPECT_EQ(e.rfind(".running-config: parse error at byte ", 0), 0u) << e;
    // nlohmann reports the byte that ends the offending token.
    e = file_error(std::string(R"({"version": 12 "zones"})"), std::nullopt);
    EXPECT_EQ(e,
              ".running-config: parse error at byte 22: syntax error while parsing object - "
              "unexpected string literal; expected '}'");
    e = file_error(std::string(""), std::nullopt);
    EXPECT_EQ(e.rfind(".running-config: parse error at byte ", 0), 0u) << e;
    // nlohmann reports a number it cannot hold as out_of_range, not as a
    // parse error (found by fuzz_sdn_config).
    e = file_error(std::string(R"({"version": 15e1010})"), std::nullopt);
    EXPECT_EQ(e, ".running-config: number overflow parsing '15e1010'");
}

// Deep nesting is refused before parsing: nlohmann copies and prints
// documents recursively, and 100,000 levels would overflow the stack.
TEST(Nat64dSdnConfig, DeeplyNestedFilesAreFileErrors) {
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    std::string e = file_error(deep, std::nullopt);
    EXPECT_EQ(e, ".running-config: arrays and objects nested deeper than 32 levels");
    e = file_error(std::string(kExampleRunning),
                   "{\"version\": 1, \"vnets\": {\"vnet1\": {\"eamt\": " + deep + "}}}");
    EXPECT_EQ(e, "nat64.json: arrays and objects nested deeper than 32 levels");
    // Brackets inside strings do not count.
    const std::string quoted =
        "{\"version\": 1, \"vnets\": {\"vnet1\": {\"eamt\": \"" + std::string(100, '[') + "\"}}}";
    auto d = build_desired(std::string(kExampleRunning), quoted, "pve1");
    EXPECT_EQ(d.failed.count("vnet1"), 1u);  // a bad eamt value, not a file error
}

TEST(Nat64dSdnConfig, MalformedSettingsAreAFileError) {
    std::string e = file_error(std::string(kExampleRunning), std::string(R"({"version": 1,)"));
    EXPECT_EQ(e.rfind("nat64.json: parse error at byte ", 0), 0u) << e;
    // A JSON comment is not JSON.
    e = file_error(std::string(kExampleRunning), std::string("{\"version\": 1} // x"));
    EXPECT_EQ(e.rfind("nat64.json: parse error at byte ", 0), 0u) << e;
}

TEST(Nat64dSdnConfig, RunningConfigShapeErrors) {
    struct Case {
        const char *text;
        const char *expected;
    };
    for (const Case &c : {
             Case{"[]", ".running-config: the top level must be an object"},
             Case{R"({"version": "12"})",
                  ".running-config: \"version\" must be a non-negative "
                  "integer (got \"12\")"},
             Case{R"({"version": -1})", "\"version\" must be a non-negative integer (got -1)"},
             Case{R"({"zones": []})",
                  ".running-config: \"zones\" must be an object with an \"ids\" object"},
             Case{R"({"zones": {}})", "\"zones\" must be an object with an \"ids\" object"},
             Case{R"({"vnets": {"ids": []}})", "\"vnets\" must be an object with an \"ids\""},
             Case{R"({"subnets": {"ids": 1}})", "\"subnets\" must be an object with an \"ids\""},
             Case{R"({"zones": {"ids": {"v6z": "ipv6only"}}})",
                  ".running-config: /zones/ids/v6z must be an object (got \"ipv6only\")"},
         }) {
        EXPECT_EQ(file_error(std::string(c.text), std::nullopt).rfind(".running-config: ", 0), 0u)
            << c.text;
        EXPECT_THAT(file_error(std::string(c.text), std::nullopt), HasSubstr(c.expected)) << c.text;
    }
}

TEST(Nat64dSdnConfig, UnknownRunningConfigKeysAreIgnored) {
    json rc = one_vnet_running();
    rc["fabrics"] = {{"ids", {{"f1", {{"type", "openfabric"}}}}}};
    rc["something-new"] = 1;
    EXPECT_TRUE(build(rc).vnets.contains("vnet1"));
    // Sections may be absent altogether.
    Desired d = build_desired(std::string(R"({"version": 3})"), std::nullopt, "pve1");
    EXPECT_EQ(d.version, 3u);
    EXPECT_TRUE(d.vnets.empty());
}

TEST(Nat64dSdnConfig, SettingsShapeErrors) {
    struct Case {
        const char *text;
        const char *expected;
    };
    for (const Case &c : {
             Case{"[]", "nat64.json: the top level must be an object"},
             Case{R"({"version": 1, "vnet": {}})", "nat64.json: unknown top-level key \"vnet\""},
             Case{R"({"vnets": {}})", "nat64.json: \"version\" must be 1 (missing)"},
             Case{R"({"version": 2, "vnets": {}})", "nat64.json: \"version\" must be 1 (got 2)"},
             Case{R"({"version": "1"})", "nat64.json: \"version\" must be 1 (got \"1\")"},
             Case{R"({"version": 1, "vnets": []})", "nat64.json: \"vnets\" must be an object"},
             Case{R"({"version": 1, "vnets": {"vnet1": 5}})",
                  "nat64.json: /vnets/vnet1 must be an object (got 5)"},
             Case{R"({"version": 1, "version": 1})", "nat64.json: /version: duplicate key"},
             Case{R"({"version": 1, "vnets": {"vnet1": {}, "vnet1": {}}})",
                  "nat64.json: /vnets/vnet1: duplicate key"},
         }) {
        EXPECT_EQ(file_error(std::string(kExampleRunning), std::string(c.text)), c.expected)
            << c.text;
    }
}

TEST(Nat64dSdnConfig, DuplicateKeyInsideSettingsFailsThatVnet) {
    std::string s = R"({"version": 1, "vnets": {
        "vnet1": {"pool4": [{"prefix": "198.51.100.64/30"}], "pool4": []},
        "vnet2": {"eamt": [{"ipv6": "2001:db8:2::5/128", "ipv4": "198.51.100.5/32",
                            "ipv4": "198.51.100.6/32"}]}}})";
    Desired d = build_desired(two_vnets_running().dump(), s, "pve1");
    ASSERT_EQ(d.failed.size(), 2u);
    EXPECT_EQ(d.failed.at("vnet1"), "nat64.json: vnet vnet1: /pool4: duplicate key");
    EXPECT_EQ(d.failed.at("vnet2"), "nat64.json: vnet vnet2: /eamt/0/ipv4: duplicate key");
    // Equal keys in different objects are no duplicates.
    s = R"({"version": 1, "vnets": {
        "vnet1": {"pool4": [{"prefix": "198.51.100.64/30"}]},
        "vnet2": {"pool4": [{"prefix": "198.51.100.68/30"}]}}})";
    d = build_desired(two_vnets_running().dump(), s, "pve1");
    EXPECT_EQ(d.vnets.size(), 2u);
}

// ---- load_desired -----------------------------------------------------------

class Nat64dSdnConfigFiles : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("nat64d-sdn-config-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    void write(const char *name, const std::string &text) {
        std::ofstream(dir_ / name, std::ios::binary) << text;
    }
    std::filesystem::path dir_;
};

TEST_F(Nat64dSdnConfigFiles, ReadsBothFiles) {
    write(kRunningConfigFile, kExampleRunning);
    write(kSettingsFile, kExampleSettings);
    Desired d = load_desired(dir_, "pve1");
    Desired expected =
        build_desired(std::string(kExampleRunning), std::string(kExampleSettings), "pve1");
    EXPECT_EQ(d.version, 12u);
    EXPECT_EQ(d.vnets, expected.vnets);
    EXPECT_EQ(d.vnets.at("vnet1").instance.instance, 7u);
}

TEST_F(Nat64dSdnConfigFiles, AbsentFilesAreNoConfiguration) {
    Desired d = load_desired(dir_, "pve1");
    EXPECT_EQ(d.version, 0u);
    EXPECT_TRUE(d.vnets.empty());
    EXPECT_TRUE(d.problems.empty());
    write(kRunningConfigFile, kExampleRunning);  // nat64.json still absent
    d = load_desired(dir_, "pve1");
    EXPECT_EQ(d.vnets.at("vnet1").instance.instance, default_instance_id("vnet1"));
}

TEST_F(Nat64dSdnConfigFiles, MalformedFileIsAFileError) {
    write(kRunningConfigFile, kExampleRunning);
    write(kSettingsFile, "{\"version\": 1, \"vnets\": {");
    try {
        load_desired(dir_, "pve1");
        ADD_FAILURE() << "no ConfigFileError";
    } catch (const ConfigFileError &e) {
        EXPECT_EQ(std::string(e.what()).rfind("nat64.json: parse error at byte ", 0), 0u)
            << e.what();
    }
}

TEST_F(Nat64dSdnConfigFiles, UnreadableFileIsAFileError) {
    // A directory where the file should be: open works, read fails.
    std::filesystem::create_directory(dir_ / kRunningConfigFile);
    try {
        load_desired(dir_, "pve1");
        ADD_FAILURE() << "no ConfigFileError";
    } catch (const ConfigFileError &e) {
        EXPECT_EQ(std::string(e.what()).rfind(".running-config: cannot read ", 0), 0u) << e.what();
    }
}

TEST_F(Nat64dSdnConfigFiles, MissingDirectoryIsAFileError) {
    // /etc/pve not mounted must not read as "no VNets".
    try {
        load_desired(dir_ / "absent", "pve1");
        ADD_FAILURE() << "no ConfigFileError";
    } catch (const ConfigFileError &e) {
        EXPECT_THAT(e.what(), HasSubstr("no such directory"));
        EXPECT_EQ(std::string(e.what()).rfind(".running-config: ", 0), 0u) << e.what();
    }
}

}  // namespace
}  // namespace nat64d
