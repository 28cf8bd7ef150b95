// Test helper for dns64_unbound_test.sh: renders nat64d's unbound.conf
// (ctl/nat64d/dns64.hpp) from a JSON description of a Dns64Config, so the
// shell test runs the real unbound with exactly what nat64d would write.
//
//   dns64_render '{"listen": ["2001:db8:1::1"], "allow": ["2001:db8:1::/64"],
//                  "pool6": "64:ff9b::/96", "forwarders": ["192.0.2.53"],
//                  "run-dir": "/run/x"}'
//
// Keys: listen, port, allow, pool6, forwarders, exclude4, run-dir,
// username, use-syslog, verbosity (the Dns64Config fields), and
// resolv-conf: a file whose nameservers (node_resolvers) are appended to
// forwarders.  Prints the file on stdout; exit 2 with a message on stderr
// for a bad document or an invalid configuration.
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "nat64d/dns64.hpp"

namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string &msg) {
    throw std::runtime_error(msg);
}

std::string text(const json &v, const std::string &key) {
    if (!v.is_string()) fail(key + ": expected a string");
    return v.get<std::string>();
}

nat64d::Dns64Config parse(const json &doc) {
    if (!doc.is_object()) fail("expected a JSON object");
    nat64d::Dns64Config c;
    for (const auto &[key, v] : doc.items()) {
        auto each = [&](auto add) {
            if (!v.is_array()) fail(key + ": expected a list");
            for (const json &e : v)
                add(text(e, key));
        };
        if (key == "listen") {
            each([&](const std::string &s) {
                auto a = nat64::parse_ipv6(s);
                if (!a) fail("listen: not an IPv6 address: " + s);
                c.listen.push_back(*a);
            });
        } else if (key == "allow") {
            each([&](const std::string &s) {
                auto p = nat64::parse_ipv6_prefix(s);
                if (!p) fail("allow: not an IPv6 prefix: " + s);
                c.allow.push_back(*p);
            });
        } else if (key == "exclude4") {
            each([&](const std::string &s) {
                auto p = nat64::parse_ipv4_prefix(s);
                if (!p) fail("exclude4: not an IPv4 prefix: " + s);
                c.exclude4.push_back(*p);
            });
        } else if (key == "forwarders") {
            each([&](const std::string &s) { c.forwarders.push_back(s); });
        } else if (key == "pool6") {
            auto p = nat64::parse_ipv6_prefix(text(v, key));
            if (!p) fail("pool6: not an IPv6 prefix");
            c.pool6 = *p;
        } else if (key == "port") {
            if (!v.is_number_unsigned() || v.get<uint64_t>() > 65535)
                fail("port: expected 0..65535");
            c.port = v.get<uint16_t>();
        } else if (key == "run-dir") {
            c.run_dir = text(v, key);
        } else if (key == "username") {
            c.username = text(v, key);
        } else if (key == "use-syslog") {
            if (!v.is_boolean()) fail("use-syslog: expected true or false");
            c.use_syslog = v.get<bool>();
        } else if (key == "verbosity") {
            if (!v.is_number_unsigned()) fail("verbosity: expected a number");
            c.verbosity = v.get<unsigned>();
        } else if (key == "resolv-conf") {
            std::ifstream in(text(v, key));
            if (!in) fail("resolv-conf: cannot read " + v.get<std::string>());
            std::ostringstream s;
            s << in.rdbuf();
            for (const std::string &r : nat64d::node_resolvers(s.str()))
                c.forwarders.push_back(r);
        } else {
            fail("unknown key " + key);
        }
    }
    return c;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc != 2) {
        std::cerr << "usage: dns64_render JSON\n";
        return 2;
    }
    try {
        const nat64d::UnboundConf conf = nat64d::render_unbound_conf(parse(json::parse(argv[1])));
        if (!conf.ok()) {
            std::cerr << "dns64_render: " << conf.error->message() << "\n";
            return 2;
        }
        std::cout << conf.text;
        return 0;
    } catch (const std::exception &e) {
        std::cerr << "dns64_render: " << e.what() << "\n";
        return 2;
    }
}
