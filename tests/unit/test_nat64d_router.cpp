// nat64d as the guests' router (ctl/nat64d/router.hpp): what a VNet's RAs
// carry, and RFC 4861 §6.2.4-§6.2.6's schedule of unsolicited RAs, on a
// simulated clock.  That guests configure themselves from these RAs is
// tested end to end (tests/e2e/ra_dns64_test.sh).
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <vector>

#include "nat64d/router.hpp"
#include "nat64d_text.hpp"

namespace {

using nat64d::testtext::a6;
using nat64d::testtext::p6;

using nat64d::RaSchedule;
using std::chrono::seconds;

nat64d::VNetSpec spec() {
    nat64d::VNetSpec v;
    v.vnet = "vnet1";
    v.mtu = 1450;
    v.subnets = {{"z-2001:db8:1::-64", p6("2001:db8:1::/64"), a6("2001:db8:1::1")},
                 {"z-2001:db8:2::-56", p6("2001:db8:2::/56"), a6("2001:db8:2::1")},
                 {"z-2001:db8:3::-64", p6("2001:db8:3::/64"), std::nullopt}};
    v.instance.pool6 = p6("2001:db8:64::/96");
    return v;
}

const nat64d::Mac kMac{0x02, 0x65, 0, 0, 0x12, 0x34};

TEST(Nat64dRouter, RdnssIsTheGatewaysWithLocalDns64) {
    EXPECT_EQ(nat64d::rdnss_servers(spec()),
              (std::vector<nat64::Ipv6Addr>{a6("2001:db8:1::1"), a6("2001:db8:2::1")}));
}

TEST(Nat64dRouter, RdnssIsTheConfiguredServerOrNone) {
    auto v = spec();
    v.dns64_server = a6("2001:db8:53::53");
    EXPECT_EQ(nat64d::rdnss_servers(v), std::vector<nat64::Ipv6Addr>{a6("2001:db8:53::53")});
    v.dns64_server.reset();
    v.dns64 = nat64d::Dns64Mode::off;
    EXPECT_TRUE(nat64d::rdnss_servers(v).empty());
}

TEST(Nat64dRouter, RaConfigFollowsTheSpec) {
    auto c = nat64d::vnet_ra_config(spec(), kMac, a6("fe80::65:ff:fe00:1234"));
    EXPECT_EQ(c.router_mac, kMac);
    EXPECT_EQ(c.router_ip, a6("fe80::65:ff:fe00:1234"));
    ASSERT_EQ(c.prefixes.size(), 3u);
    EXPECT_EQ(c.prefixes[1].prefix, p6("2001:db8:2::/56"));
    EXPECT_EQ(c.mtu, 1450u);
    ASSERT_TRUE(c.pref64);
    EXPECT_EQ(c.pref64->prefix, p6("2001:db8:64::/96"));
    // RFC 8106 §5.1 and RFC 8781 §4.1: lifetimes of 3 x MaxRtrAdvInterval.
    EXPECT_EQ(c.rdnss.lifetime, 1800u);
    EXPECT_EQ(c.pref64->lifetime, 1800u);
    EXPECT_EQ(c.router_lifetime, 1800u);
    EXPECT_FALSE(nat64d::ra_config_error(c));
    auto frame = nat64d::build_ra(c, nat64d::kAllNodesMac, nat64d::kAllNodes);
    EXPECT_TRUE(frame.ok()) << frame.error;
}

TEST(Nat64dRouter, NoPool6NoPref64) {
    auto v = spec();
    v.instance.pool6.reset();
    EXPECT_FALSE(nat64d::vnet_ra_config(v, kMac, a6("fe80::1")).pref64);
}

// §6.2.4: three initial RAs, the first at once and then at most 16 s
// apart; then every [MinRtrAdvInterval, MaxRtrAdvInterval].
TEST(Nat64dRouter, ScheduleInitialThenPeriodic) {
    RaSchedule s(42);
    const RaSchedule::Clock::time_point t0{seconds(1000)};
    EXPECT_EQ(s.next(), RaSchedule::Clock::time_point::max());
    s.start(t0);
    EXPECT_EQ(s.next(), t0);
    auto t = t0;
    for (int i = 0; i < 2; i++) {
        s.sent(t);
        EXPECT_EQ(s.next() - t, seconds(16)) << i;  // min(random in [200, 600], 16)
        t = s.next();
    }
    for (int i = 0; i < 200; i++) {
        s.sent(t);
        EXPECT_GE(s.next() - t, seconds(200));
        EXPECT_LE(s.next() - t, seconds(600));
        t = s.next();
    }
}

TEST(Nat64dRouter, ScheduleRestartsOnChangeButKeepsMinDelay) {
    RaSchedule s(7);
    const RaSchedule::Clock::time_point t0{seconds(1000)};
    s.start(t0);
    s.sent(t0);
    // What is advertised changed 1 s later: initial RAs again, but not
    // sooner than MIN_DELAY_BETWEEN_RAS after the last one (§6.2.6).
    s.start(t0 + seconds(1));
    EXPECT_EQ(s.next(), t0 + seconds(3));
    EXPECT_EQ(s.initial_left(), 3u);
}

// §6.2.6: a solicitation from :: gets a multicast RA as soon as
// MIN_DELAY_BETWEEN_RAS allows, which also resets the interval.
TEST(Nat64dRouter, SolicitedMulticastIsRateLimited) {
    RaSchedule s(1);
    const RaSchedule::Clock::time_point t0{seconds(1000)};
    s.start(t0);
    for (int i = 0; i < 3; i++) {
        s.sent(s.next());  // at t0, t0 + 16 s, t0 + 32 s
    }
    const auto last = t0 + seconds(32);
    ASSERT_GE(s.next(), last + seconds(200));
    s.solicited(last + seconds(1));
    EXPECT_EQ(s.next(), last + seconds(3));
    s.sent(s.next());
    s.solicited(last + seconds(100));
    EXPECT_EQ(s.next(), last + seconds(100));
}

// ---- Withdrawing what changed (RFC 8106 §5.1, RFC 8781 §4, RFC 4862 §5.5.3 e)

nat64d::RaConfig before_change() {
    auto c = nat64d::vnet_ra_config(spec(), kMac, a6("fe80::65:ff:fe00:1234"));
    c.rdnss.servers = {a6("2001:db8:1::1"), a6("2001:db8:2::1")};
    return c;
}

TEST(Nat64dRouter, WithdrawnIsWhatWentAway) {
    auto before = before_change();
    auto after = before;
    after.prefixes.erase(after.prefixes.begin() + 1);  // 2001:db8:2::/56 goes
    after.rdnss.servers = {a6("2001:db8:2::1")};       // 2001:db8:1::1 goes
    after.pref64 = nat64d::RaPref64{p6("2001:db8:65::/96")};
    auto w = nat64d::ra_withdrawn(before, after, {});
    EXPECT_EQ(w.prefixes, std::vector<nat64::Ipv6Prefix>{p6("2001:db8:2::/56")});
    EXPECT_EQ(w.rdnss, std::vector<nat64::Ipv6Addr>{a6("2001:db8:1::1")});
    EXPECT_EQ(w.pref64, std::vector<nat64::Ipv6Prefix>{p6("2001:db8:64::/96")});
    EXPECT_TRUE(nat64d::ra_withdrawn(before, before, {}).empty());
}

TEST(Nat64dRouter, PendingWithdrawalCarriesOnUnlessOfferedAgain) {
    auto before = before_change();
    auto after = before;
    nat64d::RaWithdrawn pending;
    pending.prefixes = {p6("2001:db8:9::/64"), p6("2001:db8:1::/64")};  // the second is back
    pending.rdnss = {a6("2001:db8:9::1")};
    auto w = nat64d::ra_withdrawn(before, after, pending);
    EXPECT_EQ(w.prefixes, std::vector<nat64::Ipv6Prefix>{p6("2001:db8:9::/64")});
    EXPECT_EQ(w.rdnss, std::vector<nat64::Ipv6Addr>{a6("2001:db8:9::1")});
    EXPECT_TRUE(w.pref64.empty());
}

// The options of an RA frame, as (type, bytes of the option) in order.
std::vector<std::pair<uint8_t, std::vector<uint8_t>>> options_of(const std::vector<uint8_t> &f) {
    std::vector<std::pair<uint8_t, std::vector<uint8_t>>> out;
    for (size_t i = 14 + 40 + 16; i + 2 <= f.size() && f[i + 1] != 0; i += f[i + 1] * 8u) {
        out.emplace_back(f[i],
                         std::vector<uint8_t>(f.begin() + static_cast<long>(i),
                                              f.begin() + static_cast<long>(i) + f[i + 1] * 8));
    }
    return out;
}

uint32_t be32(const std::vector<uint8_t> &b, size_t at) {
    return uint32_t{b[at]} << 24 | uint32_t{b[at + 1]} << 16 | uint32_t{b[at + 2]} << 8 | b[at + 3];
}

TEST(Nat64dRouter, WithdrawnGoOutWithLifetimeZero) {
    auto cfg = before_change();
    cfg.prefixes.resize(1);
    cfg.rdnss.servers = {a6("2001:db8:2::1")};
    nat64d::RaWithdrawn w;
    w.prefixes = {p6("2001:db8:2::/56")};
    w.rdnss = {a6("2001:db8:1::1")};
    w.pref64 = {p6("2001:db8:63::/96")};
    auto f =
        nat64d::build_ra(nat64d::with_withdrawn(cfg, w), nat64d::kAllNodesMac, nat64d::kAllNodes);
    ASSERT_TRUE(f.ok()) << f.error;
    auto opts = options_of(f.bytes);
    // SLLA, MTU, PIO (current), PIO (withdrawn), RDNSS, RDNSS (withdrawn),
    // PREF64, PREF64 (withdrawn).
    std::vector<uint8_t> types;
    for (const auto &o : opts)
        types.push_back(o.first);
    EXPECT_EQ(types, (std::vector<uint8_t>{1, 5, 3, 3, 25, 25, 38, 38}));
    const auto &pio = opts[3].second;
    EXPECT_EQ(pio[2], 56);
    EXPECT_EQ(be32(pio, 4), nat64d::kWithdrawnValidLifetime);  // valid
    EXPECT_EQ(be32(pio, 8), 0u);                               // preferred
    EXPECT_EQ(be32(opts[4].second, 4), 1800u);
    EXPECT_EQ(be32(opts[5].second, 4), 0u);
    EXPECT_EQ(std::vector<uint8_t>(opts[5].second.begin() + 8, opts[5].second.end()),
              std::vector<uint8_t>(w.rdnss[0].b.begin(), w.rdnss[0].b.end()));
    EXPECT_EQ((opts[6].second[2] << 8 | opts[6].second[3]) >> 3, 225);  // 1800 s / 8
    EXPECT_EQ((opts[7].second[2] << 8 | opts[7].second[3]) >> 3, 0);
    EXPECT_EQ(opts[7].second[9], 0x63);  // 2001:db8:63::
}

TEST(Nat64dRouter, FinalRaWithdrawsEverything) {
    auto c = nat64d::final_ra(before_change());
    EXPECT_EQ(c.router_lifetime, 0);
    for (const auto &p : c.prefixes) {
        EXPECT_EQ(p.preferred_lifetime, 0u);
        EXPECT_EQ(p.valid_lifetime, nat64d::kWithdrawnValidLifetime);
    }
    EXPECT_EQ(c.rdnss.lifetime, 0u);
    ASSERT_TRUE(c.pref64);
    EXPECT_EQ(c.pref64->lifetime, 0u);
    EXPECT_TRUE(nat64d::build_ra(c, nat64d::kAllNodesMac, nat64d::kAllNodes).ok());
}

TEST(Nat64dRouter, RdnssOnlyWhereALocalResolverCanRun) {
    auto v = spec();
    v.instance.pool6.reset();  // nothing to synthesise into: no resolver
    EXPECT_TRUE(nat64d::rdnss_servers(v).empty());
    v = spec();
    v.subnets.resize(1);
    v.subnets[0].gateway.reset();  // nothing to listen on
    EXPECT_TRUE(nat64d::rdnss_servers(v).empty());
}

}  // namespace
