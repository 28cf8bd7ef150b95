// Errors that end a nat64ctl command, carrying the process exit code.
//
// The exit codes are part of the CLI contract (scripts and tests check
// them), so they live in one place and main.cpp's --help footer documents
// the same values.
#pragma once

#include <stdexcept>
#include <string>

namespace nat64::ctl {

enum ExitCode : int {
    kExitOk = 0,
    kExitBadInput = 1,  // bad usage or bad input: the operator can fix it
    kExitRuntime = 2,   // failure while running: disk full, internal error
    kExitNotApplied =
        3,  // pool4/eamt/bib: written, but the local datapath did not pick it up in time
};

class CtlError : public std::runtime_error {
  public:
    CtlError(const std::string &msg, ExitCode code) : std::runtime_error(msg), code_(code) {}
    ExitCode exit_code() const { return code_; }

  private:
    ExitCode code_;
};

// The message must name the flag and the value that is wrong.
class InputError : public CtlError {
  public:
    explicit InputError(const std::string &msg) : CtlError(msg, kExitBadInput) {}
};

class RuntimeFailure : public CtlError {
  public:
    explicit RuntimeFailure(const std::string &msg) : CtlError(msg, kExitRuntime) {}
};

}  // namespace nat64::ctl
