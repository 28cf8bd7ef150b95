// Test helper: builds IPv4/IPv6 packets (UDP, TCP, ICMP, extension headers,
// fragments) from their fields with correct checksums, runs them through the
// translator's C ABI and checks outputs.
//
// Everything here is written from the RFCs, independently of the core: the
// checksum is a plain RFC 1071 loop, headers are laid out by hand from RFC
// 791/8200/768/793/792/4443.  Tests build the *expected* output with these
// builders from the RFC 7915 rules and compare bytes; they never ask the
// translator what the answer should be.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "nat64/nat64.h"

namespace nat64test {

using Bytes = std::vector<uint8_t>;
using A6 = std::array<uint8_t, 16>;

// --- Addresses ------------------------------------------------------------

inline A6 a6(const char *s) {
    A6 a{};
    if (inet_pton(AF_INET6, s, a.data()) != 1) ADD_FAILURE() << "bad IPv6 literal " << s;
    return a;
}

// Host byte order.
inline uint32_t a4(const char *s) {
    in_addr a{};
    if (inet_pton(AF_INET, s, &a) != 1) ADD_FAILURE() << "bad IPv4 literal " << s;
    return ntohl(a.s_addr);
}

// --- Protocol numbers -----------------------------------------------------

namespace ipproto {
constexpr uint8_t HOPOPTS = 0;
constexpr uint8_t ICMP = 1;
constexpr uint8_t TCP = 6;
constexpr uint8_t UDP = 17;
constexpr uint8_t ROUTING = 43;
constexpr uint8_t FRAGMENT = 44;
constexpr uint8_t GRE = 47;
constexpr uint8_t ICMPV6 = 58;
constexpr uint8_t DSTOPTS = 60;
constexpr uint8_t SCTP = 132;
}  // namespace ipproto

// --- Byte helpers ---------------------------------------------------------

inline uint16_t get16(const Bytes &b, size_t off) {
    return static_cast<uint16_t>((b.at(off) << 8) | b.at(off + 1));
}
inline uint32_t get32(const Bytes &b, size_t off) {
    return (uint32_t{b.at(off)} << 24) | (uint32_t{b.at(off + 1)} << 16) |
           (uint32_t{b.at(off + 2)} << 8) | b.at(off + 3);
}
inline void put16(Bytes &b, size_t off, uint16_t v) {
    b.at(off) = static_cast<uint8_t>(v >> 8);
    b.at(off + 1) = static_cast<uint8_t>(v);
}
inline void put32(Bytes &b, size_t off, uint32_t v) {
    put16(b, off, static_cast<uint16_t>(v >> 16));
    put16(b, off + 2, static_cast<uint16_t>(v));
}
inline void app8(Bytes &b, uint8_t v) {
    b.push_back(v);
}
inline void app16(Bytes &b, uint16_t v) {
    b.push_back(static_cast<uint8_t>(v >> 8));
    b.push_back(static_cast<uint8_t>(v));
}
inline void app32(Bytes &b, uint32_t v) {
    app16(b, static_cast<uint16_t>(v >> 16));
    app16(b, static_cast<uint16_t>(v));
}
inline void app(Bytes &b, const Bytes &more) {
    b.insert(b.end(), more.begin(), more.end());
}
inline void app(Bytes &b, const A6 &a) {
    b.insert(b.end(), a.begin(), a.end());
}
inline Bytes slice(const Bytes &b, size_t off, size_t len) {
    if (off > b.size()) return {};
    len = std::min(len, b.size() - off);
    return Bytes(b.begin() + static_cast<long>(off), b.begin() + static_cast<long>(off + len));
}
inline Bytes cat(const Bytes &a, const Bytes &b) {
    Bytes r = a;
    app(r, b);
    return r;
}

// Deterministic filler.
inline Bytes pattern(size_t n, uint8_t seed = 0) {
    Bytes b(n);
    for (size_t i = 0; i < n; i++)
        b[i] = static_cast<uint8_t>(seed + i * 7 + (i >> 8));
    return b;
}

inline std::string hex(const Bytes &b) {
    std::string s;
    char buf[4];
    for (size_t i = 0; i < b.size(); i++) {
        std::snprintf(buf, sizeof buf, "%02x", b[i]);
        if (i && i % 16 == 0) s += "\n";
        s += buf;
        if (i % 16 != 15) s += " ";
    }
    return s;
}

// --- RFC 1071 checksum, the slow obvious way -------------------------------

inline uint64_t sum_bytes(const uint8_t *p, size_t n, uint64_t acc = 0) {
    for (size_t i = 0; i + 1 < n; i += 2)
        acc += (uint32_t{p[i]} << 8) | p[i + 1];
    if (n & 1) acc += uint32_t{p[n - 1]} << 8;
    return acc;
}
inline uint64_t sum_bytes(const Bytes &b, uint64_t acc = 0) {
    return sum_bytes(b.data(), b.size(), acc);
}
inline uint16_t fold(uint64_t s) {
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return static_cast<uint16_t>(s);
}
inline uint16_t finish(uint64_t s) {
    return static_cast<uint16_t>(~fold(s));
}

// Pseudo-headers: RFC 8200 §8.1 and RFC 793/768.
inline uint64_t pseudo6(const A6 &src, const A6 &dst, uint32_t len, uint8_t nh) {
    uint64_t s = sum_bytes(src.data(), 16) + sum_bytes(dst.data(), 16);
    return s + (len >> 16) + (len & 0xffff) + nh;
}
inline uint64_t pseudo4(uint32_t src, uint32_t dst, uint32_t len, uint8_t proto) {
    return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + len + proto;
}

// Offset of the checksum in an upper-layer header, or -1.
inline int csum_offset(uint8_t proto) {
    switch (proto) {
        case ipproto::TCP:
            return 16;
        case ipproto::UDP:
            return 6;
        case ipproto::ICMP:
        case ipproto::ICMPV6:
            return 2;
        default:
            return -1;
    }
}

// --- Upper-layer headers (checksum zero; the packet builders fill it) -----

inline Bytes udp(uint16_t sport, uint16_t dport, const Bytes &payload) {
    Bytes b;
    app16(b, sport);
    app16(b, dport);
    app16(b, static_cast<uint16_t>(8 + payload.size()));
    app16(b, 0);
    app(b, payload);
    return b;
}

inline Bytes tcp(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                 const Bytes &payload) {
    Bytes b;
    app16(b, sport);
    app16(b, dport);
    app32(b, seq);
    app32(b, ack);
    app8(b, 5 << 4);  // data offset 5 words
    app8(b, flags);
    app16(b, 65535);  // window
    app16(b, 0);      // checksum
    app16(b, 0);      // urgent
    app(b, payload);
    return b;
}

// ICMP/ICMPv6: type, code, checksum, 4 bytes "rest of header", body.
inline Bytes icmp(uint8_t type, uint8_t code, uint32_t rest, const Bytes &body) {
    Bytes b{type, code, 0, 0};
    app32(b, rest);
    app(b, body);
    return b;
}

// Echo request/reply rest-of-header.
inline uint32_t echo_rest(uint16_t id, uint16_t seq) {
    return (uint32_t{id} << 16) | seq;
}

// --- IPv6 ----------------------------------------------------------------

// One extension header, whole; byte 0 (Next Header) is filled in by build().
struct Ext {
    uint8_t type;
    Bytes bytes;
};

// Options header with PadN (RFC 8200 §4.2) to (len8 + 1) * 8 bytes.
inline Ext options_hdr(uint8_t type, unsigned len8) {
    Bytes b(8 * (len8 + 1), 0);
    b[1] = static_cast<uint8_t>(len8);
    b[2] = 1;  // PadN
    b[3] = static_cast<uint8_t>(b.size() - 4);
    return {type, b};
}
inline Ext hop_by_hop(unsigned len8 = 0) {
    return options_hdr(ipproto::HOPOPTS, len8);
}
inline Ext dest_opts(unsigned len8 = 0) {
    return options_hdr(ipproto::DSTOPTS, len8);
}

// Routing header (RFC 8200 §4.4) with 'naddr' addresses.
inline Ext routing(uint8_t segments_left, uint8_t routing_type = 0, unsigned naddr = 1) {
    Bytes b(8 + 16 * naddr, 0);
    b[1] = static_cast<uint8_t>(2 * naddr);
    b[2] = routing_type;
    b[3] = segments_left;
    for (size_t i = 8; i < b.size(); i++)
        b[i] = static_cast<uint8_t>(0x20 + i);
    return {ipproto::ROUTING, b};
}

// Fragment header (RFC 8200 §4.5); 'offset8' in 8-octet units.
inline Ext frag_hdr(uint16_t offset8, bool more, uint32_t id) {
    Bytes b(8, 0);
    put16(b, 2, static_cast<uint16_t>((offset8 << 3) | (more ? 1 : 0)));
    put32(b, 4, id);
    return {ipproto::FRAGMENT, b};
}

struct V6 {
    A6 src{}, dst{};
    uint8_t tclass = 0;
    uint32_t flow = 0;
    uint8_t hlim = 64;
    std::vector<Ext> ext;  // in order
    uint8_t proto = ipproto::UDP;
    Bytes l4;                      // the upper-layer bytes as carried
    bool fix_csum = true;          // compute the upper-layer checksum over l4
    std::optional<uint16_t> plen;  // override Payload Length
};

inline uint16_t l4_csum6(const A6 &src, const A6 &dst, uint8_t proto, const Bytes &l4) {
    Bytes c = l4;
    int off = csum_offset(proto);
    put16(c, static_cast<size_t>(off), 0);
    uint16_t v = finish(sum_bytes(c, pseudo6(src, dst, static_cast<uint32_t>(c.size()), proto)));
    if (proto == ipproto::UDP && v == 0) v = 0xffff;  // RFC 768
    return v;
}

inline uint16_t l4_csum4(uint32_t src, uint32_t dst, uint8_t proto, const Bytes &l4) {
    Bytes c = l4;
    int off = csum_offset(proto);
    put16(c, static_cast<size_t>(off), 0);
    uint64_t init =
        proto == ipproto::ICMP ? 0 : pseudo4(src, dst, static_cast<uint32_t>(c.size()), proto);
    uint16_t v = finish(sum_bytes(c, init));
    if (proto == ipproto::UDP && v == 0) v = 0xffff;
    return v;
}

// The upper-layer bytes of 'h' with their checksum computed (if asked).
inline Bytes l4_of(const V6 &h) {
    Bytes l4 = h.l4;
    int off = csum_offset(h.proto);
    if (h.fix_csum && off >= 0 && l4.size() >= static_cast<size_t>(off) + 2) {
        put16(l4, static_cast<size_t>(off), l4_csum6(h.src, h.dst, h.proto, l4));
    }
    return l4;
}

inline Bytes ipv6_fixed(const V6 &h, uint16_t plen, uint8_t nh) {
    Bytes b;
    app32(b, (6u << 28) | (uint32_t{h.tclass} << 20) | (h.flow & 0xfffff));
    app16(b, plen);
    app8(b, nh);
    app8(b, h.hlim);
    app(b, h.src);
    app(b, h.dst);
    return b;
}

// Builds the packet: fixed header, extension headers (chained), and the
// upper-layer bytes 'l4' exactly as given.
inline Bytes ipv6_with(const V6 &h, const std::vector<Ext> &ext, const Bytes &l4) {
    Bytes chain;
    for (size_t i = 0; i < ext.size(); i++) {
        Bytes e = ext[i].bytes;
        e[0] = i + 1 < ext.size() ? ext[i + 1].type : h.proto;
        app(chain, e);
    }
    uint16_t plen = h.plen ? *h.plen : static_cast<uint16_t>(chain.size() + l4.size());
    Bytes b = ipv6_fixed(h, plen, ext.empty() ? h.proto : ext[0].type);
    app(b, chain);
    app(b, l4);
    return b;
}

inline Bytes build(const V6 &h) {
    return ipv6_with(h, h.ext, l4_of(h));
}

// One fragment of the datagram 'h' (checksum computed over all of it):
// bytes [offset, offset + len) of the upper-layer part, after h.ext and a
// Fragment header.
inline Bytes fragment6(const V6 &h, size_t offset, size_t len, bool more, uint32_t id) {
    Bytes l4 = l4_of(h);
    std::vector<Ext> ext = h.ext;
    ext.push_back(frag_hdr(static_cast<uint16_t>(offset / 8), more, id));
    V6 f = h;
    f.plen.reset();
    return ipv6_with(f, ext, slice(l4, offset, len));
}

// --- IPv4 ------------------------------------------------------------------

struct V4 {
    uint32_t src = 0, dst = 0;
    uint8_t tos = 0;
    uint16_t id = 0;
    bool df = false, mf = false;
    uint16_t frag_off = 0;  // 8-octet units
    uint8_t ttl = 64;
    Bytes options;  // multiple of 4
    uint8_t proto = ipproto::UDP;
    Bytes l4;
    bool fix_csum = true;
    std::optional<uint16_t> total;  // override Total Length
    bool bad_header_csum = false;
};

inline Bytes l4_of(const V4 &h) {
    Bytes l4 = h.l4;
    int off = csum_offset(h.proto);
    if (h.fix_csum && off >= 0 && l4.size() >= static_cast<size_t>(off) + 2) {
        put16(l4, static_cast<size_t>(off), l4_csum4(h.src, h.dst, h.proto, l4));
    }
    return l4;
}

inline Bytes ipv4_with(const V4 &h, const Bytes &l4) {
    Bytes b;
    size_t ihl = 20 + h.options.size();
    app8(b, static_cast<uint8_t>(0x40 | (ihl / 4)));
    app8(b, h.tos);
    app16(b, h.total ? *h.total : static_cast<uint16_t>(ihl + l4.size()));
    app16(b, h.id);
    app16(b, static_cast<uint16_t>((h.df ? 0x4000 : 0) | (h.mf ? 0x2000 : 0) | h.frag_off));
    app8(b, h.ttl);
    app8(b, h.proto);
    app16(b, 0);
    app32(b, h.src);
    app32(b, h.dst);
    app(b, h.options);
    uint16_t c = finish(sum_bytes(b));
    if (h.bad_header_csum) c ^= 0x5a5a;
    put16(b, 10, c);
    app(b, l4);
    return b;
}

inline Bytes build(const V4 &h) {
    return ipv4_with(h, l4_of(h));
}

// One fragment of the datagram 'h': bytes [offset, offset + len) of its
// upper-layer part (checksum computed over all of it).
inline Bytes fragment4(const V4 &h, size_t offset, size_t len, bool more) {
    V4 f = h;
    f.frag_off = static_cast<uint16_t>(offset / 8);
    f.mf = more;
    f.total.reset();
    return ipv4_with(f, slice(l4_of(h), offset, len));
}

// --- Checks from scratch ---------------------------------------------------

inline bool ipv4_header_ok(const Bytes &p) {
    if (p.size() < 20) return false;
    size_t ihl = (p[0] & 0xf) * 4u;
    return ihl >= 20 && p.size() >= ihl && fold(sum_bytes(p.data(), ihl)) == 0xffff;
}

// Verifies the upper-layer checksum of a whole (unfragmented) IPv4 or IPv6
// packet by summing everything from scratch.  Returns true for protocols
// without a checksum.
inline bool l4_checksum_ok(const Bytes &p) {
    if (p.empty()) return false;
    if ((p[0] >> 4) == 4) {
        size_t ihl = (p[0] & 0xf) * 4u;
        uint8_t proto = p[9];
        uint32_t src = get32(p, 12), dst = get32(p, 16);
        Bytes l4 = slice(p, ihl, get16(p, 2) - ihl);
        if (csum_offset(proto) < 0) return true;
        if (proto == ipproto::UDP && get16(l4, 6) == 0) return true;  // none
        uint64_t init =
            proto == ipproto::ICMP ? 0 : pseudo4(src, dst, static_cast<uint32_t>(l4.size()), proto);
        return fold(sum_bytes(l4, init)) == 0xffff;
    }
    A6 src, dst;
    std::memcpy(src.data(), &p[8], 16);
    std::memcpy(dst.data(), &p[24], 16);
    uint8_t nh = p[6];
    size_t off = 40;
    while (nh == ipproto::HOPOPTS || nh == ipproto::DSTOPTS || nh == ipproto::ROUTING ||
           nh == ipproto::FRAGMENT) {
        uint8_t next = p.at(off);
        off += nh == ipproto::FRAGMENT ? 8 : (p.at(off + 1) + 1u) * 8;
        nh = next;
    }
    if (csum_offset(nh) < 0) return true;
    Bytes l4 = slice(p, off, 40 + get16(p, 4) - off);
    return fold(sum_bytes(l4, pseudo6(src, dst, static_cast<uint32_t>(l4.size()), nh))) == 0xffff;
}

// --- Running the translator through its C ABI --------------------------------

// The splice: hdr[0, hdr_len) ++ l3[consumed, consumed + tail_len).
inline Bytes output_of(const nat64_pkt &p) {
    Bytes o(p.hdr, p.hdr + p.hdr_len);
    o.insert(o.end(), p.l3 + p.consumed, p.l3 + p.consumed + p.tail_len);
    return o;
}

struct Result {
    uint8_t verdict = 0;
    uint16_t reason = 0;
    uint8_t family = 0;
    uint16_t frag_size = 0;
    uint16_t hdr_len = 0;
    uint32_t consumed = 0, tail_len = 0;
    Bytes out;
    // The packet as the translator left it (its l3 points at the caller's
    // input), for the fragmentation calls.
    std::shared_ptr<nat64_pkt> pkt;
    bool dropped() const { return verdict == NAT64_DROP; }
};

// The fragments nat64_fragment_header() describes for 'r': each one's 48
// leading bytes followed by its slice of the fragmentable part.
inline std::vector<Bytes> fragments_of(const Result &r) {
    std::vector<Bytes> out;
    unsigned n = nat64_fragment_count(r.pkt.get());
    for (unsigned i = 0; i < n; i++) {
        uint8_t lead[48];
        uint32_t ofs = 0, len = 0;
        size_t got = nat64_fragment_header(r.pkt.get(), i, lead, &ofs, &len);
        if (got != 48) {
            ADD_FAILURE() << "nat64_fragment_header(" << i << ") returned " << got;
            break;
        }
        Bytes f(lead, lead + 48);
        app(f, slice(r.out, 48 + ofs, len));
        out.push_back(f);
    }
    return out;
}

inline const char *counter_name(uint16_t c) {
    return nat64_counter_name(static_cast<nat64_counter>(c));
}

// The shared test topology:
//   pool6 2001:db8:64::/96; the VNet's hosts 2001:db8:6::/120 <-> 198.51.100.0/24
//   (EAMT); an IPv4 network mapped by EAMT too, 2001:db8:77::/120 <->
//   100.64.1.0/24; router addresses 192.0.2.1 and 2001:db8:ffff::1.
inline nlohmann::json base_config(uint32_t id) {
    return {
        {"instance", id},
        {"pool6", "2001:db8:64::/96"},
        {"eamt",
         {{{"ipv6", "2001:db8:6::/120"}, {"ipv4", "198.51.100.0/24"}},
          {{"ipv6", "2001:db8:77::/120"}, {"ipv4", "100.64.1.0/24"}}}},
        {"router-ipv4", "192.0.2.1"},
        {"router-ipv6", "2001:db8:ffff::1"},
        {"ipv4-mtu", 1500},
        {"ipv6-mtu", 1500},
        {"lowest-ipv6-mtu", 1280},
    };
}

// Addresses of the shared topology.
struct Topo {
    // VNet hosts (EAMT 2001:db8:6::/120 <-> 198.51.100.0/24).
    A6 vm6 = a6("2001:db8:6::5");
    uint32_t vm4 = a4("198.51.100.5");
    A6 vm6b = a6("2001:db8:6::9");
    uint32_t vm4b = a4("198.51.100.9");
    // An IPv6 host without any mapping.
    A6 stray6 = a6("2001:db8:5::1");
    // An IPv4 host reached through pool6.
    uint32_t peer4 = a4("203.0.113.7");
    A6 peer6 = a6("2001:db8:64::cb00:7107");
    // An IPv4 host mapped by EAMT (2001:db8:77::/120 <-> 100.64.1.0/24).
    uint32_t epeer4 = a4("100.64.1.3");
    A6 epeer6 = a6("2001:db8:77::3");
    // The translator's own addresses.
    uint32_t router4 = a4("192.0.2.1");
    A6 router6 = a6("2001:db8:ffff::1");
};

// Translates one packet at clock 'now' through the C ABI.  The output is
// copied out of the splice; only Result::pkt still points into 'in'.
inline Result run_at(nat64_instance *inst, const Bytes &in, uint64_t now, unsigned flags = 0) {
    auto p = std::make_shared<nat64_pkt>();
    std::memset(p.get(), 0xa5, sizeof *p);  // garbage, as a caller might leave
    p->l3 = in.data();
    p->len = static_cast<uint32_t>(in.size());
    size_t passed = nat64_translate_burst(inst, p.get(), 1, now, flags);
    Result r;
    r.verdict = p->verdict;
    r.reason = p->reason;
    r.family = p->family;
    r.frag_size = p->frag_size;
    r.hdr_len = p->hdr_len;
    r.consumed = p->consumed;
    r.tail_len = p->tail_len;
    EXPECT_EQ(passed, p->verdict == NAT64_DROP ? 0u : 1u);
    if (p->verdict != NAT64_DROP) {
        EXPECT_LE(p->hdr_len, NAT64_HDR_MAX);
        EXPECT_LE(uint64_t{p->consumed} + p->tail_len, in.size());
        r.out = output_of(*p);
    }
    r.pkt = p;
    return r;
}

// An instance created through nat64_instance_set() and deleted on scope
// exit.  'overrides' replaces top-level keys of base_config() (null is a
// value too: "pool6": null unsets pool6).
class TestInstance {
  public:
    explicit TestInstance(uint32_t id, const nlohmann::json &overrides = nlohmann::json::object())
        : id_(id) {
        nlohmann::json cfg = base_config(id);
        for (auto it = overrides.begin(); it != overrides.end(); ++it)
            cfg[it.key()] = it.value();
        char *err = nullptr;
        std::string doc = cfg.dump();
        if (nat64_instance_set(doc.c_str(), &err) != 0) {
            ADD_FAILURE() << "nat64_instance_set: " << (err ? err : "?") << "\n" << doc;
        }
        nat64_free(err);
        inst_ = nat64_instance_find(id);
        if (!inst_) ADD_FAILURE() << "instance " << id << " not found after set";
    }
    ~TestInstance() { nat64_instance_del(id_, nullptr); }
    TestInstance(const TestInstance &) = delete;
    TestInstance &operator=(const TestInstance &) = delete;

    uint32_t id() const { return id_; }
    nat64_instance *handle() const { return inst_; }

    // Translates one packet (clock 0).  The output is copied out of the
    // splice; only Result::pkt still points into 'in'.
    Result run(const Bytes &in, unsigned flags = 0) const { return run_at(inst_, in, 0, flags); }

    // The instance's counters by name (nat64_stats).
    uint64_t counter(nat64_counter c) const {
        char *err = nullptr;
        char *js = nat64_stats(id_, 0, &err);
        if (!js) {
            ADD_FAILURE() << "nat64_stats: " << (err ? err : "?");
            nat64_free(err);
            return 0;
        }
        auto j = nlohmann::json::parse(js);
        nat64_free(js);
        return j.at(nat64_counter_name(c)).get<uint64_t>();
    }

  private:
    uint32_t id_;
    nat64_instance *inst_ = nullptr;
};

// gtest assertion helpers: a verdict with its reason by name, and byte
// equality with a hex dump on failure.
inline ::testing::AssertionResult IsDrop(const Result &r, nat64_counter why) {
    if (r.verdict == NAT64_DROP && r.reason == why) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "verdict " << int{r.verdict} << " reason " << counter_name(r.reason)
           << ", expected drop " << counter_name(why);
}

inline ::testing::AssertionResult Is(const Result &r, nat64_verdict v, nat64_counter why) {
    if (r.verdict == v && r.reason == why) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "verdict " << int{r.verdict} << " reason " << counter_name(r.reason)
           << ", expected verdict " << int{v} << " " << counter_name(why);
}

inline ::testing::AssertionResult SameBytes(const Bytes &got, const Bytes &want) {
    if (got == want) return ::testing::AssertionSuccess();
    size_t i = 0;
    while (i < got.size() && i < want.size() && got[i] == want[i])
        i++;
    return ::testing::AssertionFailure()
           << "first difference at byte " << i << " (got " << got.size() << " bytes, want "
           << want.size() << ")\n got:\n"
           << hex(got) << "\nwant:\n"
           << hex(want);
}

}  // namespace nat64test
