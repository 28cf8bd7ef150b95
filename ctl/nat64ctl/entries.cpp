#include "nat64ctl/entries.hpp"

#include <functional>
#include <map>
#include <string_view>

#include "nat64/config.hpp"
#include "nat64ctl/errors.hpp"

namespace nat64::ctl {

using OJson = nlohmann::ordered_json;

namespace {

// Parses a one-entry instance document through the core and returns the
// entry in canonical form.  A ConfigError names a JSON pointer such as
// /pool4/0/ports; 'args' maps its last token to the command-line argument.
// A ConfigError names a JSON pointer such as /pool4/0/ports; 'args' maps
// its tokens to the command-line arguments ("" is the fallback).
std::string argument_error(const nat64::ConfigError &e,
                           const std::map<std::string, std::string> &args) {
    const std::string &k = e.key();
    std::string name = args.at("");
    for (const auto &[token, arg] : args) {
        if (!token.empty() &&
            (k.find("/" + token + "/") != std::string::npos || k.ends_with("/" + token))) {
            name = arg;
        }
    }
    std::string why = e.what();
    // what() is "KEY: WHY (got VALUE)": keep WHY and VALUE, name the argument.
    if (!k.empty() && why.rfind(k + ": ", 0) == 0) why = why.substr(k.size() + 2);
    return name + ": " + why;
}

// Parses a one-entry instance document through the core and returns the
// entry in canonical form.
OJson canonical(const char *key, const OJson &entry,
                const std::map<std::string, std::string> &args) {
    OJson doc = {{"instance", 1}, {key, OJson::array({entry})}};
    try {
        auto c = nat64::parse_instance_config(doc.dump());
        return OJson::parse(nat64::to_json(c))[key].at(0);
    } catch (const nat64::ConfigError &e) {
        throw InputError(argument_error(e, args));
    }
}

}  // namespace

OJson shown_entry(const char *key, const OJson &entry) {
    try {
        if (std::string_view(key) == "static-bib") {
            return OJson::parse(nat64::to_json(nat64::parse_static_bib_entry(entry.dump())));
        }
        return canonical(key, entry, {{"", ""}});
    } catch (const std::exception &) {
        return entry;
    }
}

OJson pool4_entry(const std::string &prefix, const std::string &ports,
                  const std::vector<std::string> &protocols) {
    OJson e = {{"prefix", prefix}};
    if (!ports.empty()) e["ports"] = ports;
    if (!protocols.empty()) e["protocols"] = protocols;
    return canonical("pool4", e,
                     {{"prefix", "PREFIX " + prefix},
                      {"ports", "--ports " + ports},
                      {"protocols", "--protocols"},
                      {"", "pool4 entry"}});
}

OJson eamt_entry(const std::string &ipv6, const std::string &ipv4) {
    return canonical("eamt", {{"ipv6", ipv6}, {"ipv4", ipv4}},
                     {{"ipv6", "IPV6-PREFIX " + ipv6},
                      {"ipv4", "IPV4-PREFIX " + ipv4},
                      {"", "EAMT entry " + ipv6 + " " + ipv4}});
}

OJson bib_entry(const std::string &protocol, const std::string &ipv6, const std::string &ipv4) {
    // Alone, not in a document: whether the address lies in pool4 is for
    // the whole settings to say (SettingsStore validates them).
    OJson e = {{"protocol", protocol}, {"ipv6", ipv6}, {"ipv4", ipv4}};
    try {
        return OJson::parse(nat64::to_json(nat64::parse_static_bib_entry(e.dump())));
    } catch (const nat64::ConfigError &err) {
        throw InputError(argument_error(err, {{"protocol", "--protocol " + protocol},
                                              {"ipv6", "IPV6#PORT " + ipv6},
                                              {"ipv4", "IPV4#PORT " + ipv4},
                                              {"", "static BIB entry"}}));
    }
}

void add_entry(OJson &settings, const char *key, const OJson &entry, const std::string &what) {
    OJson &list = settings[key];
    if (list.is_null()) list = OJson::array();
    for (const auto &e : list) {
        if (shown_entry(key, e) == entry) throw InputError(what + " is already there");
    }
    list.push_back(entry);
}

size_t remove_entries(OJson &settings, const char *key,
                      const std::function<bool(const OJson &)> &match, const std::string &what) {
    if (!settings.contains(key)) throw InputError(what + ": no such entry");
    OJson &list = settings[key];
    OJson kept = OJson::array();
    size_t removed = 0;
    for (const auto &e : list) {
        // Compared in canonical form: an entry written by hand as
        // "2001:db8::5" is the same as "2001:db8::5/128".
        if (match(shown_entry(key, e))) {
            removed++;
        } else {
            kept.push_back(e);
        }
    }
    if (removed == 0) throw InputError(what + ": no such entry");
    list = std::move(kept);
    if (list.empty()) settings.erase(key);
    return removed;
}

}  // namespace nat64::ctl
