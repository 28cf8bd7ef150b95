// The DNS64 resolvers of this node: one unbound per VNet (dns64_supervisor.hpp).
//
// What the real unbound 1.17 does that this code relies on (checked in
// tests/nat64d/dns64_supervisor_test.cpp):
// - With -d it does not fork, and it ignores an existing pidfile: a second
//   unbound on the same file runs next to the first (so-reuseport shares
//   the port) and overwrites the pidfile.  A leftover unbound of an earlier
//   nat64d run is ours to find and terminate.
// - It writes its pidfile as root before dropping to its user, and cannot
//   remove it on exit (the directory is root's): a pidfile may name a dead
//   or recycled pid, hence the /proc/<pid>/cmdline check.
// - SIGHUP before its handler is installed (while it starts) kills it, so
//   a resolver that is not yet catching SIGHUP (/proc/<pid>/status SigCgt)
//   is restarted rather than sent SIGHUP.
#include "nat64d/dns64_supervisor.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <thread>

#include <spdlog/spdlog.h>

extern char **environ;

namespace nat64d {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr auto kStopTimeout = 2s;         // SIGTERM, then SIGKILL
constexpr auto kMaxBackoff = 60s;         // between restarts of a resolver that keeps dying
constexpr auto kStableAfter = 60s;        // running this long resets the backoff
constexpr auto kStartWatch = 5s;          // a fresh resolver is checked on ...
constexpr long long kStartWatchMs = 500;  // ... this often, to report a failed start promptly
constexpr const char *kConfName = "unbound.conf";
constexpr const char *kPidName = "unbound.pid";  // render_unbound_conf(): run_dir/unbound.pid
constexpr const char *kLoopbackResolver = "127.0.0.1";

std::optional<std::string> read_text(const fs::path &p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return std::nullopt;
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// "exited with status 1", "killed by signal 9 (Killed)".
std::string describe_status(int st) {
    if (WIFEXITED(st)) return "exited with status " + std::to_string(WEXITSTATUS(st));
    if (WIFSIGNALED(st)) {
        return "killed by signal " + std::to_string(WTERMSIG(st)) + " (" + strsignal(WTERMSIG(st)) +
               ")";
    }
    return "ended with wait status " + std::to_string(st);
}

// True if pid is a live process whose command line has 'arg' as one of its
// arguments.  A zombie has an empty command line, so it does not match.
bool cmdline_has(pid_t pid, const std::string &arg) {
    auto text = read_text("/proc/" + std::to_string(pid) + "/cmdline");
    if (!text) return false;
    std::istringstream args(*text);
    for (std::string a; std::getline(args, a, '\0');)
        if (a == arg) return true;
    return false;
}

// True once pid has a handler for SIGHUP (the SigCgt mask of
// /proc/<pid>/status, bit SIGHUP - 1).
bool catches_sighup(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("SigCgt:", 0) != 0) continue;
        const unsigned long long mask = std::strtoull(line.c_str() + 7, nullptr, 16);
        return (mask >> (SIGHUP - 1)) & 1;
    }
    return false;
}

// Waits up to 'timeout' for our child pid to exit; its wait status, or
// nullopt if it still runs.  A child someone else reaped counts as exited.
std::optional<int> wait_child(pid_t pid, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int st = 0;
        const pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid) return st;
        if (w < 0 && errno != EINTR) return 0;  // ECHILD: already reaped
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(10ms);
    }
}

// Terminates a process that is not (necessarily) our child, as long as it
// still runs 'conf': SIGTERM, then SIGKILL.  True once it is gone.
bool terminate_foreign(pid_t pid, const std::string &conf) {
    for (int sig : {SIGTERM, SIGKILL}) {
        if (!cmdline_has(pid, conf)) return true;
        kill(pid, sig);
        const auto deadline = std::chrono::steady_clock::now() + kStopTimeout;
        while (std::chrono::steady_clock::now() < deadline) {
            int st;
            waitpid(pid, &st, WNOHANG);  // in case it is our child after all
            if (!cmdline_has(pid, conf)) return true;
            std::this_thread::sleep_for(20ms);
        }
    }
    return !cmdline_has(pid, conf);
}

// Creates dir and its missing parents with mode 0755 whatever the umask,
// and makes dir itself 0755: unbound reads its file there as its own user.
bool make_dirs(const fs::path &dir, std::string &err) {
    fs::path p;
    for (const fs::path &part : dir) {
        p /= part;
        if (mkdir(p.c_str(), 0755) == 0) {
            chmod(p.c_str(), 0755);
        } else if (errno != EEXIST) {
            err = "cannot create " + p.string() + ": " + std::strerror(errno);
            return false;
        }
    }
    if (chmod(dir.c_str(), 0755) != 0) {
        err = "cannot chmod " + dir.string() + ": " + std::strerror(errno);
        return false;
    }
    return true;
}

// The first ancestor of dir that others cannot search (unbound, as its own
// user, could not reach its file on SIGHUP), or "".
std::string unsearchable_ancestor(const fs::path &dir) {
    fs::path p;
    for (const fs::path &part : dir) {
        p /= part;
        struct stat st;
        if (stat(p.c_str(), &st) == 0 && !(st.st_mode & S_IXOTH)) return p.string();
    }
    return "";
}

// Our environment without what systemd gave nat64d alone: unbound, built
// with systemd support, would send READY=1 to nat64d's notify socket (and
// systemd would log a rejected notification for every start).
std::vector<std::string> child_environment() {
    static constexpr std::string_view kDropped[] = {
        "NOTIFY_SOCKET=", "WATCHDOG_USEC=", "WATCHDOG_PID=",
        "LISTEN_FDS=",    "LISTEN_PID=",    "LISTEN_FDNAMES="};
    std::vector<std::string> env;
    for (char **e = environ; e && *e; ++e) {
        const std::string_view v(*e);
        if (std::none_of(std::begin(kDropped), std::end(kDropped),
                         [&](std::string_view d) { return v.substr(0, d.size()) == d; })) {
            env.emplace_back(v);
        }
    }
    return env;
}

// Spawns argv[0] with a clean signal state (nothing blocked, nothing
// ignored: nat64d ignores or blocks some), stdin from /dev/null, stdout and
// stderr inherited (the journal) and no other descriptor.  The pid, or -1
// with the reason in err.
pid_t spawn(const std::vector<std::string> &argv, std::string &err) {
    std::vector<char *> args, envp;
    for (const std::string &a : argv)
        args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);
    const std::vector<std::string> env = child_environment();
    for (const std::string &e : env)
        envp.push_back(const_cast<char *>(e.c_str()));
    envp.push_back(nullptr);

    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);  // glibc leaves out its internal signals
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    // glibc's posix_spawn reports a failed exec too (ENOENT, EACCES).
    const int rc = posix_spawn(&pid, args[0], &fa, &attr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        err = std::strerror(rc);
        return -1;
    }
    return pid;
}

// "ADDRESS[%ZONE][@PORT]" is where a resolver listening on 'listen' at
// 'port' is: forwarding to it would be asking itself.
bool is_self(const std::string &fwd, const std::vector<nat64::Ipv6Addr> &listen, uint16_t port) {
    std::string_view addr = fwd;
    unsigned long fport = 53;
    if (const size_t at = addr.find('@'); at != std::string_view::npos) {
        fport = std::strtoul(std::string(addr.substr(at + 1)).c_str(), nullptr, 10);
        addr = addr.substr(0, at);
    }
    const auto a = nat64::parse_ipv6(addr);
    return a && fport == port && std::find(listen.begin(), listen.end(), *a) != listen.end();
}

bool valid_vnet_id(const std::string &v) {
    return !v.empty() && v.size() <= 64 && v[0] != '.' &&
           std::all_of(v.begin(), v.end(), [](unsigned char ch) {
               return std::isalnum(ch) || ch == '_' || ch == '-' || ch == '.';
           });
}

std::string listen_text(const Dns64Config &c) {
    std::string s;
    for (const auto &a : c.listen)
        s += (s.empty() ? "" : " ") + ("[" + nat64::format_ipv6(a) + "]:" + std::to_string(c.port));
    return s;
}

}  // namespace

std::optional<Dns64Config> vnet_dns64_config(const VNetSpec &spec,
                                             const std::vector<std::string> &forwarders,
                                             const Dns64SupervisorOptions &opt, std::string *why) {
    auto none = [&](std::string reason) -> std::optional<Dns64Config> {
        if (why) *why = std::move(reason);
        return std::nullopt;
    };
    if (spec.dns64 == Dns64Mode::off) return none("dns64 is off");
    if (spec.dns64_server) {
        return none("dns64-server is " + nat64::format_ipv6(*spec.dns64_server) +
                    ": the VNet uses that resolver");
    }
    if (!spec.instance.pool6)
        return none("the translator instance has no pool6 to synthesise into");
    if (!valid_vnet_id(spec.vnet)) {
        return none("the VNet id \"" + spec.vnet +
                    "\" cannot name a directory (letters, digits, \"_-.\")");
    }
    Dns64Config c;
    for (const Subnet6 &s : spec.subnets) {
        if (s.gateway && std::find(c.listen.begin(), c.listen.end(), *s.gateway) == c.listen.end())
            c.listen.push_back(*s.gateway);
        if (std::find(c.allow.begin(), c.allow.end(), s.prefix) == c.allow.end())
            c.allow.push_back(s.prefix);
    }
    if (c.listen.empty()) return none("no subnet has a gateway to listen on");
    c.port = opt.port;
    c.pool6 = *spec.instance.pool6;
    c.exclude4 = spec.instance.denylist4;
    for (const std::string &f : forwarders)
        if (!is_self(f, c.listen, c.port)) c.forwarders.push_back(f);
    // resolv.conf(5): without a nameserver line, the resolver on the local
    // machine.  ipv4only.arpa (RFC 7050) is local data and answered anyway.
    if (c.forwarders.empty()) c.forwarders.push_back(kLoopbackResolver);
    c.run_dir = (opt.dir / spec.vnet).string();
    c.username = opt.user;
    c.use_syslog = false;  // stderr: nat64d's, the journal
    return c;
}

std::optional<pid_t> dns64_resolver_pid(const fs::path &dir, const std::string &vnet) {
    auto text = read_text(dir / vnet / kPidName);
    if (!text) return std::nullopt;
    const long pid = std::strtol(text->c_str(), nullptr, 10);
    if (pid <= 1 || pid > std::numeric_limits<pid_t>::max()) return std::nullopt;
    if (!cmdline_has(static_cast<pid_t>(pid), (dir / vnet / kConfName).string()))
        return std::nullopt;
    return static_cast<pid_t>(pid);
}

Dns64Supervisor::Dns64Supervisor(Dns64SupervisorOptions opt) : opt_(std::move(opt)) {}

Dns64Supervisor::~Dns64Supervisor() {
    stop_all();
}

fs::path Dns64Supervisor::dir_of(const std::string &vnet) const {
    return opt_.dir / vnet;
}

fs::path Dns64Supervisor::conf_of(const std::string &vnet) const {
    return dir_of(vnet) / kConfName;
}

void Dns64Supervisor::log_once(int level, const std::string &msg) {
    // As the reconciler: a problem is reported when it appears, and again
    // only after it went away and came back.
    logged_now_.insert(msg);
    if (logged_.count(msg) != 0) return;
    spdlog::log(static_cast<spdlog::level::level_enum>(level), "{}", msg);
}

int Dns64Supervisor::apply(const std::map<std::string, VNetSpec> &vnets) noexcept {
    int errors = 0;
    logged_now_.clear();
    try {
        std::vector<std::string> forwarders;
        if (auto text = read_text(opt_.resolv_conf)) {
            forwarders = node_resolvers(*text);
        } else {
            log_once(spdlog::level::warn, "dns64: cannot read " + opt_.resolv_conf.string() +
                                              "; taking it as naming no nameserver");
        }
        if (forwarders.empty()) {
            log_once(spdlog::level::warn, "dns64: " + opt_.resolv_conf.string() +
                                              " names no usable nameserver; the DNS64 resolvers "
                                              "forward to " +
                                              kLoopbackResolver + ", as glibc does");
        }
        std::map<std::string, Dns64Config> wanted;
        for (const auto &[vnet, spec] : vnets) {
            std::string why;
            if (spec.vnet != vnet) {  // the directory is named after spec.vnet
                errors++;
                log_once(spdlog::level::err, "vnet " + vnet + ": its spec names VNet \"" +
                                                 spec.vnet + "\"; no DNS64 resolver");
            } else if (auto c = vnet_dns64_config(spec, forwarders, opt_, &why)) {
                wanted.emplace(vnet, std::move(*c));
            } else {
                log_once(spdlog::level::info, "vnet " + vnet + ": no DNS64 resolver: " + why);
            }
        }
        if (!cleaned_up_) {
            std::set<std::string> names;
            for (const auto &[vnet, c] : wanted)
                names.insert(vnet);
            cleanup_previous_run(names);
            cleaned_up_ = true;
        }

        for (const auto &[vnet, c] : wanted) {
            auto it = resolvers_.find(vnet);
            const UnboundConf conf = render_unbound_conf(c);
            if (!conf.ok()) {
                errors++;
                log_once(spdlog::level::err,
                         "vnet " + vnet + ": DNS64 resolver: " + conf.error->message() +
                             (it != resolvers_.end() ? "; the running resolver is kept" : ""));
                continue;
            }
            const bool changed = read_text(conf_of(vnet)) != conf.text;
            if (changed && !write_conf(vnet, conf.text)) {
                errors++;
                continue;
            }
            if (!opt_.user.empty()) {
                if (std::string p = unsearchable_ancestor(dir_of(vnet)); !p.empty()) {
                    log_once(spdlog::level::warn, "vnet " + vnet + ": " + p +
                                                      " is not searchable by others: unbound (" +
                                                      opt_.user + ") cannot re-read " +
                                                      conf_of(vnet).string() + " on SIGHUP");
                }
            }
            if (it == resolvers_.end()) {
                Resolver &r = resolvers_.emplace(vnet, Resolver{c}).first->second;
                if (!start(vnet, r)) schedule_restart(r);
            } else {
                Resolver &r = it->second;
                const Dns64Config before = r.config;
                r.config = c;
                if (dns64_needs_restart(before, c)) {
                    // Sockets and the user are set up once, at start (dns64.hpp).
                    stop(vnet, r,
                         "restarting: " + listen_text(before) + " -> " + listen_text(c) +
                             ", user or directory changed");
                    r.backoff = 1s;
                    if (!start(vnet, r)) schedule_restart(r);
                } else if (changed && r.pid > 0) {
                    if (catches_sighup(r.pid)) {
                        kill(r.pid, SIGHUP);
                        spdlog::info("vnet {}: DNS64 resolver (pid {}) reloads {} (SIGHUP)", vnet,
                                     r.pid, conf_of(vnet).string());
                    } else {
                        stop(vnet, r, "restarting: still starting up, SIGHUP would kill it");
                        if (!start(vnet, r)) schedule_restart(r);
                    }
                }
            }
            if (resolvers_.at(vnet).pid == 0) {
                errors++;
                log_once(spdlog::level::warn,
                         "vnet " + vnet + ": DNS64 resolver not running, waiting to restart");
            }
        }

        for (auto it = resolvers_.begin(); it != resolvers_.end();) {
            if (wanted.count(it->first) != 0) {
                ++it;
                continue;
            }
            const std::string vnet = it->first;
            stop(vnet, it->second,
                 vnets.count(vnet) ? "the VNet no longer wants one" : "VNet gone");
            std::error_code ec;
            fs::remove_all(dir_of(vnet), ec);
            if (ec) {
                errors++;
                log_once(spdlog::level::err, "vnet " + vnet + ": cannot remove " +
                                                 dir_of(vnet).string() + ": " + ec.message());
            }
            it = resolvers_.erase(it);
        }
    } catch (const std::exception &e) {
        errors++;
        log_once(spdlog::level::err, std::string("dns64: ") + e.what());
    }
    logged_ = logged_now_;
    return errors;
}

void Dns64Supervisor::cleanup_previous_run(const std::set<std::string> &keep) {
    std::error_code ec;
    for (fs::directory_iterator d(opt_.dir, ec), end; !ec && d != end; d.increment(ec)) {
        if (!d->is_directory(ec)) continue;
        const std::string vnet = d->path().filename().string();
        const std::string conf = conf_of(vnet).string();
        if (auto pid = dns64_resolver_pid(opt_.dir, vnet); pid && *pid != getpid()) {
            spdlog::info("vnet {}: stopping the DNS64 resolver of an earlier nat64d (pid {})", vnet,
                         *pid);
            if (!terminate_foreign(*pid, conf))
                spdlog::error("vnet {}: pid {} does not terminate", vnet, *pid);
        }
        if (keep.count(vnet) == 0) {
            std::error_code rm;
            fs::remove_all(d->path(), rm);
            spdlog::info("dns64: removed {} (no resolver wanted){}", d->path().string(),
                         rm ? ": " + rm.message() : "");
        }
    }
}

bool Dns64Supervisor::write_conf(const std::string &vnet, const std::string &text) {
    std::string err;
    if (!make_dirs(dir_of(vnet), err)) {
        log_once(spdlog::level::err, "vnet " + vnet + ": " + err);
        return false;
    }
    // Temp file + rename: unbound never reads a half-written file.
    const fs::path conf = conf_of(vnet);
    const fs::path tmp = dir_of(vnet) / ("." + std::string(kConfName) + ".tmp");
    const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    bool ok = fd >= 0 && fchmod(fd, 0644) == 0;  // readable by unbound's user despite the umask
    for (size_t done = 0; ok && done < text.size();) {
        const ssize_t n = write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        if (ok) done += static_cast<size_t>(n);
    }
    if (fd >= 0 && close(fd) != 0) ok = false;
    if (ok && rename(tmp.c_str(), conf.c_str()) != 0) ok = false;
    if (!ok) {
        log_once(spdlog::level::err,
                 "vnet " + vnet + ": cannot write " + conf.string() + ": " + std::strerror(errno));
        unlink(tmp.c_str());
        return false;
    }
    spdlog::info("vnet {}: wrote {}", vnet, conf.string());
    return true;
}

bool Dns64Supervisor::start(const std::string &vnet, Resolver &r) {
    std::string err;
    const pid_t pid = spawn({opt_.unbound, "-d", "-c", conf_of(vnet).string()}, err);
    if (pid < 0) {
        spdlog::error("vnet {}: cannot start {}: {}", vnet, opt_.unbound, err);
        return false;
    }
    r.pid = pid;
    r.started = Clock::now();
    spdlog::info("vnet {}: DNS64 resolver started (pid {}) on {}, pool6 {}", vnet, pid,
                 listen_text(r.config), nat64::format_prefix(r.config.pool6));
    return true;
}

void Dns64Supervisor::stop(const std::string &vnet, Resolver &r, const std::string &why) {
    if (r.pid <= 0) return;
    kill(r.pid, SIGTERM);
    auto st = wait_child(r.pid, kStopTimeout);
    if (!st) {
        spdlog::warn("vnet {}: DNS64 resolver (pid {}) ignored SIGTERM for 2 s: SIGKILL", vnet,
                     r.pid);
        kill(r.pid, SIGKILL);
        st = wait_child(r.pid, kStopTimeout);
    }
    spdlog::info("vnet {}: DNS64 resolver (pid {}) stopped ({}): {}", vnet, r.pid,
                 st ? describe_status(*st) : "did not exit", why);
    r.pid = 0;
}

void Dns64Supervisor::schedule_restart(Resolver &r) {
    r.pid = 0;
    r.restart_at = Clock::now() + r.backoff;
    r.backoff = std::min<std::chrono::seconds>(r.backoff * 2, kMaxBackoff);
}

void Dns64Supervisor::run() noexcept {
    try {
        for (auto &[vnet, r] : resolvers_) {
            const auto now = Clock::now();
            if (r.pid > 0) {
                int st = 0;
                const pid_t w = waitpid(r.pid, &st, WNOHANG);
                if (w == 0 || (w < 0 && errno == EINTR)) continue;
                const auto ran = std::chrono::duration_cast<std::chrono::seconds>(now - r.started);
                if (now - r.started >= kStableAfter) r.backoff = 1s;
                spdlog::error("vnet {}: DNS64 resolver (pid {}) {} after {} s; restarting in {} s",
                              vnet, r.pid, w < 0 ? "was reaped elsewhere" : describe_status(st),
                              ran.count(), r.backoff.count());
                schedule_restart(r);
            } else if (now >= r.restart_at) {
                if (!start(vnet, r)) schedule_restart(r);
            }
        }
    } catch (const std::exception &e) {
        spdlog::error("dns64: {}", e.what());
    }
}

long long Dns64Supervisor::next_wakeup_ms() const {
    const auto now = Clock::now();
    long long best = -1;
    auto consider = [&](long long ms) { best = best < 0 ? ms : std::min(best, ms); };
    for (const auto &[vnet, r] : resolvers_) {
        if (r.pid == 0) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(r.restart_at - now).count();
            consider(std::max<long long>(left, 0));
        } else if (now - r.started < kStartWatch) {
            consider(kStartWatchMs);
        }
    }
    return best;
}

void Dns64Supervisor::stop_all() noexcept {
    try {
        for (auto &[vnet, r] : resolvers_)
            stop(vnet, r, "nat64d is stopping");
        resolvers_.clear();  // nothing left for run() to restart
    } catch (const std::exception &e) {
        spdlog::error("dns64: {}", e.what());
    }
}

std::map<std::string, pid_t> Dns64Supervisor::running() const {
    std::map<std::string, pid_t> out;
    for (const auto &[vnet, r] : resolvers_)
        out[vnet] = r.pid;
    return out;
}

}  // namespace nat64d
