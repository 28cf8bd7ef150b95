// nat64d: the per-node controller of ovs-nat64.  Reads Proxmox's applied SDN
// state and our per-VNet settings, and makes this node's Open vSwitch
// bridges, flows, translator instances and host routes match them; then
// keeps them so.  It is also the VNets' IPv6 router (router advertisements,
// ra_service.hpp) and runs their DNS64 resolvers (dns64_supervisor.hpp)
// (docs/reference.md, "nat64d").
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include <csignal>
#include <iostream>
#include <string>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "nat64d/dns64_supervisor.hpp"
#include "nat64d/ovs.hpp"
#include "nat64d/ovs_glue.h"
#include "nat64d/ra_service.hpp"
#include "nat64d/reconciler.hpp"
#include "nat64d/sdn_config.hpp"

namespace {

volatile std::sig_atomic_t g_stop = 0;

void setup_logging(const std::string &level) {
    auto logger = spdlog::stderr_logger_mt("nat64d");
    // Under systemd stderr goes to the journal, which stamps every line
    // itself; on a terminal the time helps.
    logger->set_pattern(isatty(STDERR_FILENO) ? "%H:%M:%S.%e %^%l%$: %v" : "%l: %v");
    logger->set_level(spdlog::level::from_str(level));
    spdlog::set_default_logger(logger);
}

// systemd's notification protocol (sd_notify(3)): one datagram to
// $NOTIFY_SOCKET.  READY=1 after the first pass, WATCHDOG=1 after every
// pass: with the unit's WatchdogSec, a pass stuck on a wedged
// ovs-vswitchd or ovsdb-server gets nat64d restarted.
void notify(const char *msg) {
    const char *path = std::getenv("NOTIFY_SOCKET");
    if (path == nullptr || *path == '\0') return;
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    size_t len = std::strlen(path);
    if (len >= sizeof sa.sun_path) return;
    std::memcpy(sa.sun_path, path, len);
    if (sa.sun_path[0] == '@') sa.sun_path[0] = '\0';  // abstract namespace
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return;
    (void)sendto(fd, msg, std::strlen(msg), MSG_NOSIGNAL, reinterpret_cast<sockaddr *>(&sa),
                 static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len));
    close(fd);
}

// Half the watchdog period systemd asks for ($WATCHDOG_USEC), in ms; 0 if none.
int watchdog_half_ms() {
    const char *usec = std::getenv("WATCHDOG_USEC");
    if (usec == nullptr) return 0;
    long long v = std::atoll(usec);
    return v > 0 ? static_cast<int>(std::min<long long>(v / 2000, 1 << 30)) : 0;
}

// The self-pipe that wakes the loop on SIGTERM/SIGINT: OVS's poll loop
// retries a poll(2) that a signal interrupted, so the flag alone would only
// be seen at the next timeout.
int g_wake_fd = -1;
volatile std::sig_atomic_t g_reload = 0;
void on_signal(int sig) {
    if (sig == SIGHUP) {
        g_reload = 1;  // a daemon's usual "reload": a pass now
    } else {
        g_stop = 1;
    }
    if (g_wake_fd >= 0) (void)!write(g_wake_fd, "", 1);
}

// Drains fd (non-blocking); true if anything was there.
bool drain(int fd) {
    char buf[4096];
    bool any = false;
    while (fd >= 0 && read(fd, buf, sizeof buf) > 0)
        any = true;
    return any;
}

}  // namespace

// The daemon's loop, in OVS's poll loop: a reconciliation pass after every
// configuration change (inotify) and every interval; in between, the
// router advertisement service answers solicitations as they come.
static int run(const nat64d::ReconcilerOptions &opt, const nat64d::OvsEndpoints &ep,
               const nat64d::Dns64SupervisorOptions &dns_opt, double interval, bool once) {
    nat64d::Netlink nl;
    nat64d::Ovs ovs(ep);
    nat64d::Reconciler rec(opt, ovs, nl, std::cout);

    if (once || opt.dry_run) {
        int errors = rec.pass();
        return errors == 0 ? 0 : 1;
    }
    int pipefd[2];
    if (pipe2(pipefd, O_NONBLOCK | O_CLOEXEC) != 0) {
        throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    }
    g_wake_fd = pipefd[1];
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    // Without a handler of ours, libopenvswitch's would make SIGHUP end
    // nat64d without stopping its resolvers.
    std::signal(SIGHUP, on_signal);
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0 || inotify_add_watch(
                      fd, opt.config_dir.c_str(),
                      IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE) < 0) {
        spdlog::warn("{}: cannot watch for changes ({}); checking every {} s",
                     opt.config_dir.string(), std::strerror(errno), interval);
        if (fd >= 0) close(fd);
        fd = -1;
    }
    spdlog::info("nat64d {} on node {}: config {}, OVSDB {}, every {} s", PROJECT_VERSION, opt.node,
                 opt.config_dir.string(), ep.db, interval);
    nat64d::RaService ra(ep.rundir, nl);
    nat64d::Dns64Supervisor dns64(dns_opt);
    rec.on_remove([&ra](const std::string &vnet) { ra.remove(vnet); });

    using Clock = std::chrono::steady_clock;
    auto period = std::chrono::milliseconds(static_cast<long long>(interval * 1000));
    if (int half = watchdog_half_ms(); half > 0)
        period = std::min(period, std::chrono::milliseconds(half));
    bool first = true;
    auto next_pass = Clock::now();
    while (!g_stop) {
        if (Clock::now() >= next_pass) {
            int errors = rec.pass();
            spdlog::debug("pass done: {} error(s)", errors);
            ra.update(rec.running());
            dns64.apply(rec.running());
            notify(first ? "READY=1\nWATCHDOG=1" : "WATCHDOG=1");
            first = false;
            next_pass = Clock::now() + period;
        }
        ra.run();
        dns64.run();

        if (fd >= 0) n64_poll_fd_wait(fd);
        n64_poll_fd_wait(pipefd[0]);
        ra.wait();
        auto ms = std::chrono::ceil<std::chrono::milliseconds>(next_pass - Clock::now()).count();
        n64_poll_timer_wait(std::max<long long>(ms, 0));
        if (long long d = dns64.next_wakeup_ms(); d >= 0) n64_poll_timer_wait(d);
        n64_poll_block();

        if (drain(fd)) {
            // A writer usually makes several events (create, write,
            // rename): let them settle, then one pass for them all.
            usleep(50 * 1000);
            drain(fd);
            next_pass = Clock::now();
        }
        drain(pipefd[0]);
        if (g_reload) {
            g_reload = 0;
            spdlog::info("SIGHUP: reconciling now");
            next_pass = Clock::now();
        }
    }
    notify("STOPPING=1");
    if (fd >= 0) close(fd);
    g_wake_fd = -1;
    close(pipefd[0]);
    close(pipefd[1]);
    // The resolvers are nat64d's children and go with it; a restarted
    // nat64d starts them again within its first pass.
    dns64.stop_all();
    spdlog::info(
        "nat64d stopping (flows, instances and routes stay as they are; the DNS64 "
        "resolvers stopped)");
    return 0;
}

int main(int argc, char **argv) {
    CLI::App app{
        "nat64d: programs this node's Open vSwitch bridges, flows, NAT64 translator instances and\n"
        "host routes from the Proxmox SDN configuration (zones of type ipv6only), and keeps them "
        "so;\nsends the VNets' router advertisements and runs their DNS64 resolvers (unbound)."};
    nat64d::ReconcilerOptions opt;
    opt.config_dir = "/etc/pve/sdn";
    opt.node = nat64d::this_node();
    nat64d::OvsEndpoints ep{"unix:/run/openvswitch/db.sock", "/run/openvswitch", ""};
    double interval = 1.0;
    bool once = false;
    std::string level = "info";

    app.add_option("--config-dir", opt.config_dir,
                   "Directory with Proxmox's .running-config and nat64.json")
        ->capture_default_str();
    // The default is this host's name, said in words: printing the value
    // would put the build host's name into the generated man page.
    app.add_option("--node", opt.node,
                   "This node's name, as in a zone's \"nodes\" (default: the host name up to its "
                   "first dot, as Proxmox VE names nodes)");
    app.add_option("--ovsdb", ep.db, "OVSDB remote of ovsdb-server")->capture_default_str();
    app.add_option(
           "--ovs-rundir", ep.rundir,
           "Open vSwitch run directory: bridges' <bridge>.mgmt sockets and ovs-vswitchd.pid")
        ->capture_default_str();
    app.add_option("--ovs-ctl", ep.ctl,
                   "ovs-vswitchd's control socket (default: <ovs-rundir>/ovs-vswitchd.<pid>.ctl)");
    nat64d::Dns64SupervisorOptions dns_opt;
    app.add_option(
           "--dns64-dir", dns_opt.dir,
           "Where the DNS64 resolvers' files go: <dir>/<vnet>/unbound.conf (every directory "
           "down to it must be searchable by --dns64-user)")
        ->capture_default_str();
    app.add_option("--resolv-conf", dns_opt.resolv_conf,
                   "The node's resolvers, to which the DNS64 resolvers forward")
        ->capture_default_str();
    app.add_option("--unbound", dns_opt.unbound, "The unbound program run as DNS64 resolver")
        ->capture_default_str();
    app.add_option("--dns64-user", dns_opt.user,
                   "The user the DNS64 resolvers drop to after binding port 53 (\"\": stay root)")
        ->capture_default_str();
    app.add_option(
           "--interval", interval,
           "Seconds between drift checks (configuration changes made on this node act at once)")
        ->check(CLI::Range(0.1, 3600.0))
        ->capture_default_str();
    app.add_flag("--once", once,
                 "Reconcile once and exit: 0 if the node matches the configuration, 1 if not");
    app.add_flag("--dry-run", opt.dry_run,
                 "Print the changes a pass would make, change nothing, exit (implies --once)");
    app.add_option("--log-level", level, "Log level")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
        ->capture_default_str();
    app.set_version_flag("--version", std::string("nat64d ") + PROJECT_VERSION);
    CLI11_PARSE(app, argc, argv);

    setup_logging(level);
    n64_glue_init("nat64d");

    try {
        if (!dns_opt.dir.is_absolute()) {
            throw std::runtime_error("--dns64-dir " + dns_opt.dir.string() +
                                     ": must be an absolute path (unbound re-reads its "
                                     "configuration from its own working directory)");
        }
        return run(opt, ep, dns_opt, interval, once);
    } catch (const std::exception &e) {
        spdlog::critical("{}", e.what());
        return 1;
    }
}
