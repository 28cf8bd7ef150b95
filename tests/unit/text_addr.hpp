// Address text helpers for the core's lookup tests (EAMT, RFC 6052, reserved
// ranges).  Built on inet_pton/inet_ntop rather than the project's own
// parser, so these tests depend only on the code under test.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "nat64/config.hpp"

namespace nat64::testaddr {

inline Ipv6Addr a6(const char *s) {
    Ipv6Addr a;
    EXPECT_EQ(inet_pton(AF_INET6, s, a.b.data()), 1) << s;
    return a;
}

inline uint32_t a4(const char *s) {
    in_addr a{};
    EXPECT_EQ(inet_pton(AF_INET, s, &a), 1) << s;
    return ntohl(a.s_addr);
}

inline std::string fmt6(const uint8_t *b) {
    char buf[INET6_ADDRSTRLEN];
    return inet_ntop(AF_INET6, b, buf, sizeof buf);
}

inline std::string fmt4(uint32_t a) {
    const in_addr n{htonl(a)};
    char buf[INET_ADDRSTRLEN];
    return inet_ntop(AF_INET, &n, buf, sizeof buf);
}

}  // namespace nat64::testaddr
