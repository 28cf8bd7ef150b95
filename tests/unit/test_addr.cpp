// Address and prefix text: parse_ipv4/6, parse_ipv4/6_prefix, format_*.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "nat64/config.hpp"

namespace nat64 {
namespace {

Ipv6Addr v6(std::string_view s) {
    auto a = parse_ipv6(s);
    EXPECT_TRUE(a.has_value()) << s;
    return a.value_or(Ipv6Addr{});
}

TEST(AddrIpv4, ParsesDottedQuadInHostByteOrder) {
    EXPECT_EQ(parse_ipv4("192.0.2.1"), 0xc0000201u);
    EXPECT_EQ(parse_ipv4("0.0.0.0"), 0u);
    EXPECT_EQ(parse_ipv4("255.255.255.255"), 0xffffffffu);
}

TEST(AddrIpv4, RejectsEverythingElse) {
    for (std::string_view s : {"", " 192.0.2.1", "192.0.2.1 ", "192.0.2.1\n", "\t192.0.2.1",
                               "01.2.3.4",  // octal to some parsers
                               "1.2.3.08", "0x1.2.3.4", "1.2.3", "1.2.3.4.5", "256.1.1.1",
                               "1.2.3.-1", "1..2.3", "1.2.3.4.", "192.0.2.1/32", "::1",
                               "::ffff:192.0.2.1", "192.0.2.1#80", "one.two.three.four"}) {
        EXPECT_FALSE(parse_ipv4(s).has_value()) << '"' << s << '"';
    }
}

TEST(AddrIpv4, RejectsEmbeddedNulAndOverlongInput) {
    // An embedded NUL must not cut the text short to something valid.
    EXPECT_FALSE(parse_ipv4(std::string_view("192.0.2.1\0junk", 14)).has_value());
    EXPECT_FALSE(parse_ipv4(std::string(1000, '1')).has_value());
}

TEST(AddrIpv6, ParsesIntoNetworkOrderBytes) {
    Ipv6Addr a = v6("2001:db8::1");
    EXPECT_EQ(a.b[0], 0x20);
    EXPECT_EQ(a.b[1], 0x01);
    EXPECT_EQ(a.b[2], 0x0d);
    EXPECT_EQ(a.b[3], 0xb8);
    EXPECT_EQ(a.b[15], 0x01);
    EXPECT_EQ(v6("::"), Ipv6Addr{});
    EXPECT_EQ(v6("2001:DB8::1"), a);
    EXPECT_EQ(v6("2001:0db8:0000:0000:0000:0000:0000:0001"), a);
    Ipv6Addr mapped = v6("::ffff:192.0.2.1");
    EXPECT_EQ(mapped.b[10], 0xff);
    EXPECT_EQ(mapped.b[12], 192);
    EXPECT_EQ(mapped.b[15], 1);
}

TEST(AddrIpv6, RejectsEverythingElse) {
    for (std::string_view s :
         {"", " ::1", "::1 ", "::1\n", "[::1]", "fe80::1%eth0", "1::2::3",
          "12345::", ":::", "2001:db8::g", "1:2:3:4:5:6:7:8:9", "::ffff:01.2.3.4",
          "2001:db8::1/128", "2001:db8::1#80", "192.0.2.1"}) {
        EXPECT_FALSE(parse_ipv6(s).has_value()) << '"' << s << '"';
    }
    EXPECT_FALSE(parse_ipv6(std::string_view("::1\0", 4)).has_value());
    EXPECT_FALSE(parse_ipv6(std::string(1000, ':')).has_value());
}

TEST(AddrIpv4Prefix, ParsesAddressAndLength) {
    EXPECT_EQ(parse_ipv4_prefix("192.0.2.0/24"), (Ipv4Prefix{0xc0000200, 24}));
    EXPECT_EQ(parse_ipv4_prefix("0.0.0.0/0"), (Ipv4Prefix{0, 0}));
    EXPECT_EQ(parse_ipv4_prefix("192.0.2.1/32"), (Ipv4Prefix{0xc0000201, 32}));
}

TEST(AddrIpv4Prefix, MissingLengthMeansOneAddress) {
    EXPECT_EQ(parse_ipv4_prefix("192.0.2.1"), (Ipv4Prefix{0xc0000201, 32}));
}

TEST(AddrIpv4Prefix, RejectsHostBitsAtEveryLength) {
    for (unsigned len = 0; len < 32; len++) {
        uint32_t addr = len == 0 ? 0 : 0xffffffffu << (32 - len);
        std::string net = format_ipv4(addr) + "/" + std::to_string(len);
        EXPECT_EQ(parse_ipv4_prefix(net), (Ipv4Prefix{addr, static_cast<uint8_t>(len)})) << net;
        // The highest host bit set.
        std::string bad = format_ipv4(addr | (1u << (31 - len))) + "/" + std::to_string(len);
        EXPECT_FALSE(parse_ipv4_prefix(bad).has_value()) << bad;
    }
}

TEST(AddrIpv4Prefix, RejectsBadLengthText) {
    for (std::string_view s :
         {"192.0.2.0/", "192.0.2.0/33", "192.0.2.0/ 24", "192.0.2.0/24 ", "192.0.2.0/+24",
          "192.0.2.0/-24", "192.0.2.0/024", "192.0.2.0/2a", "192.0.2.0/24/24", "192.0.2.0//24",
          "192.0.2.0/1000", "192.0.2.0/4294967320", "/24", "192.0.2.0 /24", "192.0.2/24"}) {
        EXPECT_FALSE(parse_ipv4_prefix(s).has_value()) << '"' << s << '"';
    }
}

TEST(AddrIpv6Prefix, ParsesAddressAndLength) {
    auto p = parse_ipv6_prefix("64:ff9b::/96");
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->addr, v6("64:ff9b::"));
    EXPECT_EQ(p->len, 96);
    EXPECT_EQ(parse_ipv6_prefix("::/0"), (Ipv6Prefix{Ipv6Addr{}, 0}));
    EXPECT_EQ(parse_ipv6_prefix("2001:db8::1"), (Ipv6Prefix{v6("2001:db8::1"), 128}));
}

TEST(AddrIpv6Prefix, HostBitsAreCheckedBitByBit) {
    EXPECT_TRUE(parse_ipv6_prefix("2001:db8:8000::/33").has_value());
    EXPECT_FALSE(parse_ipv6_prefix("2001:db8:4000::/33").has_value());
    EXPECT_TRUE(parse_ipv6_prefix("2001:db8::/31").has_value());  // 0xdb8 ends in a 0 bit
    EXPECT_FALSE(parse_ipv6_prefix("2001:db9::/31").has_value());
    EXPECT_FALSE(parse_ipv6_prefix("64:ff9b::1/96").has_value());
    EXPECT_FALSE(parse_ipv6_prefix("::1/127").has_value());
    EXPECT_TRUE(parse_ipv6_prefix("::2/127").has_value());
}

TEST(AddrIpv6Prefix, RejectsHostBitsAtEveryLength) {
    for (unsigned len = 0; len < 128; len++) {
        Ipv6Addr net{};
        for (unsigned bit = 0; bit < len; bit++)
            net.b[bit / 8] |= 0x80 >> (bit % 8);
        std::string good = format_ipv6(net) + "/" + std::to_string(len);
        EXPECT_EQ(parse_ipv6_prefix(good), (Ipv6Prefix{net, static_cast<uint8_t>(len)})) << good;
        Ipv6Addr bad_addr = net;
        bad_addr.b[len / 8] |= 0x80 >> (len % 8);
        std::string bad = format_ipv6(bad_addr) + "/" + std::to_string(len);
        EXPECT_FALSE(parse_ipv6_prefix(bad).has_value()) << bad;
    }
}

TEST(AddrIpv6Prefix, RejectsBadLengthText) {
    for (std::string_view s : {"2001:db8::/", "2001:db8::/129", "2001:db8::/ 32", "2001:db8::/+32",
                               "2001:db8::/032", "2001:db8::/3x", "2001:db8::/32/1", "/32",
                               "[2001:db8::]/32", "2001:db8::%eth0/32", "2001:db8::/-0"}) {
        EXPECT_FALSE(parse_ipv6_prefix(s).has_value()) << '"' << s << '"';
    }
}

TEST(AddrFormat, Ipv4IsDottedQuad) {
    EXPECT_EQ(format_ipv4(0xc0000201), "192.0.2.1");
    EXPECT_EQ(format_ipv4(0), "0.0.0.0");
    EXPECT_EQ(format_ipv4(0xffffffff), "255.255.255.255");
}

// RFC 5952 §4: lower case, no leading zeros, "::" for the longest run of
// two or more zero fields (the first one on a tie), never for a single one.
TEST(Rfc5952Format, Ipv6IsCanonical) {
    EXPECT_EQ(format_ipv6(v6("2001:0DB8:0000:0000:0000:0000:0000:0001")), "2001:db8::1");
    EXPECT_EQ(format_ipv6(v6("2001:db8:0:0:1:0:0:1")), "2001:db8::1:0:0:1");
    EXPECT_EQ(format_ipv6(v6("2001:db8:0:1:1:1:1:1")), "2001:db8:0:1:1:1:1:1");
    EXPECT_EQ(format_ipv6(v6("2001:0:0:1:0:0:0:1")), "2001:0:0:1::1");
    EXPECT_EQ(format_ipv6(Ipv6Addr{}), "::");
    EXPECT_EQ(format_ipv6(v6("64:ff9b::c000:201")), "64:ff9b::c000:201");
}

TEST(AddrFormat, PrefixesAlwaysCarryTheirLength) {
    EXPECT_EQ(format_prefix(Ipv4Prefix{0xc0000200, 24}), "192.0.2.0/24");
    EXPECT_EQ(format_prefix(Ipv4Prefix{0xc0000201, 32}), "192.0.2.1/32");
    EXPECT_EQ(format_prefix(Ipv4Prefix{0, 0}), "0.0.0.0/0");
    EXPECT_EQ(format_prefix(Ipv6Prefix{v6("64:ff9b::"), 96}), "64:ff9b::/96");
    EXPECT_EQ(format_prefix(Ipv6Prefix{v6("2001:db8::5"), 128}), "2001:db8::5/128");
    EXPECT_EQ(format_prefix(Ipv6Prefix{Ipv6Addr{}, 0}), "::/0");
}

TEST(AddrFormat, ParseOfFormatIsIdentity) {
    for (std::string_view s : {"10.0.0.0/8", "192.0.2.128/25", "203.0.113.8/32", "0.0.0.0/0"}) {
        auto p = parse_ipv4_prefix(s);
        ASSERT_TRUE(p.has_value()) << s;
        EXPECT_EQ(format_prefix(*p), s);
        EXPECT_EQ(parse_ipv4_prefix(format_prefix(*p)), p);
    }
    for (std::string_view s : {"64:ff9b::/96", "2001:db8:100::/40", "::/0", "::ffff:0.0.0.0/96",
                               "2001:db8::1:0:0:1/128", "fe80::/10"}) {
        auto p = parse_ipv6_prefix(s);
        ASSERT_TRUE(p.has_value()) << s;
        EXPECT_EQ(format_prefix(*p), s);
        EXPECT_EQ(parse_ipv6_prefix(format_prefix(*p)), p);
    }
}

}  // namespace
}  // namespace nat64
