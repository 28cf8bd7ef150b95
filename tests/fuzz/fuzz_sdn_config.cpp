// libFuzzer target for nat64d's configuration reader (ctl/nat64d/
// sdn_config.cpp): .running-config and nat64.json are operator input (a
// hand edit, a half-written file), and nat64d must answer every input with
// a result or a ConfigFileError, never a crash.
//
// Input: the bytes up to the first NUL are .running-config, the rest
// nat64.json; without a NUL, .running-config alone.
// Properties checked on every input:
//  - build_desired throws nothing but ConfigFileError;
//  - every good VNet is complete: its instance document round-trips
//    through the core's parser, and its instance id is unique on the node;
//  - no VNet is both good and failed.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <set>
#include <string>

#include "nat64d/sdn_config.hpp"

namespace {

[[noreturn]] void die(const char *what, const std::string &detail) {
    std::fprintf(stderr, "fuzz_sdn_config: %s\n%s\n", what, detail.c_str());
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string in(reinterpret_cast<const char *>(data), size);
    const size_t nul = in.find('\0');
    const std::string running = in.substr(0, nul);
    std::optional<std::string> settings;
    if (nul != std::string::npos) settings = in.substr(nul + 1);

    nat64d::Desired d;
    try {
        d = nat64d::build_desired(running, settings, "pve1");
    } catch (const nat64d::ConfigFileError &) {
        return 0;
    } catch (const std::exception &e) {
        die(e.what(), in);
    }
    std::set<uint32_t> ids;
    for (const auto &[id, vnet] : d.vnets) {
        if (d.failed.count(id) != 0) die("a VNet is both good and failed", id);
        if (!ids.insert(vnet.instance.instance).second) die("instance id used twice", id);
        try {
            if (nat64::parse_instance_config(nat64::to_json(vnet.instance)) != vnet.instance) {
                die("instance document does not round-trip", id);
            }
        } catch (const std::exception &e) {
            die(e.what(), id);
        }
    }
    return 0;
}
