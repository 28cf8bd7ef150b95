// The operator reference must document every counter the translator has:
// a counter an operator sees in nat64/stats but cannot look up is a
// support ticket.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "nat64/nat64.h"

#ifndef NAT64_SOURCE_DIR
#error "NAT64_SOURCE_DIR must point at the repository"
#endif

TEST(Docs, ReferenceListsEveryCounter) {
    std::ifstream f(std::string(NAT64_SOURCE_DIR) + "/docs/reference.md");
    ASSERT_TRUE(f) << "docs/reference.md is missing";
    std::stringstream ss;
    ss << f.rdbuf();
    const std::string doc = ss.str();
    for (unsigned c = 0; c < NAT64_C_N; c++) {
        const std::string name = nat64_counter_name(static_cast<nat64_counter>(c));
        EXPECT_NE(doc.find("| `" + name + "` |"), std::string::npos)
            << "counter " << name << " is not in docs/reference.md's table";
        EXPECT_STRNE(nat64_counter_help(static_cast<nat64_counter>(c)), "")
            << "counter " << name << " has no explanation";
    }
}
