// RFC 6791 in the IPv4 -> IPv6 direction (pool6791v6): an ICMPv4 error from
// a router whose address has no IPv6 form -- here a private address behind
// the Well-Known Prefix, which RFC 6052 §3.1 forbids embedding -- still
// reaches the VNet host, with a source from pool6791v6.  Without it, a
// traceroute through private-addressed routers would show nothing.
#include <gtest/gtest.h>

#include "packet_builder.hpp"

namespace {

using namespace nat64test;

constexpr uint32_t kId = 6791;

// The ICMPv4 time exceeded a router at 'router' sends about a UDP packet
// the VNet host sent to 8.8.4.4.
Bytes time_exceeded_from(const Topo &t, uint32_t router) {
    V4 quoted;
    quoted.src = t.vm4;
    quoted.dst = a4("8.8.4.4");
    quoted.ttl = 1;
    quoted.l4 = udp(40000, 33434, pattern(12));
    V4 err;
    err.src = router;
    err.dst = t.vm4;
    err.proto = ipproto::ICMP;
    err.l4 = icmp(11, 0, 0, build(quoted));
    return build(err);
}

TEST(Rfc6791_Pool6791v6, NonGlobalRouterBehindWellKnownPrefix) {
    Topo t;
    TestInstance xl(kId, {{"pool6", "64:ff9b::/96"},
                          {"pool6791v6", "2001:db8:6791::/124"},
                          {"randomize-rfc6791-addresses", false}});
    Result r = xl.run(time_exceeded_from(t, a4("10.20.30.40")));
    ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
    A6 want = a6("2001:db8:6791::");
    EXPECT_TRUE(std::equal(want.begin(), want.end(), r.out.begin() + 8));
    EXPECT_EQ(r.out[40], 3);  // ICMPv6 time exceeded
    EXPECT_TRUE(l4_checksum_ok(r.out));
}

TEST(Rfc6791_Pool6791v6, RandomizedStaysInsidePrefix) {
    Topo t;
    TestInstance xl(kId + 1, {{"pool6", "64:ff9b::/96"}, {"pool6791v6", "2001:db8:6791::/124"}});
    A6 base = a6("2001:db8:6791::");
    for (int i = 0; i < 50; i++) {
        Result r = xl.run(time_exceeded_from(t, a4("192.168.1.1")));
        ASSERT_TRUE(Is(r, NAT64_TRANSLATED, NAT64_C_TRANSLATED_4TO6));
        EXPECT_TRUE(std::equal(base.begin(), base.begin() + 15, r.out.begin() + 8));
        EXPECT_EQ(r.out[8 + 15] & 0xf0, 0);
    }
}

// Only errors get an RFC 6791 source: ordinary traffic from such an address
// is still dropped (RFC 6052 §3.1).
TEST(Rfc6791_Pool6791v6, OrdinaryPacketsStillDropped) {
    Topo t;
    TestInstance xl(kId + 2, {{"pool6", "64:ff9b::/96"}, {"pool6791v6", "2001:db8:6791::/124"}});
    V4 in;
    in.src = a4("10.20.30.40");
    in.dst = t.vm4;
    in.l4 = udp(1, 2, pattern(5));
    EXPECT_TRUE(IsDrop(xl.run(build(in)), NAT64_C_DROP_RESERVED_ADDR));
}

TEST(Rfc6791_Pool6791v6, WithoutPoolTheErrorIsDropped) {
    Topo t;
    TestInstance xl(kId + 3, {{"pool6", "64:ff9b::/96"}});
    EXPECT_TRUE(
        IsDrop(xl.run(time_exceeded_from(t, a4("10.20.30.40"))), NAT64_C_DROP_RESERVED_ADDR));
}

}  // namespace
