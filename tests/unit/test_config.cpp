// The instance configuration document (shared/design.md): every rule the
// parser enforces, with the exact key and value it must report, and the
// round trip parse(to_json(c)) == c.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "nat64/config.hpp"

namespace nat64 {
namespace {

// The design note's example, without its comments.
constexpr std::string_view kDesignExample = R"({
  "instance": 7,
  "pool6": "64:ff9b::/96",
  "eamt": [{"ipv6": "2001:db8:3::/120", "ipv4": "1.0.0.0/24"}],
  "denylist4": ["192.168.0.0/16"],
  "pool6791v4": "203.0.113.8/32",
  "pool6791v6": null,
  "router-ipv4": "198.51.100.1",
  "router-ipv6": "2001:db8:1c0:2:1::",
  "ipv4-mtu": 1500, "ipv6-mtu": 1500,
  "lowest-ipv6-mtu": 1280,
  "mtu-plateaus": [65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68],
  "amend-udp-checksum-zero": false,
  "zeroize-traffic-class": false, "override-tos": false, "tos": 0,
  "eam-hairpin-mode": "intrinsic",
  "randomize-rfc6791-addresses": true,
  "pool4": [{"prefix": "192.0.2.2/32", "ports": "1-3000", "protocols": ["tcp", "udp", "icmp"]}],
  "static-bib": [{"protocol": "tcp", "ipv6": "2001:db8::5#2000", "ipv4": "192.0.2.2#2000"}],
  "timeouts": {"udp": 300, "tcp-est": 7440, "tcp-trans": 240, "icmp": 60},
  "address-dependent-filtering": false, "drop-externally-initiated-tcp": false,
  "drop-icmpv6-info": false, "source-icmpv6-errors-better": true,
  "max-sessions": 1000000
})";

// The keys in design.md's order, then the keys stateful NAT64 added after
// the design note (canonical order: ovs-action/core/config.cpp kFields).
const std::vector<std::string> kDesignKeyOrder = {
    "instance",
    "pool6",
    "eamt",
    "denylist4",
    "pool6791v4",
    "pool6791v6",
    "router-ipv4",
    "router-ipv6",
    "ipv4-mtu",
    "ipv6-mtu",
    "lowest-ipv6-mtu",
    "mtu-plateaus",
    "amend-udp-checksum-zero",
    "zeroize-traffic-class",
    "override-tos",
    "tos",
    "eam-hairpin-mode",
    "randomize-rfc6791-addresses",
    "pool4",
    "static-bib",
    "timeouts",
    "address-dependent-filtering",
    "drop-externally-initiated-tcp",
    "drop-icmpv6-info",
    "source-icmpv6-errors-better",
    "max-sessions",
    "max-sessions-per-source",
    "logging-bib",
    "logging-session",
};

const std::vector<std::string> kBooleanKeys = {
    "amend-udp-checksum-zero",
    "zeroize-traffic-class",
    "override-tos",
    "randomize-rfc6791-addresses",
    "address-dependent-filtering",
    "drop-externally-initiated-tcp",
    "drop-icmpv6-info",
    "source-icmpv6-errors-better",
    "logging-bib",
    "logging-session",
};

// {"instance": 1, <members>}
std::string doc(std::string_view members = "") {
    std::string d = R"({"instance": 1)";
    if (!members.empty()) d += ", " + std::string(members);
    return d + "}";
}

// pool4 for the static BIB tests: 192.0.2.2, ports 1000-2999, TCP and UDP.
constexpr std::string_view kPool4 =
    R"("pool4": [{"prefix": "192.0.2.2", "ports": "1000-2999", "protocols": ["tcp", "udp"]}])";

std::string bib(std::string_view entries) {
    return doc(std::string(kPool4) + R"(, "static-bib": )" + std::string(entries));
}

ConfigError error_of(const std::function<void()> &f) {
    try {
        f();
    } catch (const ConfigError &e) {
        return e;
    }
    ADD_FAILURE() << "no ConfigError";
    return ConfigError("<no error>", "<no error>", "");
}

ConfigError config_error(std::string_view text) {
    return error_of([text] { parse_instance_config(text); });
}

// The key and the value a document's error must name.
#define EXPECT_CONFIG_ERROR(text, key_, value_)     \
    do {                                            \
        SCOPED_TRACE(text);                         \
        ConfigError e_ = config_error(text);        \
        EXPECT_EQ(e_.key(), key_) << e_.what();     \
        EXPECT_EQ(e_.value(), value_) << e_.what(); \
    } while (0)

InstanceConfig parse(std::string_view text) {
    try {
        return parse_instance_config(text);
    } catch (const ConfigError &e) {
        ADD_FAILURE() << "unexpected error: " << e.what() << "\nin " << text;
        return {};
    }
}

Ipv6Addr v6(std::string_view s) {
    return parse_ipv6(s).value();
}
Ipv6Prefix p6(std::string_view s) {
    return parse_ipv6_prefix(s).value();
}
Ipv4Prefix p4(std::string_view s) {
    return parse_ipv4_prefix(s).value();
}
uint32_t v4(std::string_view s) {
    return parse_ipv4(s).value();
}

std::vector<std::string> top_level_keys(const std::string &json) {
    // Named: items() refers into the object, which must outlive the loop.
    auto j = nlohmann::ordered_json::parse(json);
    std::vector<std::string> keys;
    for (const auto &item : j.items())
        keys.push_back(item.key());
    return keys;
}

void expect_round_trip(const InstanceConfig &c) {
    for (int indent : {-1, 0, 2}) {
        std::string text = to_json(c, indent);
        SCOPED_TRACE(text);
        EXPECT_EQ(parse(text), c);
        // Canonical: the text is a fixed point too.
        EXPECT_EQ(to_json(parse(text), indent), text);
    }
}

// ---------------------------------------------------------------------------
// The document as a whole.

TEST(ConfigDocument, DesignExampleParses) {
    InstanceConfig c = parse(kDesignExample);
    EXPECT_EQ(c.instance, 7u);
    EXPECT_EQ(c.pool6, p6("64:ff9b::/96"));
    ASSERT_EQ(c.eamt.size(), 1u);
    EXPECT_EQ(c.eamt[0].ipv6, p6("2001:db8:3::/120"));
    EXPECT_EQ(c.eamt[0].ipv4, p4("1.0.0.0/24"));
    EXPECT_EQ(c.denylist4, std::vector<Ipv4Prefix>{p4("192.168.0.0/16")});
    EXPECT_EQ(c.pool6791v4, p4("203.0.113.8/32"));
    EXPECT_FALSE(c.pool6791v6.has_value());
    EXPECT_EQ(c.router_ipv4, v4("198.51.100.1"));
    EXPECT_EQ(c.router_ipv6, v6("2001:db8:1c0:2:1::"));
    EXPECT_EQ(c.ipv4_mtu, 1500u);
    EXPECT_EQ(c.ipv6_mtu, 1500u);
    EXPECT_EQ(c.lowest_ipv6_mtu, 1280u);
    EXPECT_EQ(c.mtu_plateaus, (std::vector<uint16_t>{65535, 32000, 17914, 8166, 4352, 2002, 1492,
                                                     1006, 508, 296, 68}));
    EXPECT_EQ(c.eam_hairpin_mode, HairpinMode::intrinsic);
    EXPECT_TRUE(c.randomize_rfc6791_addresses);
    ASSERT_EQ(c.pool4.size(), 1u);
    EXPECT_EQ(c.pool4[0], (Pool4Entry{p4("192.0.2.2/32"), 1, 3000, true, true, true}));
    ASSERT_EQ(c.static_bib.size(), 1u);
    EXPECT_EQ(c.static_bib[0],
              (StaticBibEntry{Protocol::tcp, v6("2001:db8::5"), 2000, v4("192.0.2.2"), 2000}));
    EXPECT_EQ(c.timeouts, (Timeouts{300, 7440, 240, 60}));
    EXPECT_TRUE(c.source_icmpv6_errors_better);
    EXPECT_EQ(c.max_sessions, 1000000u);
    expect_round_trip(c);
}

TEST(ConfigDocument, OnlyInstanceGivesTheDefaults) {
    InstanceConfig expected;
    expected.instance = 1;
    EXPECT_EQ(parse(doc()), expected);
}

TEST(ConfigDocument, MalformedJsonNamesNoKey) {
    for (std::string_view text :
         {"", "{", "{\"instance\": 1", "{\"instance\": 1}}", "{\"instance\": 1,}",
          "{'instance': 1}", "{\"instance\": 01}", "{\"instance\": 1} // comment",
          "{\"instance\": NaN}", "{\"a\": \"\xff\"}"}) {
        SCOPED_TRACE(text);
        ConfigError e = config_error(text);
        EXPECT_EQ(e.key(), "");
        EXPECT_EQ(e.value(), "");
        EXPECT_NE(std::string(e.what()).find("parse error"), std::string::npos) << e.what();
    }
}

TEST(ConfigDocument, TopLevelMustBeAnObject) {
    EXPECT_CONFIG_ERROR("[]", "", "[]");
    EXPECT_CONFIG_ERROR("7", "", "7");
    EXPECT_CONFIG_ERROR("null", "", "null");
    EXPECT_CONFIG_ERROR(R"("instance")", "", R"("instance")");
}

TEST(ConfigDocument, UnknownKeyIsNamed) {
    EXPECT_CONFIG_ERROR(doc(R"("pool7": "x")"), "/pool7", R"("x")");
    EXPECT_CONFIG_ERROR(doc(R"("Instance": 1)"), "/Instance", "1");
    // RFC 6901 §3 escapes in the pointer.
    EXPECT_CONFIG_ERROR(doc(R"("a/b~c": true)"), "/a~1b~0c", "true");
}

TEST(ConfigDocument, UnknownKeyIsReportedBeforeBadValues) {
    EXPECT_CONFIG_ERROR(R"({"instance": 0, "bogus": 1})", "/bogus", "1");
}

TEST(ConfigDocument, DuplicateKeysAreRefused) {
    EXPECT_CONFIG_ERROR(R"({"instance": 1, "instance": 1})", "/instance", "");
    EXPECT_CONFIG_ERROR(doc(R"("timeouts": {"udp": 300, "udp": 400})"), "/timeouts/udp", "");
    EXPECT_CONFIG_ERROR(doc(R"("eamt": [{"ipv6": "::1", "ipv4": "1.2.3.4"},
                                        {"ipv6": "::2", "ipv6": "::2", "ipv4": "1.2.3.5"}])"),
                        "/eamt/1/ipv6", "");
    // The same key in different objects is fine.
    parse(
        doc(R"("eamt": [{"ipv6": "::1", "ipv4": "1.2.3.4"}, {"ipv6": "::2", "ipv4": "1.2.3.5"}])"));
}

TEST(ConfigDocument, DeepNestingIsRefusedNotRecursedInto) {
    std::string deep = std::string(100000, '[') + std::string(100000, ']');
    ConfigError e = config_error(deep);
    EXPECT_EQ(e.key().substr(0, 6), "/0/0/0");
    std::string in_key = doc(R"("eamt": )" + std::string(1000, '[') + std::string(1000, ']'));
    EXPECT_EQ(config_error(in_key).key().substr(0, 9), "/eamt/0/0");
}

TEST(ConfigDocument, ErrorMessageNamesKeyValueAndReason) {
    ConfigError e = config_error(doc(R"("ipv4-mtu": 70000)"));
    EXPECT_EQ(e.key(), "/ipv4-mtu");
    EXPECT_EQ(e.value(), "70000");
    EXPECT_STREQ(e.what(), "/ipv4-mtu: must be from 68 to 65535 (got 70000)");
}

TEST(ConfigDocument, LongValuesAreCutInMessages) {
    std::string big = "[1";
    for (int i = 0; i < 1000; i++)
        big += ",1";
    big += "]";
    ConfigError e = config_error(big);
    EXPECT_EQ(e.key(), "");
    EXPECT_LE(e.value().size(), 200u);
    EXPECT_EQ(e.value().substr(e.value().size() - 3), "...");
}

TEST(ConfigDocument, WrongJsonTypesAreNamed) {
    struct Case {
        std::string member, key, value;
    };
    std::vector<Case> cases = {
        {R"("pool6": 64)", "/pool6", "64"},
        {R"("eamt": {})", "/eamt", "{}"},
        {R"("eamt": null)", "/eamt", "null"},
        {R"("eamt": [[]])", "/eamt/0", "[]"},
        {R"("denylist4": "10.0.0.0/8")", "/denylist4", R"("10.0.0.0/8")"},
        {R"("denylist4": [10])", "/denylist4/0", "10"},
        {R"("pool6791v4": ["203.0.113.8"])", "/pool6791v4", R"(["203.0.113.8"])"},
        {R"("pool6791v6": 6)", "/pool6791v6", "6"},
        {R"("router-ipv4": 3325256705)", "/router-ipv4", "3325256705"},
        {R"("router-ipv6": {})", "/router-ipv6", "{}"},
        {R"("ipv4-mtu": "1500")", "/ipv4-mtu", R"("1500")"},
        {R"("ipv6-mtu": 1500.0)", "/ipv6-mtu", "1500.0"},
        {R"("ipv6-mtu": null)", "/ipv6-mtu", "null"},
        {R"("lowest-ipv6-mtu": true)", "/lowest-ipv6-mtu", "true"},
        {R"("mtu-plateaus": 1500)", "/mtu-plateaus", "1500"},
        {R"("tos": "0")", "/tos", R"("0")"},
        {R"("eam-hairpin-mode": true)", "/eam-hairpin-mode", "true"},
        {R"("pool4": {})", "/pool4", "{}"},
        {R"("pool4": ["192.0.2.2"])", "/pool4/0", R"("192.0.2.2")"},
        {R"("pool4": [{"prefix": 1}])", "/pool4/0/prefix", "1"},
        {R"("pool4": [{"prefix": "192.0.2.2", "protocols": "tcp"}])", "/pool4/0/protocols",
         R"("tcp")"},
        {R"("pool4": [{"prefix": "192.0.2.2", "protocols": [6]}])", "/pool4/0/protocols/0", "6"},
        {R"("static-bib": {})", "/static-bib", "{}"},
        {R"("static-bib": [{"protocol": 6}])", "/static-bib/0/protocol", "6"},
        {R"("timeouts": [])", "/timeouts", "[]"},
        {R"("timeouts": {"udp": "300"})", "/timeouts/udp", R"("300")"},
        {R"("max-sessions": 1e6)", "/max-sessions", "1000000.0"},
    };
    for (const Case &c : cases)
        EXPECT_CONFIG_ERROR(doc(c.member), c.key, c.value);
}

// ---------------------------------------------------------------------------
// "instance"

TEST(ConfigInstance, IsRequired) {
    EXPECT_CONFIG_ERROR("{}", "/instance", "");
    EXPECT_CONFIG_ERROR(R"({"pool6": null})", "/instance", "");
}

TEST(ConfigInstance, RangeIsOneToTwoToTheThirtyTwoMinusOne) {
    EXPECT_EQ(parse(R"({"instance": 1})").instance, 1u);
    EXPECT_EQ(parse(R"({"instance": 4294967295})").instance, 4294967295u);
    EXPECT_CONFIG_ERROR(R"({"instance": 0})", "/instance", "0");
    EXPECT_CONFIG_ERROR(R"({"instance": -1})", "/instance", "-1");
    EXPECT_CONFIG_ERROR(R"({"instance": 4294967296})", "/instance", "4294967296");
    EXPECT_CONFIG_ERROR(R"({"instance": 18446744073709551616})", "/instance",
                        "1.8446744073709552e+19");
    EXPECT_CONFIG_ERROR(R"({"instance": 7.5})", "/instance", "7.5");
    EXPECT_CONFIG_ERROR(R"({"instance": "7"})", "/instance", R"("7")");
    EXPECT_CONFIG_ERROR(R"({"instance": null})", "/instance", "null");
}

// ---------------------------------------------------------------------------
// "pool6": RFC 6052 §2.2.

TEST(Rfc6052Pool6, AcceptsEveryAllowedLength) {
    for (std::string_view s : {"2001:db8::/32", "2001:db8:100::/40", "2001:db8:122::/48",
                               "2001:db8:122:300::/56", "2001:db8:122:344::/64", "64:ff9b::/96"}) {
        SCOPED_TRACE(s);
        EXPECT_EQ(parse(doc(R"("pool6": ")" + std::string(s) + "\"")).pool6, p6(s));
    }
}

TEST(Rfc6052Pool6, RefusesOtherLengths) {
    EXPECT_CONFIG_ERROR(doc(R"("pool6": "2001:db8::/33")"), "/pool6", R"("2001:db8::/33")");
    EXPECT_CONFIG_ERROR(doc(R"("pool6": "2001:db8::/0")"), "/pool6", R"("2001:db8::/0")");
    EXPECT_CONFIG_ERROR(doc(R"("pool6": "64:ff9b::/128")"), "/pool6", R"("64:ff9b::/128")");
    // No length means one address, /128.
    EXPECT_CONFIG_ERROR(doc(R"("pool6": "64:ff9b::")"), "/pool6", R"("64:ff9b::")");
}

TEST(Rfc6052Pool6, UOctetMustBeZero) {
    // Bits 64..71 are the first byte of the fifth group.
    ConfigError e = config_error(doc(R"("pool6": "2001:db8:0:0:100::/64")"));
    EXPECT_EQ(e.key(), "/pool6");
    EXPECT_EQ(e.value(), R"("2001:db8:0:0:100::/64")");
    EXPECT_NE(std::string(e.what()).find("u-octet"), std::string::npos) << e.what();
    EXPECT_CONFIG_ERROR(doc(R"("pool6": "2001:db8:0:0:ff00::/32")"), "/pool6",
                        R"("2001:db8:0:0:ff00::/32")");
    // Bits 72..79 are not the u-octet: an ordinary host-bit error.
    EXPECT_CONFIG_ERROR(doc(R"("pool6": "2001:db8:0:0:ff::/64")"), "/pool6",
                        R"("2001:db8:0:0:ff::/64")");
}

TEST(Rfc6052Pool6, SlashNinetySixMayUseBits64To71) {
    // With /96 the u-octet lies inside the prefix; only shorter prefixes
    // are checked.
    EXPECT_EQ(parse(doc(R"("pool6": "2001:db8:0:0:100::/96")")).pool6, p6("2001:db8:0:0:100::/96"));
}

TEST(Rfc6052Pool6, HostBitsAreRefused) {
    ConfigError e = config_error(doc(R"("pool6": "64:ff9b::1/96")"));
    EXPECT_EQ(e.key(), "/pool6");
    EXPECT_EQ(e.value(), R"("64:ff9b::1/96")");
    EXPECT_NE(std::string(e.what()).find("did you mean \"64:ff9b::/96\""), std::string::npos)
        << e.what();
}

TEST(Rfc6052Pool6, MalformedTextIsRefused) {
    EXPECT_CONFIG_ERROR(doc(R"("pool6": "64:ff9b::/")"), "/pool6", R"("64:ff9b::/")");
    EXPECT_CONFIG_ERROR(doc(R"("pool6": "64:ff9g::/96")"), "/pool6", R"("64:ff9g::/96")");
    EXPECT_CONFIG_ERROR(doc(R"("pool6": " 64:ff9b::/96")"), "/pool6", R"(" 64:ff9b::/96")");
}

TEST(Rfc6052Pool6, NullMeansNone) {
    EXPECT_FALSE(parse(doc(R"("pool6": null)")).pool6.has_value());
    EXPECT_FALSE(parse(doc()).pool6.has_value());
}

// ---------------------------------------------------------------------------
// "eamt": RFC 7757.

TEST(Rfc7757Eamt, SuffixLengthsMustBeEqual) {
    std::string entry = R"({"ipv6":"2001:db8::/120","ipv4":"192.0.2.0/25"})";
    EXPECT_CONFIG_ERROR(doc(R"("eamt": [)" + entry + "]"), "/eamt/0", entry);
    std::string entry2 = R"({"ipv6":"2001:db8::5","ipv4":"192.0.2.0/24"})";
    EXPECT_CONFIG_ERROR(doc(R"("eamt": [{"ipv6": "::1", "ipv4": "1.2.3.4"}, )" + entry2 + "]"),
                        "/eamt/1", entry2);
}

TEST(Rfc7757Eamt, EqualSuffixesOfAnyLengthAreAccepted) {
    InstanceConfig c = parse(doc(R"("eamt": [
        {"ipv6": "2001:db8::5", "ipv4": "198.51.100.5"},
        {"ipv6": "2001:db8:3::/120", "ipv4": "1.0.0.0/24"},
        {"ipv6": "::/96", "ipv4": "0.0.0.0/0"}])"));
    ASSERT_EQ(c.eamt.size(), 3u);
    EXPECT_EQ(c.eamt[0], (EamtEntry{p6("2001:db8::5/128"), p4("198.51.100.5/32")}));
    EXPECT_EQ(c.eamt[1], (EamtEntry{p6("2001:db8:3::/120"), p4("1.0.0.0/24")}));
    EXPECT_EQ(c.eamt[2], (EamtEntry{p6("::/96"), p4("0.0.0.0/0")}));
    expect_round_trip(c);
}

TEST(Rfc7757Eamt, NestedPrefixesAreAllowed) {
    // §3.3's longest match is there precisely for such tables.
    InstanceConfig c = parse(doc(R"("eamt": [
        {"ipv6": "2001:db8::/120", "ipv4": "192.0.2.0/24"},
        {"ipv6": "2001:db8::5", "ipv4": "198.51.100.5"},
        {"ipv6": "2001:db8:1::5", "ipv4": "192.0.2.5"}])"));
    EXPECT_EQ(c.eamt.size(), 3u);
}

TEST(Rfc7757Eamt, DuplicateIpv6PrefixNamesTheLaterEntry) {
    EXPECT_CONFIG_ERROR(doc(R"("eamt": [{"ipv6": "2001:db8::5", "ipv4": "192.0.2.5"},
                                        {"ipv6": "2001:db8::6", "ipv4": "192.0.2.6"},
                                        {"ipv6": "2001:DB8:0::5/128", "ipv4": "192.0.2.7"}])"),
                        "/eamt/2/ipv6", R"("2001:DB8:0::5/128")");
}

TEST(Rfc7757Eamt, DuplicateIpv4PrefixNamesTheLaterEntry) {
    EXPECT_CONFIG_ERROR(doc(R"("eamt": [{"ipv6": "2001:db8::5", "ipv4": "192.0.2.5"},
                                        {"ipv6": "2001:db8::6", "ipv4": "192.0.2.5/32"}])"),
                        "/eamt/1/ipv4", R"("192.0.2.5/32")");
}

TEST(Rfc7757Eamt, BadPrefixIsNamedByPointer) {
    EXPECT_CONFIG_ERROR(doc(R"("eamt": [{"ipv6": "::1", "ipv4": "1.2.3.1"},
                                        {"ipv6": "::2", "ipv4": "1.2.3.2"},
                                        {"ipv6": "::3", "ipv4": "1.2.3.3"},
                                        {"ipv6": "::4", "ipv4": "1.2.3.4/33"}])"),
                        "/eamt/3/ipv4", R"("1.2.3.4/33")");
    EXPECT_CONFIG_ERROR(doc(R"("eamt": [{"ipv6": "2001:db8::/120x", "ipv4": "1.2.3.0/24"}])"),
                        "/eamt/0/ipv6", R"("2001:db8::/120x")");
    EXPECT_CONFIG_ERROR(doc(R"("eamt": [{"ipv6": "2001:db8::/120", "ipv4": "1.2.3.4/24"}])"),
                        "/eamt/0/ipv4", R"("1.2.3.4/24")");
}

TEST(Rfc7757Eamt, EntryHasExactlyTwoKeys) {
    EXPECT_CONFIG_ERROR(doc(R"("eamt": [{"ipv6": "::1", "ipv4": "1.2.3.4", "comment": "x"}])"),
                        "/eamt/0/comment", R"("x")");
    EXPECT_CONFIG_ERROR(doc(R"("eamt": [{"ipv6": "::1"}])"), "/eamt/0/ipv4", "");
    EXPECT_CONFIG_ERROR(doc(R"("eamt": [{"ipv4": "1.2.3.4"}])"), "/eamt/0/ipv6", "");
}

TEST(Rfc7757EamtEntry, ParsesOneEntry) {
    EamtEntry e = parse_eamt_entry(R"({"ipv6": "2001:db8:3::/120", "ipv4": "1.0.0.0/24"})");
    EXPECT_EQ(e, (EamtEntry{p6("2001:db8:3::/120"), p4("1.0.0.0/24")}));
    EXPECT_EQ(to_json(e), R"({"ipv6":"2001:db8:3::/120","ipv4":"1.0.0.0/24"})");
    EXPECT_EQ(parse_eamt_entry(to_json(e)), e);
}

TEST(Rfc7757EamtEntry, ErrorsArePointersIntoTheEntry) {
    auto err = [](std::string_view text) { return error_of([text] { parse_eamt_entry(text); }); };
    ConfigError e = err(R"({"ipv6": "2001:db8::/120", "ipv4": "1.0.0.0/25"})");
    EXPECT_EQ(e.key(), "");
    EXPECT_EQ(e.value(), R"({"ipv6":"2001:db8::/120","ipv4":"1.0.0.0/25"})");
    e = err(R"({"ipv6": "2001:db8::1/120", "ipv4": "1.0.0.0/24"})");
    EXPECT_EQ(e.key(), "/ipv6");
    EXPECT_EQ(e.value(), R"("2001:db8::1/120")");
    e = err(R"({"ipv6": "2001:db8::/120"})");
    EXPECT_EQ(e.key(), "/ipv4");
    EXPECT_EQ(e.value(), "");
    e = err(R"({"ipv6": "::1", "ipv4": "1.2.3.4", "x": 1})");
    EXPECT_EQ(e.key(), "/x");
    EXPECT_EQ(e.value(), "1");
    e = err("[]");
    EXPECT_EQ(e.key(), "");
    EXPECT_EQ(e.value(), "[]");
    e = err("{");
    EXPECT_EQ(e.key(), "");
    EXPECT_EQ(e.value(), "");
}

// ---------------------------------------------------------------------------
// "denylist4", RFC 6791 pools, router addresses.

TEST(ConfigDenylist4, IsAListOfIpv4Prefixes) {
    InstanceConfig c = parse(doc(R"("denylist4": ["192.168.0.0/16", "10.0.0.1"])"));
    EXPECT_EQ(c.denylist4, (std::vector<Ipv4Prefix>{p4("192.168.0.0/16"), p4("10.0.0.1/32")}));
    EXPECT_CONFIG_ERROR(doc(R"("denylist4": ["192.168.0.0/16", "10.0.0.1/8"])"), "/denylist4/1",
                        R"("10.0.0.1/8")");
    EXPECT_CONFIG_ERROR(doc(R"("denylist4": ["2001:db8::/32"])"), "/denylist4/0",
                        R"("2001:db8::/32")");
    EXPECT_TRUE(parse(doc(R"("denylist4": [])")).denylist4.empty());
}

TEST(Rfc6791Pool, Ipv4PrefixOrNull) {
    EXPECT_EQ(parse(doc(R"("pool6791v4": "203.0.113.0/24")")).pool6791v4, p4("203.0.113.0/24"));
    EXPECT_FALSE(parse(doc(R"("pool6791v4": null)")).pool6791v4.has_value());
    EXPECT_CONFIG_ERROR(doc(R"("pool6791v4": "203.0.113.8/24")"), "/pool6791v4",
                        R"("203.0.113.8/24")");
    EXPECT_CONFIG_ERROR(doc(R"("pool6791v4": "203.0.113.0/33")"), "/pool6791v4",
                        R"("203.0.113.0/33")");
}

TEST(Rfc6791Pool, Ipv6PrefixOrNull) {
    EXPECT_EQ(parse(doc(R"("pool6791v6": "2001:db8:ffff::/64")")).pool6791v6,
              p6("2001:db8:ffff::/64"));
    EXPECT_FALSE(parse(doc(R"("pool6791v6": null)")).pool6791v6.has_value());
    EXPECT_CONFIG_ERROR(doc(R"("pool6791v6": "2001:db8:ffff::1/64")"), "/pool6791v6",
                        R"("2001:db8:ffff::1/64")");
    EXPECT_CONFIG_ERROR(doc(R"("pool6791v6": "203.0.113.0/24")"), "/pool6791v6",
                        R"("203.0.113.0/24")");
}

TEST(ConfigRouterAddress, Ipv4AddressOrNull) {
    EXPECT_EQ(parse(doc(R"("router-ipv4": "198.51.100.1")")).router_ipv4, v4("198.51.100.1"));
    EXPECT_FALSE(parse(doc(R"("router-ipv4": null)")).router_ipv4.has_value());
    // An address, not a prefix.
    EXPECT_CONFIG_ERROR(doc(R"("router-ipv4": "198.51.100.1/32")"), "/router-ipv4",
                        R"("198.51.100.1/32")");
    EXPECT_CONFIG_ERROR(doc(R"("router-ipv4": "198.51.100.256")"), "/router-ipv4",
                        R"("198.51.100.256")");
}

TEST(ConfigRouterAddress, Ipv6AddressOrNull) {
    EXPECT_EQ(parse(doc(R"("router-ipv6": "2001:db8:1c0:2:1::")")).router_ipv6,
              v6("2001:db8:1c0:2:1::"));
    EXPECT_FALSE(parse(doc(R"("router-ipv6": null)")).router_ipv6.has_value());
    EXPECT_CONFIG_ERROR(doc(R"("router-ipv6": "2001:db8::1/128")"), "/router-ipv6",
                        R"("2001:db8::1/128")");
    EXPECT_CONFIG_ERROR(doc(R"("router-ipv6": "fe80::1%eth0")"), "/router-ipv6",
                        R"("fe80::1%eth0")");
}

// ---------------------------------------------------------------------------
// MTUs.

TEST(ConfigMtu, Ipv4MtuIs68To65535) {
    // RFC 791: 68 octets pass every IPv4 link.
    EXPECT_EQ(parse(doc(R"("ipv4-mtu": 68)")).ipv4_mtu, 68u);
    EXPECT_EQ(parse(doc(R"("ipv4-mtu": 65535)")).ipv4_mtu, 65535u);
    EXPECT_CONFIG_ERROR(doc(R"("ipv4-mtu": 67)"), "/ipv4-mtu", "67");
    EXPECT_CONFIG_ERROR(doc(R"("ipv4-mtu": 70000)"), "/ipv4-mtu", "70000");
}

TEST(ConfigMtu, Ipv6MtusAre1280To65535) {
    // RFC 8200 §5: 1280 octets pass every IPv6 link.
    EXPECT_EQ(parse(doc(R"("ipv6-mtu": 1280)")).ipv6_mtu, 1280u);
    EXPECT_CONFIG_ERROR(doc(R"("ipv6-mtu": 1279)"), "/ipv6-mtu", "1279");
    EXPECT_CONFIG_ERROR(doc(R"("ipv6-mtu": 65536)"), "/ipv6-mtu", "65536");
    EXPECT_EQ(parse(doc(R"("lowest-ipv6-mtu": 65535)")).lowest_ipv6_mtu, 65535u);
    EXPECT_CONFIG_ERROR(doc(R"("lowest-ipv6-mtu": 1279)"), "/lowest-ipv6-mtu", "1279");
    EXPECT_CONFIG_ERROR(doc(R"("lowest-ipv6-mtu": -1280)"), "/lowest-ipv6-mtu", "-1280");
}

TEST(ConfigMtu, LowestIpv6MtuMayExceedIpv6Mtu) {
    InstanceConfig c = parse(doc(R"("ipv6-mtu": 1280, "lowest-ipv6-mtu": 9000)"));
    EXPECT_EQ(c.ipv6_mtu, 1280u);
    EXPECT_EQ(c.lowest_ipv6_mtu, 9000u);
}

TEST(Rfc1191MtuPlateaus, AreSortedDescendingWithoutRepeats) {
    InstanceConfig c = parse(doc(R"("mtu-plateaus": [1006, 65535, 68, 1492, 1006, 68])"));
    EXPECT_EQ(c.mtu_plateaus, (std::vector<uint16_t>{65535, 1492, 1006, 68}));
    expect_round_trip(c);
}

TEST(Rfc1191MtuPlateaus, MustBeNonEmptyAndInRange) {
    EXPECT_CONFIG_ERROR(doc(R"("mtu-plateaus": [])"), "/mtu-plateaus", "[]");
    EXPECT_CONFIG_ERROR(doc(R"("mtu-plateaus": [1500, 67])"), "/mtu-plateaus/1", "67");
    EXPECT_CONFIG_ERROR(doc(R"("mtu-plateaus": [65536])"), "/mtu-plateaus/0", "65536");
    EXPECT_CONFIG_ERROR(doc(R"("mtu-plateaus": [1500, "1492"])"), "/mtu-plateaus/1", R"("1492")");
    EXPECT_EQ(parse(doc(R"("mtu-plateaus": [68])")).mtu_plateaus, std::vector<uint16_t>{68});
}

// ---------------------------------------------------------------------------
// Booleans, tos, hairpinning.

TEST(ConfigBooleans, AcceptTrueAndFalseOnly) {
    for (const std::string &key : kBooleanKeys) {
        SCOPED_TRACE(key);
        InstanceConfig t = parse(doc("\"" + key + "\": true"));
        InstanceConfig f = parse(doc("\"" + key + "\": false"));
        EXPECT_NE(t, f);
        expect_round_trip(t);
        expect_round_trip(f);
        EXPECT_CONFIG_ERROR(doc("\"" + key + "\": 1"), "/" + key, "1");
        EXPECT_CONFIG_ERROR(doc("\"" + key + "\": \"true\""), "/" + key, R"("true")");
        EXPECT_CONFIG_ERROR(doc("\"" + key + "\": null"), "/" + key, "null");
    }
}

TEST(ConfigBooleans, EachKeySetsItsOwnField) {
    EXPECT_TRUE(parse(doc(R"("amend-udp-checksum-zero": true)")).amend_udp_checksum_zero);
    EXPECT_TRUE(parse(doc(R"("zeroize-traffic-class": true)")).zeroize_traffic_class);
    EXPECT_TRUE(parse(doc(R"("override-tos": true)")).override_tos);
    EXPECT_FALSE(parse(doc(R"("randomize-rfc6791-addresses": false)")).randomize_rfc6791_addresses);
    EXPECT_TRUE(parse(doc(R"("address-dependent-filtering": true)")).address_dependent_filtering);
    EXPECT_TRUE(
        parse(doc(R"("drop-externally-initiated-tcp": true)")).drop_externally_initiated_tcp);
    EXPECT_TRUE(parse(doc(R"("drop-icmpv6-info": true)")).drop_icmpv6_info);
    EXPECT_FALSE(parse(doc(R"("source-icmpv6-errors-better": false)")).source_icmpv6_errors_better);
    EXPECT_TRUE(parse(doc(R"("logging-bib": true)")).logging_bib);
    EXPECT_TRUE(parse(doc(R"("logging-session": true)")).logging_session);
}

TEST(ConfigBooleans, LoggingIsOffByDefaultAndIndependent) {
    InstanceConfig d = parse(doc());
    EXPECT_FALSE(d.logging_bib);
    EXPECT_FALSE(d.logging_session);
    InstanceConfig b = parse(doc(R"("logging-bib": true)"));
    EXPECT_TRUE(b.logging_bib);
    EXPECT_FALSE(b.logging_session);
    InstanceConfig s = parse(doc(R"("logging-session": true)"));
    EXPECT_FALSE(s.logging_bib);
    EXPECT_TRUE(s.logging_session);
}

TEST(ConfigTos, Is0To255) {
    EXPECT_EQ(parse(doc(R"("tos": 255)")).tos, 255);
    EXPECT_EQ(parse(doc(R"("tos": 0)")).tos, 0);
    EXPECT_CONFIG_ERROR(doc(R"("tos": 256)"), "/tos", "256");
    EXPECT_CONFIG_ERROR(doc(R"("tos": -1)"), "/tos", "-1");
}

TEST(Rfc7757HairpinMode, NamesAndJoolNumbers) {
    EXPECT_EQ(parse(doc(R"("eam-hairpin-mode": "off")")).eam_hairpin_mode, HairpinMode::off);
    EXPECT_EQ(parse(doc(R"("eam-hairpin-mode": "simple")")).eam_hairpin_mode, HairpinMode::simple);
    EXPECT_EQ(parse(doc(R"("eam-hairpin-mode": "intrinsic")")).eam_hairpin_mode,
              HairpinMode::intrinsic);
    EXPECT_EQ(parse(doc(R"("eam-hairpin-mode": 0)")).eam_hairpin_mode, HairpinMode::off);
    EXPECT_EQ(parse(doc(R"("eam-hairpin-mode": 1)")).eam_hairpin_mode, HairpinMode::simple);
    EXPECT_EQ(parse(doc(R"("eam-hairpin-mode": 2)")).eam_hairpin_mode, HairpinMode::intrinsic);
    // Written back by name.
    EXPECT_NE(
        to_json(parse(doc(R"("eam-hairpin-mode": 1)"))).find(R"("eam-hairpin-mode":"simple")"),
        std::string::npos);
}

TEST(Rfc7757HairpinMode, RefusesOtherValues) {
    EXPECT_CONFIG_ERROR(doc(R"("eam-hairpin-mode": 3)"), "/eam-hairpin-mode", "3");
    EXPECT_CONFIG_ERROR(doc(R"("eam-hairpin-mode": -1)"), "/eam-hairpin-mode", "-1");
    EXPECT_CONFIG_ERROR(doc(R"("eam-hairpin-mode": "Off")"), "/eam-hairpin-mode", R"("Off")");
    EXPECT_CONFIG_ERROR(doc(R"("eam-hairpin-mode": "1")"), "/eam-hairpin-mode", R"("1")");
    EXPECT_CONFIG_ERROR(doc(R"("eam-hairpin-mode": null)"), "/eam-hairpin-mode", "null");
}

// ---------------------------------------------------------------------------
// "pool4": RFC 6146 §3.5 transport addresses.

TEST(Rfc6146Pool4, PortsAndProtocolsDefaultToEverything) {
    InstanceConfig c = parse(doc(R"("pool4": [{"prefix": "192.0.2.0/30"}])"));
    ASSERT_EQ(c.pool4.size(), 1u);
    EXPECT_EQ(c.pool4[0], (Pool4Entry{p4("192.0.2.0/30"), 1, 65535, true, true, true}));
}

TEST(Rfc6146Pool4, PortsAreARangeOrOnePort) {
    InstanceConfig c = parse(doc(R"("pool4": [
        {"prefix": "192.0.2.1", "ports": "1024-2047", "protocols": ["udp"]},
        {"prefix": "192.0.2.1", "ports": "80", "protocols": ["tcp"]},
        {"prefix": "192.0.2.1", "ports": "1-65535", "protocols": ["icmp"]}])"));
    ASSERT_EQ(c.pool4.size(), 3u);
    EXPECT_EQ(c.pool4[0], (Pool4Entry{p4("192.0.2.1/32"), 1024, 2047, false, true, false}));
    EXPECT_EQ(c.pool4[1], (Pool4Entry{p4("192.0.2.1/32"), 80, 80, true, false, false}));
    EXPECT_EQ(c.pool4[2], (Pool4Entry{p4("192.0.2.1/32"), 1, 65535, false, false, true}));
    expect_round_trip(c);
}

TEST(Rfc6146Pool4, BadPortRangesAreNamed) {
    for (std::string_view ports : {"0-100", "0", "100-99", "1-65536", "70000", "", "-", "1-", "-5",
                                   " 1-2", "1 - 2", "1-2 ", "01-5", "1-2-3", "a-b", "+1-2"}) {
        std::string quoted = "\"" + std::string(ports) + "\"";
        EXPECT_CONFIG_ERROR(doc(R"("pool4": [{"prefix": "192.0.2.1", "ports": )" + quoted + "}]"),
                            "/pool4/0/ports", quoted);
    }
    EXPECT_CONFIG_ERROR(doc(R"("pool4": [{"prefix": "192.0.2.1", "ports": 80}])"), "/pool4/0/ports",
                        "80");
}

TEST(Rfc6146Pool4, ProtocolsAreANonEmptySetOfTcpUdpIcmp) {
    EXPECT_CONFIG_ERROR(doc(R"("pool4": [{"prefix": "192.0.2.1", "protocols": []}])"),
                        "/pool4/0/protocols", "[]");
    EXPECT_CONFIG_ERROR(doc(R"("pool4": [{"prefix": "192.0.2.1", "protocols": ["tcp", "tcp"]}])"),
                        "/pool4/0/protocols/1", R"("tcp")");
    EXPECT_CONFIG_ERROR(doc(R"("pool4": [{"prefix": "192.0.2.1", "protocols": ["udp", "sctp"]}])"),
                        "/pool4/0/protocols/1", R"("sctp")");
    EXPECT_CONFIG_ERROR(doc(R"("pool4": [{"prefix": "192.0.2.1", "protocols": ["TCP"]}])"),
                        "/pool4/0/protocols/0", R"("TCP")");
}

TEST(Rfc6146Pool4, EntryKeys) {
    EXPECT_CONFIG_ERROR(doc(R"("pool4": [{"ports": "1-2"}])"), "/pool4/0/prefix", "");
    EXPECT_CONFIG_ERROR(doc(R"("pool4": [{"prefix": "192.0.2.1", "mark": 0}])"), "/pool4/0/mark",
                        "0");
    EXPECT_CONFIG_ERROR(doc(R"("pool4": [{"prefix": "192.0.2.1/24"}])"), "/pool4/0/prefix",
                        R"("192.0.2.1/24")");
}

TEST(Rfc6146Pool4, OverlappingEntriesAreRefused) {
    std::string later = R"({"prefix":"192.0.2.5","ports":"2000-2000","protocols":["tcp"]})";
    EXPECT_CONFIG_ERROR(doc(R"("pool4": [{"prefix": "192.0.2.0/24", "ports": "1-2000"},
                                         {"prefix": "198.51.100.1"}, )" +
                            later + "]"),
                        "/pool4/2", later);
    // Same address and protocol, port ranges touching at one port.
    std::string same = R"({"prefix":"192.0.2.1","ports":"100-200"})";
    EXPECT_CONFIG_ERROR(
        doc(R"("pool4": [{"prefix": "192.0.2.1", "ports": "1-100"}, )" + same + "]"), "/pool4/1",
        same);
    // The error says which entry it overlaps.
    ConfigError e =
        config_error(doc(R"("pool4": [{"prefix": "192.0.2.1"}, {"prefix": "192.0.2.1"}])"));
    EXPECT_NE(std::string(e.what()).find("/pool4/0"), std::string::npos) << e.what();
}

TEST(Rfc6146Pool4, DisjointEntriesAreAccepted) {
    InstanceConfig c = parse(doc(R"("pool4": [
        {"prefix": "192.0.2.0/24", "ports": "1-2000", "protocols": ["tcp"]},
        {"prefix": "192.0.2.0/24", "ports": "2001-65535", "protocols": ["tcp"]},
        {"prefix": "192.0.2.0/24", "ports": "1-2000", "protocols": ["udp", "icmp"]},
        {"prefix": "192.0.3.0/24", "ports": "1-2000", "protocols": ["tcp"]}])"));
    EXPECT_EQ(c.pool4.size(), 4u);
    expect_round_trip(c);
}

// ---------------------------------------------------------------------------
// "static-bib": RFC 6146 §3.1 BIB entries fixed by the operator.

TEST(Rfc6146StaticBib, ParsesTransportAddresses) {
    InstanceConfig c = parse(bib(R"([
        {"protocol": "tcp", "ipv6": "2001:db8::5#2000", "ipv4": "192.0.2.2#2000"},
        {"protocol": "udp", "ipv6": "[2001:db8::6]#53", "ipv4": "192.0.2.2#1053"}])"));
    ASSERT_EQ(c.static_bib.size(), 2u);
    EXPECT_EQ(c.static_bib[0],
              (StaticBibEntry{Protocol::tcp, v6("2001:db8::5"), 2000, v4("192.0.2.2"), 2000}));
    EXPECT_EQ(c.static_bib[1],
              (StaticBibEntry{Protocol::udp, v6("2001:db8::6"), 53, v4("192.0.2.2"), 1053}));
    // Written back without brackets, as in design.md.
    EXPECT_NE(to_json(c).find(R"("ipv6":"2001:db8::6#53")"), std::string::npos) << to_json(c);
    expect_round_trip(c);
}

TEST(Rfc6146StaticBib, Ipv4SideMustBeInPool4ForThatProtocol) {
    // Outside the prefix.
    EXPECT_CONFIG_ERROR(
        bib(R"([{"protocol": "tcp", "ipv6": "2001:db8::5#2000", "ipv4": "192.0.2.3#2000"}])"),
        "/static-bib/0/ipv4", R"("192.0.2.3#2000")");
    // Outside the port range.
    EXPECT_CONFIG_ERROR(
        bib(R"([{"protocol": "tcp", "ipv6": "2001:db8::5#2000", "ipv4": "192.0.2.2#3000"}])"),
        "/static-bib/0/ipv4", R"("192.0.2.2#3000")");
    // Not an ICMP entry.
    EXPECT_CONFIG_ERROR(
        bib(R"([{"protocol": "icmp", "ipv6": "2001:db8::5#2000", "ipv4": "192.0.2.2#2000"}])"),
        "/static-bib/0/ipv4", R"("192.0.2.2#2000")");
    // No pool4 at all.
    EXPECT_CONFIG_ERROR(doc(R"("static-bib": [{"protocol": "udp", "ipv6": "2001:db8::5#53",
                                               "ipv4": "192.0.2.2#53"}])"),
                        "/static-bib/0/ipv4", R"("192.0.2.2#53")");
}

TEST(Rfc6146StaticBib, MalformedTransportAddresses) {
    struct Case {
        std::string proto, ipv6, ipv4, key, value;
    };
    std::vector<Case> cases = {
        {"sctp", "2001:db8::5#2000", "192.0.2.2#2000", "/static-bib/0/protocol", R"("sctp")"},
        {"tcp", "2001:db8::5", "192.0.2.2#2000", "/static-bib/0/ipv6", R"("2001:db8::5")"},
        {"tcp", "2001:db8::5#", "192.0.2.2#2000", "/static-bib/0/ipv6", R"("2001:db8::5#")"},
        {"tcp", "2001:db8::5#65536", "192.0.2.2#2000", "/static-bib/0/ipv6",
         R"("2001:db8::5#65536")"},
        {"tcp", "2001:db8::5#0", "192.0.2.2#2000", "/static-bib/0/ipv6", R"("2001:db8::5#0")"},
        {"tcp", "[2001:db8::5#2000", "192.0.2.2#2000", "/static-bib/0/ipv6",
         R"("[2001:db8::5#2000")"},
        {"tcp", "2001:db8::5#2000 ", "192.0.2.2#2000", "/static-bib/0/ipv6",
         R"("2001:db8::5#2000 ")"},
        {"tcp", "192.0.2.9#2000", "192.0.2.2#2000", "/static-bib/0/ipv6", R"("192.0.2.9#2000")"},
        {"tcp", "2001:db8::5#2000", "192.0.2.2", "/static-bib/0/ipv4", R"("192.0.2.2")"},
        {"tcp", "2001:db8::5#2000", "[192.0.2.2]#2000", "/static-bib/0/ipv4",
         R"("[192.0.2.2]#2000")"},
        {"tcp", "2001:db8::5#2000", "192.0.2.2#02000", "/static-bib/0/ipv4",
         R"("192.0.2.2#02000")"},
        {"tcp", "2001:db8::5#2000", "192.0.2.2/32#2000", "/static-bib/0/ipv4",
         R"("192.0.2.2/32#2000")"},
    };
    for (const Case &c : cases) {
        std::string entry = R"([{"protocol": ")" + c.proto + R"(", "ipv6": ")" + c.ipv6 +
                            R"(", "ipv4": ")" + c.ipv4 + R"("}])";
        EXPECT_CONFIG_ERROR(bib(entry), c.key, c.value);
    }
}

TEST(Rfc6146StaticBib, EntryKeys) {
    EXPECT_CONFIG_ERROR(bib(R"([{"ipv6": "2001:db8::5#2000", "ipv4": "192.0.2.2#2000"}])"),
                        "/static-bib/0/protocol", "");
    EXPECT_CONFIG_ERROR(bib(R"([{"protocol": "tcp", "ipv4": "192.0.2.2#2000"}])"),
                        "/static-bib/0/ipv6", "");
    EXPECT_CONFIG_ERROR(bib(R"([{"protocol": "tcp", "ipv6": "2001:db8::5#2000"}])"),
                        "/static-bib/0/ipv4", "");
    EXPECT_CONFIG_ERROR(bib(R"([{"protocol": "tcp", "ipv6": "2001:db8::5#2000",
                                 "ipv4": "192.0.2.2#2000", "port": 1}])"),
                        "/static-bib/0/port", "1");
}

TEST(Rfc6146StaticBib, IcmpIdentifierZeroIsAllowedOnTheIpv6Side) {
    InstanceConfig c = parse(doc(R"("pool4": [{"prefix": "192.0.2.2"}],
        "static-bib": [{"protocol": "icmp", "ipv6": "2001:db8::5#0", "ipv4": "192.0.2.2#7"}])"));
    ASSERT_EQ(c.static_bib.size(), 1u);
    EXPECT_EQ(c.static_bib[0].port6, 0);
}

TEST(Rfc6146StaticBib, EachSideMapsOneToOne) {
    EXPECT_CONFIG_ERROR(bib(R"([
        {"protocol": "tcp", "ipv6": "2001:db8::5#2000", "ipv4": "192.0.2.2#2000"},
        {"protocol": "tcp", "ipv6": "[2001:db8::5]#2000", "ipv4": "192.0.2.2#2001"}])"),
                        "/static-bib/1/ipv6", R"("[2001:db8::5]#2000")");
    EXPECT_CONFIG_ERROR(bib(R"([
        {"protocol": "tcp", "ipv6": "2001:db8::5#2000", "ipv4": "192.0.2.2#2000"},
        {"protocol": "tcp", "ipv6": "2001:db8::6#2000", "ipv4": "192.0.2.2#2000"}])"),
                        "/static-bib/1/ipv4", R"("192.0.2.2#2000")");
    // Different protocols are different BIBs.
    InstanceConfig c = parse(bib(R"([
        {"protocol": "tcp", "ipv6": "2001:db8::5#2000", "ipv4": "192.0.2.2#2000"},
        {"protocol": "udp", "ipv6": "2001:db8::5#2000", "ipv4": "192.0.2.2#2000"}])"));
    EXPECT_EQ(c.static_bib.size(), 2u);
}

// ---------------------------------------------------------------------------
// "timeouts": RFC 6146 §4.

TEST(Rfc6146Timeouts, MinimumsAreEnforced) {
    EXPECT_CONFIG_ERROR(doc(R"("timeouts": {"udp": 119})"), "/timeouts/udp", "119");
    EXPECT_CONFIG_ERROR(doc(R"("timeouts": {"tcp-est": 7439})"), "/timeouts/tcp-est", "7439");
    EXPECT_CONFIG_ERROR(doc(R"("timeouts": {"tcp-trans": 239})"), "/timeouts/tcp-trans", "239");
    EXPECT_CONFIG_ERROR(doc(R"("timeouts": {"icmp": 0})"), "/timeouts/icmp", "0");
    EXPECT_CONFIG_ERROR(doc(R"("timeouts": {"udp": 4294967296})"), "/timeouts/udp", "4294967296");
}

TEST(Rfc6146Timeouts, MinimumsThemselvesAreAccepted) {
    InstanceConfig c =
        parse(doc(R"("timeouts": {"udp": 120, "tcp-est": 7440, "tcp-trans": 240, "icmp": 1})"));
    EXPECT_EQ(c.timeouts, (Timeouts{120, 7440, 240, 1}));
    expect_round_trip(c);
}

TEST(Rfc6146Timeouts, OmittedTimersKeepTheirDefaults) {
    InstanceConfig c = parse(doc(R"("timeouts": {"udp": 600})"));
    EXPECT_EQ(c.timeouts, (Timeouts{600, 7440, 240, 60}));
    EXPECT_EQ(parse(doc(R"("timeouts": {})")).timeouts, Timeouts{});
}

TEST(Rfc6146Timeouts, UnknownTimerIsNamed) {
    EXPECT_CONFIG_ERROR(doc(R"("timeouts": {"tcp": 7440})"), "/timeouts/tcp", "7440");
}

// The session tables are reserved up front for max-sessions, so it is
// bounded by 2^26 (about 200 bytes of address space per session).
TEST(ConfigMaxSessions, IsOneToTwoToTheTwentySix) {
    EXPECT_EQ(parse(doc(R"("max-sessions": 1)")).max_sessions, 1u);
    EXPECT_EQ(parse(doc(R"("max-sessions": 67108864)")).max_sessions, 67108864u);
    EXPECT_EQ(parse(doc()).max_sessions, 1000000u);
    EXPECT_CONFIG_ERROR(doc(R"("max-sessions": 0)"), "/max-sessions", "0");
    EXPECT_CONFIG_ERROR(doc(R"("max-sessions": -1)"), "/max-sessions", "-1");
    EXPECT_CONFIG_ERROR(doc(R"("max-sessions": 67108865)"), "/max-sessions", "67108865");
    EXPECT_CONFIG_ERROR(doc(R"("max-sessions": 4294967296)"), "/max-sessions", "4294967296");
    ConfigError e = config_error(doc(R"("max-sessions": 67108865)"));
    EXPECT_NE(std::string(e.what()).find("67108864"), std::string::npos) << e.what();
}

// 0 means no per-source cap (the default); otherwise up to max-sessions'
// own bound.
TEST(ConfigMaxSessionsPerSource, IsZeroToTwoToTheTwentySix) {
    EXPECT_EQ(parse(doc()).max_sessions_per_source, 0u);
    EXPECT_EQ(parse(doc(R"("max-sessions-per-source": 0)")).max_sessions_per_source, 0u);
    EXPECT_EQ(parse(doc(R"("max-sessions-per-source": 1)")).max_sessions_per_source, 1u);
    EXPECT_EQ(parse(doc(R"("max-sessions-per-source": 67108864)")).max_sessions_per_source,
              67108864u);
    EXPECT_CONFIG_ERROR(doc(R"("max-sessions-per-source": 67108865)"), "/max-sessions-per-source",
                        "67108865");
    EXPECT_CONFIG_ERROR(doc(R"("max-sessions-per-source": -1)"), "/max-sessions-per-source", "-1");
    EXPECT_CONFIG_ERROR(doc(R"("max-sessions-per-source": 2.5)"), "/max-sessions-per-source",
                        "2.5");
    EXPECT_CONFIG_ERROR(doc(R"("max-sessions-per-source": "10")"), "/max-sessions-per-source",
                        R"("10")");
    EXPECT_CONFIG_ERROR(doc(R"("max-sessions-per-source": null)"), "/max-sessions-per-source",
                        "null");
    InstanceConfig c = parse(doc(R"("max-sessions": 10, "max-sessions-per-source": 3)"));
    EXPECT_EQ(c.max_sessions, 10u);
    EXPECT_EQ(c.max_sessions_per_source, 3u);
    expect_round_trip(c);
}

// The BIB reserves room for 65536 static entries (state.hpp): a longer
// list is refused as a whole, naming the list and its length.
TEST(Rfc6146StaticBib, AtMost65536Entries) {
    auto entries = [](size_t n) {
        nlohmann::json list = nlohmann::json::array();
        for (size_t i = 0; i < n; i++) {
            // 2001:db8::1#1.. and 192.0.2.0/24 x ports 1000-2999: distinct
            // on both sides.
            list.push_back({{"protocol", i % 2 ? "udp" : "tcp"},
                            {"ipv6", "2001:db8::" + std::to_string(i / 2 / 60000 + 1) + "#" +
                                         std::to_string(i / 2 % 60000 + 1)},
                            {"ipv4", "192.0.2." + std::to_string(i / 2 / 2000) + "#" +
                                         std::to_string(1000 + i / 2 % 2000)}});
        }
        return doc(R"("pool4": [{"prefix": "192.0.2.0/24", "ports": "1000-2999",
                                 "protocols": ["tcp", "udp"]}], "static-bib": )" +
                   list.dump());
    };
    InstanceConfig c = parse(entries(65536));
    EXPECT_EQ(c.static_bib.size(), 65536u);
    ConfigError e = config_error(entries(65537));
    EXPECT_EQ(e.key(), "/static-bib");
    EXPECT_NE(std::string(e.what()).find("65536"), std::string::npos) << e.what();
}

// ---------------------------------------------------------------------------
// to_json.

TEST(ConfigToJson, WritesEveryKeyInDesignOrder) {
    InstanceConfig c;
    c.instance = 9;
    EXPECT_EQ(top_level_keys(to_json(c)), kDesignKeyOrder);
    EXPECT_EQ(top_level_keys(to_json(parse(kDesignExample), 2)), kDesignKeyOrder);
    auto timeouts = nlohmann::ordered_json::parse(to_json(c))["timeouts"];
    std::vector<std::string> keys;
    for (const auto &item : timeouts.items())
        keys.push_back(item.key());
    EXPECT_EQ(keys, (std::vector<std::string>{"udp", "tcp-est", "tcp-trans", "icmp"}));
}

TEST(ConfigToJson, AbsentOptionalsAreNull) {
    InstanceConfig c;
    c.instance = 9;
    auto j = nlohmann::json::parse(to_json(c));
    for (const char *key : {"pool6", "pool6791v4", "pool6791v6", "router-ipv4", "router-ipv6"}) {
        EXPECT_TRUE(j[key].is_null()) << key;
    }
    EXPECT_TRUE(j["eamt"].is_array());
    EXPECT_TRUE(j["pool4"].is_array());
}

TEST(ConfigToJson, DesignExampleComesBackAsWritten) {
    // The example is already in canonical form, so only whitespace differs,
    // apart from the keys added after the design note, which come back at
    // the end with their defaults.
    auto expected = nlohmann::ordered_json::parse(kDesignExample);
    expected["max-sessions-per-source"] = 0;
    expected["logging-bib"] = false;
    expected["logging-session"] = false;
    auto got = nlohmann::ordered_json::parse(to_json(parse(kDesignExample)));
    EXPECT_EQ(got, expected) << got.dump(2);
}

TEST(ConfigToJson, WritesCanonicalText) {
    InstanceConfig c = parse(doc(R"("pool6": "64:FF9B:0::/96",
        "eamt": [{"ipv6": "2001:0db8::0005", "ipv4": "192.0.2.5"}],
        "pool6791v6": "2001:DB8:FFFF::/64", "router-ipv6": "2001:DB8::0:1",
        "mtu-plateaus": [68, 1500])"));
    auto j = nlohmann::json::parse(to_json(c));
    EXPECT_EQ(j["pool6"], "64:ff9b::/96");
    EXPECT_EQ(j["eamt"][0]["ipv6"], "2001:db8::5/128");
    EXPECT_EQ(j["eamt"][0]["ipv4"], "192.0.2.5/32");
    EXPECT_EQ(j["pool6791v6"], "2001:db8:ffff::/64");
    EXPECT_EQ(j["router-ipv6"], "2001:db8::1");
    EXPECT_EQ(j["mtu-plateaus"], nlohmann::json::parse("[1500, 68]"));
}

TEST(ConfigToJson, IndentMinusOneIsCompact) {
    InstanceConfig c = parse(kDesignExample);
    std::string compact = to_json(c);
    EXPECT_EQ(compact, to_json(c, -1));
    EXPECT_EQ(compact.find('\n'), std::string::npos);
    EXPECT_EQ(compact.find(": "), std::string::npos);
    std::string pretty = to_json(c, 4);
    EXPECT_NE(pretty.find("\n    \"instance\": 7"), std::string::npos) << pretty;
}

// ---------------------------------------------------------------------------
// Round trip over generated configurations.

class RandomConfig {
  public:
    explicit RandomConfig(uint32_t seed) : rng_(seed) {}

    InstanceConfig make() {
        InstanceConfig c;
        c.instance = static_cast<uint32_t>(range(1, 0xffffffffu));
        if (coin()) c.pool6 = pool6();
        make_eamt(c);
        for (uint64_t n = range(0, 3); n > 0; n--)
            c.denylist4.push_back(prefix4(range(0, 32)));
        if (coin()) c.pool6791v4 = prefix4(range(0, 32));
        if (coin()) c.pool6791v6 = prefix6(range(0, 128));
        if (coin()) c.router_ipv4 = static_cast<uint32_t>(rng_());
        if (coin()) c.router_ipv6 = addr6();
        c.ipv4_mtu = static_cast<uint32_t>(range(68, 65535));
        c.ipv6_mtu = static_cast<uint32_t>(range(1280, 65535));
        c.lowest_ipv6_mtu = static_cast<uint32_t>(range(1280, 65535));
        std::set<uint16_t, std::greater<>> plateaus;
        for (uint64_t n = range(1, 12); n > 0; n--) {
            plateaus.insert(static_cast<uint16_t>(range(68, 65535)));
        }
        c.mtu_plateaus.assign(plateaus.begin(), plateaus.end());
        for (bool *b : {&c.amend_udp_checksum_zero, &c.zeroize_traffic_class, &c.override_tos,
                        &c.randomize_rfc6791_addresses, &c.address_dependent_filtering,
                        &c.drop_externally_initiated_tcp, &c.drop_icmpv6_info,
                        &c.source_icmpv6_errors_better}) {
            *b = coin();
        }
        c.tos = static_cast<uint8_t>(range(0, 255));
        c.eam_hairpin_mode = static_cast<HairpinMode>(range(0, 2));
        make_pool4_and_bib(c);
        c.timeouts = Timeouts{static_cast<uint32_t>(range(120, 0xffffffffu)),
                              static_cast<uint32_t>(range(7440, 0xffffffffu)),
                              static_cast<uint32_t>(range(240, 0xffffffffu)),
                              static_cast<uint32_t>(range(1, 0xffffffffu))};
        c.max_sessions = range(1, uint64_t{1} << 26);
        c.max_sessions_per_source = coin() ? 0 : range(1, uint64_t{1} << 26);
        c.logging_bib = coin();
        c.logging_session = coin();
        return c;
    }

  private:
    uint64_t range(uint64_t lo, uint64_t hi) {
        return std::uniform_int_distribution<uint64_t>(lo, hi)(rng_);
    }
    bool coin() { return range(0, 1) == 1; }

    Ipv6Addr addr6() {
        Ipv6Addr a;
        for (auto &byte : a.b)
            byte = static_cast<uint8_t>(range(0, 255));
        return a;
    }
    Ipv4Prefix prefix4(uint64_t len) {
        uint32_t mask = len == 0 ? 0 : 0xffffffffu << (32 - len);
        return {static_cast<uint32_t>(rng_()) & mask, static_cast<uint8_t>(len)};
    }
    Ipv6Prefix prefix6(uint64_t len) {
        Ipv6Addr a = addr6();
        for (unsigned bit = static_cast<unsigned>(len); bit < 128; bit++) {
            a.b[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
        }
        return {a, static_cast<uint8_t>(len)};
    }
    Ipv6Prefix pool6() {
        static constexpr uint8_t kLengths[] = {32, 40, 48, 56, 64, 96};
        // Lengths below 96 end at or before bit 64, so the u-octet is
        // already zero as a host bit.
        return prefix6(kLengths[range(0, 5)]);
    }
    void make_eamt(InstanceConfig &c) {
        std::set<Ipv6Prefix> seen6;
        std::set<Ipv4Prefix> seen4;
        for (uint64_t n = range(0, 6); n > 0; n--) {
            uint64_t suffix = range(0, 16);
            EamtEntry e{prefix6(128 - suffix), prefix4(32 - suffix)};
            if (seen6.insert(e.ipv6).second && seen4.insert(e.ipv4).second) c.eamt.push_back(e);
        }
    }
    void make_pool4_and_bib(InstanceConfig &c) {
        // Distinct /32s never overlap; one BIB entry per pool4 entry keeps
        // the BIB one-to-one.
        uint64_t n = range(0, 5);
        for (uint32_t i = 0; i < n; i++) {
            Pool4Entry e;
            e.prefix = {0xc0000200u + i, 32};
            e.port_min = static_cast<uint16_t>(range(1, 65535));
            e.port_max = static_cast<uint16_t>(range(e.port_min, 65535));
            do {
                e.tcp = coin();
                e.udp = coin();
                e.icmp = coin();
            } while (!e.tcp && !e.udp && !e.icmp);
            c.pool4.push_back(e);
            if (coin()) {
                Protocol p = e.tcp ? Protocol::tcp : e.udp ? Protocol::udp : Protocol::icmp;
                c.static_bib.push_back(StaticBibEntry{
                    p, addr6(), static_cast<uint16_t>(range(1, 65535)), e.prefix.addr,
                    static_cast<uint16_t>(range(e.port_min, e.port_max))});
            }
        }
    }

    std::mt19937 rng_;
};

TEST(ConfigRoundTrip, DefaultConfiguration) {
    InstanceConfig c;
    c.instance = 1;
    expect_round_trip(c);
}

TEST(ConfigRoundTrip, GeneratedConfigurations) {
    for (uint32_t seed = 1; seed <= 300; seed++) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        InstanceConfig c = RandomConfig(seed).make();
        std::string text = to_json(c);
        ASSERT_EQ(parse(text), c) << text;
        ASSERT_EQ(parse(to_json(c, 2)), c);
    }
}

}  // namespace
// pool4 is the translator's public side: RFC 6890 space that hosts treat as
// their own (this network, loopback, link local) or multicast never is.
TEST(ConfigPool4, ReservedRangesRefused) {
    for (const char *pfx : {"0.0.0.0/8", "127.0.0.1/32", "169.254.1.0/24", "224.0.0.1/32",
                            "255.255.255.255/32", "0.0.0.0/0", "96.0.0.0/3"}) {
        const std::string entry = std::string(R"("pool4": [{"prefix": ")") + pfx + R"("}])";
        EXPECT_CONFIG_ERROR(doc(entry), "/pool4/0/prefix", std::string("\"") + pfx + "\"");
    }
    EXPECT_EQ(parse(doc(R"("pool4": [{"prefix": "198.51.100.0/24"}])")).pool4.size(), 1u);
}

}  // namespace nat64
