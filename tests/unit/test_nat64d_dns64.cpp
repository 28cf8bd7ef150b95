// nat64d's DNS64 resolver configuration (ctl/nat64d/dns64.cpp): the
// unbound.conf it renders, its validation, its exclusions, and the node's
// resolvers from resolv.conf.  That the real unbound 1.17 accepts the file
// and answers as intended is tested in tests/nat64d/dns64_unbound_test.sh.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "nat64d/dns64.hpp"
#include "nat64d_text.hpp"
#include "reserved.hpp"

namespace {

using nat64d::testtext::a6;
using nat64d::testtext::p4;
using nat64d::testtext::p6;

using nat64d::Dns64Config;

// The VNet of the examples: one /64 with its gateway, the Well-Known Prefix.
Dns64Config typical() {
    Dns64Config c;
    c.listen = {a6("2001:db8:1::1")};
    c.allow = {p6("2001:db8:1::/64")};
    c.pool6 = p6("64:ff9b::/96");
    c.forwarders = {"192.0.2.53", "2001:db8:53::1@5353"};
    c.run_dir = "/run/nat64d/dns64/vnet1";
    return c;
}

// The file's lines without their indentation; comments and blank lines out.
std::vector<std::string> conf_lines(const std::string &text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) {
        const size_t start = l.find_first_not_of(' ');
        if (start == std::string::npos || l[start] == '#') continue;
        out.push_back(l.substr(start));
    }
    return out;
}

std::string render(const Dns64Config &c) {
    const nat64d::UnboundConf r = nat64d::render_unbound_conf(c);
    EXPECT_TRUE(r.ok()) << (r.error ? r.error->message() : "");
    return r.text;
}

std::vector<std::string> lines_of(const Dns64Config &c) {
    return conf_lines(render(c));
}

bool has(const std::vector<std::string> &lines, const std::string &want) {
    return std::find(lines.begin(), lines.end(), want) != lines.end();
}

std::vector<std::string> starting_with(const std::vector<std::string> &lines,
                                       const std::string &prefix) {
    std::vector<std::string> out;
    for (const std::string &l : lines) {
        if (l.rfind(prefix, 0) == 0) out.push_back(l);
    }
    return out;
}

// The message of the error render_unbound_conf gives for c (and that it
// gives no text with it).
std::string error_of(const Dns64Config &c) {
    const nat64d::UnboundConf r = nat64d::render_unbound_conf(c);
    EXPECT_TRUE(r.text.empty());
    return r.error ? r.error->message() : "(no error)";
}

TEST(Nat64dDns64Render, TypicalVNet) {
    const std::string text = render(typical());
    const std::vector<std::string> l = conf_lines(text);
    for (const char *want : {
             "server:",
             "do-daemonize: no",
             "chroot: \"\"",
             "username: \"unbound\"",
             "directory: \"/run/nat64d/dns64/vnet1\"",
             "pidfile: \"/run/nat64d/dns64/vnet1/unbound.pid\"",
             "use-syslog: no",
             "logfile: \"\"",
             "verbosity: 1",
             "interface-automatic: no",
             "ip-freebind: yes",
             "interface: 2001:db8:1::1@53",
             "do-ip6: yes",
             "do-ip4: yes",
             "access-control: 0.0.0.0/0 refuse",
             "access-control: ::/0 refuse",
             "access-control: ::1/128 allow",
             "access-control: 2001:db8:1::/64 allow",
             "module-config: \"respip dns64 iterator\"",
             "dns64-prefix: 64:ff9b::/96",
             "dns64-synthall: no",
             "local-zone: \"ipv4only.arpa.\" static",
             "do-not-query-localhost: yes",
             "remote-control:",
             "control-enable: no",
             "forward-zone:",
             "name: \".\"",
             "forward-first: no",
             "forward-addr: 192.0.2.53",
             "forward-addr: 2001:db8:53::1@5353",
         }) {
        EXPECT_TRUE(has(l, want)) << want << "\n" << text;
    }
    // Self-contained, and no validator (see the comment in the file).
    EXPECT_TRUE(starting_with(l, "include").empty());
    EXPECT_EQ(starting_with(l, "module-config:").size(), 1u);
    EXPECT_EQ(starting_with(l, "interface:").size(), 1u);
    EXPECT_EQ(starting_with(l, "forward-addr:").size(), 2u);
    EXPECT_EQ(l.front(), "server:");
}

// Every line of the file is a comment, a clause we write or a key we write,
// in the clause we write it in: what the injection tests rely on.
TEST(Nat64dDns64Render, OnlyKnownClausesAndKeys) {
    const std::set<std::string> server_keys = {"do-daemonize",
                                               "chroot",
                                               "username",
                                               "directory",
                                               "pidfile",
                                               "use-syslog",
                                               "logfile",
                                               "log-time-ascii",
                                               "verbosity",
                                               "num-threads",
                                               "hide-identity",
                                               "hide-version",
                                               "interface-automatic",
                                               "ip-freebind",
                                               "interface",
                                               "do-ip6",
                                               "do-ip4",
                                               "do-udp",
                                               "do-tcp",
                                               "access-control",
                                               "module-config",
                                               "dns64-prefix",
                                               "dns64-synthall",
                                               "response-ip",
                                               "local-zone",
                                               "local-data",
                                               "local-data-ptr",
                                               "do-not-query-localhost"};
    const std::set<std::string> remote_keys = {"control-enable"};
    const std::set<std::string> forward_keys = {"name", "forward-first", "forward-addr"};
    Dns64Config c = typical();
    c.listen.push_back(a6("fd00:1::1"));
    c.allow.push_back(p6("fd00:1::/64"));
    c.exclude4 = {p4("192.88.99.0/24")};
    std::istringstream in(render(c));
    std::string clause;
    int clauses = 0;
    for (std::string l; std::getline(in, l);) {
        if (l.empty()) continue;
        if (l[0] != ' ') {
            if (l[0] == '#') continue;
            ASSERT_TRUE(l == "server:" || l == "remote-control:" || l == "forward-zone:") << l;
            clause = l;
            ++clauses;
            continue;
        }
        ASSERT_EQ(l.rfind("    ", 0), 0u) << l;
        const std::string body = l.substr(4);
        ASSERT_FALSE(body.empty());
        if (body[0] == '#') continue;
        const size_t colon = body.find(": ");
        ASSERT_NE(colon, std::string::npos) << l;
        const std::string key = body.substr(0, colon);
        const std::set<std::string> &keys = clause == "server:"           ? server_keys
                                            : clause == "remote-control:" ? remote_keys
                                                                          : forward_keys;
        EXPECT_TRUE(keys.count(key)) << clause << " " << key;
        // At most one quoted string, at the start of the value.
        const std::string value = body.substr(colon + 2);
        const size_t quotes = std::count(value.begin(), value.end(), '"');
        EXPECT_TRUE(quotes == 0 || (quotes == 2 && value.front() == '"')) << l;
    }
    EXPECT_EQ(clauses, 3);
}

TEST(Nat64dDns64Render, OptionsFollowTheConfig) {
    Dns64Config c = typical();
    c.port = 5353;
    c.username = "";
    c.use_syslog = true;
    c.verbosity = 3;
    c.run_dir = "/tmp/d/";
    c.forwarders = {"::1", "fe80::53%vmbr0@53"};
    const std::vector<std::string> l = lines_of(c);
    EXPECT_TRUE(has(l, "interface: 2001:db8:1::1@5353"));
    c.listen.push_back(a6("fd00::1"));
    c.listen.push_back(a6("2001:db8:1::1"));
    EXPECT_EQ(
        starting_with(lines_of(c), "interface:"),
        (std::vector<std::string>{"interface: 2001:db8:1::1@5353", "interface: fd00::1@5353"}));
    EXPECT_TRUE(has(l, "username: \"\""));
    EXPECT_TRUE(has(l, "use-syslog: yes"));
    EXPECT_TRUE(has(l, "verbosity: 3"));
    EXPECT_TRUE(has(l, "pidfile: \"/tmp/d/unbound.pid\""));
    // IPv6 forwarders only: no IPv4 at all; a loopback one must be allowed.
    EXPECT_TRUE(has(l, "do-ip4: no"));
    EXPECT_TRUE(has(l, "do-not-query-localhost: no"));
    EXPECT_TRUE(has(l, "forward-addr: ::1"));
    EXPECT_TRUE(has(l, "forward-addr: fe80::53%vmbr0@53"));
}

TEST(Nat64dDns64Render, ForwardersAreWrittenCanonically) {
    Dns64Config c = typical();
    c.forwarders = {"2001:DB8:0:0::53", "127.0.0.53@53"};
    const std::vector<std::string> l = lines_of(c);
    EXPECT_EQ(
        starting_with(l, "forward-addr:"),
        (std::vector<std::string>{"forward-addr: 2001:db8::53", "forward-addr: 127.0.0.53@53"}));
    EXPECT_TRUE(has(l, "do-not-query-localhost: no"));
}

// RFC 7050 §2.2: A 192.0.0.170 and 192.0.0.171, the AAAA records their
// embedding in pool6.
TEST(Nat64dDns64Ipv4OnlyArpa, WellKnownPrefix) {
    const std::vector<std::string> l = lines_of(typical());
    EXPECT_EQ(starting_with(l, "local-data:"),
              (std::vector<std::string>{
                  "local-data: \"ipv4only.arpa. 3600 IN A 192.0.0.170\"",
                  "local-data: \"ipv4only.arpa. 3600 IN A 192.0.0.171\"",
                  "local-data: \"ipv4only.arpa. 3600 IN AAAA 64:ff9b::c000:aa\"",
                  "local-data: \"ipv4only.arpa. 3600 IN AAAA 64:ff9b::c000:ab\"",
              }));
    EXPECT_EQ(starting_with(l, "local-data-ptr:"),
              (std::vector<std::string>{
                  "local-data-ptr: \"192.0.0.170 3600 ipv4only.arpa.\"",
                  "local-data-ptr: \"192.0.0.171 3600 ipv4only.arpa.\"",
                  "local-data-ptr: \"64:ff9b::c000:aa 3600 ipv4only.arpa.\"",
                  "local-data-ptr: \"64:ff9b::c000:ab 3600 ipv4only.arpa.\"",
              }));
}

// RFC 6052 §2.4's /48 example prefix: 192.0.0.170 goes around the u-octet
// like the example's 192.0.2.33 (2001:db8:122:c000:2:2100::).
TEST(Nat64dDns64Ipv4OnlyArpa, Slash48Prefix) {
    Dns64Config c = typical();
    c.pool6 = p6("2001:db8:122::/48");
    const std::vector<std::string> l = lines_of(c);
    EXPECT_TRUE(has(l, "dns64-prefix: 2001:db8:122::/48"));
    EXPECT_TRUE(has(l, "local-data: \"ipv4only.arpa. 3600 IN AAAA 2001:db8:122:c000:0:aa00::\""));
    EXPECT_TRUE(has(l, "local-data: \"ipv4only.arpa. 3600 IN AAAA 2001:db8:122:c000:0:ab00::\""));
    EXPECT_TRUE(has(l, "local-data: \"ipv4only.arpa. 3600 IN A 192.0.0.170\""));
    EXPECT_TRUE(has(l, "local-data-ptr: \"2001:db8:122:c000:0:ab00:: 3600 ipv4only.arpa.\""));
}

// RFC 6052 §2.4's table: 192.0.2.33 in each example prefix.  A /32 IPv4
// prefix gives the address itself, with the u-octet counted in its length
// where the IPv4 bits straddle it.
TEST(Nat64dDns64Exclusions, EmbeddedPrefixMatchesRfc6052Examples) {
    const nat64::Ipv4Prefix host = p4("192.0.2.33/32");
    struct Case {
        const char *pool6, *want;
    };
    for (const Case &k : {
             Case{"2001:db8::/32", "2001:db8:c000:221::/64"},
             Case{"2001:db8:100::/40", "2001:db8:1c0:2:21::/80"},
             Case{"2001:db8:122::/48", "2001:db8:122:c000:2:2100::/88"},
             Case{"2001:db8:122:300::/56", "2001:db8:122:3c0:0:221::/96"},
             Case{"2001:db8:122:344::/64", "2001:db8:122:344:c0:2:2100:0/104"},
             Case{"2001:db8:122:344::/96", "2001:db8:122:344::c000:221/128"},
         }) {
        EXPECT_EQ(nat64::format_prefix(nat64d::embedded_prefix(p6(k.pool6), host)), k.want)
            << k.pool6;
    }
    // Ranges: bits before the u-octet only, then across it.
    EXPECT_EQ(
        nat64::format_prefix(nat64d::embedded_prefix(p6("2001:db8:122::/48"), p4("10.0.0.0/8"))),
        "2001:db8:122:a00::/56");
    EXPECT_EQ(nat64::format_prefix(
                  nat64d::embedded_prefix(p6("2001:db8:122::/48"), p4("198.51.100.0/24"))),
              "2001:db8:122:c633:64::/80");
    EXPECT_EQ(nat64::format_prefix(nat64d::embedded_prefix(p6("64:ff9b::/96"), p4("0.0.0.0/0"))),
              "64:ff9b::/96");
}

TEST(Nat64dDns64Exclusions, WellKnownPrefixExcludesNonGlobal) {
    const std::vector<std::string> l = lines_of(typical());
    const std::vector<std::string> r = starting_with(l, "response-ip:");
    EXPECT_EQ(r, (std::vector<std::string>{
                     "response-ip: 64:ff9b::/104 redirect",           // 0.0.0.0/8
                     "response-ip: 64:ff9b::a00:0/104 redirect",      // 10.0.0.0/8
                     "response-ip: 64:ff9b::6440:0/106 redirect",     // 100.64.0.0/10
                     "response-ip: 64:ff9b::7f00:0/104 redirect",     // 127.0.0.0/8
                     "response-ip: 64:ff9b::a9fe:0/112 redirect",     // 169.254.0.0/16
                     "response-ip: 64:ff9b::ac10:0/108 redirect",     // 172.16.0.0/12
                     "response-ip: 64:ff9b::c000:0/120 redirect",     // 192.0.0.0/24
                     "response-ip: 64:ff9b::c000:200/120 redirect",   // 192.0.2.0/24
                     "response-ip: 64:ff9b::c0a8:0/112 redirect",     // 192.168.0.0/16
                     "response-ip: 64:ff9b::c612:0/111 redirect",     // 198.18.0.0/15
                     "response-ip: 64:ff9b::c633:6400/120 redirect",  // 198.51.100.0/24
                     "response-ip: 64:ff9b::cb00:7100/120 redirect",  // 203.0.113.0/24
                     "response-ip: 64:ff9b::e000:0/100 redirect",     // 224.0.0.0/4
                     "response-ip: 64:ff9b::f000:0/100 redirect",     // 240.0.0.0/4
                 }));
}

TEST(Nat64dDns64Exclusions, NetworkSpecificPrefixExcludesReservedAndDenylist) {
    Dns64Config c = typical();
    c.pool6 = p6("2001:db8:64::/96");
    // 127.1.0.0/16 lies inside 127.0.0.0/8 and adds nothing.
    c.exclude4 = {p4("192.88.99.0/24"), p4("127.1.0.0/16")};
    const std::vector<std::string> r = starting_with(lines_of(c), "response-ip:");
    EXPECT_EQ(r, (std::vector<std::string>{
                     "response-ip: 2001:db8:64::/104 redirect",
                     "response-ip: 2001:db8:64::7f00:0/104 redirect",
                     "response-ip: 2001:db8:64::a9fe:0/112 redirect",
                     "response-ip: 2001:db8:64::c058:6300/120 redirect",
                     "response-ip: 2001:db8:64::e000:0/100 redirect",
                     "response-ip: 2001:db8:64::f000:0/100 redirect",
                 }));
}

// The resolver excludes exactly what the translator drops (reserved.hpp),
// for both kinds of pool6, with and without a denylist4.  Every range on
// either side is a /24 or wider (255.255.255.255 lies inside 240.0.0.0/4),
// so one address per /24 decides: each /24 gets one bit per combination,
// from the exclusion lists and from the translator's predicates.
TEST(Nat64dDns64Exclusions, SameAsTheTranslator) {
    const std::vector<nat64::Ipv4Prefix> deny = {p4("192.88.99.0/24"), p4("100.64.0.0/10"),
                                                 p4("1.2.3.0/24")};
    constexpr uint32_t kBlocks = 1u << 24;
    // Bit 0: WKP, bit 1: with deny.
    std::vector<uint8_t> excluded(kBlocks), dropped(kBlocks);
    for (unsigned combo = 0; combo < 4; ++combo) {
        Dns64Config c = typical();
        c.pool6 = p6(combo & 1 ? "64:ff9b::/96" : "2001:db8:64::/96");
        if (combo & 2) c.exclude4 = deny;
        const std::vector<nat64::Ipv4Prefix> ex = nat64d::dns64_excluded(c);
        EXPECT_TRUE(std::is_sorted(ex.begin(), ex.end()));
        for (const nat64::Ipv4Prefix &p : ex) {
            ASSERT_LE(p.len, 24) << nat64::format_prefix(p);
            const uint32_t first = p.addr >> 8, count = 1u << (24 - p.len);
            for (uint32_t i = first; i < first + count; ++i)
                excluded[i] |= uint8_t(1u << combo);
        }
    }
    const nat64::Denylist4 with_list(deny);
    for (uint32_t block = 0; block < kBlocks; ++block) {
        const uint32_t a = block << 8;
        const bool non_global = nat64::ipv4_non_global(a);
        const bool reserved = nat64::ipv4_always_reserved(a);
        const bool listed = with_list.blocks(a);
        dropped[block] = uint8_t(reserved | (reserved | non_global) << 1 | listed << 2 |
                                 (listed | non_global) << 3);
    }
    size_t mismatches = 0;
    for (uint32_t block = 0; block < kBlocks; ++block) {
        if (excluded[block] != dropped[block] && ++mismatches <= 5) {
            ADD_FAILURE() << nat64::format_ipv4(block << 8) << ": excluded " << int(excluded[block])
                          << ", translator drops " << int(dropped[block])
                          << " (bit N: combination N; N & 1: WKP, N & 2: denylist4)";
        }
    }
    EXPECT_EQ(mismatches, 0u);
}

TEST(Nat64dDns64Validate, ErrorsNameFieldAndValue) {
    struct Case {
        const char *what;
        void (*change)(Dns64Config &);
        const char *message;
    };
    const Case cases[] = {
        {"no listen", [](Dns64Config &c) { c.listen.clear(); },
         "listen: at least one address to listen on is needed"},
        {"link-local listen", [](Dns64Config &c) { c.listen.push_back(a6("fe80::1")); },
         "listen[1]: expected a global, unique-local or loopback unicast address (got "
         "\"fe80::1\")"},
        {"unspecified listen", [](Dns64Config &c) { c.listen = {a6("::")}; },
         "listen[0]: expected a global, unique-local or loopback unicast address (got \"::\")"},
        {"multicast listen", [](Dns64Config &c) { c.listen = {a6("ff02::1")}; },
         "listen[0]: expected a global, unique-local or loopback unicast address (got "
         "\"ff02::1\")"},
        {"port 0", [](Dns64Config &c) { c.port = 0; },
         "port: expected a port from 1 to 65535 (got \"0\")"},
        {"allow host bits",
         [](Dns64Config &c) {
             c.allow.push_back({a6("2001:db8:2::1"), 64});
         },
         "allow[1]: expected an IPv6 prefix without host bits (got \"2001:db8:2::1/64\")"},
        {"allow too long",
         [](Dns64Config &c) {
             c.allow = {{a6("2001:db8:2::"), 129}};
         },
         "allow[0]: expected an IPv6 prefix without host bits (got \"2001:db8:2::/129\")"},
        {"pool6 length", [](Dns64Config &c) { c.pool6 = p6("2001:db8::/33"); },
         "pool6: expected an RFC 6052 prefix (/32, /40, /48, /56, /64 or /96) without host bits "
         "(got \"2001:db8::/33\")"},
        {"pool6 host bits",
         [](Dns64Config &c) {
             c.pool6 = {a6("64:ff9b::1"), 96};
         },
         "pool6: expected an RFC 6052 prefix (/32, /40, /48, /56, /64 or /96) without host bits "
         "(got \"64:ff9b::1/96\")"},
        {"no forwarders", [](Dns64Config &c) { c.forwarders.clear(); },
         "forwarders: at least one resolver to forward to is needed"},
        {"forwarder name", [](Dns64Config &c) { c.forwarders = {"dns.example"}; },
         "forwarders[0]: expected an IPv4 or IPv6 address, optionally with %zone (link-local "
         "only) and @port (got \"dns.example\")"},
        {"forwarder bracketed", [](Dns64Config &c) { c.forwarders = {"[2001:db8::1]:53"}; },
         "forwarders[0]: expected an IPv4 or IPv6 address, optionally with %zone (link-local "
         "only) and @port (got \"[2001:db8::1]:53\")"},
        {"forwarder port 0", [](Dns64Config &c) { c.forwarders = {"192.0.2.1@0"}; },
         "forwarders[0]: the port must be a number from 1 to 65535 (got \"192.0.2.1@0\")"},
        {"forwarder port big", [](Dns64Config &c) { c.forwarders = {"192.0.2.1@65536"}; },
         "forwarders[0]: the port must be a number from 1 to 65535 (got \"192.0.2.1@65536\")"},
        {"forwarder port empty", [](Dns64Config &c) { c.forwarders = {"192.0.2.1@"}; },
         "forwarders[0]: the port must be a number from 1 to 65535 (got \"192.0.2.1@\")"},
        {"forwarder multicast", [](Dns64Config &c) { c.forwarders = {"224.0.0.251"}; },
         "forwarders[0]: not a unicast address (got \"224.0.0.251\")"},
        {"forwarder unspecified", [](Dns64Config &c) { c.forwarders = {"::"}; },
         "forwarders[0]: not a unicast address (got \"::\")"},
        {"link-local without zone", [](Dns64Config &c) { c.forwarders = {"fe80::1"}; },
         "forwarders[0]: a link-local address needs its zone, as in fe80::1%eth0 (got "
         "\"fe80::1\")"},
        {"zone on global", [](Dns64Config &c) { c.forwarders = {"2001:db8::1%eth0"}; },
         "forwarders[0]: only a link-local address takes a zone (got \"2001:db8::1%eth0\")"},
        {"zone on IPv4", [](Dns64Config &c) { c.forwarders = {"192.0.2.1%eth0"}; },
         "forwarders[0]: expected an IPv4 or IPv6 address, optionally with %zone (link-local "
         "only) and @port (got \"192.0.2.1%eth0\")"},
        {"bad zone", [](Dns64Config &c) { c.forwarders = {"fe80::1%eth 0"}; },
         "forwarders[0]: the zone must be an interface name or index (letters, digits, \"_.-\", "
         "at most 15) (got \"fe80::1%eth 0\")"},
        {"forwards to itself", [](Dns64Config &c) { c.forwarders = {"2001:db8:1::1"}; },
         "forwarders[0]: is where this resolver listens: it would forward to itself (got "
         "\"2001:db8:1::1\")"},
        {"forwards to itself, port", [](Dns64Config &c) { c.forwarders = {"2001:db8:1::1@53"}; },
         "forwarders[0]: is where this resolver listens: it would forward to itself (got "
         "\"2001:db8:1::1@53\")"},
        {"exclude4 host bits",
         [](Dns64Config &c) {
             c.exclude4 = {{0x0a000001, 8}};
         },
         "exclude4[0]: expected an IPv4 prefix without host bits (got \"10.0.0.1/8\")"},
        {"exclude4 too long",
         [](Dns64Config &c) {
             c.exclude4 = {{0x0a000000, 33}};
         },
         "exclude4[0]: expected an IPv4 prefix without host bits (got \"10.0.0.0/33\")"},
        {"run_dir empty", [](Dns64Config &c) { c.run_dir = ""; },
         "run_dir: expected an absolute path of letters, digits and \"/._+-@:,=\""},
        {"run_dir relative", [](Dns64Config &c) { c.run_dir = "run/dns64"; },
         "run_dir: expected an absolute path of letters, digits and \"/._+-@:,=\" (got "
         "\"run/dns64\")"},
        {"run_dir quote", [](Dns64Config &c) { c.run_dir = "/run/x\"\ninclude: \"/etc/x"; },
         "run_dir: expected an absolute path of letters, digits and \"/._+-@:,=\" (got "
         "\"/run/x\\\"\\ninclude: \\\"/etc/x\")"},
        {"run_dir space", [](Dns64Config &c) { c.run_dir = "/run/a b"; },
         "run_dir: expected an absolute path of letters, digits and \"/._+-@:,=\" (got "
         "\"/run/a b\")"},
        {"username", [](Dns64Config &c) { c.username = "Unbound"; },
         "username: expected a user name (lowercase letters, digits, \"_-\", at most 32) or \"\" "
         "(got \"Unbound\")"},
        {"username quote", [](Dns64Config &c) { c.username = "u\"\nchroot: \"/"; },
         "username: expected a user name (lowercase letters, digits, \"_-\", at most 32) or \"\" "
         "(got \"u\\\"\\nchroot: \\\"/\")"},
        {"verbosity", [](Dns64Config &c) { c.verbosity = 6; },
         "verbosity: expected 0 to 5 (got \"6\")"},
    };
    for (const Case &k : cases) {
        Dns64Config c = typical();
        k.change(c);
        EXPECT_EQ(error_of(c), k.message) << k.what;
        ASSERT_TRUE(nat64d::validate(c).has_value()) << k.what;
    }
    EXPECT_FALSE(nat64d::validate(typical()).has_value());
}

TEST(Nat64dDns64Validate, TheErrorCarriesFieldAndValue) {
    Dns64Config c = typical();
    c.forwarders = {"192.0.2.1", "1.2.3.4\nserver:"};
    const auto e = nat64d::validate(c);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->field, "forwarders[1]");
    EXPECT_EQ(e->value, "1.2.3.4\nserver:");
    EXPECT_EQ(e->message().find('\n'), std::string::npos);
}

// Nothing given as a string can end a line, open a clause or close a quote.
TEST(Nat64dDns64Validate, NoInjection) {
    for (const char *evil : {
             "1.2.3.4\nserver:",
             "1.2.3.4\n",
             "1.2.3.4 # comment",
             "1.2.3.4\"",
             "1.2.3.4@53\nforward-zone:",
             "fe80::1%eth0\ninclude: /etc/passwd",
             "fe80::1%eth0\"",
             "2001:db8::1\r",
             "1.2.3.4@5\n3",
             " 1.2.3.4",
             "1.2.3.4\t",
         }) {
        Dns64Config c = typical();
        c.forwarders = {evil};
        EXPECT_NE(error_of(c), "(no error)") << evil;
    }
    // NUL inside the string, which c_str() above cuts off.
    Dns64Config c = typical();
    c.forwarders = {std::string("1.2.3.4\0\nserver:", 16)};
    EXPECT_EQ(error_of(c),
              "forwarders[0]: expected an IPv4 or IPv6 address, optionally with %zone (link-local "
              "only) and @port (got \"1.2.3.4\\x00\\nserver:\")");
}

TEST(Nat64dDns64Validate, AcceptedForwarders) {
    for (const char *ok : {"192.0.2.53", "192.0.2.53@5353", "127.0.0.53", "::1", "2001:db8::53",
                           "2001:db8::53@53", "fe80::1%eth0", "fe80::1%2", "fe80::1%vmbr0.10@53",
                           "2001:db8:1::1@5353" /* where we listen, but another port */}) {
        Dns64Config c = typical();
        c.forwarders = {ok};
        EXPECT_FALSE(nat64d::validate(c).has_value()) << ok;
    }
}

TEST(Nat64dDns64Restart, OnlySocketsUserAndDirectory) {
    const Dns64Config a = typical();
    Dns64Config b = a;
    b.pool6 = p6("2001:db8:64::/96");
    b.forwarders = {"192.0.2.54"};
    b.allow.push_back(p6("2001:db8:2::/64"));
    b.exclude4 = {p4("192.88.99.0/24")};
    b.verbosity = 4;
    EXPECT_FALSE(nat64d::dns64_needs_restart(a, b));
    for (void (*change)(Dns64Config &) : {
             +[](Dns64Config &c) { c.listen.push_back(a6("2001:db8:2::1")); },
             +[](Dns64Config &c) { c.port = 5353; },
             +[](Dns64Config &c) { c.username = ""; },
             +[](Dns64Config &c) { c.run_dir = "/run/other"; },
         }) {
        Dns64Config d = a;
        change(d);
        EXPECT_TRUE(nat64d::dns64_needs_restart(a, d));
    }
}

TEST(Nat64dDns64Resolvers, ParsesResolvConf) {
    const char *text =
        "# Generated by NetworkManager\n"
        "search example.com\n"
        "options edns0\n"
        "; nameserver 9.9.9.9\n"
        "#nameserver 8.8.8.8\n"
        "nameserver 127.0.0.53\n"
        "nameserver\t2001:DB8::53   # trailing comment\n"
        "nameserver fe80::1%vmbr0\n"
        "nameserver 192.0.2.1\n";  // a fourth: glibc uses three
    EXPECT_EQ(nat64d::node_resolvers(text),
              (std::vector<std::string>{"127.0.0.53", "2001:db8::53", "fe80::1%vmbr0"}));
}

TEST(Nat64dDns64Resolvers, Rules) {
    // Unparsable lines do not count towards the three; unusable ones do
    // (glibc would use them), but are dropped.
    EXPECT_EQ(nat64d::node_resolvers("nameserver dns.example\n"
                                     "nameserver 0.0.0.0\n"
                                     "nameserver fe80::1\n"
                                     "nameserver 192.0.2.1\n"
                                     "nameserver 192.0.2.2\n"),
              (std::vector<std::string>{"192.0.2.1"}));
    EXPECT_EQ(nat64d::node_resolvers("nameserver 192.0.2.1\n"
                                     "nameserver 192.0.2.1\n"
                                     "nameserver ::1\n"
                                     "nameserver 2001:db8::1%eth0\n"),
              (std::vector<std::string>{"192.0.2.1", "::1"}));
    // The keyword starts the line; nothing else is a nameserver.
    EXPECT_EQ(nat64d::node_resolvers(" nameserver 192.0.2.1\n"
                                     "nameservers 192.0.2.2\n"
                                     "nameserver\n"
                                     "nameserver ::\n"
                                     "nameserver ff02::fb\n"
                                     "domain nameserver\n"),
              (std::vector<std::string>{}));
    EXPECT_EQ(nat64d::node_resolvers(""), (std::vector<std::string>{}));
    EXPECT_EQ(nat64d::node_resolvers("nameserver 192.0.2.9"),  // no final newline
              (std::vector<std::string>{"192.0.2.9"}));
    EXPECT_EQ(nat64d::node_resolvers("nameserver fe80::1%bad/zone\nnameserver fe80::2%3\n"),
              (std::vector<std::string>{"fe80::2%3"}));
}

TEST(Nat64dDns64Resolvers, WhatComesOutIsAcceptedAsForwarders) {
    Dns64Config c = typical();
    c.forwarders = nat64d::node_resolvers(
        "nameserver 127.0.0.53\nnameserver FE80::1%vmbr0\nnameserver 2001:db8::53\n");
    ASSERT_EQ(c.forwarders.size(), 3u);
    EXPECT_FALSE(nat64d::validate(c).has_value());
}

}  // namespace
