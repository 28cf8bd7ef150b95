// The DNS64 resolver of a VNet (issue #8): unbound from Debian 12 (1.17)
// with its dns64 module, synthesising AAAA records into the VNet's pool6
// (RFC 6147), listening on the VNet's gateway addresses and forwarding to
// the node's resolvers.  This part is pure: what the unbound.conf says, and
// which resolvers the node has.  Running unbound is the caller's.
//
// How the caller runs it:
//   unbound -c /absolute/path/unbound.conf
// The path must be absolute: on SIGHUP unbound re-reads the file after it
// has changed into run_dir, and with a relative path it finds nothing and
// carries on with its built-in defaults (a full recursive resolver).  The
// file and run_dir must be readable by 'username' (unbound drops to it right
// after opening its sockets, and re-reads the file as that user).
// SIGHUP applies every change except those dns64_needs_restart() names:
// listening sockets are opened once, before privileges are dropped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nat64/config.hpp"

namespace nat64d {

struct Dns64Config {
    // Where unbound listens: the VNet's gateway addresses.  Global or
    // unique-local unicast (a link-local address would need a zone).
    std::vector<nat64::Ipv6Addr> listen;
    uint16_t port = 53;  // other ports are for tests
    // Who may ask: the VNet's subnets (access-control allow).  Everyone
    // else is answered REFUSED, except ::1 (the node itself, for checks).
    std::vector<nat64::Ipv6Prefix> allow;
    // The prefix the AAAA records are synthesised into: the VNet's pool6,
    // an RFC 6052 §2.2 length (32, 40, 48, 56, 64 or 96).
    nat64::Ipv6Prefix pool6{nat64::Ipv6Addr{{0x00, 0x64, 0xff, 0x9b}}, 96};
    // The node's resolvers (node_resolvers()): "IPv4", "IPv6",
    // "fe80::1%eth0" (link-local needs its zone), each optionally "@port".
    std::vector<std::string> forwarders;
    // IPv4 ranges never synthesised into pool6: the VNet's denylist4.
    // dns64_excluded() adds what the translator itself refuses.
    std::vector<nat64::Ipv4Prefix> exclude4;
    // unbound's working directory and pidfile (run_dir/unbound.pid): an
    // absolute path of letters, digits and "/._+-@:,=".
    std::string run_dir;
    // The user unbound drops to after opening its sockets ("" = stays
    // root).  Debian's unbound package creates "unbound".
    std::string username = "unbound";
    bool use_syslog = false;  // false: log to stderr, for the supervisor to collect
    unsigned verbosity = 1;   // unbound's 0..5
};

// One invalid value of a Dns64Config: the field ("forwarders[1]"), the value
// as given, and why it is refused.
struct Dns64Error {
    std::string field;
    std::string value;
    std::string why;
    // "forwarders[1]: expected ... (got "1.2.3.4\nserver:")": the value
    // quoted with control characters escaped, so the message is one line
    // (no "(got ...)" for an empty value).
    std::string message() const;
};

// Either the complete unbound.conf or the first invalid value.
struct UnboundConf {
    std::string text;                 // empty when error is set
    std::optional<Dns64Error> error;  // set when the configuration is invalid
    bool ok() const { return !error; }
};

// Checks every field; the first problem found, in declaration order.
std::optional<Dns64Error> validate(const Dns64Config &c);

// A complete, self-contained unbound.conf (no include of Debian's
// /etc/unbound): the server, the dns64 module with its exclusions,
// ipv4only.arpa (RFC 7050) and the forward zone.  Every value written is
// validated first and written from its parsed form, so no input can add a
// line or a clause to the file.  Never throws for an invalid value: see
// UnboundConf::error.
UnboundConf render_unbound_conf(const Dns64Config &c);

// The IPv4 ranges whose A records are not synthesised into c.pool6, sorted,
// none inside another: the RFC 6890 ranges the translator never reaches
// through any pool6 (0/8, 127/8, 169.254/16, 224/4, 240/4), with the
// Well-Known Prefix also every non-global range (RFC 6052 §3.1), and
// c.exclude4.  Exactly what the translator drops (reserved.hpp).
std::vector<nat64::Ipv4Prefix> dns64_excluded(const Dns64Config &c);

// The IPv6 prefix that holds every address of v4 embedded in pool6 (RFC
// 6052 §2.2), the u-octet included when v4's bits reach past it.  pool6
// must have an RFC 6052 length, v4 at most 32 bits.
nat64::Ipv6Prefix embedded_prefix(const nat64::Ipv6Prefix &pool6, const nat64::Ipv4Prefix &v4);

// True if going from 'running' to 'wanted' needs unbound restarted rather
// than sent SIGHUP: the listening sockets (listen, port), the user it
// dropped to, and its directory and pidfile.
bool dns64_needs_restart(const Dns64Config &running, const Dns64Config &wanted);

// The resolvers the node itself uses, from the text of /etc/resolv.conf, to
// forward to.  The rules, and why:
// - "nameserver ADDRESS" lines only (resolv.conf(5)); comment lines start
//   with '#' or ';', and anything after the address is ignored.
// - Like glibc, only the first three valid nameserver lines count (MAXNS):
//   the node uses no others, so neither do we.  An unparsable address is
//   skipped and does not count, as glibc skips it.
// - Loopback resolvers are kept (127.0.0.53 of systemd-resolved, a local
//   dnsmasq or unbound on ::1): our unbound listens on the VNet gateway
//   addresses, never on loopback, so it cannot be asking itself, and the
//   rendered file lets unbound query loopback (do-not-query-localhost: no).
// - A link-local resolver keeps its zone ("fe80::1%vmbr0"): unbound 1.17
//   turns an interface name into its index when it (re)loads the file.
//   Without a zone (or with one that is not an interface name or index) it
//   is dropped: no packet could reach it.  A zone on any other address means
//   nothing and is dropped from it.
// - 0.0.0.0 and :: are dropped: glibc takes them to mean "this host", an
//   address unbound cannot forward to; so are multicast addresses.
// - Duplicates are dropped; order is kept.  Addresses come out in canonical
//   text, ready for Dns64Config::forwarders.
std::vector<std::string> node_resolvers(std::string_view resolv_conf_text);

}  // namespace nat64d
