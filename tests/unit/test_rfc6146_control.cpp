// Stateful NAT64 (RFC 6146) from the control side: static BIB entries
// (configured, nat64_bib_add/nat64_bib_del), nat64_session_flush,
// reconfiguration with nat64_instance_set (sessions survive where their
// pool4 transport address does), growing the tables (migration), RFC 6888
// logging (nat64_log_drain), and translation concurrent with new flows
// and expiry.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "stateful_harness.hpp"

namespace nat64test {
namespace {

constexpr uint32_t kId = 61480;
constexpr uint64_t kUdpMs = 300'000;

std::string t4(uint32_t a4, uint16_t port) {
    return ip4s(a4) + "#" + std::to_string(port);
}

uint16_t open_udp(const Nat64 &xl, const A6 &h, uint16_t sport, uint64_t now,
                  const A6 &dst = STopo{}.r1_6, uint16_t dport = 53) {
    Result r = xl.run(udp6_pkt(h, sport, dst, dport), now);
    EXPECT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4)) << "port " << sport;
    if (r.verdict != NAT64_TRANSLATED || r.out.size() < 28) return 0;
    return get16(r.out, 20);
}

json static_udp(const char *v6, const char *v4) {
    return {{"protocol", "udp"}, {"ipv6", v6}, {"ipv4", v4}};
}

int bib_add(uint32_t id, const json &entry, std::string *err = nullptr) {
    CStr e;
    std::string s = entry.dump();
    int rc = nat64_bib_add(id, s.c_str(), &e.p);
    if (err) *err = e.str();
    return rc;
}
int bib_del(uint32_t id, const json &entry, std::string *err = nullptr) {
    CStr e;
    std::string s = entry.dump();
    int rc = nat64_bib_del(id, s.c_str(), &e.p);
    if (err) *err = e.str();
    return rc;
}

// --- Static BIB entries -----------------------------------------------------------------

// RFC 6146 §3.5.1.1 / §1.2.2: a static BIB entry lets IPv4 hosts reach a
// VNet host that has sent nothing; each remote gets its own session.
TEST(Rfc6146_StaticBib, InboundWithoutPriorOutbound) {
    STopo t;
    Nat64 xl(
        kId,
        {{"static-bib",
          {static_udp("2001:db8:5::2#7000", "192.0.2.100#2000"),
           {{"protocol", "icmp"}, {"ipv6", "2001:db8:5::2#0"}, {"ipv4", "192.0.2.100#9"}},
           {{"protocol", "tcp"}, {"ipv6", "2001:db8:5::2#22"}, {"ipv4", "192.0.2.100#2222"}}}}});
    json b = xl.bibs(kT0);
    ASSERT_EQ(b.size(), 3u) << b;
    for (const auto &e : b) {
        EXPECT_EQ(e["static"], true);
        EXPECT_EQ(e["sessions"], 0);
    }
    const Bytes payload = pattern(18, 4);
    Result r = xl.run(udp4_pkt(t.r1, 5000, t.pool4, 2000, payload), kT0);
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_TRUE(SameBytes(r.out, want6(t.r1_6, t.h2, ipproto::UDP, udp(5000, 7000, payload))));
    r = xl.run(udp4_pkt(t.r2, 6000, t.pool4, 2000, payload), kT0 + 1);
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_TRUE(SameBytes(r.out, want6(t.r2_6, t.h2, ipproto::UDP, udp(6000, 7000, payload))));
    // Echo request to the ICMP entry: identifier 9 becomes 0.
    r = xl.run(echo4_pkt(t.r1, t.pool4, 8, 9, 1, payload), kT0 + 2);
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_TRUE(SameBytes(
        r.out, want6(t.r1_6, t.h2, ipproto::ICMPV6, icmp(128, 0, echo_rest(0, 1), payload))));
    // TCP SYN to the TCP entry.
    r = xl.run(tcp4_pkt(t.r1, 40000, t.pool4, 2222, tcpf::SYN), kT0 + 3);
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_EQ(get16(r.out, 42), 22);
    json s = xl.sessions(kT0 + 3);
    EXPECT_EQ(s.size(), 4u) << s;
    json s1 = find_session(s, "2001:db8:5::2#7000", "203.0.113.7#5000");
    ASSERT_FALSE(s1.is_null());
    EXPECT_EQ(s1["ipv4"], "192.0.2.100#2000");
    EXPECT_EQ(s1["expires-in-ms"], kUdpMs - 3);
    // The host's answer leaves from the static transport address.
    Result out = xl.run(udp6_pkt(t.h2, 7000, t.r1_6, 5000, payload), kT0 + 4);
    ASSERT_TRUE(Is(out, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_TRUE(
        SameBytes(out.out, want4(out.out, t.pool4, t.r1, ipproto::UDP, udp(2000, 5000, payload))));
    // So does a new flow from the same transport address (the BIB entry is
    // endpoint-independent).
    out = xl.run(udp6_pkt(t.h2, 7000, t.r2_6, 123, payload), kT0 + 5);
    ASSERT_TRUE(Is(out, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_EQ(get16(out.out, 20), 2000);
}

// nat64_bib_add/nat64_bib_del edit the configured list; entries outside
// pool4 are refused with an error naming the key and value.
TEST(Rfc6146_StaticBib, AddAndDelete) {
    STopo t;
    Nat64 xl(kId, {{"pool4", {pool4_entry("192.0.2.100/32", "1-65535", {"udp", "icmp"})}}});
    const json e = static_udp("2001:db8:5::3#53", "192.0.2.100#53");
    std::string err = "x";
    ASSERT_EQ(bib_add(xl.id(), e, &err), 0) << err;
    EXPECT_EQ(err, "");
    Result r = xl.run(udp4_pkt(t.r1, 1111, t.pool4, 53), kT0);
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_TRUE(SameBytes(r.out, want6(t.r1_6, t.h3, ipproto::UDP, udp(1111, 53, pattern(20)))));
    // The document shows it.
    CStr e1, doc;
    doc.p = nat64_instance_show(xl.id(), &e1.p);
    ASSERT_NE(doc.p, nullptr);
    json shown = json::parse(doc.p);
    ASSERT_EQ(shown["static-bib"].size(), 1u) << shown;
    EXPECT_EQ(shown["static-bib"][0], e);
    json b = xl.bibs(kT0);
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(b[0]["static"], true);
    EXPECT_EQ(b[0]["sessions"], 1);

    // Outside pool4: refused, naming /static-bib/1/ipv4 and the value.
    EXPECT_EQ(bib_add(xl.id(), static_udp("2001:db8:5::3#54", "192.0.2.99#54"), &err), -1);
    EXPECT_NE(err.find("/static-bib/1/ipv4"), std::string::npos) << err;
    EXPECT_NE(err.find("192.0.2.99#54"), std::string::npos) << err;
    // A protocol pool4 does not carry there.
    json tcp_entry = {
        {"protocol", "tcp"}, {"ipv6", "2001:db8:5::3#80"}, {"ipv4", "192.0.2.100#80"}};
    EXPECT_EQ(bib_add(xl.id(), tcp_entry, &err), -1);
    EXPECT_NE(err.find("/static-bib/1/ipv4"), std::string::npos) << err;
    // The same pool4 transport address twice.
    EXPECT_EQ(bib_add(xl.id(), static_udp("2001:db8:5::1#53", "192.0.2.100#53"), &err), -1);
    EXPECT_NE(err.find("/static-bib/1/ipv4"), std::string::npos) << err;
    // Malformed.
    CStr e2;
    EXPECT_EQ(nat64_bib_add(xl.id(), R"({"protocol": "udp", "ipv6": "2001:db8:5::3"})", &e2.p), -1);
    EXPECT_NE(e2.str().find("ipv6"), std::string::npos) << e2.str();
    // Nothing changed.
    CStr e3, doc2;
    doc2.p = nat64_instance_show(xl.id(), &e3.p);
    EXPECT_EQ(json::parse(doc2.p)["static-bib"].size(), 1u);

    // Deleting it removes the entry and its sessions.
    ASSERT_EQ(bib_del(xl.id(), e, &err), 0) << err;
    EXPECT_EQ(xl.bibs(kT0 + 1).size(), 0u);
    EXPECT_EQ(xl.sessions(kT0 + 1).size(), 0u);
    EXPECT_TRUE(IsDrop(xl.run(udp4_pkt(t.r1, 1111, t.pool4, 53), kT0 + 1), NAT64_C_DROP_NO_BIB));
    EXPECT_EQ(bib_del(xl.id(), e, &err), -1);
    EXPECT_NE(err.find("no static BIB entry"), std::string::npos) << err;
    // Unknown instance; stateless instance.
    EXPECT_EQ(bib_add(kId + 9, e, &err), -1);
    EXPECT_NE(err.find(std::to_string(kId + 9)), std::string::npos) << err;
    TestInstance stateless(kId + 8);
    EXPECT_EQ(bib_add(kId + 8, e, &err), -1);
    EXPECT_NE(err.find("/static-bib/0/ipv4"), std::string::npos) << err;
    CStr e4, list;
    list.p = nat64_session_list(kId + 8, nullptr, nullptr, kT0, 0, &e4.p);
    EXPECT_EQ(list.p, nullptr);
    EXPECT_NE(e4.str().find("no pool4"), std::string::npos) << e4.str();
}

// A static entry takes its pool4 transport address from a dynamic one
// that holds it (the configured mapping wins).
TEST(Rfc6146_StaticBib, DisplacesDynamicEntry) {
    STopo t;
    Nat64 xl(kId);
    const uint16_t p4 = open_udp(xl, t.h1, 40000, kT0);
    const std::string v4 = t4(t.pool4, p4);
    ASSERT_EQ(bib_add(xl.id(), static_udp("2001:db8:5::2#7000", v4.c_str())), 0);
    json b = xl.bibs(kT0 + 1);
    ASSERT_EQ(b.size(), 1u) << b;
    EXPECT_EQ(b[0]["ipv6"], "2001:db8:5::2#7000");
    Result r = xl.run(udp4_pkt(t.r1, 53, t.pool4, p4), kT0 + 2);
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_EQ(Bytes(r.out.begin() + 24, r.out.begin() + 40), Bytes(t.h2.begin(), t.h2.end()));
    // h1 gets another transport address for its next packet.
    EXPECT_NE(open_udp(xl, t.h1, 40000, kT0 + 3), p4);
}

// --- Flush ---------------------------------------------------------------------------------

TEST(Rfc6146_Flush, RemovesSessionsKeepsStaticEntries) {
    STopo t;
    Nat64 xl(kId, {{"static-bib", {static_udp("2001:db8:5::2#7000", "192.0.2.100#2000")}}});
    ASSERT_TRUE(Is(xl.run(udp4_pkt(t.r1, 5000, t.pool4, 2000), kT0), NAT64_TRANSLATED,
                   NAT64_C_TRANSLATED_4TO6));
    const uint16_t p1 = open_udp(xl, t.h1, 40000, kT0);
    open_udp(xl, t.h1, 40001, kT0);
    Result syn = xl.run(tcp6_pkt(t.h3, 40000, t.r2_6, 80, tcpf::SYN), kT0);
    ASSERT_TRUE(Is(syn, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_EQ(xl.sessions(kT0).size(), 4u);

    // By protocol, then by address, then everything.
    CStr err;
    EXPECT_EQ(nat64_session_flush(xl.id(), "tcp", nullptr, kT0, &err.p), 1);
    EXPECT_EQ(xl.sessions(kT0).size(), 3u);
    EXPECT_EQ(nat64_session_flush(xl.id(), nullptr, "2001:db8:5::1", kT0, &err.p), 2);
    json s = xl.sessions(kT0);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0]["ipv6"], "2001:db8:5::2#7000");
    EXPECT_EQ(nat64_session_flush(xl.id(), nullptr, nullptr, kT0, &err.p), 1);
    EXPECT_EQ(xl.sessions(kT0).size(), 0u);
    // Only the static entry is left, and it still works.
    json b = xl.bibs(kT0);
    ASSERT_EQ(b.size(), 1u) << b;
    EXPECT_EQ(b[0]["static"], true);
    EXPECT_EQ(b[0]["sessions"], 0);
    EXPECT_TRUE(Is(xl.run(udp4_pkt(t.r1, 5000, t.pool4, 2000), kT0 + 1), NAT64_TRANSLATED,
                   NAT64_C_TRANSLATED_4TO6));
    // Dynamic ones are gone.
    EXPECT_TRUE(IsDrop(xl.run(udp4_pkt(t.r1, 53, t.pool4, p1), kT0 + 1), NAT64_C_DROP_NO_BIB));
    json st = xl.state_stats();
    EXPECT_EQ(st["sessions-removed"], 4);
    EXPECT_EQ(st["static-bib-entries"], 1);
    EXPECT_EQ(st["bib-entries"], 1);
    // Bad filters are errors; unknown instances too.
    CStr e2;
    EXPECT_EQ(nat64_session_flush(xl.id(), "gre", nullptr, kT0, &e2.p), -1);
    EXPECT_NE(e2.str().find("gre"), std::string::npos);
    CStr e3;
    EXPECT_EQ(nat64_session_flush(kId + 9, nullptr, nullptr, kT0, &e3.p), -1);
    EXPECT_NE(e3.str().find(std::to_string(kId + 9)), std::string::npos);
}

// --- Reconfiguration -------------------------------------------------------------------------

// nat64_instance_set replaces the configuration; a session survives when
// its pool4 transport address is still in pool4 (design.md), and goes
// when its address, port or protocol left pool4.
TEST(Rfc6146_Reconfigure, SessionsSurviveWhereTheirPool4EntryDoes) {
    STopo t;
    const uint32_t p200 = a4("192.0.2.200");
    Nat64 xl(kId, {{"pool4", {pool4_entry("192.0.2.200/32")}}});
    const uint16_t q = open_udp(xl, t.h1, 40000, kT0);
    auto reply_ok = [&](uint32_t a, uint16_t port, uint64_t now) {
        Result r = xl.run(udp4_pkt(t.r1, 53, a, port), now);
        return r.verdict == NAT64_TRANSLATED && r.out.size() >= 44 &&
               Bytes(r.out.begin() + 24, r.out.begin() + 40) == Bytes(t.h1.begin(), t.h1.end()) &&
               get16(r.out, 42) == 40000;
    };
    ASSERT_TRUE(reply_ok(p200, q, kT0 + 1));

    // Another pool4 entry added, other settings changed: the session stays.
    ASSERT_EQ(
        xl.reconfigure({{"pool4", {pool4_entry("192.0.2.100/32"), pool4_entry("192.0.2.200/32")}},
                        {"ipv4-mtu", 1400},
                        {"timeouts", {{"udp", 600}}}}),
        "");
    json s = xl.sessions(kT0 + 2);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0]["ipv4"], t4(p200, q));
    EXPECT_TRUE(reply_ok(p200, q, kT0 + 2));
    EXPECT_EQ(open_udp(xl, t.h1, 40000, kT0 + 3, t.r2_6, 1), q);  // same BIB entry

    // 192.0.2.200 leaves pool4: its sessions and BIB entries go; the
    // address is no longer the translator's.
    ASSERT_EQ(xl.reconfigure({{"pool4", {pool4_entry("192.0.2.100/32", "1024-65535")}}}), "");
    EXPECT_EQ(xl.sessions(kT0 + 4).size(), 0u);
    EXPECT_EQ(xl.bibs(kT0 + 4).size(), 0u);
    EXPECT_EQ(xl.state_stats()["sessions-removed"], 2);
    EXPECT_TRUE(
        IsDrop(xl.run(udp4_pkt(t.r1, 53, p200, q), kT0 + 4), NAT64_C_DROP_DST_UNTRANSLATABLE));
    const uint16_t q2 = open_udp(xl, t.h1, 40000, kT0 + 5);
    ASSERT_TRUE(reply_ok(t.pool4, q2, kT0 + 6));
    // A TCP session on the same address.
    Result syn = xl.run(tcp6_pkt(t.h1, 40000, t.r1_6, 80, tcpf::SYN), kT0 + 7);
    ASSERT_TRUE(Is(syn, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));

    // The UDP session's port leaves the entry's range: it goes, TCP stays.
    const char *ports = q2 >= 40000 ? "1024-39999" : "40000-65535";
    ASSERT_EQ(xl.reconfigure({{"pool4", {pool4_entry("192.0.2.100/32", ports)}}}), "");
    EXPECT_EQ(xl.sessions(kT0 + 8, "udp").size(), 0u);
    const uint16_t tp = get16(syn.out, 20);
    if ((tp >= 40000) == (q2 >= 40000)) {
        EXPECT_EQ(xl.sessions(kT0 + 8, "tcp").size(), 0u);
    } else {
        EXPECT_EQ(xl.sessions(kT0 + 8, "tcp").size(), 1u);
    }
    EXPECT_TRUE(IsDrop(xl.run(udp4_pkt(t.r1, 53, t.pool4, q2), kT0 + 8), NAT64_C_DROP_NO_BIB));

    // UDP leaves the entry's protocols: UDP sessions go, ICMP stays.
    const uint16_t q3 = open_udp(xl, t.h1, 40000, kT0 + 9);
    ASSERT_NE(q3, 0);
    Result echo = xl.run(echo6_pkt(t.h1, t.r1_6, 128, 5, 1), kT0 + 9);
    ASSERT_TRUE(Is(echo, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    ASSERT_EQ(xl.reconfigure({{"pool4", {pool4_entry("192.0.2.100/32", ports, {"tcp", "icmp"})}}}),
              "");
    EXPECT_EQ(xl.sessions(kT0 + 10, "udp").size(), 0u);
    EXPECT_EQ(xl.sessions(kT0 + 10, "icmp").size(), 1u);
    // An IPv4 packet to the address is still the translator's, but UDP has
    // no BIB there.
    EXPECT_TRUE(IsDrop(xl.run(udp4_pkt(t.r1, 53, t.pool4, q3), kT0 + 10), NAT64_C_DROP_NO_BIB));
    // And the VNet's UDP cannot be translated statefully any more.
    EXPECT_TRUE(IsDrop(xl.run(udp6_pkt(t.h1, 40000, t.r1_6, 53), kT0 + 11), NAT64_C_DROP_NO_STATE));
}

// Removing pool4 entirely makes the instance stateless: no tables.
TEST(Rfc6146_Reconfigure, WithoutPool4NoState) {
    STopo t;
    Nat64 xl(kId);
    open_udp(xl, t.h1, 40000, kT0);
    ASSERT_EQ(xl.reconfigure({{"pool4", json::array()}}), "");
    CStr err, s;
    s.p = nat64_session_list(xl.id(), nullptr, nullptr, kT0, 0, &err.p);
    EXPECT_EQ(s.p, nullptr);
    EXPECT_NE(err.str().find("stateless"), std::string::npos) << err.str();
    // The VNet host is now simply untranslatable (RFC 7915 §5.4 reply).
    Result r = xl.run(udp6_pkt(t.h1, 40000, t.r1_6, 53), kT0 + 1);
    EXPECT_TRUE(Is(r, NAT64_ICMP_REPLY, NAT64_C_REPLY_SRC_UNTRANSLATABLE));
    EXPECT_TRUE(
        IsDrop(xl.run(udp4_pkt(t.r1, 53, t.pool4, 1), kT0 + 1), NAT64_C_DROP_DST_UNTRANSLATABLE));
}

// Raising max-sessions above the tables' capacity moves every entry into
// bigger tables: sessions, their states and lifetimes, and the static BIB
// survive.  Lowering it keeps what exists but admits no more.
TEST(Rfc6146_Reconfigure, GrowingMaxSessionsKeepsSessions) {
    STopo t;
    Nat64 xl(kId, {{"max-sessions", 10},
                   {"static-bib", {static_udp("2001:db8:5::2#7000", "192.0.2.100#2000")}}});
    EXPECT_EQ(xl.state_stats()["capacity"], 10);
    const uint16_t pu = open_udp(xl, t.h1, 40000, kT0);
    Result syn = xl.run(tcp6_pkt(t.h1, 40001, t.r1_6, 80, tcpf::SYN), kT0);
    ASSERT_TRUE(Is(syn, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    const uint16_t pt = get16(syn.out, 20);
    ASSERT_TRUE(Is(xl.run(tcp4_pkt(t.r1, 80, t.pool4, pt, tcpf::SYN | tcpf::ACK), kT0 + 1),
                   NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    ASSERT_TRUE(Is(xl.run(udp4_pkt(t.r2, 5000, t.pool4, 2000), kT0 + 2), NAT64_TRANSLATED,
                   NAT64_C_TRANSLATED_4TO6));
    auto sorted = [](json a) {
        std::vector<std::string> v;
        for (const auto &e : a)
            v.push_back(e.dump());
        std::sort(v.begin(), v.end());
        return v;
    };
    const auto before = sorted(xl.sessions(kT0 + 3));
    const auto bibs_before = sorted(xl.bibs(kT0 + 3));
    ASSERT_EQ(before.size(), 3u);

    ASSERT_EQ(xl.reconfigure({{"max-sessions", 1000}}), "");
    json st = xl.state_stats();
    EXPECT_EQ(st["capacity"], 1000);
    EXPECT_EQ(st["sessions"], 3);
    EXPECT_EQ(st["sessions-created"], 3);
    EXPECT_EQ(sorted(xl.sessions(kT0 + 3)), before);
    EXPECT_EQ(sorted(xl.bibs(kT0 + 3)), bibs_before);
    // They still translate, both ways.
    Result r = xl.run(udp4_pkt(t.r1, 53, t.pool4, pu), kT0 + 4);
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_EQ(get16(r.out, 42), 40000);
    r = xl.run(tcp4_pkt(t.r1, 80, t.pool4, pt, tcpf::ACK, pattern(3)), kT0 + 4);
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_EQ(get16(r.out, 42), 40001);
    EXPECT_EQ(find_session(xl.sessions(kT0 + 4), "2001:db8:5::1#40001", "203.0.113.7#80")["state"],
              "ESTABLISHED");
    r = xl.run(udp6_pkt(t.h2, 7000, t.r2_6, 5000), kT0 + 4);
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_EQ(get16(r.out, 20), 2000);
    // More than the old capacity fits now.
    for (uint16_t i = 0; i < 20; i++)
        EXPECT_NE(open_udp(xl, t.h3, static_cast<uint16_t>(30000 + i), kT0 + 5), 0);
    EXPECT_EQ(xl.state_stats()["sessions"], 23);

    // Lowering: existing sessions stay, new ones are refused.
    ASSERT_EQ(xl.reconfigure({{"max-sessions", 5}}), "");
    EXPECT_EQ(xl.state_stats()["sessions"], 23);
    EXPECT_TRUE(
        IsDrop(xl.run(udp6_pkt(t.h3, 29999, t.r1_6, 53), kT0 + 6), NAT64_C_DROP_SESSION_LIMIT));
    EXPECT_EQ(open_udp(xl, t.h1, 40000, kT0 + 6), pu);
}

// --- RFC 6888 §4 logging ------------------------------------------------------------------------

struct LogLines {
    std::vector<std::pair<uint64_t, std::string>> lines;
    static void cb(uint64_t time_ms, const char *line, void *aux) {
        static_cast<LogLines *>(aux)->lines.emplace_back(time_ms, line);
    }
    size_t drain() { return nat64_log_drain(&LogLines::cb, this); }
};

TEST(Rfc6888_Logging, SessionAddAndDel) {
    STopo t;
    LogLines junk;
    junk.drain();
    Nat64 xl(kId, {{"logging-session", true}});
    const uint16_t p4 = open_udp(xl, t.h1, 40000, kT0);
    LogLines log;
    EXPECT_EQ(log.drain(), 1u);
    const std::string id = std::to_string(kId);
    const std::string v4 = t4(t.pool4, p4);
    ASSERT_EQ(log.lines.size(), 1u);
    EXPECT_EQ(log.lines[0].first, kT0);
    EXPECT_EQ(log.lines[0].second,
              "instance=" + id + " session-add proto=udp ipv6=2001:db8:5::1#40000 ipv4=" + v4 +
                  " remote=203.0.113.7#53");
    // Drained: nothing more until something happens.
    LogLines none;
    EXPECT_EQ(none.drain(), 0u);
    EXPECT_EQ(nat64_expire(kT0 + kUdpMs, 1000), 1u);
    LogLines del;
    EXPECT_EQ(del.drain(), 1u);
    ASSERT_EQ(del.lines.size(), 1u);
    EXPECT_EQ(del.lines[0].first, kT0 + kUdpMs);
    EXPECT_EQ(del.lines[0].second,
              "instance=" + id + " session-del proto=udp ipv6=2001:db8:5::1#40000 ipv4=" + v4 +
                  " remote=203.0.113.7#53");
}

TEST(Rfc6888_Logging, BibAddAndDel) {
    STopo t;
    LogLines junk;
    junk.drain();
    Nat64 xl(kId, {{"logging-bib", true}});
    Result r = xl.run(echo6_pkt(t.h1, t.r1_6, 128, 0x77, 1), kT0);
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    const std::string v4 = t4(t.pool4, get16(r.out, 24));
    // A second session on the same BIB entry logs nothing here.
    ASSERT_TRUE(Is(xl.run(echo6_pkt(t.h1, t.r2_6, 128, 0x77, 1), kT0), NAT64_TRANSLATED,
                   NAT64_C_TRANSLATED_6TO4));
    CStr err;
    EXPECT_EQ(nat64_session_flush(xl.id(), nullptr, nullptr, kT0 + 5, &err.p), 2);
    LogLines log;
    EXPECT_EQ(log.drain(), 2u);
    ASSERT_EQ(log.lines.size(), 2u);
    const std::string id = std::to_string(kId);
    EXPECT_EQ(log.lines[0].first, kT0);
    EXPECT_EQ(log.lines[0].second,
              "instance=" + id + " bib-add proto=icmp ipv6=2001:db8:5::1#119 ipv4=" + v4);
    EXPECT_EQ(log.lines[1].first, kT0 + 5);
    EXPECT_EQ(log.lines[1].second,
              "instance=" + id + " bib-del proto=icmp ipv6=2001:db8:5::1#119 ipv4=" + v4);
}

TEST(Rfc6888_Logging, OffByDefault) {
    STopo t;
    LogLines junk;
    junk.drain();
    Nat64 xl(kId);
    open_udp(xl, t.h1, 40000, kT0);
    Result syn = xl.run(tcp6_pkt(t.h1, 40000, t.r1_6, 80, tcpf::SYN), kT0);
    ASSERT_TRUE(Is(syn, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    nat64_expire(kT0 + kUdpMs, 1000);
    CStr err;
    nat64_session_flush(xl.id(), nullptr, nullptr, kT0 + kUdpMs, &err.p);
    LogLines log;
    EXPECT_EQ(log.drain(), 0u);
    EXPECT_TRUE(log.lines.empty());
    EXPECT_EQ(xl.state_stats()["log-records-dropped"], 0);
}

// --- Concurrency ---------------------------------------------------------------------------------

// Two threads translate established flows (one each way) while a third
// opens new flows and expires old ones.  The clock is shared and moves in
// lock step so that no established session can expire; nothing here
// depends on timing.  Run it under the sanitizer build too.
TEST(Rfc6146_Concurrency, EstablishedFlowsWhileFlowsComeAndGo) {
    STopo t;
    Nat64 xl(kId, {{"timeouts", {{"udp", 120}}}, {"max-sessions", 20000}});
    nat64_instance *inst = xl.handle();
    ASSERT_NE(inst, nullptr);
    constexpr unsigned kFlows = 8;
    constexpr unsigned kSteps = 300;  // seconds of clock: beyond the 120 s timeout
    constexpr unsigned kNewPerStep = 12;

    std::vector<Bytes> out_pkts, in_pkts;
    std::vector<uint16_t> p4(kFlows);
    for (unsigned i = 0; i < kFlows; i++) {
        const uint16_t port = static_cast<uint16_t>(41000 + i);
        p4[i] = open_udp(xl, t.h1, port, kT0);
        ASSERT_NE(p4[i], 0);
        out_pkts.push_back(udp6_pkt(t.h1, port, t.r1_6, 53));
        in_pkts.push_back(udp4_pkt(t.r1, 53, t.pool4, p4[i]));
    }

    std::atomic<unsigned> step{0};
    std::atomic<unsigned> seen_a{0}, seen_b{0};
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> sent_a{0}, sent_b{0}, bad_a{0}, bad_b{0};

    auto worker = [&](bool outbound, std::atomic<unsigned> &seen, std::atomic<uint64_t> &sent,
                      std::atomic<uint64_t> &bad) {
        const std::vector<Bytes> &pkts = outbound ? out_pkts : in_pkts;
        std::vector<nat64_pkt> burst(kFlows);
        while (!stop.load()) {
            const unsigned s = step.load();
            for (unsigned i = 0; i < kFlows; i++) {
                burst[i].l3 = pkts[i].data();
                burst[i].len = static_cast<uint32_t>(pkts[i].size());
            }
            nat64_translate_burst(inst, burst.data(), kFlows, kT0 + uint64_t{s} * 1000, 0);
            for (unsigned i = 0; i < kFlows; i++) {
                const nat64_pkt &p = burst[i];
                bool ok = p.verdict == NAT64_TRANSLATED;
                if (ok) {
                    Bytes o = output_of(p);
                    ok = outbound
                             ? o.size() >= 28 && get16(o, 20) == p4[i] && get32(o, 12) == t.pool4
                             : o.size() >= 48 && get16(o, 42) == static_cast<uint16_t>(41000 + i);
                }
                bad += !ok;
            }
            sent += kFlows;
            seen.store(s);
        }
    };
    std::thread a(worker, true, std::ref(seen_a), std::ref(sent_a), std::ref(bad_a));
    std::thread b(worker, false, std::ref(seen_b), std::ref(sent_b), std::ref(bad_b));

    uint64_t created = 0, failed = 0;
    size_t expired = 0;
    for (unsigned s = 1; s <= kSteps; s++) {
        // Both workers have translated at the previous clock value.
        while (seen_a.load() < s - 1 || seen_b.load() < s - 1)
            std::this_thread::yield();
        step.store(s);
        const uint64_t now = kT0 + uint64_t{s} * 1000;
        for (unsigned k = 0; k < kNewPerStep; k++) {
            const A6 &h = k % 2 ? t.h2 : t.h3;
            const uint16_t port = static_cast<uint16_t>(1024 + s * kNewPerStep + k);
            Bytes pkt = udp6_pkt(h, port, t.r2_6, 53);
            Result r = run_at(inst, pkt, now);
            if (r.verdict == NAT64_TRANSLATED) {
                created++;
            } else {
                failed++;
            }
        }
        expired += nat64_expire(now, 64);
    }
    while (seen_a.load() < kSteps || seen_b.load() < kSteps)
        std::this_thread::yield();
    stop.store(true);
    a.join();
    b.join();

    EXPECT_EQ(bad_a.load(), 0u);
    EXPECT_EQ(bad_b.load(), 0u);
    EXPECT_EQ(failed, 0u);
    EXPECT_EQ(created, uint64_t{kSteps} * kNewPerStep);
    EXPECT_GT(sent_a.load(), 0u);
    EXPECT_GT(sent_b.load(), 0u);

    // Every packet counted exactly once.
    json c = xl.counters();
    uint64_t total = 0;
    for (auto it = c.begin(); it != c.end(); ++it)
        total += it.value().get<uint64_t>();
    EXPECT_EQ(total, kFlows + sent_a.load() + sent_b.load() + created);
    EXPECT_EQ(c["translated-6to4"].get<uint64_t>(), kFlows + sent_a.load() + created);
    EXPECT_EQ(c["translated-4to6"].get<uint64_t>(), sent_b.load());

    // Flows older than 120 s of clock went (by nat64_expire or the
    // datapath's own sweeps); the established ones are still there.
    const uint64_t end = kT0 + uint64_t{kSteps} * 1000;
    json st = xl.state_stats();
    EXPECT_EQ(st["sessions-created"].get<uint64_t>(), kFlows + created);
    EXPECT_GT(st["sessions-expired"].get<uint64_t>(), 0u);
    EXPECT_GT(expired, 0u);
    EXPECT_EQ(st["sessions"].get<uint64_t>() + st["sessions-expired"].get<uint64_t>(),
              kFlows + created);
    for (unsigned i = 0; i < kFlows; i++) {
        EXPECT_FALSE(find_session(xl.sessions(end), "2001:db8:5::1#" + std::to_string(41000 + i),
                                  "203.0.113.7#53")
                         .is_null());
    }
    // Everything expires in the end.
    nat64_expire(end + 200'000, 1'000'000);
    st = xl.state_stats();
    EXPECT_EQ(st["sessions"], 0);
    EXPECT_EQ(st["bib-entries"], 0);
    EXPECT_EQ(st["sessions-expired"].get<uint64_t>(), kFlows + created);
}

}  // namespace
}  // namespace nat64test
