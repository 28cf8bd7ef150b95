// Test helper for stateful NAT64 (RFC 6146): an instance with pool4 driven
// through the C ABI with an explicit clock, packet builders for the flows
// between VNet hosts without EAMT entries and IPv4 hosts, and readers for
// the session/BIB views (nat64_session_list / nat64_bib_list as JSON).
//
// As in packet_builder.hpp, expected packets are written from the RFCs
// (RFC 6146 §3.6: only the source transport address of outbound packets
// and the destination transport address of inbound ones change; the rest
// is RFC 7915), and checksums are computed from scratch by the builders.
// The translator is never asked what the answer should be: the only thing
// read back from an output is what the RFC leaves to the implementation
// (the pool4 port it chose, the IPv4 Identification).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "packet_builder.hpp"

namespace nat64test {

using nlohmann::json;

// Where the tests' clock starts (ms): not zero, so "expires at 0" bugs show.
constexpr uint64_t kT0 = 1'000'000;

// TCP header flag bits (RFC 793 §3.1).
namespace tcpf {
constexpr uint8_t FIN = 0x01;
constexpr uint8_t SYN = 0x02;
constexpr uint8_t RST = 0x04;
constexpr uint8_t PSH = 0x08;
constexpr uint8_t ACK = 0x10;
}  // namespace tcpf

// The stateful topology (on top of packet_builder's base_config, with the
// EAMT emptied so that no VNet host is mapped statelessly):
//   pool6 2001:db8:64::/96 (network-specific: documentation IPv4 space may
//   be embedded, RFC 6052 §3.1 forbids that only for 64:ff9b::/96);
//   pool4 192.0.2.100/32, every port, TCP/UDP/ICMP;
//   VNet hosts h1..h3 in 2001:db8:5::/64; IPv4 hosts r1, r2 (TEST-NET-3).
struct STopo {
    A6 h1 = a6("2001:db8:5::1");
    A6 h2 = a6("2001:db8:5::2");
    A6 h3 = a6("2001:db8:5::3");
    uint32_t pool4 = a4("192.0.2.100");
    uint32_t r1 = a4("203.0.113.7");
    A6 r1_6 = a6("2001:db8:64::cb00:7107");
    uint32_t r2 = a4("203.0.113.8");
    A6 r2_6 = a6("2001:db8:64::cb00:7108");
    // An IPv4 router reporting errors, and its pool6 form.
    uint32_t rtr4 = a4("203.0.113.254");
    A6 rtr4_6 = a6("2001:db8:64::cb00:71fe");
    // The translator's own addresses (base_config).
    uint32_t router4 = a4("192.0.2.1");
    A6 router6 = a6("2001:db8:ffff::1");
};

// RFC 6052 §2.2, /96: the IPv4 address in the last 32 bits.
inline A6 pool6_of(uint32_t v4) {
    A6 a = a6("2001:db8:64::");
    a[12] = static_cast<uint8_t>(v4 >> 24);
    a[13] = static_cast<uint8_t>(v4 >> 16);
    a[14] = static_cast<uint8_t>(v4 >> 8);
    a[15] = static_cast<uint8_t>(v4);
    return a;
}

inline std::string ip4s(uint32_t v4) {
    return std::to_string(v4 >> 24) + "." + std::to_string((v4 >> 16) & 255) + "." +
           std::to_string((v4 >> 8) & 255) + "." + std::to_string(v4 & 255);
}

// Owns a malloc()ed string from the C ABI.
struct CStr {
    char *p = nullptr;
    CStr() = default;
    CStr(const CStr &) = delete;
    CStr &operator=(const CStr &) = delete;
    ~CStr() { nat64_free(p); }
    std::string str() const { return p ? p : ""; }
};

// pool4 with one /32 (or prefix) carrying every protocol on 'ports'.
inline json pool4_entry(const char *prefix, const char *ports = "1-65535",
                        json protocols = json::array({"tcp", "udp", "icmp"})) {
    return {{"prefix", prefix}, {"ports", ports}, {"protocols", protocols}};
}

// A stateful instance: base_config + no EAMT + pool4 192.0.2.100/32,
// then 'overrides' (top-level keys).
class Nat64 {
  public:
    static json config(uint32_t id, const json &overrides) {
        json o = {{"eamt", json::array()}, {"pool4", json::array({pool4_entry("192.0.2.100/32")})}};
        for (auto it = overrides.begin(); it != overrides.end(); ++it)
            o[it.key()] = it.value();
        json c = base_config(id);
        for (auto it = o.begin(); it != o.end(); ++it)
            c[it.key()] = it.value();
        return c;
    }

    explicit Nat64(uint32_t id, const json &overrides = json::object())
        : id_(id), doc_(config(id, overrides)) {
        std::string err = set(doc_);
        if (!err.empty()) ADD_FAILURE() << "nat64_instance_set: " << err << "\n" << doc_.dump();
    }
    ~Nat64() { nat64_instance_del(id_, nullptr); }
    Nat64(const Nat64 &) = delete;
    Nat64 &operator=(const Nat64 &) = delete;

    uint32_t id() const { return id_; }
    nat64_instance *handle() const { return nat64_instance_find(id_); }
    const json &doc() const { return doc_; }

    // Replaces the whole configuration (nat64_instance_set); returns the
    // error text, empty on success.
    std::string set(const json &doc) {
        CStr err;
        std::string text = doc.dump();
        if (nat64_instance_set(text.c_str(), &err.p) != 0)
            return err.str().empty() ? "?" : err.str();
        doc_ = doc;
        return "";
    }
    // Same, with 'overrides' applied to the current document.
    std::string reconfigure(const json &overrides) {
        json d = doc_;
        for (auto it = overrides.begin(); it != overrides.end(); ++it)
            d[it.key()] = it.value();
        return set(d);
    }

    Result run(const Bytes &in, uint64_t now, unsigned flags = 0) const {
        return run_at(handle(), in, now, flags);
    }

    uint64_t counter(nat64_counter c) const {
        CStr err, js;
        js.p = nat64_stats(id_, 0, &err.p);
        if (!js.p) {
            ADD_FAILURE() << "nat64_stats: " << err.str();
            return 0;
        }
        return json::parse(js.p).at(nat64_counter_name(c)).get<uint64_t>();
    }
    json counters() const {
        CStr err, js;
        js.p = nat64_stats(id_, 0, &err.p);
        return js.p ? json::parse(js.p) : json();
    }

    json sessions(uint64_t now, const char *proto = nullptr, const char *addr = nullptr) const {
        CStr err, js;
        js.p = nat64_session_list(id_, proto, addr, now, 0, &err.p);
        if (!js.p) {
            ADD_FAILURE() << "nat64_session_list: " << err.str();
            return json::array();
        }
        return json::parse(js.p);
    }
    json bibs(uint64_t now, const char *proto = nullptr, const char *addr = nullptr) const {
        CStr err, js;
        js.p = nat64_bib_list(id_, proto, addr, now, 0, &err.p);
        if (!js.p) {
            ADD_FAILURE() << "nat64_bib_list: " << err.str();
            return json::array();
        }
        return json::parse(js.p);
    }
    json state_stats() const {
        CStr err, js;
        js.p = nat64_state_stats(id_, &err.p);
        if (!js.p) {
            ADD_FAILURE() << "nat64_state_stats: " << err.str();
            return json::object();
        }
        return json::parse(js.p);
    }

  private:
    uint32_t id_;
    json doc_;
};

// The session whose IPv6 side is 'v6' ("addr#port") and remote 'remote'
// ("addr#port"), or null.
inline json find_session(const json &list, const std::string &v6, const std::string &remote) {
    for (const auto &s : list) {
        if (s.at("ipv6") == v6 && s.at("remote") == remote) return s;
    }
    return nullptr;
}

// --- Packets ----------------------------------------------------------------------

inline Bytes udp6_pkt(const A6 &src, uint16_t sport, const A6 &dst, uint16_t dport,
                      const Bytes &payload = pattern(20), uint8_t hlim = 64) {
    V6 h;
    h.src = src;
    h.dst = dst;
    h.hlim = hlim;
    h.proto = ipproto::UDP;
    h.l4 = udp(sport, dport, payload);
    return build(h);
}

inline Bytes udp4_pkt(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                      const Bytes &payload = pattern(20), uint8_t ttl = 64) {
    V4 h;
    h.src = src;
    h.dst = dst;
    h.ttl = ttl;
    h.proto = ipproto::UDP;
    h.l4 = udp(sport, dport, payload);
    return build(h);
}

inline Bytes tcp6_pkt(const A6 &src, uint16_t sport, const A6 &dst, uint16_t dport, uint8_t flags,
                      const Bytes &payload = {}, uint32_t seq = 1000, uint32_t ack = 0) {
    V6 h;
    h.src = src;
    h.dst = dst;
    h.proto = ipproto::TCP;
    h.l4 = tcp(sport, dport, seq, ack, flags, payload);
    return build(h);
}

inline Bytes tcp4_pkt(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, uint8_t flags,
                      const Bytes &payload = {}, uint32_t seq = 5000, uint32_t ack = 0) {
    V4 h;
    h.src = src;
    h.dst = dst;
    h.proto = ipproto::TCP;
    h.l4 = tcp(sport, dport, seq, ack, flags, payload);
    return build(h);
}

// ICMPv6 echo request (128) / reply (129).
inline Bytes echo6_pkt(const A6 &src, const A6 &dst, uint8_t type, uint16_t id, uint16_t seq,
                       const Bytes &payload = pattern(16)) {
    V6 h;
    h.src = src;
    h.dst = dst;
    h.proto = ipproto::ICMPV6;
    h.l4 = icmp(type, 0, echo_rest(id, seq), payload);
    return build(h);
}

// ICMPv4 echo request (8) / reply (0).
inline Bytes echo4_pkt(uint32_t src, uint32_t dst, uint8_t type, uint16_t id, uint16_t seq,
                       const Bytes &payload = pattern(16)) {
    V4 h;
    h.src = src;
    h.dst = dst;
    h.proto = ipproto::ICMP;
    h.l4 = icmp(type, 0, echo_rest(id, seq), payload);
    return build(h);
}

// An IPv4 packet as RFC 7915 §5.1 writes it from a small IPv6 packet
// (TOS = traffic class 0, DF = 0 below 1260 bytes, TTL = hop limit - 1),
// with the Identification the translator chose (read from 'got').
inline Bytes want4(const Bytes &got, uint32_t src, uint32_t dst, uint8_t proto, const Bytes &l4,
                   uint8_t ttl = 63) {
    V4 h;
    h.src = src;
    h.dst = dst;
    h.ttl = ttl;
    h.id = got.size() >= 6 ? get16(got, 4) : 0;
    h.proto = proto;
    h.l4 = l4;
    return build(h);
}

// An IPv6 packet as RFC 7915 §4.1 writes it (traffic class = TOS 0, flow
// label 0, hop limit = TTL - 1, no Fragment header for DF=0 packets that
// fit).
inline Bytes want6(const A6 &src, const A6 &dst, uint8_t proto, const Bytes &l4,
                   uint8_t hlim = 63) {
    V6 h;
    h.src = src;
    h.dst = dst;
    h.hlim = hlim;
    h.proto = proto;
    h.l4 = l4;
    return build(h);
}

}  // namespace nat64test
