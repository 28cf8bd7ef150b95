// The man page and the bash completion of nat64ctl, generated from the same
// CLI11 definitions that parse the command line, so they can never drift
// from it.  The build runs the hidden "nat64ctl generate man|bash-completion"
// (ctl/CMakeLists.txt).
#pragma once

#include <iosfwd>
#include <string>

#include <CLI/CLI.hpp>

namespace nat64::ctl {

// roff for man(7), section 8; 'exit_codes' is the EXIT STATUS text.
void write_man_page(std::ostream &out, const CLI::App &app, const std::string &version,
                    const std::string &exit_codes);
// A bash completion script (complete -F) for every subcommand path.
void write_bash_completion(std::ostream &out, const CLI::App &app);

// Registers the hidden "generate" subcommand; run() prints what was asked.
class GenerateCommand {
  public:
    GenerateCommand(CLI::App &app, std::string version, std::string exit_codes);
    bool run(const CLI::App &app);  // true if it was the command given

  private:
    CLI::App *cmd_ = nullptr;
    std::string what_, version_, exit_codes_;
};

}  // namespace nat64::ctl
