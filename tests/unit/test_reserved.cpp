// RFC 6890 always-reserved IPv4 ranges and denylist4.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "reserved.hpp"
#include "text_addr.hpp"

namespace nat64 {
namespace {

using namespace testaddr;

Ipv4Prefix p4(const char *s, uint8_t len) {
    return {a4(s), len};
}

TEST(Ipv4AlwaysReserved, RangeBoundaries) {
    struct Case {
        const char *addr;
        bool reserved;
    };
    const Case cases[] = {
        // 0.0.0.0/8, "this network" (RFC 6890 §2.2.2).
        {"0.0.0.0", true},
        {"0.255.255.255", true},
        {"1.0.0.0", false},
        // 127.0.0.0/8, loopback.
        {"126.255.255.255", false},
        {"127.0.0.0", true},
        {"127.255.255.255", true},
        {"128.0.0.0", false},
        // 169.254.0.0/16, link local.
        {"169.253.255.255", false},
        {"169.254.0.0", true},
        {"169.254.255.255", true},
        {"169.255.0.0", false},
        // 224.0.0.0/4, multicast.
        {"223.255.255.255", false},
        {"224.0.0.0", true},
        {"239.255.255.255", true},
        // 240.0.0.0/4, reserved, and 255.255.255.255/32, limited broadcast.
        {"240.0.0.0", true},
        {"255.255.255.254", true},
        {"255.255.255.255", true},
        // Special-purpose but forwardable or deployment-specific: not here.
        {"10.0.0.1", false},
        {"100.64.0.1", false},
        {"172.16.0.1", false},
        {"192.0.0.1", false},
        {"192.0.2.1", false},
        {"192.168.1.1", false},
        {"198.18.0.1", false},
        {"8.8.8.8", false},
    };
    for (const Case &c : cases)
        EXPECT_EQ(ipv4_always_reserved(a4(c.addr)), c.reserved) << c.addr;
}

TEST(Denylist4, EmptyBlocksOnlyReserved) {
    const Denylist4 d;
    EXPECT_TRUE(d.blocks(a4("127.0.0.1")));
    EXPECT_TRUE(d.blocks(a4("255.255.255.255")));
    EXPECT_FALSE(d.blocks(a4("192.168.0.1")));
    EXPECT_FALSE(d.blocks(a4("8.8.8.8")));
    const Denylist4 d2(std::vector<Ipv4Prefix>{});
    EXPECT_TRUE(d2.blocks(a4("0.0.0.0")));
    EXPECT_FALSE(d2.blocks(a4("1.1.1.1")));
}

TEST(Denylist4, PrefixBoundaries) {
    const Denylist4 d({p4("192.168.0.0", 16), p4("10.0.0.0", 8), p4("203.0.113.7", 32)});
    const std::pair<const char *, bool> cases[] = {
        {"9.255.255.255", false},  {"10.0.0.0", true},         {"10.255.255.255", true},
        {"11.0.0.0", false},       {"192.167.255.255", false}, {"192.168.0.0", true},
        {"192.168.255.255", true}, {"192.169.0.0", false},     {"203.0.113.6", false},
        {"203.0.113.7", true},     {"203.0.113.8", false},     {"127.0.0.1", true},
        {"224.0.0.1", true},
    };
    for (const auto &[addr, blocked] : cases)
        EXPECT_EQ(d.blocks(a4(addr)), blocked) << addr;
}

TEST(Denylist4, NestedOverlappingAndSiblingPrefixes) {
    const Denylist4 d({
        p4("10.1.2.0", 24),                    // inside 10.0.0.0/8, listed before it
        p4("10.0.0.0", 8), p4("10.0.0.0", 8),  // duplicate
        p4("172.16.0.0", 13),                  // siblings: together 172.16.0.0/12
        p4("172.24.0.0", 13), p4("198.51.100.0", 25),
        p4("198.51.100.128", 26),  // not a sibling of the /25
    });
    EXPECT_TRUE(d.blocks(a4("10.1.2.3")));
    EXPECT_TRUE(d.blocks(a4("10.200.0.0")));
    EXPECT_FALSE(d.blocks(a4("11.0.0.0")));
    EXPECT_FALSE(d.blocks(a4("172.15.255.255")));
    EXPECT_TRUE(d.blocks(a4("172.16.0.0")));
    EXPECT_TRUE(d.blocks(a4("172.23.255.255")));
    EXPECT_TRUE(d.blocks(a4("172.24.0.0")));
    EXPECT_TRUE(d.blocks(a4("172.31.255.255")));
    EXPECT_FALSE(d.blocks(a4("172.32.0.0")));
    EXPECT_TRUE(d.blocks(a4("198.51.100.127")));
    EXPECT_TRUE(d.blocks(a4("198.51.100.191")));
    EXPECT_FALSE(d.blocks(a4("198.51.100.192")));
    EXPECT_FALSE(d.blocks(a4("198.51.99.255")));
}

TEST(Denylist4, WholeSpaceAndHostBits) {
    const Denylist4 all({p4("0.0.0.0", 0)});
    EXPECT_TRUE(all.blocks(a4("1.2.3.4")));
    EXPECT_TRUE(all.blocks(a4("223.255.255.255")));

    // Host bits in the input are ignored: the entry is 192.0.2.0/24.
    const Denylist4 d({p4("192.0.2.99", 24)});
    EXPECT_TRUE(d.blocks(a4("192.0.2.0")));
    EXPECT_TRUE(d.blocks(a4("192.0.2.255")));
    EXPECT_FALSE(d.blocks(a4("192.0.3.0")));
}

// Random prefixes crowded into 10.0.0.0/12 against a naive scan.
TEST(Denylist4, RandomMatchesLinearReference) {
    std::mt19937 rng(6890);  // 32-bit output
    for (int round = 0; round < 20; ++round) {
        std::vector<Ipv4Prefix> prefixes;
        const int n = 1 + static_cast<int>(rng() % 300);
        for (int i = 0; i < n; ++i) {
            const uint8_t len = static_cast<uint8_t>(12 + rng() % 21);
            const uint32_t mask = ~0u << (32 - len);
            prefixes.push_back(
                {(0x0a000000u | static_cast<uint32_t>(rng() & 0xfffff)) & mask, len});
        }
        const Denylist4 d(prefixes);
        for (int i = 0; i < 3000; ++i) {
            const uint32_t a = 0x0a000000u | static_cast<uint32_t>(rng() & 0xfffff);
            bool want = false;
            for (const Ipv4Prefix &p : prefixes)
                want = want || (a & (~0u << (32 - p.len))) == p.addr;
            ASSERT_EQ(d.blocks(a), want) << "round " << round << " addr " << std::hex << a;
        }
    }
}

}  // namespace
}  // namespace nat64
