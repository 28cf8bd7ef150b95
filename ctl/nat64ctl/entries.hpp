// The entries nat64ctl adds to and removes from a VNet's settings (pool4,
// EAMT, static BIB), built from command-line arguments and checked by the
// translator core's own parser, so that a bad argument is refused with the
// argument's name before anything is written.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nat64::ctl {

// Canonical JSON of one entry, as the instance document spells it.
// Throws InputError naming the argument (PREFIX, --ports, ...).
nlohmann::ordered_json pool4_entry(const std::string &prefix, const std::string &ports,
                                   const std::vector<std::string> &protocols);
nlohmann::ordered_json eamt_entry(const std::string &ipv6, const std::string &ipv4);
nlohmann::ordered_json bib_entry(const std::string &protocol, const std::string &ipv6,
                                 const std::string &ipv4);

// An entry already in a settings object ("pool4", "eamt" or "static-bib"),
// with the defaults written out (ports, protocols), as the lists show it;
// as it is if the core refuses it (nat64d reports that).
nlohmann::ordered_json shown_entry(const char *key, const nlohmann::ordered_json &entry);

// Edits of a settings object ("pool4", "eamt", "static-bib" arrays).  add
// refuses an entry that is already there; remove refuses when nothing
// matches.  'what' names the entry in messages.
void add_entry(nlohmann::ordered_json &settings, const char *key,
               const nlohmann::ordered_json &entry, const std::string &what);
// Removes the entries for which match() is true; returns how many.
size_t remove_entries(nlohmann::ordered_json &settings, const char *key,
                      const std::function<bool(const nlohmann::ordered_json &)> &match,
                      const std::string &what);

}  // namespace nat64::ctl
