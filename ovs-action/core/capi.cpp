// The C ABI (include/nat64/nat64.h) over Registry/Instance.  No C++
// exception crosses it: configuration errors come back as messages.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <nlohmann/json.hpp>
#include <string>

#include "capi_common.hpp"
#include "epoch.hpp"
#include "nat64/config.hpp"
#include "nat64/nat64.h"
#include "registry.hpp"
#include "xlat.hpp"

using nat64::Registry;

using nat64::capi::dup_string;
using nat64::capi::guarded;
using nat64::capi::no_instance;
using nat64::capi::set_error;

extern "C" {

struct nat64_instance *nat64_instance_find(uint32_t id) {
    nat64::Epoch::Guard g;
    return reinterpret_cast<nat64_instance *>(Registry::get().find(id));
}

size_t nat64_translate_burst(struct nat64_instance *inst, struct nat64_pkt *pkts, size_t n,
                             uint64_t now_ms, unsigned flags) {
    nat64::Epoch::Guard g;
    if (!inst) {
        for (size_t i = 0; i < n; i++)
            nat64::set_drop(pkts[i], NAT64_C_DROP_UNKNOWN_INSTANCE);
        if (!(flags & NAT64_F_DRY_RUN)) Registry::get().count_unknown(n);
        return 0;
    }
    return reinterpret_cast<nat64::Instance *>(inst)->translate(pkts, n, now_ms, flags);
}

size_t nat64_translate_burst_id(uint32_t id, struct nat64_pkt *pkts, size_t n, uint64_t now_ms,
                                unsigned flags) {
    nat64::Epoch::Guard g;  // keeps the instance alive across the burst
    auto *inst = reinterpret_cast<nat64_instance *>(Registry::get().find(id));
    return nat64_translate_burst(inst, pkts, n, now_ms, flags);
}

int nat64_instance_set(const char *json, char **error) {
    return guarded(error, [&] {
        if (!json) throw nat64::ConfigError("", "null", "no document");
        Registry::get().set(nat64::parse_instance_config(json));
        return 0;
    });
}

int nat64_instance_del(uint32_t id, char **error) {
    return guarded(error, [&] {
        if (!Registry::get().del(id)) {
            set_error(error, no_instance(id));
            return -1;
        }
        return 0;
    });
}

char *nat64_instance_show(uint32_t id, char **error) {
    char *out = nullptr;
    guarded(error, [&] {
        Registry &r = Registry::get();
        if (id == 0) {
            std::string doc = "[";
            for (const auto &cfg : r.configs()) {
                if (doc.size() > 1) doc += ",";
                doc += nat64::to_json(cfg);
            }
            doc += "]";
            out = dup_string(nlohmann::json::parse(doc).dump(2));
            return 0;
        }
        auto cfg = r.config(id);
        if (!cfg) {
            set_error(error, no_instance(id));
            return -1;
        }
        out = dup_string(nat64::to_json(*cfg, 2));
        return 0;
    });
    return out;
}

int nat64_eamt_add(uint32_t id, const char *entry_json, char **error) {
    return nat64::capi::edit_list(id, entry_json, true, error, &nat64::InstanceConfig::eamt,
                                  nat64::parse_eamt_entry, "EAMT entry");
}

int nat64_eamt_del(uint32_t id, const char *entry_json, char **error) {
    return nat64::capi::edit_list(id, entry_json, false, error, &nat64::InstanceConfig::eamt,
                                  nat64::parse_eamt_entry, "EAMT entry");
}

char *nat64_stats(uint32_t id, int explain, char **error) {
    char *out = nullptr;
    guarded(error, [&] {
        nlohmann::ordered_json j = nlohmann::ordered_json::object();
        auto put = [&](nat64_counter c, uint64_t v) {
            if (explain) {
                j[nat64_counter_name(c)] = {{"value", v}, {"help", nat64_counter_help(c)}};
            } else {
                j[nat64_counter_name(c)] = v;
            }
        };
        if (id == 0) {
            // Packets for instances that do not exist belong to none.
            put(NAT64_C_DROP_UNKNOWN_INSTANCE, Registry::get().unknown());
        } else {
            auto counters = Registry::get().counters(id);
            if (!counters) {
                set_error(error, no_instance(id));
                return -1;
            }
            for (unsigned c = 0; c < NAT64_C_N; c++) {
                put(static_cast<nat64_counter>(c), (*counters)[c]);
            }
        }
        out = dup_string(j.dump(2));
        return 0;
    });
    return out;
}

void nat64_free(void *p) {
    std::free(p);
}

void nat64_reset(void) {
    Registry::get().clear();
}

}  // extern "C"
