// `nat64ctl translate`: offline translation of a pcap file through one
// translator instance (shared/design.md, "Offline translation").
#pragma once

#include <string>

namespace nat64::ctl {

struct TranslateOptions {
    std::string config;    // instance JSON document
    std::string in;        // input pcap / pcapng
    std::string out;       // output pcap
    std::string log;       // verdicts as JSON lines; empty: none
    bool quiet = false;    // no summary on stderr
    bool verbose = false;  // one line per packet on stdout
};

// Runs the command.  Returns kExitOk; throws CtlError (with its exit code)
// on bad input or failure.
int run_translate(const TranslateOptions &opts);

}  // namespace nat64::ctl
