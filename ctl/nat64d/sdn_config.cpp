// Proxmox's applied SDN state plus nat64.json -> this node's VNets.  The
// file formats and the defaults are described in sdn_config.hpp.
//
// build_desired runs a fixed sequence of stages over the VNets of this
// node's ipv6only zones: zones -> VNets -> subnets -> instance ids ->
// instance documents -> isolation.  The first problem a VNet meets fails
// it and later stages skip it; the other VNets go on.
#include "nat64d/sdn_config.hpp"

#include "nat64d/prefixes.hpp"
#include "text.hpp"  // nat64::pointer_token, from the core

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace nat64d {
namespace {

// std::map objects: a JSON object's keys iterate sorted, which gives the
// "sorted by id" order the rules ask for (VNets, subnets) for free.
using Json = nlohmann::json;

constexpr uint32_t kMaxDefaultInstance = 0x7fffffff;  // 2^31-1
constexpr uint32_t kMaxInstance = 0xffffffff;
constexpr uint32_t kDefaultMtu = 1500;
// An ipv6only VNet carries IPv6 only, so its MTU must be one IPv6 allows
// (RFC 8200 §5: at least 1280).
constexpr uint32_t kMinZoneMtu = 1280;
constexpr uint32_t kMaxZoneMtu = 65535;
constexpr size_t kMaxIfName = 15;  // IFNAMSIZ - 1: the VNet id names its bridge
constexpr size_t kMaxValueText = 80;

// ---- Messages -------------------------------------------------------------

// A value as it appears in the file, cut short (messages end up in logs).
std::string show(const Json &v) {
    return nat64::json_excerpt(v, kMaxValueText);
}

std::string show(const std::string &s) {
    return show(Json(s));
}

std::string pointer(std::vector<std::string>::const_iterator first,
                    std::vector<std::string>::const_iterator last) {
    std::string out;
    for (; first != last; ++first)
        out += "/" + nat64::pointer_token(*first);
    return out;
}

ConfigFileError file_error(const char *file, const std::string &why) {
    return ConfigFileError(std::string(file) + ": " + why);
}

// ConfigError's what() is "<key>: <why> (got <value>)"; a zone's message
// names its own key and value, so it takes only the why.
std::string reason(const nat64::ConfigError &e) {
    std::string s = e.what();
    if (!e.value().empty()) s.resize(s.size() - (e.value().size() + std::strlen(" (got )")));
    if (!e.key().empty()) s.erase(0, e.key().size() + 2);
    return s;
}

// ---- Whole files ----------------------------------------------------------

std::string parse_error_reason(const Json::parse_error &e) {
    // what() is "[json.exception.parse_error.101] parse error at line 1,
    // column 18: <reason>"; the byte offset is reported separately.
    std::string_view w = e.what();
    size_t at = w.find("parse error");
    size_t colon = at == std::string_view::npos ? at : w.find(": ", at);
    return std::string(colon == std::string_view::npos ? w : w.substr(colon + 2));
}

// The deepest nesting of arrays and objects in a JSON text.  nlohmann
// copies and prints documents recursively, so a file of 100,000 '[' would
// overflow the stack; no configuration needs more than a handful of levels.
constexpr int kMaxNesting = 32;
int nesting(std::string_view text) {
    int depth = 0, deepest = 0;
    bool in_string = false, escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            deepest = std::max(deepest, ++depth);
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    return deepest;
}

Json parse_json(const char *file, const std::string &text,
                const Json::parser_callback_t &callback = nullptr) {
    if (nesting(text) > kMaxNesting) {
        throw file_error(file, "arrays and objects nested deeper than " +
                                   std::to_string(kMaxNesting) + " levels");
    }
    try {
        return Json::parse(text, callback);
    } catch (const Json::parse_error &e) {
        throw file_error(
            file, "parse error at byte " + std::to_string(e.byte) + ": " + parse_error_reason(e));
    } catch (const Json::exception &e) {
        // Also a parse failure: a number out of range ("1e999") is an
        // out_of_range exception, not a parse_error.
        std::string_view w = e.what();
        size_t close = w.find("] ");
        throw file_error(file,
                         std::string(close == std::string_view::npos ? w : w.substr(close + 2)));
    }
}

// nlohmann keeps the last of two equal keys without a word.  The instance
// document parser refuses duplicates (docs/reference.md), and nat64.json
// does too: otherwise one of two "pool4" keys would silently vanish.
class DuplicateKeys {
  public:
    Json::parser_callback_t callback() {
        return [this](int, Json::parse_event_t event, Json &parsed) {
            see(event, parsed);
            return true;
        };
    }
    // The path (reference tokens) of every duplicate key, in file order.
    const std::vector<std::vector<std::string>> &found() const { return found_; }

  private:
    struct Frame {
        bool object = false;
        std::set<std::string> keys;
        std::string token;  // the current key or array index
        size_t elements = 0;
    };

    void see(Json::parse_event_t event, const Json &parsed) {
        using Event = Json::parse_event_t;
        if (event == Event::object_end || event == Event::array_end) {
            frames_.pop_back();
        } else if (event == Event::key) {
            see_key(parsed.get<std::string>());
        } else {
            // A value or the start of a container: one more array element
            // when the enclosing container is an array.
            if (!frames_.empty() && !frames_.back().object) {
                frames_.back().token = std::to_string(frames_.back().elements++);
            }
            if (event == Event::object_start) frames_.emplace_back().object = true;
            if (event == Event::array_start) frames_.emplace_back().object = false;
        }
    }

    void see_key(const std::string &key) {
        Frame &top = frames_.back();
        top.token = key;
        if (top.keys.insert(key).second) return;
        std::vector<std::string> path;
        for (const Frame &f : frames_)
            path.push_back(f.token);
        found_.push_back(std::move(path));
    }

    std::vector<Frame> frames_;
    std::vector<std::vector<std::string>> found_;
};

struct RunningConfig {
    uint64_t version = 0;
    Json zones = Json::object();  // the "ids" objects
    Json vnets = Json::object();
    Json subnets = Json::object();
};

// pve-network (PVE::Network::SDN::commit_config) writes each section as
// {"ids": {<id>: {...}}}, every entry an object.  Anything else means the
// file is not what we think it is: trust none of it.
Json section_ids(const Json &doc, const char *section) {
    auto it = doc.find(section);
    if (it == doc.end()) return Json::object();
    auto ids = it->is_object() ? it->find("ids") : it->end();
    if (ids == it->end() || !ids->is_object()) {
        throw file_error(kRunningConfigFile, "\"" + std::string(section) +
                                                 "\" must be an object with an \"ids\" object");
    }
    for (const auto &[id, entry] : ids->items()) {
        if (!entry.is_object()) {
            throw file_error(kRunningConfigFile,
                             "/" + std::string(section) + "/ids/" + nat64::pointer_token(id) +
                                 " must be an object (got " + show(entry) + ")");
        }
    }
    return *ids;
}

RunningConfig parse_running_config(const std::optional<std::string> &text) {
    RunningConfig rc;
    if (!text) return rc;  // nothing applied yet: no VNets
    Json doc = parse_json(kRunningConfigFile, *text);
    if (!doc.is_object()) throw file_error(kRunningConfigFile, "the top level must be an object");
    if (auto v = doc.find("version"); v != doc.end()) {
        if (!v->is_number_unsigned()) {
            throw file_error(kRunningConfigFile,
                             "\"version\" must be a non-negative integer (got " + show(*v) + ")");
        }
        rc.version = v->get<uint64_t>();
    }
    // Other top-level keys ("controllers", newer versions' "fabrics", ...)
    // are not ours to judge.
    rc.zones = section_ids(doc, "zones");
    rc.vnets = section_ids(doc, "vnets");
    rc.subnets = section_ids(doc, "subnets");
    return rc;
}

struct Settings {
    std::map<std::string, Json> vnets;  // VNet id -> its partial instance document
    // VNet id -> JSON pointer (within its document) of its first duplicate key
    std::map<std::string, std::string> duplicate_keys;
};

void check_settings_top_level(const Json &doc) {
    if (!doc.is_object()) throw file_error(kSettingsFile, "the top level must be an object");
    for (const auto &[key, value] : doc.items()) {
        if (key != "version" && key != "vnets") {
            throw file_error(kSettingsFile, "unknown top-level key " + show(key));
        }
    }
    auto version = doc.find("version");
    if (version == doc.end()) throw file_error(kSettingsFile, "\"version\" must be 1 (missing)");
    if (!version->is_number_integer() || version->get<int64_t>() != 1) {
        throw file_error(kSettingsFile, "\"version\" must be 1 (got " + show(*version) + ")");
    }
}

// A duplicate inside one VNet's settings fails that VNet only; anywhere
// else it leaves the file's meaning in doubt.
void sort_duplicate_keys(const DuplicateKeys &dups, Settings &s) {
    for (const std::vector<std::string> &path : dups.found()) {
        if (path.size() < 3 || path[0] != "vnets") {
            throw file_error(kSettingsFile, pointer(path.begin(), path.end()) + ": duplicate key");
        }
        s.duplicate_keys.emplace(path[1], pointer(path.begin() + 2, path.end()));
    }
}

Settings parse_settings(const std::optional<std::string> &text) {
    Settings s;
    if (!text) return s;
    DuplicateKeys dups;
    Json doc = parse_json(kSettingsFile, *text, dups.callback());
    check_settings_top_level(doc);
    if (auto vnets = doc.find("vnets"); vnets != doc.end()) {
        if (!vnets->is_object()) throw file_error(kSettingsFile, "\"vnets\" must be an object");
        for (const auto &[id, settings] : vnets->items()) {
            if (!settings.is_object()) {
                throw file_error(kSettingsFile, "/vnets/" + nat64::pointer_token(id) +
                                                    " must be an object (got " + show(settings) +
                                                    ")");
            }
            s.vnets.emplace(id, settings);
        }
    }
    sort_duplicate_keys(dups, s);
    return s;
}

// ---- Zones ----------------------------------------------------------------

// Perl truth, as pve-network tests `$zone->{nodes}->{$nodename}`.
bool perl_true(const Json &v) {
    if (v.is_null()) return false;
    if (v.is_boolean()) return v.get<bool>();
    if (v.is_number()) return v.get<double>() != 0;
    if (v.is_string()) return v != "" && v != "0";
    return true;
}

// PVE::Tools::split_list: the separators of a pve-node-list.
std::vector<std::string> split_node_list(const std::string &s) {
    std::vector<std::string> out;
    std::string cur;
    for (char ch : s) {
        if (ch == ',' || ch == ';' || ch == ' ' || ch == '\t' || ch == '\n') {
            if (!cur.empty()) out.push_back(std::move(cur));
            cur.clear();
        } else {
            cur += ch;
        }
    }
    if (!cur.empty()) out.push_back(std::move(cur));
    return out;
}

// Whether a zone's "nodes" includes node; nullopt when "nodes" is no node
// list at all.  pve-network stores it as a hash {"pve1": 1} (decode_value
// in Zones/Plugin.pm); the string and array forms are accepted in case a
// version or a hand edit writes them.  Absent or empty: every node.
std::optional<bool> nodes_include(const Json &nodes, const std::string &node) {
    if (nodes.is_null()) return true;
    if (nodes.is_object()) {
        if (nodes.empty()) return true;
        auto it = nodes.find(node);
        return it != nodes.end() && perl_true(*it);
    }
    std::vector<std::string> names;
    if (nodes.is_string()) {
        names = split_node_list(nodes.get<std::string>());
    } else if (nodes.is_array()) {
        for (const Json &n : nodes) {
            if (!n.is_string()) return std::nullopt;
            names.push_back(n.get<std::string>());
        }
    } else {
        return std::nullopt;
    }
    if (names.empty()) return true;
    for (const std::string &n : names) {
        if (n == node) return true;
    }
    return false;
}

struct Zone {
    std::string error;  // non-empty: the zone is bad and fails all its VNets
    std::string pool6 = kDefaultPool6;
    uint32_t mtu = kDefaultMtu;
    bool ra = true;
    Dns64Mode dns64 = Dns64Mode::local;
    std::optional<nat64::Ipv6Addr> dns64_server;
};

std::string zone_message(const std::string &zone, const char *key, const Json &value,
                         const std::string &why) {
    return std::string(kRunningConfigFile) + ": zone " + zone + ": " + key + " " + show(value) +
           ": " + why;
}

// The zone's nat64-prefix becomes its VNets' pool6, so it must be a prefix
// the translator accepts as pool6 (RFC 6052 lengths, zero u-octet): ask the
// instance parser, which owns those rules.
std::optional<std::string> why_bad_pool6(const Json &prefix) {
    if (!prefix.is_string()) return "expected an IPv6 prefix such as \"64:ff9b::/96\"";
    try {
        nat64::parse_instance_config(Json{{"instance", 1}, {"pool6", prefix}}.dump());
    } catch (const nat64::ConfigError &e) {
        return reason(e);
    }
    return std::nullopt;
}

// The zone's "mtu": pve-network writes numbers, but a Perl scalar may come
// out of JSON::encode as a string, so "1450" is accepted as well.
std::optional<uint32_t> zone_mtu(const Json &mtu) {
    uint64_t n = 0;
    if (mtu.is_number_unsigned()) {
        n = mtu.get<uint64_t>();
    } else if (mtu.is_string()) {
        const std::string &s = mtu.get_ref<const std::string &>();
        if (s.empty() || s.size() > 5) return std::nullopt;
        for (char ch : s) {
            if (ch < '0' || ch > '9') return std::nullopt;
            n = n * 10 + static_cast<uint64_t>(ch - '0');
        }
    } else {
        return std::nullopt;
    }
    if (n < kMinZoneMtu || n > kMaxZoneMtu) return std::nullopt;
    return static_cast<uint32_t>(n);
}

// A boolean zone key: pve-network's SectionConfig stores 0 or 1, which may
// reach JSON as a number or a string; JSON's own true/false and the words
// PVE::JSONSchema accepts for booleans are taken too.
std::optional<bool> zone_bool(const Json &v) {
    if (v.is_boolean()) return v.get<bool>();
    if (v.is_number_unsigned()) {
        uint64_t n = v.get<uint64_t>();
        if (n <= 1) return n == 1;
        return std::nullopt;
    }
    if (!v.is_string()) return std::nullopt;
    std::string s = v.get<std::string>();
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (s == "1" || s == "true" || s == "yes" || s == "on") return true;
    if (s == "0" || s == "false" || s == "no" || s == "off") return false;
    return std::nullopt;
}

// The zone keys of router advertisements and DNS64 (issue #8): "ra",
// "dns64" and "dns64-server".  The zone plugin refuses dns64-server with
// dns64 off; a hand-edited file gets the same answer here.
std::string read_zone_services(const std::string &id, const Json &entry, Zone &zone) {
    if (auto ra = entry.find("ra"); ra != entry.end()) {
        auto b = zone_bool(*ra);
        if (!b) return zone_message(id, "ra", *ra, "expected 0 or 1");
        zone.ra = *b;
    }
    if (auto d = entry.find("dns64"); d != entry.end()) {
        if (*d == "local") {
            zone.dns64 = Dns64Mode::local;
        } else if (*d == "off") {
            zone.dns64 = Dns64Mode::off;
        } else {
            return zone_message(id, "dns64", *d, "expected \"local\" or \"off\"");
        }
    }
    if (auto srv = entry.find("dns64-server"); srv != entry.end()) {
        std::optional<nat64::Ipv6Addr> a;
        if (srv->is_string()) a = nat64::parse_ipv6(srv->get<std::string>());
        if (!a || is_unspecified(*a) || is_multicast(*a) || is_loopback(*a)) {
            return zone_message(id, "dns64-server", *srv,
                                "expected the unicast IPv6 address of a DNS64 resolver");
        }
        if (zone.dns64 == Dns64Mode::off) {
            return zone_message(id, "dns64-server", *srv,
                                "cannot be set together with \"dns64\": \"off\"");
        }
        zone.dns64_server = *a;
    }
    return "";
}

Zone read_zone(const std::string &id, const Json &entry) {
    Zone zone;
    if (auto prefix = entry.find("nat64-prefix"); prefix != entry.end()) {
        if (auto why = why_bad_pool6(*prefix)) {
            zone.error = zone_message(id, "nat64-prefix", *prefix, *why);
            return zone;
        }
        zone.pool6 = prefix->get<std::string>();
    }
    if (auto mtu = entry.find("mtu"); mtu != entry.end()) {
        auto n = zone_mtu(*mtu);
        if (!n) {
            zone.error = zone_message(id, "mtu", *mtu,
                                      "expected a number from " + std::to_string(kMinZoneMtu) +
                                          " to " + std::to_string(kMaxZoneMtu));
            return zone;
        }
        zone.mtu = *n;
    }
    zone.error = read_zone_services(id, entry, zone);
    return zone;
}

// ---- Addresses ------------------------------------------------------------

// A subnet id is "<zone>-<network>-<mask>": pve-network does not store
// the CIDR but splits the id (Subnets.pm sdn_subnets_config,
// `split(/-/, $id)`).  Neither an address nor a mask contains '-'.
struct SubnetId {
    std::string network, mask;
};

std::optional<SubnetId> split_subnet_id(const std::string &id) {
    size_t first = id.find('-');
    size_t last = id.rfind('-');
    if (first == std::string::npos || first == last) return std::nullopt;
    return SubnetId{id.substr(first + 1, last - first - 1), id.substr(last + 1)};
}

bool usable_as_ifname(std::string_view id) {
    if (id.empty() || id.size() > kMaxIfName) return false;
    for (char ch : id) {
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
        if (!ok) return false;
    }
    return true;
}

// ---- Instance documents ---------------------------------------------------

// The instance id a VNet's settings name, when it is one the translator
// accepts; a bad one is left to parse_instance_config to report.
std::optional<uint32_t> explicit_instance(const Json *settings) {
    if (settings == nullptr) return std::nullopt;
    auto it = settings->find("instance");
    if (it == settings->end() || !it->is_number_unsigned()) return std::nullopt;
    uint64_t n = it->get<uint64_t>();
    if (n < 1 || n > kMaxInstance) return std::nullopt;
    return static_cast<uint32_t>(n);
}

bool names_instance(const Json *settings) {
    return settings != nullptr && settings->contains("instance");
}

std::optional<nat64::Ipv6Addr> first_gateway(const std::vector<Subnet6> &subnets) {
    for (const Subnet6 &s : subnets) {
        if (s.gateway) return s.gateway;
    }
    return std::nullopt;
}

// The first address of the first pool4 entry, when the settings' pool4
// is usable that far; otherwise the parser reports pool4 itself.
std::optional<uint32_t> first_pool4_address(const Json &doc) {
    auto pool4 = doc.find("pool4");
    if (pool4 == doc.end() || !pool4->is_array() || pool4->empty()) return std::nullopt;
    const Json &entry = pool4->front();
    if (!entry.is_object()) return std::nullopt;
    auto prefix = entry.find("prefix");
    if (prefix == entry.end() || !prefix->is_string()) return std::nullopt;
    auto p = nat64::parse_ipv4_prefix(prefix->get<std::string>());
    if (!p) return std::nullopt;
    return p->addr;
}

// One IPv4 prefix a VNet's translator answers for, with the key it came
// from (for messages).
struct Claim4 {
    std::string key;
    nat64::Ipv4Prefix prefix;
};

std::vector<Claim4> ipv4_claims(const nat64::InstanceConfig &c) {
    std::vector<Claim4> out;
    for (size_t i = 0; i < c.pool4.size(); i++) {
        out.push_back({"/pool4/" + std::to_string(i) + "/prefix", c.pool4[i].prefix});
    }
    for (size_t i = 0; i < c.eamt.size(); i++) {
        out.push_back({"/eamt/" + std::to_string(i) + "/ipv4", c.eamt[i].ipv4});
    }
    for (size_t i = 0; i < c.static_bib.size(); i++) {
        out.push_back({"/static-bib/" + std::to_string(i) + "/ipv4", {c.static_bib[i].ipv4, 32}});
    }
    return out;
}

// ---- The VNets of this node -----------------------------------------------

struct Candidate {
    VNetSpec spec;
    const Zone *zone = nullptr;
    const Json *settings = nullptr;  // its object in nat64.json, if any
    std::optional<uint32_t> instance;
    std::string error;  // non-empty: failed
    bool failed() const { return !error.empty(); }
};

class DesiredBuilder {
  public:
    DesiredBuilder(const RunningConfig &running, const Settings &settings, std::string node)
        : running_(running), settings_(settings), node_(std::move(node)) {}

    Desired build() {
        out_.version = running_.version;
        find_zones();
        find_vnets();
        attach_subnets();
        warn_about_unknown_settings();
        assign_instance_ids();
        parse_instances();
        isolate_vnets();
        collect();
        return std::move(out_);
    }

  private:
    void fail(Candidate &c, const std::string &message) {
        if (c.failed()) return;  // the first problem is the one to fix
        c.error = message;
        out_.problems.push_back({c.spec.vnet, message, false});
    }

    void warn(const std::string &vnet, const std::string &message) {
        out_.problems.push_back({vnet, message, true});
    }

    std::string vnet_message(const char *file, const Candidate &c, const std::string &why) const {
        return std::string(file) + ": vnet " + c.spec.vnet + ": " + why;
    }

    // Our zones on this node.  A bad zone is kept (with its error) so that
    // its VNets fail instead of vanishing: a vanished VNet would be torn
    // down, a failed one keeps running as it is.
    void find_zones() {
        for (const auto &[id, entry] : running_.zones.items()) {
            auto type = entry.find("type");
            if (type == entry.end() || *type != kZoneType) continue;
            Zone zone;
            auto nodes = entry.find("nodes");
            auto here =
                nodes == entry.end() ? std::optional<bool>(true) : nodes_include(*nodes, node_);
            if (!here) {
                zone.error = zone_message(id, "nodes", *nodes,
                                          "expected node names: a hash {\"pve1\": 1}, a list or "
                                          "a comma-separated string");
            } else if (!*here) {
                continue;  // pve-network skips such zones on this node too
            } else {
                zone = read_zone(id, entry);
            }
            if (!zone.error.empty()) out_.problems.push_back({"", zone.error, false});
            zones_.emplace(id, std::move(zone));
        }
    }

    void find_vnets() {
        for (const auto &[id, entry] : running_.vnets.items()) {
            auto zone_id = entry.find("zone");
            if (zone_id == entry.end() || !zone_id->is_string()) continue;
            auto zone = zones_.find(zone_id->get<std::string>());
            if (zone == zones_.end()) continue;
            Candidate &c = vnets_[id];
            c.spec.vnet = id;
            c.spec.zone = zone->first;
            c.spec.mtu = zone->second.mtu;
            c.spec.ra = zone->second.ra;
            c.spec.dns64 = zone->second.dns64;
            c.spec.dns64_server = zone->second.dns64_server;
            c.zone = &zone->second;
            if (auto s = settings_.vnets.find(id); s != settings_.vnets.end()) {
                c.settings = &s->second;
            }
            if (!zone->second.error.empty()) fail(c, zone->second.error);
            if (!usable_as_ifname(id)) {
                fail(c, std::string(kRunningConfigFile) + ": vnet " + show(id) +
                            ": a VNet id must be 1 to " + std::to_string(kMaxIfName) +
                            " characters of A-Z, a-z, 0-9, '_' and '-' (it names the "
                            "VNet's bridge)");
            }
        }
    }

    void attach_subnets() {
        for (const auto &[id, entry] : running_.subnets.items()) {
            auto vnet = entry.find("vnet");
            if (vnet == entry.end() || !vnet->is_string()) continue;
            auto c = vnets_.find(vnet->get<std::string>());
            if (c != vnets_.end()) attach_subnet(c->second, id, entry);
        }
        for (auto &[id, c] : vnets_) {
            if (!c.failed() && c.spec.subnets.empty()) {
                warn(id, std::string(kRunningConfigFile) + ": vnet " + id +
                             " has no IPv6 subnet: its VMs can only use link-local addresses");
            }
        }
    }

    void attach_subnet(Candidate &c, const std::string &id, const Json &entry) {
        auto parts = split_subnet_id(id);
        if (parts && nat64::parse_ipv4(parts->network)) {
            // The VNet carries no IPv4 at all: IPv4 reaches it through the
            // translator (pool4, EAMT), never as a subnet of its own.
            warn(c.spec.vnet,
                 vnet_message(kRunningConfigFile, c,
                              "IPv4 subnet " + id + " ignored: an ipv6only VNet carries no IPv4"));
            return;
        }
        auto prefix =
            parts ? nat64::parse_ipv6_prefix(parts->network + "/" + parts->mask) : std::nullopt;
        if (!prefix) {
            fail(c, vnet_message(kRunningConfigFile, c,
                                 "subnet " + show(id) +
                                     ": the id is not <zone>-<network>-<mask> with an IPv6 "
                                     "prefix whose host bits are zero"));
            return;
        }
        Subnet6 subnet{id, *prefix, std::nullopt};
        if (auto gw = entry.find("gateway"); gw != entry.end()) {
            auto addr = gw->is_string() ? nat64::parse_ipv6(gw->get<std::string>()) : std::nullopt;
            if (!addr) {
                fail(c, vnet_message(kRunningConfigFile, c,
                                     "subnet " + id + ": gateway " + show(*gw) +
                                         ": expected an IPv6 address"));
                return;
            }
            if (!contains(*prefix, *addr)) {
                fail(c, vnet_message(kRunningConfigFile, c,
                                     "subnet " + id + ": gateway " + show(*gw) + " is outside " +
                                         nat64::format_prefix(*prefix)));
                return;
            }
            subnet.gateway = addr;
        }
        c.spec.subnets.push_back(std::move(subnet));
    }

    void warn_about_unknown_settings() {
        for (const auto &[id, settings] : settings_.vnets) {
            if (!running_.vnets.contains(id)) {
                warn(id,
                     std::string(kSettingsFile) + ": settings for unknown vnet " + id + " ignored");
            }
        }
    }

    // Instance ids must be unique on the node (one translator instance per
    // VNet).  Failed VNets take part too, so that one VNet's typo never
    // renumbers another's running instance.
    void assign_instance_ids() {
        std::map<uint32_t, std::string> taken;  // id -> VNet
        for (auto &[id, c] : vnets_) {
            auto n = explicit_instance(c.settings);
            if (!n) continue;
            auto [it, fresh] = taken.emplace(*n, id);
            if (fresh) {
                c.instance = n;
            } else {
                fail(c, vnet_message(kSettingsFile, c,
                                     "/instance: " + std::to_string(*n) +
                                         " is already the instance of vnet " + it->second));
            }
        }
        for (auto &[id, c] : vnets_) {
            if (names_instance(c.settings)) continue;
            uint32_t n = default_instance_id(id);
            while (taken.contains(n))
                n = n == kMaxDefaultInstance ? 1 : n + 1;
            taken.emplace(n, id);
            c.instance = n;
        }
    }

    Json instance_document(const Candidate &c) const {
        Json doc = c.settings != nullptr ? *c.settings : Json::object();
        auto fill = [&doc](const char *key, Json value) {
            if (!doc.contains(key)) doc[key] = std::move(value);
        };
        if (c.instance) fill("instance", *c.instance);
        fill("pool6", c.zone->pool6);
        if (auto gw = first_gateway(c.spec.subnets)) fill("router-ipv6", nat64::format_ipv6(*gw));
        if (auto a = first_pool4_address(doc)) fill("router-ipv4", nat64::format_ipv4(*a));
        fill("ipv4-mtu", c.zone->mtu);
        fill("ipv6-mtu", c.zone->mtu);
        return doc;
    }

    void parse_instances() {
        for (auto &[id, c] : vnets_) {
            if (c.failed()) continue;
            if (auto dup = settings_.duplicate_keys.find(id);
                dup != settings_.duplicate_keys.end()) {
                fail(c, vnet_message(kSettingsFile, c, dup->second + ": duplicate key"));
                continue;
            }
            try {
                c.spec.instance = nat64::parse_instance_config(instance_document(c).dump());
            } catch (const nat64::ConfigError &e) {
                fail(c, vnet_message(kSettingsFile, c, e.what()));
            }
        }
    }

    std::optional<std::string> ipv6_conflict(const Candidate &c, const Candidate &earlier) const {
        for (const Subnet6 &mine : c.spec.subnets) {
            for (const Subnet6 &theirs : earlier.spec.subnets) {
                if (!overlap(mine.prefix, theirs.prefix)) continue;
                return vnet_message(kRunningConfigFile, c,
                                    "subnet " + nat64::format_prefix(mine.prefix) + " (" + mine.id +
                                        ") overlaps subnet " + nat64::format_prefix(theirs.prefix) +
                                        " (" + theirs.id + ") of vnet " + earlier.spec.vnet);
            }
        }
        return std::nullopt;
    }

    std::optional<std::string> ipv4_conflict(const Candidate &c, const Candidate &earlier) const {
        std::vector<Claim4> theirs = ipv4_claims(earlier.spec.instance);
        for (const Claim4 &m : ipv4_claims(c.spec.instance)) {
            for (const Claim4 &t : theirs) {
                if (!overlap(m.prefix, t.prefix)) continue;
                return vnet_message(kSettingsFile, c,
                                    m.key + " " + nat64::format_prefix(m.prefix) + " overlaps " +
                                        t.key + " " + nat64::format_prefix(t.prefix) + " of vnet " +
                                        earlier.spec.vnet);
            }
        }
        return std::nullopt;
    }

    // Two VNets of one node must never route the same IPv4 address (the
    // host routes of both would point at different translators) nor claim
    // the same IPv6 space.  In id order, the later VNet gives way.
    void isolate_vnets() {
        std::vector<const Candidate *> accepted;
        for (auto &[id, c] : vnets_) {
            if (c.failed()) continue;
            for (const Candidate *earlier : accepted) {
                auto conflict = ipv6_conflict(c, *earlier);
                if (!conflict) conflict = ipv4_conflict(c, *earlier);
                if (conflict) {
                    fail(c, *conflict);
                    break;
                }
            }
            if (!c.failed()) accepted.push_back(&c);
        }
    }

    void collect() {
        for (auto &[id, c] : vnets_) {
            if (c.failed()) {
                out_.failed.emplace(id, c.error);
            } else {
                out_.vnets.emplace(id, std::move(c.spec));
            }
        }
    }

    const RunningConfig &running_;
    const Settings &settings_;
    std::string node_;
    std::map<std::string, Zone> zones_;
    std::map<std::string, Candidate> vnets_;
    Desired out_;
};

// ---- Files ----------------------------------------------------------------

// The whole file, or nullopt when it does not exist.
std::optional<std::string> read_if_present(const std::filesystem::path &path, const char *name) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return std::nullopt;
        throw file_error(name, "cannot open " + path.string() + ": " + std::strerror(errno));
    }
    std::string text;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
            text.append(buf, static_cast<size_t>(n));
        } else if (n == 0) {
            break;
        } else if (errno != EINTR) {
            int err = errno;
            ::close(fd);
            throw file_error(name, "cannot read " + path.string() + ": " + std::strerror(err));
        }
    }
    ::close(fd);
    return text;
}

// A missing directory is not "no SDN configuration": /etc/pve is a FUSE
// mount (pmxcfs), and while it is down the directory is simply not there.
// Reading that as "no VNets" would tear every VNet down.
void require_directory(const std::filesystem::path &dir) {
    std::error_code ec;
    std::filesystem::file_status st = std::filesystem::status(dir, ec);
    if (st.type() == std::filesystem::file_type::directory) return;
    std::string why = st.type() == std::filesystem::file_type::not_found ? "no such directory"
                      : ec                                               ? ec.message()
                                                                         : "not a directory";
    throw file_error(kRunningConfigFile, "cannot read " + dir.string() + ": " + why);
}

}  // namespace

std::string this_node() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
    std::string h(buf);
    return h.substr(0, h.find('.'));
}

std::optional<std::string> node_of_zone(const Json &zone, const std::string &preferred) {
    if (!zone.is_object() || !zone.contains("nodes")) return preferred;
    const Json &nodes = zone["nodes"];
    std::vector<std::string> names{preferred};
    if (nodes.is_object()) {
        for (const auto &[name, v] : nodes.items())
            names.push_back(name);
    } else if (nodes.is_string()) {
        for (auto &n : split_node_list(nodes.get<std::string>()))
            names.push_back(n);
    } else if (nodes.is_array()) {
        for (const Json &n : nodes) {
            if (n.is_string()) names.push_back(n.get<std::string>());
        }
    }
    for (const auto &n : names) {
        if (nodes_include(nodes, n).value_or(false)) return n;
    }
    return std::nullopt;
}

uint32_t default_instance_id(std::string_view vnet) {
    uint32_t h = 2166136261u;  // FNV-1a offset basis
    for (unsigned char ch : vnet) {
        h ^= ch;
        h *= 16777619u;  // FNV prime
    }
    // 1..2^31-1: never 0 (not an instance id), and the ids above 2^31 are
    // left to operators who pick their own.
    return h % kMaxDefaultInstance + 1;
}

Desired build_desired(const std::optional<std::string> &running_config,
                      const std::optional<std::string> &settings, const std::string &node) {
    RunningConfig running = parse_running_config(running_config);
    Settings parsed = parse_settings(settings);
    return DesiredBuilder(running, parsed, node).build();
}

Desired load_desired(const std::filesystem::path &dir, const std::string &node) {
    require_directory(dir);
    auto running = read_if_present(dir / kRunningConfigFile, kRunningConfigFile);
    auto settings = read_if_present(dir / kSettingsFile, kSettingsFile);
    return build_desired(running, settings, node);
}

}  // namespace nat64d
