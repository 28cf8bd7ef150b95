// RFC 6052 §2.2 address format: embedding, extraction and prefix matching.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>

#include "rfc6052.hpp"
#include "text_addr.hpp"

namespace nat64 {
namespace {

using namespace testaddr;
using testaddr::fmt6;  // overloaded below for Ipv6Addr

Ipv6Prefix p6(const char *s, uint8_t len) {
    return {a6(s), len};
}

std::string fmt6(const Ipv6Addr &a) {
    return testaddr::fmt6(a.b.data());
}

struct Rfc6052Example {
    const char *prefix;
    uint8_t len;
    const char *embedded;
};

// RFC 6052 §2.4, Table 1 (Network-Specific Prefixes) and the Well-Known
// Prefix example, all for IPv4 address 192.0.2.33.
constexpr Rfc6052Example kTable[] = {
    {"2001:db8::", 32, "2001:db8:c000:221::"},
    {"2001:db8:100::", 40, "2001:db8:1c0:2:21::"},
    {"2001:db8:122::", 48, "2001:db8:122:c000:2:2100::"},
    {"2001:db8:122:300::", 56, "2001:db8:122:3c0:0:221::"},
    {"2001:db8:122:344::", 64, "2001:db8:122:344:c0:2:2100:0"},
    {"2001:db8:122:344::", 96, "2001:db8:122:344::192.0.2.33"},
    {"64:ff9b::", 96, "64:ff9b::192.0.2.33"},
};

TEST(Rfc6052, ValidLengths) {
    for (unsigned len = 0; len <= 128; ++len) {
        const bool want =
            len == 32 || len == 40 || len == 48 || len == 56 || len == 64 || len == 96;
        EXPECT_EQ(rfc6052_valid_length(len), want) << len;
    }
}

TEST(Rfc6052, EmbedsRfc6052Table) {
    for (const auto &ex : kTable) {
        uint8_t out[16];
        rfc6052_embed(p6(ex.prefix, ex.len), a4("192.0.2.33"), out);
        EXPECT_EQ(fmt6(out), fmt6(a6(ex.embedded))) << ex.prefix << "/" << int{ex.len};
    }
}

TEST(Rfc6052, ExtractsRfc6052Table) {
    for (const auto &ex : kTable) {
        uint32_t v4 = 0;
        ASSERT_TRUE(rfc6052_extract(p6(ex.prefix, ex.len), a6(ex.embedded).b.data(), v4))
            << ex.prefix << "/" << int{ex.len};
        EXPECT_EQ(v4, a4("192.0.2.33")) << ex.prefix << "/" << int{ex.len};
    }
}

// §2.2 leaves the u-octet and the suffix to the receiver: extraction must not
// depend on them.
TEST(Rfc6052, ExtractIgnoresUOctetAndSuffix) {
    for (const auto &ex : kTable) {
        Ipv6Addr a = a6(ex.embedded);
        if (ex.len != 96) {
            a.b[8] = 0xff;  // u-octet
            for (unsigned i = (ex.len + 40) / 8; i < 16; ++i)
                a.b[i] = 0xa5;  // suffix
        }
        uint32_t v4 = 0;
        ASSERT_TRUE(rfc6052_extract(p6(ex.prefix, ex.len), a.b.data(), v4)) << fmt6(a);
        EXPECT_EQ(v4, a4("192.0.2.33")) << fmt6(a);
    }
}

TEST(Rfc6052, ExtractRejectsAddressOutsidePrefix) {
    uint32_t v4 = 0x01020304;
    EXPECT_FALSE(rfc6052_extract(p6("64:ff9b::", 96), a6("64:ff9c::192.0.2.33").b.data(), v4));
    EXPECT_FALSE(rfc6052_extract(p6("64:ff9b::", 96), a6("64:ff9b::1:0:0").b.data(), v4));
    EXPECT_FALSE(rfc6052_extract(p6("2001:db8::", 32), a6("2001:db9:c000:221::").b.data(), v4));
    EXPECT_FALSE(rfc6052_extract(p6("2001:db8:100::", 40), a6("2001:db8:200::").b.data(), v4));
    EXPECT_EQ(v4, 0x01020304u);  // untouched on a miss
}

TEST(Rfc6052, ExtractRejectsInvalidLength) {
    uint32_t v4 = 0;
    EXPECT_FALSE(rfc6052_extract(p6("2001:db8::", 33), a6("2001:db8::").b.data(), v4));
    EXPECT_FALSE(rfc6052_extract(p6("2001:db8::", 128), a6("2001:db8::").b.data(), v4));
    EXPECT_FALSE(rfc6052_extract(p6("::", 0), a6("::").b.data(), v4));
}

// Every length, random prefixes and addresses: the prefix bits are kept, the
// u-octet and suffix are zero, and extraction inverts embedding.
TEST(Rfc6052, RandomRoundTrip) {
    std::mt19937_64 rng(6052);
    for (unsigned len : {32u, 40u, 48u, 56u, 64u, 96u}) {
        for (int i = 0; i < 2000; ++i) {
            Ipv6Prefix pool{};
            pool.len = static_cast<uint8_t>(len);
            for (unsigned byte = 0; byte < len / 8; ++byte)
                pool.addr.b[byte] = rng() & 0xff;
            const uint32_t v4 = static_cast<uint32_t>(rng());
            uint8_t out[16];
            rfc6052_embed(pool, v4, out);
            for (unsigned byte = 0; byte < len / 8; ++byte)
                ASSERT_EQ(out[byte], pool.addr.b[byte]);
            if (len != 96) {
                ASSERT_EQ(out[8], 0) << "u-octet, /" << len;
                for (unsigned byte = (len + 40) / 8; byte < 16; ++byte)
                    ASSERT_EQ(out[byte], 0) << "suffix, /" << len;
            }
            ASSERT_TRUE(ipv6_in_prefix(pool, out));
            uint32_t back = 0;
            ASSERT_TRUE(rfc6052_extract(pool, out, back));
            ASSERT_EQ(back, v4) << fmt6(out) << " /" << len;
        }
    }
}

TEST(Rfc6052, EmbedExtremeAddresses) {
    for (const auto &ex : kTable) {
        const Ipv6Prefix pool = p6(ex.prefix, ex.len);
        for (uint32_t v4 : {0u, 0xffffffffu, 0x80000001u}) {
            uint8_t out[16];
            rfc6052_embed(pool, v4, out);
            uint32_t back = 0;
            ASSERT_TRUE(rfc6052_extract(pool, out, back));
            EXPECT_EQ(back, v4);
            if (ex.len != 96) {
                EXPECT_EQ(out[8], 0);
            }
        }
    }
    // 255.255.255.255 in a /40: the IPv4 bits straddle the u-octet.
    uint8_t out[16];
    rfc6052_embed(p6("2001:db8:100::", 40), 0xffffffff, out);
    EXPECT_EQ(fmt6(out), fmt6(a6("2001:db8:1ff:ffff:ff::")));
}

TEST(Ipv6InPrefix, Boundaries) {
    EXPECT_TRUE(ipv6_in_prefix(p6("::", 0), a6("ffff:ffff::1").b.data()));
    EXPECT_TRUE(ipv6_in_prefix(p6("::", 0), a6("::").b.data()));

    EXPECT_TRUE(ipv6_in_prefix(p6("2001:db8::1", 128), a6("2001:db8::1").b.data()));
    EXPECT_FALSE(ipv6_in_prefix(p6("2001:db8::1", 128), a6("2001:db8::").b.data()));
    EXPECT_FALSE(ipv6_in_prefix(p6("2001:db8::1", 128), a6("2001:db8::3").b.data()));

    EXPECT_TRUE(ipv6_in_prefix(p6("8000::", 1), a6("ffff::").b.data()));
    EXPECT_FALSE(ipv6_in_prefix(p6("8000::", 1), a6("7fff:ffff::").b.data()));

    // Around the 64-bit boundary of the implementation.
    const Ipv6Prefix p63 = p6("2001:db8:0:2::", 63);
    EXPECT_TRUE(ipv6_in_prefix(p63, a6("2001:db8:0:2::").b.data()));
    EXPECT_TRUE(ipv6_in_prefix(p63, a6("2001:db8:0:3:ffff:ffff:ffff:ffff").b.data()));
    EXPECT_FALSE(ipv6_in_prefix(p63, a6("2001:db8:0:1:ffff:ffff:ffff:ffff").b.data()));
    EXPECT_FALSE(ipv6_in_prefix(p63, a6("2001:db8:0:4::").b.data()));

    const Ipv6Prefix p64 = p6("2001:db8:0:2::", 64);
    EXPECT_TRUE(ipv6_in_prefix(p64, a6("2001:db8:0:2:ffff:ffff:ffff:ffff").b.data()));
    EXPECT_FALSE(ipv6_in_prefix(p64, a6("2001:db8:0:3::").b.data()));

    const Ipv6Prefix p65 = p6("2001:db8:0:2:8000::", 65);
    EXPECT_TRUE(ipv6_in_prefix(p65, a6("2001:db8:0:2:8000::").b.data()));
    EXPECT_TRUE(ipv6_in_prefix(p65, a6("2001:db8:0:2:ffff:ffff:ffff:ffff").b.data()));
    EXPECT_FALSE(ipv6_in_prefix(p65, a6("2001:db8:0:2:7fff:ffff:ffff:ffff").b.data()));
    EXPECT_FALSE(ipv6_in_prefix(p65, a6("2001:db8:0:3::").b.data()));

    const Ipv6Prefix p96 = p6("64:ff9b::", 96);
    EXPECT_TRUE(ipv6_in_prefix(p96, a6("64:ff9b::255.255.255.255").b.data()));
    EXPECT_FALSE(ipv6_in_prefix(p96, a6("64:ff9b::1:0:0").b.data()));
    EXPECT_FALSE(ipv6_in_prefix(p96, a6("64:ff9a:ffff:ffff:ffff:ffff:ffff:ffff").b.data()));
}

}  // namespace
}  // namespace nat64
