// The stateful part of the C ABI: BIB and session views, flush, static BIB
// edits, housekeeping (expiry, RFC 6888 logging).  Control path only.
#include <cinttypes>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <nlohmann/json.hpp>
#include <string>

#include "capi_common.hpp"
#include "nat64/config.hpp"
#include "nat64/nat64.h"
#include "registry.hpp"
#include "state.hpp"

using nat64::Instance;
using nat64::Registry;

namespace {

using Json = nlohmann::ordered_json;
using nat64::capi::guarded;
using nat64::capi::no_instance;
using nat64::capi::set_error;

// The filter arguments, validated: a bad one is an error naming it.
nat64::StateFilter make_filter(const char *proto, const char *addr) {
    nat64::StateFilter f;
    if (proto && *proto) {
        f.proto = nat64::protocol_from_string(proto);
        if (!f.proto) {
            throw nat64::ConfigError("protocol", proto, "expected \"tcp\", \"udp\" or \"icmp\"");
        }
    }
    if (addr && *addr) {
        if (auto a6 = nat64::parse_ipv6(addr)) {
            f.addr6 = *a6;
        } else if (auto a4 = nat64::parse_ipv4(addr)) {
            f.addr4 = *a4;
        } else {
            // The glue passes any word that is not a protocol here.
            throw nat64::ConfigError("filter", addr,
                                     "expected tcp, udp or icmp, or an IPv6 or IPv4 address");
        }
    }
    return f;
}

std::string transport6(const nat64::Ipv6Addr &a, uint16_t port) {
    return nat64::format_ipv6(a) + "#" + std::to_string(port);
}
std::string transport4(uint32_t a, uint16_t port) {
    return nat64::format_ipv4(a) + "#" + std::to_string(port);
}

// Runs 'fn' on the instance's state, or fails with a message saying why
// there is none.
template <typename F>
int with_state(uint32_t id, char **error, F &&fn) {
    int rc = 0;
    bool exists = Registry::get().visit(id, [&](Instance &inst) {
        nat64::State *st = inst.state();
        if (!st) {
            set_error(error, "translator instance " + std::to_string(id) +
                                 " is stateless (no pool4): it has no BIB or sessions");
            rc = -1;
            return;
        }
        rc = fn(inst, *st);
    });
    if (!exists) {
        set_error(error, no_instance(id));
        return -1;
    }
    return rc;
}

std::string pad(std::string s, size_t w) {
    if (s.size() < w) s.append(w - s.size(), ' ');
    return s;
}

std::string expires_in(uint64_t expires, uint64_t now) {
    const uint64_t ms = expires > now ? expires - now : 0;
    return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) + "s";
}

const char *kind_name(nat64::LogEvent::Kind k) {
    switch (k) {
        case nat64::LogEvent::bib_add:
            return "bib-add";
        case nat64::LogEvent::bib_del:
            return "bib-del";
        case nat64::LogEvent::session_add:
            return "session-add";
        case nat64::LogEvent::session_del:
            return "session-del";
    }
    return "?";
}

}  // namespace

extern "C" {

char *nat64_bib_list(uint32_t id, const char *proto, const char *addr, uint64_t now_ms, int text,
                     char **error) {
    char *out = nullptr;
    guarded(error, [&] {
        const nat64::StateFilter f = make_filter(proto, addr);
        return with_state(id, error, [&](Instance &, nat64::State &st) {
            const auto bibs = st.bibs(f, now_ms);
            std::string s;
            if (text) {
                size_t n_static = 0;
                for (const auto &b : bibs)
                    n_static += b.is_static;
                s = "instance " + std::to_string(id) + ": " + std::to_string(bibs.size()) +
                    " BIB entries (" + std::to_string(n_static) + " static)\n";
                if (!bibs.empty()) {
                    s += "PROTO  " + pad("IPV6 TRANSPORT ADDRESS", 46) +
                         pad("IPV4 TRANSPORT ADDRESS", 24) + "SESSIONS  TYPE\n";
                }
                for (const auto &b : bibs) {
                    s += pad(std::string(nat64::protocol_to_string(b.proto)), 7) +
                         pad(transport6(b.addr6, b.port6), 46) +
                         pad(transport4(b.addr4, b.port4), 24) +
                         pad(std::to_string(b.sessions), 10) +
                         (b.is_static ? "static" : "dynamic") + "\n";
                }
            } else {
                Json j = Json::array();
                for (const auto &b : bibs) {
                    j.push_back({{"protocol", nat64::protocol_to_string(b.proto)},
                                 {"ipv6", transport6(b.addr6, b.port6)},
                                 {"ipv4", transport4(b.addr4, b.port4)},
                                 {"static", b.is_static},
                                 {"sessions", b.sessions}});
                }
                s = j.dump(2);
            }
            out = strdup(s.c_str());
            return 0;
        });
    });
    return out;
}

char *nat64_session_list(uint32_t id, const char *proto, const char *addr, uint64_t now_ms,
                         int text, char **error) {
    char *out = nullptr;
    guarded(error, [&] {
        const nat64::StateFilter f = make_filter(proto, addr);
        return with_state(id, error, [&](Instance &, nat64::State &st) {
            const auto sessions = st.sessions(f, now_ms);
            std::string s;
            auto state_of = [](const nat64::SessionInfo &x) -> std::string {
                return x.proto == nat64::Protocol::tcp ? nat64::tcp_state_name(x.tcp_state) : "-";
            };
            if (text) {
                s = "instance " + std::to_string(id) + ": " + std::to_string(sessions.size()) +
                    " sessions\n";
                if (!sessions.empty()) {
                    s += "PROTO  " + pad("IPV6 (VNET HOST)", 46) + pad("IPV4 (POOL4)", 24) +
                         pad("REMOTE", 24) + pad("STATE", 19) + "EXPIRES IN\n";
                }
                for (const auto &x : sessions) {
                    s += pad(std::string(nat64::protocol_to_string(x.proto)), 7) +
                         pad(transport6(x.addr6, x.port6), 46) +
                         pad(transport4(x.addr4, x.port4), 24) +
                         pad(transport4(x.remote4, x.rport), 24) + pad(state_of(x), 19) +
                         expires_in(x.expires_ms, now_ms) + "\n";
                }
            } else {
                Json j = Json::array();
                for (const auto &x : sessions) {
                    j.push_back({{"protocol", nat64::protocol_to_string(x.proto)},
                                 {"ipv6", transport6(x.addr6, x.port6)},
                                 {"ipv4", transport4(x.addr4, x.port4)},
                                 {"remote", transport4(x.remote4, x.rport)},
                                 {"state", state_of(x)},
                                 {"expires-in-ms", x.expires_ms - std::min(x.expires_ms, now_ms)}});
                }
                s = j.dump(2);
            }
            out = strdup(s.c_str());
            return 0;
        });
    });
    return out;
}

long long nat64_session_flush(uint32_t id, const char *proto, const char *addr, uint64_t now_ms,
                              char **error) {
    long long removed = -1;
    guarded(error, [&] {
        const nat64::StateFilter f = make_filter(proto, addr);
        return with_state(id, error, [&](Instance &inst, nat64::State &st) {
            removed = static_cast<long long>(st.flush(inst.snapshot()->cfg, f, now_ms));
            return 0;
        });
    });
    return removed;
}

int nat64_bib_add(uint32_t id, const char *entry_json, char **error) {
    return nat64::capi::edit_list(id, entry_json, true, error, &nat64::InstanceConfig::static_bib,
                                  nat64::parse_static_bib_entry, "static BIB entry");
}

int nat64_bib_del(uint32_t id, const char *entry_json, char **error) {
    return nat64::capi::edit_list(id, entry_json, false, error, &nat64::InstanceConfig::static_bib,
                                  nat64::parse_static_bib_entry, "static BIB entry");
}

char *nat64_state_stats(uint32_t id, char **error) {
    char *out = nullptr;
    guarded(error, [&] {
        return with_state(id, error, [&](Instance &, nat64::State &st) {
            const nat64::StateStats x = st.stats();
            Json j = {
                {"capacity", x.capacity},
                {"bib-entries", x.bibs},
                {"static-bib-entries", x.static_bibs},
                {"sessions", x.sessions},
                {"sessions-tcp", x.sessions_by_proto[0]},
                {"sessions-udp", x.sessions_by_proto[1]},
                {"sessions-icmp", x.sessions_by_proto[2]},
                {"ipv6-sources", x.sources},
                {"sessions-created", x.sessions_created},
                {"sessions-expired", x.sessions_expired},
                {"sessions-removed", x.sessions_removed},
                {"bib-entries-created", x.bibs_created},
                {"log-records-dropped", x.log_dropped},
                {"reserved-bytes", x.reserved_bytes},
            };
            out = strdup(j.dump(2).c_str());
            return 0;
        });
    });
    return out;
}

size_t nat64_expire(uint64_t now_ms, size_t budget) {
    size_t n = 0;
    try {
        Registry::get().visit_all([&](Instance &inst) {
            if (nat64::State *st = inst.state())
                n += st->expire(inst.snapshot()->cfg, now_ms, budget);
        });
    } catch (...) {
        // Nothing in expiry allocates; keep the C caller safe regardless.
    }
    return n;
}

size_t nat64_log_drain(nat64_log_cb *cb, void *aux) {
    size_t n = 0;
    try {
        std::vector<nat64::LogEvent> events;
        Registry::get().visit_all([&](Instance &inst) {
            nat64::State *st = inst.state();
            if (!st) return;
            events.clear();
            st->drain_log(events);
            for (const auto &e : events) {
                // RFC 6888 §4: protocol, IPv6 source transport address, the
                // IPv4 transport address it was given, and (sessions) the
                // destination.
                std::string line = "instance=" + std::to_string(inst.id()) + " " +
                                   kind_name(e.kind) +
                                   " proto=" + std::string(nat64::protocol_to_string(e.proto)) +
                                   " ipv6=" + transport6(e.addr6, e.port6) +
                                   " ipv4=" + transport4(e.addr4, e.port4);
                if (e.kind == nat64::LogEvent::session_add ||
                    e.kind == nat64::LogEvent::session_del) {
                    line += " remote=" + transport4(e.remote4, e.rport);
                }
                cb(e.time_ms, line.c_str(), aux);
                n++;
            }
        });
    } catch (...) {
    }
    return n;
}

}  // extern "C"
