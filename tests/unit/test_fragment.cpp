// Fragments both ways (RFC 7915 §4.1 and §5.1.1) and the translator's own
// fragmentation of DF=0 IPv4 packets that do not fit the IPv6 side (§4.1,
// RFC 8200 §4.5) through nat64_fragment_count()/nat64_fragment_header().
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "packet_builder.hpp"

namespace nat64test {
namespace {

constexpr uint32_t kId = 8200;

class Frag : public ::testing::Test {
  protected:
    Topo t;
    TestInstance xl{kId};

    // The same UDP datagram on both sides: VNet host -> peer.
    V6 out6(const Bytes &l4, uint8_t proto = ipproto::UDP) const {
        V6 h;
        h.src = t.vm6;
        h.dst = t.peer6;
        h.proto = proto;
        h.l4 = l4;
        return h;
    }
    V4 out4(const Bytes &l4, uint8_t proto = ipproto::UDP) const {
        V4 h;
        h.src = t.vm4;
        h.dst = t.peer4;
        h.ttl = 63;
        h.proto = proto;
        h.l4 = l4;
        return h;
    }
    // Peer -> VNet host.
    V4 in4(const Bytes &l4, uint8_t proto = ipproto::UDP) const {
        V4 h;
        h.src = t.peer4;
        h.dst = t.vm4;
        h.id = 0xf00d;
        h.proto = proto;
        h.l4 = l4;
        return h;
    }
    V6 in6(const Bytes &l4, uint8_t proto = ipproto::UDP) const {
        V6 h;
        h.src = t.peer6;
        h.dst = t.vm6;
        h.hlim = 63;
        h.proto = proto == ipproto::ICMP ? ipproto::ICMPV6 : proto;
        h.l4 = l4;
        return h;
    }
};

// --- §5.1.1: IPv6 fragments to IPv4 ----------------------------------------------

using Rfc7915_5_1_1_Fragments = Frag;

// "Identification: Copied from the low-order 16 bits in the Identification
// field in the Fragment Header.  Flags: The More Fragments flag is copied
// from the M flag in the Fragment Header.  The Don't Fragment flag is set
// to zero ...  Fragment Offset: Copied from the Fragment Offset field."
TEST_F(Rfc7915_5_1_1_Fragments, EveryFragmentByteExact) {
    const Bytes dgram = udp(40000, 53, pattern(300));  // 308 bytes
    V6 d6 = out6(dgram);
    V4 d4 = out4(dgram);
    d4.id = 0xcdef;
    struct Piece {
        size_t ofs, len;
        bool more;
    };
    for (Piece pc : {Piece{0, 104, true}, Piece{104, 104, true}, Piece{208, 100, false}}) {
        Bytes in = fragment6(d6, pc.ofs, pc.len, pc.more, 0x89abcdef);
        Result r = xl.run(in);
        ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4)) << pc.ofs;
        EXPECT_TRUE(SameBytes(r.out, fragment4(d4, pc.ofs, pc.len, pc.more))) << pc.ofs;
        if (pc.ofs == 0) {
            // The UDP checksum (of the whole datagram) is updated here.
            EXPECT_EQ(r.hdr_len, 28);
            EXPECT_EQ(r.consumed, 56u);
        } else {
            // Later fragments: just the header; the rest is payload.
            EXPECT_EQ(r.hdr_len, 20);
            EXPECT_EQ(r.consumed, 48u);
        }
    }
}

TEST_F(Rfc7915_5_1_1_Fragments, TcpFirstFragmentAndHeadersBeforeTheFragmentHeader) {
    const Bytes seg = tcp(1, 2, 3, 4, 0x10, pattern(500));
    V6 d6 = out6(seg, ipproto::TCP);
    d6.ext = {hop_by_hop(0), dest_opts(1)};
    V4 d4 = out4(seg, ipproto::TCP);
    d4.id = 0x0002;
    Result r = xl.run(fragment6(d6, 0, 256, true, 0x00010002));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_TRUE(SameBytes(r.out, fragment4(d4, 0, 256, true)));
    r = xl.run(fragment6(d6, 256, 264, false, 0x00010002));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_TRUE(SameBytes(r.out, fragment4(d4, 256, 264, false)));
}

// An atomic fragment (offset 0, M=0; RFC 6946) is a whole packet with a
// Fragment header: §5.1.1 still applies (DF=0, ID from the header).
TEST_F(Rfc7915_5_1_1_Fragments, AtomicFragment) {
    const Bytes dgram = udp(40000, 53, pattern(60));
    V4 d4 = out4(dgram);
    d4.id = 0x7777;
    Result r = xl.run(fragment6(out6(dgram), 0, dgram.size(), false, 0x7777));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_TRUE(SameBytes(r.out, build(d4)));
}

// A zero UDP checksum is invalid in IPv6 (RFC 8200 §8.1); it shows in the
// first fragment only.
TEST_F(Rfc7915_5_1_1_Fragments, UdpZeroChecksumFirstFragmentDropped) {
    V6 d6 = out6(udp(1, 2, pattern(200)));
    d6.fix_csum = false;
    EXPECT_TRUE(IsDrop(xl.run(fragment6(d6, 0, 104, true, 1)), NAT64_C_DROP_UDP_CHECKSUM_ZERO));
    // Later fragments do not carry the checksum and pass.
    EXPECT_TRUE(
        Is(xl.run(fragment6(d6, 104, 104, false, 1)), NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
}

TEST(Rfc7915_5_1_1_FragmentsMtu, FragmentTooBigAnswersPtb) {
    Topo t;
    TestInstance xl(kId + 1, {{"ipv4-mtu", 1000}});
    V6 d6;
    d6.src = t.vm6;
    d6.dst = t.peer6;
    d6.l4 = udp(1, 2, pattern(2000));
    Bytes in = fragment6(d6, 1000, 992, true, 5);
    Result r = xl.run(in);
    ASSERT_TRUE(Is(r, NAT64_ICMP_REPLY, NAT64_C_REPLY_TOO_BIG));
    EXPECT_EQ(r.out[40], 2);
    EXPECT_EQ(get32(r.out, 44), 1280u);
    // 20 + 976 bytes fit.
    EXPECT_TRUE(
        Is(xl.run(fragment6(d6, 1000, 976, true, 5)), NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
}

// --- §4.1: IPv4 fragments to IPv6 ------------------------------------------------------

using Rfc7915_4_1_Fragments = Frag;

// "If the IPv4 packet is fragmented ... a Fragment Header is added:
// Next Header = Protocol, Fragment Offset and M copied, Identification:
// the IPv4 Identification in the low-order 16 bits, zero above."
TEST_F(Rfc7915_4_1_Fragments, EveryFragmentByteExact) {
    const Bytes dgram = udp(53, 40000, pattern(400));  // 408 bytes
    V4 d4 = in4(dgram);
    V6 d6 = in6(dgram);
    struct Piece {
        size_t ofs, len;
        bool more;
    };
    for (Piece pc : {Piece{0, 200, true}, Piece{200, 200, true}, Piece{400, 8, false}}) {
        Result r = xl.run(fragment4(d4, pc.ofs, pc.len, pc.more));
        ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6)) << pc.ofs;
        EXPECT_TRUE(SameBytes(r.out, fragment6(d6, pc.ofs, pc.len, pc.more, 0xf00d))) << pc.ofs;
        EXPECT_EQ(r.frag_size, 0);
        EXPECT_EQ(r.hdr_len, pc.ofs == 0 ? 56 : 48);
        EXPECT_EQ(r.consumed, pc.ofs == 0 ? 28u : 20u);
    }
}

TEST_F(Rfc7915_4_1_Fragments, TcpAndOptions) {
    const Bytes seg = tcp(80, 1000, 9, 9, 0x18, pattern(1000));
    V4 d4 = in4(seg, ipproto::TCP);
    d4.options = {1, 1, 1, 0, 0, 0, 0, 0};
    V6 d6 = in6(seg, ipproto::TCP);
    Result r = xl.run(fragment4(d4, 0, 512, true));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_TRUE(SameBytes(r.out, fragment6(d6, 0, 512, true, 0xf00d)));
    r = xl.run(fragment4(d4, 512, 508, false));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_TRUE(SameBytes(r.out, fragment6(d6, 512, 508, false, 0xf00d)));
}

// --- §4.1: the translator fragments DF=0 packets that do not fit -----------------------

using Rfc7915_4_1_Fragmentation = Frag;

// "If the DF flag is not set and the IPv4 packet will result in an IPv6
// packet larger than [the IPv6 MTU] ..., the packet SHOULD be fragmented so
// the resulting IPv6 packet (with Fragment header added to each fragment)
// will be less than or equal to [it]."  The limit is min(ipv6-mtu,
// lowest-ipv6-mtu); fragments carry multiples of 8 bytes (RFC 8200 §4.5).
TEST_F(Rfc7915_4_1_Fragmentation, Df0PacketSplitAt1280) {
    const Bytes dgram = udp(53, 40000, pattern(1400));  // 1408 bytes of UDP
    Result r = xl.run(build(in4(dgram)));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    // The output as one packet: an IPv6 header, a Fragment header (offset
    // 0, M=0, the IPv4 Identification), the datagram.
    V6 d6 = in6(dgram);
    EXPECT_TRUE(SameBytes(r.out, fragment6(d6, 0, dgram.size(), false, 0xf00d)));
    EXPECT_EQ(r.frag_size, 1232);  // (1280 - 40 - 8), a multiple of 8
    ASSERT_EQ(nat64_fragment_count(r.pkt.get()), 2u);
    std::vector<Bytes> f = fragments_of(r);
    ASSERT_EQ(f.size(), 2u);
    EXPECT_TRUE(SameBytes(f[0], fragment6(d6, 0, 1232, true, 0xf00d)));
    EXPECT_TRUE(SameBytes(f[1], fragment6(d6, 1232, 176, false, 0xf00d)));
    EXPECT_EQ(f[0].size(), 1280u);
}

// The boundary: 1280 bytes of IPv6 pass whole with no Fragment header.
TEST_F(Rfc7915_4_1_Fragmentation, ExactlyTheLimitIsNotFragmented) {
    Bytes dgram = udp(53, 40000, pattern(1280 - 48));
    Result r = xl.run(build(in4(dgram)));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_TRUE(SameBytes(r.out, build(in6(dgram))));
    EXPECT_EQ(r.frag_size, 0);
    EXPECT_EQ(nat64_fragment_count(r.pkt.get()), 1u);
    uint8_t lead[48];
    uint32_t ofs = 7, len = 7;
    EXPECT_EQ(nat64_fragment_header(r.pkt.get(), 0, lead, &ofs, &len), 0u);

    dgram = udp(53, 40000, pattern(1280 - 47));
    r = xl.run(build(in4(dgram)));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_EQ(r.frag_size, 1232);
    std::vector<Bytes> f = fragments_of(r);
    ASSERT_EQ(f.size(), 2u);
    EXPECT_TRUE(SameBytes(f[0], fragment6(in6(dgram), 0, 1232, true, 0xf00d)));
    EXPECT_TRUE(SameBytes(f[1], fragment6(in6(dgram), 1232, 9, false, 0xf00d)));
}

TEST(Rfc7915_4_1_FragmentationLimits, LowestIpv6MtuAndIpv6Mtu) {
    Topo t;
    struct Case {
        unsigned ipv6_mtu, lowest, frag_size;
    };
    uint32_t id = kId + 2;
    for (Case c : {Case{1500, 1400, 1352}, Case{1300, 1500, 1248}, Case{9000, 9000, 8952},
                   Case{1500, 1500, 1448}}) {
        SCOPED_TRACE(testing::Message() << c.ipv6_mtu << " " << c.lowest);
        TestInstance xl(id, {{"ipv6-mtu", c.ipv6_mtu}, {"lowest-ipv6-mtu", c.lowest}});
        V4 d4;
        d4.src = t.peer4;
        d4.dst = t.vm4;
        d4.id = 0x0101;
        Bytes dgram = udp(53, 40000, pattern(20000));
        d4.l4 = dgram;
        Result r = xl.run(build(d4));
        ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
        ASSERT_EQ(r.frag_size, c.frag_size);
        V6 d6;
        d6.src = t.peer6;
        d6.dst = t.vm6;
        d6.hlim = 63;
        d6.l4 = dgram;
        std::vector<Bytes> f = fragments_of(r);
        size_t n = (dgram.size() + c.frag_size - 1) / c.frag_size;
        ASSERT_EQ(f.size(), n);
        for (size_t i = 0; i < n; i++) {
            size_t ofs = i * c.frag_size;
            size_t len = std::min<size_t>(c.frag_size, dgram.size() - ofs);
            EXPECT_TRUE(SameBytes(f[i], fragment6(d6, ofs, len, i + 1 < n, 0x0101))) << i;
            EXPECT_LE(f[i].size(), std::min(c.ipv6_mtu, c.lowest));
        }
    }
}

// DF=1 is not fragmented: it fits ipv6-mtu (sent whole, even above
// lowest-ipv6-mtu) or the sender gets fragmentation needed.
TEST_F(Rfc7915_4_1_Fragmentation, Df1NeverFragmented) {
    Bytes dgram = udp(53, 40000, pattern(1400));
    V4 d4 = in4(dgram);
    d4.df = true;
    Result r = xl.run(build(d4));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_EQ(r.frag_size, 0);
    EXPECT_TRUE(SameBytes(r.out, build(in6(dgram))));
}

// An IPv4 fragment that is itself too big is split again: offsets continue
// from its own, and the last piece keeps its M flag.
TEST_F(Rfc7915_4_1_Fragmentation, FragmentSplitAgain) {
    const Bytes dgram = udp(53, 40000, pattern(4000));
    V4 d4 = in4(dgram);
    V6 d6 = in6(dgram);
    // Middle fragment: bytes [1480, 2960), M=1.
    Result r = xl.run(fragment4(d4, 1480, 1480, true));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_TRUE(SameBytes(r.out, fragment6(d6, 1480, 1480, true, 0xf00d)));
    EXPECT_EQ(r.frag_size, 1232);
    std::vector<Bytes> f = fragments_of(r);
    ASSERT_EQ(f.size(), 2u);
    EXPECT_TRUE(SameBytes(f[0], fragment6(d6, 1480, 1232, true, 0xf00d)));
    EXPECT_TRUE(SameBytes(f[1], fragment6(d6, 1480 + 1232, 248, true, 0xf00d)));
    // Last fragment: [2960, 4008), M=0 stays on the last piece only.
    r = xl.run(fragment4(d4, 2960, 1048, false));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    EXPECT_EQ(r.frag_size, 0);  // 48 + 1048 fits
    // First fragment, with the UDP header.
    r = xl.run(fragment4(d4, 0, 1480, true));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    f = fragments_of(r);
    ASSERT_EQ(f.size(), 2u);
    EXPECT_TRUE(SameBytes(f[0], fragment6(d6, 0, 1232, true, 0xf00d)));
    EXPECT_TRUE(SameBytes(f[1], fragment6(d6, 1232, 248, true, 0xf00d)));
}

// Whole-datagram checksums (ICMPv6 echo, amended UDP) survive the split.
TEST(Rfc7915_4_1_FragmentationChecksums, EchoAndAmendedUdp) {
    Topo t;
    TestInstance xl(kId + 3, {{"amend-udp-checksum-zero", true}});
    V4 d4;
    d4.src = t.peer4;
    d4.dst = t.vm4;
    d4.id = 0x2222;
    d4.proto = ipproto::ICMP;
    d4.l4 = icmp(8, 0, echo_rest(1, 2), pattern(2000));
    V6 d6;
    d6.src = t.peer6;
    d6.dst = t.vm6;
    d6.hlim = 63;
    d6.proto = ipproto::ICMPV6;
    d6.l4 = icmp(128, 0, echo_rest(1, 2), pattern(2000));
    Result r = xl.run(build(d4));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    std::vector<Bytes> f = fragments_of(r);
    ASSERT_EQ(f.size(), 2u);
    EXPECT_TRUE(SameBytes(f[0], fragment6(d6, 0, 1232, true, 0x2222)));
    EXPECT_TRUE(SameBytes(f[1], fragment6(d6, 1232, 776, false, 0x2222)));

    d4.proto = d6.proto = ipproto::UDP;
    d4.l4 = d6.l4 = udp(7, 9, pattern(3000));
    d4.fix_csum = false;  // zero checksum, amended over the IPv6 pseudo-header
    r = xl.run(build(d4));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    f = fragments_of(r);
    ASSERT_EQ(f.size(), 3u);
    EXPECT_TRUE(SameBytes(f[0], fragment6(d6, 0, 1232, true, 0x2222)));
    EXPECT_TRUE(SameBytes(f[1], fragment6(d6, 1232, 1232, true, 0x2222)));
    EXPECT_TRUE(SameBytes(f[2], fragment6(d6, 2464, 544, false, 0x2222)));
}

// --- The fragmentation API on its own --------------------------------------------------

// A hand-made splice: 48 leading bytes plus 'extra' more in hdr, 'tail'
// bytes of input.
struct Splice {
    Bytes input;
    nat64_pkt p{};
    Splice(uint16_t frag_size, uint16_t base_off8, bool base_m, size_t extra, size_t tail) {
        input = pattern(100 + tail, 0x33);
        p.l3 = input.data();
        p.len = static_cast<uint32_t>(input.size());
        p.verdict = NAT64_TRANSLATED;
        p.family = 6;
        V6 h;
        h.src = a6("2001:db8::1");
        h.dst = a6("2001:db8::2");
        Bytes lead = ipv6_with(h, {frag_hdr(base_off8, base_m, 0x01020304)}, pattern(extra, 0x77));
        std::memcpy(p.hdr, lead.data(), lead.size());
        p.hdr_len = static_cast<uint16_t>(lead.size());
        p.consumed = 100;
        p.tail_len = static_cast<uint32_t>(tail);
        p.frag_size = frag_size;
    }
};

TEST(Nat64FragmentHeader, CountsAndRanges) {
    struct Case {
        uint16_t frag_size;
        size_t extra, tail;
        unsigned count;
    };
    for (Case c : {Case{8, 0, 8, 1}, Case{8, 0, 9, 2}, Case{16, 8, 8, 1}, Case{16, 8, 9, 2},
                   Case{1232, 18, 2000, 2}, Case{1232, 0, 1232, 1}, Case{1232, 0, 1233, 2},
                   Case{1232, 8, 3688, 3}}) {
        SCOPED_TRACE(testing::Message() << c.frag_size << " " << c.extra << " " << c.tail);
        Splice s(c.frag_size, 0, false, c.extra, c.tail);
        ASSERT_EQ(nat64_fragment_count(&s.p), c.count);
        uint32_t total = static_cast<uint32_t>(c.extra + c.tail);
        uint32_t seen = 0;
        for (unsigned i = 0; i < c.count; i++) {
            uint8_t lead[48];
            uint32_t ofs = 0, len = 0;
            ASSERT_EQ(nat64_fragment_header(&s.p, i, lead, &ofs, &len), 48u);
            EXPECT_EQ(ofs, seen);
            EXPECT_EQ(len, std::min<uint32_t>(c.frag_size, total - ofs));
            seen += len;
            // Same addresses and chain; Payload Length = 8 + len; offset in
            // 8-octet units; M on all but the last; Identification kept.
            EXPECT_EQ(std::memcmp(lead, s.p.hdr, 4), 0);
            EXPECT_EQ((lead[4] << 8) | lead[5], static_cast<int>(8 + len));
            EXPECT_EQ(std::memcmp(lead + 6, s.p.hdr + 6, 34 + 2), 0);
            EXPECT_EQ((lead[42] << 8) | lead[43],
                      static_cast<int>(((ofs / 8) << 3) | (i + 1 < c.count ? 1 : 0)));
            EXPECT_EQ(std::memcmp(lead + 44, s.p.hdr + 44, 4), 0);
        }
        EXPECT_EQ(seen, total);
        uint8_t lead[48];
        uint32_t ofs, len;
        EXPECT_EQ(nat64_fragment_header(&s.p, c.count, lead, &ofs, &len), 0u);
        EXPECT_EQ(nat64_fragment_header(&s.p, 1000000, lead, &ofs, &len), 0u);
    }
}

TEST(Nat64FragmentHeader, BaseOffsetAndMoreFlag) {
    Splice s(1232, 300, true, 0, 2000);
    ASSERT_EQ(nat64_fragment_count(&s.p), 2u);
    uint8_t lead[48];
    uint32_t ofs, len;
    ASSERT_EQ(nat64_fragment_header(&s.p, 0, lead, &ofs, &len), 48u);
    EXPECT_EQ((lead[42] << 8) | lead[43], (300 << 3) | 1);
    ASSERT_EQ(nat64_fragment_header(&s.p, 1, lead, &ofs, &len), 48u);
    EXPECT_EQ((lead[42] << 8) | lead[43], ((300 + 154) << 3) | 1);  // M kept
    Splice last(1232, 300, false, 0, 2000);
    ASSERT_EQ(nat64_fragment_header(&last.p, 1, lead, &ofs, &len), 48u);
    EXPECT_EQ((lead[42] << 8) | lead[43], (300 + 154) << 3);
}

TEST(Nat64FragmentHeader, NoFragmentation) {
    Splice s(0, 0, false, 0, 500);
    EXPECT_EQ(nat64_fragment_count(&s.p), 1u);
    uint8_t lead[48];
    uint32_t ofs = 1, len = 1;
    EXPECT_EQ(nat64_fragment_header(&s.p, 0, lead, &ofs, &len), 0u);
}

}  // namespace
}  // namespace nat64test
