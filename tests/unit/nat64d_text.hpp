// Address and prefix literals for nat64d's unit tests, parsed with the
// project's own parser (include/nat64/config.hpp), which the translator
// core's tests check separately.  A literal that does not parse is a bug
// in the test: it throws.
#pragma once

#include <stdexcept>

#include "nat64/config.hpp"

namespace nat64d::testtext {

inline nat64::Ipv6Prefix p6(const char *s) {
    auto p = nat64::parse_ipv6_prefix(s);
    if (!p) throw std::invalid_argument(s);
    return *p;
}

inline nat64::Ipv4Prefix p4(const char *s) {
    auto p = nat64::parse_ipv4_prefix(s);
    if (!p) throw std::invalid_argument(s);
    return *p;
}

inline nat64::Ipv6Addr a6(const char *s) {
    auto a = nat64::parse_ipv6(s);
    if (!a) throw std::invalid_argument(s);
    return *a;
}

}  // namespace nat64d::testtext
