// Instance configuration: the JSON document fixed by shared/design.md, as a
// C++ value.  Shared by the core, nat64ctl and nat64d.
//
// Parsing validates the whole document; the first problem found is thrown
// as ConfigError naming the key (a JSON pointer such as "/eamt/3/ipv4") and
// the offending value.  A parsed InstanceConfig is always valid.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace nat64 {

// Addresses are kept in network byte order as raw bytes (IPv6) or in host
// byte order as an integer (IPv4), so comparisons and masks are cheap.
struct Ipv6Addr {
    std::array<uint8_t, 16> b{};
    auto operator<=>(const Ipv6Addr &) const = default;
};

struct Ipv4Prefix {
    uint32_t addr = 0;  // host byte order, host bits zero
    uint8_t len = 0;    // 0..32
    auto operator<=>(const Ipv4Prefix &) const = default;
};

struct Ipv6Prefix {
    Ipv6Addr addr;    // host bits zero
    uint8_t len = 0;  // 0..128
    auto operator<=>(const Ipv6Prefix &) const = default;
};

// Parsing and formatting of addresses and prefixes.  parse_* return
// std::nullopt on malformed text; prefixes with host bits set are
// malformed too (an operator typo we refuse to guess about).
std::optional<uint32_t> parse_ipv4(std::string_view s);
std::optional<Ipv6Addr> parse_ipv6(std::string_view s);
std::optional<Ipv4Prefix> parse_ipv4_prefix(std::string_view s);  // "a.b.c.d[/n]"
std::optional<Ipv6Prefix> parse_ipv6_prefix(std::string_view s);  // "x::[/n]"
std::string format_ipv4(uint32_t a);
std::string format_ipv6(const Ipv6Addr &a);
std::string format_prefix(const Ipv4Prefix &p);
std::string format_prefix(const Ipv6Prefix &p);

// RFC 7757 §3.2: an EAMT entry maps an IPv6 prefix to an IPv4 prefix with
// the same number of suffix bits.
struct EamtEntry {
    Ipv6Prefix ipv6;
    Ipv4Prefix ipv4;
    auto operator<=>(const EamtEntry &) const = default;
};

enum class HairpinMode : uint8_t { off, simple, intrinsic };

enum class Protocol : uint8_t { tcp, udp, icmp };

struct Pool4Entry {
    Ipv4Prefix prefix;
    uint16_t port_min = 1;  // ports (or ICMP identifiers)
    uint16_t port_max = 65535;
    bool tcp = true, udp = true, icmp = true;
    auto operator<=>(const Pool4Entry &) const = default;
};

struct StaticBibEntry {
    Protocol protocol = Protocol::tcp;
    Ipv6Addr ipv6;
    uint16_t port6 = 0;
    uint32_t ipv4 = 0;
    uint16_t port4 = 0;
    auto operator<=>(const StaticBibEntry &) const = default;
};

// RFC 6146 §4 timers, in seconds.
struct Timeouts {
    uint32_t udp = 300;
    uint32_t tcp_est = 7440;
    uint32_t tcp_trans = 240;
    uint32_t icmp = 60;
    auto operator<=>(const Timeouts &) const = default;
};

struct InstanceConfig {
    uint32_t instance = 0;  // 1..2^32-1
    std::optional<Ipv6Prefix> pool6;
    std::vector<EamtEntry> eamt;
    std::vector<Ipv4Prefix> denylist4;
    std::optional<Ipv4Prefix> pool6791v4;
    std::optional<Ipv6Prefix> pool6791v6;
    std::optional<uint32_t> router_ipv4;
    std::optional<Ipv6Addr> router_ipv6;
    uint32_t ipv4_mtu = 1500;
    uint32_t ipv6_mtu = 1500;
    uint32_t lowest_ipv6_mtu = 1280;
    std::vector<uint16_t> mtu_plateaus{65535, 32000, 17914, 8166, 4352, 2002,
                                       1492,  1006,  508,   296,  68};
    bool amend_udp_checksum_zero = false;
    bool zeroize_traffic_class = false;
    bool override_tos = false;
    uint8_t tos = 0;
    HairpinMode eam_hairpin_mode = HairpinMode::intrinsic;
    bool randomize_rfc6791_addresses = true;
    std::vector<Pool4Entry> pool4;
    std::vector<StaticBibEntry> static_bib;
    Timeouts timeouts;
    bool address_dependent_filtering = false;
    bool drop_externally_initiated_tcp = false;
    bool drop_icmpv6_info = false;
    bool source_icmpv6_errors_better = true;
    uint64_t max_sessions = 1000000;
    // 0: no per-source cap.  Otherwise the most sessions one IPv6 address
    // may hold, so one VM cannot take a whole pool4 for itself.
    uint64_t max_sessions_per_source = 0;
    // RFC 6888 §4 logging of BIB and session creation/deletion (Jool's
    // option names).
    bool logging_bib = false;
    bool logging_session = false;

    bool operator==(const InstanceConfig &) const = default;
};

class ConfigError : public std::runtime_error {
  public:
    ConfigError(std::string key, std::string value, const std::string &why)
        : std::runtime_error((key.empty() ? std::string() : key + ": ") + why +
                             (value.empty() ? std::string() : " (got " + value + ")")),
          key_(std::move(key)),
          value_(std::move(value)) {}
    const std::string &key() const { return key_; }
    const std::string &value() const { return value_; }

  private:
    std::string key_, value_;
};

// Parses and validates a whole instance document.  Throws ConfigError.
InstanceConfig parse_instance_config(std::string_view json);
// Parses one static BIB entry {"protocol": ..., "ipv6": ..., "ipv4": ...}
// (format only: whether it lies in pool4 is checked with the document).
StaticBibEntry parse_static_bib_entry(std::string_view json);
std::string to_json(const StaticBibEntry &e);
std::string_view protocol_to_string(Protocol p);
std::optional<Protocol> protocol_from_string(std::string_view s);
// Parses one EAMT entry object {"ipv6": ..., "ipv4": ...}.  Throws ConfigError.
EamtEntry parse_eamt_entry(std::string_view json);
// Serialises to the canonical JSON document (every key, stable order);
// parse_instance_config(to_json(c)) == c.
std::string to_json(const InstanceConfig &c, int indent = -1);
std::string to_json(const EamtEntry &e);

}  // namespace nat64
