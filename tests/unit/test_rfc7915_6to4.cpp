// RFC 7915 §5: translating IPv6 to IPv4 (header, extension headers, hop
// limit, addresses, MTU, transport checksums), the ICMPv6 errors the
// translator originates (§5.4), and RFC 7757 §4.2 hairpinning.
//
// Expected packets are built field by field from the RFC rules with
// packet_builder.hpp; nothing here asks the translator for an answer.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "packet_builder.hpp"

namespace nat64test {
namespace {

constexpr uint32_t kId = 6401;

class Xlat64 : public ::testing::Test {
  protected:
    Topo t;
    TestInstance xl{kId};

    // A UDP datagram from the VNet host to the IPv4 peer.
    V6 udp6(size_t payload = 100) const {
        V6 h;
        h.src = t.vm6;
        h.dst = t.peer6;
        h.proto = ipproto::UDP;
        h.l4 = udp(40000, 53, pattern(payload));
        return h;
    }
    // What RFC 7915 §5.1 makes of udp6(): the same datagram over IPv4.
    V4 udp4(size_t payload = 100) const {
        V4 h;
        h.src = t.vm4;
        h.dst = t.peer4;
        h.ttl = 63;
        h.proto = ipproto::UDP;
        h.l4 = udp(40000, 53, pattern(payload));
        return h;
    }
};

// An ICMPv6 error the translator originates (RFC 4443, §5.4): from
// router-ipv6, hop limit 64, quoting as much of 'in' as fits in 1280 bytes.
Bytes icmp6_reply(const Topo &t, const A6 &to, uint8_t type, uint8_t code, uint32_t param,
                  const Bytes &in) {
    V6 r;
    r.src = t.router6;
    r.dst = to;
    r.hlim = 64;
    r.proto = ipproto::ICMPV6;
    r.l4 = icmp(type, code, param, slice(in, 0, 1280 - 48));
    return build(r);
}

// --- §5.1: the IPv4 header --------------------------------------------------

using Rfc7915_5_1_Ipv6Header = Xlat64;

TEST_F(Rfc7915_5_1_Ipv6Header, UdpByteExact) {
    V6 in = udp6();
    in.tclass = 0xb8;
    in.flow = 0xabcde;
    Bytes pkt = build(in);
    Result r = xl.run(pkt);
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_EQ(r.family, 4);
    // TOS = Traffic Class; flow label dropped; TTL = hop limit - 1; DF=0
    // below 1260 bytes with a fresh Identification.
    V4 want = udp4();
    want.tos = 0xb8;
    want.id = get16(r.out, 4);
    EXPECT_TRUE(SameBytes(r.out, build(want)));
    EXPECT_TRUE(ipv4_header_ok(r.out));
    EXPECT_TRUE(l4_checksum_ok(r.out));
    // The splice: the new IPv4 header plus the UDP header, payload in place.
    EXPECT_EQ(r.hdr_len, 28);
    EXPECT_EQ(r.consumed, 48u);
    EXPECT_EQ(r.tail_len, 100u);
    EXPECT_EQ(r.frag_size, 0);
    EXPECT_EQ(xl.counter(NAT64_C_TRANSLATED_6TO4), 1u);
}

TEST_F(Rfc7915_5_1_Ipv6Header, TcpByteExact) {
    V6 in;
    in.src = t.vm6;
    in.dst = t.peer6;
    in.tclass = 0x04;
    in.hlim = 200;
    in.proto = ipproto::TCP;
    in.l4 = tcp(443, 51000, 0x01020304, 0xa0b0c0d0, 0x18, pattern(300, 3));
    Result r = xl.run(build(in));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    V4 want;
    want.src = t.vm4;
    want.dst = t.peer4;
    want.tos = 0x04;
    want.ttl = 199;
    want.id = get16(r.out, 4);
    want.proto = ipproto::TCP;
    want.l4 = in.l4;
    EXPECT_TRUE(SameBytes(r.out, build(want)));
    EXPECT_EQ(r.hdr_len, 20 + 18);  // through the TCP checksum
    EXPECT_EQ(r.consumed, 40u + 18);
    EXPECT_TRUE(l4_checksum_ok(r.out));
}

// §5.1: "Don't Fragment: ... If the size of the translated IPv4 packet is
// less than or equal to 1260 bytes, it is set to zero; otherwise, it is set
// to one."  Identification: zero for atomic datagrams (RFC 6864 §4.1).
TEST_F(Rfc7915_5_1_Ipv6Header, DontFragmentAbove1260Bytes) {
    // 20 + 8 + 1232 = 1260 bytes of IPv4.
    Result r = xl.run(build(udp6(1232)));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    ASSERT_EQ(r.out.size(), 1260u);
    V4 want = udp4(1232);
    want.id = get16(r.out, 4);
    EXPECT_TRUE(SameBytes(r.out, build(want)));

    r = xl.run(build(udp6(1233)));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    ASSERT_EQ(r.out.size(), 1261u);
    want = udp4(1233);
    want.df = true;
    want.id = 0;
    EXPECT_TRUE(SameBytes(r.out, build(want)));

    // The largest the default ipv4-mtu carries.
    r = xl.run(build(udp6(1472)));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    want = udp4(1472);
    want.df = true;
    EXPECT_TRUE(SameBytes(r.out, build(want)));
}

// RFC 6864 §4.2: non-atomic datagrams need distinct Identifications; the
// translator uses a per-thread sequence.
TEST_F(Rfc7915_5_1_Ipv6Header, IdentificationIsASequence) {
    Bytes pkt = build(udp6());
    Result a = xl.run(pkt);
    Result b = xl.run(pkt);
    Result c = xl.run(pkt);
    ASSERT_FALSE(a.dropped());
    ASSERT_FALSE(c.dropped());
    EXPECT_EQ(get16(b.out, 4), static_cast<uint16_t>(get16(a.out, 4) + 1));
    EXPECT_EQ(get16(c.out, 4), static_cast<uint16_t>(get16(a.out, 4) + 2));
}

// §5.1: "Type of Service ... copied from IPv6 Traffic Class; ... SHOULD
// provide a configuration function ... to ... set the TOS to a configured
// value" (Jool's override-tos).
TEST(Rfc7915_5_1_TypeOfService, OverrideTos) {
    Topo t;
    TestInstance xl(kId + 1, {{"override-tos", true}, {"tos", 0x28}});
    V6 in;
    in.src = t.vm6;
    in.dst = t.peer6;
    in.tclass = 0xfc;
    in.l4 = udp(1, 2, pattern(10));
    Result r = xl.run(build(in));
    ASSERT_FALSE(r.dropped());
    EXPECT_EQ(r.out[1], 0x28);
    EXPECT_TRUE(ipv4_header_ok(r.out));
}

TEST(Rfc7915_5_1_TypeOfService, ZeroizeTrafficClassIsOnlyFor4to6) {
    Topo t;
    TestInstance xl(kId + 1, {{"zeroize-traffic-class", true}});
    V6 in;
    in.src = t.vm6;
    in.dst = t.peer6;
    in.tclass = 0xfc;
    in.l4 = udp(1, 2, pattern(10));
    Result r = xl.run(build(in));
    ASSERT_FALSE(r.dropped());
    EXPECT_EQ(r.out[1], 0xfc);
}

// §5.1: Hop-by-Hop, Destination Options and Routing headers with Segments
// Left 0 are skipped; Total Length and Protocol skip them.
TEST_F(Rfc7915_5_1_Ipv6Header, ExtensionHeadersAreSkipped) {
    V6 in = udp6(60);
    in.ext = {hop_by_hop(1), dest_opts(0), routing(0, 0, 1), dest_opts(2)};
    Bytes pkt = build(in);
    ASSERT_EQ(pkt.size(), 40u + 16 + 8 + 24 + 24 + 68);
    Result r = xl.run(pkt);
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    V4 want = udp4(60);
    want.id = get16(r.out, 4);
    EXPECT_TRUE(SameBytes(r.out, build(want)));
    EXPECT_EQ(r.consumed, 40u + 16 + 8 + 24 + 24 + 8);
    EXPECT_EQ(r.tail_len, 60u);
}

TEST_F(Rfc7915_5_1_Ipv6Header, TcpAfterExtensionHeaders) {
    V6 in;
    in.src = t.vm6;
    in.dst = t.peer6;
    in.ext = {hop_by_hop(0), routing(0, 2, 1)};
    in.proto = ipproto::TCP;
    in.l4 = tcp(1, 2, 3, 4, 0x02, {});
    Result r = xl.run(build(in));
    ASSERT_FALSE(r.dropped());
    V4 want;
    want.src = t.vm4;
    want.dst = t.peer4;
    want.ttl = 63;
    want.id = get16(r.out, 4);
    want.proto = ipproto::TCP;
    want.l4 = in.l4;
    EXPECT_TRUE(SameBytes(r.out, build(want)));
}

// RFC 8200 §4.1: Hop-by-Hop Options only immediately after the IPv6 header.
TEST_F(Rfc7915_5_1_Ipv6Header, HopByHopNotFirstIsDropped) {
    V6 in = udp6();
    in.ext = {dest_opts(0), hop_by_hop(0)};
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_EXT_HEADER));
    EXPECT_EQ(xl.counter(NAT64_C_DROP_EXT_HEADER), 1u);
}

// Protocols without a checksum the translator knows are carried unchanged.
TEST_F(Rfc7915_5_1_Ipv6Header, OtherProtocolsCarriedUnchanged) {
    for (uint8_t proto : {ipproto::GRE, ipproto::SCTP, uint8_t{50}}) {
        V6 in;
        in.src = t.vm6;
        in.dst = t.peer6;
        in.proto = proto;
        in.l4 = pattern(77, proto);
        Result r = xl.run(build(in));
        ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4)) << int{proto};
        V4 want;
        want.src = t.vm4;
        want.dst = t.peer4;
        want.ttl = 63;
        want.id = get16(r.out, 4);
        want.proto = proto;
        want.l4 = in.l4;
        EXPECT_TRUE(SameBytes(r.out, build(want)));
        EXPECT_EQ(r.hdr_len, 20);
        EXPECT_EQ(r.consumed, 40u);
    }
}

// The L3 length excludes L2 padding; trailing bytes beyond Payload Length
// are not part of the packet.
TEST_F(Rfc7915_5_1_Ipv6Header, TrailingBytesIgnored) {
    Bytes pkt = build(udp6(10));
    Bytes padded = cat(pkt, Bytes(30, 0xee));
    Result r = xl.run(padded);
    ASSERT_FALSE(r.dropped());
    V4 want = udp4(10);
    want.id = get16(r.out, 4);
    EXPECT_TRUE(SameBytes(r.out, build(want)));
}

// --- §5.1: hop limit ----------------------------------------------------------

using Rfc7915_5_1_HopLimit = Xlat64;

TEST_F(Rfc7915_5_1_HopLimit, TwoBecomesTtlOne) {
    V6 in = udp6();
    in.hlim = 2;
    Result r = xl.run(build(in));
    ASSERT_FALSE(r.dropped());
    EXPECT_EQ(r.out[8], 1);
    EXPECT_TRUE(ipv4_header_ok(r.out));
}

// RFC 4443 §3.3 (the translator is a router): time exceeded in transit
// from router-ipv6, quoting the packet.
TEST_F(Rfc7915_5_1_HopLimit, OneAndZeroAnswerTimeExceeded) {
    for (uint8_t hl : {uint8_t{1}, uint8_t{0}}) {
        V6 in = udp6();
        in.hlim = hl;
        Bytes pkt = build(in);
        Result r = xl.run(pkt);
        ASSERT_TRUE(Is(r, NAT64_ICMP_REPLY, NAT64_C_REPLY_HOP_LIMIT));
        EXPECT_EQ(r.family, 6);
        EXPECT_TRUE(SameBytes(r.out, icmp6_reply(t, t.vm6, 3, 0, 0, pkt)));
        EXPECT_TRUE(l4_checksum_ok(r.out));
        EXPECT_EQ(r.consumed, pkt.size());
        EXPECT_EQ(r.tail_len, 0u);
    }
    EXPECT_EQ(xl.counter(NAT64_C_REPLY_HOP_LIMIT), 2u);
}

// RFC 4443 §2.4(c): the error quotes as much as fits in 1280 bytes.
TEST_F(Rfc7915_5_1_HopLimit, QuoteTruncatedTo1280) {
    V6 in = udp6(1400);
    in.hlim = 1;
    Bytes pkt = build(in);
    Result r = xl.run(pkt);
    ASSERT_TRUE(Is(r, NAT64_ICMP_REPLY, NAT64_C_REPLY_HOP_LIMIT));
    ASSERT_EQ(r.out.size(), 1280u);
    EXPECT_TRUE(SameBytes(r.out, icmp6_reply(t, t.vm6, 3, 0, 0, pkt)));
}

// RFC 4443 §2.4(e.1): no error about an error.
TEST_F(Rfc7915_5_1_HopLimit, IcmpErrorIsDropped) {
    V6 inner;
    inner.src = t.peer6;
    inner.dst = t.vm6;
    inner.l4 = udp(53, 40000, pattern(8));
    V6 in;
    in.src = t.vm6;
    in.dst = t.peer6;
    in.hlim = 1;
    in.proto = ipproto::ICMPV6;
    in.l4 = icmp(1, 4, 0, build(inner));
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_HOP_LIMIT));
}

TEST(Rfc7915_5_1_HopLimitNoRouter, DroppedWithoutRouterAddress) {
    Topo t;
    TestInstance xl(kId + 2, {{"router-ipv6", nullptr}});
    V6 in;
    in.src = t.vm6;
    in.dst = t.peer6;
    in.hlim = 1;
    in.l4 = udp(1, 2, {});
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_NO_ROUTER_ADDR));
    EXPECT_EQ(xl.counter(NAT64_C_DROP_NO_ROUTER_ADDR), 1u);
}

// --- §5.1: routing header with Segments Left > 0 -------------------------------

using Rfc7915_5_1_RoutingHeader = Xlat64;

// "If a Routing header with a non-zero Segments Left field is present,
// then the packet MUST NOT be translated, and an ICMPv6 'parameter problem/
// erroneous header field encountered' (Type 4, Code 0) error message, with
// the Pointer field indicating the first byte of the Segments Left field,
// SHOULD be returned to the sender."
TEST_F(Rfc7915_5_1_RoutingHeader, SegmentsLeftAnswersParameterProblem) {
    V6 in = udp6(20);
    in.ext = {routing(1, 0, 1)};
    Bytes pkt = build(in);
    Result r = xl.run(pkt);
    ASSERT_TRUE(Is(r, NAT64_ICMP_REPLY, NAT64_C_REPLY_ROUTING_HDR));
    EXPECT_TRUE(SameBytes(r.out, icmp6_reply(t, t.vm6, 4, 0, 40 + 3, pkt)));

    in.ext = {hop_by_hop(0), dest_opts(1), routing(3, 4, 2)};
    pkt = build(in);
    r = xl.run(pkt);
    ASSERT_TRUE(Is(r, NAT64_ICMP_REPLY, NAT64_C_REPLY_ROUTING_HDR));
    EXPECT_TRUE(SameBytes(r.out, icmp6_reply(t, t.vm6, 4, 0, 40 + 8 + 16 + 3, pkt)));
    EXPECT_EQ(xl.counter(NAT64_C_REPLY_ROUTING_HDR), 2u);
}

// RFC 4443 §2.4(e.2): no parameter problem (code 0) about a packet sent
// to a multicast address.
TEST_F(Rfc7915_5_1_RoutingHeader, MulticastDestinationNotAnswered) {
    V6 in = udp6(20);
    in.dst = a6("ff0e::1:3");
    in.ext = {routing(1, 0, 1)};
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_DST_UNTRANSLATABLE));
}

TEST_F(Rfc7915_5_1_RoutingHeader, SegmentsLeftZeroIsIgnored) {
    V6 in = udp6(20);
    in.ext = {routing(0, 4, 3)};
    Result r = xl.run(build(in));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    V4 want = udp4(20);
    want.id = get16(r.out, 4);
    EXPECT_TRUE(SameBytes(r.out, build(want)));
}

TEST_F(Rfc7915_5_1_RoutingHeader, OnAnIcmpErrorIsDropped) {
    V6 inner;
    inner.src = t.peer6;
    inner.dst = t.vm6;
    inner.l4 = udp(53, 40000, pattern(8));
    V6 in;
    in.src = t.vm6;
    in.dst = t.peer6;
    in.ext = {routing(2)};
    in.proto = ipproto::ICMPV6;
    in.l4 = icmp(1, 4, 0, build(inner));
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_ICMP_ERROR_LOOP));
}

// --- Addresses: EAMT (RFC 7757), pool6 (RFC 6052), reserved space -------------

using Rfc7915_5_1_Addresses = Xlat64;

TEST_F(Rfc7915_5_1_Addresses, DestinationThroughEamt) {
    V6 in = udp6();
    in.dst = t.epeer6;
    Result r = xl.run(build(in));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    V4 want = udp4();
    want.dst = t.epeer4;
    want.id = get16(r.out, 4);
    EXPECT_TRUE(SameBytes(r.out, build(want)));
}

TEST_F(Rfc7915_5_1_Addresses, DestinationOutsidePool6IsDropped) {
    V6 in = udp6();
    in.dst = a6("2001:db8:99::1");
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_DST_UNTRANSLATABLE));
    EXPECT_EQ(xl.counter(NAT64_C_DROP_DST_UNTRANSLATABLE), 1u);
}

TEST(Rfc7915_5_1_AddressesNoPool6, Pool6UnsetDropsButEamtWorks) {
    Topo t;
    TestInstance xl(kId + 3, {{"pool6", nullptr}});
    V6 in;
    in.src = t.vm6;
    in.dst = t.peer6;
    in.l4 = udp(1, 2, {});
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_POOL6_UNSET));
    in.dst = t.epeer6;
    EXPECT_TRUE(Is(xl.run(build(in)), NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
}

// RFC 6052 §2.2 prefixes other than /96: the address is found around the
// u-octet.
TEST(Rfc7915_5_1_AddressesPool6, Pool6Slash48) {
    Topo t;
    TestInstance xl(kId + 3, {{"pool6", "2001:db8:100::/48"}});
    V6 in;
    in.src = t.vm6;
    // 203.0.113.7 = cb.00.71.07: bits 48..63 = cb00, u-octet, then 71 07.
    in.dst = a6("2001:db8:100:cb00:71:700::");
    in.l4 = udp(1, 2, pattern(5));
    Result r = xl.run(build(in));
    ASSERT_FALSE(r.dropped());
    EXPECT_EQ(get32(r.out, 16), t.peer4);
}

// RFC 6890 ranges are never reached through pool6.
TEST_F(Rfc7915_5_1_Addresses, ReservedDestinationsDropped) {
    for (const char *d : {"0.0.0.1", "127.0.0.1", "169.254.9.9", "224.0.0.1", "239.255.255.250",
                          "240.0.0.1", "255.255.255.255"}) {
        V6 in = udp6();
        uint32_t v4 = a4(d);
        in.dst = a6("2001:db8:64::");
        in.dst[12] = static_cast<uint8_t>(v4 >> 24);
        in.dst[13] = static_cast<uint8_t>(v4 >> 16);
        in.dst[14] = static_cast<uint8_t>(v4 >> 8);
        in.dst[15] = static_cast<uint8_t>(v4);
        EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_RESERVED_ADDR)) << d;
    }
    // Private space is an operator's choice (denylist4), not reserved.
    for (const char *d : {"10.1.2.3", "192.168.1.1", "172.16.0.1", "100.64.0.1"}) {
        V6 in = udp6();
        uint32_t v4 = a4(d);
        in.dst = a6("2001:db8:64::");
        for (int i = 0; i < 4; i++)
            in.dst[12 + i] = static_cast<uint8_t>(v4 >> (24 - 8 * i));
        Result r = xl.run(build(in));
        ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4)) << d;
        EXPECT_EQ(get32(r.out, 16), v4);
    }
}

// RFC 6052 §3.1: "The Well-Known Prefix MUST NOT be used to represent
// non-global IPv4 addresses" (RFC 1918, RFC 6890 non-global entries).
TEST(Rfc6052_3_1_WellKnownPrefix, NonGlobalDestinationsDropped) {
    Topo t;
    TestInstance xl(kId + 13, {{"pool6", "64:ff9b::/96"}});
    V6 in;
    in.src = t.vm6;
    in.l4 = udp(1, 2, pattern(5));
    for (const char *d : {"64:ff9b::10.1.2.3", "64:ff9b::172.16.0.1", "64:ff9b::192.168.1.1",
                          "64:ff9b::100.64.0.1", "64:ff9b::192.0.2.33", "64:ff9b::198.18.0.1",
                          "64:ff9b::203.0.113.7", "64:ff9b::127.0.0.1"}) {
        in.dst = a6(d);
        EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_RESERVED_ADDR)) << d;
    }
    in.dst = a6("64:ff9b::8.8.8.8");
    Result r = xl.run(build(in));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_EQ(get32(r.out, 16), a4("8.8.8.8"));
    // An EAMT destination is explicit and not subject to it.
    in.dst = t.epeer6;
    EXPECT_TRUE(Is(xl.run(build(in)), NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
}

TEST(Rfc7915_5_1_AddressesDenylist, DenylistBlocksPool6NotEamt) {
    Topo t;
    TestInstance xl(kId + 4,
                    {{"denylist4", {"192.168.0.0/16", "203.0.113.7/32", "100.64.0.0/10"}}});
    V6 in;
    in.src = t.vm6;
    in.l4 = udp(1, 2, pattern(5));
    in.dst = a6("2001:db8:64::c0a8:0101");  // 192.168.1.1
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_RESERVED_ADDR));
    in.dst = t.peer6;  // 203.0.113.7
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_RESERVED_ADDR));
    in.dst = a6("2001:db8:64::cb00:7108");  // 203.0.113.8
    EXPECT_TRUE(Is(xl.run(build(in)), NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    // The EAMT is explicit and is not subject to the denylist.
    in.dst = t.epeer6;  // 100.64.1.3
    EXPECT_TRUE(Is(xl.run(build(in)), NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    // ...but the pool6 form of the same address is.
    in.dst = a6("2001:db8:64::6440:0103");
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_RESERVED_ADDR));
    EXPECT_EQ(xl.counter(NAT64_C_DROP_RESERVED_ADDR), 3u);
}

// Source: EAMT only (a VM must not pick its IPv4 source through pool6).
// An unmapped source is answered as §5.4 says for discarded packets:
// destination unreachable, code 1 "communication with destination
// administratively prohibited".
TEST_F(Rfc7915_5_1_Addresses, UnmappedSourceAnswersAdminProhibited) {
    for (const A6 &src : {t.stray6, a6("2001:db8:64::cb00:7109")}) {  // pool6 is not a source
        V6 in = udp6();
        in.src = src;
        Bytes pkt = build(in);
        Result r = xl.run(pkt);
        ASSERT_TRUE(Is(r, NAT64_ICMP_REPLY, NAT64_C_REPLY_SRC_UNTRANSLATABLE));
        EXPECT_EQ(r.family, 6);
        EXPECT_TRUE(SameBytes(r.out, icmp6_reply(t, src, 1, 1, 0, pkt)));
    }
    EXPECT_EQ(xl.counter(NAT64_C_REPLY_SRC_UNTRANSLATABLE), 2u);
}

TEST_F(Rfc7915_5_1_Addresses, UnmappedSourceInformationalIcmpDropped) {
    V6 in;
    in.src = t.stray6;
    in.dst = t.peer6;
    in.proto = ipproto::ICMPV6;
    in.l4 = icmp(128, 0, echo_rest(1, 1), pattern(8));
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_SRC_UNTRANSLATABLE));
}

// RFC 4443 §2.4(e.3): never answer an unspecified or multicast source.
TEST_F(Rfc7915_5_1_Addresses, UnanswerableSourceDropped) {
    for (const char *s : {"::", "ff02::1", "ff0e::1234"}) {
        V6 in = udp6();
        in.src = a6(s);
        EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_SRC_UNTRANSLATABLE)) << s;
    }
}

TEST(Rfc7915_5_1_AddressesNoRouter, UnmappedSourceWithoutRouterAddressDropped) {
    Topo t;
    TestInstance xl(kId + 5, {{"router-ipv6", nullptr}});
    V6 in;
    in.src = t.stray6;
    in.dst = t.peer6;
    in.l4 = udp(1, 2, {});
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_NO_ROUTER_ADDR));
}

TEST(Rfc7915_5_1_AddressesPool4, UnmappedSourceNeedsState) {
    Topo t;
    TestInstance xl(kId + 6, {{"pool4",
                               {{{"prefix", "192.0.2.2/32"},
                                 {"ports", "1-3000"},
                                 {"protocols", {"tcp", "udp", "icmp"}}}}}});
    // A source without EAMT entry is translated statefully (RFC 6146): it
    // leaves from the pool4 address, with a pool4 port of the same range
    // class as its own (port 1 is below 1024: RFC 6146 §3.5.1.1).
    V6 in;
    in.src = t.stray6;
    in.dst = t.peer6;
    in.l4 = udp(1, 2, pattern(12));
    Result r = xl.run(build(in));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    ASSERT_EQ(r.out.size(), 20u + 8 + 12);
    EXPECT_EQ(get32(r.out, 12), a4("192.0.2.2"));
    EXPECT_EQ(get32(r.out, 16), t.peer4);
    const uint16_t port4 = get16(r.out, 20);
    EXPECT_GE(port4, 1);
    EXPECT_LE(port4, 1023);
    V4 want;
    want.src = a4("192.0.2.2");
    want.dst = t.peer4;
    want.ttl = 63;
    want.id = get16(r.out, 4);
    want.l4 = udp(port4, 2, pattern(12));
    EXPECT_TRUE(SameBytes(r.out, build(want)));
    EXPECT_EQ(xl.counter(NAT64_C_DROP_NO_STATE), 0u);
    // Protocols without transport addresses cannot be translated
    // statefully.
    V6 gre = in;
    gre.proto = ipproto::GRE;
    gre.l4 = pattern(8);
    EXPECT_TRUE(IsDrop(xl.run(build(gre)), NAT64_C_DROP_NO_STATE));
    EXPECT_EQ(xl.counter(NAT64_C_DROP_NO_STATE), 1u);
    // EAMT-mapped hosts are still translated statelessly, ports untouched.
    in.src = t.vm6;
    r = xl.run(build(in));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_EQ(get32(r.out, 12), t.vm4);
    EXPECT_EQ(get16(r.out, 20), 1);
}

// --- Packet too big (RFC 8201; the translator is the IPv6 path's last hop) ---

TEST(Rfc7915_5_1_PacketTooBig, AboveIpv4MtuAnswersPtb) {
    Topo t;
    TestInstance xl(kId + 7, {{"ipv4-mtu", 1400}});
    V6 in;
    in.src = t.vm6;
    in.dst = t.peer6;
    in.l4 = udp(1, 2, pattern(1400 - 28));  // exactly 1400 bytes of IPv4
    Result r = xl.run(build(in));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_EQ(r.out.size(), 1400u);

    in.l4 = udp(1, 2, pattern(1400 - 27));
    Bytes pkt = build(in);
    r = xl.run(pkt);
    ASSERT_TRUE(Is(r, NAT64_ICMP_REPLY, NAT64_C_REPLY_TOO_BIG));
    // MTU: what the IPv4 link carries plus the 20 bytes the header grows.
    EXPECT_TRUE(SameBytes(r.out, icmp6_reply(t, t.vm6, 2, 0, 1420, pkt)));
    EXPECT_EQ(r.out.size(), 1280u);
    EXPECT_EQ(xl.counter(NAT64_C_REPLY_TOO_BIG), 1u);
}

// An IPv6 link is at least 1280 (RFC 8200 §5): never advertise less.
TEST(Rfc7915_5_1_PacketTooBig, SmallIpv4MtuAdvertises1280) {
    Topo t;
    TestInstance xl(kId + 7, {{"ipv4-mtu", 576}});
    V6 in;
    in.src = t.vm6;
    in.dst = t.peer6;
    in.l4 = udp(1, 2, pattern(600));
    Bytes pkt = build(in);
    Result r = xl.run(pkt);
    ASSERT_TRUE(Is(r, NAT64_ICMP_REPLY, NAT64_C_REPLY_TOO_BIG));
    EXPECT_TRUE(SameBytes(r.out, icmp6_reply(t, t.vm6, 2, 0, 1280, pkt)));
}

// A packet that would be dropped anyway gets no packet too big: the
// sender would lower its path MTU for nothing.
TEST(Rfc7915_5_1_PacketTooBig, UntranslatableTooBigIsDroppedNotAnswered) {
    Topo t;
    TestInstance xl(kId + 7, {{"ipv4-mtu", 1280}});
    V6 in;
    in.src = t.vm6;
    in.dst = t.peer6;
    in.proto = ipproto::ICMPV6;
    in.l4 = icmp(135, 0, 0, pattern(1400));  // neighbour solicitation
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_ICMP_TYPE));
    in.l4 = icmp(128, 0, echo_rest(1, 1), pattern(1400));
    EXPECT_TRUE(IsDrop(xl.run(fragment6(in, 8, 1320, true, 3)), NAT64_C_DROP_ICMP_FRAGMENT));
    in.proto = ipproto::UDP;
    in.l4 = udp(1, 2, pattern(1400));
    in.fix_csum = false;
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_UDP_CHECKSUM_ZERO));
    EXPECT_EQ(xl.counter(NAT64_C_REPLY_TOO_BIG), 0u);
}

// --- §5.5: transport-layer headers --------------------------------------------

using Rfc7915_5_5_Transport = Xlat64;

// RFC 8200 §8.1: a zero UDP checksum is invalid in IPv6.
TEST_F(Rfc7915_5_5_Transport, UdpZeroChecksumDropped) {
    V6 in = udp6();
    in.fix_csum = false;
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_UDP_CHECKSUM_ZERO));
    EXPECT_EQ(xl.counter(NAT64_C_DROP_UDP_CHECKSUM_ZERO), 1u);
}

// RFC 768: a computed checksum of zero is sent as all ones.
TEST_F(Rfc7915_5_5_Transport, UdpChecksumZeroSentAsAllOnes) {
    // Choose two payload bytes so that the IPv4 checksum comes out zero.
    Bytes payload = pattern(20);
    payload[0] = payload[1] = 0;
    Bytes l4 = udp(40000, 53, payload);
    uint64_t s = sum_bytes(l4, pseudo4(t.vm4, t.peer4, static_cast<uint32_t>(l4.size()), 17));
    uint16_t fix = static_cast<uint16_t>(0xffff - fold(s));
    payload[0] = static_cast<uint8_t>(fix >> 8);
    payload[1] = static_cast<uint8_t>(fix);
    V6 in = udp6();
    in.l4 = udp(40000, 53, payload);
    Result r = xl.run(build(in));
    ASSERT_FALSE(r.dropped());
    EXPECT_EQ(get16(r.out, 20 + 6), 0xffff);
    EXPECT_TRUE(l4_checksum_ok(r.out));
}

// The checksum update must hold for any addresses and payloads: compare
// with a from-scratch computation over many cases.
TEST_F(Rfc7915_5_5_Transport, ChecksumsMatchFromScratch) {
    for (unsigned i = 0; i < 256; i++) {
        V6 in;
        in.src = t.vm6;
        in.src[15] = static_cast<uint8_t>(i);
        in.dst = t.peer6;
        in.dst[12] = static_cast<uint8_t>(11 + i % 100);  // clear of 127/8, 169.254/16
        in.dst[15] = static_cast<uint8_t>(i * 13);
        in.proto = i % 2 ? ipproto::TCP : ipproto::UDP;
        Bytes payload = pattern(i, static_cast<uint8_t>(i * 31));
        in.l4 = in.proto == ipproto::TCP
                    ? tcp(static_cast<uint16_t>(i), 80, i * 77, i, 0x10, payload)
                    : udp(static_cast<uint16_t>(i), 53, payload);
        Result r = xl.run(build(in));
        ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4)) << i;
        V4 want;
        want.src = a4("198.51.100.0") + i;
        want.dst = get32(r.out, 16);
        want.ttl = 63;
        want.id = get16(r.out, 4);
        want.proto = in.proto;
        want.l4 = in.l4;
        ASSERT_TRUE(SameBytes(r.out, build(want))) << i;
    }
}

// §5.2: Echo Request/Reply (128/129) become types 8/0; the checksum loses
// the pseudo-header (ICMPv4 has none).
TEST_F(Rfc7915_5_5_Transport, IcmpEchoByteExact) {
    const std::pair<uint8_t, uint8_t> types[] = {{128, 8}, {129, 0}};
    for (auto [t6, t4] : types) {
        V6 in;
        in.src = t.vm6;
        in.dst = t.peer6;
        in.proto = ipproto::ICMPV6;
        in.l4 = icmp(t6, 0, echo_rest(0x1234, 7), pattern(56));
        Result r = xl.run(build(in));
        ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
        V4 want;
        want.src = t.vm4;
        want.dst = t.peer4;
        want.ttl = 63;
        want.id = get16(r.out, 4);
        want.proto = ipproto::ICMP;
        want.l4 = icmp(t4, 0, echo_rest(0x1234, 7), pattern(56));
        EXPECT_TRUE(SameBytes(r.out, build(want)));
        EXPECT_EQ(r.hdr_len, 28);
    }
}

// §5.2 only says "adjust the type values"; echo has just code 0 in both
// families (RFC 792, RFC 4443 §4.1), and the translator writes the mapped
// message's code (0), as Jool does.  The checksum must follow.
TEST_F(Rfc7915_5_5_Transport, IcmpEchoCodeNormalised) {
    V6 in;
    in.src = t.vm6;
    in.dst = t.peer6;
    in.proto = ipproto::ICMPV6;
    in.l4 = icmp(128, 3, echo_rest(1, 2), pattern(8));
    Result r = xl.run(build(in));
    ASSERT_FALSE(r.dropped());
    EXPECT_EQ(r.out[20], 8);
    EXPECT_EQ(r.out[21], 0);
    EXPECT_TRUE(l4_checksum_ok(r.out));
}

// §5.2: MLD, ND and unknown informational messages are silently dropped.
TEST_F(Rfc7915_5_5_Transport, OtherInformationalIcmpDropped) {
    for (int type : {130, 131, 132, 133, 134, 135, 136, 137, 143, 200, 255}) {
        V6 in;
        in.src = t.vm6;
        in.dst = t.peer6;
        in.proto = ipproto::ICMPV6;
        in.l4 = icmp(static_cast<uint8_t>(type), 0, 0, pattern(16));
        EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_ICMP_TYPE)) << type;
    }
}

TEST(Rfc7915_5_5_TransportOptions, DropIcmpv6Info) {
    Topo t;
    TestInstance xl(kId + 8, {{"drop-icmpv6-info", true}});
    V6 in;
    in.src = t.vm6;
    in.dst = t.peer6;
    in.proto = ipproto::ICMPV6;
    in.l4 = icmp(128, 0, echo_rest(1, 1), {});
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_ICMPV6_INFO));
    EXPECT_EQ(xl.counter(NAT64_C_DROP_ICMPV6_INFO), 1u);
}

// --- Truncated and malformed input ----------------------------------------------

using Rfc7915_5_1_Malformed = Xlat64;

TEST_F(Rfc7915_5_1_Malformed, ShorterThanTheFixedHeader) {
    Bytes pkt = build(udp6());
    for (size_t n = 1; n < 40; n++) {
        EXPECT_TRUE(IsDrop(xl.run(slice(pkt, 0, n)), NAT64_C_DROP_TRUNCATED)) << n;
    }
}

TEST_F(Rfc7915_5_1_Malformed, ShorterThanPayloadLength) {
    Bytes pkt = build(udp6());
    for (size_t n : {size_t{40}, size_t{47}, pkt.size() - 1}) {
        EXPECT_TRUE(IsDrop(xl.run(slice(pkt, 0, n)), NAT64_C_DROP_TRUNCATED)) << n;
    }
}

TEST_F(Rfc7915_5_1_Malformed, PayloadLengthZero) {
    V6 in = udp6();
    in.plen = 0;
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_BAD_HEADER));
}

TEST_F(Rfc7915_5_1_Malformed, NotIp) {
    Bytes pkt = build(udp6());
    for (uint8_t v : {0, 1, 5, 7, 15}) {
        pkt[0] = static_cast<uint8_t>((v << 4) | (pkt[0] & 0xf));
        EXPECT_TRUE(IsDrop(xl.run(pkt), NAT64_C_DROP_NOT_IP)) << int{v};
    }
    EXPECT_TRUE(IsDrop(xl.run({}), NAT64_C_DROP_TRUNCATED));
}

TEST_F(Rfc7915_5_1_Malformed, TransportHeaderTruncated) {
    struct Case {
        uint8_t proto;
        size_t len;
    };
    for (Case c : {Case{ipproto::TCP, 17}, Case{ipproto::TCP, 1}, Case{ipproto::UDP, 7},
                   Case{ipproto::UDP, 2}, Case{ipproto::ICMPV6, 0}, Case{ipproto::ICMPV6, 7}}) {
        V6 in;
        in.src = t.vm6;
        in.dst = t.peer6;
        in.proto = c.proto;
        in.l4 = Bytes(c.len, c.proto == ipproto::ICMPV6 ? 128 : 0);
        in.fix_csum = false;
        Bytes pkt = build(in);
        if (c.len == 0) {
            // Payload length 0 means a jumbogram: not ours.
            EXPECT_TRUE(IsDrop(xl.run(pkt), NAT64_C_DROP_BAD_HEADER));
            in.ext = {dest_opts(0)};
            pkt = build(in);
        }
        EXPECT_TRUE(IsDrop(xl.run(pkt), NAT64_C_DROP_TRUNCATED)) << int{c.proto} << " " << c.len;
    }
}

TEST_F(Rfc7915_5_1_Malformed, ExtensionHeaderBeyondThePacket) {
    V6 in = udp6(0);
    in.ext = {dest_opts(0)};
    Bytes pkt = build(in);
    pkt[40 + 1] = 4;  // claims 40 bytes, 16 follow
    EXPECT_TRUE(IsDrop(xl.run(pkt), NAT64_C_DROP_EXT_HEADER));
    // A chain cut short inside the header itself.
    V6 cut = udp6(0);
    cut.ext = {hop_by_hop(0)};
    cut.l4 = {};
    cut.proto = ipproto::DSTOPTS;
    cut.l4 = Bytes(4, 0);  // 4 bytes of a Destination Options header
    cut.fix_csum = false;
    EXPECT_TRUE(IsDrop(xl.run(build(cut)), NAT64_C_DROP_EXT_HEADER));
    // Fragment header cut short.
    V6 f = udp6(0);
    f.proto = ipproto::FRAGMENT;
    f.l4 = Bytes(7, 0);
    f.fix_csum = false;
    EXPECT_TRUE(IsDrop(xl.run(build(f)), NAT64_C_DROP_EXT_HEADER));
}

TEST_F(Rfc7915_5_1_Malformed, TwoFragmentHeaders) {
    V6 in = udp6(16);
    in.ext = {frag_hdr(0, true, 1), frag_hdr(0, true, 2)};
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_EXT_HEADER));
}

// --- RFC 7757 §4.2: hairpinning -----------------------------------------------------

using Rfc7757_4_2_Hairpin = Xlat64;

// VM A writes to the pool6 form of VM B's EAMT address.  The packet stays
// in IPv6: destination VM B's EAMT address, source VM A's IPv4 address in
// its pool6 form, so that B answers through the translator (RFC 7757
// §4.2); the hop limit drops by one (one router hop).
TEST_F(Rfc7757_4_2_Hairpin, UdpRewritten) {
    V6 in = udp6(30);
    in.dst = a6("2001:db8:64::198.51.100.9");
    in.tclass = 0x20;
    Result r = xl.run(build(in));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_HAIRPINNED));
    EXPECT_EQ(r.family, 6);
    V6 want = udp6(30);
    want.src = a6("2001:db8:64::198.51.100.5");
    want.dst = t.vm6b;
    want.tclass = 0x20;
    want.hlim = 63;
    EXPECT_TRUE(SameBytes(r.out, build(want)));
    EXPECT_TRUE(l4_checksum_ok(r.out));
    EXPECT_EQ(xl.counter(NAT64_C_HAIRPINNED), 1u);
    EXPECT_EQ(xl.counter(NAT64_C_TRANSLATED_6TO4), 0u);
}

TEST_F(Rfc7757_4_2_Hairpin, TcpAndEchoChecksums) {
    V6 in;
    in.src = t.vm6;
    in.dst = a6("2001:db8:64::198.51.100.9");
    in.proto = ipproto::TCP;
    in.l4 = tcp(1000, 22, 1, 2, 0x02, pattern(5));
    Result r = xl.run(build(in));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_HAIRPINNED));
    V6 want = in;
    want.src = a6("2001:db8:64::198.51.100.5");
    want.dst = t.vm6b;
    want.hlim = 63;
    EXPECT_TRUE(SameBytes(r.out, build(want)));

    in.proto = ipproto::ICMPV6;
    in.l4 = icmp(128, 0, echo_rest(9, 9), pattern(32));
    r = xl.run(build(in));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_HAIRPINNED));
    want = in;
    want.src = a6("2001:db8:64::198.51.100.5");
    want.dst = t.vm6b;
    want.hlim = 63;
    EXPECT_TRUE(SameBytes(r.out, build(want)));
}

// The hop limit is checked before hairpinning, like any forwarding.
TEST_F(Rfc7757_4_2_Hairpin, HopLimitOne) {
    V6 in = udp6(30);
    in.dst = a6("2001:db8:64::198.51.100.9");
    in.hlim = 1;
    Bytes pkt = build(in);
    Result r = xl.run(pkt);
    ASSERT_TRUE(Is(r, NAT64_ICMP_REPLY, NAT64_C_REPLY_HOP_LIMIT));
    EXPECT_TRUE(SameBytes(r.out, icmp6_reply(t, t.vm6, 3, 0, 0, pkt)));
}

TEST(Rfc7757_4_2_HairpinModes, OffDrops) {
    Topo t;
    TestInstance xl(kId + 9, {{"eam-hairpin-mode", "off"}});
    V6 in;
    in.src = t.vm6;
    in.dst = a6("2001:db8:64::198.51.100.9");
    in.l4 = udp(1, 2, {});
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_HAIRPIN_OFF));
    EXPECT_EQ(xl.counter(NAT64_C_DROP_HAIRPIN_OFF), 1u);
}

// An ICMPv6 error hairpins only in intrinsic mode; its quote is rewritten
// the same way, as translating it to IPv4 and back would (§5.3 + §4.3):
// quoted addresses mapped, quoted transport checksum following them.
TEST(Rfc7757_4_2_HairpinModes, ErrorsOnlyInIntrinsicMode) {
    Topo t;
    const A6 a_pool6 = a6("2001:db8:64::198.51.100.5");  // VM A as VM B sees it
    // VM B is in the other EAMT entry, so the address change is not
    // checksum-neutral.
    const A6 b6 = t.epeer6;
    const A6 b_pool6 = a6("2001:db8:64::100.64.1.3");  // VM B as VM A addresses it
    const Bytes dgram = udp(5000, 6000, pattern(10));
    V6 inner;  // what VM B received from VM A, through a hairpin
    inner.src = a_pool6;
    inner.dst = b6;
    inner.hlim = 63;
    inner.l4 = dgram;
    V6 in;  // VM B's port unreachable
    in.src = b6;
    in.dst = a_pool6;
    in.proto = ipproto::ICMPV6;
    in.l4 = icmp(1, 4, 0, build(inner));
    Bytes pkt = build(in);
    {
        TestInstance xl(kId + 10, {{"eam-hairpin-mode", "simple"}});
        EXPECT_TRUE(IsDrop(xl.run(pkt), NAT64_C_DROP_HAIRPIN_OFF));
        // Ordinary packets hairpin in simple mode.
        V6 u;
        u.src = t.vm6;
        u.dst = b_pool6;
        u.l4 = udp(1, 2, {});
        EXPECT_TRUE(Is(xl.run(build(u)), NAT64_TRANSLATED, NAT64_C_HAIRPINNED));
    }
    TestInstance xl(kId + 11, {{"eam-hairpin-mode", "intrinsic"}});
    Result r = xl.run(pkt);
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_HAIRPINNED));
    // VM A gets: from B's pool6 form, quoting the packet as A sent it.
    V6 quote;
    quote.src = t.vm6;
    quote.dst = b_pool6;
    quote.hlim = 63;
    quote.l4 = dgram;
    V6 want;
    want.src = b_pool6;
    want.dst = t.vm6;
    want.hlim = 63;
    want.proto = ipproto::ICMPV6;
    want.l4 = icmp(1, 4, 0, build(quote));
    EXPECT_TRUE(SameBytes(r.out, build(want)));
}

// A corrupted error must not leave with a fresh valid checksum.
TEST(Rfc7757_4_2_HairpinModes, CorruptErrorDropped) {
    Topo t;
    TestInstance xl(kId + 12);
    V6 inner;
    inner.src = a6("2001:db8:64::198.51.100.5");
    inner.dst = t.vm6b;
    inner.l4 = udp(5000, 6000, pattern(10));
    V6 in;
    in.src = t.vm6b;
    in.dst = a6("2001:db8:64::198.51.100.5");
    in.proto = ipproto::ICMPV6;
    in.l4 = icmp(1, 4, 0, build(inner));
    Bytes pkt = build(in);
    pkt[42] ^= 0x10;
    EXPECT_TRUE(IsDrop(xl.run(pkt), NAT64_C_DROP_BAD_HEADER));
}

}  // namespace
}  // namespace nat64test
