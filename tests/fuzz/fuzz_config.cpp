// libFuzzer target for the instance configuration parser.
//
// Properties checked on every input:
//  - the parsers throw nothing but ConfigError (they face operator input
//    through nat64ctl and ovs-appctl);
//  - whatever parses survives the round trip: parse(to_json(c)) == c,
//    compact and indented, and to_json is a fixed point (canonical form).
// The same bytes also go through parse_eamt_entry, which shares the
// document reader.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include "nat64/config.hpp"

namespace {

[[noreturn]] void die(const char *what, const std::string &detail) {
    std::fprintf(stderr, "fuzz_config: %s\n%s\n", what, detail.c_str());
    std::abort();
}

// Runs f; a ConfigError means "rejected" (false), anything else aborts.
template <class F>
bool accepted(F f, std::string_view input) {
    try {
        f();
        return true;
    } catch (const nat64::ConfigError &) {
        return false;
    } catch (const std::exception &e) {
        die(e.what(), std::string(input));
    } catch (...) {
        die("unknown exception", std::string(input));
    }
}

void check_instance_config(std::string_view input) {
    nat64::InstanceConfig c;
    if (!accepted([&] { c = nat64::parse_instance_config(input); }, input)) return;

    for (int indent : {-1, 2}) {
        std::string text = nat64::to_json(c, indent);
        nat64::InstanceConfig back;
        if (!accepted([&] { back = nat64::parse_instance_config(text); }, text)) {
            die("to_json output does not parse", text);
        }
        if (!(back == c)) die("parse(to_json(c)) != c", text);
        if (nat64::to_json(back, indent) != text) die("to_json is not canonical", text);
    }
}

void check_eamt_entry(std::string_view input) {
    nat64::EamtEntry e;
    if (!accepted([&] { e = nat64::parse_eamt_entry(input); }, input)) return;
    std::string text = nat64::to_json(e);
    nat64::EamtEntry back;
    if (!accepted([&] { back = nat64::parse_eamt_entry(text); }, text)) {
        die("to_json(EamtEntry) output does not parse", text);
    }
    if (!(back == e)) die("parse_eamt_entry(to_json(e)) != e", text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string_view input(reinterpret_cast<const char *>(data), size);
    check_instance_config(input);
    check_eamt_entry(input);
    return 0;
}
