// nat64d's DNS64 supervisor (ctl/nat64d/dns64_supervisor.cpp) driving the
// real unbound (Debian 12's 1.17), asked by the real dig.
//
// main() moves the process into a new, empty network namespace before any
// test runs (as tests/nat64d/test_netlink.cpp): a veth "dns0" holds the
// VNet's gateway addresses, and every unbound the tests start listens
// there on port 53, never on the host.  Files go to a fresh directory under
// /tmp.  The umask is nat64d.service's, 0077, so the tests also show that
// unbound, once it dropped to user "unbound", still reads its file.
//
// Needs root, /usr/sbin/unbound with its user "unbound", dig
// (bind9-dnsutils) and ip (iproute2): anything missing fails, never skips.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "nat64d/dns64_supervisor.hpp"
#include "netns_support.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nat64d::Dns64Mode;
using nat64d::Dns64Supervisor;
using nat64d::Dns64SupervisorOptions;
using nat64d::VNetSpec;

constexpr const char *kDev = "dns0";
constexpr const char *kGw1 = "fd00:64::1";
constexpr const char *kGw2 = "fd00:64::2";
constexpr const char *kOutside = "fd00:99::1";  // on dns0 too, outside the VNet's subnet
constexpr const char *kUnbound = "/usr/sbin/unbound";
// ipv4only.arpa's AAAA records (RFC 7050 §2.2: 192.0.0.170 and .171 in pool6).
const std::vector<std::string> kWkpAnswer = {"64:ff9b::c000:aa", "64:ff9b::c000:ab"};
const std::vector<std::string> kNspAnswer = {"2001:db8:64::c000:aa", "2001:db8:64::c000:ab"};

fs::path g_base;  // this run's directory, 0755

using nat64d::testns::run;
using nat64d::testns::RunResult;

// `ip args...`, which must succeed.
void ip(std::vector<std::string> args) {
    nat64d::testns::ip(std::move(args));
}

// dig's answer records for NAME TYPE at [server]:53, sorted; empty when
// there are none or no answer came (one try, one second).
std::vector<std::string> dig(const std::string &server, const std::string &name,
                             const std::string &type = "AAAA", const std::string &from = "") {
    std::vector<std::string> args = {"dig", "@" + server, "+short", "+tries=1", "+time=1"};
    if (!from.empty()) args.insert(args.end(), {"-b", from});
    args.insert(args.end(), {name, type});
    RunResult r = run(args);
    std::vector<std::string> lines;
    if (r.status != 0) return lines;
    std::istringstream in(r.output);
    for (std::string l; std::getline(in, l);)
        if (!l.empty() && l[0] != ';') lines.push_back(l);
    std::sort(lines.begin(), lines.end());
    return lines;
}

// The status word of dig's answer header ("NOERROR", "REFUSED"), or "".
std::string dig_status(const std::string &server, const std::string &name,
                       const std::string &from) {
    RunResult r = run({"dig", "@" + server, "-b", from, "+tries=1", "+time=1", name, "AAAA"});
    const size_t at = r.output.find("status: ");
    if (at == std::string::npos) return "";
    return r.output.substr(at + 8, r.output.find(',', at) - at - 8);
}

// Polls cond every 50 ms until it holds or 'limit' passed.
template <class F>
bool eventually(F cond, std::chrono::milliseconds limit = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        if (cond()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(50ms);
    }
}

std::string read_text(const fs::path &p) {
    std::ifstream in(p);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The argument list of a live process ('\0' separated), "" when it is gone
// or a zombie.
std::string cmdline(pid_t pid) {
    return read_text("/proc/" + std::to_string(pid) + "/cmdline");
}

bool alive(pid_t pid) {
    return !cmdline(pid).empty();
}

// The real uid of a process, from /proc/<pid>/status.
long uid_of(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string l; std::getline(in, l);)
        if (l.rfind("Uid:", 0) == 0) return std::strtol(l.c_str() + 4, nullptr, 10);
    return -1;
}

VNetSpec vnet_spec(const std::string &vnet = "vnet1", const char *gateway = kGw1,
                   const char *pool6 = "64:ff9b::/96") {
    VNetSpec s;
    s.vnet = vnet;
    s.zone = "v6z";
    s.subnets = {{"v6z-fd00:64::-64", *nat64::parse_ipv6_prefix("fd00:64::/64"),
                  *nat64::parse_ipv6(gateway)}};
    s.instance.instance = 1;
    s.instance.pool6 = *nat64::parse_ipv6_prefix(pool6);
    return s;
}

// Each test: its own directory and resolv.conf, and the log captured.
class Dns64SupervisorTest : public ::testing::Test {
  protected:
    void SetUp() override {
        const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = g_base / info->name();
        fs::create_directories(dir_);
        fs::permissions(dir_, fs::perms(0755));
        opt_.dir = dir_ / "dns64";
        opt_.resolv_conf = dir_ / "resolv.conf";
        // The node's resolver: unreachable here, and not needed for
        // ipv4only.arpa, which unbound answers itself.
        std::ofstream(opt_.resolv_conf) << "# test\nnameserver 192.0.2.53\n";
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(log_);
        auto err = std::make_shared<spdlog::sinks::stderr_sink_st>();
        spdlog::set_default_logger(
            std::make_shared<spdlog::logger>("test", spdlog::sinks_init_list{sink, err}));
    }
    void TearDown() override { spdlog::set_default_logger(spdlog::stderr_logger_st("stderr")); }

    std::string logs() const { return log_.str(); }
    fs::path conf(const std::string &vnet = "vnet1") const {
        return opt_.dir / vnet / "unbound.conf";
    }
    // Polls until the resolver at 'server' gives 'want' for ipv4only.arpa AAAA.
    static bool answers(const std::string &server, const std::vector<std::string> &want) {
        return eventually([&] { return dig(server, "ipv4only.arpa") == want; });
    }
    // Calls run() as the main loop would until pid of 'vnet' is a new one.
    static pid_t wait_restart(Dns64Supervisor &sup, pid_t old, std::chrono::seconds limit) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < deadline) {
            sup.run();
            const pid_t now = sup.running()["vnet1"];
            if (now > 0 && now != old) return now;
            const long long ms = sup.next_wakeup_ms();
            std::this_thread::sleep_for(std::chrono::milliseconds(std::clamp(ms, 10LL, 100LL)));
        }
        return 0;
    }

    fs::path dir_;
    Dns64SupervisorOptions opt_;
    std::ostringstream log_;
};

TEST_F(Dns64SupervisorTest, StartsUnboundThatAnswersWithPool6) {
    Dns64Supervisor sup(opt_);
    ASSERT_EQ(sup.apply({{"vnet1", vnet_spec()}}), 0) << logs();
    const pid_t pid = sup.running()["vnet1"];
    ASSERT_GT(pid, 0);
    EXPECT_TRUE(answers(kGw1, kWkpAnswer)) << logs();
    // Our child, started as "unbound -d -c <absolute file>", that dropped
    // to user unbound after binding port 53.
    EXPECT_EQ(cmdline(pid),
              std::string(kUnbound) + '\0' + "-d" + '\0' + "-c" + '\0' + conf().string() + '\0');
    EXPECT_EQ(uid_of(pid), static_cast<long>(getpwnam("unbound")->pw_uid));
    EXPECT_EQ(std::strtol(read_text(opt_.dir / "vnet1" / "unbound.pid").c_str(), nullptr, 10), pid);
    // Readable by unbound's user despite the umask 0077.
    struct stat st;
    ASSERT_EQ(stat(conf().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0644u);
    ASSERT_EQ(stat((opt_.dir / "vnet1").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0755u);
    EXPECT_NE(read_text(conf()).find("forward-addr: 192.0.2.53\n"), std::string::npos);
    // Only the VNet's subnet may ask (access-control).
    EXPECT_EQ(dig_status(kGw1, "ipv4only.arpa", kOutside), "REFUSED");
    EXPECT_EQ(dig_status(kGw1, "ipv4only.arpa", kGw1), "NOERROR");
    EXPECT_NE(logs().find("vnet vnet1: DNS64 resolver started (pid " + std::to_string(pid)),
              std::string::npos)
        << logs();

    // Applying the same again changes nothing.
    EXPECT_EQ(sup.apply({{"vnet1", vnet_spec()}}), 0);
    EXPECT_EQ(sup.running()["vnet1"], pid);
    EXPECT_EQ(sup.next_wakeup_ms() <= 500, true);  // freshly started: watched
}

TEST_F(Dns64SupervisorTest, NewPool6IsReloadedWithSighup) {
    Dns64Supervisor sup(opt_);
    ASSERT_EQ(sup.apply({{"vnet1", vnet_spec()}}), 0) << logs();
    const pid_t pid = sup.running()["vnet1"];
    ASSERT_TRUE(answers(kGw1, kWkpAnswer)) << logs();

    ASSERT_EQ(sup.apply({{"vnet1", vnet_spec("vnet1", kGw1, "2001:db8:64::/96")}}), 0) << logs();
    EXPECT_NE(read_text(conf()).find("dns64-prefix: 2001:db8:64::/96"), std::string::npos);
    EXPECT_TRUE(answers(kGw1, kNspAnswer)) << logs();
    EXPECT_EQ(sup.running()["vnet1"], pid);
    EXPECT_TRUE(alive(pid));
    EXPECT_NE(logs().find("reloads " + conf().string() + " (SIGHUP)"), std::string::npos) << logs();
    // The process survived the reload (nothing for run() to reap).
    sup.run();
    EXPECT_EQ(sup.running()["vnet1"], pid);
}

TEST_F(Dns64SupervisorTest, NewListenAddressRestarts) {
    Dns64Supervisor sup(opt_);
    ASSERT_EQ(sup.apply({{"vnet1", vnet_spec()}}), 0) << logs();
    const pid_t old = sup.running()["vnet1"];
    ASSERT_TRUE(answers(kGw1, kWkpAnswer)) << logs();

    ASSERT_EQ(sup.apply({{"vnet1", vnet_spec("vnet1", kGw2)}}), 0) << logs();
    const pid_t now = sup.running()["vnet1"];
    EXPECT_GT(now, 0);
    EXPECT_NE(now, old);
    EXPECT_FALSE(alive(old));
    EXPECT_TRUE(answers(kGw2, kWkpAnswer)) << logs();
    EXPECT_TRUE(dig(kGw1, "ipv4only.arpa").empty());  // no longer listening there
    EXPECT_NE(logs().find("restarting: [fd00:64::1]:53 -> [fd00:64::2]:53"), std::string::npos)
        << logs();
}

TEST_F(Dns64SupervisorTest, KilledResolverIsRestartedAfterBackoff) {
    Dns64Supervisor sup(opt_);
    ASSERT_EQ(sup.apply({{"vnet1", vnet_spec()}}), 0) << logs();
    const pid_t old = sup.running()["vnet1"];
    ASSERT_TRUE(answers(kGw1, kWkpAnswer)) << logs();

    ASSERT_EQ(kill(old, SIGKILL), 0);
    ASSERT_TRUE(eventually([&] {
        sup.run();
        return sup.running()["vnet1"] == 0;
    })) << logs();
    EXPECT_NE(logs().find("(pid " + std::to_string(old) + ") killed by signal 9"),
              std::string::npos)
        << logs();
    // The first restart waits 1 s.
    const long long wake = sup.next_wakeup_ms();
    EXPECT_GT(wake, 0);
    EXPECT_LE(wake, 1000);
    EXPECT_EQ(sup.apply({{"vnet1", vnet_spec()}}), 1);  // waiting to restart: not as wanted
    const pid_t now = wait_restart(sup, old, 5s);
    ASSERT_GT(now, 0) << logs();
    EXPECT_TRUE(answers(kGw1, kWkpAnswer)) << logs();
    EXPECT_EQ(sup.apply({{"vnet1", vnet_spec()}}), 0);

    // It keeps dying quickly: the next wait is 2 s.
    ASSERT_EQ(kill(now, SIGKILL), 0);
    ASSERT_TRUE(eventually([&] {
        sup.run();
        return sup.running()["vnet1"] == 0;
    }));
    EXPECT_GT(sup.next_wakeup_ms(), 1000);
    EXPECT_LE(sup.next_wakeup_ms(), 2000);
    EXPECT_GT(wait_restart(sup, now, 5s), 0) << logs();
}

// A start that fails at once (the port is taken) is reported with unbound's
// exit status and retried until it works.
TEST_F(Dns64SupervisorTest, FailedStartIsReportedAndRetried) {
    // A socket without SO_REUSEPORT on [fd00:64::1]:53 makes unbound's bind
    // fail.
    const int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(53);
    ASSERT_EQ(inet_pton(AF_INET6, kGw1, &sa.sin6_addr), 1);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa), 0) << std::strerror(errno);

    Dns64Supervisor sup(opt_);
    EXPECT_EQ(sup.apply({{"vnet1", vnet_spec()}}), 0) << logs();  // started, not yet failed
    const pid_t first = sup.running()["vnet1"];
    ASSERT_GT(first, 0);
    EXPECT_LE(sup.next_wakeup_ms(), 500);  // watched closely while it starts
    ASSERT_TRUE(eventually([&] {
        sup.run();
        return sup.running()["vnet1"] == 0;
    })) << logs();
    EXPECT_NE(logs().find("(pid " + std::to_string(first) + ") exited with status 1"),
              std::string::npos)
        << logs();

    close(fd);
    const pid_t now = wait_restart(sup, first, 5s);
    ASSERT_GT(now, 0) << logs();
    EXPECT_TRUE(answers(kGw1, kWkpAnswer)) << logs();
}

TEST_F(Dns64SupervisorTest, GoneOrUnwantedVnetIsStoppedAndItsDirectoryRemoved) {
    Dns64Supervisor sup(opt_);
    ASSERT_EQ(sup.apply({{"vnet1", vnet_spec()}, {"vnet2", vnet_spec("vnet2", kGw2)}}), 0)
        << logs();
    const pid_t p1 = sup.running()["vnet1"], p2 = sup.running()["vnet2"];
    ASSERT_GT(p1, 0);
    ASSERT_GT(p2, 0);
    ASSERT_TRUE(answers(kGw2, kWkpAnswer)) << logs();

    // vnet2 turns dns64 off, vnet1 is gone.
    VNetSpec off = vnet_spec("vnet2", kGw2);
    off.dns64 = Dns64Mode::off;
    EXPECT_EQ(sup.apply({{"vnet2", off}}), 0) << logs();
    EXPECT_TRUE(sup.running().empty());
    EXPECT_FALSE(alive(p1));
    EXPECT_FALSE(alive(p2));
    EXPECT_EQ(kill(p1, 0), -1);  // reaped, not left a zombie
    EXPECT_EQ(kill(p2, 0), -1);
    EXPECT_FALSE(fs::exists(opt_.dir / "vnet1"));
    EXPECT_FALSE(fs::exists(opt_.dir / "vnet2"));
    EXPECT_NE(logs().find("vnet vnet2: no DNS64 resolver: dns64 is off"), std::string::npos);
    EXPECT_TRUE(dig(kGw1, "ipv4only.arpa").empty());
}

TEST_F(Dns64SupervisorTest, NoResolverWhenNotWanted) {
    VNetSpec off = vnet_spec("off");
    off.dns64 = Dns64Mode::off;
    VNetSpec server = vnet_spec("server");
    server.dns64_server = *nat64::parse_ipv6("2001:db8:53::64");
    VNetSpec no_gateway = vnet_spec("nogw");
    no_gateway.subnets[0].gateway.reset();
    VNetSpec no_pool6 = vnet_spec("nopool6");
    no_pool6.instance.pool6.reset();

    Dns64Supervisor sup(opt_);
    const std::map<std::string, VNetSpec> vnets = {
        {"off", off}, {"server", server}, {"nogw", no_gateway}, {"nopool6", no_pool6}};
    EXPECT_EQ(sup.apply(vnets), 0) << logs();
    EXPECT_TRUE(sup.running().empty());
    EXPECT_EQ(sup.next_wakeup_ms(), -1);
    EXPECT_FALSE(fs::exists(opt_.dir / "off"));
    EXPECT_TRUE(dig(kGw1, "ipv4only.arpa").empty());
    for (const char *want : {
             "vnet off: no DNS64 resolver: dns64 is off",
             "vnet server: no DNS64 resolver: dns64-server is 2001:db8:53::64",
             "vnet nogw: no DNS64 resolver: no subnet has a gateway to listen on",
             "vnet nopool6: no DNS64 resolver: the translator instance has no pool6",
         }) {
        EXPECT_NE(logs().find(want), std::string::npos) << want << "\n" << logs();
    }
    // Each reason once, not on every pass.
    const std::string before = logs();
    EXPECT_EQ(sup.apply(vnets), 0);
    EXPECT_EQ(logs(), before);
}

// resolv.conf(5): no nameserver is the local one; ipv4only.arpa (RFC 7050)
// is answered from unbound's local data either way.
TEST_F(Dns64SupervisorTest, ResolvConfWithoutNameserverStillAnswersIpv4onlyArpa) {
    std::ofstream(opt_.resolv_conf, std::ios::trunc) << "search example.com\n";
    Dns64Supervisor sup(opt_);
    ASSERT_EQ(sup.apply({{"vnet1", vnet_spec()}}), 0) << logs();
    EXPECT_TRUE(answers(kGw1, kWkpAnswer)) << logs();
    EXPECT_NE(read_text(conf()).find("forward-addr: 127.0.0.1\n"), std::string::npos);
    EXPECT_NE(logs().find("names no usable nameserver"), std::string::npos) << logs();

    // The node gets a resolver: the file follows, by SIGHUP.
    const pid_t pid = sup.running()["vnet1"];
    std::ofstream(opt_.resolv_conf, std::ios::trunc) << "nameserver 192.0.2.53\n";
    ASSERT_EQ(sup.apply({{"vnet1", vnet_spec()}}), 0) << logs();
    EXPECT_NE(read_text(conf()).find("forward-addr: 192.0.2.53\n"), std::string::npos);
    EXPECT_EQ(sup.running()["vnet1"], pid);

    // No resolv.conf at all: the same as one without a nameserver.
    fs::remove(opt_.resolv_conf);
    ASSERT_EQ(sup.apply({{"vnet1", vnet_spec()}}), 0) << logs();
    EXPECT_NE(read_text(conf()).find("forward-addr: 127.0.0.1\n"), std::string::npos);
    EXPECT_TRUE(answers(kGw1, kWkpAnswer)) << logs();
    EXPECT_EQ(sup.running()["vnet1"], pid);
}

// An unbound left by an earlier nat64d (same file, same pidfile) is
// terminated before ours starts; a pidfile naming some other process is
// not acted on.
TEST_F(Dns64SupervisorTest, StaleResolverOfEarlierRunIsTerminated) {
    // The earlier run's file, and its unbound started outside the
    // supervisor, as nobody's child (double fork).
    std::string why;
    auto c = nat64d::vnet_dns64_config(vnet_spec(), {"192.0.2.53"}, opt_, &why);
    ASSERT_TRUE(c) << why;
    const auto text = nat64d::render_unbound_conf(*c);
    ASSERT_TRUE(text.ok());
    fs::create_directories(opt_.dir / "vnet1");
    fs::permissions(opt_.dir, fs::perms(0755));
    fs::permissions(opt_.dir / "vnet1", fs::perms(0755));
    std::ofstream(conf()) << text.text;
    fs::permissions(conf(), fs::perms(0644));
    const pid_t middle = fork();
    ASSERT_GE(middle, 0);
    if (middle == 0) {
        setsid();
        if (fork() == 0) {
            execl(kUnbound, kUnbound, "-d", "-c", conf().c_str(), static_cast<char *>(nullptr));
            _exit(127);
        }
        _exit(0);
    }
    int st;
    waitpid(middle, &st, 0);
    ASSERT_TRUE(answers(kGw1, kWkpAnswer));
    const pid_t stale =
        std::strtol(read_text(opt_.dir / "vnet1" / "unbound.pid").c_str(), nullptr, 10);
    ASSERT_GT(stale, 1);
    ASSERT_TRUE(alive(stale));

    // A VNet gone since then: its directory is removed, its process too.
    // Its pidfile names a process that is not an unbound of ours (a
    // recycled pid): left alone.
    fs::create_directories(opt_.dir / "gone");
    const pid_t other = fork();
    ASSERT_GE(other, 0);
    if (other == 0) {
        execlp("sleep", "sleep", "30", static_cast<char *>(nullptr));
        _exit(127);
    }
    std::ofstream(opt_.dir / "gone" / "unbound.pid") << other << "\n";

    Dns64Supervisor sup(opt_);
    ASSERT_EQ(sup.apply({{"vnet1", vnet_spec()}}), 0) << logs();
    EXPECT_FALSE(alive(stale)) << logs();
    const pid_t ours = sup.running()["vnet1"];
    EXPECT_GT(ours, 0);
    EXPECT_NE(ours, stale);
    EXPECT_TRUE(answers(kGw1, kWkpAnswer)) << logs();
    EXPECT_NE(logs().find("stopping the DNS64 resolver of an earlier nat64d (pid " +
                          std::to_string(stale) + ")"),
              std::string::npos)
        << logs();
    EXPECT_FALSE(fs::exists(opt_.dir / "gone"));
    EXPECT_EQ(waitpid(other, &st, WNOHANG), 0) << "the unrelated process was killed";
    kill(other, SIGKILL);
    waitpid(other, &st, 0);
}

TEST_F(Dns64SupervisorTest, DestructorStopsEveryResolver) {
    pid_t pid;
    {
        Dns64Supervisor sup(opt_);
        ASSERT_EQ(sup.apply({{"vnet1", vnet_spec()}}), 0) << logs();
        pid = sup.running()["vnet1"];
        ASSERT_TRUE(answers(kGw1, kWkpAnswer)) << logs();
    }
    EXPECT_FALSE(alive(pid));
    EXPECT_EQ(kill(pid, 0), -1);
    EXPECT_TRUE(dig(kGw1, "ipv4only.arpa").empty());
    EXPECT_TRUE(fs::exists(conf()));  // files stay; the next run starts from them
}

// Everything the tests need, or a loud failure.
bool preflight() {
    bool ok = true;
    if (access(kUnbound, X_OK) != 0) {
        std::fprintf(stderr, "missing %s (Debian: apt-get install unbound)\n", kUnbound);
        ok = false;
    }
    if (getpwnam("unbound") == nullptr) {
        std::fprintf(stderr, "missing user unbound (Debian's unbound package creates it)\n");
        ok = false;
    }
    for (const char *tool : {"dig", "ip", "sleep"}) {
        if (run({"sh", "-c", std::string("command -v ") + tool}).status != 0) {
            std::fprintf(stderr, "missing %s (Debian: bind9-dnsutils, iproute2, coreutils)\n",
                         tool);
            ok = false;
        }
    }
    return ok;
}

}  // namespace

int main(int argc, char **argv) {
    ::testing::InitGoogleTest(&argc, argv);
    // The tests add devices and addresses and bind port 53: only ever in a
    // network namespace of their own.
    if (!nat64d::testns::enter_private_netns("nat64d_dns64_supervisor_tests")) return 1;
    if (!preflight()) return 1;
    try {
        ip({"link", "add", kDev, "type", "veth", "peer", "name", "dns0p"});
        for (const char *a : {kGw1, kGw2, kOutside})
            ip({"addr", "add", std::string(a) + "/64", "dev", kDev, "nodad"});
        ip({"link", "set", "dns0p", "up"});
        ip({"link", "set", kDev, "up"});
    } catch (const std::exception &e) {
        std::fprintf(stderr, "nat64d_dns64_supervisor_tests: %s\n", e.what());
        return 1;
    }
    char tmpl[] = "/tmp/n64dsup.XXXXXX";
    if (mkdtemp(tmpl) == nullptr || chmod(tmpl, 0755) != 0) {
        std::fprintf(stderr, "nat64d_dns64_supervisor_tests: mkdtemp: %s\n", std::strerror(errno));
        return 1;
    }
    g_base = tmpl;
    umask(0077);  // nat64d.service's
    const int rc = RUN_ALL_TESTS();
    fs::remove_all(g_base);
    return rc;
}
