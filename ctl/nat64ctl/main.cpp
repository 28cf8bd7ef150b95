// nat64ctl: the operator CLI of ovs-nat64.  This file only wires the
// command line to the subcommands; each subcommand lives in its own file.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "nat64ctl/errors.hpp"
#include "nat64ctl/generate_cmd.hpp"
#include "nat64ctl/translate_cmd.hpp"
#ifdef NAT64CTL_OPS
#include "nat64ctl/ops_cmd.hpp"
#include "nat64ctl/view_cmd.hpp"
#include "nat64d/ovs_glue.h"
#endif

#ifndef PROJECT_VERSION
#error "PROJECT_VERSION must be defined by the build (ctl/CMakeLists.txt)"
#endif

namespace {

using namespace nat64::ctl;

constexpr const char *kExitCodes =
    "Exit codes:\n"
    "  0  success\n"
    "  1  bad usage or bad input (the message names the flag and value)\n"
    "  2  failure while running (write error, internal error)\n"
    "  3  pool4/eamt/bib add|remove: written to nat64.json, but this node's datapath\n"
    "     did not pick it up within --apply-timeout (is nat64d running?)\n";

// CLI::ExistingFile without its ":FILE" tag, which would clutter the
// "--in IN.pcap" line of the help.
const CLI::Validator kExistingFile = CLI::Validator(CLI::ExistingFile).description("");

void setup_logging() {
    auto logger = spdlog::stderr_color_mt("nat64ctl");
    logger->set_pattern("%n: %^%l%$: %v");
    spdlog::set_default_logger(logger);
}

CLI::App *add_translate(CLI::App &app, TranslateOptions &o) {
    CLI::App *cmd = app.add_subcommand(
        "translate", "Translate every packet of a capture file through one translator instance");
    cmd->add_option("-c,--config", o.config, "Instance configuration (JSON document)")
        ->required()
        ->check(kExistingFile)
        ->type_name("INSTANCE.json");
    cmd->add_option("-i,--in", o.in, "Input capture (pcap or pcapng)")
        ->required()
        ->check(kExistingFile)
        ->type_name("IN.pcap");
    cmd->add_option("-o,--out", o.out, "Output capture (pcap; created or truncated)")
        ->required()
        ->type_name("OUT.pcap");
    cmd->add_option("-l,--log", o.log,
                    "Write one JSON object per input packet: index, verdict, reason, outputs")
        ->type_name("VERDICTS.jsonl");
    cmd->add_flag("-q,--quiet", o.quiet, "Do not print the summary on stderr");
    cmd->add_flag("-v,--verbose", o.verbose, "Print one line per packet on stdout");
    cmd->footer(
        std::string("Packets are translated in order with the capture timestamps as the\n"
                    "translator's clock (so stateful timeouts are reproducible). Outputs are\n"
                    "the translated packets and the ICMP errors the translator generates, in\n"
                    "order, with the timestamp of the packet they came from.\n"
                    "\n"
                    "Link types: Ethernet (1, with 802.1Q/802.1ad tags), raw IP (101), raw\n"
                    "IPv4 (228) and raw IPv6 (229). The output has the input's link type,\n"
                    "except that raw IPv4/IPv6 inputs give raw IP (101) output: a single-family\n"
                    "link type cannot hold translated packets. Ethernet outputs keep the\n"
                    "input's header and tags; ICMP errors go back to the sender (MACs swapped).\n"
                    "Non-IP frames are dropped (reason drop-not-ip).\n"
                    "\n"
                    "--log verdicts are translated, icmp-reply or dropped; reasons are the\n"
                    "translator's counter names. Output indices count from 0.\n"
                    "\n"
                    "Example:\n"
                    "  nat64ctl translate --config examples/demo/instance.json \\\n"
                    "      --in examples/demo/demo.pcap --out /tmp/out.pcap \\\n"
                    "      --log /tmp/verdicts.jsonl --verbose\n"
                    "\n") +
        kExitCodes);
    return cmd;
}

int run(int argc, char **argv) {
    setup_logging();

    CLI::App app("nat64ctl: operator CLI of ovs-nat64 (NAT64/SIIT in Open vSwitch)", "nat64ctl");
    app.set_version_flag("--version", "nat64ctl " PROJECT_VERSION);
    app.require_subcommand(1);
    app.footer(std::string("Examples:\n"
                           "  nat64ctl pool4 add --vnet vnet1 198.51.100.64/30\n"
                           "  nat64ctl eamt list --json\n"
                           "  nat64ctl translate --config instance.json --in in.pcap "
                           "--out out.pcap\n"
                           "Run 'nat64ctl SUBCOMMAND --help' for the options of a subcommand.\n"
                           "\n") +
               kExitCodes);

    TranslateOptions translate;
    CLI::App *translate_cmd = add_translate(app, translate);
    GenerateCommand generate(app, PROJECT_VERSION, kExitCodes);
#ifdef NAT64CTL_OPS
    OpsCommands ops(app);
    ViewCommands view(app);
#endif

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        // CLI11 prints help/version (exit 0) or the usage error itself; its
        // own exit codes (100+) are folded into ours.
        const int rc = app.exit(e);
        return rc == 0 ? kExitOk : kExitBadInput;
    }

    try {
        if (generate.run(app)) return kExitOk;
#ifdef NAT64CTL_OPS
        n64_glue_init("nat64ctl");
        if (auto rc = ops.run()) return *rc;
        if (auto rc = view.run()) return *rc;
#endif
        if (translate_cmd->parsed()) {
            if (translate.quiet) spdlog::set_level(spdlog::level::warn);
            return run_translate(translate);
        }
    } catch (const CtlError &e) {
        spdlog::error("{}", e.what());
        return e.exit_code();
    }
    return kExitOk;
}

}  // namespace

int main(int argc, char **argv) {
    // Anything else (out of memory, a bug) is a runtime failure, reported
    // without spdlog in case it is what failed.
    try {
        return run(argc, argv);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "nat64ctl: error: %s\n", e.what());
    } catch (...) {
        std::fprintf(stderr, "nat64ctl: error: unknown exception\n");
    }
    return kExitRuntime;
}
