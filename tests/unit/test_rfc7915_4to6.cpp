// RFC 7915 §4: translating IPv4 to IPv6 (header, options and source routes,
// TTL, addresses, DF and the IPv6 MTU, transport checksums) and the ICMPv4
// errors the translator originates (§4.4).
//
// Expected packets are built field by field from the RFC rules with
// packet_builder.hpp; nothing here asks the translator for an answer.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "packet_builder.hpp"

namespace nat64test {
namespace {

constexpr uint32_t kId = 4601;

class Xlat46 : public ::testing::Test {
  protected:
    Topo t;
    TestInstance xl{kId};

    // A UDP datagram from the IPv4 peer to the VNet host.
    V4 udp4(size_t payload = 100) const {
        V4 h;
        h.src = t.peer4;
        h.dst = t.vm4;
        h.id = 0x4242;
        h.proto = ipproto::UDP;
        h.l4 = udp(53, 40000, pattern(payload, 1));
        return h;
    }
    // What RFC 7915 §4.1 makes of udp4().
    V6 udp6(size_t payload = 100) const {
        V6 h;
        h.src = t.peer6;
        h.dst = t.vm6;
        h.hlim = 63;
        h.proto = ipproto::UDP;
        h.l4 = udp(53, 40000, pattern(payload, 1));
        return h;
    }
};

// An ICMPv4 error the translator originates (RFC 792/1812, §4.4): from
// router-ipv4, TTL 64, DF=0 with a fresh Identification (taken from the
// output: RFC 6864 §4.2 only asks that it be unique), quoting as much of
// 'in' as fits in 576 bytes (RFC 1812 §4.3.2.3).
Bytes icmp4_reply(const Topo &t, uint32_t to, uint8_t type, uint8_t code, uint32_t rest,
                  const Bytes &in, const Bytes &got) {
    V4 r;
    r.src = t.router4;
    r.dst = to;
    r.ttl = 64;
    r.id = got.size() >= 6 ? get16(got, 4) : 0;
    r.proto = ipproto::ICMP;
    r.l4 = icmp(type, code, rest, slice(in, 0, 576 - 28));
    return build(r);
}

// --- §4.1: the IPv6 header ---------------------------------------------------

using Rfc7915_4_1_Ipv4Header = Xlat46;

TEST_F(Rfc7915_4_1_Ipv4Header, UdpByteExact) {
    V4 in = udp4();
    in.tos = 0xb8;
    Result r = xl.run(build(in));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_EQ(r.family, 6);
    // Traffic Class = TOS, Flow Label 0, Payload Length = Total Length -
    // IHL, Next Header = Protocol, Hop Limit = TTL - 1.
    V6 want = udp6();
    want.tclass = 0xb8;
    EXPECT_TRUE(SameBytes(r.out, build(want)));
    EXPECT_TRUE(l4_checksum_ok(r.out));
    EXPECT_EQ(r.hdr_len, 48);
    EXPECT_EQ(r.consumed, 28u);
    EXPECT_EQ(r.tail_len, 100u);
    EXPECT_EQ(r.frag_size, 0);
    EXPECT_EQ(xl.counter(NAT64_C_TRANSLATED_4TO6), 1u);
}

TEST_F(Rfc7915_4_1_Ipv4Header, TcpByteExact) {
    V4 in;
    in.src = t.peer4;
    in.dst = t.vm4;
    in.df = true;  // fits: DF changes nothing
    in.ttl = 255;
    in.proto = ipproto::TCP;
    in.l4 = tcp(80, 40001, 77, 88, 0x12, pattern(600, 9));
    Result r = xl.run(build(in));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    V6 want;
    want.src = t.peer6;
    want.dst = t.vm6;
    want.hlim = 254;
    want.proto = ipproto::TCP;
    want.l4 = in.l4;
    EXPECT_TRUE(SameBytes(r.out, build(want)));
    EXPECT_EQ(r.hdr_len, 40 + 18);
    EXPECT_EQ(r.consumed, 20u + 18);
}

// RFC 7757 §3.3: an IPv4 source with an EAMT entry uses it.
TEST_F(Rfc7915_4_1_Ipv4Header, SourceThroughEamt) {
    V4 in = udp4();
    in.src = t.epeer4;
    Result r = xl.run(build(in));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    V6 want = udp6();
    want.src = t.epeer6;
    EXPECT_TRUE(SameBytes(r.out, build(want)));
}

// §4.1: "... SHOULD provide a configuration function ... to ignore the
// IPv4 TOS and always set the IPv6 Traffic Class (TC) to zero".
TEST(Rfc7915_4_1_TrafficClass, Zeroize) {
    Topo t;
    TestInstance xl(kId + 1, {{"zeroize-traffic-class", true}});
    V4 in;
    in.src = t.peer4;
    in.dst = t.vm4;
    in.tos = 0xff;
    in.l4 = udp(1, 2, pattern(3));
    Result r = xl.run(build(in));
    ASSERT_FALSE(r.dropped());
    EXPECT_EQ(r.out[0], 0x60);
    EXPECT_EQ(r.out[1], 0x00);
}

TEST(Rfc7915_4_1_TrafficClass, OverrideTosIsOnlyFor6to4) {
    Topo t;
    TestInstance xl(kId + 1, {{"override-tos", true}, {"tos", 0x10}});
    V4 in;
    in.src = t.peer4;
    in.dst = t.vm4;
    in.tos = 0xa5;
    in.l4 = udp(1, 2, pattern(3));
    Result r = xl.run(build(in));
    ASSERT_FALSE(r.dropped());
    EXPECT_EQ(r.out[0], 0x6a);
    EXPECT_EQ(r.out[1], 0x50);
}

// RFC 6052 §2.2 with a /64: u-octet, then the IPv4 address, then zeros.
TEST(Rfc7915_4_1_Pool6, SourceEmbeddedInSlash64) {
    Topo t;
    TestInstance xl(kId + 2, {{"pool6", "2001:db8:100::/64"}});
    V4 in;
    in.src = t.peer4;  // 203.0.113.7
    in.dst = t.vm4;
    in.l4 = udp(1, 2, pattern(3));
    Result r = xl.run(build(in));
    ASSERT_FALSE(r.dropped());
    A6 want = a6("2001:db8:100:0:cb:71:700:0");
    EXPECT_TRUE(std::equal(want.begin(), want.end(), r.out.begin() + 8));
    EXPECT_TRUE(l4_checksum_ok(r.out));
}

// --- §4.1: options and source routes -------------------------------------------

using Rfc7915_4_1_Options = Xlat46;

// "If any IPv4 options are present in the IPv4 packet, they MUST be
// ignored."
TEST_F(Rfc7915_4_1_Options, OptionsIgnored) {
    V4 in = udp4();
    // NOP, Record Route (7) with room for two addresses, NOP padding.
    in.options = {1, 7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0};
    in.options.resize(16, 1);
    Result r = xl.run(build(in));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_TRUE(SameBytes(r.out, build(udp6())));
    EXPECT_EQ(r.consumed, 36u + 8);
}

// An expired source route (pointer past the option) is ignored like any
// other option.
TEST_F(Rfc7915_4_1_Options, ExpiredSourceRouteIgnored) {
    V4 in = udp4();
    in.options = {131, 7, 8, 1, 2, 3, 4, 1};  // LSRR, pointer 8 > length 7
    Result r = xl.run(build(in));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_TRUE(SameBytes(r.out, build(udp6())));
}

// Malformed option lists are ignored too (the packet is still translated).
TEST_F(Rfc7915_4_1_Options, MalformedOptionsIgnored) {
    for (Bytes opts : {Bytes{131, 0, 0, 0}, Bytes{131, 200, 4, 0}, Bytes{7, 1, 0, 0},
                       Bytes{1, 1, 1, 131}, Bytes{0, 131, 7, 4}}) {
        V4 in = udp4();
        in.options = opts;
        Result r = xl.run(build(in));
        ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6)) << hex(opts);
        EXPECT_TRUE(SameBytes(r.out, build(udp6())));
    }
}

// "... if an unexpired source route option is present then the packet
// MUST instead be discarded, and an ICMPv4 'Destination Unreachable,
// Source Route Failed' (Type 3, Code 5) error message SHOULD be returned
// to the sender."
TEST_F(Rfc7915_4_1_Options, UnexpiredSourceRouteAnswersSourceRouteFailed) {
    for (uint8_t type : {uint8_t{131}, uint8_t{137}}) {  // LSRR, SSRR
        V4 in = udp4();
        in.options = {1, type, 7, 4, 10, 0, 0, 1};
        Bytes pkt = build(in);
        Result r = xl.run(pkt);
        ASSERT_TRUE(Is(r, NAT64_ICMP_REPLY, NAT64_C_REPLY_DST_UNREACHABLE));
        EXPECT_EQ(r.family, 4);
        EXPECT_TRUE(SameBytes(r.out, icmp4_reply(t, t.peer4, 3, 5, 0, pkt, r.out)));
        EXPECT_TRUE(ipv4_header_ok(r.out));
        EXPECT_TRUE(l4_checksum_ok(r.out));
        EXPECT_EQ(r.consumed, pkt.size());
        EXPECT_EQ(r.tail_len, 0u);
    }
    EXPECT_EQ(xl.counter(NAT64_C_REPLY_DST_UNREACHABLE), 2u);
}

// RFC 1812 §4.3.2.7: no error about a packet sent to a multicast or
// broadcast address.
TEST_F(Rfc7915_4_1_Options, MulticastDestinationNotAnswered) {
    for (const char *d : {"224.0.0.9", "239.1.2.3", "255.255.255.255"}) {
        V4 in = udp4();
        in.dst = a4(d);
        in.options = {1, 131, 7, 4, 10, 0, 0, 1};
        EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_DST_UNTRANSLATABLE)) << d;
    }
}

// RFC 1812 §4.3.2.7: no error about an ICMP error.
TEST_F(Rfc7915_4_1_Options, SourceRouteOnIcmpErrorDropped) {
    V4 inner;
    inner.src = t.vm4;
    inner.dst = t.peer4;
    inner.l4 = udp(40000, 53, pattern(8));
    V4 in;
    in.src = t.peer4;
    in.dst = t.vm4;
    in.options = {137, 7, 4, 1, 2, 3, 4, 0};
    in.proto = ipproto::ICMP;
    in.l4 = icmp(3, 3, 0, build(inner));
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_SOURCE_ROUTE));
}

// --- §4.1: TTL ---------------------------------------------------------------------

using Rfc7915_4_1_Ttl = Xlat46;

TEST_F(Rfc7915_4_1_Ttl, TwoBecomesHopLimitOne) {
    V4 in = udp4();
    in.ttl = 2;
    Result r = xl.run(build(in));
    ASSERT_FALSE(r.dropped());
    EXPECT_EQ(r.out[7], 1);
}

// RFC 792 / RFC 1812 §5.3.1: time exceeded in transit from router-ipv4.
TEST_F(Rfc7915_4_1_Ttl, OneAndZeroAnswerTimeExceeded) {
    for (uint8_t ttl : {uint8_t{1}, uint8_t{0}}) {
        V4 in = udp4();
        in.ttl = ttl;
        Bytes pkt = build(in);
        Result r = xl.run(pkt);
        ASSERT_TRUE(Is(r, NAT64_ICMP_REPLY, NAT64_C_REPLY_HOP_LIMIT));
        EXPECT_EQ(r.family, 4);
        EXPECT_TRUE(SameBytes(r.out, icmp4_reply(t, t.peer4, 11, 0, 0, pkt, r.out)));
    }
    EXPECT_EQ(xl.counter(NAT64_C_REPLY_HOP_LIMIT), 2u);
}

// RFC 1812 §4.3.2.3: at most 576 bytes.
TEST_F(Rfc7915_4_1_Ttl, QuoteTruncatedTo576) {
    V4 in = udp4(1000);
    in.ttl = 1;
    Bytes pkt = build(in);
    Result r = xl.run(pkt);
    ASSERT_TRUE(Is(r, NAT64_ICMP_REPLY, NAT64_C_REPLY_HOP_LIMIT));
    ASSERT_EQ(r.out.size(), 576u);
    EXPECT_TRUE(SameBytes(r.out, icmp4_reply(t, t.peer4, 11, 0, 0, pkt, r.out)));
}

// The errors the translator sends are not atomic datagrams (DF=0), so
// their Identifications must differ (RFC 6864 §4.2).
TEST_F(Rfc7915_4_1_Ttl, ErrorsHaveDistinctIdentifications) {
    V4 in = udp4();
    in.ttl = 1;
    Bytes pkt = build(in);
    Result a = xl.run(pkt);
    Result b = xl.run(pkt);
    ASSERT_FALSE(a.dropped());
    ASSERT_FALSE(b.dropped());
    EXPECT_EQ(get16(a.out, 6) & 0x4000, 0);
    EXPECT_NE(get16(a.out, 4), get16(b.out, 4));
}

TEST_F(Rfc7915_4_1_Ttl, IcmpErrorIsDropped) {
    V4 inner;
    inner.src = t.vm4;
    inner.dst = t.peer4;
    inner.l4 = udp(40000, 53, pattern(8));
    V4 in;
    in.src = t.peer4;
    in.dst = t.vm4;
    in.ttl = 1;
    in.proto = ipproto::ICMP;
    in.l4 = icmp(3, 3, 0, build(inner));
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_HOP_LIMIT));
}

// RFC 1122 §3.2.2 / RFC 1812 §4.3.2.7: an ICMP error message MUST NOT be
// sent as the result of receiving a non-initial fragment.
TEST_F(Rfc7915_4_1_Ttl, NonInitialFragmentIsDropped) {
    V4 in = udp4(100);
    in.ttl = 1;
    Bytes frag = fragment4(in, 64, 44, false);
    EXPECT_TRUE(IsDrop(xl.run(frag), NAT64_C_DROP_HOP_LIMIT));
    // The first fragment is answered.
    Bytes first = fragment4(in, 0, 64, true);
    EXPECT_TRUE(Is(xl.run(first), NAT64_ICMP_REPLY, NAT64_C_REPLY_HOP_LIMIT));
}

TEST(Rfc7915_4_1_TtlNoRouter, DroppedWithoutRouterAddress) {
    Topo t;
    TestInstance xl(kId + 3, {{"router-ipv4", nullptr}});
    V4 in;
    in.src = t.peer4;
    in.dst = t.vm4;
    in.ttl = 1;
    in.l4 = udp(1, 2, {});
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_NO_ROUTER_ADDR));
}

// --- Addresses -------------------------------------------------------------------------

using Rfc7915_4_1_Addresses = Xlat46;

// The VNet is reached only through explicit mappings.
TEST_F(Rfc7915_4_1_Addresses, DestinationWithoutEamtDropped) {
    for (const char *d : {"198.51.101.1", "203.0.113.8", "100.64.1.3"}) {
        V4 in = udp4();
        in.dst = a4(d);
        Result r = xl.run(build(in));
        if (std::string(d) == "100.64.1.3") {
            // An EAMT entry on the IPv4 side is a destination too.
            ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
            EXPECT_TRUE(std::equal(t.epeer6.begin(), t.epeer6.end(), r.out.begin() + 24));
        } else {
            EXPECT_TRUE(IsDrop(r, NAT64_C_DROP_DST_UNTRANSLATABLE)) << d;
        }
    }
}

// With pool4 the instance is also a stateful NAT64 (RFC 6146): an IPv4
// packet to a pool4 address needs a BIB entry (§3.5.1.1: none, no
// translation); one to an address neither in the EAMT nor in pool4 is not
// the translator's at all.
TEST(Rfc7915_4_1_AddressesPool4, DestinationWithoutStateDropped) {
    Topo t;
    TestInstance xl(kId + 4, {{"pool4", {{{"prefix", "192.0.2.2/32"}, {"protocols", {"udp"}}}}}});
    V4 in;
    in.src = t.peer4;
    in.dst = a4("192.0.2.2");
    in.l4 = udp(1, 2, {});
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_NO_BIB));
    // A protocol the pool4 entry does not carry has no BIB entry either.
    in.proto = ipproto::TCP;
    in.l4 = tcp(1, 2, 1, 0, 0x02, {});
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_NO_BIB));
    EXPECT_EQ(xl.counter(NAT64_C_DROP_NO_BIB), 2u);
    // Next to pool4, but not in it (nor in the EAMT).
    in.dst = a4("192.0.2.3");
    in.proto = ipproto::UDP;
    in.l4 = udp(1, 2, {});
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_DST_UNTRANSLATABLE));
    EXPECT_EQ(xl.counter(NAT64_C_DROP_DST_UNTRANSLATABLE), 1u);
    EXPECT_EQ(xl.counter(NAT64_C_DROP_NO_STATE), 0u);
    // EAMT destinations are still translated statelessly.
    in.dst = t.vm4;
    EXPECT_TRUE(Is(xl.run(build(in)), NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
}

// RFC 6890: martian sources never enter the VNet.
TEST_F(Rfc7915_4_1_Addresses, ReservedSourcesDropped) {
    for (const char *s : {"0.0.0.0", "0.1.2.3", "127.0.0.1", "169.254.0.1", "224.0.0.5",
                          "239.1.1.1", "240.0.0.1", "255.255.255.255"}) {
        V4 in = udp4();
        in.src = a4(s);
        EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_RESERVED_ADDR)) << s;
    }
    EXPECT_EQ(xl.counter(NAT64_C_DROP_RESERVED_ADDR), 8u);
}

TEST(Rfc7915_4_1_AddressesNoPool6, SourceNeedsPool6) {
    Topo t;
    TestInstance xl(kId + 5, {{"pool6", nullptr}});
    V4 in;
    in.src = t.peer4;
    in.dst = t.vm4;
    in.l4 = udp(1, 2, {});
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_POOL6_UNSET));
    in.src = t.epeer4;
    EXPECT_TRUE(Is(xl.run(build(in)), NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
}

// RFC 6052 §3.1: the Well-Known Prefix never represents non-global IPv4
// space, so such sources cannot be translated with it.
TEST(Rfc6052_3_1_WellKnownPrefix, NonGlobalSourcesDropped) {
    Topo t;
    TestInstance xl(kId + 9, {{"pool6", "64:ff9b::/96"}});
    V4 in;
    in.dst = t.vm4;
    in.l4 = udp(1, 2, pattern(5));
    for (const char *s : {"10.1.2.3", "172.16.0.1", "192.168.1.1", "203.0.113.7"}) {
        in.src = a4(s);
        EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_RESERVED_ADDR)) << s;
    }
    in.src = a4("8.8.4.4");
    Result r = xl.run(build(in));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    A6 want = a6("64:ff9b::808:404");
    EXPECT_TRUE(std::equal(want.begin(), want.end(), r.out.begin() + 8));
    EXPECT_TRUE(l4_checksum_ok(r.out));
    // EAMT sources are explicit.
    in.src = t.epeer4;
    EXPECT_TRUE(Is(xl.run(build(in)), NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
}

// --- DF=1 and the IPv6 MTU (RFC 1191 path MTU discovery) ----------------------------

// A DF=1 packet bigger than the IPv6 link gets fragmentation needed with
// the IPv4 size that will fit: ipv6-mtu minus the header growth.
TEST_F(Rfc7915_4_1_Ipv4Header, DontFragmentTooBigAnswersFragmentationNeeded) {
    V4 in = udp4(1500 - 48);  // IPv4 1480 bytes -> IPv6 1500
    in.df = true;
    Result r = xl.run(build(in));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_EQ(r.out.size(), 1500u);
    EXPECT_EQ(r.frag_size, 0);

    in = udp4(1500 - 47);
    in.df = true;
    Bytes pkt = build(in);
    r = xl.run(pkt);
    ASSERT_TRUE(Is(r, NAT64_ICMP_REPLY, NAT64_C_REPLY_TOO_BIG));
    // RFC 1191 §4: next-hop MTU in the low 16 bits of the second word.
    EXPECT_TRUE(SameBytes(r.out, icmp4_reply(t, t.peer4, 3, 4, 1480, pkt, r.out)));
    EXPECT_EQ(xl.counter(NAT64_C_REPLY_TOO_BIG), 1u);

    // With 8 bytes of options the header grows by 12 only.
    in.options = {1, 1, 1, 1, 1, 1, 1, 0};
    pkt = build(in);
    r = xl.run(pkt);
    ASSERT_TRUE(Is(r, NAT64_ICMP_REPLY, NAT64_C_REPLY_TOO_BIG));
    EXPECT_TRUE(SameBytes(r.out, icmp4_reply(t, t.peer4, 3, 4, 1488, pkt, r.out)));
}

TEST(Rfc7915_4_1_Mtu, Ipv6Mtu1280) {
    Topo t;
    TestInstance xl(kId + 6, {{"ipv6-mtu", 1280}});
    V4 in;
    in.src = t.peer4;
    in.dst = t.vm4;
    in.df = true;
    in.l4 = udp(1, 2, pattern(1261 - 28));
    Bytes pkt = build(in);
    Result r = xl.run(pkt);
    ASSERT_TRUE(Is(r, NAT64_ICMP_REPLY, NAT64_C_REPLY_TOO_BIG));
    EXPECT_TRUE(SameBytes(r.out, icmp4_reply(t, t.peer4, 3, 4, 1260, pkt, r.out)));
}

// A packet that would be dropped anyway gets no fragmentation needed.
TEST(Rfc7915_4_1_Mtu, UntranslatableTooBigIsDroppedNotAnswered) {
    Topo t;
    TestInstance xl(kId + 7);
    V4 in;
    in.src = t.peer4;
    in.dst = t.vm4;
    in.df = true;
    in.proto = ipproto::ICMP;
    in.l4 = icmp(13, 0, 0, pattern(1480));  // timestamp
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_ICMP_TYPE));
    in.proto = ipproto::UDP;
    in.l4 = udp(1, 2, pattern(1480));
    in.fix_csum = false;
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_UDP_CHECKSUM_ZERO));
    EXPECT_EQ(xl.counter(NAT64_C_REPLY_TOO_BIG), 0u);
}

TEST(Rfc7915_4_1_Mtu, TooBigWithoutRouterAddress) {
    Topo t;
    TestInstance xl(kId + 7, {{"router-ipv4", nullptr}});
    V4 in;
    in.src = t.peer4;
    in.dst = t.vm4;
    in.df = true;
    in.l4 = udp(1, 2, pattern(1480));
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_NO_ROUTER_ADDR));
}

// --- §4.5: transport-layer headers ------------------------------------------------

using Rfc7915_4_5_Transport = Xlat46;

// "A stateless translator cannot compute the UDP checksum of fragmented
// packets, so when a stateless translator receives the first fragment of
// a fragmented UDP IPv4 packet and the checksum field is zero, the
// translator SHOULD drop the packet and generate a system management
// event..." and for unfragmented ones it SHOULD compute it when configured.
TEST_F(Rfc7915_4_5_Transport, UdpZeroChecksumDroppedByDefault) {
    V4 in = udp4();
    in.fix_csum = false;
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_UDP_CHECKSUM_ZERO));
    EXPECT_EQ(xl.counter(NAT64_C_DROP_UDP_CHECKSUM_ZERO), 1u);
}

TEST(Rfc7915_4_5_TransportAmend, UdpZeroChecksumComputed) {
    Topo t;
    TestInstance xl(kId + 8, {{"amend-udp-checksum-zero", true}});
    for (size_t n : {size_t{0}, size_t{1}, size_t{99}, size_t{1000}}) {
        V4 in;
        in.src = t.peer4;
        in.dst = t.vm4;
        in.l4 = udp(53, 40000, pattern(n, 5));
        in.fix_csum = false;
        Result r = xl.run(build(in));
        ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6)) << n;
        V6 want;
        want.src = t.peer6;
        want.dst = t.vm6;
        want.hlim = 63;
        want.l4 = in.l4;  // fix_csum: computed over the IPv6 pseudo-header
        EXPECT_TRUE(SameBytes(r.out, build(want))) << n;
    }
    // ... but not for fragments.
    V4 in;
    in.src = t.peer4;
    in.dst = t.vm4;
    in.l4 = udp(53, 40000, pattern(100));
    in.fix_csum = false;
    EXPECT_TRUE(IsDrop(xl.run(fragment4(in, 0, 64, true)), NAT64_C_DROP_UDP_CHECKSUM_ZERO));
}

// RFC 768: zero is sent as all ones.
TEST_F(Rfc7915_4_5_Transport, UdpChecksumZeroSentAsAllOnes) {
    Bytes payload = pattern(20);
    payload[0] = payload[1] = 0;
    Bytes l4 = udp(53, 40000, payload);
    uint64_t s =
        sum_bytes(l4, pseudo6(t.peer6, t.vm6, static_cast<uint32_t>(l4.size()), ipproto::UDP));
    uint16_t fix = static_cast<uint16_t>(0xffff - fold(s));
    payload[0] = static_cast<uint8_t>(fix >> 8);
    payload[1] = static_cast<uint8_t>(fix);
    V4 in = udp4();
    in.l4 = udp(53, 40000, payload);
    Result r = xl.run(build(in));
    ASSERT_FALSE(r.dropped());
    EXPECT_EQ(get16(r.out, 40 + 6), 0xffff);
    EXPECT_TRUE(l4_checksum_ok(r.out));
}

TEST_F(Rfc7915_4_5_Transport, ChecksumsMatchFromScratch) {
    for (unsigned i = 0; i < 256; i++) {
        V4 in;
        in.src = a4("1.0.0.0") + i * 0x01010101u % 0x7e000000u;
        in.dst = t.vm4 - 5 + i;
        in.tos = static_cast<uint8_t>(i);
        in.proto = i % 2 ? ipproto::TCP : ipproto::UDP;
        Bytes payload = pattern(i * 3, static_cast<uint8_t>(i));
        in.l4 = in.proto == ipproto::TCP ? tcp(static_cast<uint16_t>(i), 80, i, ~i, 0x10, payload)
                                         : udp(static_cast<uint16_t>(i), 53, payload);
        Result r = xl.run(build(in));
        ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6)) << i;
        V6 want;
        want.src = a6("2001:db8:64::");
        for (int k = 0; k < 4; k++)
            want.src[12 + k] = static_cast<uint8_t>(in.src >> (24 - 8 * k));
        want.dst = a6("2001:db8:6::");
        want.dst[15] = static_cast<uint8_t>(i);
        want.tclass = in.tos;
        want.hlim = 63;
        want.proto = in.proto;
        want.l4 = in.l4;
        ASSERT_TRUE(SameBytes(r.out, build(want))) << i;
    }
}

// §4.2: Echo Request/Reply (8/0) become 128/129; the checksum gains the
// IPv6 pseudo-header (RFC 4443 §2.3).
TEST_F(Rfc7915_4_5_Transport, IcmpEchoByteExact) {
    const std::pair<uint8_t, uint8_t> types[] = {{8, 128}, {0, 129}};
    for (auto [t4, t6] : types) {
        for (size_t n : {size_t{0}, size_t{1}, size_t{56}, size_t{1001}}) {
            V4 in;
            in.src = t.peer4;
            in.dst = t.vm4;
            in.proto = ipproto::ICMP;
            in.l4 = icmp(t4, 0, echo_rest(0xbeef, 3), pattern(n));
            Result r = xl.run(build(in));
            ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
            V6 want;
            want.src = t.peer6;
            want.dst = t.vm6;
            want.hlim = 63;
            want.proto = ipproto::ICMPV6;
            want.l4 = icmp(t6, 0, echo_rest(0xbeef, 3), pattern(n));
            EXPECT_TRUE(SameBytes(r.out, build(want))) << int{t4} << " " << n;
        }
    }
}

// §4.2: other informational messages are silently dropped; so are the
// errors with no IPv6 counterpart (source quench, redirect, alternate host
// address).
TEST_F(Rfc7915_4_5_Transport, OtherIcmpTypesDropped) {
    for (int type : {4, 5, 6, 9, 10, 13, 14, 15, 16, 17, 18, 30, 37, 100, 255}) {
        V4 inner;
        inner.src = t.vm4;
        inner.dst = t.peer4;
        inner.l4 = udp(1, 2, pattern(8));
        V4 in;
        in.src = t.peer4;
        in.dst = t.vm4;
        in.proto = ipproto::ICMP;
        in.l4 = icmp(static_cast<uint8_t>(type), 0, 0, build(inner));
        EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_ICMP_TYPE)) << type;
    }
}

// §4.2: IGMP has no IPv6 counterpart (it is single-hop; MLD is no
// translation of it): silently dropped.
TEST_F(Rfc7915_4_5_Transport, IgmpDropped) {
    V4 in = udp4();
    in.proto = 2;
    in.l4 = {0x11, 0x64, 0xee, 0x9b, 0, 0, 0, 0};
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_ICMP_TYPE));
}

// A fragmented ICMP message's checksum covers all fragments: it cannot be
// adjusted for the pseudo-header without reassembly.
TEST_F(Rfc7915_4_5_Transport, FragmentedIcmpDropped) {
    V4 in;
    in.src = t.peer4;
    in.dst = t.vm4;
    in.proto = ipproto::ICMP;
    in.l4 = icmp(8, 0, echo_rest(1, 1), pattern(200));
    EXPECT_TRUE(IsDrop(xl.run(fragment4(in, 0, 104, true)), NAT64_C_DROP_ICMP_FRAGMENT));
    EXPECT_TRUE(IsDrop(xl.run(fragment4(in, 104, 104, false)), NAT64_C_DROP_ICMP_FRAGMENT));
    // Also the first fragment of an ICMP error.
    V4 inner;
    inner.src = t.vm4;
    inner.dst = t.peer4;
    inner.l4 = udp(1, 2, pattern(300));
    in.l4 = icmp(3, 3, 0, build(inner));
    EXPECT_TRUE(IsDrop(xl.run(fragment4(in, 0, 104, true)), NAT64_C_DROP_ICMP_FRAGMENT));
}

// --- Truncated and malformed input -----------------------------------------------------

using Rfc7915_4_1_Malformed = Xlat46;

TEST_F(Rfc7915_4_1_Malformed, ShorterThanTheFixedHeader) {
    Bytes pkt = build(udp4());
    for (size_t n = 1; n < 20; n++) {
        EXPECT_TRUE(IsDrop(xl.run(slice(pkt, 0, n)), NAT64_C_DROP_TRUNCATED)) << n;
    }
}

TEST_F(Rfc7915_4_1_Malformed, BadHeaderFields) {
    // IHL < 5.
    for (uint8_t ihl = 0; ihl < 5; ihl++) {
        Bytes pkt = build(udp4());
        pkt[0] = static_cast<uint8_t>(0x40 | ihl);
        EXPECT_TRUE(IsDrop(xl.run(pkt), NAT64_C_DROP_BAD_HEADER)) << int{ihl};
    }
    // Total Length below IHL.
    V4 in = udp4();
    in.total = 19;
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_BAD_HEADER));
    in.options = {1, 1, 1, 1};
    in.total = 23;
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_BAD_HEADER));
    // Header checksum (RFC 1812 §5.2.2).
    in = udp4();
    in.bad_header_csum = true;
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_BAD_HEADER));
    EXPECT_EQ(xl.counter(NAT64_C_DROP_BAD_HEADER), 8u);
}

TEST_F(Rfc7915_4_1_Malformed, ShorterThanItsHeaderSays) {
    Bytes pkt = build(udp4());
    for (size_t n : {size_t{20}, size_t{27}, pkt.size() - 1}) {
        EXPECT_TRUE(IsDrop(xl.run(slice(pkt, 0, n)), NAT64_C_DROP_TRUNCATED)) << n;
    }
    // IHL beyond the bytes present.
    V4 in = udp4(0);
    in.options = Bytes(40, 1);
    Bytes big = build(in);
    EXPECT_TRUE(IsDrop(xl.run(slice(big, 0, 30)), NAT64_C_DROP_TRUNCATED));
}

TEST_F(Rfc7915_4_1_Malformed, TransportHeaderTruncated) {
    struct Case {
        uint8_t proto;
        size_t len;
    };
    for (Case c : {Case{ipproto::TCP, 17}, Case{ipproto::TCP, 0}, Case{ipproto::UDP, 7},
                   Case{ipproto::UDP, 0}, Case{ipproto::ICMP, 0}, Case{ipproto::ICMP, 7}}) {
        V4 in;
        in.src = t.peer4;
        in.dst = t.vm4;
        in.proto = c.proto;
        in.l4 = Bytes(c.len, c.proto == ipproto::ICMP ? 8 : 0);
        in.fix_csum = false;
        EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_TRUNCATED))
            << int{c.proto} << " " << c.len;
    }
}

TEST_F(Rfc7915_4_1_Malformed, TrailingBytesIgnored) {
    Bytes pkt = cat(build(udp4(10)), Bytes(18, 0));
    Result r = xl.run(pkt);
    ASSERT_FALSE(r.dropped());
    EXPECT_TRUE(SameBytes(r.out, build(udp6(10))));
}

}  // namespace
}  // namespace nat64test
