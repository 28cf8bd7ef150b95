// Stateful NAT64 (RFC 6146) through the C ABI, with the clock given to
// nat64_translate_burst(): UDP and ICMP query sessions (§3.5.1, §3.5.3),
// endpoint-independent mapping and filtering (§3.5.1 after RFC 4787),
// address-dependent filtering, lifetimes (§4), ICMP errors for packets of
// a session (§3.5, §3.6), pool4 port allocation (§3.5.1.1), the session
// caps, hairpinning (§3.8), fragments and dry runs.
//
// Expected packets are built from the RFC rules with packet_builder.hpp /
// stateful_harness.hpp; the only values read back from the translator are
// those the RFC leaves to it (the pool4 port or identifier it picked, the
// IPv4 Identification).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "stateful_harness.hpp"

namespace nat64test {
namespace {

constexpr uint32_t kId = 61460;

constexpr uint64_t kUdpMs = 300'000;  // default "udp" timeout (RFC 6146 §4 UDP_DEFAULT)
constexpr uint64_t kIcmpMs = 60'000;  // default "icmp" timeout (§4 ICMP_DEFAULT)

std::string t4(uint32_t a4, uint16_t port) {
    return ip4s(a4) + "#" + std::to_string(port);
}

// Sends h#sport -> r1#53 at 'now' and returns the pool4 port it left with
// (0 and a test failure if it was not translated).
uint16_t open_udp(const Nat64 &xl, const A6 &h, uint16_t sport, uint64_t now,
                  const A6 &dst = STopo{}.r1_6, uint16_t dport = 53) {
    Result r = xl.run(udp6_pkt(h, sport, dst, dport), now);
    EXPECT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4)) << "port " << sport;
    if (r.verdict != NAT64_TRANSLATED || r.out.size() < 28) return 0;
    return get16(r.out, 20);
}

// --- Addresses of the topology ------------------------------------------------------

TEST(Rfc6146_Topology, Pool6FormsAreRfc6052) {
    STopo t;
    // Written out by hand from RFC 6052 §2.2 (/96: bits 96..127).
    EXPECT_EQ(pool6_of(t.r1), t.r1_6);
    EXPECT_EQ(pool6_of(t.r2), t.r2_6);
    EXPECT_EQ(pool6_of(t.pool4), a6("2001:db8:64::c000:264"));
}

// --- §3.5.1: UDP ----------------------------------------------------------------------

// The first packet of a flow creates a BIB entry and a session: the source
// transport address becomes a pool4 one (§3.6), everything else follows
// RFC 7915; the UDP checksum is right for the new pseudo-header and port.
TEST(Rfc6146_3_5_1_Udp, OutboundCreatesSessionFromPool4) {
    STopo t;
    Nat64 xl(kId);
    const Bytes payload = pattern(40, 3);
    Result r = xl.run(udp6_pkt(t.h1, 40000, t.r1_6, 53, payload), kT0);
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_EQ(r.family, 4);
    ASSERT_EQ(r.out.size(), 20u + 8 + 40);
    EXPECT_EQ(get32(r.out, 12), t.pool4);
    EXPECT_EQ(get32(r.out, 16), t.r1);
    const uint16_t p4 = get16(r.out, 20);
    EXPECT_GE(p4, 1024);  // 40000's range class (RFC 4787 REQ-3)
    EXPECT_TRUE(SameBytes(r.out, want4(r.out, t.pool4, t.r1, ipproto::UDP, udp(p4, 53, payload))));
    EXPECT_TRUE(ipv4_header_ok(r.out));
    EXPECT_TRUE(l4_checksum_ok(r.out));
    // Splice: the IPv4 header and the UDP header in hdr, payload in place.
    EXPECT_EQ(r.hdr_len, 28);
    EXPECT_EQ(r.consumed, 48u);
    EXPECT_EQ(r.tail_len, 40u);

    json s = xl.sessions(kT0);
    ASSERT_EQ(s.size(), 1u) << s;
    EXPECT_EQ(s[0]["protocol"], "udp");
    EXPECT_EQ(s[0]["ipv6"], "2001:db8:5::1#40000");
    EXPECT_EQ(s[0]["ipv4"], t4(t.pool4, p4));
    EXPECT_EQ(s[0]["remote"], "203.0.113.7#53");
    EXPECT_EQ(s[0]["state"], "-");
    EXPECT_EQ(s[0]["expires-in-ms"], kUdpMs);
    json b = xl.bibs(kT0);
    ASSERT_EQ(b.size(), 1u) << b;
    EXPECT_EQ(b[0]["protocol"], "udp");
    EXPECT_EQ(b[0]["ipv6"], "2001:db8:5::1#40000");
    EXPECT_EQ(b[0]["ipv4"], t4(t.pool4, p4));
    EXPECT_EQ(b[0]["static"], false);
    EXPECT_EQ(b[0]["sessions"], 1);
    json st = xl.state_stats();
    EXPECT_EQ(st["sessions"], 1);
    EXPECT_EQ(st["sessions-udp"], 1);
    EXPECT_EQ(st["sessions-tcp"], 0);
    EXPECT_EQ(st["bib-entries"], 1);
    EXPECT_EQ(st["ipv6-sources"], 1);
    EXPECT_EQ(st["sessions-created"], 1);
    EXPECT_EQ(xl.counter(NAT64_C_TRANSLATED_6TO4), 1u);
}

// The reply to the pool4 transport address reaches the host and port that
// opened the session, from the remote's pool6 form (§3.5.1, §3.6).
TEST(Rfc6146_3_5_1_Udp, ReplyReachesTheHostAndPort) {
    STopo t;
    Nat64 xl(kId);
    const uint16_t p4 = open_udp(xl, t.h1, 40000, kT0);
    open_udp(xl, t.h2, 40000, kT0);  // another host with the same port
    const Bytes payload = pattern(33, 9);
    Result r = xl.run(udp4_pkt(t.r1, 53, t.pool4, p4, payload, 50), kT0 + 10);
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_EQ(r.family, 6);
    EXPECT_TRUE(SameBytes(r.out, want6(t.r1_6, t.h1, ipproto::UDP, udp(53, 40000, payload), 49)));
    EXPECT_TRUE(l4_checksum_ok(r.out));
    EXPECT_EQ(xl.counter(NAT64_C_TRANSLATED_4TO6), 1u);
    // Zero UDP checksum over IPv4: IPv6 needs one (RFC 7915 §4.5); not
    // amended by default.
    V4 z;
    z.src = t.r1;
    z.dst = t.pool4;
    z.l4 = udp(53, p4, pattern(8));
    z.fix_csum = false;
    EXPECT_TRUE(IsDrop(xl.run(build(z), kT0 + 20), NAT64_C_DROP_UDP_CHECKSUM_ZERO));
}

// With amend-udp-checksum-zero the checksum is computed for the IPv6
// packet, over the VNet host's port.
TEST(Rfc6146_3_5_1_Udp, ZeroChecksumAmendedWithTheHostsPort) {
    STopo t;
    Nat64 xl(kId, {{"amend-udp-checksum-zero", true}});
    const uint16_t p4 = open_udp(xl, t.h1, 40000, kT0);
    V4 z;
    z.src = t.r1;
    z.dst = t.pool4;
    z.l4 = udp(53, p4, pattern(8));
    z.fix_csum = false;
    Result r = xl.run(build(z), kT0 + 1);
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_TRUE(SameBytes(r.out, want6(t.r1_6, t.h1, ipproto::UDP, udp(53, 40000, pattern(8)))));
}

// RFC 4787 REQ-1 (RFC 6146 §3.5.1.1): endpoint-independent mapping.  The
// same IPv6 transport address keeps its pool4 transport address whatever
// the destination; other transport addresses get others.
TEST(Rfc6146_3_5_1_Udp, EndpointIndependentMapping) {
    STopo t;
    Nat64 xl(kId);
    const uint16_t p = open_udp(xl, t.h1, 40000, kT0, t.r1_6, 53);
    ASSERT_NE(p, 0);
    EXPECT_EQ(open_udp(xl, t.h1, 40000, kT0 + 1, t.r2_6, 123), p);
    EXPECT_EQ(open_udp(xl, t.h1, 40000, kT0 + 2, t.r1_6, 5353), p);
    EXPECT_NE(open_udp(xl, t.h1, 40001, kT0 + 3), p);
    EXPECT_NE(open_udp(xl, t.h2, 40000, kT0 + 4), p);
    // One BIB entry with three sessions for h1#40000.
    json b = xl.bibs(kT0 + 5, "udp", "2001:db8:5::1");
    ASSERT_EQ(b.size(), 2u) << b;
    std::map<std::string, int> sessions;
    for (const auto &e : b)
        sessions[e["ipv6"]] = e["sessions"];
    EXPECT_EQ(sessions["2001:db8:5::1#40000"], 3);
    EXPECT_EQ(sessions["2001:db8:5::1#40001"], 1);
    EXPECT_EQ(xl.sessions(kT0 + 5).size(), 5u);
}

// Endpoint-independent filtering (the default, RFC 4787 REQ-8 option):
// any IPv4 host may send to an existing BIB entry; that opens a session.
// A pool4 transport address without BIB entry stays closed.
TEST(Rfc6146_3_5_1_Udp, EndpointIndependentFiltering) {
    STopo t;
    Nat64 xl(kId);
    const uint16_t p4 = open_udp(xl, t.h1, 40000, kT0);
    const Bytes payload = pattern(12, 1);
    Result r = xl.run(udp4_pkt(t.r2, 9999, t.pool4, p4, payload), kT0 + 5);
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_TRUE(SameBytes(r.out, want6(t.r2_6, t.h1, ipproto::UDP, udp(9999, 40000, payload))));
    json s = find_session(xl.sessions(kT0 + 5), "2001:db8:5::1#40000", "203.0.113.8#9999");
    ASSERT_FALSE(s.is_null());
    EXPECT_EQ(s["ipv4"], t4(t.pool4, p4));
    EXPECT_EQ(s["expires-in-ms"], kUdpMs);
    const uint16_t other = static_cast<uint16_t>(p4 == 65535 ? 1024 : p4 + 1);
    EXPECT_TRUE(IsDrop(xl.run(udp4_pkt(t.r2, 9999, t.pool4, other), kT0 + 6), NAT64_C_DROP_NO_BIB));
    EXPECT_EQ(xl.counter(NAT64_C_DROP_NO_BIB), 1u);
    EXPECT_EQ(xl.counter(NAT64_C_DROP_FILTERED), 0u);
}

// address-dependent-filtering: only IPv4 addresses the host has sent to
// may answer (RFC 4787 §5: address-dependent, any port of that address).
TEST(Rfc6146_3_5_1_Udp, AddressDependentFiltering) {
    STopo t;
    Nat64 xl(kId, {{"address-dependent-filtering", true}});
    const uint16_t p4 = open_udp(xl, t.h1, 40000, kT0);
    EXPECT_TRUE(IsDrop(xl.run(udp4_pkt(t.r2, 9999, t.pool4, p4), kT0 + 1), NAT64_C_DROP_FILTERED));
    EXPECT_EQ(xl.counter(NAT64_C_DROP_FILTERED), 1u);
    EXPECT_EQ(xl.sessions(kT0 + 1).size(), 1u);
    // Same address, another port: admitted.
    Result r = xl.run(udp4_pkt(t.r1, 5353, t.pool4, p4), kT0 + 2);
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_EQ(get16(r.out, 40 + 2), 40000);
    // Once the host has sent to r2, r2 may answer.
    open_udp(xl, t.h1, 40000, kT0 + 3, t.r2_6, 1);
    EXPECT_TRUE(Is(xl.run(udp4_pkt(t.r2, 9999, t.pool4, p4), kT0 + 4), NAT64_TRANSLATED,
                   NAT64_C_TRANSLATED_4TO6));
    EXPECT_EQ(xl.counter(NAT64_C_DROP_FILTERED), 1u);
}

// §4 UDP lifetime: a session lives "udp" seconds after its last packet,
// to the millisecond; after that the BIB entry is gone too (§3.5.1: a
// dynamic entry lives as long as its sessions) and IPv4 packets find
// nothing; a new outbound packet starts a new session.
TEST(Rfc6146_3_5_1_Udp, SessionExpiresAfterUdpTimeout) {
    STopo t;
    Nat64 xl(kId);
    const uint16_t p4 = open_udp(xl, t.h1, 40000, kT0);
    json s = xl.sessions(kT0 + kUdpMs - 1);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0]["expires-in-ms"], 1);
    EXPECT_EQ(xl.sessions(kT0 + kUdpMs).size(), 0u);
    EXPECT_EQ(xl.bibs(kT0 + kUdpMs).size(), 0u);
    EXPECT_TRUE(IsDrop(xl.run(udp4_pkt(t.r1, 53, t.pool4, p4), kT0 + kUdpMs), NAT64_C_DROP_NO_BIB));
    // A new flow: a new session with a full lifetime.
    const uint64_t t2 = kT0 + kUdpMs + 5;
    const uint16_t q4 = open_udp(xl, t.h1, 40000, t2);
    ASSERT_NE(q4, 0);
    s = xl.sessions(t2);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0]["expires-in-ms"], kUdpMs);
    EXPECT_EQ(s[0]["ipv4"], t4(t.pool4, q4));
    json st = xl.state_stats();
    EXPECT_EQ(st["sessions-created"], 2);
    EXPECT_EQ(st["sessions-expired"], 1);
    EXPECT_EQ(st["sessions"], 1);
    EXPECT_TRUE(Is(xl.run(udp4_pkt(t.r1, 53, t.pool4, q4), t2 + 1), NAT64_TRANSLATED,
                   NAT64_C_TRANSLATED_4TO6));
}

// Packets in either direction refresh the lifetime (outbound refresh is
// RFC 4787 REQ-6's MUST; RFC 6146 §3.5.1 updates it for both).
TEST(Rfc6146_3_5_1_Udp, TrafficRefreshesTheLifetime) {
    STopo t;
    Nat64 xl(kId);
    const uint16_t p4 = open_udp(xl, t.h1, 40000, kT0);
    const uint64_t t1 = kT0 + 100'000;
    EXPECT_EQ(open_udp(xl, t.h1, 40000, t1), p4);
    EXPECT_EQ(xl.sessions(t1)[0]["expires-in-ms"], kUdpMs);
    // Still alive after the first lifetime, thanks to the refresh.
    const uint64_t t2 = kT0 + kUdpMs + 50'000;
    ASSERT_TRUE(
        Is(xl.run(udp4_pkt(t.r1, 53, t.pool4, p4), t2), NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_EQ(xl.sessions(t2)[0]["expires-in-ms"], kUdpMs);
    EXPECT_EQ(xl.sessions(t2 + kUdpMs - 1).size(), 1u);
    EXPECT_EQ(xl.sessions(t2 + kUdpMs).size(), 0u);
    EXPECT_TRUE(IsDrop(xl.run(udp4_pkt(t.r1, 53, t.pool4, p4), t2 + kUdpMs), NAT64_C_DROP_NO_BIB));
}

// §4: UDP_MIN is 2 minutes, TCP_EST 2 h 4 min, TCP_TRANS 4 min: the
// document refuses anything shorter (naming the key), and the shortest
// allowed lifetime is the one sessions get.
TEST(Rfc6146_4_Timeouts, MinimumsEnforcedAndApplied) {
    STopo t;
    json bad = Nat64::config(kId + 1, {{"timeouts", {{"udp", 119}}}});
    CStr err;
    std::string text = bad.dump();
    EXPECT_EQ(nat64_instance_set(text.c_str(), &err.p), -1);
    EXPECT_NE(err.str().find("/timeouts/udp"), std::string::npos) << err.str();
    EXPECT_NE(err.str().find("119"), std::string::npos) << err.str();
    EXPECT_EQ(nat64_instance_find(kId + 1), nullptr);
    for (auto [key, value] : {std::pair{"tcp-est", 7439}, std::pair{"tcp-trans", 239}}) {
        json b = Nat64::config(kId + 1, {{"timeouts", {{key, value}}}});
        CStr e;
        std::string s = b.dump();
        EXPECT_EQ(nat64_instance_set(s.c_str(), &e.p), -1);
        EXPECT_NE(e.str().find(std::string("/timeouts/") + key), std::string::npos) << e.str();
    }

    Nat64 xl(kId, {{"timeouts", {{"udp", 120}, {"icmp", 1}}}});
    const uint16_t p4 = open_udp(xl, t.h1, 40000, kT0);
    EXPECT_EQ(xl.sessions(kT0)[0]["expires-in-ms"], 120'000);
    EXPECT_TRUE(Is(xl.run(udp4_pkt(t.r1, 53, t.pool4, p4), kT0 + 119'999), NAT64_TRANSLATED,
                   NAT64_C_TRANSLATED_4TO6));
    EXPECT_TRUE(IsDrop(xl.run(udp4_pkt(t.r1, 53, t.pool4, p4), kT0 + 119'999 + 120'000),
                       NAT64_C_DROP_NO_BIB));
}

// --- §3.5.3: ICMP query sessions ----------------------------------------------------

// An echo request leaves with a pool4 identifier (the ICMP "port"), the
// reply comes back with the host's own identifier; checksums recomputed
// from scratch in the builders.
TEST(Rfc6146_3_5_3_IcmpQuery, EchoIdentifierRewrittenBothWays) {
    STopo t;
    Nat64 xl(kId, {{"pool4", {pool4_entry("192.0.2.100/32", "3000-3999")}}});
    const Bytes data = pattern(24, 5);
    Result r = xl.run(echo6_pkt(t.h1, t.r1_6, 128, 0x1234, 7, data), kT0);
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    ASSERT_EQ(r.out.size(), 20u + 8 + 24);
    const uint16_t id4 = get16(r.out, 24);
    EXPECT_GE(id4, 3000);
    EXPECT_LE(id4, 3999);
    EXPECT_TRUE(SameBytes(
        r.out, want4(r.out, t.pool4, t.r1, ipproto::ICMP, icmp(8, 0, echo_rest(id4, 7), data))));
    EXPECT_TRUE(l4_checksum_ok(r.out));

    Result back = xl.run(echo4_pkt(t.r1, t.pool4, 0, id4, 7, data), kT0 + 3);
    ASSERT_TRUE(Is(back, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_TRUE(SameBytes(
        back.out, want6(t.r1_6, t.h1, ipproto::ICMPV6, icmp(129, 0, echo_rest(0x1234, 7), data))));
    EXPECT_TRUE(l4_checksum_ok(back.out));

    json s = xl.sessions(kT0 + 3, "icmp");
    ASSERT_EQ(s.size(), 1u) << s;
    EXPECT_EQ(s[0]["ipv6"], "2001:db8:5::1#4660");
    EXPECT_EQ(s[0]["ipv4"], t4(t.pool4, id4));
    EXPECT_EQ(s[0]["remote"], "203.0.113.7#0");
    EXPECT_EQ(s[0]["expires-in-ms"], kIcmpMs - 3);  // refreshes are at least 1 s apart

    // Endpoint-independent: the same identifier to another host keeps its
    // pool4 identifier; another identifier gets another.
    Result r2 = xl.run(echo6_pkt(t.h1, t.r2_6, 128, 0x1234, 8), kT0 + 4);
    ASSERT_TRUE(Is(r2, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_EQ(get16(r2.out, 24), id4);
    Result r3 = xl.run(echo6_pkt(t.h1, t.r1_6, 128, 0x1235, 1), kT0 + 5);
    ASSERT_TRUE(Is(r3, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_NE(get16(r3.out, 24), id4);
}

// §4 ICMP lifetime; an echo request from IPv4 to a pool4 identifier
// without BIB entry is not translated.
TEST(Rfc6146_3_5_3_IcmpQuery, SessionExpiresAfterIcmpTimeout) {
    STopo t;
    Nat64 xl(kId);
    Result r = xl.run(echo6_pkt(t.h1, t.r1_6, 128, 77, 1), kT0);
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    const uint16_t id4 = get16(r.out, 24);
    EXPECT_TRUE(Is(xl.run(echo4_pkt(t.r1, t.pool4, 0, id4, 1), kT0 + kIcmpMs - 1), NAT64_TRANSLATED,
                   NAT64_C_TRANSLATED_4TO6));
    // That reply refreshed the session.
    const uint64_t gone = kT0 + kIcmpMs - 1 + kIcmpMs;
    EXPECT_EQ(xl.sessions(gone - 1).size(), 1u);
    EXPECT_TRUE(IsDrop(xl.run(echo4_pkt(t.r1, t.pool4, 0, id4, 2), gone), NAT64_C_DROP_NO_BIB));
    EXPECT_TRUE(IsDrop(xl.run(echo4_pkt(t.r2, t.pool4, 8, 4242, 1), gone), NAT64_C_DROP_NO_BIB));
    EXPECT_EQ(xl.counter(NAT64_C_DROP_NO_BIB), 2u);
}

// --- ICMP errors about packets of a session ---------------------------------------------

// An ICMPv4 error (port unreachable) from a router, about a datagram that
// left through a session, goes to the IPv6 host; the quoted datagram gets
// back the host's source transport address (RFC 6146 §3.5 + RFC 7915
// §4.3), its checksum following.
TEST(Rfc6146_IcmpErrors, Icmpv4ErrorReachesTheSessionsHost) {
    STopo t;
    Nat64 xl(kId);
    const Bytes payload = pattern(30, 2);
    Result out = xl.run(udp6_pkt(t.h1, 40000, t.r1_6, 53, payload), kT0);
    ASSERT_TRUE(Is(out, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    // The router quotes the datagram as it saw it (the translator's
    // output, TTL 63).
    V4 err;
    err.src = t.rtr4;
    err.dst = t.pool4;
    err.ttl = 50;
    err.tos = 0xc0;
    err.proto = ipproto::ICMP;
    err.l4 = icmp(3, 3, 0, out.out);
    Result r = xl.run(build(err), kT0 + 10);
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    // RFC 7915 §4.2: 3/3 -> 1/4; §4.3: the inner packet translated, hop
    // limit = its TTL (63), transport address restored.
    const Bytes inner6 = want6(t.h1, t.r1_6, ipproto::UDP, udp(40000, 53, payload), 63);
    V6 want;
    want.src = t.rtr4_6;
    want.dst = t.h1;
    want.tclass = 0xc0;
    want.hlim = 49;
    want.proto = ipproto::ICMPV6;
    want.l4 = icmp(1, 4, 0, inner6);
    EXPECT_TRUE(SameBytes(r.out, build(want)));
    EXPECT_TRUE(l4_checksum_ok(r.out));
}

// Fragmentation needed quoting only the header and 8 bytes: the MTU is
// adjusted by 20 (RFC 7915 §4.2) and the inner source port restored.
TEST(Rfc6146_IcmpErrors, FragmentationNeededReachesTheSessionsHost) {
    STopo t;
    Nat64 xl(kId);
    const Bytes payload = pattern(1400 - 28, 4);  // 1400 bytes of IPv4
    Result out = xl.run(udp6_pkt(t.h1, 40000, t.r1_6, 53, payload), kT0);
    ASSERT_TRUE(Is(out, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    ASSERT_EQ(out.out.size(), 1400u);
    V4 err;
    err.src = t.rtr4;
    err.dst = t.pool4;
    err.ttl = 50;
    err.proto = ipproto::ICMP;
    err.l4 = icmp(3, 4, 1300, slice(out.out, 0, 28));  // next-hop MTU 1300
    Result r = xl.run(build(err), kT0 + 10);
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    const Bytes inner6 =
        slice(want6(t.h1, t.r1_6, ipproto::UDP, udp(40000, 53, payload), 63), 0, 48);
    V6 want;
    want.src = t.rtr4_6;
    want.dst = t.h1;
    want.hlim = 49;
    want.proto = ipproto::ICMPV6;
    want.l4 = icmp(2, 0, 1320, inner6);  // packet too big, MTU 1300 + 20
    EXPECT_TRUE(SameBytes(r.out, build(want)));
}

// An ICMPv4 error about a packet that matches no session is not for any
// VNet host.
TEST(Rfc6146_IcmpErrors, Icmpv4ErrorWithoutSessionDropped) {
    STopo t;
    Nat64 xl(kId);
    V4 quoted;
    quoted.src = t.pool4;
    quoted.dst = t.r1;
    quoted.l4 = udp(4444, 53, pattern(8));
    V4 err;
    err.src = t.rtr4;
    err.dst = t.pool4;
    err.proto = ipproto::ICMP;
    err.l4 = icmp(3, 3, 0, build(quoted));
    EXPECT_TRUE(IsDrop(xl.run(build(err), kT0), NAT64_C_DROP_NO_BIB));
}

// An ICMPv6 error from the VNet host about a packet that came in through
// a session (static BIB) leaves from the pool4 address, and the quoted
// packet's destination becomes the pool4 transport address the IPv4 side
// knows (RFC 6146 §3.5 + RFC 7915 §5.3).
TEST(Rfc6146_IcmpErrors, Icmpv6ErrorFromTheHostLeavesFromPool4) {
    STopo t;
    Nat64 xl(
        kId,
        {{"static-bib",
          {{{"protocol", "udp"}, {"ipv6", "2001:db8:5::2#7000"}, {"ipv4", "192.0.2.100#2000"}}}}});
    const Bytes payload = pattern(20, 6);
    Result in = xl.run(udp4_pkt(t.r1, 5000, t.pool4, 2000, payload), kT0);
    ASSERT_TRUE(Is(in, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    ASSERT_TRUE(SameBytes(in.out, want6(t.r1_6, t.h2, ipproto::UDP, udp(5000, 7000, payload))));
    // h2 has nothing on port 7000 after all: port unreachable, quoting
    // what it received.
    V6 err;
    err.src = t.h2;
    err.dst = t.r1_6;
    err.tclass = 0x30;
    err.hlim = 60;
    err.proto = ipproto::ICMPV6;
    err.l4 = icmp(1, 4, 0, in.out);
    Result r = xl.run(build(err), kT0 + 5);
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    // §5.3: the quote in IPv4, TTL = its hop limit (63), Identification 0,
    // DF by size (small: 0).
    V4 inner;
    inner.src = t.r1;
    inner.dst = t.pool4;
    inner.ttl = 63;
    inner.l4 = udp(5000, 2000, payload);
    V4 want;
    want.src = t.pool4;
    want.dst = t.r1;
    want.tos = 0x30;
    want.ttl = 59;
    want.id = get16(r.out, 4);
    want.proto = ipproto::ICMP;
    want.l4 = icmp(3, 3, 0, build(inner));
    EXPECT_TRUE(SameBytes(r.out, build(want)));
    EXPECT_TRUE(ipv4_header_ok(r.out));
    EXPECT_TRUE(l4_checksum_ok(r.out));
}

// An ICMPv4 error about an echo request the host sent (RFC 6146 §3.5.3):
// the quoted echo gets back the host's identifier, its checksum exact.
TEST(Rfc6146_IcmpErrors, Icmpv4ErrorAboutAnEchoRequest) {
    STopo t;
    Nat64 xl(kId);
    const Bytes data = pattern(16, 3);
    Result out = xl.run(echo6_pkt(t.h1, t.r1_6, 128, 0x1234, 9, data), kT0);
    ASSERT_TRUE(Is(out, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    V4 err;
    err.src = t.rtr4;
    err.dst = t.pool4;
    err.ttl = 50;
    err.proto = ipproto::ICMP;
    err.l4 = icmp(3, 1, 0, out.out);  // host unreachable
    Result r = xl.run(build(err), kT0 + 1);
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    const Bytes inner6 =
        want6(t.h1, t.r1_6, ipproto::ICMPV6, icmp(128, 0, echo_rest(0x1234, 9), data), 63);
    V6 want;
    want.src = t.rtr4_6;
    want.dst = t.h1;
    want.hlim = 49;
    want.proto = ipproto::ICMPV6;
    want.l4 = icmp(1, 0, 0, inner6);  // RFC 7915 §4.2: 3/1 -> 1/0
    EXPECT_TRUE(SameBytes(r.out, build(want)));
}

// An ICMPv6 error from the host about an echo request that came in
// through a static ICMP BIB entry: the quoted identifier becomes the pool4
// one again (the IPv4 sender's).
TEST(Rfc6146_IcmpErrors, Icmpv6ErrorAboutAnInboundEchoRequest) {
    STopo t;
    Nat64 xl(
        kId,
        {{"static-bib",
          {{{"protocol", "icmp"}, {"ipv6", "2001:db8:5::2#7"}, {"ipv4", "192.0.2.100#700"}}}}});
    const Bytes data = pattern(16, 8);
    Result in = xl.run(echo4_pkt(t.r1, t.pool4, 8, 700, 1, data), kT0);
    ASSERT_TRUE(Is(in, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    ASSERT_TRUE(SameBytes(
        in.out, want6(t.r1_6, t.h2, ipproto::ICMPV6, icmp(128, 0, echo_rest(7, 1), data))));
    V6 err;
    err.src = t.h2;
    err.dst = t.r1_6;
    err.hlim = 64;
    err.proto = ipproto::ICMPV6;
    err.l4 = icmp(1, 1, 0, in.out);  // administratively prohibited
    Result r = xl.run(build(err), kT0 + 1);
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    V4 inner;
    inner.src = t.r1;
    inner.dst = t.pool4;
    inner.ttl = 63;
    inner.proto = ipproto::ICMP;
    inner.l4 = icmp(8, 0, echo_rest(700, 1), data);
    V4 want;
    want.src = t.pool4;
    want.dst = t.r1;
    want.ttl = 63;
    want.id = get16(r.out, 4);
    want.proto = ipproto::ICMP;
    want.l4 = icmp(3, 10, 0, build(inner));  // RFC 7915 §5.2: 1/1 -> 3/10
    EXPECT_TRUE(SameBytes(r.out, build(want)));
}

// --- §3.5.1.1: pool4 transport address allocation ----------------------------------------

// RFC 4787 REQ-3 as RFC 6146 §3.5.1.1 applies it: ports 0-1023 map to
// 0-1023 and 1024-65535 to 1024-65535 when pool4 has ports there.
TEST(Rfc6146_3_5_1_1_Ports, RangeClassKept) {
    STopo t;
    Nat64 xl(kId);  // pool4 ports 1-65535
    uint64_t now = kT0;
    for (uint16_t port : {1, 20, 53, 123, 500, 1000, 1023}) {
        const uint16_t p4 = open_udp(xl, t.h1, port, now++);
        EXPECT_GE(p4, 1) << port;
        EXPECT_LE(p4, 1023) << port;
    }
    for (uint16_t port : {1024, 1025, 8080, 40000, 65535}) {
        const uint16_t p4 = open_udp(xl, t.h1, port, now++);
        EXPECT_GE(p4, 1024) << port;
    }
    // Same for TCP.
    Result r = xl.run(tcp6_pkt(t.h1, 22, t.r1_6, 22, tcpf::SYN), now++);
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_LE(get16(r.out, 20), 1023);
    r = xl.run(tcp6_pkt(t.h1, 50000, t.r1_6, 22, tcpf::SYN), now++);
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_GE(get16(r.out, 20), 1024);
}

// Without ports of the class in pool4, any pool4 port will do.
TEST(Rfc6146_3_5_1_1_Ports, OtherClassWhenPool4HasNone) {
    STopo t;
    {
        Nat64 xl(kId, {{"pool4", {pool4_entry("192.0.2.100/32", "2000-2999")}}});
        const uint16_t p4 = open_udp(xl, t.h1, 53, kT0);
        EXPECT_GE(p4, 2000);
        EXPECT_LE(p4, 2999);
    }
    {
        Nat64 xl(kId, {{"pool4", {pool4_entry("192.0.2.100/32", "100-900")}}});
        const uint16_t p4 = open_udp(xl, t.h1, 40000, kT0);
        EXPECT_GE(p4, 100);
        EXPECT_LE(p4, 900);
    }
}

// RFC 6056 spirit (§3.5.1.1 refers to it): consecutive allocations are
// not sequential, and never reuse a port in use.
TEST(Rfc6146_3_5_1_1_Ports, AllocationsAreSpreadAndDistinct) {
    STopo t;
    Nat64 xl(kId);
    std::vector<uint16_t> ports;
    for (uint16_t i = 0; i < 200; i++)
        ports.push_back(open_udp(xl, t.h1, static_cast<uint16_t>(40000 + i), kT0 + i));
    std::set<uint16_t> distinct(ports.begin(), ports.end());
    EXPECT_EQ(distinct.size(), 200u);
    int adjacent = 0, ascending = 0;
    for (size_t i = 1; i < ports.size(); i++) {
        const int d = int{ports[i]} - int{ports[i - 1]};
        adjacent += d == 1 || d == -1;
        ascending += d > 0;
        EXPECT_GE(ports[i], 1024);
    }
    // Uniform choices over 64512 ports: adjacency has probability ~3e-5
    // per pair; a sequential allocator would give 199.
    EXPECT_LE(adjacent, 3);
    EXPECT_GT(ascending, 50);
    EXPECT_LT(ascending, 150);
}

// Paired pooling (RFC 4787 REQ-2, RFC 6146 §3.5.1.1): every BIB entry of
// one IPv6 address uses the same IPv4 address.
TEST(Rfc6146_3_5_1_1_Ports, PairedPooling) {
    STopo t;
    Nat64 xl(kId, {{"pool4", {pool4_entry("192.0.2.100/30")}}});
    const uint32_t lo = a4("192.0.2.100"), hi = a4("192.0.2.103");
    uint64_t now = kT0;
    for (const A6 &h : {t.h1, t.h2, t.h3}) {
        std::set<uint32_t> addrs;
        for (uint16_t i = 0; i < 40; i++) {
            Bytes pkt;
            const A6 dst = i % 2 ? t.r1_6 : t.r2_6;
            if (i % 3 == 0) {
                pkt = tcp6_pkt(h, static_cast<uint16_t>(30000 + i), dst, 443, tcpf::SYN);
            } else {
                pkt = udp6_pkt(h, static_cast<uint16_t>(30000 + i), dst,
                               static_cast<uint16_t>(53 + i));
            }
            Result r = xl.run(pkt, now++);
            ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
            addrs.insert(get32(r.out, 12));
        }
        ASSERT_EQ(addrs.size(), 1u);
        EXPECT_GE(*addrs.begin(), lo);
        EXPECT_LE(*addrs.begin(), hi);
    }
}

// §3.5.1.1: no free transport address: ICMPv6 destination unreachable,
// code 3 (address unreachable), from router-ipv6, quoting the packet.
TEST(Rfc6146_3_5_1_1_Ports, Pool4ExhaustedAnswersAddressUnreachable) {
    STopo t;
    Nat64 xl(kId, {{"pool4", {pool4_entry("192.0.2.100/32", "5000-5002")}}});
    std::map<uint16_t, uint16_t> port_of;  // host port -> pool4 port
    std::set<uint16_t> used;
    for (uint16_t i = 1; i <= 3; i++) {
        const uint16_t p = open_udp(xl, t.h1, static_cast<uint16_t>(40000 + i), kT0 + i);
        port_of[static_cast<uint16_t>(40000 + i)] = p;
        used.insert(p);
    }
    EXPECT_EQ(used, (std::set<uint16_t>{5000, 5001, 5002}));
    const Bytes fourth = udp6_pkt(t.h1, 40004, t.r1_6, 53);
    Result r = xl.run(fourth, kT0 + 10);
    ASSERT_TRUE(Is(r, NAT64_ICMP_REPLY, NAT64_C_REPLY_POOL4_EXHAUSTED));
    EXPECT_EQ(r.family, 6);
    V6 want;
    want.src = t.router6;
    want.dst = t.h1;
    want.hlim = 64;
    want.proto = ipproto::ICMPV6;
    want.l4 = icmp(1, 3, 0, fourth);
    EXPECT_TRUE(SameBytes(r.out, build(want)));
    EXPECT_EQ(xl.counter(NAT64_C_REPLY_POOL4_EXHAUSTED), 1u);
    EXPECT_EQ(xl.sessions(kT0 + 10).size(), 3u);
    // Existing BIB entries still open sessions to new destinations.
    EXPECT_EQ(open_udp(xl, t.h1, 40001, kT0 + 11, t.r2_6, 1), port_of[40001]);
}

// A session whose lifetime has passed is gone (§3.5.1; state.hpp: "treated
// as gone at once, whether or not a sweep has removed it yet"), and so is
// a dynamic BIB entry without sessions: its pool4 port is free for the
// next flow, whether or not a sweep has run.
TEST(Rfc6146_3_5_1_1_Ports, ExpiredEntriesFreeTheirPortsWithoutASweep) {
    STopo t;
    Nat64 xl(kId, {{"pool4", {pool4_entry("192.0.2.100/32", "5000-5002")}}});
    std::map<uint16_t, uint16_t> port_of;  // host port -> pool4 port
    for (uint16_t i = 1; i <= 3; i++)
        port_of[static_cast<uint16_t>(40000 + i)] =
            open_udp(xl, t.h1, static_cast<uint16_t>(40000 + i), kT0 + i);
    // 40001 gets a younger session; 40002 and 40003 expire first.
    EXPECT_EQ(open_udp(xl, t.h1, 40001, kT0 + 11, t.r2_6, 1), port_of[40001]);
    const uint64_t now = kT0 + 3 + kUdpMs;
    EXPECT_EQ(xl.sessions(now).size(), 1u);
    const uint16_t again = open_udp(xl, t.h1, 40004, now);
    EXPECT_TRUE(again == port_of[40002] || again == port_of[40003]) << again;
    EXPECT_EQ(xl.sessions(now).size(), 2u);
    EXPECT_EQ(xl.counter(NAT64_C_REPLY_POOL4_EXHAUSTED), 0u);
}

// --- Caps ---------------------------------------------------------------------------------

// max-sessions: new flows beyond it are dropped (and counted); the tables
// never hold more; existing sessions keep working; room frees up as
// sessions expire.
TEST(Rfc6146_Caps, MaxSessions) {
    STopo t;
    Nat64 xl(kId, {{"max-sessions", 5}});
    std::vector<uint16_t> p4;
    for (uint16_t i = 0; i < 5; i++)
        p4.push_back(open_udp(xl, t.h1, static_cast<uint16_t>(40000 + i), kT0 + i));
    for (uint16_t i = 5; i < 9; i++) {
        Result r =
            xl.run(udp6_pkt(i % 2 ? t.h2 : t.h1, static_cast<uint16_t>(40000 + i), t.r1_6, 53),
                   kT0 + 10 + i);
        EXPECT_TRUE(IsDrop(r, NAT64_C_DROP_SESSION_LIMIT)) << i;
        EXPECT_LE(xl.state_stats()["sessions"].get<uint64_t>(), 5u);
    }
    // A new session on an existing BIB entry (endpoint-independent
    // filtering) counts too.
    EXPECT_TRUE(
        IsDrop(xl.run(udp4_pkt(t.r2, 1, t.pool4, p4[0]), kT0 + 30), NAT64_C_DROP_SESSION_LIMIT));
    EXPECT_EQ(xl.counter(NAT64_C_DROP_SESSION_LIMIT), 5u);
    json st = xl.state_stats();
    EXPECT_EQ(st["sessions"], 5);
    // Existing ones still pass both ways.
    for (uint16_t i = 0; i < 5; i++) {
        EXPECT_TRUE(Is(xl.run(udp4_pkt(t.r1, 53, t.pool4, p4[i]), kT0 + 40), NAT64_TRANSLATED,
                       NAT64_C_TRANSLATED_4TO6));
    }
    // After they expire, there is room again.
    EXPECT_NE(open_udp(xl, t.h2, 50000, kT0 + 40 + kUdpMs), 0);
    EXPECT_EQ(xl.state_stats()["sessions"], 1);
}

// max-sessions-per-source: one IPv6 address cannot hold more; other
// sources are not affected.
TEST(Rfc6146_Caps, MaxSessionsPerSource) {
    STopo t;
    Nat64 xl(kId, {{"max-sessions-per-source", 3}});
    std::vector<uint16_t> p4;
    for (uint16_t i = 0; i < 3; i++)
        p4.push_back(open_udp(xl, t.h1, static_cast<uint16_t>(40000 + i), kT0 + i));
    EXPECT_TRUE(
        IsDrop(xl.run(udp6_pkt(t.h1, 40003, t.r1_6, 53), kT0 + 5), NAT64_C_DROP_SOURCE_LIMIT));
    // Not even a second session on an existing BIB entry, either way.
    EXPECT_TRUE(
        IsDrop(xl.run(udp6_pkt(t.h1, 40000, t.r2_6, 53), kT0 + 6), NAT64_C_DROP_SOURCE_LIMIT));
    EXPECT_TRUE(
        IsDrop(xl.run(udp4_pkt(t.r2, 7, t.pool4, p4[0]), kT0 + 7), NAT64_C_DROP_SOURCE_LIMIT));
    EXPECT_EQ(xl.counter(NAT64_C_DROP_SOURCE_LIMIT), 3u);
    // Other sources: three each.
    for (const A6 &h : {t.h2, t.h3}) {
        for (uint16_t i = 0; i < 3; i++)
            EXPECT_NE(open_udp(xl, h, static_cast<uint16_t>(40000 + i), kT0 + 10 + i), 0);
    }
    EXPECT_EQ(xl.state_stats()["sessions"], 9);
    EXPECT_EQ(xl.state_stats()["ipv6-sources"], 3);
    // h1's existing sessions still work.
    EXPECT_EQ(open_udp(xl, t.h1, 40000, kT0 + 20), p4[0]);
    EXPECT_EQ(xl.counter(NAT64_C_DROP_SOURCE_LIMIT), 3u);
}

// --- §3.8: hairpinning ------------------------------------------------------------------------

// Host A sends to the pool6 form of a pool4 transport address that a
// static BIB entry gives host B: the packet goes out through A's session
// and straight back in through B's; it arrives from pool6(pool4 address)
// with A's pool4 port, at B's own transport address (§3.8).
TEST(Rfc6146_3_8_Hairpinning, StaticBibBothWays) {
    STopo t;
    Nat64 xl(
        kId,
        {{"static-bib",
          {{{"protocol", "udp"}, {"ipv6", "2001:db8:5::2#7000"}, {"ipv4", "192.0.2.100#2000"}}}}});
    const A6 pool4_6 = pool6_of(t.pool4);
    const Bytes payload = pattern(25, 8);
    Result r = xl.run(udp6_pkt(t.h1, 5555, pool4_6, 2000, payload, 30), kT0);
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_HAIRPINNED));
    EXPECT_EQ(r.family, 6);
    ASSERT_GE(r.out.size(), 48u);
    const uint16_t pa = get16(r.out, 40);
    EXPECT_GE(pa, 1024);
    EXPECT_NE(pa, 2000);
    EXPECT_TRUE(SameBytes(r.out, want6(pool4_6, t.h2, ipproto::UDP, udp(pa, 7000, payload), 29)));
    EXPECT_TRUE(l4_checksum_ok(r.out));
    EXPECT_EQ(xl.counter(NAT64_C_HAIRPINNED), 1u);

    json s = xl.sessions(kT0);
    json sa = find_session(s, "2001:db8:5::1#5555", t4(t.pool4, 2000));
    json sb = find_session(s, "2001:db8:5::2#7000", t4(t.pool4, pa));
    ASSERT_FALSE(sa.is_null()) << s;
    ASSERT_FALSE(sb.is_null()) << s;
    EXPECT_EQ(sa["ipv4"], t4(t.pool4, pa));
    EXPECT_EQ(sb["ipv4"], t4(t.pool4, 2000));

    // B answers A through the same two sessions.
    Result back = xl.run(udp6_pkt(t.h2, 7000, pool4_6, pa, payload), kT0 + 1);
    ASSERT_TRUE(Is(back, NAT64_TRANSLATED, NAT64_C_HAIRPINNED));
    EXPECT_TRUE(SameBytes(back.out, want6(pool4_6, t.h1, ipproto::UDP, udp(2000, 5555, payload))));
    EXPECT_EQ(xl.counter(NAT64_C_HAIRPINNED), 2u);
    EXPECT_EQ(xl.counter(NAT64_C_TRANSLATED_6TO4), 0u);
    EXPECT_EQ(xl.sessions(kT0 + 1).size(), 2u);
}

// TCP through the hairpin: the handshake opens both sessions (V6 INIT /
// V4 INIT) and the answer makes both ESTABLISHED.
TEST(Rfc6146_3_8_Hairpinning, TcpHandshake) {
    STopo t;
    Nat64 xl(
        kId,
        {{"static-bib",
          {{{"protocol", "tcp"}, {"ipv6", "2001:db8:5::2#443"}, {"ipv4", "192.0.2.100#443"}}}}});
    const A6 pool4_6 = pool6_of(t.pool4);
    Result syn = xl.run(tcp6_pkt(t.h1, 50000, pool4_6, 443, tcpf::SYN, {}, 77, 0), kT0);
    ASSERT_TRUE(Is(syn, NAT64_TRANSLATED, NAT64_C_HAIRPINNED));
    const uint16_t pa = get16(syn.out, 40);
    EXPECT_TRUE(
        SameBytes(syn.out, want6(pool4_6, t.h2, ipproto::TCP, tcp(pa, 443, 77, 0, tcpf::SYN, {}))));
    json s = xl.sessions(kT0, "tcp");
    EXPECT_EQ(find_session(s, "2001:db8:5::1#50000", t4(t.pool4, 443))["state"], "V6_INIT");
    EXPECT_EQ(find_session(s, "2001:db8:5::2#443", t4(t.pool4, pa))["state"], "V4_INIT");
    Result sa =
        xl.run(tcp6_pkt(t.h2, 443, pool4_6, pa, tcpf::SYN | tcpf::ACK, {}, 99, 78), kT0 + 1);
    ASSERT_TRUE(Is(sa, NAT64_TRANSLATED, NAT64_C_HAIRPINNED));
    EXPECT_TRUE(SameBytes(sa.out, want6(pool4_6, t.h1, ipproto::TCP,
                                        tcp(443, 50000, 99, 78, tcpf::SYN | tcpf::ACK, {}))));
    s = xl.sessions(kT0 + 1, "tcp");
    EXPECT_EQ(find_session(s, "2001:db8:5::1#50000", t4(t.pool4, 443))["state"], "ESTABLISHED");
    EXPECT_EQ(find_session(s, "2001:db8:5::2#443", t4(t.pool4, pa))["state"], "ESTABLISHED");
}

// A pool4 transport address without BIB entry is no more reachable from
// the VNet than from outside.
TEST(Rfc6146_3_8_Hairpinning, NoBibDropped) {
    STopo t;
    Nat64 xl(kId);
    EXPECT_TRUE(
        IsDrop(xl.run(udp6_pkt(t.h1, 5555, pool6_of(t.pool4), 2000), kT0), NAT64_C_DROP_NO_BIB));
}

// --- Fragments, dry runs ---------------------------------------------------------------------

// Without reassembly only unfragmented packets carry their ports: a
// fragment that would need a session is dropped, in both directions.
TEST(Rfc6146_Fragments, DroppedWhenTheyNeedState) {
    STopo t;
    Nat64 xl(kId);
    const uint16_t p4 = open_udp(xl, t.h1, 40000, kT0);
    V6 d6;
    d6.src = t.h1;
    d6.dst = t.r1_6;
    d6.l4 = udp(40000, 53, pattern(64));
    EXPECT_TRUE(IsDrop(xl.run(fragment6(d6, 0, 32, true, 0x1234), kT0 + 1),
                       NAT64_C_DROP_STATEFUL_FRAGMENT));
    EXPECT_TRUE(IsDrop(xl.run(fragment6(d6, 32, 40, false, 0x1234), kT0 + 1),
                       NAT64_C_DROP_STATEFUL_FRAGMENT));
    V4 d4;
    d4.src = t.r1;
    d4.dst = t.pool4;
    d4.id = 99;
    d4.l4 = udp(53, p4, pattern(64));
    EXPECT_TRUE(
        IsDrop(xl.run(fragment4(d4, 0, 32, true), kT0 + 2), NAT64_C_DROP_STATEFUL_FRAGMENT));
    EXPECT_TRUE(
        IsDrop(xl.run(fragment4(d4, 32, 40, false), kT0 + 2), NAT64_C_DROP_STATEFUL_FRAGMENT));
    EXPECT_EQ(xl.counter(NAT64_C_DROP_STATEFUL_FRAGMENT), 4u);
    EXPECT_EQ(xl.sessions(kT0 + 2).size(), 1u);
}

// A packet the translator drops must not leave a session behind (nor use
// up a pool4 identifier or a place under the caps).  drop-icmpv6-info is
// a filtering policy (Jool applies it in the filtering step, before any
// state is created): an echo request it refuses opens no ICMP session.
TEST(Rfc6146_Filtering, DropIcmpv6InfoCreatesNoSession) {
    STopo t;
    Nat64 xl(kId, {{"drop-icmpv6-info", true}});
    EXPECT_TRUE(IsDrop(xl.run(echo6_pkt(t.h1, t.r1_6, 128, 1, 1), kT0), NAT64_C_DROP_ICMPV6_INFO));
    EXPECT_EQ(xl.sessions(kT0).size(), 0u) << xl.sessions(kT0);
    EXPECT_EQ(xl.state_stats()["sessions-created"], 0);
}

// Same for an IPv6 UDP datagram with a zero checksum (invalid, RFC 8200
// §8.1), which is dropped.
TEST(Rfc6146_Filtering, ZeroChecksumUdpCreatesNoSession) {
    STopo t;
    Nat64 xl(kId);
    V6 z;
    z.src = t.h1;
    z.dst = t.r1_6;
    z.l4 = udp(40000, 53, pattern(8));
    z.fix_csum = false;
    EXPECT_TRUE(IsDrop(xl.run(build(z), kT0), NAT64_C_DROP_UDP_CHECKSUM_ZERO));
    EXPECT_EQ(xl.sessions(kT0).size(), 0u) << xl.sessions(kT0);
    EXPECT_EQ(xl.state_stats()["sessions-created"], 0);
    // From the IPv4 side (RFC 7915 §4.5: not amended by default), to an
    // existing BIB entry from a new remote (endpoint-independent filtering).
    const uint16_t p4 = open_udp(xl, t.h1, 40000, kT0 + 1);
    V4 z4;
    z4.src = t.r2;
    z4.dst = t.pool4;
    z4.l4 = udp(53, p4, pattern(8));
    z4.fix_csum = false;
    EXPECT_TRUE(IsDrop(xl.run(build(z4), kT0 + 2), NAT64_C_DROP_UDP_CHECKSUM_ZERO));
    EXPECT_EQ(xl.sessions(kT0 + 2).size(), 1u) << xl.sessions(kT0 + 2);
}

// NAT64_F_DRY_RUN (ofproto/trace) decides and builds the output but
// creates no BIB entry or session and counts nothing.
TEST(Rfc6146_DryRun, CreatesNoState) {
    STopo t;
    Nat64 xl(kId);
    Result d = xl.run(udp6_pkt(t.h1, 40000, t.r1_6, 53), kT0, NAT64_F_DRY_RUN);
    ASSERT_TRUE(Is(d, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_EQ(get32(d.out, 12), t.pool4);
    EXPECT_EQ(xl.sessions(kT0).size(), 0u);
    EXPECT_EQ(xl.bibs(kT0).size(), 0u);
    EXPECT_EQ(xl.state_stats()["sessions-created"], 0);
    EXPECT_EQ(xl.counter(NAT64_C_TRANSLATED_6TO4), 0u);
    Result syn = xl.run(tcp6_pkt(t.h1, 40000, t.r1_6, 80, tcpf::SYN), kT0, NAT64_F_DRY_RUN);
    EXPECT_TRUE(Is(syn, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_EQ(xl.sessions(kT0).size(), 0u);

    // With a real session: a dry run of a new remote (EIF) adds none.
    const uint16_t p4 = open_udp(xl, t.h1, 40000, kT0 + 1);
    Result in = xl.run(udp4_pkt(t.r2, 1, t.pool4, p4), kT0 + 2, NAT64_F_DRY_RUN);
    ASSERT_TRUE(Is(in, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_EQ(xl.sessions(kT0 + 2).size(), 1u);
    EXPECT_EQ(xl.state_stats()["sessions-created"], 1);
    EXPECT_EQ(xl.counter(NAT64_C_TRANSLATED_4TO6), 0u);
}

// A dry run (ofproto/trace) must predict what the datapath will do: after
// the session and its dynamic BIB entry have expired, the real packet is
// dropped (no BIB), so the dry run must say so too -- without removing
// anything.
TEST(Rfc6146_DryRun, AgreesWithTheDatapathAfterExpiry) {
    STopo t;
    Nat64 xl(kId);
    const uint16_t p4 = open_udp(xl, t.h1, 40000, kT0);
    const uint64_t late = kT0 + kUdpMs;
    Result dry = xl.run(udp4_pkt(t.r1, 53, t.pool4, p4), late, NAT64_F_DRY_RUN);
    Result dry_eif = xl.run(udp4_pkt(t.r2, 1, t.pool4, p4), late, NAT64_F_DRY_RUN);
    EXPECT_EQ(xl.state_stats()["sessions"], 1);  // nothing removed by the dry runs
    Result real = xl.run(udp4_pkt(t.r1, 53, t.pool4, p4), late);
    EXPECT_TRUE(IsDrop(real, NAT64_C_DROP_NO_BIB));
    EXPECT_TRUE(IsDrop(dry, NAT64_C_DROP_NO_BIB));
    EXPECT_TRUE(IsDrop(dry_eif, NAT64_C_DROP_NO_BIB));
}

}  // namespace
}  // namespace nat64test
