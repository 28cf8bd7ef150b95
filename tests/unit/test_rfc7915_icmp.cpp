// RFC 7915 ICMP translation: the type/code tables (§4.2, §5.2), the
// parameter problem pointer tables (Figures 3 and 6), the MTU arithmetic of
// packet too big / fragmentation needed (incl. RFC 1191 plateaus), the
// translation of the packet inside an ICMP error (§4.3, §5.3), RFC 4884
// extensions, and RFC 6791 sources.
//
// Every expected packet is built from the RFC rules with packet_builder.hpp.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <set>
#include <vector>

#include "icmp_map.hpp"
#include "packet_builder.hpp"

namespace nat64test {
namespace {

constexpr uint32_t kId = 7915;

// --- The RFC tables, written out independently --------------------------------

struct Expect {
    enum Kind { drop, info, error } kind = drop;
    uint8_t type = 0, code = 0;
    enum Extra { none, map_pointer, pointer6, mtu } extra = none;
};

// RFC 7915 §4.2, ICMPv4 -> ICMPv6.
Expect rfc_4to6(uint8_t type, uint8_t code) {
    using E = Expect;
    switch (type) {
        case 8:
            return {E::info, 128, 0};
        case 0:
            return {E::info, 129, 0};
        case 3:
            switch (code) {
                case 0:  // net unreachable
                case 1:  // host unreachable
                    return {E::error, 1, 0};
                case 2:  // protocol unreachable
                    return {E::error, 4, 1, E::pointer6};
                case 3:  // port unreachable
                    return {E::error, 1, 4};
                case 4:  // fragmentation needed
                    return {E::error, 2, 0, E::mtu};
                case 5:  // source route failed
                case 6:
                case 7:
                case 8:
                case 11:
                case 12:
                    return {E::error, 1, 0};
                case 9:
                case 10:
                case 13:
                case 15:
                    return {E::error, 1, 1};
                default:  // 14 and unknown codes
                    return {};
            }
        case 11:  // Time Exceeded: code unchanged
            return {E::error, 3, code};
        case 12:  // Parameter Problem: codes 0 and 2, pointer translated
            if (code == 0 || code == 2) return {E::error, 4, 0, E::map_pointer};
            return {};
        default:
            return {};
    }
}

// RFC 7915 §5.2, ICMPv6 -> ICMPv4.
Expect rfc_6to4(uint8_t type, uint8_t code) {
    using E = Expect;
    switch (type) {
        case 128:
            return {E::info, 8, 0};
        case 129:
            return {E::info, 0, 0};
        case 1:
            switch (code) {
                case 0:  // no route
                case 2:  // beyond scope of source address
                case 3:  // address unreachable
                    return {E::error, 3, 1};
                case 1:  // administratively prohibited
                    return {E::error, 3, 10};
                case 4:  // port unreachable
                    return {E::error, 3, 3};
                default:
                    return {};
            }
        case 2:
            return {E::error, 3, 4, E::mtu};
        case 3:
            return {E::error, 11, code};
        case 4:
            if (code == 0) return {E::error, 12, 0, E::map_pointer};
            if (code == 1) return {E::error, 3, 2};
            return {};
        default:
            return {};
    }
}

// Figure 3: IPv4 pointer -> IPv6 pointer (nullopt: n/a).
std::optional<uint32_t> figure3(uint32_t p) {
    if (p == 0) return 0;
    if (p == 1) return 1;
    if (p == 2 || p == 3) return 4;
    if (p == 8) return 7;
    if (p == 9) return 6;
    if (p >= 12 && p <= 15) return 8;
    if (p >= 16 && p <= 19) return 24;
    return std::nullopt;
}

// Figure 6: IPv6 pointer -> IPv4 pointer.
std::optional<uint32_t> figure6(uint32_t p) {
    if (p == 0) return 0;
    if (p == 1) return 1;
    if (p == 4 || p == 5) return 2;
    if (p == 6) return 9;
    if (p == 7) return 8;
    if (p >= 8 && p <= 23) return 12;
    if (p >= 24 && p <= 39) return 16;
    return std::nullopt;
}

TEST(Rfc7915_4_2_IcmpMapping, TableMatchesRfc) {
    for (unsigned type = 0; type < 256; type++) {
        for (unsigned code = 0; code < 256; code++) {
            auto t8 = static_cast<uint8_t>(type), c8 = static_cast<uint8_t>(code);
            Expect e = rfc_4to6(t8, c8);
            nat64::IcmpMapping m = nat64::icmp4_to_icmp6(t8, c8);
            SCOPED_TRACE(testing::Message() << "ICMPv4 " << type << "/" << code);
            switch (e.kind) {
                case Expect::drop:
                    EXPECT_EQ(m.kind, nat64::IcmpKind::drop);
                    continue;
                case Expect::info:
                    ASSERT_EQ(m.kind, nat64::IcmpKind::info);
                    break;
                case Expect::error:
                    ASSERT_EQ(m.kind, nat64::IcmpKind::error);
                    break;
            }
            EXPECT_EQ(m.type, e.type);
            EXPECT_EQ(m.code, e.code);
            EXPECT_EQ(m.map_pointer, e.extra == Expect::map_pointer);
            EXPECT_EQ(m.mtu, e.extra == Expect::mtu);
            EXPECT_EQ(m.set_pointer, e.extra == Expect::pointer6);
            if (m.set_pointer) {
                EXPECT_EQ(m.pointer, 6);  // IPv6 Next Header
            }
        }
    }
}

TEST(Rfc7915_5_2_IcmpMapping, TableMatchesRfc) {
    for (unsigned type = 0; type < 256; type++) {
        for (unsigned code = 0; code < 256; code++) {
            auto t8 = static_cast<uint8_t>(type), c8 = static_cast<uint8_t>(code);
            Expect e = rfc_6to4(t8, c8);
            nat64::IcmpMapping m = nat64::icmp6_to_icmp4(t8, c8);
            SCOPED_TRACE(testing::Message() << "ICMPv6 " << type << "/" << code);
            switch (e.kind) {
                case Expect::drop:
                    EXPECT_EQ(m.kind, nat64::IcmpKind::drop);
                    continue;
                case Expect::info:
                    ASSERT_EQ(m.kind, nat64::IcmpKind::info);
                    break;
                case Expect::error:
                    ASSERT_EQ(m.kind, nat64::IcmpKind::error);
                    break;
            }
            EXPECT_EQ(m.type, e.type);
            EXPECT_EQ(m.code, e.code);
            EXPECT_EQ(m.map_pointer, e.extra == Expect::map_pointer);
            EXPECT_EQ(m.mtu, e.extra == Expect::mtu);
            EXPECT_FALSE(m.set_pointer);
        }
    }
}

TEST(Rfc7915_4_2_ParameterProblem, Figure3Table) {
    for (unsigned p = 0; p < 256; p++) {
        auto want = figure3(p);
        EXPECT_EQ(nat64::param_pointer_4to6(static_cast<uint8_t>(p)),
                  want ? static_cast<int>(*want) : -1)
            << p;
    }
}

TEST(Rfc7915_5_2_ParameterProblem, Figure6Table) {
    for (uint32_t p : {0u,  1u,  2u,  3u,  4u,   5u,   6u,    7u,       8u,         15u,        23u,
                       24u, 39u, 40u, 41u, 255u, 256u, 1279u, 0x10000u, 0x1000000u, 0xffffffffu}) {
        auto want = figure6(p);
        EXPECT_EQ(nat64::param_pointer_6to4(p), want ? static_cast<int>(*want) : -1) << p;
    }
    for (uint32_t p = 0; p < 2000; p++) {
        auto want = figure6(p);
        EXPECT_EQ(nat64::param_pointer_6to4(p), want ? static_cast<int>(*want) : -1) << p;
    }
}

// RFC 1191 §7: the greatest plateau strictly below the total length.
TEST(Rfc1191_7_Plateaus, GreatestBelow) {
    const uint16_t pl[] = {65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68};
    EXPECT_EQ(nat64::mtu_plateau_below(pl, 11, 65536), 65535u);
    EXPECT_EQ(nat64::mtu_plateau_below(pl, 11, 65535), 32000u);
    EXPECT_EQ(nat64::mtu_plateau_below(pl, 11, 1500), 1492u);
    EXPECT_EQ(nat64::mtu_plateau_below(pl, 11, 1492), 1006u);
    EXPECT_EQ(nat64::mtu_plateau_below(pl, 11, 1493), 1492u);
    EXPECT_EQ(nat64::mtu_plateau_below(pl, 11, 69), 68u);
    EXPECT_EQ(nat64::mtu_plateau_below(pl, 11, 68), 0u);
    EXPECT_EQ(nat64::mtu_plateau_below(pl, 11, 0), 0u);
    EXPECT_EQ(nat64::mtu_plateau_below(pl, 0, 1500), 0u);
}

// --- ICMP errors through the translator -----------------------------------------

// Router on the IPv4 side that reports errors, and its pool6 form.
const uint32_t kRouter4 = a4("203.0.113.254");
const A6 kRouter4As6 = a6("2001:db8:64::cb00:71fe");

// The datagram a VNet host sent to the IPv4 peer, as it looked on the IPv4
// side (what an IPv4 router quotes) and on the IPv6 side (what the
// translated quote must be: §4.3, inner TTL not decremented).
V4 vm_datagram4(const Topo &t, const Bytes &l4, uint8_t proto = ipproto::UDP) {
    V4 h;
    h.src = t.vm4;
    h.dst = t.peer4;
    h.tos = 0x10;
    h.ttl = 33;
    h.proto = proto;
    h.l4 = l4;
    return h;
}
V6 vm_datagram6(const Topo &t, const Bytes &l4, uint8_t proto = ipproto::UDP) {
    V6 h;
    h.src = t.vm6;
    h.dst = t.peer6;
    h.tclass = 0x10;
    h.hlim = 33;
    h.proto = proto == ipproto::ICMP ? ipproto::ICMPV6 : proto;
    h.l4 = l4;
    return h;
}

// The datagram the IPv4 peer sent to a VNet host, on the IPv6 side (what
// the VNet quotes) and as the translator must write it in IPv4 (§5.3:
// Identification 0 as a quote carries no fragment, DF as §5.1 by size).
V6 peer_datagram6(const Topo &t, const Bytes &l4, uint8_t proto = ipproto::UDP) {
    V6 h;
    h.src = t.peer6;
    h.dst = t.vm6;
    h.tclass = 0x08;
    h.hlim = 40;
    h.proto = proto;
    h.l4 = l4;
    return h;
}
V4 peer_datagram4(const Topo &t, const Bytes &l4, uint8_t proto = ipproto::UDP) {
    V4 h;
    h.src = t.peer4;
    h.dst = t.vm4;
    h.tos = 0x08;
    h.ttl = 40;
    h.proto = proto == ipproto::ICMPV6 ? ipproto::ICMP : proto;
    h.l4 = l4;
    h.df = 20 + l4.size() > 1260;
    return h;
}

// An ICMPv4 error from kRouter4 to the VNet host.
Bytes icmp4_error(const Topo &t, uint8_t type, uint8_t code, uint32_t rest, const Bytes &quote,
                  uint8_t ttl = 50) {
    V4 e;
    e.src = kRouter4;
    e.dst = t.vm4;
    e.tos = 0xc0;
    e.ttl = ttl;
    e.id = 0x1111;
    e.proto = ipproto::ICMP;
    e.l4 = icmp(type, code, rest, quote);
    return build(e);
}
// Its translation: from the router's pool6 form to the VNet host, hop limit
// TTL - 1, traffic class = TOS.
Bytes icmp6_translated(const Topo &t, uint8_t type, uint8_t code, uint32_t rest, const Bytes &quote,
                       uint8_t hlim = 49) {
    V6 e;
    e.src = kRouter4As6;
    e.dst = t.vm6;
    e.tclass = 0xc0;
    e.hlim = hlim;
    e.proto = ipproto::ICMPV6;
    e.l4 = icmp(type, code, rest, quote);
    return build(e);
}

// An ICMPv6 error from the VNet host to the IPv4 peer.
Bytes icmp6_error(const Topo &t, uint8_t type, uint8_t code, uint32_t rest, const Bytes &quote,
                  const A6 *from = nullptr) {
    V6 e;
    e.src = from ? *from : t.vm6;
    e.dst = t.peer6;
    e.tclass = 0x30;
    e.hlim = 60;
    e.proto = ipproto::ICMPV6;
    e.l4 = icmp(type, code, rest, quote);
    return build(e);
}
// Its translation; the Identification (DF=0: a fresh one) is taken from
// the output.
Bytes icmp4_translated(const Topo &t, uint8_t type, uint8_t code, uint32_t rest, const Bytes &quote,
                       const Bytes &got, uint32_t from4 = 0) {
    V4 e;
    e.src = from4 ? from4 : t.vm4;
    e.dst = t.peer4;
    e.tos = 0x30;
    e.ttl = 59;
    e.id = got.size() >= 6 ? get16(got, 4) : 0;
    e.proto = ipproto::ICMP;
    e.l4 = icmp(type, code, rest, quote);
    return build(e);
}

class IcmpXlat : public ::testing::Test {
  protected:
    Topo t;
    TestInstance xl{kId};
};

// --- §4.2 + §4.3 through packets -----------------------------------------------------

using Rfc7915_4_2_IcmpErrors = IcmpXlat;

// Every ICMPv4 error type and code, byte-exact.
TEST_F(Rfc7915_4_2_IcmpErrors, EveryTypeAndCode) {
    const Bytes inner4 = build(vm_datagram4(t, udp(40000, 53, pattern(24))));
    const Bytes inner6 = build(vm_datagram6(t, udp(40000, 53, pattern(24))));
    unsigned translated = 0;
    for (unsigned type : {3u, 4u, 5u, 6u, 11u, 12u, 31u, 40u}) {
        for (unsigned code = 0; code < 256; code++) {
            auto t8 = static_cast<uint8_t>(type), c8 = static_cast<uint8_t>(code);
            SCOPED_TRACE(testing::Message() << "ICMPv4 " << type << "/" << code);
            // Fragmentation needed carries an MTU, parameter problem a
            // pointer (9, Protocol).
            uint32_t rest = type == 3 && code == 4 ? 1400 : type == 12 ? 9u << 24 : 0;
            Bytes in = icmp4_error(t, t8, c8, rest, inner4);
            Result r = xl.run(in);
            Expect e = rfc_4to6(t8, c8);
            if (e.kind == Expect::drop) {
                EXPECT_TRUE(IsDrop(r, NAT64_C_DROP_ICMP_TYPE));
                continue;
            }
            ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
            uint32_t rest6 = e.extra == Expect::mtu           ? 1420
                             : e.extra == Expect::pointer6    ? 6
                             : e.extra == Expect::map_pointer ? 6  // Protocol -> Next Header
                                                              : 0;
            EXPECT_TRUE(SameBytes(r.out, icmp6_translated(t, e.type, e.code, rest6, inner6)));
            // Rebuilt whole in hdr.
            EXPECT_EQ(r.consumed, in.size());
            EXPECT_EQ(r.tail_len, 0u);
            EXPECT_EQ(r.hdr_len, r.out.size());
            translated++;
        }
    }
    EXPECT_EQ(xl.counter(NAT64_C_TRANSLATED_4TO6), translated);
}

// Figure 3, through packets: every pointer value.
TEST_F(Rfc7915_4_2_IcmpErrors, ParameterProblemPointers) {
    const Bytes inner4 = build(vm_datagram4(t, udp(40000, 53, pattern(8))));
    const Bytes inner6 = build(vm_datagram6(t, udp(40000, 53, pattern(8))));
    for (unsigned ptr = 0; ptr < 256; ptr++) {
        for (uint8_t code : {uint8_t{0}, uint8_t{2}}) {
            Result r = xl.run(icmp4_error(t, 12, code, ptr << 24, inner4));
            auto want = figure3(ptr);
            if (!want) {
                EXPECT_TRUE(IsDrop(r, NAT64_C_DROP_ICMP_TYPE)) << ptr;
                continue;
            }
            ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6)) << ptr;
            EXPECT_TRUE(SameBytes(r.out, icmp6_translated(t, 4, 0, *want, inner6))) << ptr;
        }
    }
}

// §4.2: fragmentation needed -> packet too big with
// minimum(advertised MTU + 20, MTU of the IPv6 next hop, MTU of the IPv4
// next hop + 20); MTU 0 (pre-RFC 1191 routers): the greatest plateau below
// the quoted Total Length.  Never below 1280 (RFC 8200 §5).
TEST(Rfc7915_4_2_PacketTooBig, MtuArithmetic) {
    Topo t;
    struct Case {
        unsigned ipv4_mtu, ipv6_mtu, advertised, quoted_total, want;
    };
    const Case cases[] = {
        {1500, 1500, 1400, 1500, 1420},      {1500, 1500, 1480, 1500, 1500},
        {1500, 1500, 1500, 1500, 1500},  // limited by the IPv6 next hop
        {1400, 1500, 1480, 1500, 1420},  // limited by the IPv4 next hop + 20
        {1500, 1500, 576, 1500, 1280},   // never below the IPv6 minimum
        {1500, 1500, 68, 1500, 1280},        {9000, 9000, 0, 9000, 8186},  // plateau 8166
        {9000, 9000, 0, 8166, 4372},                                       // strictly below: 4352
        {9000, 9000, 0, 4353, 4372},         {9000, 9000, 0, 2002, 1512},  // 1492
        {9000, 9000, 0, 1500, 1512},         {9000, 9000, 0, 1400, 1280},  // 1006 + 20 < 1280
        {9000, 9000, 0, 60, 1280},                                         // no plateau below
        {9000, 1500, 0, 9000, 1500},         {9000, 9000, 9000, 9000, 9000},
        {65535, 65535, 65535, 65535, 65535},
    };
    uint32_t id = kId + 1;
    for (const Case &c : cases) {
        SCOPED_TRACE(testing::Message() << c.ipv4_mtu << " " << c.ipv6_mtu << " " << c.advertised
                                        << " " << c.quoted_total);
        TestInstance xl(id, {{"ipv4-mtu", c.ipv4_mtu}, {"ipv6-mtu", c.ipv6_mtu}});
        // Routers quote the header and 8 bytes: the Total Length is the
        // original's.
        V4 d4 = vm_datagram4(t, udp(40000, 53, pattern(c.quoted_total - 28)));
        d4.df = true;
        V6 d6 = vm_datagram6(t, udp(40000, 53, pattern(c.quoted_total - 28)));
        Bytes q4 = slice(build(d4), 0, 28);
        Bytes q6 = slice(build(d6), 0, 48);
        Result r = xl.run(icmp4_error(t, 3, 4, c.advertised, q4));
        ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
        EXPECT_TRUE(SameBytes(r.out, icmp6_translated(t, 2, 0, c.want, q6)));
    }
}

// §4.3: the inner packet is translated like an outer one, except that its
// TTL is not decremented; its transport checksum follows the addresses.
TEST_F(Rfc7915_4_2_IcmpErrors, InnerTcpAndIcmp) {
    // TCP, quoted whole.
    Bytes seg = tcp(40000, 443, 1, 2, 0x18, pattern(40));
    Result r = xl.run(icmp4_error(t, 3, 3, 0, build(vm_datagram4(t, seg, ipproto::TCP))));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_TRUE(
        SameBytes(r.out, icmp6_translated(t, 1, 4, 0, build(vm_datagram6(t, seg, ipproto::TCP)))));

    // TCP, only the first 8 bytes quoted (RFC 792): the checksum is not
    // there to update.
    Bytes q4 = slice(build(vm_datagram4(t, seg, ipproto::TCP)), 0, 28);
    Bytes q6 = slice(build(vm_datagram6(t, seg, ipproto::TCP)), 0, 48);
    r = xl.run(icmp4_error(t, 3, 1, 0, q4));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_TRUE(SameBytes(r.out, icmp6_translated(t, 1, 0, 0, slice(q6, 0, 48))));

    // An echo request: type 8 -> 128, checksum gains the pseudo-header.
    Bytes echo4 = icmp(8, 0, echo_rest(7, 8), pattern(16));
    Bytes echo6 = icmp(128, 0, echo_rest(7, 8), pattern(16));
    r = xl.run(icmp4_error(t, 11, 0, 0, build(vm_datagram4(t, echo4, ipproto::ICMP))));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_TRUE(SameBytes(
        r.out, icmp6_translated(t, 3, 0, 0, build(vm_datagram6(t, echo6, ipproto::ICMP)))));
}

// Inner IPv4 options are dropped like outer ones.
TEST_F(Rfc7915_4_2_IcmpErrors, InnerOptionsDropped) {
    V4 d4 = vm_datagram4(t, udp(40000, 53, pattern(12)));
    d4.options = {1, 1, 1, 0};
    Result r = xl.run(icmp4_error(t, 3, 0, 0, build(d4)));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_TRUE(SameBytes(
        r.out, icmp6_translated(t, 1, 0, 0, build(vm_datagram6(t, udp(40000, 53, pattern(12)))))));
}

// An inner IPv4 fragment gets a Fragment header (§4.1.1 applies inside too).
TEST_F(Rfc7915_4_2_IcmpErrors, InnerFragment) {
    V4 d4 = vm_datagram4(t, udp(40000, 53, pattern(100)));
    d4.id = 0xabcd;
    V6 d6 = vm_datagram6(t, udp(40000, 53, pattern(100)));
    Result r = xl.run(icmp4_error(t, 11, 1, 0, fragment4(d4, 0, 56, true)));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_TRUE(SameBytes(r.out, icmp6_translated(t, 3, 1, 0, fragment6(d6, 0, 56, true, 0xabcd))));
    // A later fragment: no transport header to touch.
    r = xl.run(icmp4_error(t, 11, 1, 0, fragment4(d4, 56, 52, false)));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_TRUE(
        SameBytes(r.out, icmp6_translated(t, 3, 1, 0, fragment6(d6, 56, 52, false, 0xabcd))));
}

// An IPv4 router may quote more than IPv6 allows: the result is cut at
// 1280 bytes, the inner header keeping the original lengths.
TEST_F(Rfc7915_4_2_IcmpErrors, TruncatedTo1280) {
    Bytes d4 = build(vm_datagram4(t, udp(40000, 53, pattern(1400))));
    Bytes d6 = build(vm_datagram6(t, udp(40000, 53, pattern(1400))));
    Result r = xl.run(icmp4_error(t, 3, 3, 0, d4));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    ASSERT_EQ(r.out.size(), 1280u);
    EXPECT_TRUE(SameBytes(r.out, icmp6_translated(t, 1, 4, 0, slice(d6, 0, 1280 - 48))));
}

TEST_F(Rfc7915_4_2_IcmpErrors, OuterHopLimitAndTtlOne) {
    Bytes d4 = build(vm_datagram4(t, udp(40000, 53, pattern(8))));
    Bytes d6 = build(vm_datagram6(t, udp(40000, 53, pattern(8))));
    Result r = xl.run(icmp4_error(t, 3, 3, 0, d4, 2));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_TRUE(SameBytes(r.out, icmp6_translated(t, 1, 4, 0, d6, 1)));
    EXPECT_TRUE(IsDrop(xl.run(icmp4_error(t, 3, 3, 0, d4, 1)), NAT64_C_DROP_HOP_LIMIT));
}

TEST_F(Rfc7915_4_2_IcmpErrors, BadInnerPacketsDropped) {
    const Bytes good = build(vm_datagram4(t, udp(40000, 53, pattern(8))));
    // Shorter than an IPv4 header.
    EXPECT_TRUE(
        IsDrop(xl.run(icmp4_error(t, 3, 3, 0, slice(good, 0, 19))), NAT64_C_DROP_ICMP_INNER));
    EXPECT_TRUE(IsDrop(xl.run(icmp4_error(t, 3, 3, 0, {})), NAT64_C_DROP_ICMP_INNER));
    // Not IPv4 / bad IHL / IHL beyond the quote.
    Bytes bad = good;
    bad[0] = 0x65;
    EXPECT_TRUE(IsDrop(xl.run(icmp4_error(t, 3, 3, 0, bad)), NAT64_C_DROP_ICMP_INNER));
    bad[0] = 0x44;
    EXPECT_TRUE(IsDrop(xl.run(icmp4_error(t, 3, 3, 0, bad)), NAT64_C_DROP_ICMP_INNER));
    bad[0] = 0x4f;
    EXPECT_TRUE(IsDrop(xl.run(icmp4_error(t, 3, 3, 0, bad)), NAT64_C_DROP_ICMP_INNER));
    // A source that is not ours (no EAMT entry).
    V4 d = vm_datagram4(t, udp(1, 2, {}));
    d.src = a4("198.51.101.5");
    EXPECT_TRUE(IsDrop(xl.run(icmp4_error(t, 3, 3, 0, build(d))), NAT64_C_DROP_ICMP_INNER));
    // An error inside an error (§4.3).
    Bytes err_inner = build(vm_datagram4(t, icmp(3, 3, 0, good), ipproto::ICMP));
    EXPECT_TRUE(IsDrop(xl.run(icmp4_error(t, 3, 3, 0, err_inner)), NAT64_C_DROP_ICMP_INNER));
    // An inner ICMP message with no translation.
    Bytes ts_inner = build(vm_datagram4(t, icmp(13, 0, 0, pattern(12)), ipproto::ICMP));
    EXPECT_TRUE(IsDrop(xl.run(icmp4_error(t, 3, 3, 0, ts_inner)), NAT64_C_DROP_ICMP_INNER));
    EXPECT_EQ(xl.counter(NAT64_C_DROP_ICMP_INNER), 8u);
}

// The ICMPv4 checksum covers the message; a corrupt one must not leave
// with a fresh valid checksum.
TEST_F(Rfc7915_4_2_IcmpErrors, BadChecksumDropped) {
    Bytes e = icmp4_error(t, 3, 3, 0, build(vm_datagram4(t, udp(1, 2, pattern(8)))));
    e[20 + 2] ^= 0x01;
    EXPECT_TRUE(IsDrop(xl.run(e), NAT64_C_DROP_BAD_HEADER));
}

// --- RFC 4884 (ICMPv4 -> ICMPv6) -----------------------------------------------

// An extension structure (RFC 4884 §7): version 2, checksum, one object.
Bytes extension_structure() {
    Bytes b = {0x20, 0, 0, 0, 0, 8, 1, 1, 0xde, 0xad, 0xbe, 0xef};
    put16(b, 2, finish(sum_bytes(b)));
    return b;
}

// The quote is the original datagram zero-padded to 'to' bytes.
Bytes padded(const Bytes &b, size_t to) {
    Bytes r = slice(b, 0, to);
    r.resize(to, 0);
    return r;
}

TEST_F(Rfc7915_4_2_IcmpErrors, Rfc4884ExtensionsCarried) {
    const Bytes ext = extension_structure();
    // A 100-byte datagram padded to 128 (32 words): IPv6 side 120 bytes,
    // padded to 128 (16 64-bit words).
    Bytes d4 = build(vm_datagram4(t, udp(40000, 53, pattern(72))));
    Bytes d6 = build(vm_datagram6(t, udp(40000, 53, pattern(72))));
    ASSERT_EQ(d4.size(), 100u);
    Result r = xl.run(icmp4_error(t, 3, 1, 32u << 16, cat(padded(d4, 128), ext)));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_TRUE(SameBytes(r.out, icmp6_translated(t, 1, 0, 16u << 24, cat(padded(d6, 128), ext))));

    // A 300-byte datagram, first 128 bytes quoted: 148 on the IPv6 side,
    // padded to 152 (19 words).  Time exceeded this time.
    d4 = build(vm_datagram4(t, udp(40000, 53, pattern(272))));
    d6 = build(vm_datagram6(t, udp(40000, 53, pattern(272))));
    r = xl.run(icmp4_error(t, 11, 0, 32u << 16, cat(padded(d4, 128), ext)));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    Bytes q6 = slice(d6, 0, 148);
    // The inner UDP checksum was updated for the address change.
    EXPECT_TRUE(SameBytes(r.out, icmp6_translated(t, 3, 0, 19u << 24, cat(padded(q6, 152), ext))));
}

// RFC 4884 §4.1: Parameter Problem and fragmentation needed carry a
// length too, but their ICMPv6 translations (parameter problem, packet too
// big) cannot: the quote still ends where the length says, and the
// extension is left out.
TEST_F(Rfc7915_4_2_IcmpErrors, Rfc4884ExtensionDroppedWhereIcmpv6HasNoLength) {
    const Bytes ext = extension_structure();
    Bytes d4 = build(vm_datagram4(t, udp(40000, 53, pattern(272))));
    Bytes d6 = build(vm_datagram6(t, udp(40000, 53, pattern(272))));
    Result r = xl.run(icmp4_error(t, 12, 0, (9u << 24) | (32u << 16), cat(padded(d4, 128), ext)));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_TRUE(SameBytes(r.out, icmp6_translated(t, 4, 0, 6, slice(d6, 0, 148))));
    r = xl.run(icmp4_error(t, 3, 4, (32u << 16) | 1400, cat(padded(d4, 128), ext)));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_TRUE(SameBytes(r.out, icmp6_translated(t, 2, 0, 1420, slice(d6, 0, 148))));
    r = xl.run(icmp4_error(t, 3, 2, 32u << 16, cat(padded(d4, 128), ext)));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_TRUE(SameBytes(r.out, icmp6_translated(t, 4, 1, 6, slice(d6, 0, 148))));
}

TEST_F(Rfc7915_4_2_IcmpErrors, Rfc4884LengthBeyondMessageDropped) {
    Bytes d4 = build(vm_datagram4(t, udp(40000, 53, pattern(72))));
    EXPECT_TRUE(
        IsDrop(xl.run(icmp4_error(t, 3, 1, 33u << 16, padded(d4, 128))), NAT64_C_DROP_ICMP_INNER));
}

// --- §5.2 + §5.3 through packets -------------------------------------------------------

using Rfc7915_5_2_IcmpErrors = IcmpXlat;

TEST_F(Rfc7915_5_2_IcmpErrors, EveryTypeAndCode) {
    const Bytes inner6 = build(peer_datagram6(t, udp(53, 40000, pattern(24))));
    const Bytes inner4 = build(peer_datagram4(t, udp(53, 40000, pattern(24))));
    for (unsigned type : {0u, 1u, 2u, 3u, 4u, 5u, 100u, 127u}) {
        for (unsigned code = 0; code < 256; code++) {
            auto t8 = static_cast<uint8_t>(type), c8 = static_cast<uint8_t>(code);
            SCOPED_TRACE(testing::Message() << "ICMPv6 " << type << "/" << code);
            // Packet too big carries an MTU, parameter problem a pointer (7,
            // Hop Limit).
            uint32_t rest = type == 2 ? 1400 : type == 4 ? 7 : 0;
            Result r = xl.run(icmp6_error(t, t8, c8, rest, inner6));
            Expect e = rfc_6to4(t8, c8);
            if (e.kind == Expect::drop) {
                EXPECT_TRUE(IsDrop(r, NAT64_C_DROP_ICMP_TYPE));
                continue;
            }
            ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
            uint32_t rest4 = e.extra == Expect::mtu           ? 1380
                             : e.extra == Expect::map_pointer ? 8u << 24  // TTL
                                                              : 0;
            EXPECT_TRUE(
                SameBytes(r.out, icmp4_translated(t, e.type, e.code, rest4, inner4, r.out)));
            EXPECT_EQ(r.tail_len, 0u);
        }
    }
}

TEST_F(Rfc7915_5_2_IcmpErrors, ParameterProblemPointers) {
    const Bytes inner6 = build(peer_datagram6(t, udp(53, 40000, pattern(8))));
    const Bytes inner4 = build(peer_datagram4(t, udp(53, 40000, pattern(8))));
    std::vector<uint32_t> ptrs;
    for (uint32_t p = 0; p < 64; p++)
        ptrs.push_back(p);
    for (uint32_t p : {100u, 1279u, 0x10000u, 0xffffffffu})
        ptrs.push_back(p);
    for (uint32_t ptr : ptrs) {
        Result r = xl.run(icmp6_error(t, 4, 0, ptr, inner6));
        auto want = figure6(ptr);
        if (!want) {
            EXPECT_TRUE(IsDrop(r, NAT64_C_DROP_ICMP_TYPE)) << ptr;
            continue;
        }
        ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4)) << ptr;
        EXPECT_TRUE(SameBytes(r.out, icmp4_translated(t, 12, 0, *want << 24, inner4, r.out)))
            << ptr;
    }
}

// §5.2: packet too big -> fragmentation needed with minimum(advertised MTU
// - 20, MTU of the IPv4 next hop, MTU of the IPv6 next hop - 20).
TEST(Rfc7915_5_2_PacketTooBig, MtuArithmetic) {
    Topo t;
    struct Case {
        unsigned ipv4_mtu, ipv6_mtu, advertised, want;
    };
    const Case cases[] = {
        {1500, 1500, 1280, 1260}, {1500, 1500, 1400, 1380},     {1500, 1500, 1500, 1480},
        {1400, 1500, 1500, 1400}, {1500, 1400, 1500, 1380},     {9000, 9000, 9000, 8980},
        {1500, 1500, 9000, 1480}, {65535, 65535, 70000, 65515},
    };
    uint32_t id = kId + 1;
    for (const Case &c : cases) {
        SCOPED_TRACE(testing::Message() << c.ipv4_mtu << " " << c.ipv6_mtu << " " << c.advertised);
        TestInstance xl(id, {{"ipv4-mtu", c.ipv4_mtu}, {"ipv6-mtu", c.ipv6_mtu}});
        Bytes q6 = slice(build(peer_datagram6(t, udp(53, 40000, pattern(2000)))), 0, 1232);
        Bytes q4 = slice(build(peer_datagram4(t, udp(53, 40000, pattern(2000)))), 0, 548);
        Result r = xl.run(icmp6_error(t, 2, 0, c.advertised, q6));
        ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
        EXPECT_TRUE(SameBytes(r.out, icmp4_translated(t, 3, 4, c.want, q4, r.out)));
    }
}

TEST_F(Rfc7915_5_2_IcmpErrors, InnerTcpAndEcho) {
    Bytes seg = tcp(443, 40000, 5, 6, 0x10, pattern(30));
    Result r = xl.run(icmp6_error(t, 1, 4, 0, build(peer_datagram6(t, seg, ipproto::TCP))));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_TRUE(SameBytes(
        r.out, icmp4_translated(t, 3, 3, 0, build(peer_datagram4(t, seg, ipproto::TCP)), r.out)));

    Bytes echo6 = icmp(129, 0, echo_rest(3, 4), pattern(20));
    Bytes echo4 = icmp(0, 0, echo_rest(3, 4), pattern(20));
    r = xl.run(icmp6_error(t, 3, 0, 0, build(peer_datagram6(t, echo6, ipproto::ICMPV6))));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_TRUE(SameBytes(
        r.out,
        icmp4_translated(t, 11, 0, 0, build(peer_datagram4(t, echo4, ipproto::ICMPV6)), r.out)));
}

// Inner extension headers are skipped like outer ones.
TEST_F(Rfc7915_5_2_IcmpErrors, InnerExtensionHeaders) {
    V6 d6 = peer_datagram6(t, udp(53, 40000, pattern(16)));
    d6.ext = {hop_by_hop(0), dest_opts(1), routing(0)};
    Result r = xl.run(icmp6_error(t, 1, 0, 0, build(d6)));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_TRUE(SameBytes(
        r.out, icmp4_translated(t, 3, 1, 0, build(peer_datagram4(t, udp(53, 40000, pattern(16)))),
                                r.out)));
}

// An inner fragment: Identification (low 16 bits), offset and MF (§5.1.1).
TEST_F(Rfc7915_5_2_IcmpErrors, InnerFragment) {
    V6 d6 = peer_datagram6(t, udp(53, 40000, pattern(100)));
    V4 d4 = peer_datagram4(t, udp(53, 40000, pattern(100)));
    d4.id = 0x5678;
    Result r = xl.run(icmp6_error(t, 3, 1, 0, fragment6(d6, 0, 64, true, 0x12345678)));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_TRUE(SameBytes(r.out, icmp4_translated(t, 11, 1, 0, fragment4(d4, 0, 64, true), r.out)));
    r = xl.run(icmp6_error(t, 3, 1, 0, fragment6(d6, 64, 44, false, 0x12345678)));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_TRUE(
        SameBytes(r.out, icmp4_translated(t, 11, 1, 0, fragment4(d4, 64, 44, false), r.out)));
}

// ICMPv4 errors are at most 576 bytes (RFC 1812 §4.3.2.3); the inner
// header keeps the original lengths; the inner DF follows §5.1.
TEST_F(Rfc7915_5_2_IcmpErrors, TruncatedTo576) {
    Bytes d6 = build(peer_datagram6(t, udp(53, 40000, pattern(1400))));
    Bytes d4 = build(peer_datagram4(t, udp(53, 40000, pattern(1400))));
    ASSERT_EQ(d4[6] & 0x40, 0x40);  // 1428 bytes: DF
    Result r = xl.run(icmp6_error(t, 1, 4, 0, slice(d6, 0, 1232)));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    ASSERT_EQ(r.out.size(), 576u);
    EXPECT_TRUE(SameBytes(r.out, icmp4_translated(t, 3, 3, 0, slice(d4, 0, 548), r.out)));
}

TEST_F(Rfc7915_5_2_IcmpErrors, BadInnerPacketsDropped) {
    const Bytes good = build(peer_datagram6(t, udp(53, 40000, pattern(8))));
    EXPECT_TRUE(
        IsDrop(xl.run(icmp6_error(t, 1, 4, 0, slice(good, 0, 39))), NAT64_C_DROP_ICMP_INNER));
    EXPECT_TRUE(IsDrop(xl.run(icmp6_error(t, 1, 4, 0, {})), NAT64_C_DROP_ICMP_INNER));
    Bytes bad = good;
    bad[0] = 0x40;
    EXPECT_TRUE(IsDrop(xl.run(icmp6_error(t, 1, 4, 0, bad)), NAT64_C_DROP_ICMP_INNER));
    // Inner destination not in the EAMT; inner source outside pool6.
    V6 d = peer_datagram6(t, udp(1, 2, {}));
    d.dst = t.stray6;
    EXPECT_TRUE(IsDrop(xl.run(icmp6_error(t, 1, 4, 0, build(d))), NAT64_C_DROP_ICMP_INNER));
    d = peer_datagram6(t, udp(1, 2, {}));
    d.src = a6("2001:db8:99::1");
    EXPECT_TRUE(IsDrop(xl.run(icmp6_error(t, 1, 4, 0, build(d))), NAT64_C_DROP_ICMP_INNER));
    // An error inside an error (§5.3).
    Bytes err_inner = build(peer_datagram6(t, icmp(1, 4, 0, good), ipproto::ICMPV6));
    EXPECT_TRUE(IsDrop(xl.run(icmp6_error(t, 1, 4, 0, err_inner)), NAT64_C_DROP_ICMP_INNER));
    // An inner ICMPv6 message with no translation (neighbour solicitation).
    Bytes ns_inner = build(peer_datagram6(t, icmp(135, 0, 0, pattern(16)), ipproto::ICMPV6));
    EXPECT_TRUE(IsDrop(xl.run(icmp6_error(t, 1, 4, 0, ns_inner)), NAT64_C_DROP_ICMP_INNER));
    // Inner extension header chain cut short; misplaced hop-by-hop.
    V6 e = peer_datagram6(t, udp(1, 2, pattern(8)));
    e.ext = {dest_opts(3)};
    EXPECT_TRUE(
        IsDrop(xl.run(icmp6_error(t, 1, 4, 0, slice(build(e), 0, 60))), NAT64_C_DROP_ICMP_INNER));
    e.ext = {dest_opts(0), hop_by_hop(0)};
    EXPECT_TRUE(IsDrop(xl.run(icmp6_error(t, 1, 4, 0, build(e))), NAT64_C_DROP_ICMP_INNER));
    e.ext = {frag_hdr(0, true, 1), frag_hdr(0, true, 1)};
    EXPECT_TRUE(IsDrop(xl.run(icmp6_error(t, 1, 4, 0, build(e))), NAT64_C_DROP_ICMP_INNER));
    EXPECT_EQ(xl.counter(NAT64_C_DROP_ICMP_INNER), 10u);
}

TEST_F(Rfc7915_5_2_IcmpErrors, BadChecksumDropped) {
    Bytes e = icmp6_error(t, 1, 4, 0, build(peer_datagram6(t, udp(1, 2, pattern(8)))));
    e[40 + 2] ^= 0x80;
    EXPECT_TRUE(IsDrop(xl.run(e), NAT64_C_DROP_BAD_HEADER));
}

// A fragmented ICMPv6 error cannot be checked or translated piecewise.
TEST_F(Rfc7915_5_2_IcmpErrors, FragmentedErrorDropped) {
    V6 e;
    e.src = t.vm6;
    e.dst = t.peer6;
    e.proto = ipproto::ICMPV6;
    e.l4 = icmp(1, 4, 0, build(peer_datagram6(t, udp(53, 40000, pattern(200)))));
    EXPECT_TRUE(IsDrop(xl.run(fragment6(e, 0, 128, true, 9)), NAT64_C_DROP_ICMP_FRAGMENT));
    EXPECT_TRUE(IsDrop(xl.run(fragment6(e, 128, 128, false, 9)), NAT64_C_DROP_ICMP_FRAGMENT));
}

// --- RFC 4884 (ICMPv6 -> ICMPv4) ------------------------------------------------

TEST_F(Rfc7915_5_2_IcmpErrors, Rfc4884ExtensionsCarried) {
    const Bytes ext = extension_structure();
    // A 200-byte IPv6 datagram, 128 bytes quoted (16 64-bit words): 108 on
    // the IPv4 side, padded to the 128-byte minimum (32 words).
    Bytes d6 = build(peer_datagram6(t, udp(53, 40000, pattern(152))));
    Bytes d4 = build(peer_datagram4(t, udp(53, 40000, pattern(152))));
    Result r = xl.run(icmp6_error(t, 1, 0, 16u << 24, cat(padded(d6, 128), ext)));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_TRUE(SameBytes(
        r.out,
        icmp4_translated(t, 3, 1, 32u << 16, cat(padded(slice(d4, 0, 108), 128), ext), r.out)));

    // Time exceeded with 256 quoted bytes (32 words): 236 on the IPv4 side
    // (59 32-bit words, already aligned).
    d6 = build(peer_datagram6(t, udp(53, 40000, pattern(400))));
    d4 = build(peer_datagram4(t, udp(53, 40000, pattern(400))));
    r = xl.run(icmp6_error(t, 3, 0, 32u << 24, cat(slice(d6, 0, 256), ext)));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_TRUE(SameBytes(
        r.out, icmp4_translated(t, 11, 0, 59u << 16, cat(slice(d4, 0, 236), ext), r.out)));
}

// The extension is left out when it does not fit in 576 bytes; the quote
// then is just the (truncated) datagram, with no length.
TEST_F(Rfc7915_5_2_IcmpErrors, Rfc4884ExtensionThatDoesNotFitIsLeftOut) {
    Bytes ext = extension_structure();
    Bytes d6 = build(peer_datagram6(t, udp(53, 40000, pattern(1000))));
    Bytes d4 = build(peer_datagram4(t, udp(53, 40000, pattern(1000))));
    Result r = xl.run(icmp6_error(t, 1, 0, 100u << 24, cat(slice(d6, 0, 800), ext)));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_TRUE(SameBytes(r.out, icmp4_translated(t, 3, 1, 0, slice(d4, 0, 548), r.out)));
}

// ICMPv6 Parameter Problem has no length (its pointer fills the word):
// a pointer above 2^24 is not a length.
TEST_F(Rfc7915_5_2_IcmpErrors, Rfc4884NoLengthInParameterProblem) {
    Bytes d6 = build(peer_datagram6(t, udp(53, 40000, pattern(16))));
    Bytes d4 = build(peer_datagram4(t, udp(53, 40000, pattern(16))));
    Result r = xl.run(icmp6_error(t, 4, 1, 0x01000006, d6));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_TRUE(SameBytes(r.out, icmp4_translated(t, 3, 2, 0, d4, r.out)));
}

TEST_F(Rfc7915_5_2_IcmpErrors, Rfc4884LengthBeyondMessageDropped) {
    Bytes d6 = build(peer_datagram6(t, udp(53, 40000, pattern(152))));
    EXPECT_TRUE(
        IsDrop(xl.run(icmp6_error(t, 1, 0, 17u << 24, padded(d6, 128))), NAT64_C_DROP_ICMP_INNER));
}

// --- RFC 6791: errors from VNet routers without an IPv4 address -------------------

TEST(Rfc6791_IcmpSource, Pool6791FirstAddressWhenNotRandomized) {
    Topo t;
    TestInstance xl(kId + 2,
                    {{"pool6791v4", "192.0.2.128/30"}, {"randomize-rfc6791-addresses", false}});
    Bytes q6 = build(peer_datagram6(t, udp(53, 40000, pattern(8))));
    Bytes q4 = build(peer_datagram4(t, udp(53, 40000, pattern(8))));
    Result r = xl.run(icmp6_error(t, 3, 0, 0, q6, &t.stray6));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_TRUE(SameBytes(r.out, icmp4_translated(t, 11, 0, 0, q4, r.out, a4("192.0.2.128"))));
}

TEST(Rfc6791_IcmpSource, Pool6791RandomizedStaysInside) {
    Topo t;
    TestInstance xl(kId + 3, {{"pool6791v4", "192.0.2.128/30"}});
    Bytes q6 = build(peer_datagram6(t, udp(53, 40000, pattern(8))));
    std::set<uint32_t> seen;
    for (int i = 0; i < 200; i++) {
        Result r = xl.run(icmp6_error(t, 3, 0, 0, q6, &t.stray6));
        ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
        uint32_t src = get32(r.out, 12);
        EXPECT_GE(src, a4("192.0.2.128"));
        EXPECT_LE(src, a4("192.0.2.131"));
        seen.insert(src);
        EXPECT_TRUE(ipv4_header_ok(r.out));
        EXPECT_TRUE(l4_checksum_ok(r.out));
    }
    EXPECT_GT(seen.size(), 1u);
}

TEST(Rfc6791_IcmpSource, RouterIpv4WithoutPool) {
    Topo t;
    TestInstance xl(kId + 4);
    Bytes q6 = build(peer_datagram6(t, udp(53, 40000, pattern(8))));
    Bytes q4 = build(peer_datagram4(t, udp(53, 40000, pattern(8))));
    Result r = xl.run(icmp6_error(t, 1, 3, 0, q6, &t.stray6));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_TRUE(SameBytes(r.out, icmp4_translated(t, 3, 1, 0, q4, r.out, t.router4)));
}

TEST(Rfc6791_IcmpSource, NeitherDrops) {
    Topo t;
    TestInstance xl(kId + 5, {{"router-ipv4", nullptr}});
    Bytes q6 = build(peer_datagram6(t, udp(53, 40000, pattern(8))));
    EXPECT_TRUE(
        IsDrop(xl.run(icmp6_error(t, 1, 3, 0, q6, &t.stray6)), NAT64_C_DROP_NO_ROUTER_ADDR));
}

}  // namespace
}  // namespace nat64test
