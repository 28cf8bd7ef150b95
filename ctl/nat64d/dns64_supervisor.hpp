// The DNS64 resolvers of this node (issue #8): one unbound per IPv6-only
// VNet that wants a local one, configured by render_unbound_conf()
// (dns64.hpp), started, reloaded, restarted and stopped by nat64d.
//
// Files, per VNet: <dir>/<vnet>/unbound.conf (0644) in <dir>/<vnet>/ (0755),
// which is also unbound's run_dir, holding the unbound.pid unbound writes.
// Both are readable by the unbound user whatever nat64d's umask (0077 in
// nat64d.service): unbound re-reads the file as that user on SIGHUP.  Every
// directory from / down to <dir> must be searchable by that user too.
//
// Processes: "unbound -d -c <dir>/<vnet>/unbound.conf", in the foreground
// (-d), so it stays nat64d's child and its stderr (its log) is nat64d's,
// i.e. the journal.  Spawned with no signal blocked or ignored, no file
// descriptor but stdin (/dev/null), stdout and stderr, and without
// systemd's NOTIFY_SOCKET/WATCHDOG_*/LISTEN_* (unbound would report READY=1
// as if it were nat64d).  Only the pids started here are ever waited for,
// never any child (nat64d has other children).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "nat64d/dns64.hpp"
#include "nat64d/model.hpp"

namespace nat64d {

struct Dns64SupervisorOptions {
    // Per VNet: dir/<vnet>/unbound.conf and unbound.pid (dir/<vnet> is
    // unbound's run_dir).  Absolute: unbound re-reads the file after it has
    // changed into run_dir (dns64.hpp).
    std::filesystem::path dir = "/run/nat64d/dns64";
    std::string unbound = "/usr/sbin/unbound";
    std::string user = "unbound";  // Dns64Config::username
    std::filesystem::path resolv_conf = "/etc/resolv.conf";
    uint16_t port = 53;  // other ports are for tests
};

// The resolver configuration of one VNet, or nullopt with the reason in
// *why (if why is not null) when it runs none: dns64 off, a dns64-server of
// its own, no subnet gateway to listen on, no pool6, or a VNet id that
// cannot be a directory name.  Listens on the subnets' gateways, allows
// the subnets' prefixes, synthesises into instance.pool6 (RFC 6147),
// excludes instance.denylist4 (§5.1.4).  forwarders is node_resolvers() of
// the node's resolv.conf; a forwarder that is one of the listening
// addresses is dropped (it would be asking itself), and with none left it
// forwards to 127.0.0.1, as glibc does for a resolv.conf without a
// nameserver (resolv.conf(5)).  ipv4only.arpa (RFC 7050) is answered
// locally either way.  Pure; the result may still fail validate(): the
// caller renders it and reports that.
std::optional<Dns64Config> vnet_dns64_config(const VNetSpec &spec,
                                             const std::vector<std::string> &forwarders,
                                             const Dns64SupervisorOptions &opt, std::string *why);

// The pid of the resolver that runs for vnet under dir (its pidfile
// <dir>/<vnet>/unbound.pid, checked against /proc/<pid>/cmdline so that a
// recycled pid never counts), or nullopt.  For whoever did not start it: a
// nat64d after a restart, nat64ctl status.
std::optional<pid_t> dns64_resolver_pid(const std::filesystem::path &dir, const std::string &vnet);

class Dns64Supervisor {
  public:
    explicit Dns64Supervisor(Dns64SupervisorOptions opt);
    ~Dns64Supervisor();  // stops every unbound it started
    Dns64Supervisor(const Dns64Supervisor &) = delete;
    Dns64Supervisor &operator=(const Dns64Supervisor &) = delete;

    // Makes the running resolvers match 'vnets' (the VNets nat64d runs
    // now): writes each changed file (temp file + rename), starts the
    // missing resolvers, SIGHUPs those whose file changed, restarts those
    // dns64_needs_restart() names (or that have not yet installed their
    // SIGHUP handler, which SIGHUP would kill), and stops those of VNets
    // that are gone or no longer want one, removing their directory.  The
    // first call also terminates the unbound of an earlier nat64d run
    // (found through its pidfile, only if /proc/<pid>/cmdline names our
    // file) and removes the directories of VNets that want none.  Keys are
    // VNet ids (spec.vnet).  A VNet whose file cannot be rendered keeps what
    // runs for it.  Re-reads resolv_conf on every call.  Returns the number
    // of errors (a resolver waiting to be restarted counts as one); never
    // throws; logs each change, and each problem once until it goes away.
    int apply(const std::map<std::string, VNetSpec> &vnets) noexcept;

    // Reaps the resolvers that exited (logging how) and restarts those due,
    // after 1 s, doubling up to 60 s while they keep dying, back to 1 s once
    // one ran for 60 s.  Call on every iteration of the main loop.
    void run() noexcept;

    // Milliseconds until run() has something to do, or -1: a restart that
    // is due, or a resolver started less than 5 s ago (checked every 500 ms
    // so that a failed start, a bind error say, is reported promptly).
    long long next_wakeup_ms() const;

    // Stops every resolver (SIGTERM, SIGKILL after 2 s); leaves the files.
    void stop_all() noexcept;

    // For the tests (nat64ctl, not nat64d's child, reads the pidfile:
    // dns64_resolver_pid()): the pid per VNet, 0 while it waits to
    // be restarted.
    std::map<std::string, pid_t> running() const;

  private:
    using Clock = std::chrono::steady_clock;
    struct Resolver {
        Dns64Config config;  // what the process was started with, or last reloaded
        pid_t pid = 0;
        Clock::time_point started{};
        Clock::time_point restart_at{};  // when pid == 0
        std::chrono::seconds backoff{1};
    };

    std::filesystem::path dir_of(const std::string &vnet) const;
    std::filesystem::path conf_of(const std::string &vnet) const;
    void cleanup_previous_run(const std::set<std::string> &keep);
    bool write_conf(const std::string &vnet, const std::string &text);
    bool start(const std::string &vnet, Resolver &r);
    void stop(const std::string &vnet, Resolver &r, const std::string &why);
    void schedule_restart(Resolver &r);
    void log_once(int level, const std::string &msg);

    Dns64SupervisorOptions opt_;
    std::map<std::string, Resolver> resolvers_;  // by VNet id
    bool cleaned_up_ = false;
    std::set<std::string> logged_, logged_now_;  // problems already reported
};

}  // namespace nat64d
