#include "nat64ctl/settings_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "nat64/config.hpp"
#include "nat64ctl/errors.hpp"
#include "nat64d/flows.hpp"
#include "nat64d/prefixes.hpp"
#include "nat64d/sdn_config.hpp"

namespace nat64::ctl {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using OJson = nlohmann::ordered_json;

namespace {

std::optional<std::string> read_file(const fs::path &p) {
    std::error_code ec;
    if (!fs::exists(p, ec) && !ec) return std::nullopt;
    std::ifstream in(p, std::ios::binary);
    if (!in) throw RuntimeFailure(p.string() + ": cannot read: " + std::strerror(errno));
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// A cluster-wide lock: mkdir is atomic on a local file system and on
// pmxcfs, which serialises every change across the cluster.  A lock older
// than kStale is from a nat64ctl that died and is broken.
class DirLock {
  public:
    explicit DirLock(fs::path p) : path_(std::move(p)) {
        using namespace std::chrono;
        const auto deadline = steady_clock::now() + seconds(10);
        while (::mkdir(path_.c_str(), 0700) != 0) {
            if (errno != EEXIST) {
                throw RuntimeFailure(path_.string() +
                                     ": cannot create the lock: " + std::strerror(errno));
            }
            std::error_code ec;
            auto age = fs::file_time_type::clock::now() - fs::last_write_time(path_, ec);
            if (!ec && age > kStale) {
                // Renamed first: of two waiters that both judge it stale,
                // only one can move it, and neither removes a fresh lock.
                fs::path dead = path_;
                dead += ".stale." + std::to_string(::getpid());
                if (::rename(path_.c_str(), dead.c_str()) == 0) fs::remove_all(dead, ec);
                continue;
            }
            if (steady_clock::now() > deadline) {
                throw RuntimeFailure(
                    path_.string() +
                    ": another nat64ctl holds the lock for more than 10 s; if none runs, "
                    "remove that directory");
            }
            std::this_thread::sleep_for(milliseconds(100));
        }
    }
    ~DirLock() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    DirLock(const DirLock &) = delete;
    DirLock &operator=(const DirLock &) = delete;

  private:
    static constexpr auto kStale = std::chrono::seconds(60);
    fs::path path_;
};

// Writes text to a temp file next to path and renames it over path: a
// reader (nat64d) sees the old or the new file, never half of one.
void write_atomically(const fs::path &path, const std::string &text) {
    const fs::path tmp =
        path.parent_path() / ("." + path.filename().string() + "." + std::to_string(::getpid()));
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);  // root-only
    if (fd < 0) throw RuntimeFailure(tmp.string() + ": cannot create: " + std::strerror(errno));
    size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int e = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            throw RuntimeFailure(tmp.string() + ": cannot write: " + std::strerror(e));
        }
        done += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        int e = errno;
        ::unlink(tmp.c_str());
        throw RuntimeFailure(tmp.string() + ": cannot write: " + std::strerror(e));
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        int e = errno;
        ::unlink(tmp.c_str());
        throw RuntimeFailure(path.string() + ": cannot replace: " + std::strerror(e));
    }
}

OJson parse_settings(const std::optional<std::string> &text) {
    if (!text) return OJson{{"version", 1}, {"vnets", OJson::object()}};
    try {
        OJson doc = OJson::parse(*text);
        if (!doc.is_object())
            throw RuntimeFailure(std::string(nat64d::kSettingsFile) + ": not a JSON object");
        if (!doc.contains("vnets")) doc["vnets"] = OJson::object();
        return doc;
    } catch (const OJson::exception &e) {
        throw RuntimeFailure(
            std::string(nat64d::kSettingsFile) + ": " + e.what() +
            "; fix or remove the file (nat64d keeps the last good state meanwhile)");
    }
}

// The IPv4 space one VNet's settings claim: pool4 prefixes, EAMT IPv4
// prefixes, static BIB addresses (empty if the settings do not parse:
// that VNet's own problem, reported by nat64d).
std::vector<std::pair<std::string, nat64::Ipv4Prefix>> claims(const Json &settings) {
    std::vector<std::pair<std::string, nat64::Ipv4Prefix>> out;
    Json doc = settings;
    doc["instance"] = 1;
    try {
        auto c = nat64::parse_instance_config(doc.dump());
        for (const auto &p : c.pool4)
            out.emplace_back("pool4 " + nat64::format_prefix(p.prefix), p.prefix);
        for (const auto &e : c.eamt)
            out.emplace_back("EAMT " + nat64::format_prefix(e.ipv4), e.ipv4);
        for (const auto &b : c.static_bib) {
            out.emplace_back("static BIB " + nat64::format_ipv4(b.ipv4),
                             nat64::Ipv4Prefix{b.ipv4, 32});
        }
    } catch (const nat64::ConfigError &) {
    }
    return out;
}

// The value at a path of object keys, or nullptr: .running-config is
// pve-network's, and read defensively.
const Json *find(const Json &doc, std::initializer_list<std::string> path) {
    const Json *v = &doc;
    for (const auto &k : path) {
        if (!v->is_object() || !v->contains(k)) return nullptr;
        v = &(*v)[k];
    }
    return v;
}

std::string string_at(const Json &doc, std::initializer_list<std::string> path) {
    const Json *v = find(doc, path);
    return v && v->is_string() ? v->get<std::string>() : "";
}

}  // namespace

SettingsStore::SettingsStore(fs::path dir, std::string node)
    : dir_(std::move(dir)), node_(std::move(node)) {}

OJson SettingsStore::load() const {
    return parse_settings(read_file(path()));
}

std::string SettingsStore::running_config() const {
    auto text = read_file(dir_ / nat64d::kRunningConfigFile);
    if (!text) {
        throw InputError(
            (dir_ / nat64d::kRunningConfigFile).string() +
            " does not exist: no SDN configuration has been applied yet (pvesh set /cluster/sdn)");
    }
    return *text;
}

void SettingsStore::check_vnet(const std::string &running, const std::string &vnet) const {
    Json rc;
    try {
        rc = Json::parse(running);
    } catch (const Json::exception &e) {
        throw RuntimeFailure(std::string(nat64d::kRunningConfigFile) + ": " + e.what());
    }
    if (!find(rc, {"vnets", "ids", vnet})) {
        throw InputError("--vnet " + vnet + ": no such VNet in the applied SDN configuration");
    }
    const std::string zone = string_at(rc, {"vnets", "ids", vnet, "zone"});
    const std::string type = string_at(rc, {"zones", "ids", zone, "type"});
    if (type != nat64d::kZoneType) {
        throw InputError("--vnet " + vnet + ": its zone " + zone + " is of type " +
                         (type.empty() ? "?" : type) + ", not " + nat64d::kZoneType);
    }
}

OJson SettingsStore::vnet_settings(const std::string &vnet) const {
    check_vnet(running_config(), vnet);
    OJson doc = load();
    return doc["vnets"].contains(vnet) ? doc["vnets"][vnet] : OJson::object();
}

void SettingsStore::validate(const std::string &running, const std::string &text,
                             const std::string &vnet) const {
    // What nat64d will make of it: on a node of the VNet's zone (this node
    // if it is one), so that every per-node rule applies.
    const Json rc = Json::parse(running);
    const Json *zone = find(rc, {"zones", "ids", string_at(rc, {"vnets", "ids", vnet, "zone"})});
    auto node = nat64d::node_of_zone(zone ? *zone : Json(), node_);
    if (!node)
        throw InputError("--vnet " + vnet + ": its zone runs on no node (check the zone's nodes)");
    nat64d::Desired d;
    try {
        d = nat64d::build_desired(running, text, *node);
    } catch (const nat64d::ConfigFileError &e) {
        throw InputError(e.what());
    }
    auto failed = d.failed.find(vnet);
    if (failed != d.failed.end()) throw InputError(failed->second);
    if (d.vnets.count(vnet) == 0)
        throw InputError("--vnet " + vnet + ": not configurable on node " + *node);
    // The VNet's own denylist4 says which IPv4 space it must never use: its
    // pool4 and EAMT may not lie there either (the core only keeps pool6
    // destinations out of it).
    const auto &inst = d.vnets.at(vnet).instance;
    for (const auto &deny : inst.denylist4) {
        for (const auto &p : inst.pool4) {
            if (nat64d::overlap(p.prefix, deny)) {
                throw InputError("pool4 " + nat64::format_prefix(p.prefix) +
                                 " overlaps denylist4 " + nat64::format_prefix(deny) + " of vnet " +
                                 vnet);
            }
        }
        for (const auto &e : inst.eamt) {
            if (nat64d::overlap(e.ipv4, deny)) {
                throw InputError("EAMT " + nat64::format_prefix(e.ipv4) + " overlaps denylist4 " +
                                 nat64::format_prefix(deny) + " of vnet " + vnet);
            }
        }
    }

    // Across the cluster: two VNets (on any nodes) may not claim the same
    // IPv4 space, or the IPv4 network could not route it to one of them.
    Json doc = Json::parse(text);
    auto mine = claims(doc["vnets"][vnet]);
    for (const auto &[other, settings] : doc["vnets"].items()) {
        if (other == vnet) continue;
        for (const auto &[what, prefix] : claims(settings)) {
            for (const auto &[my_what, my_prefix] : mine) {
                if (nat64d::overlap(prefix, my_prefix)) {
                    throw InputError(my_what + " overlaps " + what + " of vnet " + other);
                }
            }
        }
    }
}

std::string SettingsStore::edit(const std::string &vnet, const std::function<void(OJson &)> &edit) {
    const std::string running = running_config();
    check_vnet(running, vnet);
    DirLock lock(dir_ / ("." + std::string(nat64d::kSettingsFile) + ".lock"));
    for (int attempt = 0;; attempt++) {
        const auto before = read_file(path());
        OJson doc = parse_settings(before);
        OJson &settings = doc["vnets"][vnet];
        if (settings.is_null()) settings = OJson::object();
        edit(settings);
        if (settings.empty()) doc["vnets"].erase(vnet);
        const std::string text = doc.dump(2) + "\n";
        validate(running, text, vnet);
        // Compare and swap: someone who edits the file without nat64ctl
        // (by hand, or a nat64ctl ignoring a lock on another node) must not
        // lose a change to us; we start again from their version.
        if (read_file(path()) != before) {
            if (attempt < 3) continue;
            throw RuntimeFailure(path().string() +
                                 " keeps changing while nat64ctl edits it; try again");
        }
        write_atomically(path(), text);
        return text;
    }
}

std::optional<nat64d::VNetSpec> SettingsStore::spec_here(const std::string &vnet,
                                                         const std::string &text) const {
    // The text was validated before it was written, so a file error here
    // is a real problem (an unreadable .running-config): it propagates.
    auto d = nat64d::build_desired(running_config(), text, node_);
    auto it = d.vnets.find(vnet);
    if (it == d.vnets.end()) return std::nullopt;
    return it->second;
}

}  // namespace nat64::ctl
