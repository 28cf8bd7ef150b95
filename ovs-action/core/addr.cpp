// Text <-> binary for IPv4/IPv6 addresses and prefixes.
//
// The libc parsers do the address work (inet_pton refuses whitespace,
// trailing junk and, for IPv4, leading zeros that other parsers read as
// octal); this file adds the prefix syntax around them and refuses every
// input it would otherwise have to guess about.
#include <arpa/inet.h>

#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "nat64/config.hpp"
#include "packet.hpp"
#include "text.hpp"

namespace nat64 {
namespace {

// INET6_ADDRSTRLEN counts the NUL; nothing valid is longer.
constexpr size_t kTextBuf = INET6_ADDRSTRLEN;

// inet_pton wants a NUL-terminated string.  An embedded NUL would silently
// cut the input short, so such input is refused rather than truncated.
bool to_cstr(std::string_view s, char (&buf)[kTextBuf]) {
    if (s.empty() || s.size() >= kTextBuf || s.find('\0') != std::string_view::npos) return false;
    std::memcpy(buf, s.data(), s.size());
    buf[s.size()] = '\0';
    return true;
}

bool ipv6_host_bits_zero(const Ipv6Addr &a, unsigned len) {
    for (unsigned i = 0; i < 16; i++) {
        unsigned first_bit = i * 8;
        unsigned keep = len >= first_bit + 8 ? 8 : (len > first_bit ? len - first_bit : 0);
        uint8_t mask = static_cast<uint8_t>(keep == 0 ? 0 : 0xff << (8 - keep));
        if ((a.b[i] & static_cast<uint8_t>(~mask)) != 0) return false;
    }
    return true;
}

// Splits "addr/len" (or plain "addr") at the first slash.  A missing
// length means a single address: the full length.
struct PrefixText {
    std::string_view addr;
    std::optional<uint8_t> len;
    bool ok = false;
};

PrefixText split_prefix(std::string_view s, unsigned max_len) {
    PrefixText t;
    size_t slash = s.find('/');
    t.addr = s.substr(0, slash);
    if (slash == std::string_view::npos) {
        t.len = static_cast<uint8_t>(max_len);
    } else {
        if (auto len = parse_decimal(s.substr(slash + 1), max_len)) {
            t.len = static_cast<uint8_t>(*len);
        }
    }
    t.ok = t.len.has_value();
    return t;
}

}  // namespace

std::optional<uint32_t> parse_ipv4(std::string_view s) {
    char buf[kTextBuf];
    in_addr a{};
    if (!to_cstr(s, buf) || inet_pton(AF_INET, buf, &a) != 1) return std::nullopt;
    return ntohl(a.s_addr);
}

std::optional<Ipv6Addr> parse_ipv6(std::string_view s) {
    char buf[kTextBuf];
    in6_addr a{};
    if (!to_cstr(s, buf) || inet_pton(AF_INET6, buf, &a) != 1) return std::nullopt;
    Ipv6Addr r;
    std::memcpy(r.b.data(), &a, 16);
    return r;
}

std::optional<Ipv4Prefix> parse_ipv4_prefix(std::string_view s) {
    PrefixText t = split_prefix(s, 32);
    if (!t.ok) return std::nullopt;
    auto addr = parse_ipv4(t.addr);
    if (!addr || (*addr & ~ipv4_mask(*t.len)) != 0) return std::nullopt;
    return Ipv4Prefix{*addr, *t.len};
}

std::optional<Ipv6Prefix> parse_ipv6_prefix(std::string_view s) {
    PrefixText t = split_prefix(s, 128);
    if (!t.ok) return std::nullopt;
    auto addr = parse_ipv6(t.addr);
    if (!addr || !ipv6_host_bits_zero(*addr, *t.len)) return std::nullopt;
    return Ipv6Prefix{*addr, *t.len};
}

std::string format_ipv4(uint32_t a) {
    in_addr in{};
    in.s_addr = htonl(a);
    char buf[INET_ADDRSTRLEN];
    // Cannot fail: the family is valid and the buffer is large enough.
    inet_ntop(AF_INET, &in, buf, sizeof buf);
    return buf;
}

std::string format_ipv6(const Ipv6Addr &a) {
    in6_addr in{};
    std::memcpy(&in, a.b.data(), 16);
    char buf[INET6_ADDRSTRLEN];
    // glibc writes the RFC 5952 form: lower case, longest zero run as "::".
    inet_ntop(AF_INET6, &in, buf, sizeof buf);
    return buf;
}

std::string format_prefix(const Ipv4Prefix &p) {
    return format_ipv4(p.addr) + "/" + std::to_string(p.len);
}

std::string format_prefix(const Ipv6Prefix &p) {
    return format_ipv6(p.addr) + "/" + std::to_string(p.len);
}

}  // namespace nat64
