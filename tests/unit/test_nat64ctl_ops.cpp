// Unit tests for nat64ctl's per-VNet editing helpers: the entries built
// from command-line arguments (ctl/nat64ctl/entries.cpp), the nat64.json
// store with its lock, validation and atomic writes
// (ctl/nat64ctl/settings_store.cpp), and the table/CSV printers
// (ctl/nat64ctl/table.cpp).  Needs nat64ctl_lib and nat64d_lib.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "nat64/config.hpp"
#include "nat64ctl/entries.hpp"
#include "nat64ctl/errors.hpp"
#include "nat64ctl/settings_store.hpp"
#include "nat64ctl/table.hpp"
#include "nat64d/model.hpp"

namespace nat64::ctl {
namespace {

namespace fs = std::filesystem;
using OJson = nlohmann::ordered_json;
using Json = nlohmann::json;

// The message of the exception of type E that f throws ("" and a test
// failure when it throws nothing or something else).
template <class E = InputError>
std::string error_of(const std::function<void()> &f) {
    try {
        f();
    } catch (const E &e) {
        return e.what();
    } catch (const std::exception &e) {
        ADD_FAILURE() << "unexpected exception: " << e.what();
        return "";
    }
    ADD_FAILURE() << "no exception";
    return "";
}

// ===========================================================================
// entries: canonical forms and argument names in messages.

TEST(Nat64ctlEntries, Pool4DefaultsToAllPortsAndProtocols) {
    OJson e = pool4_entry("198.51.100.64/30", "", {});
    EXPECT_EQ(
        e.dump(),
        R"({"prefix":"198.51.100.64/30","ports":"1-65535","protocols":["tcp","udp","icmp"]})");
}

TEST(Nat64ctlEntries, Pool4CanonicalPortsAndProtocolOrder) {
    // Protocols come out in the core's order whatever order they were given
    // in; a single port becomes a one-port range.
    EXPECT_EQ(pool4_entry("198.51.100.64/30", "1024-65535", {"udp", "tcp"}).dump(),
              R"({"prefix":"198.51.100.64/30","ports":"1024-65535","protocols":["tcp","udp"]})");
    EXPECT_EQ(pool4_entry("198.51.100.64/30", "80", {"icmp"}).dump(),
              R"({"prefix":"198.51.100.64/30","ports":"80-80","protocols":["icmp"]})");
}

TEST(Nat64ctlEntries, Pool4BadPrefixNamesPrefix) {
    EXPECT_EQ(error_of([] { pool4_entry("300.1.1.1/32", "", {}); }),
              R"(PREFIX 300.1.1.1/32: expected an IPv4 prefix such as "192.0.2.0/24" )"
              R"((got "300.1.1.1/32"))");
}

TEST(Nat64ctlEntries, Pool4HostBitsNamePrefix) {
    EXPECT_EQ(error_of([] { pool4_entry("198.51.100.65/30", "", {}); }),
              R"(PREFIX 198.51.100.65/30: host bits are set (did you mean "198.51.100.64/30"?) )"
              R"((got "198.51.100.65/30"))");
}

TEST(Nat64ctlEntries, Pool4ReservedPrefixNamesPrefix) {
    EXPECT_EQ(error_of([] { pool4_entry("127.0.0.0/30", "", {}); }),
              R"(PREFIX 127.0.0.0/30: overlaps 127.0.0.0/8, which is reserved (RFC 6890) and )"
              R"(never a pool4 address (got "127.0.0.0/30"))");
}

TEST(Nat64ctlEntries, Pool4BadPortsNamePorts) {
    EXPECT_EQ(error_of([] { pool4_entry("198.51.100.64/30", "9-5", {}); }),
              R"(--ports 9-5: the range is empty: the first port is above the last (got "9-5"))");
    EXPECT_EQ(error_of([] { pool4_entry("198.51.100.64/30", "0-5", {}); }),
              R"(--ports 0-5: expected a port range such as "1024-65535" or a single port, 1 to )"
              R"(65535 (got "0-5"))");
}

TEST(Nat64ctlEntries, Pool4BadProtocolsNameProtocols) {
    EXPECT_EQ(error_of([] { pool4_entry("198.51.100.64/30", "", {"sctp"}); }),
              R"(--protocols: expected "tcp", "udp" or "icmp" (got "sctp"))");
    EXPECT_EQ(error_of([] {
                  pool4_entry("198.51.100.64/30", "", {"tcp", "tcp"});
              }),
              R"(--protocols: protocol listed twice (got "tcp"))");
}

TEST(Nat64ctlEntries, InputErrorIsBadInputExitCode) {
    try {
        pool4_entry("300.1.1.1/32", "", {});
        FAIL() << "no exception";
    } catch (const InputError &e) {
        EXPECT_EQ(e.exit_code(), kExitBadInput);
    }
}

TEST(Nat64ctlEntries, EamtCanonicalForm) {
    // A bare address is a /128 or /32; the text is normalised.
    EXPECT_EQ(eamt_entry("2001:db8:1::5", "198.51.100.5").dump(),
              R"({"ipv6":"2001:db8:1::5/128","ipv4":"198.51.100.5/32"})");
    EXPECT_EQ(eamt_entry("2001:DB8:1:0::/120", "198.51.100.0/24").dump(),
              R"({"ipv6":"2001:db8:1::/120","ipv4":"198.51.100.0/24"})");
}

TEST(Nat64ctlEntries, EamtBadIpv6NamesIpv6Prefix) {
    EXPECT_EQ(error_of([] { eamt_entry("2001:db8:zz::5/128", "198.51.100.5/32"); }),
              R"(IPV6-PREFIX 2001:db8:zz::5/128: expected an IPv6 prefix such as )"
              R"("2001:db8::/32" (got "2001:db8:zz::5/128"))");
}

TEST(Nat64ctlEntries, EamtHostBitsNameIpv4Prefix) {
    EXPECT_EQ(error_of([] { eamt_entry("2001:db8:1::/120", "198.51.100.1/24"); }),
              R"(IPV4-PREFIX 198.51.100.1/24: host bits are set (did you mean )"
              R"("198.51.100.0/24"?) (got "198.51.100.1/24"))");
}

TEST(Nat64ctlEntries, EamtSuffixLengthMismatchNamesTheEntry) {
    EXPECT_EQ(error_of([] { eamt_entry("2001:db8:1::/120", "198.51.100.0/25"); }),
              "EAMT entry 2001:db8:1::/120 198.51.100.0/25: the IPv6 and IPv4 prefixes must "
              "leave the same number of suffix bits (RFC 7757 §3.2) "
              R"((got {"ipv6":"2001:db8:1::/120","ipv4":"198.51.100.0/25"}))");
}

TEST(Nat64ctlEntries, BibBadProtocolNamesProtocol) {
    EXPECT_EQ(error_of([] { bib_entry("sctp", "2001:db8:1::80#80", "198.51.100.65#8080"); }),
              R"(--protocol sctp: expected "tcp", "udp" or "icmp" (got "sctp"))");
}

TEST(Nat64ctlEntries, BibBadIpv6NamesIpv6Port) {
    EXPECT_EQ(error_of([] { bib_entry("tcp", "2001:db8:1::80", "198.51.100.65#8080"); }),
              R"(IPV6#PORT 2001:db8:1::80: expected an IPv6 transport address such as )"
              R"("2001:db8::5#2000" (got "2001:db8:1::80"))");
}

TEST(Nat64ctlEntries, BibBadIpv4NamesIpv4Port) {
    EXPECT_EQ(error_of([] { bib_entry("tcp", "2001:db8:1::80#80", "198.51.100.65#0"); }),
              R"(IPV4#PORT 198.51.100.65#0: expected an IPv4 transport address such as )"
              R"("192.0.2.2#2000" (got "198.51.100.65#0"))");
}

// bib_entry checks one entry's format only: whether its IPv4 side lies in
// the VNet's pool4 depends on the whole document and is the store's check
// (SettingsStore::edit, see StaticBibOutsidePool4IsRefused).  A valid entry
// must come back in canonical form, whatever pool4 holds.
TEST(Nat64ctlEntries, BibValidEntryIsCanonicalWithoutPool4Check) {
    OJson e;
    ASSERT_NO_THROW(e = bib_entry("tcp", "[2001:DB8:1::80]#80", "198.51.100.65#8080"));
    EXPECT_EQ(e.dump(),
              R"({"protocol":"tcp","ipv6":"2001:db8:1::80#80","ipv4":"198.51.100.65#8080"})");
}

// ===========================================================================
// add_entry / remove_entries.

TEST(Nat64ctlEntries, AddEntryCreatesListAndAppends) {
    OJson s = OJson::object();
    OJson a = eamt_entry("2001:db8:1::5", "198.51.100.5");
    OJson b = eamt_entry("2001:db8:1::6", "198.51.100.6");
    add_entry(s, "eamt", a, "EAMT a");
    add_entry(s, "eamt", b, "EAMT b");
    EXPECT_EQ(s, (OJson{{"eamt", OJson::array({a, b})}}));
}

TEST(Nat64ctlEntries, AddEntryRefusesDuplicate) {
    OJson s = OJson::object();
    OJson a = eamt_entry("2001:db8:1::5", "198.51.100.5");
    add_entry(s, "eamt", a, "EAMT a");
    EXPECT_EQ(error_of([&] { add_entry(s, "eamt", a, "EAMT 2001:db8:1::5/128 in vnet vnet1"); }),
              "EAMT 2001:db8:1::5/128 in vnet vnet1 is already there");
    EXPECT_EQ(s["eamt"].size(), 1u);
}

TEST(Nat64ctlEntries, RemoveEntriesRemovesMatchesAndCounts) {
    OJson s = OJson::object();
    add_entry(s, "pool4", pool4_entry("198.51.100.64/30", "1-1023", {}), "a");
    add_entry(s, "pool4", pool4_entry("198.51.100.64/30", "1024-65535", {}), "b");
    add_entry(s, "pool4", pool4_entry("198.51.100.128/30", "", {}), "c");
    size_t n = remove_entries(
        s, "pool4", [](const OJson &e) { return e["prefix"] == "198.51.100.64/30"; }, "pool4");
    EXPECT_EQ(n, 2u);
    ASSERT_EQ(s["pool4"].size(), 1u);
    EXPECT_EQ(s["pool4"][0]["prefix"], "198.51.100.128/30");
}

TEST(Nat64ctlEntries, RemoveEntriesRefusesNoMatch) {
    OJson s = OJson::object();
    add_entry(s, "eamt", eamt_entry("2001:db8:1::5", "198.51.100.5"), "a");
    const OJson before = s;
    EXPECT_EQ(error_of([&] {
                  remove_entries(
                      s, "eamt", [](const OJson &) { return false; }, "EAMT x");
              }),
              "EAMT x: no such entry");
    EXPECT_EQ(s, before);
}

TEST(Nat64ctlEntries, RemoveEntriesRefusesMissingKey) {
    OJson s = {{"max-sessions", 10}};
    EXPECT_EQ(error_of([&] {
                  remove_entries(
                      s, "static-bib", [](const OJson &) { return true; }, "BIB y");
              }),
              "BIB y: no such entry");
    EXPECT_EQ(s, (OJson{{"max-sessions", 10}}));
}

TEST(Nat64ctlEntries, RemoveEntriesErasesKeyWhenListBecomesEmpty) {
    OJson s = {{"max-sessions", 10}};
    add_entry(s, "eamt", eamt_entry("2001:db8:1::5", "198.51.100.5"), "a");
    EXPECT_EQ(remove_entries(
                  s, "eamt", [](const OJson &) { return true; }, "a"),
              1u);
    EXPECT_FALSE(s.contains("eamt"));
    EXPECT_EQ(s, (OJson{{"max-sessions", 10}}));
}

// ===========================================================================
// SettingsStore on a temporary configuration directory.

Json zone(const std::string &node, const std::string &prefix = "2001:db8:64::/96") {
    return {
        {"type", "ipv6only"}, {"ipam", "pve"}, {"nat64-prefix", prefix}, {"nodes", {{node, 1}}}};
}

Json subnet(const std::string &vnet, const std::string &gateway) {
    return {{"type", "subnet"}, {"vnet", vnet}, {"gateway", gateway}};
}

// As pve-network writes it: vnet1 and vnet2 in the ipv6only zone v6z (node
// pve1), vnet9 in the simple zone "other".  With vnet2_zone, vnet2 is in
// that zone instead (an extra ipv6only zone on node pve2).
Json running_config(const std::optional<std::string> &vnet2_zone = std::nullopt) {
    Json zones = {{"v6z", zone("pve1")}, {"other", {{"type", "simple"}, {"ipam", "pve"}}}};
    if (vnet2_zone) zones[*vnet2_zone] = zone("pve2", "64:ff9b::/96");
    return {{"version", 12},
            {"zones", {{"ids", zones}}},
            {"vnets",
             {{"ids",
               {{"vnet1", {{"type", "vnet"}, {"zone", "v6z"}}},
                {"vnet2", {{"type", "vnet"}, {"zone", vnet2_zone.value_or("v6z")}}},
                {"vnet9", {{"type", "vnet"}, {"zone", "other"}}}}}}},
            {"subnets",
             {{"ids",
               {{"v6z-2001:db8:1::-64", subnet("vnet1", "2001:db8:1::1")},
                {"v6z-2001:db8:2::-64", subnet("vnet2", "2001:db8:2::1")},
                {"other-10.0.0.0-24",
                 {{"type", "subnet"}, {"vnet", "vnet9"}, {"gateway", "10.0.0.1"}}}}}}},
            {"controllers", {{"ids", Json::object()}}}};
}

std::optional<std::string> slurp(const fs::path &p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void spill(const fs::path &p, const std::string &text) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
    ASSERT_TRUE(out.good()) << p;
}

// An edit function that adds one entry (as nat64ctl's add commands do).
std::function<void(OJson &)> adding(const char *key, OJson entry) {
    return [key, entry](OJson &s) { add_entry(s, key, entry, std::string(key) + " entry"); };
}

class Nat64ctlSettingsStore : public ::testing::Test {
  protected:
    void SetUp() override {
        static std::atomic<int> counter{0};
        const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = fs::temp_directory_path() / ("nat64ctl-ops-" + std::to_string(::getpid()) + "-" +
                                            std::to_string(counter++) + "-" + info->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    void write_running(const Json &rc) { spill(dir_ / ".running-config", rc.dump()); }
    fs::path settings_path() const { return dir_ / "nat64.json"; }
    fs::path lock_path() const { return dir_ / ".nat64.json.lock"; }
    SettingsStore store(const std::string &node = "pve1") const { return {dir_, node}; }

    fs::path dir_;
};

TEST_F(Nat64ctlSettingsStore, PathIsNat64JsonInDir) {
    EXPECT_EQ(store().path(), dir_ / "nat64.json");
}

TEST_F(Nat64ctlSettingsStore, LoadWithoutFileGivesEmptyDocument) {
    EXPECT_EQ(store().load().dump(), R"({"version":1,"vnets":{}})");
}

TEST_F(Nat64ctlSettingsStore, NoRunningConfigIsRefused) {
    const std::string want = (dir_ / ".running-config").string() +
                             " does not exist: no SDN configuration has been applied yet (pvesh "
                             "set /cluster/sdn)";
    auto s = store();
    EXPECT_EQ(error_of([&] { s.vnet_settings("vnet1"); }), want);
    EXPECT_EQ(error_of([&] { s.edit("vnet1", [](OJson &) {}); }), want);
    EXPECT_FALSE(fs::exists(settings_path()));
    EXPECT_FALSE(fs::exists(lock_path()));
}

TEST_F(Nat64ctlSettingsStore, UnknownVnetIsRefused) {
    write_running(running_config());
    auto s = store();
    EXPECT_EQ(error_of([&] { s.vnet_settings("nope"); }),
              "--vnet nope: no such VNet in the applied SDN configuration");
    EXPECT_EQ(error_of([&] {
                  s.edit("nope", adding("eamt", eamt_entry("2001:db8:1::5", "198.51.100.5")));
              }),
              "--vnet nope: no such VNet in the applied SDN configuration");
    EXPECT_FALSE(fs::exists(settings_path()));
}

TEST_F(Nat64ctlSettingsStore, VnetOfSimpleZoneIsRefused) {
    write_running(running_config());
    auto s = store();
    EXPECT_EQ(error_of([&] { s.vnet_settings("vnet9"); }),
              "--vnet vnet9: its zone other is of type simple, not ipv6only");
    EXPECT_EQ(error_of([&] { s.edit("vnet9", [](OJson &) {}); }),
              "--vnet vnet9: its zone other is of type simple, not ipv6only");
    EXPECT_FALSE(fs::exists(settings_path()));
}

TEST_F(Nat64ctlSettingsStore, VnetSettingsEmptyUntilEdited) {
    write_running(running_config());
    auto s = store();
    EXPECT_EQ(s.vnet_settings("vnet1"), OJson::object());
    OJson p = pool4_entry("198.51.100.64/30", "", {});
    s.edit("vnet1", adding("pool4", p));
    EXPECT_EQ(s.vnet_settings("vnet1"), (OJson{{"pool4", OJson::array({p})}}));
    EXPECT_EQ(s.vnet_settings("vnet2"), OJson::object());
}

TEST_F(Nat64ctlSettingsStore, EditWritesPrivateFileWithVersion1) {
    write_running(running_config());
    auto s = store();
    OJson p = pool4_entry("198.51.100.64/30", "1024-65535", {});
    const std::string text = s.edit("vnet1", adding("pool4", p));

    ASSERT_TRUE(fs::exists(settings_path()));
    EXPECT_EQ(slurp(settings_path()), text);
    struct stat st {};
    ASSERT_EQ(::stat(settings_path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);

    OJson doc = OJson::parse(text);
    EXPECT_EQ(doc["version"], 1);
    EXPECT_EQ(doc["vnets"]["vnet1"], (OJson{{"pool4", OJson::array({p})}}));
    EXPECT_EQ(text.back(), '\n');
    EXPECT_EQ(text, doc.dump(2) + "\n");
    EXPECT_FALSE(fs::exists(lock_path()));  // released
    // No temporary file is left next to it.
    std::vector<std::string> names;
    for (const auto &e : fs::directory_iterator(dir_))
        names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{".running-config", "nat64.json"}));
}

TEST_F(Nat64ctlSettingsStore, EditKeepsOtherVnetsAndKeys) {
    write_running(running_config());
    spill(settings_path(), R"({"version": 1, "vnets": {"vnet2": {"max-sessions": 5}}})");
    auto s = store();
    OJson e = eamt_entry("2001:db8:1::5", "198.51.100.5");
    s.edit("vnet1", adding("eamt", e));
    OJson doc = s.load();
    EXPECT_EQ(doc["vnets"]["vnet2"], (OJson{{"max-sessions", 5}}));
    EXPECT_EQ(doc["vnets"]["vnet1"], (OJson{{"eamt", OJson::array({e})}}));
}

TEST_F(Nat64ctlSettingsStore, OverlappingPool4OfSecondVnetIsRefused) {
    write_running(running_config());
    auto s = store();
    s.edit("vnet1", adding("pool4", pool4_entry("198.51.100.64/30", "", {})));
    const auto before = slurp(settings_path());
    // vnet2 is on the same node: nat64d itself fails the later VNet.
    EXPECT_EQ(error_of([&] {
                  s.edit("vnet2", adding("pool4", pool4_entry("198.51.100.64/31", "", {})));
              }),
              "nat64.json: vnet vnet2: /pool4/0/prefix 198.51.100.64/31 overlaps /pool4/0/prefix "
              "198.51.100.64/30 of vnet vnet1");
    EXPECT_EQ(slurp(settings_path()), before);
    EXPECT_FALSE(fs::exists(lock_path()));
}

TEST_F(Nat64ctlSettingsStore, OverlapWithLaterVnetIsRefusedToo) {
    // vnet1 sorts first, so nat64d would fail vnet2, not vnet1: the store's
    // own cross-VNet check must refuse the change to vnet1.
    write_running(running_config());
    auto s = store();
    s.edit("vnet2", adding("eamt", eamt_entry("2001:db8:2::5", "198.51.100.5")));
    const auto before = slurp(settings_path());
    EXPECT_EQ(
        error_of([&] { s.edit("vnet1", adding("pool4", pool4_entry("198.51.100.4/30", "", {}))); }),
        "pool4 198.51.100.4/30 overlaps EAMT 198.51.100.5/32 of vnet vnet2");
    EXPECT_EQ(slurp(settings_path()), before);
}

TEST_F(Nat64ctlSettingsStore, OverlapAcrossNodesIsRefused) {
    write_running(running_config("v6b"));  // vnet2 in zone v6b, node pve2 only
    auto s = store("pve1");
    s.edit("vnet1", adding("pool4", pool4_entry("198.51.100.64/30", "", {})));
    // A VNet of another node can be edited from here...
    s.edit("vnet2", adding("pool4", pool4_entry("198.51.100.128/30", "", {})));
    const auto before = slurp(settings_path());
    // ...but not into IPv4 space another VNet (on another node) claims.
    EXPECT_EQ(error_of([&] {
                  s.edit("vnet2",
                         adding("eamt", eamt_entry("2001:db8:2::/126", "198.51.100.64/30")));
              }),
              "EAMT 198.51.100.64/30 overlaps pool4 198.51.100.64/30 of vnet vnet1");
    EXPECT_EQ(slurp(settings_path()), before);
    // And the same the other way round, from the other node.
    auto s2 = store("pve2");
    EXPECT_EQ(error_of([&] {
                  s2.edit("vnet1", adding("eamt", eamt_entry("2001:db8:1::5", "198.51.100.129")));
              }),
              "EAMT 198.51.100.129/32 overlaps pool4 198.51.100.128/30 of vnet vnet2");
    EXPECT_EQ(slurp(settings_path()), before);
}

// A zone's "nodes" may also be a list or a comma-separated string, and a
// hash may name a node with 0: the VNet is validated on a node the zone
// really runs on (as nat64d would), not refused.
TEST_F(Nat64ctlSettingsStore, ZoneNodesInEveryFormPickARealNode) {
    for (Json nodes : {Json("pve2"), Json::array({"pve2"}), Json{{"pve0", 0}, {"pve2", 1}}}) {
        Json rc = running_config("v6b");
        rc["zones"]["ids"]["v6b"]["nodes"] = nodes;
        write_running(rc);
        auto s = store("pve1");
        s.edit("vnet2", adding("pool4", pool4_entry("198.51.100.128/30", "", {})));
        EXPECT_EQ(s.vnet_settings("vnet2")["pool4"].size(), 1u) << nodes.dump();
        fs::remove(settings_path());
    }
    Json rc = running_config("v6b");
    rc["zones"]["ids"]["v6b"]["nodes"] = Json{{"pve2", 0}};
    write_running(rc);
    EXPECT_EQ(error_of([&] {
                  store("pve1").edit("vnet2",
                                     adding("pool4", pool4_entry("198.51.100.128/30", "", {})));
              }),
              "--vnet vnet2: its zone runs on no node (check the zone's nodes)");
}

// The core keeps only pool6 destinations out of denylist4; nat64ctl also
// refuses pool4 and EAMT space there, before anything is written.
TEST_F(Nat64ctlSettingsStore, Pool4AndEamtInDenylist4AreRefused) {
    write_running(running_config());
    auto s = store();
    s.edit("vnet1",
           [](OJson &settings) { settings["denylist4"] = OJson::array({"198.51.100.0/24"}); });
    const auto before = slurp(settings_path());
    EXPECT_EQ(error_of([&] {
                  s.edit("vnet1", adding("pool4", pool4_entry("198.51.100.64/30", "", {})));
              }),
              "pool4 198.51.100.64/30 overlaps denylist4 198.51.100.0/24 of vnet vnet1");
    EXPECT_EQ(error_of([&] {
                  s.edit("vnet1", adding("eamt", eamt_entry("2001:db8:1::5", "198.51.100.5")));
              }),
              "EAMT 198.51.100.5/32 overlaps denylist4 198.51.100.0/24 of vnet vnet1");
    EXPECT_EQ(slurp(settings_path()), before);
}

TEST_F(Nat64ctlSettingsStore, ThrowingEditLeavesFileUnchanged) {
    write_running(running_config());
    auto s = store();
    s.edit("vnet1", adding("pool4", pool4_entry("198.51.100.64/30", "", {})));
    const auto before = slurp(settings_path());
    EXPECT_EQ(error_of([&] {
                  s.edit("vnet1", [](OJson &settings) {
                      settings["max-sessions"] = 5;
                      throw InputError("refused by the test");
                  });
              }),
              "refused by the test");
    EXPECT_EQ(slurp(settings_path()), before);
    EXPECT_FALSE(fs::exists(lock_path()));
    // The lock was released: the next edit goes through at once.
    const auto start = std::chrono::steady_clock::now();
    s.edit("vnet1", adding("eamt", eamt_entry("2001:db8:1::5", "198.51.100.5")));
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST_F(Nat64ctlSettingsStore, DuplicateAddIsRefusedAndFileUnchanged) {
    write_running(running_config());
    auto s = store();
    OJson e = eamt_entry("2001:db8:1::5", "198.51.100.5");
    s.edit("vnet1", adding("eamt", e));
    const auto before = slurp(settings_path());
    EXPECT_EQ(error_of([&] { s.edit("vnet1", adding("eamt", e)); }), "eamt entry is already there");
    EXPECT_EQ(slurp(settings_path()), before);
}

TEST_F(Nat64ctlSettingsStore, StaticBibInsidePool4IsAccepted) {
    write_running(running_config());
    auto s = store();
    s.edit("vnet1", adding("pool4", pool4_entry("198.51.100.64/30", "", {})));
    OJson bib = {
        {"protocol", "tcp"}, {"ipv6", "2001:db8:1::80#80"}, {"ipv4", "198.51.100.65#8080"}};
    s.edit("vnet1", adding("static-bib", bib));
    EXPECT_EQ(s.vnet_settings("vnet1")["static-bib"], OJson::array({bib}));
}

TEST_F(Nat64ctlSettingsStore, StaticBibOutsidePool4IsRefused) {
    write_running(running_config());
    auto s = store();
    s.edit("vnet1", adding("pool4", pool4_entry("198.51.100.64/30", "", {})));
    const auto before = slurp(settings_path());
    OJson bib = {{"protocol", "tcp"}, {"ipv6", "2001:db8:1::80#80"}, {"ipv4", "203.0.113.9#80"}};
    EXPECT_EQ(error_of([&] { s.edit("vnet1", adding("static-bib", bib)); }),
              R"(nat64.json: vnet vnet1: /static-bib/0/ipv4: not inside any pool4 entry for tcp )"
              R"((got "203.0.113.9#80"))");
    EXPECT_EQ(slurp(settings_path()), before);
}

TEST_F(Nat64ctlSettingsStore, StaleLockIsBroken) {
    write_running(running_config());
    ASSERT_TRUE(fs::create_directory(lock_path()));
    fs::last_write_time(lock_path(), fs::file_time_type::clock::now() - std::chrono::seconds(120));
    auto s = store();
    const auto start = std::chrono::steady_clock::now();
    s.edit("vnet1", adding("eamt", eamt_entry("2001:db8:1::5", "198.51.100.5")));
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
    EXPECT_EQ(s.vnet_settings("vnet1")["eamt"].size(), 1u);
    EXPECT_FALSE(fs::exists(lock_path()));
}

// A fresh lock held by someone else makes edit give up after 10 s; too slow
// for a unit test, so only the short wait is checked: an edit waits for a
// lock released shortly after it started.
TEST_F(Nat64ctlSettingsStore, EditWaitsForAHeldLock) {
    write_running(running_config());
    ASSERT_TRUE(fs::create_directory(lock_path()));
    std::thread releaser([this] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        fs::remove(lock_path());
    });
    auto s = store();
    const auto start = std::chrono::steady_clock::now();
    s.edit("vnet1", adding("eamt", eamt_entry("2001:db8:1::5", "198.51.100.5")));
    const auto took = std::chrono::steady_clock::now() - start;
    releaser.join();
    EXPECT_GE(took, std::chrono::milliseconds(250));
    EXPECT_LT(took, std::chrono::seconds(5));
    EXPECT_EQ(s.vnet_settings("vnet1")["eamt"].size(), 1u);
}

TEST_F(Nat64ctlSettingsStore, ConcurrentEditsLoseNothing) {
    write_running(running_config());
    auto worker = [this](int base) {
        auto s = store();
        for (int i = 1; i <= 20; i++) {
            const std::string n = std::to_string(base + i);
            s.edit("vnet1", adding("eamt", eamt_entry("2001:db8:1::" + n, "198.51.100." + n)));
        }
    };
    std::thread a(worker, 0), b(worker, 100);
    a.join();
    b.join();
    OJson eamt = store().vnet_settings("vnet1")["eamt"];
    ASSERT_EQ(eamt.size(), 40u);
    std::vector<std::string> got;
    for (const auto &e : eamt)
        got.push_back(e["ipv4"]);
    std::sort(got.begin(), got.end());
    std::vector<std::string> want;
    for (int base : {0, 100}) {
        for (int i = 1; i <= 20; i++)
            want.push_back("198.51.100." + std::to_string(base + i) + "/32");
    }
    std::sort(want.begin(), want.end());
    EXPECT_EQ(got, want);
}

TEST_F(Nat64ctlSettingsStore, ChangeDuringEditIsNotLost) {
    // Someone who ignores the lock writes the file while edit runs: edit
    // starts again from their version instead of overwriting it.
    write_running(running_config());
    auto s = store();
    s.edit("vnet1", adding("pool4", pool4_entry("198.51.100.64/30", "", {})));
    int calls = 0;
    OJson e = eamt_entry("2001:db8:1::5", "198.51.100.5");
    s.edit("vnet1", [&](OJson &settings) {
        if (calls++ == 0) {
            OJson doc = s.load();
            doc["vnets"]["vnet2"] = {{"max-sessions", 7}};
            spill(settings_path(), doc.dump());
        }
        add_entry(settings, "eamt", e, "e");
    });
    EXPECT_EQ(calls, 2);
    OJson doc = s.load();
    EXPECT_EQ(doc["vnets"]["vnet2"], (OJson{{"max-sessions", 7}}));
    EXPECT_EQ(doc["vnets"]["vnet1"]["eamt"], OJson::array({e}));
    EXPECT_EQ(doc["vnets"]["vnet1"]["pool4"].size(), 1u);
}

TEST_F(Nat64ctlSettingsStore, FileThatKeepsChangingIsGivenUp) {
    write_running(running_config());
    auto s = store();
    int calls = 0;
    EXPECT_EQ(error_of<RuntimeFailure>([&] {
                  s.edit("vnet1", [&](OJson &) {
                      calls++;
                      spill(settings_path(),
                            R"({"version": 1, "vnets": {"vnet2": {"max-sessions": )" +
                                std::to_string(calls) + "}}}");
                  });
              }),
              settings_path().string() + " keeps changing while nat64ctl edits it; try again");
    EXPECT_EQ(calls, 4);
    EXPECT_FALSE(fs::exists(lock_path()));
}

TEST_F(Nat64ctlSettingsStore, RemovingLastEntryRemovesVnetKey) {
    write_running(running_config());
    auto s = store();
    OJson e = eamt_entry("2001:db8:1::5", "198.51.100.5");
    s.edit("vnet1", adding("eamt", e));
    s.edit("vnet2", adding("eamt", eamt_entry("2001:db8:2::5", "198.51.100.6")));
    const std::string text = s.edit("vnet1", [&](OJson &settings) {
        EXPECT_EQ(remove_entries(
                      settings, "eamt", [&](const OJson &x) { return x == e; }, "e"),
                  1u);
    });
    OJson doc = OJson::parse(text);
    EXPECT_FALSE(doc["vnets"].contains("vnet1"));
    EXPECT_TRUE(doc["vnets"].contains("vnet2"));
    EXPECT_EQ(s.vnet_settings("vnet1"), OJson::object());
    // The last VNet too: "vnets" stays, empty.
    s.edit("vnet2", [](OJson &settings) {
        remove_entries(
            settings, "eamt", [](const OJson &) { return true; }, "e");
    });
    EXPECT_EQ(slurp(settings_path()), "{\n  \"version\": 1,\n  \"vnets\": {}\n}\n");
}

TEST_F(Nat64ctlSettingsStore, RemovingFromVnetWithoutSettingsIsRefused) {
    write_running(running_config());
    auto s = store();
    EXPECT_EQ(error_of([&] {
                  s.edit("vnet1", [](OJson &settings) {
                      remove_entries(
                          settings, "eamt", [](const OJson &) { return true; },
                          "EAMT 2001:db8:1::5/128 198.51.100.5/32 in vnet vnet1");
                  });
              }),
              "EAMT 2001:db8:1::5/128 198.51.100.5/32 in vnet vnet1: no such entry");
    EXPECT_FALSE(fs::exists(settings_path()));
}

TEST_F(Nat64ctlSettingsStore, SpecHereOnNodeOfZone) {
    write_running(running_config());
    auto s = store("pve1");
    const std::string text =
        s.edit("vnet1", adding("pool4", pool4_entry("198.51.100.64/30", "", {})));
    auto spec = s.spec_here("vnet1", text);
    ASSERT_TRUE(spec.has_value());
    EXPECT_EQ(spec->vnet, "vnet1");
    EXPECT_EQ(spec->zone, "v6z");
    ASSERT_EQ(spec->instance.pool4.size(), 1u);
    EXPECT_EQ(format_prefix(spec->instance.pool4[0].prefix), "198.51.100.64/30");
    EXPECT_EQ(spec->instance.pool4[0].port_min, 1);
    EXPECT_EQ(spec->instance.pool4[0].port_max, 65535);
    ASSERT_TRUE(spec->instance.pool6.has_value());
    EXPECT_EQ(format_prefix(*spec->instance.pool6), "2001:db8:64::/96");
    ASSERT_TRUE(spec->instance.router_ipv6.has_value());
    EXPECT_EQ(format_ipv6(*spec->instance.router_ipv6), "2001:db8:1::1");
    ASSERT_TRUE(spec->instance.router_ipv4.has_value());
    EXPECT_EQ(format_ipv4(*spec->instance.router_ipv4), "198.51.100.64");
    ASSERT_EQ(spec->subnets.size(), 1u);
    EXPECT_EQ(spec->subnets[0].id, "v6z-2001:db8:1::-64");
}

TEST_F(Nat64ctlSettingsStore, SpecHereOffTheZonesNodesIsNullopt) {
    write_running(running_config());
    const std::string text =
        store("pve1").edit("vnet1", adding("pool4", pool4_entry("198.51.100.64/30", "", {})));
    EXPECT_EQ(store("pve3").spec_here("vnet1", text), std::nullopt);
    EXPECT_EQ(store("pve1").spec_here("vnet9", text), std::nullopt);
}

// ===========================================================================
// table / CSV.

TEST(Nat64ctlTable, AlignedColumnsTwoSpacesApart) {
    std::ostringstream out;
    print_table(out, {"VNET", "PREFIX", "PORTS"},
                {{"vnet1", "198.51.100.64/30", "1-65535"}, {"v2", "203.0.113.0/24", "80-80"}});
    EXPECT_EQ(out.str(),
              "VNET   PREFIX            PORTS\n"
              "vnet1  198.51.100.64/30  1-65535\n"
              "v2     203.0.113.0/24    80-80\n");
}

TEST(Nat64ctlTable, HeaderWiderThanCellsAndShortRows) {
    std::ostringstream out;
    print_table(out, {"A", "LONGHEADER", "C"}, {{"xxxxx", "y", "z"}, {"1"}});
    EXPECT_EQ(out.str(),
              "A      LONGHEADER  C\n"
              "xxxxx  y           z\n"
              "1\n");
}

TEST(Nat64ctlTable, RowsWiderThanTheHeaderAreAligned) {
    std::ostringstream out;
    print_table(out, {"A"}, {{"x", "yy", "z"}, {"xxx", "y", "z"}});
    EXPECT_EQ(out.str(),
              "A\n"
              "x    yy  z\n"
              "xxx  y   z\n");
}

TEST(Nat64ctlTable, EmptyTableIsHeaderOnly) {
    std::ostringstream out;
    print_table(out, {"VNET", "PREFIX"}, {});
    EXPECT_EQ(out.str(), "VNET  PREFIX\n");
}

TEST(Nat64ctlTable, CsvPlainFieldsAndCrlf) {
    std::ostringstream out;
    print_csv(out, {"VNET", "PREFIX"}, {{"vnet1", "198.51.100.64/30"}, {"vnet2", ""}});
    EXPECT_EQ(out.str(), "VNET,PREFIX\r\nvnet1,198.51.100.64/30\r\nvnet2,\r\n");
}

TEST(Nat64ctlTable, CsvQuotesCommaQuoteAndLineBreaks) {
    std::ostringstream out;
    print_csv(out, {"A", "B"},
              {{"tcp,udp,icmp", R"(say "hi")"}, {"line1\nline2", "cr\rx"}, {" spaced ", "'"}});
    EXPECT_EQ(out.str(),
              "A,B\r\n"
              "\"tcp,udp,icmp\",\"say \"\"hi\"\"\"\r\n"
              "\"line1\nline2\",\"cr\rx\"\r\n"
              " spaced ,'\r\n");
}

}  // namespace
}  // namespace nat64::ctl
