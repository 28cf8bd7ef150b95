// Helpers shared by the C ABI's translation units (capi.cpp,
// capi_state.cpp): no C++ exception crosses the ABI; configuration errors
// come back as malloc()ed messages.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "nat64/config.hpp"
#include "registry.hpp"

namespace nat64::capi {

inline void set_error(char **error, const std::string &msg) {
    if (error) *error = strdup(msg.c_str());
}

inline char *dup_string(const std::string &s) {
    return strdup(s.c_str());
}

// Runs a control-path operation, turning exceptions into an error message.
template <typename F>
int guarded(char **error, F &&f) {
    if (error) *error = nullptr;
    try {
        return f();
    } catch (const ConfigError &e) {
        set_error(error, e.what());
    } catch (const std::exception &e) {
        set_error(error, std::string("internal error: ") + e.what());
    } catch (...) {
        set_error(error, "internal error");
    }
    return -1;
}

inline std::string no_instance(uint32_t id) {
    return "no translator instance " + std::to_string(id);
}

// Adds or removes one entry of a list in instance 'id''s document (the
// EAMT, the static BIB) through Registry::edit, which re-validates the
// whole document: an edit can never leave overlapping or malformed entries.
// 'what' names the list in messages.
template <class Entry>
int edit_list(uint32_t id, const char *entry_json, bool add, char **error,
              std::vector<Entry> InstanceConfig::*list, Entry (*parse)(std::string_view),
              const char *what) {
    return guarded(error, [&] {
        if (!entry_json) throw ConfigError("", "null", std::string("no ") + what);
        const Entry e = parse(entry_json);
        bool found = true;
        const bool exists = Registry::get().edit(id, [&](InstanceConfig &cfg) {
            std::vector<Entry> &v = cfg.*list;
            if (add) {
                v.push_back(e);
                return;
            }
            auto it = std::find(v.begin(), v.end(), e);
            if (it == v.end()) {
                found = false;
                return;
            }
            v.erase(it);
        });
        if (!exists) {
            set_error(error, no_instance(id));
            return -1;
        }
        if (!found) {
            set_error(error,
                      "instance " + std::to_string(id) + " has no " + what + " " + to_json(e));
            return -1;
        }
        return 0;
    });
}

}  // namespace nat64::capi
