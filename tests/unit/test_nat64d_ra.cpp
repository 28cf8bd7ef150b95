// nat64d's router advertisements (ctl/nat64d/ra.cpp): RAs built byte for
// byte and Router Solicitations parsed.  The expected bytes are laid out by
// hand from the RFC figures (RFC 4861 §4.1, §4.2, §4.6; RFC 8106 §5.1;
// RFC 8781 §4), and checksums are verified with a plain RFC 1071 loop
// written here, never with the code under test.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nat64d/ra.hpp"
#include "nat64d_text.hpp"

namespace {

using nat64d::testtext::a6;
using nat64d::testtext::p6;

using nat64::Ipv6Addr;
using nat64d::Mac;
using Bytes = std::vector<uint8_t>;

constexpr size_t kEth = 14;
constexpr size_t kIp6 = 40;
const Mac kRouterMac{0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
const Mac kHostMac{0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc};

// RFC 1071 one's-complement sum of 16-bit big-endian words, RFC 8200 §8.1
// pseudo-header first.  Written out plainly, independent of checksum.hpp.
uint16_t icmpv6_sum(const uint8_t *src, const uint8_t *dst, const uint8_t *msg, size_t len) {
    Bytes d(src, src + 16);
    d.insert(d.end(), dst, dst + 16);
    d.push_back(static_cast<uint8_t>(len >> 24));
    d.push_back(static_cast<uint8_t>(len >> 16));
    d.push_back(static_cast<uint8_t>(len >> 8));
    d.push_back(static_cast<uint8_t>(len));
    d.insert(d.end(), {0, 0, 0, 58});
    d.insert(d.end(), msg, msg + len);
    if (d.size() % 2) d.push_back(0);
    uint32_t sum = 0;
    for (size_t i = 0; i < d.size(); i += 2) {
        sum += static_cast<uint32_t>(d[i] << 8 | d[i + 1]);
    }
    while (sum > 0xffff)
        sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(sum);
}

// True when the ICMPv6 checksum of an Ethernet+IPv6+ICMPv6 frame verifies.
bool checksum_ok(const Bytes &f) {
    const uint8_t *ip = f.data() + kEth;
    const size_t len = static_cast<size_t>(ip[4] << 8 | ip[5]);
    return icmpv6_sum(ip + 8, ip + 24, ip + kIp6, len) == 0xffff;
}

nat64d::RaConfig base_config() {
    nat64d::RaConfig c;
    c.router_mac = kRouterMac;
    c.router_ip = a6("fe80::5054:ff:fe12:3456");  // EUI-64 of kRouterMac, as the kernel forms it
    return c;
}

// The options of an RA frame as (type, bytes) pairs.
std::vector<std::pair<uint8_t, Bytes>> options(const Bytes &f) {
    std::vector<std::pair<uint8_t, Bytes>> out;
    size_t off = kEth + kIp6 + 16;
    while (off + 2 <= f.size() && f[off + 1] != 0) {
        const size_t len = f[off + 1] * 8u;
        out.emplace_back(f[off], Bytes(f.begin() + off, f.begin() + off + len));
        off += len;
    }
    return out;
}

std::optional<Bytes> find_option(const Bytes &f, uint8_t type) {
    for (auto &[t, b] : options(f))
        if (t == type) return b;
    return std::nullopt;
}

// --- Addresses -------------------------------------------------------------

TEST(Nat64dRaAddr, MulticastMac) {
    EXPECT_EQ(nat64d::kAllNodes, a6("ff02::1"));
    EXPECT_EQ(nat64d::multicast_mac(nat64d::kAllNodes), nat64d::kAllNodesMac);
    EXPECT_EQ(nat64d::kAllNodesMac, (Mac{0x33, 0x33, 0, 0, 0, 1}));
    EXPECT_EQ(nat64d::multicast_mac(a6("ff02::1:ff12:3456")),
              (Mac{0x33, 0x33, 0xff, 0x12, 0x34, 0x56}));
}

// --- Building RAs ------------------------------------------------------------

TEST(Nat64dRaBuild, FullRaExactBytes) {
    nat64d::RaConfig c = base_config();
    c.prefixes = {{p6("2001:db8:1::/64")}};
    c.mtu = 1500;
    c.rdnss.servers = {a6("2001:db8:1::53")};
    c.pref64 = nat64d::RaPref64{p6("64:ff9b::/96")};

    const Bytes expected = {
        // Ethernet: dst 33:33:00:00:00:01, src 52:54:00:12:34:56, type 86dd
        0x33, 0x33, 0x00, 0x00, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x86, 0xdd,
        // IPv6: version 6, TC 0, flow 0 | payload length 104 | next header 58 | hop limit 255
        0x60, 0x00, 0x00, 0x00, 0x00, 0x68, 0x3a, 0xff,
        // source fe80::5054:ff:fe12:3456
        0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x50, 0x54, 0x00, 0xff, 0xfe, 0x12, 0x34,
        0x56,
        // destination ff02::1
        0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x01,
        // RA (RFC 4861 §4.2): type 134, code 0, checksum 0x6a27
        0x86, 0x00, 0x6a, 0x27,
        // cur hop limit 64 | M=0 O=0 reserved | router lifetime 1800
        0x40, 0x00, 0x07, 0x08,
        // reachable time 0 | retrans timer 0
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        // SLLA (§4.6.1): type 1, length 1, 52:54:00:12:34:56
        0x01, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
        // MTU (§4.6.4): type 5, length 1, reserved, MTU 1500
        0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x05, 0xdc,
        // PIO (§4.6.2): type 3, length 4, prefix length 64, L=1 A=1
        0x03, 0x04, 0x40, 0xc0,
        // valid lifetime 2592000 | preferred lifetime 604800 | reserved2
        0x00, 0x27, 0x8d, 0x00, 0x00, 0x09, 0x3a, 0x80, 0x00, 0x00, 0x00, 0x00,
        // prefix 2001:db8:1::
        0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00,
        // RDNSS (RFC 8106 §5.1): type 25, length 3, reserved | lifetime 1800
        0x19, 0x03, 0x00, 0x00, 0x00, 0x00, 0x07, 0x08,
        // server 2001:db8:1::53
        0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x53,
        // PREF64 (RFC 8781 §4): type 38, length 2, scaled lifetime 225 << 3 | PLC 0
        0x26, 0x02, 0x07, 0x08,
        // highest 96 bits of 64:ff9b::
        0x00, 0x64, 0xff, 0x9b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

    // The checksum written above, recomputed independently.
    ASSERT_EQ(expected.size(), kEth + kIp6 + 104);
    EXPECT_TRUE(checksum_ok(expected));

    const nat64d::RaFrame f = nat64d::build_ra(c, nat64d::kAllNodesMac, nat64d::kAllNodes);
    ASSERT_TRUE(f.ok()) << f.error;
    EXPECT_EQ(f.bytes, expected);
}

TEST(Nat64dRaBuild, UnicastChecksumVerifies) {
    nat64d::RaConfig c = base_config();
    c.prefixes = {{p6("2001:db8:1::/64")}, {p6("2001:db8:2::/56"), 7200, 3600}};
    c.rdnss.servers = {a6("2001:db8:1::53"), a6("fe80::1")};
    c.pref64 = nat64d::RaPref64{p6("2001:db8:64::/48"), 3600};
    const Ipv6Addr host = a6("fe80::5054:ff:feaa:bbcc");
    const nat64d::RaFrame f = nat64d::build_ra(c, kHostMac, host);
    ASSERT_TRUE(f.ok()) << f.error;
    EXPECT_TRUE(checksum_ok(f.bytes));
    EXPECT_EQ(Bytes(f.bytes.begin(), f.bytes.begin() + 6), Bytes(kHostMac.begin(), kHostMac.end()));
    EXPECT_EQ(Bytes(f.bytes.begin() + kEth + 24, f.bytes.begin() + kEth + 40),
              Bytes(host.b.begin(), host.b.end()));
    // Options in the documented order.
    std::vector<uint8_t> types;
    for (auto &[t, b] : options(f.bytes))
        types.push_back(t);
    EXPECT_EQ(types, (std::vector<uint8_t>{1, 3, 3, 25, 38}));
    // RDNSS length 1 + 2 x 2 servers.
    EXPECT_EQ(find_option(f.bytes, 25)->at(1), 5);
}

TEST(Nat64dRaBuild, HeaderFieldsAndFlags) {
    nat64d::RaConfig c = base_config();
    c.cur_hop_limit = 0;
    c.managed = true;
    c.other = true;
    c.router_lifetime = 0;  // not a default router
    c.reachable_time = 30000;
    c.retrans_timer = 1000;
    const nat64d::RaFrame f = nat64d::build_ra(c, nat64d::kAllNodesMac, nat64d::kAllNodes);
    ASSERT_TRUE(f.ok()) << f.error;
    const Bytes ra(f.bytes.begin() + kEth + kIp6, f.bytes.begin() + kEth + kIp6 + 16);
    EXPECT_EQ(ra, (Bytes{0x86, 0x00, ra[2], ra[3], 0x00, 0xc0, 0x00, 0x00,  //
                         0x00, 0x00, 0x75, 0x30, 0x00, 0x00, 0x03, 0xe8}));
    EXPECT_TRUE(checksum_ok(f.bytes));
}

TEST(Nat64dRaBuild, MinimalRaHasOnlySlla) {
    const nat64d::RaFrame f =
        nat64d::build_ra(base_config(), nat64d::kAllNodesMac, nat64d::kAllNodes);
    ASSERT_TRUE(f.ok()) << f.error;
    ASSERT_EQ(f.bytes.size(), kEth + kIp6 + 16 + 8);
    const auto opts = options(f.bytes);
    ASSERT_EQ(opts.size(), 1u);
    EXPECT_EQ(opts[0].second, (Bytes{0x01, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56}));
    EXPECT_FALSE(find_option(f.bytes, 5));
    EXPECT_FALSE(find_option(f.bytes, 25));
    EXPECT_FALSE(find_option(f.bytes, 38));
    EXPECT_TRUE(checksum_ok(f.bytes));
}

TEST(Nat64dRaBuild, OnlySlash64PrefixesAreAutonomous) {
    nat64d::RaConfig c = base_config();
    c.prefixes = {{p6("2001:db8:1::/64")}, {p6("2001:db8:2::/48")}, {p6("2001:db8:3::/80")}};
    const nat64d::RaFrame f = nat64d::build_ra(c, nat64d::kAllNodesMac, nat64d::kAllNodes);
    ASSERT_TRUE(f.ok()) << f.error;
    std::vector<std::pair<uint8_t, uint8_t>> len_flags;
    for (auto &[t, b] : options(f.bytes))
        if (t == 3) len_flags.emplace_back(b[2], b[3]);
    EXPECT_EQ(len_flags, (std::vector<std::pair<uint8_t, uint8_t>>{
                             {64, 0xc0}, {48, 0x80}, {80, 0x80}}));  // L=1 always, A only /64
}

TEST(Nat64dRaBuild, PrefixHostBitsAreZero) {
    nat64d::RaConfig c = base_config();
    nat64::Ipv6Prefix p = p6("2001:db8:1::/64");
    p.addr.b[15] = 0x99;  // a hand-made prefix breaking Ipv6Prefix's invariant
    c.prefixes = {{p}};
    const nat64d::RaFrame f = nat64d::build_ra(c, nat64d::kAllNodesMac, nat64d::kAllNodes);
    ASSERT_TRUE(f.ok()) << f.error;
    EXPECT_EQ(find_option(f.bytes, 3)->at(31), 0);
}

// --- PREF64 ------------------------------------------------------------------

TEST(Nat64dRaPref64, PlcForEveryRfc6052Length) {
    const std::vector<std::pair<uint8_t, uint8_t>> cases = {{96, 0}, {64, 1}, {56, 2},
                                                            {48, 3}, {40, 4}, {32, 5}};
    for (auto [len, plc] : cases) {
        SCOPED_TRACE(int{len});
        EXPECT_EQ(nat64d::pref64_plc(len), plc);
        nat64d::RaConfig c = base_config();
        nat64::Ipv6Prefix p = p6("2001:db8:aabb:ccdd:eeff:1122::");
        p.len = len;
        // Host bits set on purpose: only the first len bits are sent.
        c.pref64 = nat64d::RaPref64{p, 1800};
        const nat64d::RaFrame f = nat64d::build_ra(c, nat64d::kAllNodesMac, nat64d::kAllNodes);
        ASSERT_TRUE(f.ok()) << f.error;
        const auto opt = find_option(f.bytes, 38);
        ASSERT_TRUE(opt);
        ASSERT_EQ(opt->size(), 16u);
        EXPECT_EQ((*opt)[1], 2);
        EXPECT_EQ((*opt)[2], 0x07);        // 225 << 3 = 0x0708 ...
        EXPECT_EQ((*opt)[3], 0x08 | plc);  // ... | PLC
        const Bytes full = {0x20, 0x01, 0x0d, 0xb8, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x11, 0x22};
        for (size_t i = 0; i < 12; ++i)
            EXPECT_EQ((*opt)[4 + i], i < len / 8u ? full[i] : 0) << i;
        EXPECT_TRUE(checksum_ok(f.bytes));
    }
}

TEST(Nat64dRaPref64, ScaledLifetimeRoundsUpAndClamps) {
    EXPECT_EQ(nat64d::pref64_scaled_lifetime(0), 0);
    EXPECT_EQ(nat64d::pref64_scaled_lifetime(1), 1);
    EXPECT_EQ(nat64d::pref64_scaled_lifetime(8), 1);
    EXPECT_EQ(nat64d::pref64_scaled_lifetime(9), 2);
    EXPECT_EQ(nat64d::pref64_scaled_lifetime(1800), 225);
    EXPECT_EQ(nat64d::pref64_scaled_lifetime(65528), 8191);
    EXPECT_EQ(nat64d::pref64_scaled_lifetime(65529), 8191);
    EXPECT_EQ(nat64d::pref64_scaled_lifetime(70000), 8191);
    EXPECT_EQ(nat64d::pref64_scaled_lifetime(UINT32_MAX), 8191);

    nat64d::RaConfig c = base_config();
    c.pref64 = nat64d::RaPref64{p6("64:ff9b::/96"), 70000};
    const nat64d::RaFrame f = nat64d::build_ra(c, nat64d::kAllNodesMac, nat64d::kAllNodes);
    ASSERT_TRUE(f.ok()) << f.error;
    const auto opt = find_option(f.bytes, 38);
    ASSERT_TRUE(opt);
    EXPECT_EQ((*opt)[2], 0xff);  // 8191 << 3 | PLC 0 = 0xfff8
    EXPECT_EQ((*opt)[3], 0xf8);
}

TEST(Nat64dRaPref64, RefusesOtherLengths) {
    for (uint8_t len : {0, 24, 33, 60, 80, 128}) {
        SCOPED_TRACE(int{len});
        EXPECT_FALSE(nat64d::pref64_plc(len));
        nat64d::RaConfig c = base_config();
        nat64::Ipv6Prefix p = p6("2001:db8::");
        p.len = len;
        c.pref64 = nat64d::RaPref64{p};
        const nat64d::RaFrame f = nat64d::build_ra(c, nat64d::kAllNodesMac, nat64d::kAllNodes);
        EXPECT_FALSE(f.ok());
        EXPECT_TRUE(f.bytes.empty());
        EXPECT_EQ(f.error.rfind("pref64.prefix: ", 0), 0u) << f.error;
    }
}

// --- Refused configurations --------------------------------------------------

TEST(Nat64dRaConfig, DefaultsFollowTheRfcs) {
    const nat64d::RaConfig c;
    EXPECT_EQ(c.cur_hop_limit, 64);
    EXPECT_EQ(c.router_lifetime, 1800);  // 3 x MaxRtrAdvInterval
    EXPECT_EQ(c.rdnss.lifetime, 1800);   // RFC 8106 §5.1
    EXPECT_EQ(nat64d::RaPref64{}.lifetime, 1800u);
    EXPECT_EQ(nat64d::RaPrefix{}.valid_lifetime, 2592000u);
    EXPECT_EQ(nat64d::RaPrefix{}.preferred_lifetime, 604800u);
    EXPECT_FALSE(nat64d::ra_config_error(base_config()));
}

// The error of build_ra for a config changed by edit, sent to all-nodes.
template <typename Edit>
std::string error_of(Edit edit) {
    nat64d::RaConfig c = base_config();
    c.prefixes = {{p6("2001:db8:1::/64")}};
    edit(c);
    const nat64d::RaFrame f = nat64d::build_ra(c, nat64d::kAllNodesMac, nat64d::kAllNodes);
    EXPECT_TRUE(f.bytes.empty());
    const auto err = nat64d::ra_config_error(c);
    EXPECT_EQ(err.value_or(""), f.error);
    return f.error;
}

#define EXPECT_FIELD(err, field) EXPECT_EQ((err).rfind(field ": ", 0), 0u) << (err)

TEST(Nat64dRaConfig, RefusedFieldsAreNamed) {
    using C = nat64d::RaConfig;
    EXPECT_FIELD(error_of([](C &c) { c.router_mac = {0x01, 0, 0x5e, 0, 0, 1}; }), "router_mac");
    EXPECT_FIELD(error_of([](C &c) { c.router_mac = {}; }), "router_mac");
    EXPECT_FIELD(error_of([](C &c) { c.router_ip = a6("2001:db8:1::1"); }), "router_ip");
    EXPECT_FIELD(error_of([](C &c) { c.router_ip = {}; }), "router_ip");
    EXPECT_FIELD(error_of([](C &c) { c.reachable_time = 3600001; }), "reachable_time");
    EXPECT_FIELD(error_of([](C &c) { c.prefixes.push_back({p6("fe80::/64")}); }),
                 "prefixes[1].prefix");
    EXPECT_FIELD(error_of([](C &c) { c.prefixes.push_back({p6("ff00::/8")}); }),
                 "prefixes[1].prefix");
    EXPECT_FIELD(error_of([](C &c) { c.prefixes[0].prefix.len = 0; }), "prefixes[0].prefix");
    EXPECT_FIELD(error_of([](C &c) { c.prefixes[0].prefix.len = 129; }), "prefixes[0].prefix");
    EXPECT_FIELD(error_of([](C &c) { c.prefixes[0].preferred_lifetime = 2592001; }),
                 "prefixes[0].preferred_lifetime");
    EXPECT_FIELD(error_of([](C &c) { c.mtu = 1279; }), "mtu");
    EXPECT_FIELD(error_of([](C &c) {
                     c.rdnss.servers = {a6("2001:db8::53"), {}};
                 }),
                 "rdnss.servers[1]");
    EXPECT_FIELD(error_of([](C &c) { c.rdnss.servers = {a6("ff02::fb")}; }), "rdnss.servers[0]");
    EXPECT_FIELD(error_of([](C &c) {
                     c.rdnss.servers.assign(128, a6("2001:db8::53"));
                     c.mtu = 9000;
                 }),
                 "rdnss.servers");
    // 40 prefixes: 16 + 8 + 40 x 32 bytes of ICMPv6 do not fit 1280; with
    // a jumbo MTU they do.
    EXPECT_FIELD(error_of([](C &c) { c.prefixes.assign(40, {p6("2001:db8:1::/64")}); }),
                 "prefixes");
    nat64d::RaConfig big = base_config();
    big.prefixes.assign(40, {p6("2001:db8:1::/64")});
    big.mtu = 9000;
    EXPECT_FALSE(nat64d::ra_config_error(big));
    // Limits that are still fine.
    nat64d::RaConfig edge = base_config();
    edge.reachable_time = 3600000;
    edge.mtu = 1280;
    edge.router_lifetime = 65535;  // RFC 8319
    edge.prefixes = {{p6("2001:db8::/64"), 100, 100}};
    EXPECT_FALSE(nat64d::ra_config_error(edge));
}

TEST(Nat64dRaConfig, RefusedDestinations) {
    const nat64d::RaConfig c = base_config();
    nat64d::RaFrame f = nat64d::build_ra(c, kHostMac, Ipv6Addr{});
    EXPECT_FIELD(f.error, "dst_ip");
    f = nat64d::build_ra(c, kHostMac, nat64d::kAllNodes);  // multicast IP, unicast MAC
    EXPECT_FIELD(f.error, "dst_mac");
    f = nat64d::build_ra(c, nat64d::kAllNodesMac, a6("fe80::1"));  // and the reverse
    EXPECT_FIELD(f.error, "dst_mac");
    EXPECT_TRUE(f.bytes.empty());
}

// --- Parsing RSs ---------------------------------------------------------------

struct RsSpec {
    Ipv6Addr src = a6("fe80::5054:ff:feaa:bbcc");
    Ipv6Addr dst = a6("ff02::2");
    uint8_t hop_limit = 255;
    uint8_t type = 133;
    uint8_t code = 0;
    Bytes options;
    bool corrupt_checksum = false;
};

// An RS frame laid out from RFC 4861 §4.1, checksum by icmpv6_sum().
Bytes make_rs(const RsSpec &s) {
    Bytes icmp = {s.type, s.code, 0, 0, /* reserved */ 0, 0, 0, 0};
    icmp.insert(icmp.end(), s.options.begin(), s.options.end());
    uint16_t sum = icmpv6_sum(s.src.b.data(), s.dst.b.data(), icmp.data(), icmp.size());
    uint16_t csum = static_cast<uint16_t>(~sum);
    if (s.corrupt_checksum) csum ^= 0x0100;
    icmp[2] = static_cast<uint8_t>(csum >> 8);
    icmp[3] = static_cast<uint8_t>(csum);

    Bytes f = {0x33, 0x33, 0x00, 0x00, 0x00, 0x02};  // all-routers
    f.insert(f.end(), kHostMac.begin(), kHostMac.end());
    f.insert(f.end(), {0x86, 0xdd});
    f.insert(f.end(), {0x60, 0, 0, 0, static_cast<uint8_t>(icmp.size() >> 8),
                       static_cast<uint8_t>(icmp.size()), 58, s.hop_limit});
    f.insert(f.end(), s.src.b.begin(), s.src.b.end());
    f.insert(f.end(), s.dst.b.begin(), s.dst.b.end());
    f.insert(f.end(), icmp.begin(), icmp.end());
    return f;
}

const Bytes kSllaOption = {0x01, 0x01, 0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcd};

std::optional<nat64d::RouterSolicitation> parse(const Bytes &f) {
    return nat64d::parse_rs(f.data(), f.size());
}

TEST(Nat64dRaParse, ValidWithSourceLinkLayerAddress) {
    RsSpec s;
    s.options = kSllaOption;
    const auto rs = parse(make_rs(s));
    ASSERT_TRUE(rs);
    EXPECT_EQ(rs->eth_src, kHostMac);
    EXPECT_EQ(rs->ip_src, a6("fe80::5054:ff:feaa:bbcc"));
    ASSERT_TRUE(rs->source_link_layer);
    EXPECT_EQ(*rs->source_link_layer, (Mac{0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcd}));
    // Answered by unicast at the option's MAC (RFC 4861 §6.2.6).
    const nat64d::RaDestination d = nat64d::ra_destination(*rs);
    EXPECT_EQ(d.mac, *rs->source_link_layer);
    EXPECT_EQ(d.ip, rs->ip_src);
}

TEST(Nat64dRaParse, ValidWithoutOptions) {
    const auto rs = parse(make_rs({}));
    ASSERT_TRUE(rs);
    EXPECT_EQ(rs->eth_src, kHostMac);
    EXPECT_FALSE(rs->source_link_layer);
    EXPECT_EQ(nat64d::ra_destination(*rs).mac, kHostMac);
}

TEST(Nat64dRaParse, ValidFromUnspecifiedWithoutSlla) {
    RsSpec s;
    s.src = Ipv6Addr{};
    const auto rs = parse(make_rs(s));
    ASSERT_TRUE(rs);
    EXPECT_EQ(rs->ip_src, Ipv6Addr{});
    const nat64d::RaDestination d = nat64d::ra_destination(*rs);
    EXPECT_EQ(d.mac, nat64d::kAllNodesMac);
    EXPECT_EQ(d.ip, nat64d::kAllNodes);
}

TEST(Nat64dRaParse, IgnoresUnknownOptionsAndPadding) {
    RsSpec s;
    // An unknown option type 200 of 16 bytes, then the SLLA option.
    s.options = {200, 2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
    s.options.insert(s.options.end(), kSllaOption.begin(), kSllaOption.end());
    Bytes f = make_rs(s);
    f.insert(f.end(), 10, 0xee);  // trailing bytes beyond the IPv6 payload
    const auto rs = parse(f);
    ASSERT_TRUE(rs);
    EXPECT_TRUE(rs->source_link_layer);
}

TEST(Nat64dRaParse, RejectsInvalid) {
    RsSpec hop;
    hop.hop_limit = 64;
    EXPECT_FALSE(parse(make_rs(hop)));

    RsSpec bad_sum;
    bad_sum.corrupt_checksum = true;
    EXPECT_FALSE(parse(make_rs(bad_sum)));

    RsSpec code;
    code.code = 1;
    EXPECT_FALSE(parse(make_rs(code)));

    RsSpec type;
    type.type = 134;
    EXPECT_FALSE(parse(make_rs(type)));

    RsSpec zero_len;
    zero_len.options = {0x01, 0x00, 0, 0, 0, 0, 0, 0};
    EXPECT_FALSE(parse(make_rs(zero_len)));

    RsSpec overrun;  // says 16 bytes, has 8
    overrun.options = {0x01, 0x02, 0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcd};
    EXPECT_FALSE(parse(make_rs(overrun)));

    RsSpec half;  // a lone option type byte
    half.options = {0x01, 0x01, 0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcd, 0x01};
    EXPECT_FALSE(parse(make_rs(half)));

    RsSpec unspec_slla;
    unspec_slla.src = Ipv6Addr{};
    unspec_slla.options = kSllaOption;
    EXPECT_FALSE(parse(make_rs(unspec_slla)));

    RsSpec multicast_src;
    multicast_src.src = a6("ff02::1");
    EXPECT_FALSE(parse(make_rs(multicast_src)));
}

// Found by fuzz_rs: the answer goes back to the RS's link-layer source,
// which must therefore be a unicast MAC (IEEE 802 group bit clear).
TEST(Nat64dRaParse, RejectsMulticastLinkLayerSources) {
    Bytes f = make_rs(RsSpec{});
    ASSERT_TRUE(parse(f));
    f[6] |= 0x01;  // Ethernet source 53:54:...
    EXPECT_FALSE(parse(f));

    RsSpec slla;
    slla.options = {0x01, 0x01, 0x53, 0x54, 0x00, 0xaa, 0xbb, 0xcd};
    EXPECT_FALSE(parse(make_rs(slla)));
}

TEST(Nat64dRaParse, RejectsShortIcmpLength) {
    // An IPv6 payload of 4 bytes: type, code, checksum and nothing else.
    RsSpec s;
    Bytes f = make_rs(s);
    f.resize(kEth + kIp6 + 4);
    f[kEth + 5] = 4;
    const uint16_t sum =
        icmpv6_sum(f.data() + kEth + 8, f.data() + kEth + 24, Bytes{133, 0, 0, 0}.data(), 4);
    f[kEth + kIp6 + 2] = static_cast<uint8_t>(~sum >> 8);
    f[kEth + kIp6 + 3] = static_cast<uint8_t>(~sum);
    EXPECT_FALSE(parse(f));
}

TEST(Nat64dRaParse, RejectsEveryTruncation) {
    RsSpec s;
    s.options = kSllaOption;
    const Bytes full = make_rs(s);
    ASSERT_TRUE(parse(full));
    for (size_t n = 0; n < full.size(); ++n) {
        // A copy of exactly n bytes, so a read past it is an ASan error.
        const Bytes cut(full.begin(), full.begin() + n);
        EXPECT_FALSE(nat64d::parse_rs(cut.data(), cut.size())) << n;
    }
    EXPECT_FALSE(nat64d::parse_rs(nullptr, 0));
}

TEST(Nat64dRaParse, RejectsPayloadLengthBeyondFrame) {
    Bytes f = make_rs({});
    f[kEth + 5] = 16;  // claims 16 bytes of ICMPv6, the frame has 8
    EXPECT_FALSE(parse(f));
}

TEST(Nat64dRaParse, RejectsVlanTag) {
    const Bytes plain = make_rs({});
    Bytes tagged(plain.begin(), plain.begin() + 12);
    tagged.insert(tagged.end(), {0x81, 0x00, 0x00, 0x64});  // 802.1Q, VLAN 100
    tagged.insert(tagged.end(), plain.begin() + 12, plain.end());
    EXPECT_FALSE(parse(tagged));
}

TEST(Nat64dRaParse, RejectsExtensionHeader) {
    // Hop-by-Hop Options (next header 0) with a PadN filling its 8 bytes,
    // then the RS: a valid packet, but parse_rs wants ICMPv6 right after the
    // IPv6 header (a documented limitation).
    const Bytes plain = make_rs({});
    Bytes f(plain.begin(), plain.begin() + kEth + kIp6);
    f[kEth + 5] = 16;  // payload length: 8 + 8
    f[kEth + 6] = 0;   // next header: Hop-by-Hop
    f.insert(f.end(), {58, 0, 0x01, 0x04, 0, 0, 0, 0});
    f.insert(f.end(), plain.begin() + kEth + kIp6, plain.end());
    EXPECT_FALSE(parse(f));
}

TEST(Nat64dRaParse, NotIpv6OrNotVersion6) {
    Bytes f = make_rs({});
    f[12] = 0x08;  // ethertype 0x08dd
    EXPECT_FALSE(parse(f));
    f = make_rs({});
    f[kEth] = 0x40;  // version 4
    EXPECT_FALSE(parse(f));
}

TEST(Nat64dRaParse, SurvivesEveryByteCorruption) {
    // Not a fuzzer, but every single-byte change of a valid RS, in a buffer
    // of exactly the frame's size.
    RsSpec s;
    s.options = kSllaOption;
    const Bytes full = make_rs(s);
    for (size_t i = 0; i < full.size(); ++i) {
        for (uint8_t v : {0x00, 0x01, 0x7f, 0x80, 0xff}) {
            Bytes f = full;
            f[i] = v;
            (void)parse(f);
        }
    }
}

}  // namespace
