// RFC 1624 §3: an incremental checksum update cannot tell +0 from -0.
// ICMPv4 has no pseudo-header, so an ICMPv6 echo reply with identifier 0,
// sequence 0 and no data becomes an all-zero ICMPv4 message, whose checksum
// must be 0xffff (what a full computation gives and receivers accept), not
// 0x0000.  Found by fuzz_4to6's round trip.
#include <gtest/gtest.h>

#include "packet_builder.hpp"

namespace {

using namespace nat64test;

TEST(Rfc1624_3_NegativeZero, AllZeroEchoReplyGetsAllOnesChecksum) {
    Topo t;
    TestInstance xl(1624);
    V6 in;
    in.src = t.vm6;
    in.dst = t.peer6;
    in.proto = ipproto::ICMPV6;
    in.l4 = icmp(129, 0, echo_rest(0, 0), Bytes{});
    Result r = xl.run(build(in));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    ASSERT_EQ(r.out.size(), 28u);
    EXPECT_EQ(r.out[20], 0);  // echo reply
    EXPECT_EQ(get16(r.out, 22), 0xffff);
    EXPECT_TRUE(l4_checksum_ok(r.out));
}

// A message that really sums to 0xffff keeps 0x0000.
TEST(Rfc1624_3_NegativeZero, SumOfAllOnesKeepsZeroChecksum) {
    Topo t;
    TestInstance xl(1625);
    V6 in;
    in.src = t.vm6;
    in.dst = t.peer6;
    in.proto = ipproto::ICMPV6;
    // ICMPv4 words after translation: 0x0000 (type 0, code 0), checksum,
    // 0xffff (identifier), 0x0000 (sequence): data sum 0xffff.
    in.l4 = icmp(129, 0, echo_rest(0xffff, 0), Bytes{});
    Result r = xl.run(build(in));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_6TO4));
    EXPECT_EQ(get16(r.out, 22), 0x0000);
    EXPECT_TRUE(l4_checksum_ok(r.out));
}

}  // namespace
