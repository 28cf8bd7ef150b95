#include "nat64ctl/ops_cmd.hpp"

#include <chrono>
#include <iostream>
#include <thread>

#include <spdlog/spdlog.h>

#include "nat64/config.hpp"
#include "nat64ctl/entries.hpp"
#include "nat64ctl/errors.hpp"
#include "nat64ctl/settings_store.hpp"
#include "nat64ctl/table.hpp"
#include "nat64d/ovs.hpp"
#include "nat64d/sdn_config.hpp"

namespace nat64::ctl {

using OJson = nlohmann::ordered_json;

namespace {

constexpr const char *kEditFooter =
    "The change is validated against the applied SDN configuration and every other VNet\n"
    "(overlapping IPv4 space, reserved addresses, ...) and written atomically to\n"
    "<config-dir>/nat64.json, which every node's nat64d reads. Unless --no-apply, nat64ctl\n"
    "then waits (--apply-timeout) until this node's datapath runs it.\n"
    "\n"
    "Exit codes: 0 done; 1 bad argument (the message names it), nothing written;\n"
    "2 failure while running, nothing written; 3 written, but this node's datapath did not\n"
    "pick it up in time (is nat64d running?).\n";

constexpr const char *kListFooter =
    "Lists what nat64.json holds for each VNet (or the one given), defaults written out.\n"
    "--json gives an array of objects (schema: docs/reference.md), --csv RFC 4180 CSV.\n"
    "\n"
    "Exit codes: 0 done; 1 bad argument (an unknown VNet); 2 nat64.json cannot be read.\n";

// The rows of one list, from every VNet's settings (or one VNet's).
struct Listing {
    Row header;
    std::vector<Row> rows;
    OJson json = OJson::array();
};

}  // namespace

void add_location_options(CLI::App *cmd, OpsOptions &opt) {
    cmd->add_option("--config-dir", opt.config_dir, "Directory of .running-config and nat64.json")
        ->type_name("DIR")
        ->capture_default_str();
    cmd->add_option("--node", opt.node, "This node's name (default: the host name)")
        ->type_name("NAME");
    cmd->add_option("--ovs-rundir", opt.ovs_rundir, "Open vSwitch run directory")
        ->type_name("DIR")
        ->capture_default_str();
    cmd->add_option("--ovs-ctl", opt.ovs_ctl, "ovs-vswitchd's control socket")->type_name("PATH");
}

void add_format_options(CLI::App *cmd, bool &json, bool &csv) {
    auto *j =
        cmd->add_flag("--json", json, "JSON: an array of objects (schema: docs/reference.md)");
    cmd->add_flag("--csv", csv, "CSV (RFC 4180) with a header line")->excludes(j);
}

void OpsCommands::add_common(CLI::App *cmd, bool edits) {
    add_location_options(cmd, opt_);
    if (edits) {
        cmd->add_option("--vnet", vnet_, "The VNet (of an ipv6only zone)")
            ->type_name("VNET")
            ->required();
        cmd->add_flag("--no-apply", no_apply_,
                      "Only write nat64.json; do not wait for the datapath");
        cmd->add_option("--apply-timeout", opt_.apply_timeout, "Seconds to wait for the datapath")
            ->type_name("SECONDS")
            ->check(CLI::Range(0.1, 600.0))
            ->capture_default_str();
        cmd->footer(kEditFooter);
    } else {
        cmd->add_option("--vnet", vnet_, "Only this VNet")->type_name("VNET");
        add_format_options(cmd, json_, csv_);
    }
}

OpsCommands::OpsCommands(CLI::App &app) {
    opt_.node = nat64d::this_node();

    CLI::App *pool4 =
        app.add_subcommand("pool4", "A VNet's pool4: IPv4 addresses and ports shared by its VMs");
    pool4->require_subcommand(1);
    pool4_.add = pool4->add_subcommand("add", "Add a pool4 entry");
    pool4_.add->add_option("PREFIX", prefix_, "IPv4 prefix, e.g. 198.51.100.64/30")->required();
    pool4_.add
        ->add_option("--ports", ports_, "Port (and ICMP identifier) range A-B (default 1-65535)")
        ->type_name("A-B");
    pool4_.add->add_option("--protocols", protocols_, "tcp,udp,icmp (default all three)")
        ->delimiter(',')
        ->type_name("LIST");
    pool4_.remove = pool4->add_subcommand("remove", "Remove pool4 entries (sessions on them end)");
    pool4_.remove->add_option("PREFIX", prefix_, "IPv4 prefix of the entries")->required();
    pool4_.remove->add_option("--ports", ports_, "Only the entry with this port range")
        ->type_name("A-B");
    pool4_.list = pool4->add_subcommand("list", "List configured pool4 entries");
    add_common(pool4_.add, true);
    add_common(pool4_.remove, true);
    add_common(pool4_.list, false);
    pool4_.add->footer(
        std::string(
            "Example:\n  nat64ctl pool4 add --vnet vnet1 198.51.100.64/30 --ports 1024-65535\n\n") +
        kEditFooter);

    CLI::App *eamt =
        app.add_subcommand("eamt", "A VNet's EAMT: explicit 1:1 IPv6<->IPv4 mappings (RFC 7757)");
    eamt->require_subcommand(1);
    eamt_.add = eamt->add_subcommand("add", "Add an EAMT entry");
    eamt_.remove = eamt->add_subcommand("remove", "Remove an EAMT entry");
    for (CLI::App *c : {eamt_.add, eamt_.remove}) {
        c->add_option("IPV6-PREFIX", ipv6_, "e.g. 2001:db8:1::5/128")->required();
        c->add_option("IPV4-PREFIX", ipv4_, "e.g. 198.51.100.5/32")->required();
        add_common(c, true);
    }
    eamt_.add->footer(
        std::string(
            "Example:\n  nat64ctl eamt add --vnet vnet1 2001:db8:1::5/128 198.51.100.5/32\n\n") +
        kEditFooter);
    eamt_.list = eamt->add_subcommand("list", "List EAMT entries");
    add_common(eamt_.list, false);

    CLI::App *bib =
        app.add_subcommand("bib", "A VNet's static BIB entries: port forwards to VMs (RFC 6146)");
    bib->require_subcommand(1);
    bib_.add = bib->add_subcommand("add", "Add a static BIB entry (port forward)");
    bib_.remove = bib->add_subcommand("remove", "Remove a static BIB entry");
    for (CLI::App *c : {bib_.add, bib_.remove}) {
        c->add_option("--protocol", protocol_, "tcp, udp or icmp")->type_name("PROTO")->required();
        c->add_option("IPV6#PORT", ipv6_, "The VM's transport address, e.g. 2001:db8:1::10#80")
            ->required();
        c->add_option("IPV4#PORT", ipv4_, "The pool4 transport address, e.g. 198.51.100.65#8080")
            ->required();
        add_common(c, true);
    }
    bib_.add->footer(std::string("Example:\n  nat64ctl bib add --vnet vnet1 --protocol tcp "
                                 "2001:db8:1::10#80 198.51.100.65#8080\n"
                                 "The IPv4 address must lie in the VNet's pool4.\n\n") +
                     kEditFooter);
    bib_.list = bib->add_subcommand("list", "List static BIB entries");
    add_common(bib_.list, false);

    // Every command's --help ends with an example.
    auto example = [](CLI::App *c, const std::string &ex, const std::string &more) {
        c->footer("Example:\n  nat64ctl " + ex + "\n\n" + more);
    };
    example(pool4_.remove, "pool4 remove --vnet vnet1 198.51.100.64/30", kEditFooter);
    example(eamt_.remove, "eamt remove --vnet vnet1 2001:db8:1::5/128 198.51.100.5/32",
            kEditFooter);
    example(bib_.remove,
            "bib remove --vnet vnet1 --protocol tcp 2001:db8:1::10#80 198.51.100.65#8080",
            kEditFooter);
    example(pool4_.list, "pool4 list --vnet vnet1 --json", kListFooter);
    example(eamt_.list, "eamt list --csv", kListFooter);
    example(bib_.list, "bib list --vnet vnet1", kListFooter);
    example(pool4, "pool4 add --vnet vnet1 198.51.100.64/30",
            "Run 'nat64ctl pool4 COMMAND --help' for more.\n");
    example(eamt, "eamt add --vnet vnet1 2001:db8:1::5/128 198.51.100.5/32",
            "Run 'nat64ctl eamt COMMAND --help' for more.\n");
    example(bib, "bib add --vnet vnet1 --protocol tcp 2001:db8:1::10#80 198.51.100.65#8080",
            "Run 'nat64ctl bib COMMAND --help' for more.\n");
}

std::optional<int> OpsCommands::run() {
    auto any = [](const Sub &s) {
        return s.add->parsed() || s.remove->parsed() || s.list->parsed();
    };
    if (any(pool4_)) return run_pool4();
    if (any(eamt_)) return run_eamt();
    if (any(bib_)) return run_bib();
    return std::nullopt;
}

namespace {

// Rows of key 'key' from every VNet's settings, through 'row'.
Listing list(const SettingsStore &store, const std::string &only, const char *key, Row header,
             const std::function<Row(const OJson &)> &row,
             const std::vector<const char *> &fields) {
    Listing l{std::move(header), {}, OJson::array()};
    OJson doc = only.empty() ? store.load() : OJson{{"vnets", {{only, store.vnet_settings(only)}}}};
    for (const auto &[vnet, settings] : doc["vnets"].items()) {
        if (!settings.contains(key)) continue;
        for (const auto &raw : settings[key]) {
            const OJson e = shown_entry(key, raw);
            Row r = row(e);
            r.insert(r.begin(), vnet);
            l.rows.push_back(r);
            OJson j = {{"vnet", vnet}};
            for (const char *f : fields)
                j[f] = e.value(f, OJson());
            l.json.push_back(j);
        }
    }
    return l;
}

void print(const Listing &l, bool json, bool csv) {
    emit(std::cout,
         json  ? Format::json
         : csv ? Format::csv
               : Format::table,
         l.header, l.rows, l.json);
}

std::string join(const OJson &a) {
    std::string s;
    for (const auto &x : a)
        s += (s.empty() ? "" : ",") + x.get<std::string>();
    return s;
}

}  // namespace

std::string OpsCommands::edit(SettingsStore &store, const std::string &what,
                              const std::function<void(OJson &)> &fn) {
    try {
        return store.edit(vnet_, fn);
    } catch (const InputError &e) {
        // nat64d's words for a problem of this VNet ("nat64.json: vnet V:
        // /pool4/1/prefix: ...") become the entry's: what the operator typed.
        const std::string m = e.what();
        const std::string prefix = std::string(nat64d::kSettingsFile) + ": vnet " + vnet_ + ": ";
        if (m.rfind(prefix, 0) == 0) throw InputError(what + ": " + m.substr(prefix.size()));
        throw;
    }
}

int OpsCommands::finish_edit(const std::string &what, const std::string &text) {
    SettingsStore store(opt_.config_dir, opt_.node);
    if (no_apply_) {
        std::cout << what << " (written; not waiting for the datapath)\n";
        return kExitOk;
    }
    auto spec = store.spec_here(vnet_, text);
    if (!spec) {
        std::cout << what << " (written; vnet " << vnet_ << " does not run on node " << opt_.node
                  << ")\n";
        return kExitOk;
    }
    // nat64d notices the change and applies it; the change is in when the
    // instance shows exactly the entries just written.
    nat64d::Ovs ovs({"", opt_.ovs_rundir, opt_.ovs_ctl});
    const auto start = std::chrono::steady_clock::now();
    const auto deadline =
        start + std::chrono::milliseconds(static_cast<int>(opt_.apply_timeout * 1000));
    std::string last;
    do {
        try {
            auto have = nat64::parse_instance_config(
                ovs.appctl("nat64/instance-show", {std::to_string(spec->instance.instance)}));
            if (have.pool4 == spec->instance.pool4 && have.eamt == spec->instance.eamt &&
                have.static_bib == spec->instance.static_bib) {
                auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now() - start)
                              .count();
                std::cout << what << " (in this node's datapath after " << ms << " ms)\n";
                return kExitOk;
            }
            last = "instance " + std::to_string(spec->instance.instance) + " does not show it yet";
        } catch (const std::exception &e) {
            last = e.what();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    } while (std::chrono::steady_clock::now() < deadline);
    std::cout << what << " (written)\n";
    spdlog::warn("not in this node's datapath after {} s ({}): is nat64d running?",
                 opt_.apply_timeout, last);
    return kExitNotApplied;
}

// Adds 'entry' to, or removes that exact entry from, the VNet's list 'key'.
int OpsCommands::add_or_remove(SettingsStore &store, bool add, const char *key, const OJson &entry,
                               const std::string &what) {
    const std::string where = what + " in vnet " + vnet_;
    std::string text = edit(store, what, [&](OJson &s) {
        if (add) {
            add_entry(s, key, entry, where);
        } else {
            remove_entries(
                s, key, [&](const OJson &e) { return e == entry; }, where);
        }
    });
    return finish_edit(what + (add ? " added to vnet " : " removed from vnet ") + vnet_, text);
}

int OpsCommands::run_pool4() {
    SettingsStore store(opt_.config_dir, opt_.node);
    if (pool4_.list->parsed()) {
        Listing l = list(store, vnet_, "pool4", {"VNET", "PREFIX", "PORTS", "PROTOCOLS"},
                         [](const OJson &e) {
                             return Row{e.value("prefix", ""), e.value("ports", ""),
                                        join(e.value("protocols", OJson::array()))};
                         },
                         {"prefix", "ports", "protocols"});
        print(l, json_, csv_);
        return kExitOk;
    }
    if (pool4_.add->parsed()) {
        OJson entry = pool4_entry(prefix_, ports_, protocols_);
        std::string what = "pool4 " + entry["prefix"].get<std::string>() + " ports " +
                           entry["ports"].get<std::string>() + " (" + join(entry["protocols"]) +
                           ")";
        std::string text = edit(store, what, [&](OJson &s) {
            add_entry(s, "pool4", entry, what + " in vnet " + vnet_);
        });
        return finish_edit(what + " added to vnet " + vnet_, text);
    }
    OJson probe = pool4_entry(prefix_, ports_, {});
    std::string what =
        "pool4 " + probe["prefix"].get<std::string>() + (ports_.empty() ? "" : " ports " + ports_);
    size_t n = 0;
    std::string text = edit(store, what, [&](OJson &s) {
        n = remove_entries(
            s, "pool4",
            [&](const OJson &e) {
                return e.value("prefix", "") == probe["prefix"] &&
                       (ports_.empty() || e.value("ports", "") == probe["ports"]);
            },
            what + " in vnet " + vnet_);
    });
    return finish_edit(what + " removed from vnet " + vnet_ + " (" + std::to_string(n) + " entr" +
                           (n == 1 ? "y" : "ies") + ")",
                       text);
}

int OpsCommands::run_eamt() {
    SettingsStore store(opt_.config_dir, opt_.node);
    if (eamt_.list->parsed()) {
        Listing l = list(store, vnet_, "eamt", {"VNET", "IPV6-PREFIX", "IPV4-PREFIX"},
                         [](const OJson &e) {
                             return Row{e.value("ipv6", ""), e.value("ipv4", "")};
                         },
                         {"ipv6", "ipv4"});
        print(l, json_, csv_);
        return kExitOk;
    }
    OJson entry = eamt_entry(ipv6_, ipv4_);
    std::string what =
        "EAMT " + entry["ipv6"].get<std::string>() + " " + entry["ipv4"].get<std::string>();
    return add_or_remove(store, eamt_.add->parsed(), "eamt", entry, what);
}

int OpsCommands::run_bib() {
    SettingsStore store(opt_.config_dir, opt_.node);
    if (bib_.list->parsed()) {
        Listing l =
            list(store, vnet_, "static-bib", {"VNET", "PROTOCOL", "IPV6#PORT", "IPV4#PORT"},
                 [](const OJson &e) {
                     return Row{e.value("protocol", ""), e.value("ipv6", ""), e.value("ipv4", "")};
                 },
                 {"protocol", "ipv6", "ipv4"});
        print(l, json_, csv_);
        return kExitOk;
    }
    OJson entry = bib_entry(protocol_, ipv6_, ipv4_);
    std::string what = "static BIB " + entry["protocol"].get<std::string>() + " " +
                       entry["ipv6"].get<std::string>() + " " + entry["ipv4"].get<std::string>();
    return add_or_remove(store, bib_.add->parsed(), "static-bib", entry, what);
}

}  // namespace nat64::ctl
