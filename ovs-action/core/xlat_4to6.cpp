// RFC 7915 §4: translating from IPv4 to IPv6.
//
// The mirror of xlat_6to4.cpp: parse, map (destination through the EAMT
// only: inbound IPv4 reaches just what is explicitly mapped), router checks
// (TTL, DF and the IPv6 MTU, source routes), then the IPv6 header, an
// optional Fragment header and the transport checksum go into p.hdr.
#include <algorithm>
#include <cstring>

#include "checksum.hpp"
#include "icmp_map.hpp"
#include "packet.hpp"
#include "xlat.hpp"

namespace nat64 {

namespace {

// §4.1: Traffic Class from Type of Service, unless zeroized.
uint8_t tclass_from(const Snapshot &s, const uint8_t *ip4) {
    return s.cfg.zeroize_traffic_class ? 0 : ip4[1];
}

uint8_t proto_4to6(uint8_t p) {
    return p == proto::ICMP ? proto::ICMPV6 : p;
}

void write_frag_header(uint8_t *o, uint8_t next_header, uint16_t offset, bool mf, uint32_t id) {
    // §4.1.1 (RFC 8200 §4.5): Identification zero-extended from IPv4.
    o[0] = next_header;
    o[1] = 0;
    wr16(o + 2, static_cast<uint16_t>((offset << 3) | (mf ? 1 : 0)));
    wr32(o + 4, id);
}

inline uint32_t l4_copy_len(uint8_t proto_nr) {
    switch (proto_nr) {
        case proto::TCP:
            return 18;  // through the checksum field
        case proto::UDP:
        case proto::ICMP:
            return 8;
        default:
            return 0;
    }
}

// Translates the packet quoted inside an ICMPv4 error (§4.3) into 'o'.  It
// travelled from the VNet to the IPv4 side: source is a VNet address
// (EAMT), destination a peer.  Returns bytes written or 0 with 'why'.
uint32_t translate_inner(const Snapshot &s, const uint8_t *in, uint32_t avail, uint8_t *o,
                         uint32_t room, const Mapped6 *nat, nat64_counter &why) {
    V4Info v;
    why = parse_ipv4(in, avail, true, v);
    if (why != kOk) return 0;
    uint8_t src6[16], dst6[16];
    if (nat) std::memcpy(src6, nat->addr6, 16);  // stateful: the session's host
    if ((!nat && !map4to6_local(s, rd32(in + 12), src6)) ||
        map4to6_peer(s, rd32(in + 16), dst6) != kOk) {
        why = NAT64_C_DROP_ICMP_INNER;
        return 0;
    }
    const bool first = v.frag_off == 0;
    const uint8_t *l4in = in + v.ihl;
    uint32_t l4avail = v.avail - v.ihl;
    if (first && v.proto == proto::ICMP && l4avail >= 1 && icmp4_is_error(l4in[0])) {
        why = NAT64_C_DROP_ICMP_INNER;  // §4.3: no error inside an error
        return 0;
    }
    uint32_t fh = v.is_fragment() ? FRAG_HDR : 0;
    uint32_t hdrs = IPV6_HDR + fh;
    uint32_t claimed_payload = fh + (v.total - v.ihl);
    uint32_t n = std::min(hdrs + l4avail, room);
    write_ipv6_header(o, tclass_from(s, in), static_cast<uint16_t>(claimed_payload),
                      fh ? proto::FRAGMENT : proto_4to6(v.proto), in[8], src6, dst6);
    if (fh) write_frag_header(o + IPV6_HDR, proto_4to6(v.proto), v.frag_off, v.mf, v.id);
    std::memcpy(o + hdrs, l4in, n - hdrs);
    uint8_t *l4 = o + hdrs;
    uint32_t l4n = n - hdrs;
    if (first) {
        uint32_t old_sum = sum_v4_addrs(rd32(in + 12), rd32(in + 16));
        uint32_t new_sum = sum_v6_addrs(src6, dst6);
        // Stateful: the quoted packet left from the pool4 port (or ICMP
        // identifier) that stands for the VNet host's.
        uint32_t id_old = 0, id_new = 0;
        if (nat && (v.proto == proto::TCP || v.proto == proto::UDP) && l4n >= 2) {
            old_sum += rd16(l4);
            wr16(l4, nat->port6);
            new_sum += nat->port6;
        } else if (nat && v.proto == proto::ICMP && l4n >= 6) {
            id_old = rd16(l4 + 4);
            wr16(l4 + 4, nat->port6);
            id_new = nat->port6;
        }
        if (v.proto == proto::TCP && l4n >= 18) {
            wr16(l4 + 16, csum_update(rd16(l4 + 16), old_sum, new_sum));
        } else if (v.proto == proto::UDP && l4n >= 8 && rd16(l4 + 6) != 0) {
            uint16_t c = csum_update(rd16(l4 + 6), old_sum, new_sum);
            wr16(l4 + 6, c == 0 ? 0xffff : c);
        } else if (v.proto == proto::ICMP && l4n >= 4) {
            IcmpMapping m = icmp4_to_icmp6(l4[0], l4[1]);
            if (m.kind != IcmpKind::info) {
                why = NAT64_C_DROP_ICMP_INNER;
                return 0;
            }
            uint32_t ulen = v.total - v.ihl;
            uint32_t old_part = rd16(l4) + id_old;
            l4[0] = m.type;
            l4[1] = m.code;
            uint32_t new_part = rd16(l4) + new_sum + ulen + proto::ICMPV6 + id_new;
            wr16(l4 + 2, csum_update(rd16(l4 + 2), old_part, new_part));
        }
    }
    return n;
}

// §4.2 + §4.3: an ICMPv4 error becomes an ICMPv6 error, rebuilt whole.
void translate_icmp4_error(const Snapshot &s, nat64_pkt &p, const V4Info &v, const uint8_t *src6,
                           const uint8_t *dst6, const Mapped6 *nat) {
    const uint8_t *in = p.l3;
    const uint8_t *icmp = in + v.ihl;
    uint32_t icmp_len = v.total - v.ihl;
    if (icmp_len < ICMP_HDR + IPV4_HDR) return set_drop(p, NAT64_C_DROP_ICMP_INNER);
    if (csum_fold(csum_add_bytes(0, icmp, icmp_len)) != 0xffff) {
        return set_drop(p, NAT64_C_DROP_BAD_HEADER);
    }
    IcmpMapping m = icmp4_to_icmp6(icmp[0], icmp[1]);
    if (m.kind != IcmpKind::error) return set_drop(p, NAT64_C_DROP_ICMP_TYPE);

    uint8_t *o = p.hdr;
    uint8_t *oicmp = o + IPV6_HDR;
    oicmp[0] = m.type;
    oicmp[1] = m.code;
    wr16(oicmp + 2, 0);
    wr32(oicmp + 4, 0);
    const uint8_t *inner = icmp + ICMP_HDR;
    uint32_t inner_avail = icmp_len - ICMP_HDR;
    if (m.map_pointer) {
        int ptr = param_pointer_4to6(icmp[4]);
        if (ptr < 0) return set_drop(p, NAT64_C_DROP_ICMP_TYPE);
        wr32(oicmp + 4, static_cast<uint32_t>(ptr));
    } else if (m.set_pointer) {
        wr32(oicmp + 4, m.pointer);
    }
    if (m.mtu) {
        // §4.2: minimum(advertised MTU + 20, MTU of the IPv6 next hop, MTU
        // of the IPv4 next hop + 20); a router that sent 0 (pre-RFC 1191)
        // gets the plateau below the quoted packet's total length.
        uint32_t mtu = rd16(icmp + 6);
        if (mtu == 0) {
            const auto &pl = s.cfg.mtu_plateaus;
            mtu = mtu_plateau_below(pl.data(), static_cast<unsigned>(pl.size()), rd16(inner + 2));
            if (mtu == 0) mtu = 68;
        }
        mtu = std::min({mtu + 20, s.cfg.ipv6_mtu, s.cfg.ipv4_mtu + 20});
        // IPv6 links are at least 1280 (RFC 8200 §5).
        wr32(oicmp + 4, std::max<uint32_t>(mtu, 1280));
    }

    // RFC 4884 §4.1: Destination Unreachable, Time Exceeded and Parameter
    // Problem carry the quote's length (32-bit words) in byte 5; the quote
    // ends there whatever the output.  ICMPv6 has the length (64-bit
    // words, byte 4) only in Destination Unreachable and Time Exceeded
    // (§4.2): elsewhere the extension is left out.
    bool rfc4884 = (icmp[0] == 3 || icmp[0] == 11 || icmp[0] == 12) && icmp[5] != 0;
    const bool out_has_length = m.type == 1 || m.type == 3;
    const uint8_t *ext = nullptr;
    uint32_t ext_len = 0;
    if (rfc4884 && !rfc4884_split(icmp[5] * 4u, inner, inner_avail, ext, ext_len)) {
        return set_drop(p, NAT64_C_DROP_ICMP_INNER);
    }

    uint32_t room = ICMPV6_ERROR_MAX - IPV6_HDR - ICMP_HDR;
    nat64_counter why;
    uint32_t n = translate_inner(s, inner, inner_avail, oicmp + ICMP_HDR, room, nat, why);
    if (n == 0) return set_drop(p, why);
    uint32_t body = n;
    if (rfc4884 && out_has_length) {
        body = rfc4884_append(oicmp + ICMP_HDR, n, 8, ext, ext_len, room, oicmp[4]);
    }
    uint16_t plen = static_cast<uint16_t>(ICMP_HDR + body);
    write_ipv6_header(o, tclass_from(s, in), plen, proto::ICMPV6, static_cast<uint8_t>(in[8] - 1),
                      src6, dst6);
    uint32_t sum = sum_v6_addrs(src6, dst6) + plen + proto::ICMPV6;
    wr16(oicmp + 2, csum_finish(csum_add_bytes(sum, oicmp, plen)));
    p.verdict = NAT64_TRANSLATED;
    p.reason = NAT64_C_TRANSLATED_4TO6;
    p.family = 6;
    p.hdr_len = static_cast<uint16_t>(IPV6_HDR + plen);
    p.consumed = p.len;
    p.tail_len = 0;
}

// Full UDP checksum for an IPv4 datagram that carried none (§4.5,
// amend-udp-checksum-zero): over the IPv6 pseudo-header and the datagram.
uint16_t udp_checksum6(const uint8_t *src6, const uint8_t *dst6, const uint8_t *udp, uint32_t len) {
    uint32_t sum = sum_v6_addrs(src6, dst6) + len + proto::UDP;
    sum = csum_add_bytes(sum, udp, 6);  // skip the (zero) checksum field
    sum = csum_add_bytes(sum, udp + 8, len - 8);
    uint16_t c = csum_finish(sum);
    return c == 0 ? 0xffff : c;
}

// --- Stateful NAT64 (RFC 6146) --------------------------------------------

// §3.4: the tuple of a packet from the IPv4 side to a pool4 address.
nat64_counter flow_of4(const uint8_t *in, const V4Info &v, Flow4 &f) {
    if (v.is_fragment()) return NAT64_C_DROP_STATEFUL_FRAGMENT;
    const uint8_t *l4 = in + v.ihl;
    const uint32_t l4n = v.total - v.ihl;
    f.remote4 = rd32(in + 12);
    f.addr4 = rd32(in + 16);
    f.tcp_flags = 0;
    switch (v.proto) {
        case proto::TCP:
            if (l4n < 20) return NAT64_C_DROP_TRUNCATED;
            f.proto = Protocol::tcp;
            f.rport = rd16(l4);
            f.port4 = rd16(l4 + 2);
            f.tcp_flags = l4[13] & (tcp_flag::FIN | tcp_flag::SYN | tcp_flag::RST);
            return kOk;
        case proto::UDP:
            if (l4n < 8) return NAT64_C_DROP_TRUNCATED;
            f.proto = Protocol::udp;
            f.rport = rd16(l4);
            f.port4 = rd16(l4 + 2);
            return kOk;
        case proto::ICMP:
            if (l4n < 8) return NAT64_C_DROP_TRUNCATED;
            // §3.5.3: echo request/reply, keyed by the identifier.
            if (l4[0] != 0 && l4[0] != 8) return NAT64_C_DROP_ICMP_TYPE;
            f.proto = Protocol::icmp;
            f.rport = 0;
            f.port4 = rd16(l4 + 4);
            return kOk;
        default:
            return NAT64_C_DROP_NO_STATE;
    }
}

// An ICMPv4 error to a pool4 address quotes a packet that left through a
// session; the session names the VNet host it is for (RFC 6146 §3.5).
bool stateful_error_dest(const Burst &b, const uint8_t *in, const V4Info &v, Mapped6 &nat) {
    const uint32_t off = v.ihl + ICMP_HDR;
    if (off >= v.total) return false;
    const uint8_t *inner = in + off;
    V4Info iv;
    if (parse_ipv4(inner, v.total - off, true, iv) != kOk || iv.frag_off != 0) return false;
    const uint8_t *l4 = inner + iv.ihl;
    const uint32_t l4n = iv.avail - iv.ihl;
    Flow4 f{rd32(inner + 16), 0, rd32(inner + 12), 0, Protocol::tcp, 0};
    if ((iv.proto == proto::TCP || iv.proto == proto::UDP) && l4n >= 4) {
        f.proto = iv.proto == proto::TCP ? Protocol::tcp : Protocol::udp;
        f.port4 = rd16(l4);
        f.rport = rd16(l4 + 2);
    } else if (iv.proto == proto::ICMP && l4n >= 6 && (l4[0] == 0 || l4[0] == 8)) {
        f.proto = Protocol::icmp;
        f.port4 = rd16(l4 + 4);
    } else {
        return false;
    }
    return b.state->lookup4(f, b.now, nat);
}

}  // namespace

void xlat_4to6(const Snapshot &s, const Burst &b, nat64_pkt &p) noexcept {
    const uint8_t *in = p.l3;
    V4Info v;
    nat64_counter why = parse_ipv4(in, p.len, false, v);
    if (why != kOk) return set_drop(p, why);

    const bool first = v.frag_off == 0;
    const bool is_icmp = v.proto == proto::ICMP;
    if (is_icmp && first && v.ihl + 1 > v.total) return set_drop(p, NAT64_C_DROP_TRUNCATED);
    // §4.2: IGMP is single-hop and has no IPv6 counterpart (MLD is not a
    // translation of it): silently dropped.
    if (v.proto == proto::IGMP) return set_drop(p, NAT64_C_DROP_ICMP_TYPE);
    const bool icmp_error = is_icmp && first && icmp4_is_error(in[v.ihl]);
    // RFC 1122 §3.2.2, RFC 1812 §4.3.2.7: an ICMP error is never sent about
    // an ICMP error, nor about a fragment other than the first.
    const bool no_reply = icmp_error || !first;

    // §4.1: options are ignored, but an unexpired source route cannot be
    // honoured: destination unreachable, source route failed.
    if (v.ihl > IPV4_HDR && ipv4_unexpired_source_route(in, v.ihl)) {
        if (no_reply) return set_drop(p, NAT64_C_DROP_SOURCE_ROUTE);
        return reply_icmp4(s, p, v.total, 3, 5, 0, NAT64_C_REPLY_DST_UNREACHABLE);
    }

    const uint32_t src4 = rd32(in + 12);
    const uint32_t dst4 = rd32(in + 16);
    // Martian sources never enter the VNet.
    if (ipv4_always_reserved(src4)) return set_drop(p, NAT64_C_DROP_RESERVED_ADDR);

    // Destination: only what the EAMT maps explicitly (pool4/BIB in
    // stateful mode).
    uint8_t dst6[16];
    Mapped6 nat;  // stateful: the VNet host and its port
    const Mapped6 *natp = nullptr;
    bool stateful = false;  // mapped through the session table below
    if (!map4to6_local(s, dst4, dst6)) {
        if (!s.pool4_has_addr(dst4)) return set_drop(p, NAT64_C_DROP_DST_UNTRANSLATABLE);
        if (!b.state) return set_drop(p, NAT64_C_DROP_NO_STATE);
        stateful = true;
    }
    // Source: EAMT, else pool6 (RFC 6052).
    uint8_t src6[16];
    why = map4to6_peer(s, src4, src6);
    // ICMPv4 errors from routers on non-global addresses (traceroute hops
    // behind the Well-Known Prefix) still get through with a pool6791v6
    // source.
    if (why != kOk && !(icmp_error && rfc6791v6_source(s, src6))) return set_drop(p, why);

    // §4.1 Hop Limit: decremented; at 1 the packet dies here (RFC 792).
    if (in[8] <= 1) {
        if (no_reply) return set_drop(p, NAT64_C_DROP_HOP_LIMIT);
        return reply_icmp4(s, p, v.total, 11, 0, 0, NAT64_C_REPLY_HOP_LIMIT);
    }

    if (stateful) {
        if (icmp_error) {
            if (!stateful_error_dest(b, in, v, nat)) return set_drop(p, NAT64_C_DROP_NO_BIB);
        } else {
            // RFC 6146 §3.4-§3.5: tuple, filtering, session.
            Flow4 f;
            why = flow_of4(in, v, f);
            if (why != kOk) return set_drop(p, why);
            if (f.proto == Protocol::udp && rd16(in + v.ihl + 6) == 0 &&
                !s.cfg.amend_udp_checksum_zero)
                return set_drop(p, NAT64_C_DROP_UDP_CHECKSUM_ZERO);
            why = b.state->inbound(s.cfg, f, b.now, b.dry, nat);
            if (why != kOk) return set_drop(p, why);
        }
        std::memcpy(dst6, nat.addr6, 16);
        natp = &nat;
    }

    if (icmp_error) {
        // The first fragment of an error: its checksum covers the whole
        // message, which is not here (as for any fragmented ICMP below).
        if (v.mf) return set_drop(p, NAT64_C_DROP_ICMP_FRAGMENT);
        return translate_icmp4_error(s, p, v, src6, dst6, natp);
    }

    const uint32_t payload4 = v.total - v.ihl;
    const uint32_t limit = std::min(s.cfg.ipv6_mtu, s.cfg.lowest_ipv6_mtu);
    bool frag_hdr = v.is_fragment();
    uint32_t size6 = IPV6_HDR + (frag_hdr ? FRAG_HDR : 0) + payload4;
    // DF: the IPv4 sender does PMTUD (answered below, once the packet is
    // known to be translatable at all).
    const bool too_big = v.df && size6 > s.cfg.ipv6_mtu;
    if (!v.df && size6 > limit) {
        // §4.1: DF=0 lets us fragment, to what every IPv6 link carries.
        frag_hdr = true;
        size6 = IPV6_HDR + FRAG_HDR + payload4;
    }

    uint8_t *o = p.hdr;
    const uint32_t hdrs = IPV6_HDR + (frag_hdr ? FRAG_HDR : 0);
    uint8_t *l4 = o + hdrs;
    uint32_t copy = 0;
    if (first) {
        copy = l4_copy_len(v.proto);
        if (v.ihl + copy > v.total) return set_drop(p, NAT64_C_DROP_TRUNCATED);
        std::memcpy(l4, in + v.ihl, copy);
        uint32_t old_sum = sum_v4_addrs(src4, dst4);
        uint32_t new_sum = sum_v6_addrs(src6, dst6);
        if (is_icmp) {
            if (v.is_fragment()) return set_drop(p, NAT64_C_DROP_ICMP_FRAGMENT);
            IcmpMapping m = icmp4_to_icmp6(l4[0], l4[1]);
            if (m.kind != IcmpKind::info) return set_drop(p, NAT64_C_DROP_ICMP_TYPE);
            // ICMPv6 adds the pseudo-header (RFC 4443 §2.3); stateful, the
            // identifier goes back to the VNet host's (§3.5.3).
            uint32_t old_part = rd16(l4);
            l4[0] = m.type;
            l4[1] = m.code;
            uint32_t new_part = rd16(l4) + new_sum + payload4 + proto::ICMPV6;
            if (stateful) {
                old_part += rd16(l4 + 4);
                wr16(l4 + 4, nat.port6);
                new_part += nat.port6;
            }
            wr16(l4 + 2, csum_update(rd16(l4 + 2), old_part, new_part));
        } else {
            if (stateful) {
                // §3.6: the destination port becomes the VNet host's.
                old_sum += rd16(l4 + 2);
                wr16(l4 + 2, nat.port6);
                new_sum += nat.port6;
            }
            if (v.proto == proto::TCP) {
                wr16(l4 + 16, csum_update(rd16(l4 + 16), old_sum, new_sum));
            }
        }
        if (v.proto == proto::UDP) {
            uint16_t c = rd16(l4 + 6);
            if (c == 0) {
                // §4.5: IPv6 requires UDP checksums.  Computable only when
                // the whole datagram is here and the operator allows it.
                if (v.is_fragment() || !s.cfg.amend_udp_checksum_zero) {
                    return set_drop(p, NAT64_C_DROP_UDP_CHECKSUM_ZERO);
                }
                // Summed over the datagram as received; the port change
                // (stateful) is folded in after.
                c = udp_checksum6(src6, dst6, in + v.ihl, payload4);
                if (stateful) {
                    c = csum_update(c, rd16(in + v.ihl + 2), nat.port6);
                    if (c == 0) c = 0xffff;
                }
                wr16(l4 + 6, c);
            } else {
                c = csum_update(c, old_sum, new_sum);
                wr16(l4 + 6, c == 0 ? 0xffff : c);
            }
        }
    } else if (is_icmp) {
        return set_drop(p, NAT64_C_DROP_ICMP_FRAGMENT);
    }

    if (too_big) {
        // Tell the sender the IPv6 MTU minus the header growth (RFC 1191,
        // §4.4 of RFC 7915).  Only here: a packet that is dropped anyway
        // must not make its sender lower the path MTU.
        if (no_reply) return set_drop(p, NAT64_C_DROP_TOO_BIG);
        uint32_t mtu4 = s.cfg.ipv6_mtu - (size6 - v.total);
        return reply_icmp4(s, p, v.total, 3, 4, mtu4, NAT64_C_REPLY_TOO_BIG);
    }

    write_ipv6_header(o, tclass_from(s, in), static_cast<uint16_t>(size6 - IPV6_HDR),
                      frag_hdr ? proto::FRAGMENT : proto_4to6(v.proto),
                      static_cast<uint8_t>(in[8] - 1), src6, dst6);
    if (frag_hdr) write_frag_header(o + IPV6_HDR, proto_4to6(v.proto), v.frag_off, v.mf, v.id);
    p.verdict = NAT64_TRANSLATED;
    p.reason = NAT64_C_TRANSLATED_4TO6;
    p.family = 6;
    p.hdr_len = static_cast<uint16_t>(hdrs + copy);
    p.consumed = v.ihl + copy;
    p.tail_len = v.total - p.consumed;
    p.frag_size = 0;
    if (size6 > limit && !v.df) {
        // Fragmentable part per fragment: what fits, in 8-octet units
        // (RFC 8200 §4.5).
        p.frag_size = static_cast<uint16_t>((limit - IPV6_HDR - FRAG_HDR) & ~7u);
    }
}

}  // namespace nat64
