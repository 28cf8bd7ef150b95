// Unit tests for nat64ctl's helpers: link-layer strip/rebuild (l2), pcap
// file I/O (pcap_io), output assembly (splice) and --verbose descriptions.
// Needs nat64ctl_lib (ctl/CMakeLists.txt).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "nat64ctl/describe.hpp"
#include "nat64ctl/l2.hpp"
#include "nat64ctl/pcap_io.hpp"
#include "nat64ctl/splice.hpp"

namespace nat64::ctl {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes &p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

const Bytes kDstMac = {0x02, 0, 0, 0, 0, 0x01};
const Bytes kSrcMac = {0x02, 0, 0, 0, 0, 0x02};

// A minimal IPv4 header (20 bytes) announcing 'total_len', plus 'payload'
// bytes of zeros.
Bytes ipv4(uint16_t total_len, size_t payload, uint8_t proto = 17) {
    Bytes p = {0x45,
               0,
               uint8_t(total_len >> 8),
               uint8_t(total_len),
               0,
               0,
               0,
               0,
               64,
               proto,
               0,
               0,
               192,
               0,
               2,
               1,
               198,
               51,
               100,
               1};
    p.resize(20 + payload);
    return p;
}

// An IPv6 header announcing 'payload_len', plus 'payload' bytes of zeros.
Bytes ipv6(uint16_t payload_len, size_t payload, uint8_t nh = 17) {
    Bytes p(40, 0);
    p[0] = 0x60;
    p[4] = uint8_t(payload_len >> 8);
    p[5] = uint8_t(payload_len);
    p[6] = nh;
    p[7] = 64;
    p[8] = 0x20, p[9] = 0x01, p[10] = 0x0d, p[11] = 0xb8, p[23] = 1;  // 2001:db8::1
    p[24] = 0x00, p[25] = 0x64, p[26] = 0xff, p[27] = 0x9b;           // 64:ff9b::c000:201
    p[36] = 192, p[37] = 0, p[38] = 2, p[39] = 1;
    p.resize(40 + payload);
    return p;
}

Bytes eth(uint16_t type) {
    return cat({kDstMac, kSrcMac, {uint8_t(type >> 8), uint8_t(type)}});
}
Bytes tag(uint16_t tpid, uint16_t vid) {
    return {uint8_t(tpid >> 8), uint8_t(tpid), uint8_t(vid >> 8), uint8_t(vid)};
}

// ---- l2 ----------------------------------------------------------------

TEST(L2, UntaggedIpv4PaddingIsTrimmed) {
    // A 28-byte IPv4 packet padded to the 60-byte Ethernet minimum.
    Bytes frame = cat({eth(0x0800), ipv4(28, 8)});
    frame.resize(60);
    const Decap d = decap(LinkKind::ethernet, frame);
    EXPECT_TRUE(d.is_ip);
    EXPECT_EQ(d.ethertype, 0x0800);
    EXPECT_EQ(d.l2_len, 14u);
    EXPECT_EQ(d.l3_len, 28u);
}

TEST(L2, Dot1qTaggedIpv6) {
    const Bytes frame = cat({kDstMac, kSrcMac, tag(0x8100, 100), {0x86, 0xdd}, ipv6(8, 8)});
    const Decap d = decap(LinkKind::ethernet, frame);
    EXPECT_TRUE(d.is_ip);
    EXPECT_EQ(d.ethertype, 0x86dd);
    EXPECT_EQ(d.l2_len, 18u);
    EXPECT_EQ(d.l3_len, 48u);
}

TEST(L2, QinQTags) {
    const Bytes frame =
        cat({kDstMac, kSrcMac, tag(0x88a8, 10), tag(0x8100, 20), {0x08, 0x00}, ipv4(20, 0)});
    const Decap d = decap(LinkKind::ethernet, frame);
    EXPECT_TRUE(d.is_ip);
    EXPECT_EQ(d.l2_len, 22u);
    EXPECT_EQ(d.l3_len, 20u);
}

TEST(L2, NonIpEthertype) {
    Bytes frame = eth(0x0806);  // ARP
    frame.resize(60);
    const Decap d = decap(LinkKind::ethernet, frame);
    EXPECT_FALSE(d.is_ip);
    EXPECT_EQ(d.ethertype, 0x0806);
}

TEST(L2, RuntAndTruncatedTagAreNotIp) {
    EXPECT_FALSE(decap(LinkKind::ethernet, Bytes(13, 0)).is_ip);
    EXPECT_EQ(decap(LinkKind::ethernet, Bytes(13, 0)).l2_len, 0u);
    // A tag whose inner ethertype is missing.
    const Bytes frame = cat({kDstMac, kSrcMac, tag(0x8100, 5)});
    EXPECT_FALSE(decap(LinkKind::ethernet, frame).is_ip);
}

TEST(L2, EthernetIpWithNoL3BytesGoesToCore) {
    // The core, not nat64ctl, decides that an empty IP packet is truncated.
    const Decap d = decap(LinkKind::ethernet, eth(0x86dd));
    EXPECT_TRUE(d.is_ip);
    EXPECT_EQ(d.l2_len, 14u);
    EXPECT_EQ(d.l3_len, 0u);
}

TEST(L2, RawIpIsAlwaysHandedToCore) {
    const Decap d = decap(LinkKind::raw_ip, ipv6(0, 4));
    EXPECT_TRUE(d.is_ip);
    EXPECT_EQ(d.l2_len, 0u);
    EXPECT_EQ(d.l3_len, 40u);
    EXPECT_TRUE(decap(LinkKind::raw_ip, Bytes{0x50, 1, 2}).is_ip);
}

TEST(L2, IpPacketLength) {
    EXPECT_EQ(ip_packet_length({}), 0u);
    EXPECT_EQ(ip_packet_length(ipv4(28, 30)), 28u);    // padding trimmed
    EXPECT_EQ(ip_packet_length(ipv4(1500, 30)), 50u);  // capped at capture
    EXPECT_EQ(ip_packet_length(ipv4(10, 30)), 50u);    // bad length: the core judges it
    EXPECT_EQ(ip_packet_length(ipv6(8, 20)), 48u);
    EXPECT_EQ(ip_packet_length(ipv6(100, 20)), 60u);
    EXPECT_EQ(ip_packet_length(Bytes{0x45, 0, 0}), 3u);  // too short to read the length
    EXPECT_EQ(ip_packet_length(Bytes{0x00, 1, 2, 3}), 4u);
}

TEST(L2, EveryTruncationStaysInsideTheFrame) {
    const Bytes full =
        cat({kDstMac, kSrcMac, tag(0x88a8, 1), tag(0x8100, 2), {0x86, 0xdd}, ipv6(12, 12)});
    for (size_t n = 0; n <= full.size(); ++n) {
        // A copy of exactly n bytes, so that ASan sees any read past it.
        const Bytes frame(full.begin(), full.begin() + n);
        const Decap d = decap(LinkKind::ethernet, frame);
        EXPECT_LE(d.l2_len + d.l3_len, n) << n;
        EXPECT_EQ(d.is_ip, n >= 22) << n;
        const Decap r = decap(LinkKind::raw_ip, frame);
        EXPECT_LE(r.l3_len, n) << n;
    }
}

TEST(L2, EncapRewritesEthertypeAfterTags) {
    const Bytes in_l2 = cat({kDstMac, kSrcMac, tag(0x8100, 7), {0x86, 0xdd}});
    Bytes out = {0xaa};  // encap appends
    encap(LinkKind::ethernet, in_l2, 4, false, out);
    EXPECT_EQ(out, cat({{0xaa}, kDstMac, kSrcMac, tag(0x8100, 7), {0x08, 0x00}}));
}

TEST(L2, EncapSwapsMacsForReplies) {
    Bytes out;
    encap(LinkKind::ethernet, eth(0x86dd), 6, true, out);
    EXPECT_EQ(out, cat({kSrcMac, kDstMac, {0x86, 0xdd}}));
}

TEST(L2, EncapRawAddsNothing) {
    Bytes out;
    encap(LinkKind::raw_ip, {}, 6, true, out);
    EXPECT_TRUE(out.empty());
}

// ---- pcap_io -----------------------------------------------------------

TEST(PcapLinkTypes, Classification) {
    EXPECT_EQ(link_kind(DLT_EN10MB), LinkKind::ethernet);
    for (int dlt : {12, 14, 101, DLT_RAW, DLT_IPV4, DLT_IPV6}) {
        EXPECT_EQ(link_kind(dlt), LinkKind::raw_ip) << dlt;
    }
    EXPECT_FALSE(link_kind(113).has_value());  // Linux cooked capture
    EXPECT_FALSE(link_kind(0).has_value());    // BSD loopback
}

TEST(PcapLinkTypes, OutputLinkType) {
    EXPECT_EQ(output_dlt(DLT_EN10MB), DLT_EN10MB);
    EXPECT_EQ(output_dlt(DLT_IPV4), DLT_RAW);
    EXPECT_EQ(output_dlt(DLT_IPV6), DLT_RAW);
    EXPECT_EQ(output_dlt(DLT_RAW), DLT_RAW);
}

TEST(PcapLinkTypes, Descriptions) {
    EXPECT_NE(describe_dlt(113).find("113 (LINUX_SLL"), std::string::npos);
    EXPECT_NE(supported_link_types().find("229"), std::string::npos);
}

TEST(PcapTimestamp, Milliseconds) {
    EXPECT_EQ((Timestamp{12, 345678901}.ms()), 12345u);
    EXPECT_EQ((Timestamp{-1, 0}.ms()), 0u);
}

class PcapFiles : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("nat64ctl-test-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::string path(const char *name) const { return (dir_ / name).string(); }

    std::filesystem::path dir_;
};

TEST_F(PcapFiles, RoundTripMicroseconds) {
    const std::string f = path("a.pcap");
    const Bytes p1 = ipv6(0, 0), p2 = ipv4(20, 0);
    {
        PcapWriter w(f, DLT_RAW, false);
        w.write({1700000000, 123456789}, p1);
        w.write({1700000001, 5000}, p2);
        EXPECT_EQ(w.packets_written(), 2u);
        w.close();
    }
    PcapReader r(f);
    EXPECT_EQ(link_kind(r.datalink()), LinkKind::raw_ip);
    EXPECT_FALSE(r.nanosecond_file());
    Packet p;
    ASSERT_TRUE(r.next(p));
    EXPECT_EQ(p.data, p1);
    EXPECT_EQ(p.ts.sec, 1700000000);
    EXPECT_EQ(p.ts.nsec, 123456000u);  // microsecond file
    EXPECT_EQ(p.wire_len, p1.size());
    ASSERT_TRUE(r.next(p));
    EXPECT_EQ(p.data, p2);
    EXPECT_EQ(p.ts.nsec, 5000u);
    EXPECT_FALSE(r.next(p));
}

TEST_F(PcapFiles, RoundTripNanoseconds) {
    const std::string f = path("ns.pcap");
    {
        PcapWriter w(f, DLT_EN10MB, true);
        w.write({5, 123456789}, eth(0x0806));
        w.close();
    }
    PcapReader r(f);
    EXPECT_EQ(r.datalink(), DLT_EN10MB);
    EXPECT_TRUE(r.nanosecond_file());
    Packet p;
    ASSERT_TRUE(r.next(p));
    EXPECT_EQ(p.ts.nsec, 123456789u);
    EXPECT_EQ(p.ts.ms(), 5123u);
}

TEST_F(PcapFiles, Raw4And6InputsAreRecognised) {
    for (int dlt : {DLT_IPV4, DLT_IPV6}) {
        const std::string f = path("single.pcap");
        {
            PcapWriter w(f, dlt, false);
            w.close();
        }
        PcapReader r(f);
        EXPECT_EQ(r.datalink(), dlt);
        EXPECT_EQ(output_dlt(r.datalink()), DLT_RAW);
    }
}

TEST_F(PcapFiles, ReaderErrors) {
    EXPECT_THROW(PcapReader(path("missing.pcap")), PcapError);
    std::ofstream(path("junk.pcap")) << "this is not a capture file";
    EXPECT_THROW(PcapReader(path("junk.pcap")), PcapError);
}

TEST_F(PcapFiles, TruncatedFileThrowsOnRead) {
    const std::string f = path("cut.pcap");
    {
        PcapWriter w(f, DLT_RAW, false);
        w.write({1, 0}, ipv6(0, 60));
        w.close();
    }
    std::filesystem::resize_file(f, std::filesystem::file_size(f) - 10);
    PcapReader r(f);
    Packet p;
    EXPECT_THROW(r.next(p), PcapError);
}

TEST_F(PcapFiles, WriterErrors) {
    EXPECT_THROW(PcapWriter(path("no/such/dir/out.pcap"), DLT_RAW, false), PcapError);
}

// ---- splice ------------------------------------------------------------

TEST(Splice, UnfragmentedOutput) {
    const Bytes in = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    nat64_pkt p{};
    p.l3 = in.data();
    p.len = static_cast<uint32_t>(in.size());
    p.verdict = NAT64_TRANSLATED;
    p.family = 4;
    p.hdr[0] = 0xa0;
    p.hdr[1] = 0xa1;
    p.hdr_len = 2;
    p.consumed = 4;
    p.tail_len = 5;  // bytes 5..9; byte 10 is not part of the output
    const Bytes prefix = {0xee};
    const auto outs = build_outputs(p, prefix);
    ASSERT_EQ(outs.size(), 1u);
    EXPECT_EQ(outs[0], (Bytes{0xee, 0xa0, 0xa1, 5, 6, 7, 8, 9}));
}

TEST(Splice, InconsistentNumbersAreRejected) {
    const Bytes in(10, 0);
    nat64_pkt p{};
    p.l3 = in.data();
    p.len = 10;
    p.consumed = 6;
    p.tail_len = 5;
    EXPECT_THROW(build_outputs(p, {}), SpliceError);
    p.consumed = 0;
    p.tail_len = 0;
    p.hdr_len = 20;
    p.frag_size = 8;  // fragments need at least the 48 header bytes
    EXPECT_THROW(build_outputs(p, {}), SpliceError);
}

// Runs the core's fragmentation helpers: the data of all fragments, in
// order, must be exactly the fragmentable part F = hdr[48..) ++ tail, with
// ranges that straddle the hdr/tail boundary handled.
TEST(Splice, FragmentsCoverTheFragmentablePart) {
    Bytes in(28 + 600);
    for (size_t i = 0; i < in.size(); ++i)
        in[i] = static_cast<uint8_t>(i * 7);
    nat64_pkt p{};
    p.l3 = in.data();
    p.len = static_cast<uint32_t>(in.size());
    p.verdict = NAT64_TRANSLATED;
    p.family = 6;
    // IPv6 header + Fragment header + the 8-byte UDP header (in hdr).
    Bytes hdr = ipv6(0, 0, 44);
    hdr.insert(hdr.end(), {17, 0, 0, 0, 0, 0, 0, 1});
    hdr.insert(hdr.end(), {0x13, 0x88, 0, 53, 0x02, 0x60, 0, 0});
    std::copy(hdr.begin(), hdr.end(), p.hdr);
    p.hdr_len = static_cast<uint16_t>(hdr.size());
    p.consumed = 28;
    p.tail_len = 600;
    p.frag_size = 256;
    const uint32_t f_len = 8 + 600;
    // 40 + 8 + 256 <= 1280: each fragment but the last carries frag_size.
    Bytes f(hdr.begin() + 48, hdr.end());
    f.insert(f.end(), in.begin() + 28, in.end());

    const Bytes prefix = {0xee, 0xff};
    const auto outs = build_outputs(p, prefix);
    ASSERT_EQ(outs.size(), nat64_fragment_count(&p));
    ASSERT_GT(outs.size(), 1u);
    Bytes data;
    for (unsigned i = 0; i < outs.size(); ++i) {
        uint8_t fh[48];
        uint32_t ofs = 0, len = 0;
        ASSERT_EQ(nat64_fragment_header(&p, i, fh, &ofs, &len), 48u);
        EXPECT_EQ(ofs, data.size());
        const Bytes &o = outs[i];
        ASSERT_EQ(o.size(), prefix.size() + 48 + len);
        EXPECT_TRUE(std::equal(prefix.begin(), prefix.end(), o.begin()));
        EXPECT_TRUE(std::equal(fh, fh + 48, o.begin() + 2));
        data.insert(data.end(), o.begin() + 2 + 48, o.end());
    }
    EXPECT_EQ(data.size(), f_len);
    EXPECT_EQ(data, f);
}

// ---- describe ----------------------------------------------------------

TEST(Describe, Ipv6Udp) {
    Bytes p = ipv6(8, 8);
    p[40] = 0x14, p[41] = 0xe9, p[43] = 53;  // 5353 -> 53
    EXPECT_EQ(describe_ip(p), "IPv6 2001:db8::1 -> 64:ff9b::c000:201 UDP 5353 -> 53 hlim 64");
}

TEST(Describe, Ipv4IcmpEcho) {
    Bytes p = ipv4(28, 8, 1);
    p[20] = 8;
    EXPECT_EQ(describe_ip(p), "IPv4 192.0.2.1 -> 198.51.100.1 ICMP echo-request ttl 64");
}

TEST(Describe, Ipv6NonFirstFragment) {
    Bytes p = ipv6(16, 0, 44);
    p.insert(p.end(), {17, 0, 0x01, 0x00, 0, 0, 0, 9});  // offset 32
    p.resize(56);
    EXPECT_EQ(describe_ip(p), "IPv6 2001:db8::1 -> 64:ff9b::c000:201 UDP fragment hlim 64");
}

TEST(Describe, Garbage) {
    EXPECT_EQ(describe_ip({}), "(empty)");
    EXPECT_EQ(describe_ip(Bytes{0x45, 0}), "IPv4 (truncated header)");
    EXPECT_EQ(describe_ip(Bytes{0x10}), "IP version 1");
}

}  // namespace
}  // namespace nat64::ctl
