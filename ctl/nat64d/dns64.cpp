// The DNS64 resolver's unbound.conf and the node's resolvers (dns64.hpp).
//
// What unbound 1.17 (Debian 12) can and cannot do, which shapes the file:
// - dns64 module: one dns64-prefix per process, any length up to /96; it
//   embeds with the RFC 6052 §2.2 u-octet (checked against the real daemon
//   in tests/nat64d/dns64_unbound_test.sh).  One unbound per pool6.
// - No exclusion list in the dns64 module (RFC 6147 §5.1.4).  We filter the
//   synthesised answers instead: the respip module, placed before dns64,
//   sees the final AAAA answer, and "response-ip: NETBLOCK redirect" with no
//   redirect data turns an answer holding an address in NETBLOCK into
//   NOERROR with no records (NODATA), which is what §5.1.4 asks for when all
//   A records are excluded.  NETBLOCK is the excluded IPv4 range embedded in
//   pool6 (embedded_prefix).  A answers are untouched.  What it cannot do:
//   * a name with both excluded and other A records gets no AAAA at all
//     (respip acts on the whole answer, §5.1.4 would synthesise the others);
//   * real AAAA records inside those netblocks are filtered too (they name
//     addresses the translator drops, so nothing is lost);
//   * §5.1.4's default exclusion of IPv4-mapped AAAA (::ffff:0:0/96, to
//     synthesise instead) has no counterpart: dns64-ignore-aaaa is per name.
//   * with respip in front, 1.17's dns64 module no longer rewrites PTR
//     queries for addresses inside pool6 into the IPv4 reverse name (RFC
//     6147 §5.3, optional): they go to the forwarders as they are (for
//     64:ff9b::/96 the public DNS answers NXDOMAIN).  Our ipv4only.arpa
//     PTR records are local data and still answered.
//   The alternative, private-address, excludes per record but also strips
//   those A records from plain A answers (127.0.0.x of DNS blocklists
//   among them), so it is not used.  Our ipv4only.arpa local-data is
//   answered before the modules run and is never filtered.
// - respip in 1.17 has no always_nodata action (deny, redirect, inform,
//   inform_deny, always_transparent, always_refuse, always_nxdomain only);
//   always_nxdomain would deny that the name exists at all.
#include "nat64d/dns64.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <sstream>

#include "nat64d/prefixes.hpp"
#include "packet.hpp"
#include "reserved.hpp"
#include "rfc6052.hpp"

namespace nat64d {

namespace {

using nat64::Ipv4Prefix;
using nat64::Ipv6Addr;
using nat64::Ipv6Prefix;

// RFC 7050 §2.2: the well-known IPv4-only name and its two addresses.
constexpr const char *kIpv4OnlyName = "ipv4only.arpa.";
constexpr uint32_t kIpv4OnlyAddrs[] = {0xc00000aa, 0xc00000ab};  // 192.0.0.170, .171
// TTL of our ipv4only.arpa answers: a changed pool6 reaches RFC 7050
// clients within an hour.
constexpr int kIpv4OnlyTtl = 3600;

constexpr std::string_view kRunDirChars = "/._+-@:,=";
constexpr size_t kMaxZoneLen = 15;  // IFNAMSIZ - 1

std::string quote(std::string_view s) {
    std::string out = "\"";
    for (unsigned char ch : s) {
        switch (ch) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (ch < 0x20 || ch == 0x7f) {
                    char buf[5];
                    std::snprintf(buf, sizeof buf, "\\x%02x", ch);
                    out += buf;
                } else {
                    out += static_cast<char>(ch);
                }
        }
    }
    return out + "\"";
}

bool host_bits_zero(const Ipv6Prefix &p) {
    const uint8_t *b = p.addr.b.data();
    return (nat64::rd64(b) & ~nat64::ipv6_mask_hi(p.len)) == 0 &&
           (nat64::rd64(b + 8) & ~nat64::ipv6_mask_lo(p.len)) == 0;
}
bool host_bits_zero(const Ipv4Prefix &p) {
    return (p.addr & ~nat64::ipv4_mask(p.len)) == 0;
}

bool valid_zone(std::string_view z) {
    return !z.empty() && z.size() <= kMaxZoneLen &&
           std::all_of(z.begin(), z.end(), [](unsigned char ch) {
               return std::isalnum(ch) || ch == '_' || ch == '.' || ch == '-';
           });
}

// A forwarder, parsed: "ADDRESS[%ZONE][@PORT]".
struct Forwarder {
    bool v4 = false;
    uint32_t addr4 = 0;
    Ipv6Addr addr6;
    std::string zone;
    uint16_t port = 0;  // 0: none given (unbound's default, 53)

    std::string text() const {
        std::string s = v4 ? nat64::format_ipv4(addr4) : nat64::format_ipv6(addr6);
        if (!zone.empty()) s += "%" + zone;
        if (port != 0) s += "@" + std::to_string(port);
        return s;
    }
    bool loopback() const { return v4 ? (addr4 >> 24) == 127 : is_loopback(addr6); }
};

// Parses a forwarder; on failure returns nullopt and says why.
std::optional<Forwarder> parse_forwarder(std::string_view s, std::string &why) {
    const std::string expected =
        "expected an IPv4 or IPv6 address, optionally with %zone (link-local only) and @port";
    Forwarder f;
    std::string_view addr = s;
    if (const size_t at = s.find('@'); at != std::string_view::npos) {
        const std::string_view port = s.substr(at + 1);
        addr = s.substr(0, at);
        unsigned long n = 0;
        const bool digits = !port.empty() && port.size() <= 5 &&
                            std::all_of(port.begin(), port.end(),
                                        [](unsigned char ch) { return std::isdigit(ch); });
        if (digits) n = std::stoul(std::string(port));
        if (!digits || n == 0 || n > 65535) {
            why = "the port must be a number from 1 to 65535";
            return std::nullopt;
        }
        f.port = static_cast<uint16_t>(n);
    }
    if (const size_t pct = addr.find('%'); pct != std::string_view::npos) {
        f.zone = std::string(addr.substr(pct + 1));
        addr = addr.substr(0, pct);
        if (!valid_zone(f.zone)) {
            why =
                "the zone must be an interface name or index (letters, digits, \"_.-\", at most "
                "15)";
            return std::nullopt;
        }
    }
    if (auto a4 = nat64::parse_ipv4(addr); a4 && f.zone.empty()) {
        f.v4 = true;
        f.addr4 = *a4;
        if (f.addr4 == 0 || f.addr4 >= 0xe0000000) {
            why = "not a unicast address";
            return std::nullopt;
        }
        return f;
    }
    auto a6 = nat64::parse_ipv6(addr);
    if (!a6) {
        why = expected;
        return std::nullopt;
    }
    f.addr6 = *a6;
    if (is_unspecified(f.addr6) || is_multicast(f.addr6)) {
        why = "not a unicast address";
        return std::nullopt;
    }
    if (is_link_local(f.addr6) && f.zone.empty()) {
        why = "a link-local address needs its zone, as in fe80::1%eth0";
        return std::nullopt;
    }
    if (!is_link_local(f.addr6) && !f.zone.empty()) {
        why = "only a link-local address takes a zone";
        return std::nullopt;
    }
    return f;
}

Dns64Error error(std::string field, std::string value, std::string why) {
    return Dns64Error{std::move(field), std::move(value), std::move(why)};
}

std::string indexed(const char *field, size_t i) {
    return std::string(field) + "[" + std::to_string(i) + "]";
}

std::string pidfile_of(const std::string &run_dir) {
    return run_dir + (run_dir.back() == '/' ? "" : "/") + "unbound.pid";
}

// Drops the prefixes that lie inside another; sorted by (address, length),
// a covering prefix comes before the ones it holds.
std::vector<Ipv4Prefix> outermost(std::vector<Ipv4Prefix> v) {
    std::sort(v.begin(), v.end());
    std::vector<Ipv4Prefix> out;
    for (const Ipv4Prefix &p : v) {
        if (!out.empty()) {
            const Ipv4Prefix &q = out.back();
            if (p.len >= q.len && (p.addr & nat64::ipv4_mask(q.len)) == q.addr) continue;
        }
        out.push_back(p);
    }
    return out;
}

}  // namespace

std::string Dns64Error::message() const {
    return field + ": " + why + (value.empty() ? std::string() : " (got " + quote(value) + ")");
}

std::optional<Dns64Error> validate(const Dns64Config &c) {
    if (c.listen.empty()) return error("listen", "", "at least one address to listen on is needed");
    for (size_t i = 0; i < c.listen.size(); ++i) {
        const Ipv6Addr &a = c.listen[i];
        if (is_unspecified(a) || is_multicast(a) || is_link_local(a)) {
            return error(indexed("listen", i), nat64::format_ipv6(a),
                         "expected a global, unique-local or loopback unicast address");
        }
    }
    if (c.port == 0) return error("port", "0", "expected a port from 1 to 65535");
    for (size_t i = 0; i < c.allow.size(); ++i) {
        const Ipv6Prefix &p = c.allow[i];
        if (p.len > 128 || !host_bits_zero(p)) {
            return error(indexed("allow", i),
                         nat64::format_ipv6(p.addr) + "/" + std::to_string(p.len),
                         "expected an IPv6 prefix without host bits");
        }
    }
    if (!nat64::rfc6052_valid_length(c.pool6.len) || !host_bits_zero(c.pool6)) {
        return error("pool6", nat64::format_ipv6(c.pool6.addr) + "/" + std::to_string(c.pool6.len),
                     "expected an RFC 6052 prefix (/32, /40, /48, /56, /64 or /96) without host "
                     "bits");
    }
    if (c.forwarders.empty()) {
        return error("forwarders", "", "at least one resolver to forward to is needed");
    }
    for (size_t i = 0; i < c.forwarders.size(); ++i) {
        std::string why;
        auto f = parse_forwarder(c.forwarders[i], why);
        if (!f) return error(indexed("forwarders", i), c.forwarders[i], why);
        const uint16_t port = f->port != 0 ? f->port : 53;
        if (!f->v4 && f->zone.empty() && port == c.port &&
            std::find(c.listen.begin(), c.listen.end(), f->addr6) != c.listen.end()) {
            return error(indexed("forwarders", i), c.forwarders[i],
                         "is where this resolver listens: it would forward to itself");
        }
    }
    for (size_t i = 0; i < c.exclude4.size(); ++i) {
        const Ipv4Prefix &p = c.exclude4[i];
        if (p.len > 32 || !host_bits_zero(p)) {
            return error(indexed("exclude4", i),
                         nat64::format_ipv4(p.addr) + "/" + std::to_string(p.len),
                         "expected an IPv4 prefix without host bits");
        }
    }
    const std::string &d = c.run_dir;
    if (d.empty() || d[0] != '/' || !std::all_of(d.begin(), d.end(), [](unsigned char ch) {
            return std::isalnum(ch) ||
                   kRunDirChars.find(static_cast<char>(ch)) != kRunDirChars.npos;
        })) {
        return error("run_dir", d,
                     "expected an absolute path of letters, digits and \"" +
                         std::string(kRunDirChars) + "\"");
    }
    const std::string &u = c.username;
    if (!u.empty() &&
        (u.size() > 32 || !(std::islower(static_cast<unsigned char>(u[0])) || u[0] == '_') ||
         !std::all_of(u.begin(), u.end(), [](unsigned char ch) {
             return std::islower(ch) || std::isdigit(ch) || ch == '_' || ch == '-';
         }))) {
        return error("username", u,
                     "expected a user name (lowercase letters, digits, \"_-\", at most 32) or "
                     "\"\"");
    }
    if (c.verbosity > 5) {
        return error("verbosity", std::to_string(c.verbosity), "expected 0 to 5");
    }
    return std::nullopt;
}

std::vector<Ipv4Prefix> dns64_excluded(const Dns64Config &c) {
    std::vector<Ipv4Prefix> v(std::begin(nat64::kAlwaysReservedRanges),
                              std::end(nat64::kAlwaysReservedRanges));
    if (nat64::is_well_known_prefix(c.pool6)) {
        v.insert(v.end(), std::begin(nat64::kNonGlobalRanges), std::end(nat64::kNonGlobalRanges));
    }
    for (const Ipv4Prefix &p : c.exclude4) {
        const uint8_t len = p.len > 32 ? 32 : p.len;
        v.push_back({p.addr & nat64::ipv4_mask(len), len});
    }
    return outermost(std::move(v));
}

Ipv6Prefix embedded_prefix(const Ipv6Prefix &pool6, const Ipv4Prefix &v4) {
    Ipv6Prefix out;
    nat64::rfc6052_embed(pool6, v4.addr & nat64::ipv4_mask(v4.len), out.addr.b.data());
    unsigned len = pool6.len + v4.len;
    // §2.2: bits 64..71 (the u-octet) sit between the IPv4 bits of the
    // shorter prefixes; once v4's bits reach past them, the prefix covers
    // them too (they are zero in every embedded address).
    if (pool6.len <= 64 && len > 64) len += 8;
    out.len = static_cast<uint8_t>(len);
    return out;
}

bool dns64_needs_restart(const Dns64Config &running, const Dns64Config &wanted) {
    return running.listen != wanted.listen || running.port != wanted.port ||
           running.username != wanted.username || running.run_dir != wanted.run_dir;
}

UnboundConf render_unbound_conf(const Dns64Config &c) {
    if (auto e = validate(c)) return UnboundConf{{}, std::move(e)};

    std::vector<Forwarder> forwarders;
    for (const std::string &s : c.forwarders) {
        std::string why;
        forwarders.push_back(*parse_forwarder(s, why));  // validated above
    }
    const bool any_v4 =
        std::any_of(forwarders.begin(), forwarders.end(), [](const Forwarder &f) { return f.v4; });
    const bool any_loopback = std::any_of(forwarders.begin(), forwarders.end(),
                                          [](const Forwarder &f) { return f.loopback(); });
    const std::string pool6 = nat64::format_prefix(c.pool6);

    std::ostringstream o;
    auto yes_no = [](bool b) { return b ? "yes" : "no"; };
    o << "# DNS64 resolver (RFC 6147) for an IPv6-only VNet, written by nat64d\n"
         "# (ctl/nat64d/dns64.cpp).  Generated: changes here are overwritten.\n"
         "# Self-contained: run as unbound -c <absolute path of this file>.\n"
         "server:\n"
         "    # In the foreground under nat64d, which restarts it and sends SIGHUP.\n"
         "    do-daemonize: no\n"
         "    chroot: \"\"\n"
      << "    username: \"" << c.username << "\"\n"
      << "    directory: \"" << c.run_dir << "\"\n"
      << "    pidfile: \"" << pidfile_of(c.run_dir) << "\"\n"
      << "    use-syslog: " << yes_no(c.use_syslog) << "\n"
      << "    logfile: \"\"\n"
         "    log-time-ascii: yes\n"
      << "    verbosity: " << c.verbosity << "\n"
      << "    num-threads: 1\n"
         "    hide-identity: yes\n"
         "    hide-version: yes\n"
         "\n"
         "    # Only the VNet's gateway addresses.  ip-freebind: the address may\n"
         "    # still be tentative (DAD) or not yet configured when unbound starts.\n"
         "    interface-automatic: no\n"
         "    ip-freebind: yes\n";
    for (size_t i = 0; i < c.listen.size(); ++i) {
        const Ipv6Addr &a = c.listen[i];
        // Once each: unbound would fail to bind the second.
        if (std::find(c.listen.begin(), c.listen.begin() + i, a) != c.listen.begin() + i) continue;
        o << "    interface: " << nat64::format_ipv6(a) << "@" << c.port << "\n";
    }
    o << "    do-ip6: yes\n"
      << "    # IPv4 only to reach IPv4 forwarders.\n"
      << "    do-ip4: " << yes_no(any_v4) << "\n"
      << "    do-udp: yes\n"
         "    do-tcp: yes\n"
         "\n"
         "    # The VNet's subnets, and the node itself; everyone else REFUSED.\n"
         "    access-control: 0.0.0.0/0 refuse\n"
         "    access-control: ::/0 refuse\n"
         "    access-control: ::1/128 allow\n";
    for (const Ipv6Prefix &p : c.allow) {
        o << "    access-control: " << nat64::format_prefix(p) << " allow\n";
    }
    o << "\n"
         "    # No validator: the node's resolvers are the trust point (they may be a\n"
         "    # stub such as systemd-resolved that passes no DNSSEC records, which a\n"
         "    # validator here would turn into SERVFAIL for every signed zone), and\n"
         "    # synthesised AAAA records cannot validate anyway (RFC 6147 §3).\n"
         "    # Validating clients ask with CD and check the A records themselves.\n"
         "    # respip before dns64 filters the synthesised answers (exclusions below).\n"
         "    module-config: \"respip dns64 iterator\"\n"
      << "    dns64-prefix: " << pool6 << "\n"
      << "    dns64-synthall: no\n"
         "\n"
         "    # RFC 6147 §5.1.4 exclusions: the translator never reaches these IPv4\n"
         "    # ranges through pool6 (RFC 6890 special ranges; with the Well-Known\n"
         "    # Prefix every non-global range, RFC 6052 §3.1; the VNet's denylist4),\n"
         "    # so no AAAA record is synthesised from them: an AAAA answer holding\n"
         "    # one of these netblocks becomes NODATA.  A answers are untouched.\n";
    for (const Ipv4Prefix &p : dns64_excluded(c)) {
        o << "    # " << nat64::format_prefix(p) << "\n"
          << "    response-ip: " << nat64::format_prefix(embedded_prefix(c.pool6, p))
          << " redirect\n";
    }
    o << "\n"
         "    # RFC 7050 §2.2 / RFC 8880: ipv4only.arpa answered here, so prefix\n"
         "    # discovery works whatever the forwarders do.  local-data bypasses the\n"
         "    # dns64 module, hence the AAAA records, embedded in pool6 (RFC 6052).\n"
      << "    local-zone: \"" << kIpv4OnlyName << "\" static\n";
    for (uint32_t a : kIpv4OnlyAddrs) {
        o << "    local-data: \"" << kIpv4OnlyName << " " << kIpv4OnlyTtl << " IN A "
          << nat64::format_ipv4(a) << "\"\n";
    }
    std::vector<std::string> embedded;
    for (uint32_t a : kIpv4OnlyAddrs) {
        Ipv6Addr x;
        nat64::rfc6052_embed(c.pool6, a, x.b.data());
        embedded.push_back(nat64::format_ipv6(x));
        o << "    local-data: \"" << kIpv4OnlyName << " " << kIpv4OnlyTtl << " IN AAAA "
          << embedded.back() << "\"\n";
    }
    // The reverse names too.  The IPv6 ones explicitly: the dns64 module
    // turns a PTR query inside pool6 into one for the IPv4 name, but sends
    // that one on to the forwarders, past our local data.
    std::vector<std::string> ptrs;
    for (uint32_t a : kIpv4OnlyAddrs)
        ptrs.push_back(nat64::format_ipv4(a));
    ptrs.insert(ptrs.end(), embedded.begin(), embedded.end());
    for (const std::string &a : ptrs) {
        o << "    local-data-ptr: \"" << a << " " << kIpv4OnlyTtl << " " << kIpv4OnlyName << "\"\n";
    }
    o << "\n"
         "    # Forwarders on loopback (127.0.0.53 of systemd-resolved) are fine: this\n"
         "    # resolver listens only on the addresses above.\n"
      << "    do-not-query-localhost: " << yes_no(!any_loopback) << "\n"
      << "\n"
         "remote-control:\n"
         "    control-enable: no\n"
         "\n"
         "# Everything goes to the node's resolvers, never to the root servers.\n"
         "forward-zone:\n"
         "    name: \".\"\n"
         "    forward-first: no\n";
    for (const Forwarder &f : forwarders)
        o << "    forward-addr: " << f.text() << "\n";
    return UnboundConf{o.str(), std::nullopt};
}

std::vector<std::string> node_resolvers(std::string_view text) {
    constexpr size_t kMaxNs = 3;  // glibc's MAXNS
    std::vector<std::string> out;
    size_t counted = 0;
    std::istringstream in{std::string(text)};
    for (std::string line; std::getline(in, line) && counted < kMaxNs;) {
        // Like glibc: the keyword starts the line, then blanks, then the
        // address; a comment line ('#' or ';' first) never matches.
        constexpr std::string_view kKeyword = "nameserver";
        if (line.compare(0, kKeyword.size(), kKeyword) != 0 || line.size() == kKeyword.size() ||
            (line[kKeyword.size()] != ' ' && line[kKeyword.size()] != '\t')) {
            continue;
        }
        std::istringstream words(line.substr(kKeyword.size()));
        std::string value;
        if (!(words >> value)) continue;
        std::string_view addr = value, zone;
        if (const size_t pct = addr.find('%'); pct != std::string_view::npos) {
            zone = addr.substr(pct + 1);
            addr = addr.substr(0, pct);
        }
        std::string canonical;
        if (auto a4 = nat64::parse_ipv4(addr); a4 && zone.empty()) {
            ++counted;
            if (*a4 == 0 || *a4 >= 0xe0000000) continue;
            canonical = nat64::format_ipv4(*a4);
        } else if (auto a6 = nat64::parse_ipv6(addr)) {
            ++counted;
            if (is_unspecified(*a6) || is_multicast(*a6)) continue;
            canonical = nat64::format_ipv6(*a6);
            if (is_link_local(*a6)) {
                // Without a usable zone no packet can reach it.
                if (!valid_zone(zone)) continue;
                canonical += "%" + std::string(zone);
            }
            // A zone on any other address means nothing: dropped.
        } else {
            continue;
        }
        if (std::find(out.begin(), out.end(), canonical) == out.end()) out.push_back(canonical);
    }
    return out;
}

}  // namespace nat64d
