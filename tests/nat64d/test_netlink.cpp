// nat64d's rtnetlink module against the real kernel.
//
// main() moves the process into a new, empty network namespace before any
// test runs, so the tests create devices, routes and sysctls freely and
// never touch the host.  Each test gets a fresh veth pair: "vnet1" plays the
// VNet's internal port.  State is checked through our own reads and, where
// it matters, through iproute2, which parses the kernel's answers on its own.
#include <gtest/gtest.h>
#include <net/if.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "nat64/config.hpp"
#include "nat64d/netlink.hpp"
#include "netns_support.hpp"

namespace {

using nat64d::Mac;
using nat64d::Netlink;
using nat64d::NetlinkError;
using nat64d::Route4;

constexpr const char *kDev = "vnet1";
constexpr const char *kPeer = "vnet1-peer";
constexpr Mac kDevMac = {0x02, 0x64, 0x00, 0x00, 0x00, 0x01};
constexpr Mac kTranslatorMac = {0x02, 0x64, 0x00, 0x00, 0x00, 0xaa};
constexpr Mac kOtherMac = {0x02, 0x64, 0x00, 0x00, 0x00, 0xbb};

uint32_t v4(const char *s) {
    auto a = nat64::parse_ipv4(s);
    if (!a) throw std::invalid_argument(s);
    return *a;
}

nat64::Ipv4Prefix p4(const char *s) {
    auto p = nat64::parse_ipv4_prefix(s);
    if (!p) throw std::invalid_argument(s);
    return *p;
}

nat64::Ipv6Addr v6(const char *s) {
    auto a = nat64::parse_ipv6(s);
    if (!a) throw std::invalid_argument(s);
    return *a;
}

using nat64d::testns::ip;
using nat64d::testns::run;
using nat64d::testns::RunResult;

bool contains(const std::string &haystack, const std::string &needle) {
    return haystack.find(needle) != std::string::npos;
}

// The message of the NetlinkError that f throws; fails the test if none.
template <class F>
std::string error_of(F &&f) {
    try {
        f();
    } catch (const NetlinkError &e) {
        return e.what();
    }
    ADD_FAILURE() << "no NetlinkError thrown";
    return "";
}

class NetlinkTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ip({"link", "add", kDev, "type", "veth", "peer", "name", kPeer});
        ip({"link", "set", kDev, "address", nat64d::format_mac(kDevMac), "mtu", "1400"});
        ifindex_ = static_cast<int>(if_nametoindex(kDev));
        ASSERT_GT(ifindex_, 0);
    }
    void TearDown() override {
        // Deleting one end deletes both, and with them every route, address
        // and neighbour entry of the test.
        run({nat64d::testns::ip_program(), "link", "del", kDev});
    }
    void bring_up() {
        nl_.set_link_up(kDev);
        ip({"link", "set", kPeer, "up"});  // so vnet1 has carrier
    }

    Netlink nl_;
    int ifindex_ = 0;
};

TEST(FormatMac, LowercaseColonSeparated) {
    EXPECT_EQ(nat64d::format_mac(kDevMac), "02:64:00:00:00:01");
    EXPECT_EQ(nat64d::format_mac({0xab, 0xcd, 0xef, 0x01, 0x23, 0xff}), "ab:cd:ef:01:23:ff");
}

TEST_F(NetlinkTest, LinkLookup) {
    auto li = nl_.link(kDev);
    ASSERT_TRUE(li);
    EXPECT_EQ(li->ifindex, ifindex_);
    EXPECT_EQ(li->mac, kDevMac);
    EXPECT_EQ(li->mtu, 1400u);
    EXPECT_FALSE(li->up);

    nl_.set_link_up(kDev);
    li = nl_.link(kDev);
    ASSERT_TRUE(li);
    EXPECT_TRUE(li->up);
    const std::string shown = ip({"-o", "link", "show", "dev", kDev});
    EXPECT_TRUE(contains(shown, ",UP,") || contains(shown, ",UP>") || contains(shown, "<UP"))
        << shown;
    // Idempotent.
    nl_.set_link_up(kDev);
    EXPECT_TRUE(nl_.link(kDev)->up);

    EXPECT_FALSE(nl_.link("nosuchdev"));
    EXPECT_FALSE(nl_.link("a-name-longer-than-ifnamsiz"));
    EXPECT_FALSE(nl_.link(""));
    // The namespace is private: the host's devices are not visible.
    auto lo = nl_.link("lo");
    ASSERT_TRUE(lo);
    EXPECT_EQ(lo->ifindex, 1);
}

TEST_F(NetlinkTest, SetLinkUpOfMissingDeviceNamesIt) {
    const std::string msg = error_of([&] { nl_.set_link_up("nosuchdev"); });
    EXPECT_TRUE(contains(msg, "setting device nosuchdev up: no such device")) << msg;
}

TEST_F(NetlinkTest, EnsureIpv6AddressAddsOnce) {
    const auto gw = v6("2001:db8:64::1");
    EXPECT_TRUE(nl_.ensure_ipv6_address(kDev, gw, 64));
    EXPECT_FALSE(nl_.ensure_ipv6_address(kDev, gw, 64));
    // Present with another prefix length still counts as present.
    EXPECT_FALSE(nl_.ensure_ipv6_address(kDev, gw, 80));

    auto addrs = nl_.ipv6_addresses(kDev);
    EXPECT_EQ(std::count(addrs.begin(), addrs.end(), std::make_pair(gw, uint8_t{64})), 1)
        << addrs.size() << " addresses";
    const std::string shown = ip({"-6", "-o", "addr", "show", "dev", kDev});
    EXPECT_TRUE(contains(shown, "inet6 2001:db8:64::1/64 ")) << shown;

    // Another device's addresses are not listed.
    auto peer = nl_.ipv6_addresses(kPeer);
    EXPECT_EQ(std::count(peer.begin(), peer.end(), std::make_pair(gw, uint8_t{64})), 0);

    const std::string msg = error_of([&] { nl_.ensure_ipv6_address("nosuchdev", gw, 64); });
    EXPECT_TRUE(contains(msg, "adding address 2001:db8:64::1/64 to nosuchdev: no such device"))
        << msg;
    const std::string msg2 = error_of([&] { nl_.ipv6_addresses("nosuchdev"); });
    EXPECT_TRUE(contains(msg2, "nosuchdev")) << msg2;
}

// The router's RA source (ra_service.cpp) must be a link-local address the
// kernel owns: none while the device is down or DAD runs, a DAD-failed one
// never, and then the kernel's own (EUI-64 from the MAC by default).
TEST_F(NetlinkTest, UsableLinkLocalWaitsForDad) {
    EXPECT_FALSE(nl_.usable_link_local(kDev));  // down: no link-local yet
    ip({"link", "set", kPeer, "up"});
    nl_.set_link_up(kDev);
    // With carrier, DAD runs about a second (RetransTimer, RFC 4862 §5.4).
    std::optional<nat64::Ipv6Addr> ll;
    for (int i = 0; i < 50 && !(ll = nl_.usable_link_local(kDev)); i++)
        usleep(100 * 1000);
    ASSERT_TRUE(ll) << ip({"-6", "-o", "addr", "show", "dev", kDev});
    EXPECT_EQ(*ll, v6("fe80::64:ff:fe00:1"));  // 02:64:00:00:00:01, modified EUI-64

    // A tentative address is listed by ipv6_addresses() but not usable.
    ip({"addr", "flush", "dev", kDev, "scope", "link"});
    ip({"addr", "add", "fe80::99/64", "dev", kDev});
    auto all = nl_.ipv6_addresses(kDev);
    EXPECT_EQ(std::count(all.begin(), all.end(), std::make_pair(v6("fe80::99"), uint8_t{64})), 1);
    const std::string shown = ip({"-6", "-o", "addr", "show", "dev", kDev});
    ASSERT_TRUE(contains(shown, "fe80::99/64 scope link tentative")) << shown;  // DAD: ~1 s
    EXPECT_FALSE(nl_.usable_link_local(kDev)) << shown;
    EXPECT_THROW(nl_.usable_link_local("nosuchdev"), NetlinkError);
}

TEST_F(NetlinkTest, Ipv4AddressesListsEveryDevice) {
    ip({"addr", "add", "192.0.2.7/24", "dev", kDev});
    ip({"addr", "add", "198.18.0.9/32", "dev", kPeer});
    auto addrs = nl_.ipv4_addresses();
    EXPECT_TRUE(std::is_sorted(addrs.begin(), addrs.end()));
    EXPECT_EQ(std::count(addrs.begin(), addrs.end(), v4("192.0.2.7")), 1);
    EXPECT_EQ(std::count(addrs.begin(), addrs.end(), v4("198.18.0.9")), 1);
    EXPECT_EQ(std::count(addrs.begin(), addrs.end(), v4("192.0.2.8")), 0);

    ip({"addr", "del", "192.0.2.7/24", "dev", kDev});
    addrs = nl_.ipv4_addresses();
    EXPECT_EQ(std::count(addrs.begin(), addrs.end(), v4("192.0.2.7")), 0);
}

TEST_F(NetlinkTest, Route4Lifecycle) {
    bring_up();
    const Route4 r{p4("198.51.100.0/24"), ifindex_, v4("169.254.64.1")};
    EXPECT_TRUE(nl_.our_routes4().empty());

    // Someone else's route through the same device and gateway.
    ip({"route", "add", "203.0.113.0/24", "via", "169.254.64.1", "dev", kDev, "onlink", "proto",
        "static"});

    nl_.replace_route4(r);
    EXPECT_EQ(nl_.our_routes4(), std::vector<Route4>{r});
    std::string shown = ip({"-4", "route", "show", "table", "main", "proto", "64"});
    EXPECT_TRUE(contains(shown, "198.51.100.0/24 via 169.254.64.1 dev vnet1")) << shown;
    EXPECT_TRUE(contains(shown, "onlink")) << shown;
    EXPECT_FALSE(contains(shown, "203.0.113.0")) << shown;

    // Idempotent.
    nl_.replace_route4(r);
    EXPECT_EQ(nl_.our_routes4(), std::vector<Route4>{r});

    // A new gateway replaces the route rather than adding a second one.
    Route4 r2 = r;
    r2.gateway = v4("169.254.64.2");
    nl_.replace_route4(r2);
    EXPECT_EQ(nl_.our_routes4(), std::vector<Route4>{r2});

    // Deleting is exact: the old gateway matches nothing.
    nl_.delete_route4(r);
    EXPECT_EQ(nl_.our_routes4(), std::vector<Route4>{r2});

    nl_.delete_route4(r2);
    EXPECT_TRUE(nl_.our_routes4().empty());
    EXPECT_EQ(ip({"-4", "route", "show", "198.51.100.0/24"}), "");
    nl_.delete_route4(r2);  // already gone

    shown = ip({"-4", "route", "show", "203.0.113.0/24"});
    EXPECT_TRUE(contains(shown, "203.0.113.0/24 via 169.254.64.1 dev vnet1 proto static")) << shown;
}

TEST_F(NetlinkTest, SeveralRoutesAndHostRoutes) {
    bring_up();
    std::vector<Route4> want = {
        {p4("192.0.2.0/24"), ifindex_, v4("169.254.64.1")},
        {p4("198.51.100.7/32"), ifindex_, v4("169.254.64.1")},
        {p4("198.51.100.128/25"), ifindex_, v4("169.254.64.1")},
    };
    for (const auto &r : want)
        nl_.replace_route4(r);
    std::sort(want.begin(), want.end());
    EXPECT_EQ(nl_.our_routes4(), want);
    for (const auto &r : want)
        nl_.delete_route4(r);
    EXPECT_TRUE(nl_.our_routes4().empty());
}

TEST_F(NetlinkTest, DeleteLeavesSomeoneElsesIdenticalRoute) {
    bring_up();
    const Route4 r{p4("198.51.100.0/24"), ifindex_, v4("169.254.64.1")};
    ip({"route", "add", "198.51.100.0/24", "via", "169.254.64.1", "dev", kDev, "onlink", "proto",
        "static"});
    EXPECT_TRUE(nl_.our_routes4().empty());
    nl_.delete_route4(r);  // the protocol does not match: not ours, not an error
    const std::string shown = ip({"-4", "route", "show", "198.51.100.0/24"});
    EXPECT_TRUE(contains(shown, "proto static")) << shown;
}

TEST_F(NetlinkTest, ReplaceRefusesSomeoneElsesRouteWithSameMetric) {
    bring_up();
    const Route4 r{p4("198.51.100.0/24"), ifindex_, v4("169.254.64.1")};
    ip({"route", "add", "198.51.100.0/24", "via", "169.254.64.9", "dev", kDev, "onlink", "proto",
        "static"});
    const std::string msg = error_of([&] { nl_.replace_route4(r); });
    EXPECT_TRUE(contains(msg, "adding route 198.51.100.0/24 via 169.254.64.1 dev vnet1: ")) << msg;
    EXPECT_TRUE(contains(msg, "protocol static")) << msg;
    std::string shown = ip({"-4", "route", "show", "198.51.100.0/24"});
    EXPECT_TRUE(contains(shown, "via 169.254.64.9 dev vnet1 proto static")) << shown;
    EXPECT_TRUE(nl_.our_routes4().empty());

    // With another metric the two coexist, and ours goes without the other.
    ip({"route", "del", "198.51.100.0/24"});
    ip({"route", "add", "198.51.100.0/24", "via", "169.254.64.9", "dev", kDev, "onlink", "proto",
        "static", "metric", "100"});
    nl_.replace_route4(r);
    EXPECT_EQ(nl_.our_routes4(), std::vector<Route4>{r});
    nl_.replace_route4(r);  // an existing route of ours beside the other
    EXPECT_EQ(nl_.our_routes4(), std::vector<Route4>{r});
    nl_.delete_route4(r);
    EXPECT_TRUE(nl_.our_routes4().empty());
    shown = ip({"-4", "route", "show", "198.51.100.0/24"});
    EXPECT_TRUE(contains(shown, "via 169.254.64.9 dev vnet1 proto static metric 100")) << shown;
}

TEST_F(NetlinkTest, OnlinkRouteNeedsDeviceUp) {
    // The kernel refuses an onlink nexthop on a device that is down.
    const Route4 r{p4("198.51.100.0/24"), ifindex_, v4("169.254.64.1")};
    const std::string msg = error_of([&] { nl_.replace_route4(r); });
    EXPECT_TRUE(contains(msg,
                         "adding route 198.51.100.0/24 via 169.254.64.1 dev vnet1: Network is "
                         "down: Nexthop device is not up (libnl: "))
        << msg;
    EXPECT_TRUE(nl_.our_routes4().empty());
}

TEST_F(NetlinkTest, RouteErrorNamesMissingDevice) {
    const Route4 r{p4("198.51.100.0/24"), 9999, v4("169.254.64.1")};
    const std::string msg = error_of([&] { nl_.replace_route4(r); });
    EXPECT_TRUE(contains(msg,
                         "adding route 198.51.100.0/24 via 169.254.64.1 dev ifindex 9999: "
                         "No such device"))
        << msg;
    nl_.delete_route4(r);  // nothing to delete: fine
}

TEST_F(NetlinkTest, WithoutOnlinkTheGatewayIsUnreachable) {
    // Why replace_route4 sets onlink: 169.254.64.1 is in no subnet of vnet1.
    bring_up();
    RunResult res = run({nat64d::testns::ip_program(), "route", "add", "198.51.100.0/24", "via",
                         "169.254.64.1", "dev", kDev, "proto", "64"});
    EXPECT_NE(res.status, 0);
    EXPECT_TRUE(contains(res.output, "Nexthop has invalid gateway") ||
                contains(res.output, "unreachable"))
        << res.output;
    nl_.replace_route4({p4("198.51.100.0/24"), ifindex_, v4("169.254.64.1")});
    EXPECT_EQ(nl_.our_routes4().size(), 1u);
}

TEST_F(NetlinkTest, DeviceDownFlushesRoutesAndNeighbours) {
    // The kernel forgets a device's routes and neighbour entries (permanent
    // ones too) when it goes down: the reconciler must re-apply them.
    bring_up();
    const Route4 r{p4("198.51.100.0/24"), ifindex_, v4("169.254.64.1")};
    nl_.replace_route4(r);
    nl_.replace_neigh4(ifindex_, v4("169.254.64.1"), kTranslatorMac);
    ASSERT_EQ(nl_.our_routes4().size(), 1u);
    ASSERT_TRUE(nl_.permanent_neigh4(ifindex_, v4("169.254.64.1")));
    ip({"link", "set", kDev, "down"});
    EXPECT_TRUE(nl_.our_routes4().empty());
    EXPECT_FALSE(nl_.permanent_neigh4(ifindex_, v4("169.254.64.1")));
}

TEST_F(NetlinkTest, PermanentNeighbour) {
    bring_up();
    const uint32_t gw = v4("169.254.64.1");
    EXPECT_FALSE(nl_.permanent_neigh4(ifindex_, gw));

    nl_.replace_neigh4(ifindex_, gw, kTranslatorMac);
    EXPECT_EQ(nl_.permanent_neigh4(ifindex_, gw), kTranslatorMac);
    std::string shown = ip({"-4", "neigh", "show", "dev", kDev});
    EXPECT_TRUE(contains(shown, "169.254.64.1 lladdr 02:64:00:00:00:aa PERMANENT")) << shown;

    // Replace, not add: the MAC changes in place.
    nl_.replace_neigh4(ifindex_, gw, kOtherMac);
    EXPECT_EQ(nl_.permanent_neigh4(ifindex_, gw), kOtherMac);
    nl_.replace_neigh4(ifindex_, gw, kOtherMac);
    EXPECT_EQ(nl_.permanent_neigh4(ifindex_, gw), kOtherMac);

    // Another device's entry for the same address is not ours.
    const int peer = static_cast<int>(if_nametoindex(kPeer));
    EXPECT_FALSE(nl_.permanent_neigh4(peer, gw));

    nl_.delete_neigh4(ifindex_, gw);
    EXPECT_FALSE(nl_.permanent_neigh4(ifindex_, gw));
    shown = ip({"-4", "neigh", "show", "dev", kDev});
    EXPECT_FALSE(contains(shown, "169.254.64.1 ")) << shown;
    nl_.delete_neigh4(ifindex_, gw);  // already gone
    nl_.delete_neigh4(9999, gw);      // no such device
}

TEST_F(NetlinkTest, NonPermanentNeighbourIsNotReported) {
    bring_up();
    ip({"neigh", "replace", "169.254.64.3", "lladdr", "02:64:00:00:00:cc", "dev", kDev, "nud",
        "reachable"});
    std::string shown = ip({"-4", "neigh", "show", "dev", kDev});
    ASSERT_TRUE(contains(shown, "169.254.64.3 lladdr 02:64:00:00:00:cc")) << shown;
    EXPECT_FALSE(nl_.permanent_neigh4(ifindex_, v4("169.254.64.3")));
    // Replacing makes it permanent.
    nl_.replace_neigh4(ifindex_, v4("169.254.64.3"), kTranslatorMac);
    EXPECT_EQ(nl_.permanent_neigh4(ifindex_, v4("169.254.64.3")), kTranslatorMac);
}

TEST_F(NetlinkTest, NeighbourErrorNamesTheEntry) {
    const std::string msg =
        error_of([&] { nl_.replace_neigh4(9999, v4("169.254.64.1"), kTranslatorMac); });
    EXPECT_TRUE(contains(msg,
                         "adding permanent neighbour 169.254.64.1 lladdr 02:64:00:00:00:aa "
                         "dev ifindex 9999: No such device"))
        << msg;
}

TEST_F(NetlinkTest, Ipv4ForwardingRoundTrip) {
    const std::string peer_before =
        nat64d::read_sysctl("net.ipv4.conf.vnet1-peer.forwarding").value();

    nl_.set_ipv4_forwarding(kDev, false);
    EXPECT_FALSE(nl_.ipv4_forwarding(kDev));
    EXPECT_EQ(nat64d::read_sysctl("net.ipv4.conf.vnet1.forwarding"), "0");

    nl_.set_ipv4_forwarding(kDev, true);
    EXPECT_TRUE(nl_.ipv4_forwarding(kDev));
    EXPECT_EQ(nat64d::read_sysctl("net.ipv4.conf.vnet1.forwarding"), "1");
    // Only this device.
    EXPECT_EQ(nat64d::read_sysctl("net.ipv4.conf.vnet1-peer.forwarding"), peer_before);

    // Through the sysctl, read back over netlink.
    nat64d::write_sysctl("net.ipv4.conf.vnet1.forwarding", "0");
    EXPECT_FALSE(nl_.ipv4_forwarding(kDev));

    const std::string msg = error_of([&] { nl_.ipv4_forwarding("nosuchdev"); });
    EXPECT_TRUE(contains(msg, "reading IPv4 forwarding of nosuchdev: no such device")) << msg;
    const std::string msg2 = error_of([&] { nl_.set_ipv4_forwarding("nosuchdev", true); });
    EXPECT_TRUE(contains(msg2, "turning IPv4 forwarding on on nosuchdev: no such device")) << msg2;
}

TEST_F(NetlinkTest, SysctlRoundTrip) {
    const std::string key = "net.ipv6.conf.vnet1.forwarding";
    ASSERT_TRUE(nat64d::read_sysctl(key));
    nat64d::write_sysctl(key, "1");
    EXPECT_EQ(nat64d::read_sysctl(key), "1");
    nat64d::write_sysctl(key, "0");
    EXPECT_EQ(nat64d::read_sysctl(key), "0");
}

TEST_F(NetlinkTest, SysctlErrors) {
    EXPECT_EQ(nat64d::read_sysctl("net.ipv6.conf.nosuchdev.forwarding"), std::nullopt);

    std::string msg =
        error_of([&] { nat64d::write_sysctl("net.ipv6.conf.nosuchdev.forwarding", "1"); });
    EXPECT_TRUE(contains(msg, "writing sysctl net.ipv6.conf.nosuchdev.forwarding = 1")) << msg;
    EXPECT_TRUE(contains(msg, "No such file or directory")) << msg;

    // The kernel refuses a value it cannot parse.
    msg = error_of([&] { nat64d::write_sysctl("net.ipv6.conf.vnet1.mtu", "banana"); });
    EXPECT_TRUE(contains(msg, "writing sysctl net.ipv6.conf.vnet1.mtu = banana")) << msg;
    EXPECT_TRUE(contains(msg, "Invalid argument")) << msg;

    // Keys that would leave /proc/sys.
    msg = error_of([&] { nat64d::read_sysctl("net..ipv4"); });
    EXPECT_TRUE(contains(msg, "not a valid sysctl key")) << msg;
    msg = error_of([&] { nat64d::write_sysctl("net.ipv4.conf.//.forwarding", "1"); });
    EXPECT_TRUE(contains(msg, "not a valid sysctl key")) << msg;
    msg = error_of([&] { nat64d::read_sysctl(""); });
    EXPECT_TRUE(contains(msg, "not a valid sysctl key")) << msg;
}

TEST_F(NetlinkTest, SysctlKeyWithDottedDeviceName) {
    // As in sysctl(8), '/' stands for a dot inside a device name.
    ip({"link", "add", "a.b", "type", "veth", "peer", "name", "a-b-peer"});
    nat64d::write_sysctl("net.ipv6.conf.a/b.forwarding", "1");
    EXPECT_EQ(nat64d::read_sysctl("net.ipv6.conf.a/b.forwarding"), "1");
    nat64d::write_sysctl("net.ipv6.conf.a/b.forwarding", "0");
    EXPECT_EQ(nat64d::read_sysctl("net.ipv6.conf.a/b.forwarding"), "0");
    run({nat64d::testns::ip_program(), "link", "del", "a.b"});
}

}  // namespace

int main(int argc, char **argv) {
    ::testing::InitGoogleTest(&argc, argv);
    // The tests create and delete devices, routes and sysctls: only ever in
    // a namespace of their own.
    if (!nat64d::testns::enter_private_netns("nat64d_netlink_tests")) return 1;
    return RUN_ALL_TESTS();
}
