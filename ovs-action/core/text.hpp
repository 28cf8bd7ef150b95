// Small text-parsing helpers shared by the address and configuration
// parsers (control path only).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nat64 {

// Plain decimal: digits only, no sign or whitespace, no leading zero (so
// "/024" or port "080" is not silently read as 24 or 80), at most 'max'.
inline std::optional<uint32_t> parse_decimal(std::string_view s, uint32_t max) {
    if (s.empty() || s.size() > 10 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
    uint64_t v = 0;
    for (char ch : s) {
        if (ch < '0' || ch > '9') return std::nullopt;
        v = v * 10 + static_cast<uint64_t>(ch - '0');
    }
    if (v > max) return std::nullopt;
    return static_cast<uint32_t>(v);
}

// One reference token of a JSON pointer (RFC 6901 §3: "~" is written "~0"
// and "/" is written "~1"), for error messages that name a key.
inline std::string pointer_token(std::string_view key) {
    std::string t;
    for (char ch : key) {
        if (ch == '~') {
            t += "~0";
        } else if (ch == '/') {
            t += "~1";
        } else {
            t += ch;
        }
    }
    return t;
}

// A JSON value (nlohmann's json or ordered_json) as it goes into an error
// message: ASCII only (escaped, invalid UTF-8 replaced), so it is safe to cut
// anywhere and to print on any terminal, and at most 'max' characters.
template <class Json>
std::string json_excerpt(const Json &v, size_t max) {
    std::string s = v.dump(-1, ' ', true, Json::error_handler_t::replace);
    if (s.size() > max) {
        s.resize(max - 3);
        s += "...";
    }
    return s;
}

}  // namespace nat64
