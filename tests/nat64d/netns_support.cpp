#include "netns_support.hpp"

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace nat64d::testns {

RunResult run(const std::vector<std::string> &argv) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        std::vector<char *> args;
        for (const auto &a : argv)
            args.push_back(const_cast<char *>(a.c_str()));
        args.push_back(nullptr);
        execvp(args[0], args.data());
        std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0) out.append(buf, static_cast<size_t>(n));
    close(fds[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

std::string ip_program() {
    for (const char *p : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"})
        if (access(p, X_OK) == 0) return p;
    return "ip";
}

std::string ip(std::vector<std::string> args) {
    args.insert(args.begin(), ip_program());
    RunResult r = run(args);
    if (r.status != 0) {
        std::string cmd;
        for (const auto &a : args)
            cmd += a + " ";
        throw std::runtime_error(cmd + "failed (" + std::to_string(r.status) + "): " + r.output);
    }
    return r.output;
}

bool enter_private_netns(const char *program) {
    if (geteuid() != 0) {
        std::fprintf(stderr,
                     "%s: must run as root: the tests create a private network namespace "
                     "(unshare(CLONE_NEWNET)) and work inside it\n",
                     program);
        return false;
    }
    if (unshare(CLONE_NEWNET) != 0) {
        std::fprintf(stderr,
                     "%s: unshare(CLONE_NEWNET) failed: %s; refusing to run the tests in the "
                     "host's network namespace\n",
                     program, std::strerror(errno));
        return false;
    }
    try {
        ip({"link", "set", "lo", "up"});
    } catch (const std::exception &e) {
        std::fprintf(stderr, "%s: %s\n", program, e.what());
        return false;
    }
    return true;
}

}  // namespace nat64d::testns
