#include "nat64ctl/view_cmd.hpp"

#include <cstdio>
#include <iostream>
#include <sstream>

#include "nat64/config.hpp"
#include "nat64ctl/errors.hpp"
#include "nat64ctl/registration.hpp"
#include "nat64ctl/settings_store.hpp"
#include "nat64ctl/table.hpp"
#include "nat64d/dns64_supervisor.hpp"
#include "nat64d/flows.hpp"
#include "nat64d/ovs.hpp"
#include "nat64d/sdn_config.hpp"

namespace nat64::ctl {

using OJson = nlohmann::ordered_json;

namespace {

constexpr const char *kViewFooter =
    "Exit codes: 0 done; 1 bad argument (an unknown VNet, one not on this node);\n"
    "2 Open vSwitch could not be asked (is ovs-vswitchd running?).\n";

Format format_of(bool json, bool csv) {
    return json ? Format::json : csv ? Format::csv : Format::table;
}

// What nat64d runs for every VNet of this node (or the one asked for).
std::vector<nat64d::VNetSpec> vnets_here(const OpsOptions &opt, const std::string &only) {
    SettingsStore store(opt.config_dir, opt.node);
    const std::string text = store.load().dump();
    if (!only.empty()) {
        store.vnet_settings(only);  // refuses a VNet that is not one of an ipv6only zone
        auto spec = store.spec_here(only, text);
        if (!spec) throw InputError("--vnet " + only + ": does not run on node " + opt.node);
        return {*spec};
    }
    std::vector<nat64d::VNetSpec> out;
    try {
        for (const auto &[vnet, spec] : nat64d::load_desired(opt.config_dir, opt.node).vnets)
            out.push_back(spec);
    } catch (const nat64d::ConfigFileError &e) {
        throw RuntimeFailure(e.what());
    }
    return out;
}

// ovs-vswitchd's answer, or a RuntimeFailure saying what could not be asked.
std::string ask(nat64d::Ovs &ovs, const std::string &cmd, const std::vector<std::string> &args) {
    try {
        return ovs.appctl(cmd, args);
    } catch (const nat64d::OvsError &e) {
        throw RuntimeFailure(cmd + ": " + e.what());
    }
}

// IPv4 transport addresses pool4 offers: per entry, addresses x ports x
// protocols (the BIB can hold one entry per each).
uint64_t pool4_capacity(const nat64::InstanceConfig &c) {
    uint64_t n = 0;
    for (const auto &p : c.pool4) {
        uint64_t addrs = uint64_t{1} << (32 - p.prefix.len);
        uint64_t ports = uint64_t{p.port_max} - p.port_min + 1;
        n += addrs * ports * (uint64_t{p.tcp} + p.udp + p.icmp);
    }
    return n;
}

std::string percent(uint64_t part, uint64_t whole) {
    if (whole == 0) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%",
                  100.0 * static_cast<double>(part) / static_cast<double>(whole));
    return buf;
}

// The VNet's DNS64 resolver as the zone asks for it and as it runs.
struct Dns64State {
    std::string mode;                   // "local", "server" or "off"
    std::optional<std::string> server;  // the resolver announced: dns64-server or a gateway
    std::optional<pid_t> pid;           // the local resolver's, while it runs
    std::string text;                   // for the table
};

Dns64State dns64_state(const nat64d::VNetSpec &spec, const std::string &dir) {
    Dns64State d;
    if (spec.dns64_server) {
        d.mode = "server";
        d.server = nat64::format_ipv6(*spec.dns64_server);
        d.text = *d.server;
        return d;
    }
    if (spec.dns64 == nat64d::Dns64Mode::off) {
        d.mode = d.text = "off";
        return d;
    }
    d.mode = "local";
    nat64d::Dns64SupervisorOptions opt;
    opt.dir = dir;
    std::string why;
    if (!nat64d::vnet_dns64_config(spec, {}, opt, &why)) {
        d.text = "none: " + why;  // e.g. no subnet gateway to listen on
        return d;
    }
    d.pid = nat64d::dns64_resolver_pid(dir, spec.vnet);
    d.text = d.pid ? "pid " + std::to_string(*d.pid) : "NOT RUNNING";
    return d;
}

}  // namespace

ViewCommands::ViewCommands(CLI::App &app) {
    opt_.node = nat64d::this_node();

    status_ =
        app.add_subcommand("status",
                           "Per VNet of this node: instance, flows, sessions, pool4 use, router "
                           "advertisements, DNS64 resolver");
    status_->add_flag("--numeric", numeric_,
                      "pool4 use as BIB-ENTRIES/CAPACITY, no percent (for scripts)");
    status_
        ->add_option("--pve-root", pve_root_,
                     "Where to look for Proxmox VE's files when checking the zone type's "
                     "registration")
        ->type_name("DIR")
        ->capture_default_str();
    status_
        ->add_option("--dns64-dir", dns64_dir_,
                     "nat64d's --dns64-dir: where it keeps the DNS64 resolvers' files")
        ->type_name("DIR")
        ->capture_default_str();
    add_location_options(status_, opt_);
    add_format_options(status_, json_, csv_);
    status_->footer(
        std::string("Example:\n  nat64ctl status\n\n"
                    "The table ends with whether the ipv6only zone type is registered in\n"
                    "pve-network and the GUI; with --json or --csv a missing registration is\n"
                    "reported on stderr.\n\n") +
        kViewFooter);

    stats_ = app.add_subcommand("stats", "A VNet's translator counters");
    stats_->add_option("--vnet", vnet_, "The VNet")->type_name("VNET")->required();
    stats_->add_flag("--explain", explain_, "Add each counter's explanation");
    add_location_options(stats_, opt_);
    add_format_options(stats_, json_, csv_);
    stats_->footer(std::string("Example:\n  nat64ctl stats --vnet vnet1 --explain\n\n") +
                   kViewFooter);

    CLI::App *session =
        app.add_subcommand("session", "A VNet's stateful NAT64 sessions (RFC 6146)");
    session->require_subcommand(1);
    session->footer(
        "Example:\n  nat64ctl session list --vnet vnet1\n\n"
        "Run 'nat64ctl session list --help' for more.\n");
    sessions_ = session->add_subcommand("list", "List sessions");
    sessions_->add_option("--vnet", vnet_, "The VNet")->type_name("VNET")->required();
    sessions_->add_option("--protocol", protocol_, "Only tcp, udp or icmp")
        ->type_name("PROTO")
        ->check(CLI::IsMember({"tcp", "udp", "icmp"}));
    sessions_
        ->add_option("--address", address_,
                     "Only sessions of this IPv6 host, pool4 or remote address")
        ->type_name("ADDRESS");
    sessions_->add_flag("--numeric", numeric_, "Expiry in milliseconds, no units (for scripts)");
    add_location_options(sessions_, opt_);
    add_format_options(sessions_, json_, csv_);
    sessions_->footer(
        std::string("Example:\n  nat64ctl session list --vnet vnet1 --protocol tcp\n\n") +
        kViewFooter);

    flows_ = app.add_subcommand(
        "flows", "A VNet's OpenFlow flows (nat64d's cookie), as ovs-ofctl dump-flows");
    flows_->add_option("--vnet", vnet_, "The VNet")->type_name("VNET")->required();
    add_location_options(flows_, opt_);
    flows_->footer(std::string("Example:\n  nat64ctl flows --vnet vnet1\n\n") + kViewFooter);

    trace_ =
        app.add_subcommand("trace", "A packet's path through a VNet's pipeline (ofproto/trace)");
    trace_->add_option("--vnet", vnet_, "The VNet")->type_name("VNET")->required();
    trace_->add_option("FLOW", flow_, "The packet, in ovs-ofctl flow syntax")->required();
    add_location_options(trace_, opt_);
    trace_->footer(
        std::string("Example:\n  nat64ctl trace --vnet vnet1 "
                    "in_port=tap100i0,icmp6,ipv6_src=2001:db8:1::10,ipv6_dst=64:ff9b::c000:201,"
                    "icmp_type=128\n\n") +
        kViewFooter);
}

std::optional<int> ViewCommands::run() {
    if (status_->parsed()) return run_status();
    if (stats_->parsed()) return run_stats();
    if (sessions_->parsed()) return run_sessions();
    if (flows_->parsed()) return run_flows();
    if (trace_->parsed()) return run_trace();
    return std::nullopt;
}

int ViewCommands::run_status() {
    nat64d::Ovs ovs({"", opt_.ovs_rundir, opt_.ovs_ctl});
    Row header{"VNET", "INSTANCE", "RUNNING", "FLOWS", "SESSIONS", "POOL4-USE", "RA", "DNS64"};
    std::vector<Row> rows;
    OJson json = OJson::array();
    for (const auto &spec : vnets_here(opt_, "")) {
        const std::string id = std::to_string(spec.instance.instance);
        bool running = false;
        uint64_t sessions = 0, bibs = 0;
        size_t flows = 0;
        try {
            ovs.appctl("nat64/instance-show", {id});
            running = true;
            auto count = OJson::parse(ovs.appctl("nat64/session-show", {id, "--count"}));
            sessions = count.value("sessions", uint64_t{0});
            bibs = count.value("bib-entries", uint64_t{0});
            std::istringstream f(
                ovs.dump_flows(spec.vnet, nat64d::kCookieOwner, nat64d::kCookieOwnerMask));
            for (std::string l; std::getline(f, l);)
                flows += !l.empty();
        } catch (const std::exception &) {
            // Shown as not running (or no flows): that is the status.
        }
        const uint64_t capacity = pool4_capacity(spec.instance);
        const Dns64State dns = dns64_state(spec, dns64_dir_);
        rows.push_back({spec.vnet, id, running ? "yes" : "no", std::to_string(flows),
                        std::to_string(sessions),
                        numeric_ ? std::to_string(bibs) + "/" + std::to_string(capacity)
                                 : percent(bibs, capacity),
                        spec.ra ? "on" : "off", dns.text});
        json.push_back({{"vnet", spec.vnet},
                        {"instance", spec.instance.instance},
                        {"running", running},
                        {"flows", flows},
                        {"sessions", sessions},
                        {"bib-entries", bibs},
                        {"pool4-capacity", capacity},
                        {"ra", spec.ra},
                        {"dns64", dns.mode},
                        {"dns64-server", dns.server ? OJson(*dns.server) : OJson(nullptr)},
                        {"dns64-pid", dns.pid ? OJson(*dns.pid) : OJson(nullptr)}});
    }
    const Format format = format_of(json_, csv_);
    emit(std::cout, format, header, rows, json);
    // After the table: machine formats keep their schema, and a missing
    // registration (the zone type gone after an upgrade) still gets seen.
    const Registration reg = check_registration(pve_root_);
    if (format == Format::table) {
        std::cout << "\nZone plugin: " << reg.summary() << "\n";
    } else if (!reg.ok()) {
        std::cerr << "nat64ctl: zone plugin: " << reg.summary() << "\n";
    }
    return kExitOk;
}

int ViewCommands::run_stats() {
    const auto spec = vnets_here(opt_, vnet_).at(0);
    nat64d::Ovs ovs({"", opt_.ovs_rundir, opt_.ovs_ctl});
    std::vector<std::string> args{std::to_string(spec.instance.instance)};
    if (explain_) args.push_back("--explain");
    // "name: value" lines, each followed by an indented explanation with
    // --explain (docs/reference.md, "ovs-appctl nat64/...").
    std::istringstream in(ask(ovs, "nat64/stats", args));
    Row header{"COUNTER", "VALUE"};
    if (explain_) header.push_back("EXPLANATION");
    std::vector<Row> rows;
    OJson json = OJson::array();
    for (std::string l; std::getline(in, l);) {
        if (l.empty()) continue;
        if (l[0] == ' ' && !rows.empty()) {
            std::string text = l.substr(l.find_first_not_of(' '));
            rows.back().push_back(text);
            json.back()["explanation"] = text;
            continue;
        }
        auto colon = l.find(": ");
        if (colon == std::string::npos) continue;
        std::string name = l.substr(0, colon), value = l.substr(colon + 2);
        rows.push_back({name, value});
        json.push_back({{"counter", name}, {"value", std::stoull(value)}});
    }
    emit(std::cout, format_of(json_, csv_), header, rows, json);
    return kExitOk;
}

int ViewCommands::run_sessions() {
    const auto spec = vnets_here(opt_, vnet_).at(0);
    nat64d::Ovs ovs({"", opt_.ovs_rundir, opt_.ovs_ctl});
    std::vector<std::string> args{std::to_string(spec.instance.instance)};
    if (!protocol_.empty()) args.push_back(protocol_);
    if (!address_.empty()) args.push_back(address_);
    args.push_back("--json");
    OJson sessions;
    try {
        sessions = OJson::parse(ask(ovs, "nat64/session-show", args));
    } catch (const OJson::exception &e) {
        throw RuntimeFailure(std::string("nat64/session-show: unexpected answer: ") + e.what());
    }
    Row header{"PROTO", "IPV6 (VNET HOST)", "IPV4 (POOL4)", "REMOTE", "STATE", "EXPIRES-IN"};
    std::vector<Row> rows;
    for (const auto &s : sessions) {
        const uint64_t ms = s.value("expires-in-ms", uint64_t{0});
        char secs[32];
        std::snprintf(secs, sizeof secs, "%.1fs", static_cast<double>(ms) / 1000.0);
        rows.push_back({s.value("protocol", ""), s.value("ipv6", ""), s.value("ipv4", ""),
                        s.value("remote", ""), s.value("state", ""),
                        numeric_ ? std::to_string(ms) : std::string(secs)});
    }
    emit(std::cout, format_of(json_, csv_), header, rows, sessions);
    return kExitOk;
}

int ViewCommands::run_flows() {
    const auto spec = vnets_here(opt_, vnet_).at(0);
    nat64d::Ovs ovs({"", opt_.ovs_rundir, opt_.ovs_ctl});
    try {
        std::cout << ovs.dump_flows(spec.vnet, nat64d::kCookieOwner, nat64d::kCookieOwnerMask,
                                    true);
    } catch (const nat64d::OvsError &e) {
        throw RuntimeFailure(e.what());
    }
    return kExitOk;
}

int ViewCommands::run_trace() {
    const auto spec = vnets_here(opt_, vnet_).at(0);
    nat64d::Ovs ovs({"", opt_.ovs_rundir, opt_.ovs_ctl});
    std::string flow;
    for (const auto &f : flow_)
        flow += (flow.empty() ? "" : ",") + f;
    try {
        std::cout << ovs.appctl("ofproto/trace", {spec.vnet, flow});
    } catch (const nat64d::OvsError &e) {
        // ofproto/trace's own message says what is wrong with the flow.
        throw InputError(std::string("FLOW ") + flow + ": " + e.what());
    }
    return kExitOk;
}

}  // namespace nat64::ctl
