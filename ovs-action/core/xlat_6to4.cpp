// RFC 7915 §5: translating from IPv6 to IPv4.
//
// One straight path per packet: parse the IPv6 header chain, map the
// addresses (RFC 7757 EAMT, RFC 6052 pool6), apply the router checks (hop
// limit, MTU), then write the IPv4 header and the transport header's new
// checksum into p.hdr.  The payload is never touched.  ICMPv6 errors are
// slow-path: they are rebuilt whole in p.hdr (§5.3).
#include <algorithm>
#include <cstring>

#include "checksum.hpp"
#include "icmp_map.hpp"
#include "packet.hpp"
#include "rfc6052.hpp"
#include "xlat.hpp"

namespace nat64 {

namespace {

// §5.1: Type of Service from Traffic Class, unless overridden.
uint8_t tos_from(const Snapshot &s, const uint8_t *ip6) {
    if (s.cfg.override_tos) return s.cfg.tos;
    return static_cast<uint8_t>((ip6[0] << 4) | (ip6[1] >> 4));
}

uint8_t proto_6to4(uint8_t p) {
    return p == proto::ICMPV6 ? proto::ICMP : p;
}

// §5.1 / §5.1.1: Identification and Flags/Fragment Offset for a packet of
// 'total' IPv4 bytes.  Unfragmented: DF=1 above 1260 bytes (the IPv6 sender
// will get a PTB and the 1280-byte IPv6 minimum still fits after
// translation), DF=0 at or below it with a fresh Identification.
// Fragments: the low 16 bits of the Fragment header's Identification, its
// offset and M flag, DF=0.
void ipv4_id_flags(const V6Info &v, uint32_t total, uint16_t &id, uint16_t &flags_off) {
    if (v.frag) {
        id = static_cast<uint16_t>(v.frag_id);
        flags_off = static_cast<uint16_t>((v.frag_mf ? 0x2000 : 0) | v.frag_off);
    } else if (total > 1260) {
        id = 0;  // RFC 6864 §4.1: atomic datagram, ID has no meaning
        flags_off = 0x4000;
    } else {
        id = next_ipv4_id();
        flags_off = 0;
    }
}

// Incremental L4 checksum update for the address change (§5.5, RFC 1624).
// 'l4' points at a copy of the transport header that we own.  Returns false
// on a UDP zero checksum, which IPv6 forbids (RFC 8200 §8.1).
inline bool update_l4_checksum(uint8_t proto_nr, uint8_t *l4, uint32_t old_sum, uint32_t new_sum) {
    if (proto_nr == proto::TCP) {
        wr16(l4 + 16, csum_update(rd16(l4 + 16), old_sum, new_sum));
    } else if (proto_nr == proto::UDP) {
        uint16_t c = rd16(l4 + 6);
        if (c == 0) return false;
        c = csum_update(c, old_sum, new_sum);
        wr16(l4 + 6, c == 0 ? 0xffff : c);  // RFC 768: zero is sent as all ones
    }
    return true;
}

// True if an ICMP message is zero apart from its checksum: 'head' is its
// first 8 bytes (translated), 'rest'/'n' the bytes after them.
bool icmp_all_zero(const uint8_t *head, const uint8_t *rest, uint32_t n) {
    if (rd16(head) != 0 || rd32(head + 4) != 0) return false;
    for (uint32_t i = 0; i < n; i++) {
        if (rest[i]) return false;
    }
    return true;
}

// Bytes of the transport header we copy to rewrite its checksum.
inline uint32_t l4_copy_len(uint8_t proto_nr) {
    switch (proto_nr) {
        case proto::TCP:
            return 18;  // through the checksum field
        case proto::UDP:
        case proto::ICMPV6:
            return 8;
        default:
            return 0;  // other protocols are carried unchanged
    }
}

// Translates the packet quoted inside an ICMPv6 error (§5.3) from 'in'
// ('avail' bytes, possibly truncated) into 'o'.  Returns the bytes written
// (at most 'room') or 0 with 'why' set.  The inner packet travelled from the
// IPv4 side to the VNet: its source is a peer address, its destination a
// VNet address.
uint32_t translate_inner(const Snapshot &s, const uint8_t *in, uint32_t avail, uint8_t *o,
                         uint32_t room, const Mapped4 *nat, nat64_counter &why) {
    V6Info v;
    why = parse_ipv6(in, avail, true, v);
    if (why != kOk) return 0;
    uint32_t src4 = 0, dst4 = 0;
    bool via_pool6;
    if (nat) dst4 = nat->addr4;  // stateful: the session's pool4 side
    if (map6to4_peer(s, in + 8, src4, via_pool6) != kOk ||
        (!nat && !map6to4_local(s, in + 24, dst4))) {
        why = NAT64_C_DROP_ICMP_INNER;
        return 0;
    }
    bool first = v.first();
    if (first && v.proto == proto::ICMPV6 && v.l4_off < v.avail && icmp6_is_error(in[v.l4_off])) {
        why = NAT64_C_DROP_ICMP_INNER;  // §5.3: no error inside an error
        return 0;
    }
    // The inner header states the original lengths, not the quoted ones.
    uint32_t claimed = IPV4_HDR + (v.l3len > v.l4_off ? v.l3len - v.l4_off : 0);
    uint16_t id, flags_off;
    ipv4_id_flags(v, claimed, id, flags_off);
    if (!v.frag) id = 0;  // a quote: no need to burn an Identification
    uint32_t payload = v.avail - v.l4_off;
    uint32_t n = std::min(IPV4_HDR + payload, room);
    // Inner TTL is quoted as it was, not decremented (§5.3).
    write_ipv4_header(o, tos_from(s, in),
                      static_cast<uint16_t>(std::min<uint32_t>(claimed, 0xffff)), id, flags_off,
                      in[7], proto_6to4(v.proto), src4, dst4);
    std::memcpy(o + IPV4_HDR, in + v.l4_off, n - IPV4_HDR);
    uint8_t *l4 = o + IPV4_HDR;
    uint32_t l4n = n - IPV4_HDR;
    if (first) {
        uint32_t old_sum = sum_v6_addrs(in + 8, in + 24);
        uint32_t new_sum = sum_v4_addrs(src4, dst4);
        // Stateful: the quoted packet went to the VNet host's port, which
        // the IPv4 side knew as the pool4 port (or ICMP identifier).
        const uint32_t port_at = v.proto == proto::ICMPV6 ? 4 : 2;
        if (nat && (v.proto == proto::TCP || v.proto == proto::UDP || v.proto == proto::ICMPV6) &&
            l4n >= port_at + 2) {
            old_sum += rd16(l4 + port_at);
            wr16(l4 + port_at, nat->port4);
            new_sum += nat->port4;
        }
        if ((v.proto == proto::TCP && l4n >= 18) || (v.proto == proto::UDP && l4n >= 8)) {
            // A quoted UDP zero checksum stays zero: nothing to update.
            update_l4_checksum(v.proto, l4, old_sum, new_sum);
        } else if (v.proto == proto::ICMPV6 && l4n >= 4) {
            IcmpMapping m = icmp6_to_icmp4(l4[0], l4[1]);
            if (m.kind != IcmpKind::info) {
                why = NAT64_C_DROP_ICMP_INNER;
                return 0;
            }
            // Quoted echo: new type and no pseudo-header in ICMPv4 (the
            // identifier change, if any, is in the two sums).
            uint32_t ulen = v.l3len - v.l4_off;
            uint32_t old_part = old_sum + ulen + proto::ICMPV6 + rd16(l4);
            l4[0] = m.type;
            l4[1] = m.code;
            uint32_t new_part = rd16(l4) + (new_sum - sum_v4_addrs(src4, dst4));
            uint16_t c = csum_update(rd16(l4 + 2), old_part, new_part);
            if (c == 0 && icmp_all_zero(l4, l4 + ICMP_HDR, l4n >= ICMP_HDR ? l4n - ICMP_HDR : 0)) {
                c = 0xffff;  // as above (RFC 1624 §3)
            }
            wr16(l4 + 2, c);
        }
    }
    return n;
}

// §5.2 + §5.3: an ICMPv6 error becomes an ICMPv4 error, rebuilt whole in
// p.hdr.  'src4'/'dst4' are the translated outer addresses.
void translate_icmp6_error(const Snapshot &s, nat64_pkt &p, const V6Info &v, uint32_t src4,
                           uint32_t dst4, const Mapped4 *nat) {
    const uint8_t *in = p.l3;
    const uint8_t *icmp = in + v.l4_off;
    uint32_t icmp_len = v.l3len - v.l4_off;
    if (icmp_len < ICMP_HDR + IPV6_HDR) return set_drop(p, NAT64_C_DROP_ICMP_INNER);
    // We rewrite every byte's checksum, so check the sender's first: a
    // corrupted error must not leave here with a valid checksum.
    uint32_t sum = sum_v6_addrs(in + 8, in + 24) + icmp_len + proto::ICMPV6;
    if (csum_fold(csum_add_bytes(sum, icmp, icmp_len)) != 0xffff) {
        return set_drop(p, NAT64_C_DROP_BAD_HEADER);
    }
    IcmpMapping m = icmp6_to_icmp4(icmp[0], icmp[1]);
    if (m.kind != IcmpKind::error) return set_drop(p, NAT64_C_DROP_ICMP_TYPE);

    uint8_t *o = p.hdr;
    uint8_t *oicmp = o + IPV4_HDR;
    oicmp[0] = m.type;
    oicmp[1] = m.code;
    wr16(oicmp + 2, 0);
    wr32(oicmp + 4, 0);
    if (m.map_pointer) {
        int ptr = param_pointer_6to4(rd32(icmp + 4));
        if (ptr < 0) return set_drop(p, NAT64_C_DROP_ICMP_TYPE);
        oicmp[4] = static_cast<uint8_t>(ptr);
    }
    if (m.mtu) {
        // §5.2: minimum(advertised MTU - 20, MTU of the IPv4 next hop,
        // MTU of the IPv6 next hop - 20).
        uint32_t mtu = rd32(icmp + 4);
        mtu = mtu > 20 ? mtu - 20 : 0;
        mtu = std::min({mtu, s.cfg.ipv4_mtu, s.cfg.ipv6_mtu - 20});
        wr16(oicmp + 6, static_cast<uint16_t>(std::min<uint32_t>(mtu, 0xffff)));
    }

    // RFC 4884: a non-zero length (64-bit words here, 32-bit words in
    // ICMPv4) says the quote is followed by an extension structure.
    const uint8_t *inner = icmp + ICMP_HDR;
    uint32_t inner_avail = icmp_len - ICMP_HDR;
    uint32_t ext_len = 0;
    const uint8_t *ext = nullptr;
    // RFC 4884 §4.1: only Destination Unreachable and Time Exceeded have
    // the length field (Packet Too Big and Parameter Problem use the word
    // for the MTU and the pointer); both map to ICMPv4 types that have it.
    bool rfc4884 = (icmp[0] == 1 || icmp[0] == 3) && icmp[4] != 0;
    if (rfc4884 && !rfc4884_split(icmp[4] * 8u, inner, inner_avail, ext, ext_len)) {
        return set_drop(p, NAT64_C_DROP_ICMP_INNER);
    }

    uint32_t room = ICMPV4_ERROR_MAX - IPV4_HDR - ICMP_HDR;
    nat64_counter why;
    uint32_t n = translate_inner(s, inner, inner_avail, oicmp + ICMP_HDR, room, nat, why);
    if (n == 0) return set_drop(p, why);
    uint32_t body = n;
    if (rfc4884) body = rfc4884_append(oicmp + ICMP_HDR, n, 4, ext, ext_len, room, oicmp[5]);
    uint32_t icmp4_len = ICMP_HDR + body;
    wr16(oicmp + 2, csum_finish(csum_add_bytes(0, oicmp, icmp4_len)));
    uint16_t total = static_cast<uint16_t>(IPV4_HDR + icmp4_len);
    write_ipv4_header(o, tos_from(s, in), total, next_ipv4_id(), 0, static_cast<uint8_t>(in[7] - 1),
                      proto::ICMP, src4, dst4);
    p.verdict = NAT64_TRANSLATED;
    p.reason = NAT64_C_TRANSLATED_6TO4;
    p.family = 4;
    p.hdr_len = total;
    p.consumed = p.len;
    p.tail_len = 0;
}

// RFC 7757 §4.2 hairpinning: the destination is an IPv4 address the EAMT
// maps back into IPv6, so the packet never leaves IPv6.  Translating twice
// reduces to rewriting the addresses; we decrement the hop limit once, as
// one router hop.  Modes: 'simple' hairpins ordinary packets, 'intrinsic'
// also ICMPv6 errors (their quote rewritten the same way); 'off' drops.
void hairpin(const Snapshot &s, nat64_pkt &p, const V6Info &v, uint32_t src4, uint32_t dst4) {
    const uint8_t *in = p.l3;
    uint8_t src6[16], dst6[16];
    s.eamt.v4_to_v6(dst4, dst6);
    // The source goes out in its pool6 form, not its EAMT form: the peer
    // must answer through the translator, to the address the sender used
    // as destination's counterpart (RFC 7757 §4.2).  We only get here with
    // pool6 set (the destination came through it).
    rfc6052_embed(*s.cfg.pool6, src4, src6);
    uint32_t old_sum = sum_v6_addrs(in + 8, in + 24);
    uint32_t new_sum = sum_v6_addrs(src6, dst6);
    bool first = v.first();
    uint8_t *o = p.hdr;
    if (v.proto == proto::ICMPV6 && first && v.l4_off < v.l3len && icmp6_is_error(in[v.l4_off])) {
        // An error hairpins whole, its quote rewritten the same way
        // (intrinsic mode only); it is small enough to copy.
        if (s.cfg.eam_hairpin_mode != HairpinMode::intrinsic) {
            return set_drop(p, NAT64_C_DROP_HAIRPIN_OFF);
        }
        // The checksum is recomputed below: check the sender's first, as
        // translate_icmp6_error() does (RFC 4443 §2.3).
        const uint32_t in_icmp_len = v.l3len - v.l4_off;
        if (csum_fold(csum_add_bytes(sum_v6_addrs(in + 8, in + 24) + in_icmp_len + proto::ICMPV6,
                                     in + v.l4_off, in_icmp_len)) != 0xffff) {
            return set_drop(p, NAT64_C_DROP_BAD_HEADER);
        }
        uint32_t n = std::min(v.l3len, ICMPV6_ERROR_MAX);
        std::memcpy(o, in, n);
        std::memcpy(o + 8, src6, 16);
        std::memcpy(o + 24, dst6, 16);
        o[7] = static_cast<uint8_t>(in[7] - 1);
        wr16(o + 4, static_cast<uint16_t>(n - IPV6_HDR));
        uint8_t *icmp = o + v.l4_off;
        uint8_t *inner = icmp + ICMP_HDR;
        if (v.l4_off + ICMP_HDR + IPV6_HDR <= n) {
            // The quote is the packet going the other way: its source is
            // the hairpinned destination, its destination our source.
            uint32_t a4;
            bool via_pool6;
            const uint32_t inner_old = sum_v6_addrs(inner + 8, inner + 24);
            if (map6to4_peer(s, inner + 8, a4, via_pool6) == kOk && via_pool6) {
                s.eamt.v4_to_v6(a4, inner + 8);
            }
            if (map6to4_local(s, inner + 24, a4)) rfc6052_embed(*s.cfg.pool6, a4, inner + 24);
            // The quoted transport checksum follows its addresses, as the
            // two translations (§5.3, §4.3) would have updated it.
            V6Info iv;
            const uint32_t inner_avail = n - v.l4_off - ICMP_HDR;
            if (parse_ipv6(inner, inner_avail, true, iv) == kOk && iv.first()) {
                uint8_t *il4 = inner + iv.l4_off;
                const uint32_t il4n = iv.avail - iv.l4_off;
                const uint32_t inner_new = sum_v6_addrs(inner + 8, inner + 24);
                if ((iv.proto == proto::TCP && il4n >= 18) ||
                    (iv.proto == proto::UDP && il4n >= 8)) {
                    update_l4_checksum(iv.proto, il4, inner_old, inner_new);
                } else if (iv.proto == proto::ICMPV6 && il4n >= 4) {
                    wr16(il4 + 2, csum_update(rd16(il4 + 2), inner_old, inner_new));
                }
            }
        }
        uint32_t icmp_len = n - v.l4_off;
        wr16(icmp + 2, 0);
        uint32_t sum = sum_v6_addrs(src6, dst6) + icmp_len + proto::ICMPV6;
        wr16(icmp + 2, csum_finish(csum_add_bytes(sum, icmp, icmp_len)));
        p.verdict = NAT64_TRANSLATED;
        p.reason = NAT64_C_HAIRPINNED;
        p.family = 6;
        p.hdr_len = static_cast<uint16_t>(n);
        p.consumed = p.len;
        p.tail_len = 0;
        return;
    }
    uint32_t copy = first ? l4_copy_len(v.proto) : 0;
    if (v.l4_off + copy > v.l3len) return set_drop(p, NAT64_C_DROP_TRUNCATED);
    uint32_t lead = v.l4_off + copy;
    if (lead > NAT64_HDR_MAX) return set_drop(p, NAT64_C_DROP_EXT_HEADER);
    std::memcpy(o, in, lead);
    std::memcpy(o + 8, src6, 16);
    std::memcpy(o + 24, dst6, 16);
    o[7] = static_cast<uint8_t>(in[7] - 1);
    uint8_t *l4 = o + v.l4_off;
    if (copy) {
        if (v.proto == proto::ICMPV6) {
            wr16(l4 + 2, csum_update(rd16(l4 + 2), old_sum, new_sum));
        } else if (!update_l4_checksum(v.proto, l4, old_sum, new_sum)) {
            return set_drop(p, NAT64_C_DROP_UDP_CHECKSUM_ZERO);
        }
    }
    p.verdict = NAT64_TRANSLATED;
    p.reason = NAT64_C_HAIRPINNED;
    p.family = 6;
    p.hdr_len = static_cast<uint16_t>(lead);
    p.consumed = lead;
    p.tail_len = v.l3len - lead;
}

// --- Stateful NAT64 (RFC 6146) --------------------------------------------

// §3.4: the tuple of a packet from the VNet, its destination already in
// IPv4 form.  Only unfragmented TCP, UDP and ICMPv6 echo have one here.
nat64_counter flow_of6(const uint8_t *in, const V6Info &v, uint32_t dst4, Flow6 &f) {
    // Fragments would need reassembly to find their ports.
    if (v.frag) return NAT64_C_DROP_STATEFUL_FRAGMENT;
    const uint8_t *l4 = in + v.l4_off;
    const uint32_t l4n = v.l3len - v.l4_off;
    f.addr6 = in + 8;
    f.remote4 = dst4;
    f.tcp_flags = 0;
    switch (v.proto) {
        case proto::TCP:
            if (l4n < 20) return NAT64_C_DROP_TRUNCATED;
            f.proto = Protocol::tcp;
            f.port6 = rd16(l4);
            f.rport = rd16(l4 + 2);
            f.tcp_flags = l4[13] & (tcp_flag::FIN | tcp_flag::SYN | tcp_flag::RST);
            return kOk;
        case proto::UDP:
            if (l4n < 8) return NAT64_C_DROP_TRUNCATED;
            f.proto = Protocol::udp;
            f.port6 = rd16(l4);
            f.rport = rd16(l4 + 2);
            return kOk;
        case proto::ICMPV6:
            if (l4n < 8) return NAT64_C_DROP_TRUNCATED;
            // §3.5.3: ICMP query sessions are keyed by the identifier.
            // Other informational messages (ND, MLD) stay in the VNet.
            if (l4[0] != 128 && l4[0] != 129) return NAT64_C_DROP_SRC_UNTRANSLATABLE;
            f.proto = Protocol::icmp;
            f.port6 = rd16(l4 + 4);
            f.rport = 0;
            return kOk;
        default:
            return NAT64_C_DROP_NO_STATE;
    }
}

// §3.5 for an ICMPv6 error from the VNet: the packet it quotes came in
// through a session (from the IPv4 side to the VNet host); that session
// says which pool4 transport address the IPv4 side knows.  False if there
// is none.
bool stateful_error_source(const Snapshot &s, const Burst &b, const uint8_t *in, const V6Info &v,
                           Mapped4 &nat) {
    const uint32_t off = v.l4_off + ICMP_HDR;
    if (off >= v.l3len) return false;
    const uint8_t *inner = in + off;
    V6Info iv;
    if (parse_ipv6(inner, v.l3len - off, true, iv) != kOk || !iv.first()) return false;
    uint32_t remote4;
    bool via_pool6;
    if (map6to4_peer(s, inner + 8, remote4, via_pool6) != kOk) return false;
    const uint8_t *l4 = inner + iv.l4_off;
    const uint32_t l4n = iv.avail - iv.l4_off;
    Flow6 f{inner + 24, 0, remote4, 0, Protocol::tcp, 0};
    if ((iv.proto == proto::TCP || iv.proto == proto::UDP) && l4n >= 4) {
        f.proto = iv.proto == proto::TCP ? Protocol::tcp : Protocol::udp;
        f.rport = rd16(l4);
        f.port6 = rd16(l4 + 2);
    } else if (iv.proto == proto::ICMPV6 && l4n >= 6 && (l4[0] == 128 || l4[0] == 129)) {
        f.proto = Protocol::icmp;
        f.port6 = rd16(l4 + 4);
    } else {
        return false;
    }
    return b.state->lookup6(f, b.now, nat);
}

// §3.8 hairpinning: a VNet host talks to a pool4 transport address, i.e.
// to another VNet host through its BIB entry.  The packet is translated out
// (new source transport address from pool4) and straight back in (the BIB
// gives the destination), so it never leaves IPv6; the hop limit drops by
// one, as for one router.
void stateful_hairpin(const Snapshot &s, const Burst &b, nat64_pkt &p, const V6Info &v,
                      const Flow6 &f) {
    Mapped4 out4;
    nat64_counter why = b.state->outbound(s.cfg, f, b.now, b.dry, out4);
    if (why == NAT64_C_REPLY_POOL4_EXHAUSTED)
        return reply_icmp6(s, p, v.l3len, 1, 3, 0, NAT64_C_REPLY_POOL4_EXHAUSTED);
    if (why != kOk) return set_drop(p, why);
    const bool icmp = f.proto == Protocol::icmp;
    // The packet as it would arrive from the IPv4 side: from the pool4
    // transport address just found, to the one it was sent to.
    Flow4 g{out4.addr4, icmp ? uint16_t{0} : out4.port4,
            f.remote4,  icmp ? out4.port4 : f.rport,
            f.proto,    f.tcp_flags};
    Mapped6 in6;
    why = b.state->inbound(s.cfg, g, b.now, b.dry, in6);
    if (why != kOk) return set_drop(p, why);
    uint8_t src6[16];
    why = map4to6_peer(s, out4.addr4, src6);
    if (why != kOk) return set_drop(p, why);

    const uint8_t *in = p.l3;
    const uint32_t copy = l4_copy_len(v.proto);
    const uint32_t lead = v.l4_off + copy;
    if (lead > v.l3len) return set_drop(p, NAT64_C_DROP_TRUNCATED);
    if (lead > NAT64_HDR_MAX) return set_drop(p, NAT64_C_DROP_EXT_HEADER);
    uint8_t *o = p.hdr;
    std::memcpy(o, in, lead);
    std::memcpy(o + 8, src6, 16);
    std::memcpy(o + 24, in6.addr6, 16);
    o[7] = static_cast<uint8_t>(in[7] - 1);
    uint8_t *l4 = o + v.l4_off;
    uint32_t old_sum = sum_v6_addrs(in + 8, in + 24);
    uint32_t new_sum = sum_v6_addrs(src6, in6.addr6);
    if (icmp) {
        old_sum += rd16(l4 + 4);
        wr16(l4 + 4, in6.port6);  // the identifier the destination host knows
        new_sum += in6.port6;
        wr16(l4 + 2, csum_update(rd16(l4 + 2), old_sum, new_sum));
    } else {
        old_sum += rd16(l4) + rd16(l4 + 2);
        wr16(l4, out4.port4);
        wr16(l4 + 2, in6.port6);
        new_sum += uint32_t{out4.port4} + in6.port6;
        if (!update_l4_checksum(v.proto, l4, old_sum, new_sum))
            return set_drop(p, NAT64_C_DROP_UDP_CHECKSUM_ZERO);
    }
    p.verdict = NAT64_TRANSLATED;
    p.reason = NAT64_C_HAIRPINNED;
    p.family = 6;
    p.hdr_len = static_cast<uint16_t>(lead);
    p.consumed = lead;
    p.tail_len = v.l3len - lead;
}

}  // namespace

void xlat_6to4(const Snapshot &s, const Burst &b, nat64_pkt &p) noexcept {
    const uint8_t *in = p.l3;
    V6Info v;
    nat64_counter why = parse_ipv6(in, p.len, false, v);
    if (why != kOk) return set_drop(p, why);

    const bool first = v.first();
    const bool is_icmp = v.proto == proto::ICMPV6;
    if (is_icmp && first && v.l4_off + 1 > v.l3len) return set_drop(p, NAT64_C_DROP_TRUNCATED);
    const bool icmp_error = is_icmp && first && icmp6_is_error(in[v.l4_off]);

    // §5.1: a routing header with segments left is the IPv6 node's business
    // and cannot be honoured in IPv4: parameter problem pointing at it.
    if (v.rh_segleft_off) {
        if (icmp_error) return set_drop(p, NAT64_C_DROP_ICMP_ERROR_LOOP);
        return reply_icmp6(s, p, v.l3len, 4, 0, v.rh_segleft_off, NAT64_C_REPLY_ROUTING_HDR);
    }

    // Destination: EAMT, else pool6 (never reserved space; RFC 7757 §3.3).
    uint32_t dst4;
    bool via_pool6;
    why = map6to4_peer(s, in + 24, dst4, via_pool6);
    if (why != kOk) return set_drop(p, why);

    // Source: EAMT.  ICMPv6 errors from routers without a mapping get an
    // RFC 6791 address.  Otherwise the VNet host needs stateful NAT64 or
    // has no business talking to IPv4.
    uint32_t src4;
    Mapped4 nat;  // stateful: the pool4 transport address
    const Mapped4 *natp = nullptr;
    bool stateful = false;  // mapped through the session table below
    if (!map6to4_local(s, in + 8, src4)) {
        if (icmp_error) {
            // An error about a packet that came in through a session leaves
            // from that session's pool4 address (RFC 6146 §3.5); others,
            // from routers with no mapping, from an RFC 6791 address.
            if (b.state && stateful_error_source(s, b, in, v, nat)) {
                src4 = nat.addr4;
                natp = &nat;
            } else if (!rfc6791_source(s, in + 8, src4)) {
                return set_drop(p, NAT64_C_DROP_NO_ROUTER_ADDR);
            }
        } else if (s.has_pool4) {
            if (!b.state) return set_drop(p, NAT64_C_DROP_NO_STATE);
            stateful = true;
            src4 = 0;
        } else if (is_icmp && first && in[v.l4_off] >= 128) {
            // Informational ICMPv6 from an unmapped source (ND, MLD,
            // echo): answering would only add noise.
            return set_drop(p, NAT64_C_DROP_SRC_UNTRANSLATABLE);
        } else {
            // §5.4: a discarded packet is answered with Type 1 Code 1
            // (communication administratively prohibited).
            return reply_icmp6(s, p, v.l3len, 1, 1, 0, NAT64_C_REPLY_SRC_UNTRANSLATABLE);
        }
    }

    // §5.1 TTL: the translator is a router and decrements; at 1 the packet
    // dies here with a time exceeded (RFC 4443 §3.3), unless it is an error.
    if (in[7] <= 1) {
        if (icmp_error) return set_drop(p, NAT64_C_DROP_HOP_LIMIT);
        return reply_icmp6(s, p, v.l3len, 3, 0, 0, NAT64_C_REPLY_HOP_LIMIT);
    }

    if (stateful) {
        // RFC 6146 §3.4-§3.5: the tuple, then the session (created if the
        // filtering rules allow), which gives the pool4 transport address.
        Flow6 f;
        why = flow_of6(in, v, dst4, f);
        if (why != kOk) return set_drop(p, why);
        if (!(s.pool4_protos & (1u << unsigned(f.proto)))) {
            return set_drop(p, NAT64_C_DROP_NO_STATE);
        }
        // Refused anyway further on: decide before any state is created.
        if (f.proto == Protocol::icmp && s.cfg.drop_icmpv6_info)
            return set_drop(p, NAT64_C_DROP_ICMPV6_INFO);
        if (f.proto == Protocol::udp && rd16(in + v.l4_off + 6) == 0)
            return set_drop(p, NAT64_C_DROP_UDP_CHECKSUM_ZERO);
        if (via_pool6 && s.pool4_has_addr(dst4)) return stateful_hairpin(s, b, p, v, f);
        why = b.state->outbound(s.cfg, f, b.now, b.dry, nat);
        if (why == NAT64_C_REPLY_POOL4_EXHAUSTED) {
            // §3.5.1.1: destination unreachable, address unreachable.
            return reply_icmp6(s, p, v.l3len, 1, 3, 0, NAT64_C_REPLY_POOL4_EXHAUSTED);
        }
        if (why != kOk) return set_drop(p, why);
        src4 = nat.addr4;
        natp = &nat;
    }

    // RFC 7757 §4.2: an IPv4 destination that the EAMT maps back to IPv6.
    if (via_pool6 && dst4 >= s.eamt4_lo && dst4 <= s.eamt4_hi) {
        uint8_t scratch[16];
        if (s.eamt.v4_to_v6(dst4, scratch)) {
            if (s.cfg.eam_hairpin_mode == HairpinMode::off) {
                return set_drop(p, NAT64_C_DROP_HAIRPIN_OFF);
            }
            return hairpin(s, p, v, src4, dst4);
        }
    }

    if (icmp_error) {
        // First fragment of an error: its checksum covers fragments that
        // are not here (§5.2 cannot be applied without reassembly).
        if (v.frag_mf) return set_drop(p, NAT64_C_DROP_ICMP_FRAGMENT);
        return translate_icmp6_error(s, p, v, src4, dst4, natp);
    }

    const uint32_t payload = v.l3len - v.l4_off;
    const uint32_t total = IPV4_HDR + payload;

    uint8_t *o = p.hdr;
    uint8_t *l4 = o + IPV4_HDR;
    uint32_t copy = 0;
    if (first) {
        copy = l4_copy_len(v.proto);
        if (v.l4_off + copy > v.l3len) return set_drop(p, NAT64_C_DROP_TRUNCATED);
        std::memcpy(l4, in + v.l4_off, copy);
        uint32_t old_sum = sum_v6_addrs(in + 8, in + 24);
        uint32_t new_sum = sum_v4_addrs(src4, dst4);
        if (is_icmp) {
            // §5.2: only echo request/reply are translated.  A fragmented
            // ICMPv6 message cannot be: its checksum covers all fragments.
            if (v.frag) return set_drop(p, NAT64_C_DROP_ICMP_FRAGMENT);
            IcmpMapping m = icmp6_to_icmp4(l4[0], l4[1]);
            if (m.kind != IcmpKind::info) return set_drop(p, NAT64_C_DROP_ICMP_TYPE);
            if (s.cfg.drop_icmpv6_info) return set_drop(p, NAT64_C_DROP_ICMPV6_INFO);
            // Remove the pseudo-header (ICMPv4 has none) and swap the type;
            // stateful, the identifier becomes the pool4 one (§3.5.3).
            uint32_t old_part = old_sum + payload + proto::ICMPV6 + rd16(l4);
            l4[0] = m.type;
            l4[1] = m.code;
            uint32_t new_part = rd16(l4);
            if (stateful) {
                old_part += rd16(l4 + 4);
                wr16(l4 + 4, nat.port4);
                new_part += nat.port4;
            }
            uint16_t c = csum_update(rd16(l4 + 2), old_part, new_part);
            // RFC 1624 §3: the update yields 0x0000 both for a message
            // summing to 0xffff (right) and for an all-zero one, whose
            // checksum is 0xffff.  ICMPv4 has no pseudo-header, so an
            // all-zero echo reply is possible; tell the two apart.
            if (c == 0 && icmp_all_zero(l4, in + v.l4_off + ICMP_HDR, payload - ICMP_HDR))
                c = 0xffff;
            wr16(l4 + 2, c);
        } else {
            if (stateful) {
                // §3.6: the source port becomes the BIB's pool4 port.
                old_sum += rd16(l4);
                wr16(l4, nat.port4);
                new_sum += nat.port4;
            }
            if (!update_l4_checksum(v.proto, l4, old_sum, new_sum)) {
                return set_drop(p, NAT64_C_DROP_UDP_CHECKSUM_ZERO);
            }
        }
    } else if (is_icmp) {
        return set_drop(p, NAT64_C_DROP_ICMP_FRAGMENT);
    }

    // Too big for the IPv4 link: IPv6 routers never fragment, so the
    // sender learns the MTU (RFC 8201) as ipv4-mtu plus the header growth.
    // Checked only now: a packet that is dropped anyway must not make its
    // sender lower the path MTU.
    if (total > s.cfg.ipv4_mtu) {
        uint32_t mtu6 = std::max<uint32_t>(1280, s.cfg.ipv4_mtu + 20);
        return reply_icmp6(s, p, v.l3len, 2, 0, mtu6, NAT64_C_REPLY_TOO_BIG);
    }

    uint16_t id, flags_off;
    ipv4_id_flags(v, total, id, flags_off);
    write_ipv4_header(o, tos_from(s, in), static_cast<uint16_t>(total), id, flags_off,
                      static_cast<uint8_t>(in[7] - 1), proto_6to4(v.proto), src4, dst4);
    p.verdict = NAT64_TRANSLATED;
    p.reason = NAT64_C_TRANSLATED_6TO4;
    p.family = 4;
    p.hdr_len = static_cast<uint16_t>(IPV4_HDR + copy);
    p.consumed = v.l4_off + copy;
    p.tail_len = v.l3len - p.consumed;
    p.frag_size = 0;
}

}  // namespace nat64
