// What nat64d's root tests (test_netlink.cpp, dns64_supervisor_test.cpp)
// share: running programs such as ip(8) without a shell, and moving the
// test process into a private network namespace before any test runs, so
// nothing they do reaches the host's devices, routes or sockets.
#pragma once

#include <string>
#include <vector>

namespace nat64d::testns {

struct RunResult {
    int status;          // the exit status, -1 if it did not exit
    std::string output;  // stdout and stderr
};

// Runs argv[0] (looked up in PATH) with argv and collects its output.
RunResult run(const std::vector<std::string> &argv);

// iproute2's ip: /usr/sbin/ip, /sbin/ip, ... or "ip" from PATH.
std::string ip_program();

// `ip args...`, which must succeed: its output, or std::runtime_error
// naming the command.
std::string ip(std::vector<std::string> args);

// For main(): requires root and moves the process into a new network
// namespace with lo up.  On failure prints why (program names the test
// binary) and returns false: the caller fails, it never runs in the
// host's namespace and never skips.
bool enter_private_netns(const char *program);

}  // namespace nat64d::testns
