// RFC 6146 §3.5.2: TCP through the stateful translator, packet by packet,
// with the session's state and lifetime read from nat64_session_list()
// (JSON) at chosen clock values.  The state machine is §3.5.2.2; the
// timers are §4 (TCP_EST = "tcp-est", TCP_TRANS = "tcp-trans",
// TCP_INCOMING_SYN = 6 s).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "stateful_harness.hpp"

namespace nat64test {
namespace {

constexpr uint32_t kId = 61470;

constexpr uint64_t kEstMs = 7440'000;   // "tcp-est" default (2 h 4 min)
constexpr uint64_t kTransMs = 240'000;  // "tcp-trans" default (4 min)
constexpr uint64_t kSynMs = 6'000;      // TCP_INCOMING_SYN

using namespace tcpf;

// A connection from h1#40000 to r1#80 and the pool4 port it got.
class Tcp : public ::testing::Test {
  protected:
    STopo t;

    // The session of h#port6 with remote r1#80 (or 'remote'), null if none.
    static json session(const Nat64 &xl, uint64_t now,
                        const std::string &v6 = "2001:db8:5::1#40000",
                        const std::string &remote = "203.0.113.7#80") {
        return find_session(xl.sessions(now, "tcp"), v6, remote);
    }
    static std::string state(const Nat64 &xl, uint64_t now,
                             const std::string &v6 = "2001:db8:5::1#40000",
                             const std::string &remote = "203.0.113.7#80") {
        json s = session(xl, now, v6, remote);
        return s.is_null() ? "(none)" : s["state"].get<std::string>();
    }
    static uint64_t expires_in(const Nat64 &xl, uint64_t now,
                               const std::string &v6 = "2001:db8:5::1#40000",
                               const std::string &remote = "203.0.113.7#80") {
        json s = session(xl, now, v6, remote);
        return s.is_null() ? 0 : s["expires-in-ms"].get<uint64_t>();
    }

    Result out6(const Nat64 &xl, uint8_t flags, uint64_t now, const Bytes &payload = {}) const {
        return xl.run(tcp6_pkt(t.h1, 40000, t.r1_6, 80, flags, payload), now);
    }
    Result in4(const Nat64 &xl, uint16_t p4, uint8_t flags, uint64_t now,
               const Bytes &payload = {}) const {
        return xl.run(tcp4_pkt(t.r1, 80, t.pool4, p4, flags, payload), now);
    }

    // V6 SYN then V4 SYN+ACK: ESTABLISHED.  Returns the pool4 port.
    uint16_t establish(const Nat64 &xl, uint64_t now) const {
        Result r = out6(xl, SYN, now);
        EXPECT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
        if (r.out.size() < 40) return 0;
        const uint16_t p4 = get16(r.out, 20);
        EXPECT_TRUE(Is(in4(xl, p4, SYN | ACK, now), NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
        EXPECT_EQ(state(xl, now), "ESTABLISHED");
        return p4;
    }
};

// §3.5.2.2 CLOSED + V6 SYN -> V6 INIT (TCP_TRANS); V6 INIT + V4 SYN ->
// ESTABLISHED (TCP_EST).  The segments are translated byte-exactly, ports
// and checksums included.
TEST_F(Tcp, ThreeWayHandshake) {
    Nat64 xl(kId);
    Bytes syn6 = tcp6_pkt(t.h1, 40000, t.r1_6, 80, SYN, {}, 0x11111111, 0);
    Result r = xl.run(syn6, kT0);
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    const uint16_t p4 = get16(r.out, 20);
    EXPECT_GE(p4, 1024);
    EXPECT_TRUE(SameBytes(
        r.out, want4(r.out, t.pool4, t.r1, ipproto::TCP, tcp(p4, 80, 0x11111111, 0, SYN, {}))));
    EXPECT_TRUE(l4_checksum_ok(r.out));
    EXPECT_EQ(state(xl, kT0), "V6_INIT");
    EXPECT_EQ(expires_in(xl, kT0), kTransMs);

    Result sa =
        xl.run(tcp4_pkt(t.r1, 80, t.pool4, p4, SYN | ACK, {}, 0x22222222, 0x11111112), kT0 + 30);
    ASSERT_TRUE(Is(sa, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_TRUE(SameBytes(sa.out, want6(t.r1_6, t.h1, ipproto::TCP,
                                        tcp(80, 40000, 0x22222222, 0x11111112, SYN | ACK, {}))));
    EXPECT_TRUE(l4_checksum_ok(sa.out));
    EXPECT_EQ(state(xl, kT0 + 30), "ESTABLISHED");
    EXPECT_EQ(expires_in(xl, kT0 + 30), kEstMs);

    // Data both ways; a segment more than a second later refreshes TCP_EST.
    const Bytes data = pattern(100, 1);
    Result d = out6(xl, ACK | PSH, kT0 + 5000, data);
    ASSERT_TRUE(Is(d, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_TRUE(SameBytes(
        d.out, want4(d.out, t.pool4, t.r1, ipproto::TCP, tcp(p4, 80, 1000, 0, ACK | PSH, data))));
    EXPECT_EQ(expires_in(xl, kT0 + 5000), kEstMs);
    EXPECT_TRUE(Is(in4(xl, p4, ACK, kT0 + 9000, data), NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_EQ(expires_in(xl, kT0 + 9000), kEstMs);
    EXPECT_EQ(state(xl, kT0 + 9000), "ESTABLISHED");
    // An established session lives TCP_EST after its last segment.
    EXPECT_EQ(state(xl, kT0 + 9000 + kEstMs - 1), "ESTABLISHED");
    EXPECT_EQ(state(xl, kT0 + 9000 + kEstMs), "(none)");
}

// V6 INIT lives TCP_TRANS; a retransmitted SYN restarts it (§3.5.2.2).
TEST_F(Tcp, V6InitLivesTcpTransAndSynRefreshes) {
    Nat64 xl(kId);
    ASSERT_TRUE(Is(out6(xl, SYN, kT0), NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    ASSERT_TRUE(Is(out6(xl, SYN, kT0 + 100'000), NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_EQ(state(xl, kT0 + 100'000), "V6_INIT");
    EXPECT_EQ(expires_in(xl, kT0 + 100'000), kTransMs);
    EXPECT_EQ(state(xl, kT0 + 100'000 + kTransMs - 1), "V6_INIT");
    EXPECT_EQ(state(xl, kT0 + 100'000 + kTransMs), "(none)");
}

// ESTABLISHED + V6 FIN -> V6 FIN RCV; + V4 FIN -> V4 FIN + V6 FIN RCV with
// TCP_TRANS, which further segments do not extend.
TEST_F(Tcp, FinFromIpv6ThenIpv4) {
    Nat64 xl(kId);
    const uint16_t p4 = establish(xl, kT0);
    ASSERT_TRUE(Is(out6(xl, FIN | ACK, kT0 + 2000), NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_EQ(state(xl, kT0 + 2000), "V6_FIN_RCV");
    // The other side keeps sending (half-close): still V6 FIN RCV.
    ASSERT_TRUE(
        Is(in4(xl, p4, ACK, kT0 + 3000, pattern(10)), NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_EQ(state(xl, kT0 + 3000), "V6_FIN_RCV");
    ASSERT_TRUE(Is(in4(xl, p4, FIN | ACK, kT0 + 4000), NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_EQ(state(xl, kT0 + 4000), "V4_FIN_V6_FIN_RCV");
    EXPECT_EQ(expires_in(xl, kT0 + 4000), kTransMs);
    // The last ACK passes but the lifetime runs on.
    ASSERT_TRUE(Is(out6(xl, ACK, kT0 + 14'000), NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_EQ(state(xl, kT0 + 14'000), "V4_FIN_V6_FIN_RCV");
    EXPECT_EQ(expires_in(xl, kT0 + 14'000), kTransMs - 10'000);
    EXPECT_EQ(state(xl, kT0 + 4000 + kTransMs - 1), "V4_FIN_V6_FIN_RCV");
    EXPECT_EQ(state(xl, kT0 + 4000 + kTransMs), "(none)");
    // Gone with its dynamic BIB entry: IPv4 finds nothing, IPv6 non-SYN
    // segments have no session.
    EXPECT_TRUE(IsDrop(in4(xl, p4, ACK, kT0 + 4000 + kTransMs), NAT64_C_DROP_NO_BIB));
    EXPECT_TRUE(IsDrop(out6(xl, ACK, kT0 + 4000 + kTransMs), NAT64_C_DROP_TCP_NO_SESSION));
}

// The mirror image: V4 FIN first.
TEST_F(Tcp, FinFromIpv4ThenIpv6) {
    Nat64 xl(kId);
    const uint16_t p4 = establish(xl, kT0);
    ASSERT_TRUE(Is(in4(xl, p4, FIN | ACK, kT0 + 2000), NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_EQ(state(xl, kT0 + 2000), "V4_FIN_RCV");
    ASSERT_TRUE(
        Is(out6(xl, ACK, kT0 + 3000, pattern(5)), NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_EQ(state(xl, kT0 + 3000), "V4_FIN_RCV");
    ASSERT_TRUE(Is(out6(xl, FIN | ACK, kT0 + 4000), NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_EQ(state(xl, kT0 + 4000), "V4_FIN_V6_FIN_RCV");
    EXPECT_EQ(expires_in(xl, kT0 + 4000), kTransMs);
}

// ESTABLISHED + RST -> TRANS (TCP_TRANS); TRANS + a non-RST segment ->
// ESTABLISHED (TCP_EST); left alone, TRANS expires after TCP_TRANS.
TEST_F(Tcp, RstToTransAndBack) {
    Nat64 xl(kId);
    const uint16_t p4 = establish(xl, kT0);
    ASSERT_TRUE(Is(in4(xl, p4, RST, kT0 + 1000), NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_EQ(state(xl, kT0 + 1000), "TRANS");
    EXPECT_EQ(expires_in(xl, kT0 + 1000), kTransMs);
    ASSERT_TRUE(
        Is(out6(xl, ACK, kT0 + 2000, pattern(7)), NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_EQ(state(xl, kT0 + 2000), "ESTABLISHED");
    EXPECT_EQ(expires_in(xl, kT0 + 2000), kEstMs);
    ASSERT_TRUE(Is(out6(xl, RST, kT0 + 3000), NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_EQ(state(xl, kT0 + 3000), "TRANS");
    EXPECT_EQ(expires_in(xl, kT0 + 3000), kTransMs);
    // Another RST changes nothing, not even the lifetime.
    ASSERT_TRUE(Is(in4(xl, p4, RST, kT0 + 5000), NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_EQ(state(xl, kT0 + 5000), "TRANS");
    EXPECT_EQ(expires_in(xl, kT0 + 5000), kTransMs - 2000);
    EXPECT_EQ(state(xl, kT0 + 3000 + kTransMs - 1), "TRANS");
    EXPECT_EQ(state(xl, kT0 + 3000 + kTransMs), "(none)");
    EXPECT_TRUE(IsDrop(in4(xl, p4, ACK, kT0 + 3000 + kTransMs), NAT64_C_DROP_NO_BIB));
}

// Simultaneous open (RFC 6146 §3.5.2.2, V4 INIT): an IPv4 SYN to a static
// BIB entry opens V4 INIT for TCP_INCOMING_SYN; the IPv6 host's SYN makes
// it ESTABLISHED.
TEST_F(Tcp, V4InitThenV6SynEstablishes) {
    Nat64 xl(
        kId,
        {{"static-bib",
          {{{"protocol", "tcp"}, {"ipv6", "2001:db8:5::2#8080"}, {"ipv4", "192.0.2.100#8080"}}}}});
    Result r = xl.run(tcp4_pkt(t.r1, 5555, t.pool4, 8080, SYN, {}, 0x01020304, 0), kT0);
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_TRUE(SameBytes(
        r.out, want6(t.r1_6, t.h2, ipproto::TCP, tcp(5555, 8080, 0x01020304, 0, SYN, {}))));
    const std::string v6 = "2001:db8:5::2#8080", remote = "203.0.113.7#5555";
    EXPECT_EQ(state(xl, kT0, v6, remote), "V4_INIT");
    EXPECT_EQ(expires_in(xl, kT0, v6, remote), kSynMs);
    // An IPv4 segment meanwhile changes nothing.
    ASSERT_TRUE(Is(xl.run(tcp4_pkt(t.r1, 5555, t.pool4, 8080, SYN), kT0 + 1000), NAT64_TRANSLATED,
                   NAT64_C_TRANSLATED_4TO6));
    EXPECT_EQ(state(xl, kT0 + 1000, v6, remote), "V4_INIT");
    EXPECT_EQ(expires_in(xl, kT0 + 1000, v6, remote), kSynMs - 1000);

    Result syn6 = xl.run(tcp6_pkt(t.h2, 8080, t.r1_6, 5555, SYN | ACK, {}, 0x0a0b0c0d, 0x01020305),
                         kT0 + 2000);
    ASSERT_TRUE(Is(syn6, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_TRUE(SameBytes(syn6.out, want4(syn6.out, t.pool4, t.r1, ipproto::TCP,
                                          tcp(8080, 5555, 0x0a0b0c0d, 0x01020305, SYN | ACK, {}))));
    EXPECT_EQ(state(xl, kT0 + 2000, v6, remote), "ESTABLISHED");
    EXPECT_EQ(expires_in(xl, kT0 + 2000, v6, remote), kEstMs);
}

// V4 INIT without an answer from the IPv6 side is gone after 6 s (§4
// TCP_INCOMING_SYN); the static BIB entry stays.
TEST_F(Tcp, V4InitExpiresAfterSixSeconds) {
    Nat64 xl(
        kId,
        {{"static-bib",
          {{{"protocol", "tcp"}, {"ipv6", "2001:db8:5::2#8080"}, {"ipv4", "192.0.2.100#8080"}}}}});
    ASSERT_TRUE(Is(xl.run(tcp4_pkt(t.r1, 5555, t.pool4, 8080, SYN), kT0), NAT64_TRANSLATED,
                   NAT64_C_TRANSLATED_4TO6));
    const std::string v6 = "2001:db8:5::2#8080", remote = "203.0.113.7#5555";
    EXPECT_EQ(state(xl, kT0 + kSynMs - 1, v6, remote), "V4_INIT");
    EXPECT_EQ(state(xl, kT0 + kSynMs, v6, remote), "(none)");
    EXPECT_EQ(nat64_expire(kT0 + kSynMs, 1000), 1u);
    EXPECT_EQ(xl.state_stats()["sessions"], 0);
    json b = xl.bibs(kT0 + kSynMs);
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(b[0]["static"], true);
    // Late: the IPv4 side's ACK finds no session.
    EXPECT_TRUE(IsDrop(xl.run(tcp4_pkt(t.r1, 5555, t.pool4, 8080, ACK), kT0 + kSynMs),
                       NAT64_C_DROP_TCP_NO_SESSION));
}

// §3.5.2.2 CLOSED: only a SYN opens a session; anything else is dropped.
TEST_F(Tcp, NonSynWithoutSessionDropped) {
    Nat64 xl(
        kId,
        {{"static-bib",
          {{{"protocol", "tcp"}, {"ipv6", "2001:db8:5::2#8080"}, {"ipv4", "192.0.2.100#8080"}}}}});
    for (uint8_t f : {uint8_t{ACK}, uint8_t{FIN | ACK}, uint8_t{RST}, uint8_t{ACK | PSH}}) {
        EXPECT_TRUE(IsDrop(out6(xl, f, kT0), NAT64_C_DROP_TCP_NO_SESSION)) << int{f};
        EXPECT_TRUE(IsDrop(xl.run(tcp4_pkt(t.r1, 5555, t.pool4, 8080, f), kT0),
                           NAT64_C_DROP_TCP_NO_SESSION))
            << int{f};
    }
    EXPECT_EQ(xl.counter(NAT64_C_DROP_TCP_NO_SESSION), 8u);
    EXPECT_EQ(xl.sessions(kT0).size(), 0u);
    EXPECT_EQ(xl.state_stats()["bib-entries"], 1);  // only the static one
}

// drop-externally-initiated-tcp: no IPv4 SYN opens a session, neither to a
// static BIB entry nor to a dynamic one; connections from the VNet work.
TEST_F(Tcp, DropExternallyInitiated) {
    Nat64 xl(
        kId,
        {{"drop-externally-initiated-tcp", true},
         {"static-bib",
          {{{"protocol", "tcp"}, {"ipv6", "2001:db8:5::2#8080"}, {"ipv4", "192.0.2.100#8080"}}}}});
    EXPECT_TRUE(
        IsDrop(xl.run(tcp4_pkt(t.r1, 5555, t.pool4, 8080, SYN), kT0), NAT64_C_DROP_FILTERED));
    const uint16_t p4 = establish(xl, kT0 + 1);
    EXPECT_TRUE(
        IsDrop(xl.run(tcp4_pkt(t.r2, 80, t.pool4, p4, SYN), kT0 + 2), NAT64_C_DROP_FILTERED));
    EXPECT_EQ(xl.counter(NAT64_C_DROP_FILTERED), 2u);
    EXPECT_EQ(xl.sessions(kT0 + 2, "tcp").size(), 1u);
}

// Endpoint-independent filtering applies to TCP too: another IPv4 host's
// SYN to an existing BIB entry opens a V4 INIT session; with
// address-dependent-filtering it is refused.
TEST_F(Tcp, IncomingSynToDynamicBib) {
    {
        Nat64 xl(kId);
        const uint16_t p4 = establish(xl, kT0);
        Result r = xl.run(tcp4_pkt(t.r2, 443, t.pool4, p4, SYN), kT0 + 1);
        ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
        EXPECT_TRUE(
            SameBytes(r.out, want6(t.r2_6, t.h1, ipproto::TCP, tcp(443, 40000, 5000, 0, SYN, {}))));
        EXPECT_EQ(state(xl, kT0 + 1, "2001:db8:5::1#40000", "203.0.113.8#443"), "V4_INIT");
    }
    {
        Nat64 xl(kId, {{"address-dependent-filtering", true}});
        const uint16_t p4 = establish(xl, kT0);
        EXPECT_TRUE(
            IsDrop(xl.run(tcp4_pkt(t.r2, 443, t.pool4, p4, SYN), kT0 + 1), NAT64_C_DROP_FILTERED));
        EXPECT_EQ(xl.sessions(kT0 + 1).size(), 1u);
    }
}

// nat64_session_list's filters and text form.
TEST_F(Tcp, SessionListFiltersAndText) {
    Nat64 xl(kId);
    establish(xl, kT0);
    ASSERT_TRUE(Is(xl.run(udp6_pkt(t.h2, 1234, t.r2_6, 53), kT0), NAT64_TRANSLATED,
                   NAT64_C_TRANSLATED_6TO4));
    EXPECT_EQ(xl.sessions(kT0).size(), 2u);
    EXPECT_EQ(xl.sessions(kT0, "tcp").size(), 1u);
    EXPECT_EQ(xl.sessions(kT0, "udp").size(), 1u);
    EXPECT_EQ(xl.sessions(kT0, "icmp").size(), 0u);
    EXPECT_EQ(xl.sessions(kT0, nullptr, "2001:db8:5::2").size(), 1u);
    EXPECT_EQ(xl.sessions(kT0, nullptr, "203.0.113.7").size(), 1u);  // remote
    EXPECT_EQ(xl.sessions(kT0, nullptr, "192.0.2.100").size(), 2u);  // pool4
    CStr err, text;
    text.p = nat64_session_list(xl.id(), "tcp", nullptr, kT0, 1, &err.p);
    ASSERT_NE(text.p, nullptr) << err.str();
    EXPECT_NE(text.str().find("ESTABLISHED"), std::string::npos) << text.str();
    EXPECT_NE(text.str().find("2001:db8:5::1#40000"), std::string::npos) << text.str();
    CStr err2, bad;
    bad.p = nat64_session_list(xl.id(), "sctp", nullptr, kT0, 0, &err2.p);
    EXPECT_EQ(bad.p, nullptr);
    EXPECT_NE(err2.str().find("sctp"), std::string::npos) << err2.str();
    CStr err3, bad3;
    bad3.p = nat64_session_list(xl.id(), nullptr, "not-an-address", kT0, 0, &err3.p);
    EXPECT_EQ(bad3.p, nullptr);
    EXPECT_NE(err3.str().find("not-an-address"), std::string::npos) << err3.str();
}

}  // namespace
}  // namespace nat64test
