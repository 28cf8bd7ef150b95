// Which DNS64 resolver nat64d runs for a VNet (vnet_dns64_config(),
// ctl/nat64d/dns64_supervisor.cpp), and the files the supervisor writes,
// without running unbound.  The supervisor driving the real unbound is
// tested in tests/nat64d/dns64_supervisor_test.cpp (root).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "nat64d/dns64_supervisor.hpp"
#include "nat64d_text.hpp"

namespace {

using nat64d::testtext::a6;
using nat64d::testtext::p4;
using nat64d::testtext::p6;

using nat64d::Dns64Config;
using nat64d::Dns64Mode;
using nat64d::Dns64SupervisorOptions;
using nat64d::vnet_dns64_config;
using nat64d::VNetSpec;

// Two subnets with gateways and one without, the Well-Known Prefix.
VNetSpec spec() {
    VNetSpec s;
    s.vnet = "vnet1";
    s.zone = "v6z";
    s.subnets = {{"v6z-2001:db8:1::-64", p6("2001:db8:1::/64"), a6("2001:db8:1::1")},
                 {"v6z-2001:db8:2::-64", p6("2001:db8:2::/64"), a6("2001:db8:2::1")},
                 {"v6z-2001:db8:3::-64", p6("2001:db8:3::/64"), std::nullopt}};
    s.instance.instance = 7;
    s.instance.pool6 = p6("64:ff9b::/96");
    s.instance.denylist4 = {p4("192.0.2.0/24")};
    return s;
}

const std::vector<std::string> kForwarders = {"192.0.2.53", "2001:db8:53::1"};

TEST(Dns64SupervisorConfig, ListensOnGatewaysAllowsSubnetsSynthesisesIntoPool6) {
    Dns64SupervisorOptions opt;
    std::string why = "untouched";
    auto c = vnet_dns64_config(spec(), kForwarders, opt, &why);
    ASSERT_TRUE(c) << why;
    EXPECT_EQ(why, "untouched");
    EXPECT_EQ(c->listen, (std::vector{a6("2001:db8:1::1"), a6("2001:db8:2::1")}));
    // Every subnet may ask, with or without a gateway.
    EXPECT_EQ(c->allow,
              (std::vector{p6("2001:db8:1::/64"), p6("2001:db8:2::/64"), p6("2001:db8:3::/64")}));
    EXPECT_EQ(c->pool6, p6("64:ff9b::/96"));
    EXPECT_EQ(c->exclude4, (std::vector{p4("192.0.2.0/24")}));  // RFC 6147 §5.1.4
    EXPECT_EQ(c->forwarders, kForwarders);
    EXPECT_EQ(c->port, 53);
    EXPECT_EQ(c->run_dir, "/run/nat64d/dns64/vnet1");
    EXPECT_EQ(c->username, "unbound");
    EXPECT_FALSE(c->use_syslog);  // stderr, which is nat64d's: the journal

    // The supervisor looks for unbound's pidfile in run_dir.
    const auto conf = nat64d::render_unbound_conf(*c);
    ASSERT_TRUE(conf.ok()) << conf.error->message();
    EXPECT_NE(conf.text.find("pidfile: \"/run/nat64d/dns64/vnet1/unbound.pid\""),
              std::string::npos);
    EXPECT_NE(conf.text.find("chroot: \"\""), std::string::npos);  // no CAP_SYS_CHROOT needed
}

TEST(Dns64SupervisorConfig, OptionsAreUsed) {
    Dns64SupervisorOptions opt;
    opt.dir = "/tmp/x/dns64";
    opt.user = "";
    opt.port = 5353;
    auto c = vnet_dns64_config(spec(), kForwarders, opt, nullptr);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->run_dir, "/tmp/x/dns64/vnet1");
    EXPECT_EQ(c->username, "");
    EXPECT_EQ(c->port, 5353);
}

TEST(Dns64SupervisorConfig, DuplicateGatewaysListenOnce) {
    VNetSpec s = spec();
    s.subnets[1].gateway = a6("2001:db8:1::1");
    auto c = vnet_dns64_config(s, kForwarders, {}, nullptr);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->listen, std::vector{a6("2001:db8:1::1")});
}

TEST(Dns64SupervisorConfig, NoResolverAndWhy) {
    auto why_of = [](const VNetSpec &s) {
        std::string why;
        EXPECT_FALSE(vnet_dns64_config(s, kForwarders, {}, &why)) << s.vnet;
        EXPECT_FALSE(vnet_dns64_config(s, kForwarders, {}, nullptr)) << s.vnet;
        return why;
    };
    VNetSpec off = spec();
    off.dns64 = Dns64Mode::off;
    EXPECT_EQ(why_of(off), "dns64 is off");

    // The zone names a DNS64 resolver of its own (announced by RDNSS).
    VNetSpec server = spec();
    server.dns64_server = a6("2001:db8:53::64");
    EXPECT_EQ(why_of(server), "dns64-server is 2001:db8:53::64: the VNet uses that resolver");

    VNetSpec no_gateway = spec();
    for (auto &sub : no_gateway.subnets)
        sub.gateway.reset();
    EXPECT_EQ(why_of(no_gateway), "no subnet has a gateway to listen on");

    VNetSpec no_subnets = spec();
    no_subnets.subnets.clear();
    EXPECT_EQ(why_of(no_subnets), "no subnet has a gateway to listen on");

    VNetSpec no_pool6 = spec();
    no_pool6.instance.pool6.reset();
    EXPECT_EQ(why_of(no_pool6), "the translator instance has no pool6 to synthesise into");

    // The id becomes a directory name under opt.dir.
    for (const char *bad : {"", ".", "..", "../etc", "a/b", ".hidden", "a b"}) {
        VNetSpec s = spec();
        s.vnet = bad;
        EXPECT_NE(why_of(s).find("cannot name a directory"), std::string::npos) << bad;
    }
}

// resolv.conf(5): no nameserver means the local one; ipv4only.arpa (RFC
// 7050) is answered from local data anyway.
TEST(Dns64SupervisorConfig, NoForwarderMeansLoopbackAsGlibc) {
    auto c = vnet_dns64_config(spec(), {}, {}, nullptr);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->forwarders, std::vector<std::string>{"127.0.0.1"});
    const auto conf = nat64d::render_unbound_conf(*c);
    ASSERT_TRUE(conf.ok()) << conf.error->message();
    EXPECT_NE(conf.text.find("forward-addr: 127.0.0.1\n"), std::string::npos);
    EXPECT_NE(conf.text.find("do-not-query-localhost: no"), std::string::npos);
}

// A nameserver that is one of our own listening addresses would make
// unbound ask itself: dropped (render_unbound_conf() would refuse it).
TEST(Dns64SupervisorConfig, ForwarderOnOwnListenAddressIsDropped) {
    auto c = vnet_dns64_config(spec(), {"2001:db8:2::1", "192.0.2.53"}, {}, nullptr);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->forwarders, std::vector<std::string>{"192.0.2.53"});
    EXPECT_TRUE(nat64d::render_unbound_conf(*c).ok());

    auto only_self = vnet_dns64_config(spec(), {"2001:db8:1::1"}, {}, nullptr);
    ASSERT_TRUE(only_self);
    EXPECT_EQ(only_self->forwarders, std::vector<std::string>{"127.0.0.1"});

    // On another port it is some other server.
    auto other_port = vnet_dns64_config(spec(), {"2001:db8:1::1@5353"}, {}, nullptr);
    ASSERT_TRUE(other_port);
    EXPECT_EQ(other_port->forwarders, std::vector<std::string>{"2001:db8:1::1@5353"});
    Dns64SupervisorOptions opt;
    opt.port = 5353;
    auto same_port =
        vnet_dns64_config(spec(), {"2001:db8:1::1@5353", "2001:db8:1::1"}, opt, nullptr);
    ASSERT_TRUE(same_port);
    EXPECT_EQ(same_port->forwarders, std::vector<std::string>{"2001:db8:1::1"});
}

// The files, without a resolver (the program does not exist): readable by
// unbound's user whatever the umask, and removed with the VNet.
TEST(Dns64Supervisor, FilesAreReadableDespiteUmaskAndGoWithTheVnet) {
    char tmpl[] = "/tmp/n64dsup-unit.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    ASSERT_EQ(chmod(tmpl, 0755), 0);  // unbound's user must reach the files
    const std::filesystem::path base = tmpl;
    { std::ofstream(base / "resolv.conf") << "nameserver 192.0.2.53\n"; }
    Dns64SupervisorOptions opt;
    opt.dir = base / "run" / "dns64";
    opt.unbound = (base / "no-such-unbound").string();
    opt.resolv_conf = base / "resolv.conf";
    const mode_t old = umask(0077);
    {
        nat64d::Dns64Supervisor sup(opt);
        // The resolver cannot start: one error, waiting to restart.
        EXPECT_EQ(sup.apply({{"vnet1", spec()}}), 1);
        EXPECT_EQ(sup.running(), (std::map<std::string, pid_t>{{"vnet1", 0}}));
        const long long wake = sup.next_wakeup_ms();
        EXPECT_GE(wake, 0);
        EXPECT_LE(wake, 1000);  // first retry after 1 s

        struct stat st;
        for (const auto &d : {base / "run", opt.dir, opt.dir / "vnet1"}) {
            ASSERT_EQ(stat(d.c_str(), &st), 0) << d;
            EXPECT_EQ(st.st_mode & 07777, 0755u) << d;
        }
        ASSERT_EQ(stat((opt.dir / "vnet1" / "unbound.conf").c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 07777, 0644u);
        std::ifstream in(opt.dir / "vnet1" / "unbound.conf");
        const std::string text((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
        EXPECT_NE(text.find("forward-addr: 192.0.2.53\n"), std::string::npos);
        EXPECT_FALSE(std::filesystem::exists(opt.dir / "vnet1" / ".unbound.conf.tmp"));

        EXPECT_EQ(sup.apply({}), 0);
        EXPECT_TRUE(sup.running().empty());
        EXPECT_FALSE(std::filesystem::exists(opt.dir / "vnet1"));
        EXPECT_EQ(sup.next_wakeup_ms(), -1);
    }
    umask(old);
    std::filesystem::remove_all(base);
}

}  // namespace
