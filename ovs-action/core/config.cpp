// The instance configuration document (shared/design.md, "Instance
// configuration document"): JSON text <-> InstanceConfig.
//
// Every key is declared once, in kFields, with its parser and formatter, in
// the order of the design note; to_json writes that order and the parser
// checks keys in that order, so the first error reported does not depend on
// how the operator happened to order the document.  Validation is complete:
// whatever parses is a configuration the translator can run as is.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "nat64/config.hpp"
#include "packet.hpp"
#include "rfc6052.hpp"
#include "text.hpp"

namespace nat64 {
namespace {

// ordered_json keeps members in insertion order, which to_json needs and
// which makes unknown-key errors follow the document.
using Json = nlohmann::ordered_json;

// Our documents nest four levels deep (pool4 -> entry -> protocols).  The
// limit keeps hostile input from driving the recursive parts of the JSON
// library (dump, comparison) into the stack guard.
constexpr size_t kMaxDepth = 16;
// Offending values are quoted in error messages; a megabyte of array is not
// useful there.
constexpr size_t kMaxValueText = 200;

constexpr uint64_t kU32Max = std::numeric_limits<uint32_t>::max();
// 2^26 sessions: the session tables reserve about 200 bytes of address
// space per session (committed only when used).
constexpr uint64_t kMaxSessions = uint64_t{1} << 26;
constexpr size_t kMaxStaticBib = 65536;

// ---------------------------------------------------------------------------
// Error reporting: JSON pointers (RFC 6901) and dumped values.

std::string child(const std::string &ptr, std::string_view key) {
    return ptr + "/" + pointer_token(key);
}
std::string child(const std::string &ptr, size_t index) {
    return ptr + "/" + std::to_string(index);
}

std::string dump_value(const Json &v) {
    return json_excerpt(v, kMaxValueText);
}

[[noreturn]] void fail(const std::string &ptr, const Json &v, const std::string &why) {
    throw ConfigError(ptr, dump_value(v), why);
}

// A key that is required but absent has no value to quote.
[[noreturn]] void fail_missing(const std::string &ptr) {
    throw ConfigError(ptr, "", "required key missing");
}

// ---------------------------------------------------------------------------
// Reading the document.

// The library's own DOM builder, driven as a SAX handler, plus two checks
// it does not make: duplicate keys (it silently keeps the last one, so an
// operator editing a long document could lose a setting without noticing)
// and nesting depth.  (Not the library's parse callback: its end-of-object
// step rescans the enclosing array, which made a 65536-entry static-bib
// list take seconds.)
class DocumentReader : public nlohmann::detail::json_sax_dom_parser<Json> {
    using Base = nlohmann::detail::json_sax_dom_parser<Json>;

  public:
    explicit DocumentReader(Json &result) : Base(result, true) {}

    bool start_object(std::size_t n) {
        open(true);
        return Base::start_object(n);
    }
    bool start_array(std::size_t n) {
        open(false);
        return Base::start_array(n);
    }
    bool key(string_t &k) {
        Frame &f = stack_.back();
        f.key = k;
        if (!f.seen.insert(k).second) throw ConfigError(pointer(), "", "duplicate key");
        return Base::key(k);
    }
    bool end_object() {
        stack_.pop_back();
        return done(Base::end_object());
    }
    bool end_array() {
        stack_.pop_back();
        return done(Base::end_array());
    }
    bool null() { return done(Base::null()); }
    bool boolean(bool v) { return done(Base::boolean(v)); }
    bool number_integer(number_integer_t v) { return done(Base::number_integer(v)); }
    bool number_unsigned(number_unsigned_t v) { return done(Base::number_unsigned(v)); }
    bool number_float(number_float_t v, const string_t &s) {
        return done(Base::number_float(v, s));
    }
    bool string(string_t &v) { return done(Base::string(v)); }
    bool binary(binary_t &v) { return done(Base::binary(v)); }

  private:
    struct Frame {
        bool object;
        size_t index = 0;  // arrays: the element being parsed
        std::string key;   // objects: the member being parsed
        std::set<std::string> seen;
    };

    void open(bool object) {
        if (stack_.size() >= kMaxDepth) throw ConfigError(pointer(), "", "nested too deeply");
        stack_.push_back(Frame{object, 0, {}, {}});
    }
    // A value is complete: the enclosing array moves to its next element.
    bool done(bool ok) {
        if (!stack_.empty() && !stack_.back().object) stack_.back().index++;
        return ok;
    }
    std::string pointer() const {
        std::string p;
        for (const Frame &f : stack_)
            p = f.object ? child(p, f.key) : child(p, f.index);
        return p;
    }

    std::vector<Frame> stack_;
};

Json parse_document(std::string_view text) {
    try {
        Json doc;
        DocumentReader reader(doc);
        Json::sax_parse(text.begin(), text.end(), &reader);
        return doc;
    } catch (const nlohmann::json::exception &e) {
        // Drop the library's "[json.exception.parse_error.101] " tag; the
        // rest ("parse error at line 1, column 5: ...") is for the operator.
        std::string why = e.what();
        if (size_t tag_end = why.find("] "); why.starts_with("[json.") && tag_end != why.npos) {
            why.erase(0, tag_end + 2);
        }
        throw ConfigError("", "", why);
    }
}

const Json *find(const Json &obj, std::string_view key) {
    auto it = obj.find(std::string(key));
    return it == obj.end() ? nullptr : &*it;
}

const Json &required(const Json &obj, const std::string &ptr, std::string_view key) {
    const Json *v = find(obj, key);
    if (v == nullptr) fail_missing(child(ptr, key));
    return *v;
}

void need_object(const Json &v, const std::string &ptr,
                 std::initializer_list<std::string_view> allowed) {
    if (!v.is_object()) fail(ptr, v, "expected an object");
    for (const auto &[key, value] : v.items()) {
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
            fail(child(ptr, key), value, "unknown key");
        }
    }
}

const Json &need_array(const Json &v, const std::string &ptr) {
    if (!v.is_array()) fail(ptr, v, "expected an array");
    return v;
}

const std::string &need_string(const Json &v, const std::string &ptr) {
    if (!v.is_string()) fail(ptr, v, "expected a string");
    return v.get_ref<const std::string &>();
}

bool need_bool(const Json &v, const std::string &ptr) {
    if (!v.is_boolean()) fail(ptr, v, "expected true or false");
    return v.get<bool>();
}

// 'why' replaces the generic out-of-range message where a rule has a source.
uint64_t need_uint(const Json &v, const std::string &ptr, uint64_t min, uint64_t max,
                   const char *why = nullptr) {
    if (!v.is_number_integer()) fail(ptr, v, "expected an integer");
    // The library stores non-negative integers as unsigned, negative ones
    // as signed.
    if (v.is_number_unsigned()) {
        uint64_t u = v.get<uint64_t>();
        if (u >= min && u <= max) return u;
    }
    if (why != nullptr) fail(ptr, v, why);
    fail(ptr, v, "must be from " + std::to_string(min) + " to " + std::to_string(max));
}

Ipv6Addr ipv6_masked(Ipv6Addr a, unsigned len) {
    for (unsigned i = 0; i < 16; i++) {
        unsigned first_bit = i * 8;
        unsigned keep = len >= first_bit + 8 ? 8 : (len > first_bit ? len - first_bit : 0);
        a.b[i] &= static_cast<uint8_t>(keep == 0 ? 0 : 0xff << (8 - keep));
    }
    return a;
}

// ---------------------------------------------------------------------------
// Addresses and prefixes.  parse_*_prefix only says "malformed"; the
// operator deserves to know which part is wrong, and for the commonest typo
// (host bits set) what the prefix would have been.

struct PrefixParts {
    std::string_view addr;
    std::optional<uint32_t> len;  // nullopt: bad length text
};

PrefixParts split_prefix(std::string_view s, uint32_t max_len) {
    size_t slash = s.find('/');
    if (slash == std::string_view::npos) return {s, max_len};
    return {s.substr(0, slash), parse_decimal(s.substr(slash + 1), max_len)};
}

std::string why_bad_ipv4_prefix(std::string_view s) {
    PrefixParts parts = split_prefix(s, 32);
    auto addr = parse_ipv4(parts.addr);
    if (!addr) return "expected an IPv4 prefix such as \"192.0.2.0/24\"";
    if (!parts.len) return "prefix length must be from 0 to 32";
    Ipv4Prefix fixed{*addr & ipv4_mask(*parts.len), static_cast<uint8_t>(*parts.len)};
    return "host bits are set (did you mean \"" + format_prefix(fixed) + "\"?)";
}

std::string why_bad_ipv6_prefix(std::string_view s) {
    PrefixParts parts = split_prefix(s, 128);
    auto addr = parse_ipv6(parts.addr);
    if (!addr) return "expected an IPv6 prefix such as \"2001:db8::/32\"";
    if (!parts.len) return "prefix length must be from 0 to 128";
    Ipv6Prefix fixed{ipv6_masked(*addr, *parts.len), static_cast<uint8_t>(*parts.len)};
    return "host bits are set (did you mean \"" + format_prefix(fixed) + "\"?)";
}

Ipv4Prefix need_ipv4_prefix(const Json &v, const std::string &ptr) {
    const std::string &s = need_string(v, ptr);
    auto p = parse_ipv4_prefix(s);
    if (!p) fail(ptr, v, why_bad_ipv4_prefix(s));
    return *p;
}

Ipv6Prefix need_ipv6_prefix(const Json &v, const std::string &ptr) {
    const std::string &s = need_string(v, ptr);
    auto p = parse_ipv6_prefix(s);
    if (!p) fail(ptr, v, why_bad_ipv6_prefix(s));
    return *p;
}

uint32_t need_ipv4(const Json &v, const std::string &ptr) {
    auto a = parse_ipv4(need_string(v, ptr));
    if (!a) fail(ptr, v, "expected an IPv4 address such as \"192.0.2.1\"");
    return *a;
}

Ipv6Addr need_ipv6(const Json &v, const std::string &ptr) {
    auto a = parse_ipv6(need_string(v, ptr));
    if (!a) fail(ptr, v, "expected an IPv6 address such as \"2001:db8::1\"");
    return *a;
}

bool ipv4_overlap(const Ipv4Prefix &a, const Ipv4Prefix &b) {
    return ((a.addr ^ b.addr) & ipv4_mask(std::min(a.len, b.len))) == 0;
}

bool ipv4_contains(const Ipv4Prefix &p, uint32_t a) {
    return ((a ^ p.addr) & ipv4_mask(p.len)) == 0;
}

// ---------------------------------------------------------------------------
// pool6 (RFC 6052 §2.2).

Ipv6Prefix need_pool6(const Json &v, const std::string &ptr) {
    const std::string &s = need_string(v, ptr);
    // Length and u-octet first: they name the RFC 6052 rule, which is more
    // telling than "host bits are set" for the same text.
    PrefixParts parts = split_prefix(s, 128);
    auto addr = parse_ipv6(parts.addr);
    if (addr && parts.len) {
        if (!rfc6052_valid_length(*parts.len)) {
            fail(ptr, v, "RFC 6052 §2.2 allows prefix lengths 32, 40, 48, 56, 64 and 96 only");
        }
        // Bits 64..71 carry no IPv4 bits in any of the formats and must be
        // zero (RFC 6052 §2.2); with /96 they belong to the prefix itself.
        if (*parts.len < 96 && addr->b[8] != 0) {
            fail(ptr, v, "bits 64..71 (the u-octet) must be zero (RFC 6052 §2.2)");
        }
    }
    return need_ipv6_prefix(v, ptr);
}

// ---------------------------------------------------------------------------
// EAMT (RFC 7757).

EamtEntry parse_eamt_object(const Json &v, const std::string &ptr) {
    need_object(v, ptr, {"ipv6", "ipv4"});
    EamtEntry e;
    e.ipv6 = need_ipv6_prefix(required(v, ptr, "ipv6"), child(ptr, "ipv6"));
    e.ipv4 = need_ipv4_prefix(required(v, ptr, "ipv4"), child(ptr, "ipv4"));
    // RFC 7757 §3.2: the suffixes map bit for bit, so they must be equally
    // long.
    if (128 - e.ipv6.len != 32 - e.ipv4.len) {
        fail(ptr, v,
             "the IPv6 and IPv4 prefixes must leave the same number of suffix bits "
             "(RFC 7757 §3.2)");
    }
    return e;
}

void parse_eamt(InstanceConfig &c, const Json &v, const std::string &ptr) {
    need_array(v, ptr);
    std::map<Ipv6Prefix, size_t> seen6;
    std::map<Ipv4Prefix, size_t> seen4;
    c.eamt.clear();
    for (size_t i = 0; i < v.size(); i++) {
        std::string p = child(ptr, i);
        EamtEntry e = parse_eamt_object(v[i], p);
        // Two entries for one prefix would make the mapping ambiguous in
        // one direction (RFC 7757 §3.3 finds a single longest match).
        if (auto [it, fresh] = seen6.emplace(e.ipv6, i); !fresh) {
            fail(child(p, "ipv6"), v[i]["ipv6"],
                 "duplicate of " + child(child(ptr, it->second), "ipv6"));
        }
        if (auto [it, fresh] = seen4.emplace(e.ipv4, i); !fresh) {
            fail(child(p, "ipv4"), v[i]["ipv4"],
                 "duplicate of " + child(child(ptr, it->second), "ipv4"));
        }
        c.eamt.push_back(e);
    }
}

Json format_eamt_entry(const EamtEntry &e) {
    Json j = Json::object();
    j["ipv6"] = format_prefix(e.ipv6);
    j["ipv4"] = format_prefix(e.ipv4);
    return j;
}

// ---------------------------------------------------------------------------
// pool4 and static BIB (RFC 6146 §3.1, §3.5).

constexpr std::string_view kProtocolNames[] = {"tcp", "udp", "icmp"};

std::optional<Protocol> protocol_from_name(std::string_view s) {
    for (size_t i = 0; i < std::size(kProtocolNames); i++) {
        if (s == kProtocolNames[i]) return static_cast<Protocol>(i);
    }
    return std::nullopt;
}

std::string_view protocol_name(Protocol p) {
    return kProtocolNames[static_cast<size_t>(p)];
}

bool pool4_has(const Pool4Entry &e, Protocol p) {
    switch (p) {
        case Protocol::tcp:
            return e.tcp;
        case Protocol::udp:
            return e.udp;
        case Protocol::icmp:
            return e.icmp;
    }
    return false;
}

void parse_ports(Pool4Entry &e, const Json &v, const std::string &ptr) {
    const std::string &s = need_string(v, ptr);
    std::string_view sv = s;
    size_t dash = sv.find('-');
    auto lo = parse_decimal(sv.substr(0, dash), 65535);
    auto hi = dash == sv.npos ? lo : parse_decimal(sv.substr(dash + 1), 65535);
    if (!lo || !hi || *lo == 0 || *hi == 0) {
        fail(ptr, v, "expected a port range such as \"1024-65535\" or a single port, 1 to 65535");
    }
    if (*lo > *hi) fail(ptr, v, "the range is empty: the first port is above the last");
    e.port_min = static_cast<uint16_t>(*lo);
    e.port_max = static_cast<uint16_t>(*hi);
}

void parse_protocols(Pool4Entry &e, const Json &v, const std::string &ptr) {
    need_array(v, ptr);
    if (v.empty()) fail(ptr, v, "must name at least one protocol");
    e.tcp = e.udp = e.icmp = false;
    for (size_t i = 0; i < v.size(); i++) {
        std::string p = child(ptr, i);
        auto proto = protocol_from_name(need_string(v[i], p));
        if (!proto) fail(p, v[i], "expected \"tcp\", \"udp\" or \"icmp\"");
        bool *flag = *proto == Protocol::tcp ? &e.tcp : *proto == Protocol::udp ? &e.udp : &e.icmp;
        if (*flag) fail(p, v[i], "protocol listed twice");
        *flag = true;
    }
}

// "This network", loopback, link local, multicast and 240/4 (RFC 6890).
constexpr Ipv4Prefix kNeverPool4[] = {
    {0x00000000, 8}, {0x7f000000, 8}, {0xa9fe0000, 16}, {0xe0000000, 3}};

void parse_pool4(InstanceConfig &c, const Json &v, const std::string &ptr) {
    need_array(v, ptr);
    c.pool4.clear();
    for (size_t i = 0; i < v.size(); i++) {
        std::string p = child(ptr, i);
        need_object(v[i], p, {"prefix", "ports", "protocols"});
        Pool4Entry e;
        e.prefix = need_ipv4_prefix(required(v[i], p, "prefix"), child(p, "prefix"));
        if (const Json *ports = find(v[i], "ports")) parse_ports(e, *ports, child(p, "ports"));
        if (const Json *protos = find(v[i], "protocols")) {
            parse_protocols(e, *protos, child(p, "protocols"));
        }
        // pool4 addresses are the translator's public side: never RFC 6890
        // space a host treats as its own or as multicast.
        for (const Ipv4Prefix &r : kNeverPool4) {
            if (ipv4_overlap(e.prefix, r)) {
                fail(child(p, "prefix"), v[i]["prefix"],
                     "overlaps " + format_prefix(r) +
                         ", which is reserved (RFC 6890) and never a pool4 address");
            }
        }
        // A transport address in two entries would belong to two port
        // ranges at once; refuse rather than pick one.  Quadratic, but
        // pool4 has a handful of entries.
        for (size_t k = 0; k < c.pool4.size(); k++) {
            const Pool4Entry &o = c.pool4[k];
            bool same_proto = (e.tcp && o.tcp) || (e.udp && o.udp) || (e.icmp && o.icmp);
            bool ports_meet = e.port_min <= o.port_max && o.port_min <= e.port_max;
            if (same_proto && ports_meet && ipv4_overlap(e.prefix, o.prefix)) {
                fail(p, v[i], "overlaps " + child(ptr, k));
            }
        }
        c.pool4.push_back(e);
    }
}

Json format_pool4_entry(const Pool4Entry &e) {
    Json j = Json::object();
    j["prefix"] = format_prefix(e.prefix);
    j["ports"] = std::to_string(e.port_min) + "-" + std::to_string(e.port_max);
    Json protos = Json::array();
    for (Protocol p : {Protocol::tcp, Protocol::udp, Protocol::icmp}) {
        if (pool4_has(e, p)) protos.push_back(std::string(protocol_name(p)));
    }
    j["protocols"] = std::move(protos);
    return j;
}

// "ADDR#PORT", the notation Jool uses for transport addresses; the IPv6
// address may also be bracketed ("[2001:db8::5]#2000").  Splits at the last
// '#'.
struct TransportText {
    std::string_view addr;
    std::optional<uint32_t> port;
};

TransportText split_transport(std::string_view s, bool brackets) {
    size_t hash = s.rfind('#');
    if (hash == std::string_view::npos) return {s, std::nullopt};
    std::string_view addr = s.substr(0, hash);
    if (brackets && addr.size() >= 2 && addr.front() == '[' && addr.back() == ']') {
        addr = addr.substr(1, addr.size() - 2);
    }
    return {addr, parse_decimal(s.substr(hash + 1), 65535)};
}

void parse_static_bib(InstanceConfig &c, const Json &v, const std::string &ptr) {
    need_array(v, ptr);
    // RFC 6146 §3.1: a BIB is a one-to-one mapping per protocol, so neither
    // side of an entry may repeat.
    std::map<std::tuple<Protocol, Ipv6Addr, uint16_t>, size_t> seen6;
    std::map<std::tuple<Protocol, uint32_t, uint16_t>, size_t> seen4;
    // The BIB reserves this many entries for static ones (state.hpp).
    if (v.size() > kMaxStaticBib) {
        fail(ptr, Json(v.size()), "at most " + std::to_string(kMaxStaticBib) + " entries");
    }
    c.static_bib.clear();
    for (size_t i = 0; i < v.size(); i++) {
        std::string p = child(ptr, i);
        const Json &item = v[i];
        need_object(item, p, {"protocol", "ipv6", "ipv4"});
        StaticBibEntry e;

        const Json &jproto = required(item, p, "protocol");
        auto proto = protocol_from_name(need_string(jproto, child(p, "protocol")));
        if (!proto) fail(child(p, "protocol"), jproto, "expected \"tcp\", \"udp\" or \"icmp\"");
        e.protocol = *proto;
        // Port 0 is not a TCP or UDP endpoint; ICMP identifier 0 is fine.
        uint32_t min_port = e.protocol == Protocol::icmp ? 0 : 1;

        const Json &j6 = required(item, p, "ipv6");
        std::string p6 = child(p, "ipv6");
        TransportText t6 = split_transport(need_string(j6, p6), true);
        auto a6 = parse_ipv6(t6.addr);
        if (!a6 || !t6.port || *t6.port < min_port) {
            fail(p6, j6, "expected an IPv6 transport address such as \"2001:db8::5#2000\"");
        }
        e.ipv6 = *a6;
        e.port6 = static_cast<uint16_t>(*t6.port);

        const Json &j4 = required(item, p, "ipv4");
        std::string p4 = child(p, "ipv4");
        TransportText t4 = split_transport(need_string(j4, p4), false);
        auto a4 = parse_ipv4(t4.addr);
        if (!a4 || !t4.port || *t4.port < min_port) {
            fail(p4, j4, "expected an IPv4 transport address such as \"192.0.2.2#2000\"");
        }
        e.ipv4 = *a4;
        e.port4 = static_cast<uint16_t>(*t4.port);

        // The IPv4 side must be one the translator owns for this protocol
        // (RFC 6146 §3.5 allocates BIB IPv4 transport addresses from pool4).
        bool in_pool4 = std::any_of(c.pool4.begin(), c.pool4.end(), [&](const Pool4Entry &pe) {
            return pool4_has(pe, e.protocol) && ipv4_contains(pe.prefix, e.ipv4) &&
                   e.port4 >= pe.port_min && e.port4 <= pe.port_max;
        });
        if (!in_pool4) {
            fail(p4, j4,
                 "not inside any pool4 entry for " + std::string(protocol_name(e.protocol)));
        }

        if (auto [it, fresh] = seen6.emplace(std::tuple{e.protocol, e.ipv6, e.port6}, i); !fresh) {
            fail(p6, j6, "same IPv6 transport address as " + child(ptr, it->second));
        }
        if (auto [it, fresh] = seen4.emplace(std::tuple{e.protocol, e.ipv4, e.port4}, i); !fresh) {
            fail(p4, j4, "same IPv4 transport address as " + child(ptr, it->second));
        }
        c.static_bib.push_back(e);
    }
}

Json format_bib_entry(const StaticBibEntry &e) {
    Json j = Json::object();
    j["protocol"] = std::string(protocol_name(e.protocol));
    j["ipv6"] = format_ipv6(e.ipv6) + "#" + std::to_string(e.port6);
    j["ipv4"] = format_ipv4(e.ipv4) + "#" + std::to_string(e.port4);
    return j;
}

// ---------------------------------------------------------------------------
// Timeouts (RFC 6146 §4).

struct TimeoutField {
    std::string_view name;
    uint32_t Timeouts::*member;
    uint32_t min;     // lower bound, seconds
    const char *why;  // for values out of range
};

constexpr TimeoutField kTimeoutFields[] = {
    {"udp", &Timeouts::udp, 120,
     "must be at least 120 seconds (UDP_MIN, RFC 6146 §4) and fit in 32 bits"},
    {"tcp-est", &Timeouts::tcp_est, 7440,
     "must be at least 7440 seconds (2 h 4 min: TCP_EST, RFC 6146 §4, RFC 5382 REQ-5) and fit in "
     "32 bits"},
    {"tcp-trans", &Timeouts::tcp_trans, 240,
     "must be at least 240 seconds (TCP_TRANS, RFC 6146 §4) and fit in 32 bits"},
    // RFC 6146 §4 gives ICMP_DEFAULT (60 s) but no minimum; 0 would expire
    // every query session before its reply could arrive.
    {"icmp", &Timeouts::icmp, 1, "must be at least 1 second and fit in 32 bits"},
};

void parse_timeouts(InstanceConfig &c, const Json &v, const std::string &ptr) {
    need_object(v, ptr, {"udp", "tcp-est", "tcp-trans", "icmp"});
    for (const TimeoutField &f : kTimeoutFields) {
        if (const Json *t = find(v, f.name)) {
            c.timeouts.*f.member =
                static_cast<uint32_t>(need_uint(*t, child(ptr, f.name), f.min, kU32Max, f.why));
        }
    }
}

Json format_timeouts(const InstanceConfig &c) {
    Json j = Json::object();
    for (const TimeoutField &f : kTimeoutFields)
        j[std::string(f.name)] = c.timeouts.*f.member;
    return j;
}

// ---------------------------------------------------------------------------
// The document's keys.

struct Field {
    std::string_view name;
    bool required;
    void (*parse)(InstanceConfig &c, const Json &v, const std::string &ptr);
    Json (*format)(const InstanceConfig &c);
};

template <auto M>
using MemberType = std::remove_cvref_t<decltype(std::declval<InstanceConfig &>().*M)>;

template <auto M, uint64_t Min, uint64_t Max>
constexpr Field uint_field(std::string_view name, bool required = false) {
    return {name, required,
            [](InstanceConfig &c, const Json &v, const std::string &p) {
                c.*M = static_cast<MemberType<M>>(need_uint(v, p, Min, Max));
            },
            [](const InstanceConfig &c) { return Json(c.*M); }};
}

template <bool InstanceConfig::*M>
constexpr Field bool_field(std::string_view name) {
    return {name, false,
            [](InstanceConfig &c, const Json &v, const std::string &p) { c.*M = need_bool(v, p); },
            [](const InstanceConfig &c) { return Json(c.*M); }};
}

template <auto M, auto Parse, auto Format>
constexpr Field nullable_field(std::string_view name) {
    return {name, false,
            [](InstanceConfig &c, const Json &v, const std::string &p) {
                if (v.is_null()) {
                    c.*M = std::nullopt;
                } else {
                    c.*M = Parse(v, p);
                }
            },
            [](const InstanceConfig &c) { return c.*M ? Json(Format(*(c.*M))) : Json(nullptr); }};
}

std::string fmt_prefix4(const Ipv4Prefix &p) {
    return format_prefix(p);
}
std::string fmt_prefix6(const Ipv6Prefix &p) {
    return format_prefix(p);
}

// Hairpinning of EAMT-translated traffic (RFC 7757 describes the cases),
// by Jool's names and numbers.
constexpr std::string_view kHairpinNames[] = {"off", "simple", "intrinsic"};

void parse_hairpin(InstanceConfig &c, const Json &v, const std::string &ptr) {
    if (v.is_number_integer()) {
        c.eam_hairpin_mode = static_cast<HairpinMode>(need_uint(v, ptr, 0, 2));
        return;
    }
    if (v.is_string()) {
        for (size_t i = 0; i < std::size(kHairpinNames); i++) {
            if (v.get_ref<const std::string &>() == kHairpinNames[i]) {
                c.eam_hairpin_mode = static_cast<HairpinMode>(i);
                return;
            }
        }
    }
    fail(ptr, v, "expected \"off\", \"simple\" or \"intrinsic\"");
}

void parse_plateaus(InstanceConfig &c, const Json &v, const std::string &ptr) {
    need_array(v, ptr);
    if (v.empty()) fail(ptr, v, "must list at least one MTU");
    std::vector<uint16_t> plateaus;
    for (size_t i = 0; i < v.size(); i++) {
        plateaus.push_back(static_cast<uint16_t>(need_uint(v[i], child(ptr, i), 68, 65535)));
    }
    // RFC 1191 §7 searches the table from the top; keep it sorted that way
    // and without repeats, whatever order the operator wrote.
    std::sort(plateaus.begin(), plateaus.end(), std::greater<>());
    plateaus.erase(std::unique(plateaus.begin(), plateaus.end()), plateaus.end());
    c.mtu_plateaus = std::move(plateaus);
}

void parse_denylist4(InstanceConfig &c, const Json &v, const std::string &ptr) {
    need_array(v, ptr);
    c.denylist4.clear();
    for (size_t i = 0; i < v.size(); i++) {
        c.denylist4.push_back(need_ipv4_prefix(v[i], child(ptr, i)));
    }
}

template <class T, class F>
Json json_array(const std::vector<T> &items, F format) {
    Json a = Json::array();
    for (const T &item : items)
        a.push_back(format(item));
    return a;
}

constexpr Field kFields[] = {
    uint_field<&InstanceConfig::instance, 1, kU32Max>("instance", true),
    nullable_field<&InstanceConfig::pool6, need_pool6, fmt_prefix6>("pool6"),
    {"eamt", false, parse_eamt,
     [](const InstanceConfig &c) { return json_array(c.eamt, format_eamt_entry); }},
    {"denylist4", false, parse_denylist4,
     [](const InstanceConfig &c) { return json_array(c.denylist4, fmt_prefix4); }},
    // RFC 6791: sources for ICMP errors whose IPv4 source is untranslatable.
    nullable_field<&InstanceConfig::pool6791v4, need_ipv4_prefix, fmt_prefix4>("pool6791v4"),
    nullable_field<&InstanceConfig::pool6791v6, need_ipv6_prefix, fmt_prefix6>("pool6791v6"),
    nullable_field<&InstanceConfig::router_ipv4, need_ipv4, format_ipv4>("router-ipv4"),
    nullable_field<&InstanceConfig::router_ipv6, need_ipv6, format_ipv6>("router-ipv6"),
    // RFC 791: every IPv4 link carries 68 octets; RFC 8200 §5: every
    // IPv6 link carries 1280.
    uint_field<&InstanceConfig::ipv4_mtu, 68, 65535>("ipv4-mtu"),
    uint_field<&InstanceConfig::ipv6_mtu, 1280, 65535>("ipv6-mtu"),
    uint_field<&InstanceConfig::lowest_ipv6_mtu, 1280, 65535>("lowest-ipv6-mtu"),
    {"mtu-plateaus", false, parse_plateaus,
     [](const InstanceConfig &c) { return Json(c.mtu_plateaus); }},
    bool_field<&InstanceConfig::amend_udp_checksum_zero>("amend-udp-checksum-zero"),
    bool_field<&InstanceConfig::zeroize_traffic_class>("zeroize-traffic-class"),
    bool_field<&InstanceConfig::override_tos>("override-tos"),
    uint_field<&InstanceConfig::tos, 0, 255>("tos"),
    {"eam-hairpin-mode", false, parse_hairpin,
     [](const InstanceConfig &c) {
         return Json(std::string(kHairpinNames[static_cast<size_t>(c.eam_hairpin_mode)]));
     }},
    bool_field<&InstanceConfig::randomize_rfc6791_addresses>("randomize-rfc6791-addresses"),
    {"pool4", false, parse_pool4,
     [](const InstanceConfig &c) { return json_array(c.pool4, format_pool4_entry); }},
    // After pool4: static BIB entries are checked against it.
    {"static-bib", false, parse_static_bib,
     [](const InstanceConfig &c) { return json_array(c.static_bib, format_bib_entry); }},
    {"timeouts", false, parse_timeouts, format_timeouts},
    bool_field<&InstanceConfig::address_dependent_filtering>("address-dependent-filtering"),
    bool_field<&InstanceConfig::drop_externally_initiated_tcp>("drop-externally-initiated-tcp"),
    bool_field<&InstanceConfig::drop_icmpv6_info>("drop-icmpv6-info"),
    bool_field<&InstanceConfig::source_icmpv6_errors_better>("source-icmpv6-errors-better"),
    // Tables are sized for max-sessions up front (lazily committed), so it
    // is bounded by what an address space can reserve.
    uint_field<&InstanceConfig::max_sessions, 1, kMaxSessions>("max-sessions"),
    uint_field<&InstanceConfig::max_sessions_per_source, 0, kMaxSessions>(
        "max-sessions-per-source"),
    bool_field<&InstanceConfig::logging_bib>("logging-bib"),
    bool_field<&InstanceConfig::logging_session>("logging-session"),
};

InstanceConfig parse_config_object(const Json &doc) {
    if (!doc.is_object()) fail("", doc, "expected an object");
    for (auto it = doc.begin(); it != doc.end(); ++it) {
        const std::string &key = it.key();
        bool known = std::any_of(std::begin(kFields), std::end(kFields),
                                 [&key](const Field &f) { return f.name == key; });
        if (!known) fail(child("", key), it.value(), "unknown key");
    }
    InstanceConfig c;
    for (const Field &f : kFields) {
        std::string ptr = child("", f.name);
        if (const Json *v = find(doc, f.name)) {
            f.parse(c, *v, ptr);
        } else if (f.required) {
            fail_missing(ptr);
        }
    }
    return c;
}

// Only ConfigError leaves the parse functions.  The checks above make the
// library's own exceptions unreachable; this is the belt to those braces.
template <class F>
auto guarded(F f) -> decltype(f()) {
    try {
        return f();
    } catch (const ConfigError &) {
        throw;
    } catch (const nlohmann::json::exception &e) {
        throw ConfigError("", "", std::string("internal error: ") + e.what());
    }
}

}  // namespace

InstanceConfig parse_instance_config(std::string_view json) {
    return guarded([json] { return parse_config_object(parse_document(json)); });
}

StaticBibEntry parse_static_bib_entry(std::string_view json) {
    return guarded([json] {
        // Checked as the one entry of a static-bib list whose pool4 holds
        // everything: the format checks apply, pool4 membership is the
        // whole document's business.
        InstanceConfig c;
        Pool4Entry all;
        all.port_min = 0;
        c.pool4 = {all};
        parse_static_bib(c, Json::array({parse_document(json)}), "/static-bib");
        return c.static_bib.at(0);
    });
}

EamtEntry parse_eamt_entry(std::string_view json) {
    return guarded([json] { return parse_eamt_object(parse_document(json), ""); });
}

std::string to_json(const InstanceConfig &c, int indent) {
    Json doc = Json::object();
    for (const Field &f : kFields)
        doc[std::string(f.name)] = f.format(c);
    return doc.dump(indent < 0 ? -1 : indent);
}

std::string to_json(const EamtEntry &e) {
    return format_eamt_entry(e).dump();
}

std::string to_json(const StaticBibEntry &e) {
    return format_bib_entry(e).dump();
}

std::string_view protocol_to_string(Protocol p) {
    return protocol_name(p);
}

std::optional<Protocol> protocol_from_string(std::string_view s) {
    return protocol_from_name(s);
}

}  // namespace nat64
