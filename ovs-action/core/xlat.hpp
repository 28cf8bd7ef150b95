// The translation steps shared by both directions (RFC 7915 §4 and §5).
// Everything here runs per packet: noexcept, no allocation, no logging.
#pragma once

#include <cstdint>
#include <cstring>

#include "checksum.hpp"
#include "nat64/nat64.h"
#include "packet.hpp"
#include "rfc6052.hpp"
#include "snapshot.hpp"
#include "state.hpp"

namespace nat64 {

// What a burst shares: the instance's stateful tables (null without
// pool4), the caller's clock and whether this is a dry run.
struct Burst {
    State *state;
    uint64_t now;
    bool dry;
};

// Prefetches the session-table lines a burst will probably need
// (state_prefetch.cpp).
void prefetch_state(const Snapshot &s, const State &st, const nat64_pkt *pkts, size_t n) noexcept;

// Direction entry points (xlat_6to4.cpp, xlat_4to6.cpp).  Each fills
// p.verdict/reason/family/hdr/consumed/tail_len/frag_size.
void xlat_6to4(const Snapshot &s, const Burst &b, nat64_pkt &p) noexcept;
void xlat_4to6(const Snapshot &s, const Burst &b, nat64_pkt &p) noexcept;

// --- Results -------------------------------------------------------------

inline void set_drop(nat64_pkt &p, nat64_counter reason) noexcept {
    p.verdict = NAT64_DROP;
    p.reason = static_cast<uint16_t>(reason);
    p.hdr_len = 0;
    p.consumed = 0;
    p.tail_len = 0;
    p.frag_size = 0;
}

// --- Parsed headers ------------------------------------------------------

// An IPv6 header and its extension header chain (RFC 8200 §4).
struct V6Info {
    uint32_t l3len = 0;   // 40 + payload length, as the header says
    uint32_t avail = 0;   // bytes present (== l3len for outer packets)
    uint8_t proto = 0;    // upper-layer protocol
    uint32_t l4_off = 0;  // offset of the upper-layer header / fragment data
    bool frag = false;    // a Fragment header is present
    uint32_t frag_id = 0;
    uint16_t frag_off = 0;  // in 8-octet units
    bool frag_mf = false;
    uint32_t rh_segleft_off = 0;  // offset of a non-zero Segments Left, or 0
    bool first() const { return frag_off == 0; }
};

// Walks the chain.  'avail' may be shorter than the header says (inner
// packets of ICMP errors are truncated); returns 0 or a drop reason.
nat64_counter parse_ipv6(const uint8_t *in, uint32_t avail, bool inner, V6Info &v) noexcept;

struct V4Info {
    uint32_t ihl = 0;    // header length in bytes
    uint32_t total = 0;  // total length, as the header says
    uint32_t avail = 0;  // bytes present
    uint8_t proto = 0;
    uint16_t id = 0;
    bool df = false, mf = false;
    uint16_t frag_off = 0;  // 8-octet units
    bool is_fragment() const { return mf || frag_off != 0; }
};

nat64_counter parse_ipv4(const uint8_t *in, uint32_t avail, bool inner, V4Info &v) noexcept;

// True if an IPv4 header's options hold an unexpired source route (LSRR or
// SSRR whose pointer has not passed the end of the option; RFC 791).
bool ipv4_unexpired_source_route(const uint8_t *in, uint32_t ihl) noexcept;

// --- Address mapping -----------------------------------------------------
// "Local" addresses are the IPv6 nodes behind the translator (the VNet):
// reachable only through explicit mappings (EAMT; pool4 in stateful mode).
// "Peer" addresses are the IPv4 world and its pool6 representation.

// IPv6 -> IPv4 for an address on the IPv4 side: EAMT, else pool6.
// 'via_pool6' tells which one matched.
[[gnu::always_inline]] inline nat64_counter map6to4_peer(const Snapshot &s, const uint8_t *a6,
                                                         uint32_t &a4, bool &via_pool6) noexcept {
    via_pool6 = false;
    const bool in_pool6 = s.cfg.pool6 && rfc6052_extract(*s.cfg.pool6, a6, a4);
    if ((!in_pool6 || s.eamt_overlaps_pool6) && s.eamt.v6_to_v4(a6, a4)) return kOk;
    if (!s.cfg.pool6) return NAT64_C_DROP_POOL6_UNSET;
    if (!in_pool6) return NAT64_C_DROP_DST_UNTRANSLATABLE;
    via_pool6 = true;
    // The translator must never carry a VM into reserved or denied IPv4
    // space through the pool6 representation.
    if (s.deny.blocks(a4)) return NAT64_C_DROP_RESERVED_ADDR;
    // RFC 6052 §3.1 MUST: with the Well-Known Prefix 64:ff9b::/96, packets
    // whose address embeds non-global IPv4 space (RFC 1918, documentation
    // ranges 192.0.2/24, 198.51.100/24, 203.0.113/24, ...) are dropped.
    // Deliberate, not a bug: tests using documentation addresses must use a
    // network-specific pool6 such as 2001:db8:64::/96.
    if (s.pool6_is_wkp && ipv4_non_global(a4)) [[unlikely]]
        return NAT64_C_DROP_RESERVED_ADDR;
    return kOk;
}
// IPv6 -> IPv4 for a VNet address: EAMT only.
inline bool map6to4_local(const Snapshot &s, const uint8_t *a6, uint32_t &a4) noexcept {
    return s.eamt.v6_to_v4(a6, a4);
}
// IPv4 -> IPv6 for a VNet address: EAMT only.
inline bool map4to6_local(const Snapshot &s, uint32_t a4, uint8_t *a6) noexcept {
    return s.eamt.v4_to_v6(a4, a6);
}
// IPv4 -> IPv6 for an address on the IPv4 side: EAMT, else pool6.
[[gnu::always_inline]] inline nat64_counter map4to6_peer(const Snapshot &s, uint32_t a4,
                                                         uint8_t *a6) noexcept {
    if (s.eamt.v4_to_v6(a4, a6)) return kOk;
    if (!s.cfg.pool6) return NAT64_C_DROP_POOL6_UNSET;
    // RFC 6052 §3.1: the Well-Known Prefix never carries non-global space.
    if (s.pool6_is_wkp && ipv4_non_global(a4)) return NAT64_C_DROP_RESERVED_ADDR;
    rfc6052_embed(*s.cfg.pool6, a4, a6);
    return kOk;
}

// RFC 6791: the IPv4 source for an ICMPv6 error whose source is
// untranslatable; false if the instance has neither pool6791v4 nor
// router-ipv4.
bool rfc6791_source(const Snapshot &s, const uint8_t *src6, uint32_t &a4) noexcept;
// The reverse: an IPv6 source for an ICMPv4 error whose IPv4 source has no
// IPv6 form (no EAMT entry, and pool6 unset or the Well-Known Prefix with a
// non-global router address, RFC 6052 §3.1), from pool6791v6.  False when
// pool6791v6 is unset.
bool rfc6791v6_source(const Snapshot &s, uint8_t *a6) noexcept;

// --- Header writers ------------------------------------------------------

// The header checksum is summed from the field values, not read back from
// the bytes just written (which would stall on store forwarding).
inline void write_ipv4_header(uint8_t *o, uint8_t tos, uint16_t total, uint16_t id,
                              uint16_t flags_off, uint8_t ttl, uint8_t proto_nr, uint32_t src,
                              uint32_t dst) noexcept {
    uint32_t sum = ((0x45u << 8) | tos) + total + id + flags_off +
                   ((uint32_t{ttl} << 8) | proto_nr) + (src >> 16) + (src & 0xffff) + (dst >> 16) +
                   (dst & 0xffff);
    o[0] = 0x45;
    o[1] = tos;
    wr16(o + 2, total);
    wr16(o + 4, id);
    wr16(o + 6, flags_off);
    o[8] = ttl;
    o[9] = proto_nr;
    wr16(o + 10, csum_finish(sum));
    wr32(o + 12, src);
    wr32(o + 16, dst);
}

inline void write_ipv6_header(uint8_t *o, uint8_t tclass, uint16_t payload_len, uint8_t next_header,
                              uint8_t hop_limit, const uint8_t *src, const uint8_t *dst) noexcept {
    // Flow label 0: RFC 7915 §4.1 (the translator has no flow to label).
    o[0] = static_cast<uint8_t>(0x60 | (tclass >> 4));
    o[1] = static_cast<uint8_t>(tclass << 4);
    o[2] = 0;
    o[3] = 0;
    wr16(o + 4, payload_len);
    o[6] = next_header;
    o[7] = hop_limit;
    std::memcpy(o + 8, src, 16);
    std::memcpy(o + 24, dst, 16);
}

// Identification for IPv4 packets the translator creates with DF=0
// (RFC 6864 §4.2: unique per source/destination/protocol for the MSL): a
// per-thread sequence from a random start, so datapath threads never share
// a cache line for it.
uint16_t next_ipv4_id() noexcept;
// Per-thread pseudo-random numbers (xorshift) for choices that need no
// cryptographic quality (RFC 6791 source choice).
uint32_t next_random() noexcept;

// One's-complement sums of the pseudo-header address fields.
[[gnu::always_inline]] inline uint32_t sum_v6_addrs(const uint8_t *src,
                                                    const uint8_t *dst) noexcept {
    return csum_add_bytes(csum_add_bytes(0, src, 16), dst, 16);
}
inline uint32_t sum_v4_addrs(uint32_t src, uint32_t dst) noexcept {
    return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff);
}

// --- RFC 4884 extensions in translated ICMP errors -------------------------

// The quote of an ICMP error whose length field says 'orig' bytes: splits
// 'inner_avail' into the original datagram (returned in inner_avail) and the
// extension structure after it.  False if the length exceeds the message.
bool rfc4884_split(uint32_t orig, const uint8_t *inner, uint32_t &inner_avail, const uint8_t *&ext,
                   uint32_t &ext_len) noexcept;
// Pads the translated quote of 'n' bytes at 'quote' with zeros to a multiple
// of 'unit' (4 for ICMPv4, 8 for ICMPv6) and at least 128 bytes (RFC 4884
// §4.1), appends the extension if the whole fits in 'room', and sets the
// length field.  Returns the body length (n when the extension is left out).
uint32_t rfc4884_append(uint8_t *quote, uint32_t n, uint32_t unit, const uint8_t *ext,
                        uint32_t ext_len, uint32_t room, uint8_t &length_field) noexcept;

// --- ICMP errors the translator originates (RFC 7915 §4.4, §5.4) ---------

// Builds, in p.hdr, an ICMPv6 error back to the source of the IPv6 packet
// p.l3[0, l3len) quoting as much of it as fits in 1280 bytes.  Drops (with
// the right reason) when router-ipv6 is unset or the source must not be
// answered.  'reason' is the counter for a successful reply.
void reply_icmp6(const Snapshot &s, nat64_pkt &p, uint32_t l3len, uint8_t type, uint8_t code,
                 uint32_t param, nat64_counter reason) noexcept;
// Same for IPv4 (576 bytes).  'rest' is the 4 bytes after the checksum.
void reply_icmp4(const Snapshot &s, nat64_pkt &p, uint32_t l3len, uint8_t type, uint8_t code,
                 uint32_t rest, nat64_counter reason) noexcept;

}  // namespace nat64
