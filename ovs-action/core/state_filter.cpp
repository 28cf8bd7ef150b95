// RFC 6146 §3.5: filtering and updating binding and session information,
// for packets from the IPv6 side (outbound) and the IPv4 side (inbound).
//
// The fast path is a lock-free session lookup and, at most once a second, a
// lifetime refresh.  Everything that creates, deletes or changes the state
// of a session takes the table's lock (the "slow path").
#include <algorithm>
#include <cstring>

#include "state.hpp"

namespace nat64 {

namespace {

// Packets that leave the session as it is apart from its lifetime: any
// UDP/ICMP packet, and TCP segments without SYN/FIN/RST in ESTABLISHED.
inline bool fast_ok(Protocol p, uint8_t st, uint8_t flags) {
    if (p != Protocol::tcp) return true;
    return st == static_cast<uint8_t>(TcpState::established) &&
           !(flags & (tcp_flag::SYN | tcp_flag::FIN | tcp_flag::RST));
}

// Lifetimes are refreshed at most once a second: established traffic in
// both directions would otherwise write the session's cache line per
// packet from two threads.
inline void refresh(std::atomic<uint64_t> &expires, uint64_t cur, uint64_t want) {
    if (want > cur + 1000) expires.store(want, std::memory_order_relaxed);
}

}  // namespace

// The fast path of both directions: a lock-free lookup that, for a live
// session the packet does not change, only refreshes the lifetime.
// 'found' is the session (or HashIndex::kNone) and 'st' its TCP state.
bool State::fast_path(const InstanceConfig &c, uint32_t found, uint8_t st, Protocol p,
                      uint8_t tcp_flags, uint64_t now, bool dry) noexcept {
    if (found == HashIndex::kNone) return false;
    std::atomic<uint64_t> &exp = sessions_.at[found].expires;
    const uint64_t cur = exp.load(std::memory_order_relaxed);
    if (cur <= now || !fast_ok(p, st, tcp_flags)) return false;
    if (!dry) refresh(exp, cur, now + lifetime_ms(c, p, TcpTimer::est));
    return true;
}

nat64_counter State::outbound(const InstanceConfig &c, const Flow6 &f, uint64_t now, bool dry,
                              Mapped4 &out) noexcept {
    uint8_t st = 0;
    const uint32_t e = find_session6(f, out, st);
    if (fast_path(c, e, st, f.proto, f.tcp_flags, now, dry)) [[likely]]
        return kOk;
    return slow_outbound(c, f, now, dry, out);
}

nat64_counter State::inbound(const InstanceConfig &c, const Flow4 &f, uint64_t now, bool dry,
                             Mapped6 &out) noexcept {
    uint8_t st = 0;
    const uint32_t e = find_session4(f, out, st);
    if (fast_path(c, e, st, f.proto, f.tcp_flags, now, dry)) [[likely]]
        return kOk;
    return slow_inbound(c, f, now, dry, out);
}

// A packet of an existing session, from the IPv6 side or not: the TCP
// state machine (§3.5.2.2) and the lifetime it gives; UDP and ICMP
// sessions just live on (§3.5.1, §3.5.3).
void State::on_packet(const InstanceConfig &c, Session &s, bool from_v6, uint8_t tcp_flags,
                      uint64_t now) noexcept {
    const Protocol p = static_cast<Protocol>(s.proto);
    TcpTimer timer = TcpTimer::est;
    if (p == Protocol::tcp) {
        const TcpState cur = static_cast<TcpState>(s.tcp_state);
        const TcpStep step = from_v6 ? tcp_on_v6(cur, tcp_flags) : tcp_on_v4(cur, tcp_flags);
        set_tcp(s, step.next);
        timer = step.timer;
    }
    if (timer != TcpTimer::keep) {
        s.expires.store(now + lifetime_ms(c, p, timer), std::memory_order_relaxed);
    }
}

nat64_counter State::slow_outbound(const InstanceConfig &c, const Flow6 &f, uint64_t now, bool dry,
                                   Mapped4 &out) noexcept {
    std::lock_guard lock(mu_);
    const uint8_t proto = static_cast<uint8_t>(f.proto);
    const bool tcp = f.proto == Protocol::tcp;
    uint32_t e = locked_session6(f);
    if (e != HashIndex::kNone && sessions_.at[e].expires.load(std::memory_order_relaxed) <= now) {
        if (!dry) del_session(&c, e, now, true);
        e = HashIndex::kNone;
    }
    if (e != HashIndex::kNone) {
        Session &s = sessions_.at[e];
        if (!dry) on_packet(c, s, true, f.tcp_flags, now);
        out.addr4 = s.addr4;
        out.port4 = s.port4;
        return kOk;
    }

    // No session.  §3.5.2.2: in CLOSED only a SYN from IPv6 opens one.
    if (tcp && !(f.tcp_flags & tcp_flag::SYN)) return NAT64_C_DROP_TCP_NO_SESSION;
    uint32_t b = locked_bib6(f.addr6, f.port6, proto);
    if (b != HashIndex::kNone && !bibs_.at[b].is_static &&
        (dry ? !has_live_session(b, now) : reap_bib(c, b, now)))
        b = HashIndex::kNone;
    if (!dry) {
        const nat64_counter why = check_caps(c, f.addr6, now);
        if (why != kOk) return why;
        // The caps' sweep may have reaped the entry.
        if (b != HashIndex::kNone && !bibs_.at[b].live) b = HashIndex::kNone;
    }
    if (b == HashIndex::kNone) {
        // §3.5.1.1: a new BIB entry from pool4; none free is answered with
        // ICMPv6 destination unreachable, address unreachable.
        const uint32_t src = locked_source(f.addr6);
        const uint32_t preferred = src != HashIndex::kNone ? sources_.at[src].addr4 : 0;
        Mapped4 m;
        if (!allocate(c, f.proto, f.addr6, f.port6, f.remote4, preferred, m, now, dry))
            return NAT64_C_REPLY_POOL4_EXHAUSTED;
        if (dry) {
            out = m;
            return kOk;
        }
        b = new_bib(c, f.proto, f.addr6, f.port6, m.addr4, m.port4, false, now);
        if (b == HashIndex::kNone) return NAT64_C_DROP_SESSION_LIMIT;
    }
    const Bib &bib = bibs_.at[b];
    out.addr4 = bib.addr4;
    out.port4 = bib.port4;
    if (dry) return kOk;
    // TCP: V6 INIT with the transitory lifetime until the other side's SYN.
    const TcpState st = tcp ? TcpState::v6_init : TcpState::closed;
    const uint64_t life = lifetime_ms(c, f.proto, tcp ? TcpTimer::trans : TcpTimer::est);
    if (new_session(c, b, f.remote4, f.rport, st, now + life, now) == HashIndex::kNone) {
        if (!bib.is_static && !bib.sessions) del_bib(&c, b, now);
        return NAT64_C_DROP_SESSION_LIMIT;
    }
    return kOk;
}

nat64_counter State::slow_inbound(const InstanceConfig &c, const Flow4 &f, uint64_t now, bool dry,
                                  Mapped6 &out) noexcept {
    std::lock_guard lock(mu_);
    const uint8_t proto = static_cast<uint8_t>(f.proto);
    const bool tcp = f.proto == Protocol::tcp;
    uint32_t e = locked_session4(f);
    if (e != HashIndex::kNone && sessions_.at[e].expires.load(std::memory_order_relaxed) <= now) {
        if (!dry) del_session(&c, e, now, true);
        e = HashIndex::kNone;
    }
    if (e != HashIndex::kNone) {
        Session &s = sessions_.at[e];
        if (!dry) on_packet(c, s, false, f.tcp_flags, now);
        std::memcpy(out.addr6, s.addr6, 16);
        out.port6 = s.port6;
        return kOk;
    }

    // No session: only a BIB entry lets an IPv4 host in (§3.5.1.1: inbound
    // IPv4 reaches only what is mapped).
    uint32_t b = locked_bib4(f.addr4, f.port4, proto);
    if (b != HashIndex::kNone && !bibs_.at[b].is_static &&
        (dry ? !has_live_session(b, now) : reap_bib(c, b, now)))
        b = HashIndex::kNone;
    if (b == HashIndex::kNone) return NAT64_C_DROP_NO_BIB;
    const Bib &bib = bibs_.at[b];
    if (tcp) {
        // §3.5.2.2 CLOSED, V4 SYN: only a SYN may open, and only if the
        // policy admits externally initiated connections.
        if (!(f.tcp_flags & tcp_flag::SYN)) return NAT64_C_DROP_TCP_NO_SESSION;
        if (c.drop_externally_initiated_tcp) return NAT64_C_DROP_FILTERED;
    }
    if (c.address_dependent_filtering) {
        // RFC 4787 §5: only hosts the IPv6 endpoint has sent to may answer.
        // (RFC 6146 §3.5.2.2 would hold an unsolicited V4 SYN for 6 s; we
        // drop it: the simultaneous-open peer retransmits.)
        bool known = false;
        for (uint32_t link = bib.sessions; link && !known; link = sessions_.at[link - 1].next) {
            const Session &s = sessions_.at[link - 1];
            known = s.remote4 == f.remote4 && s.expires.load(std::memory_order_relaxed) > now;
        }
        if (!known) return NAT64_C_DROP_FILTERED;
    }
    std::memcpy(out.addr6, bib.addr6, 16);
    out.port6 = bib.port6;
    if (dry) return kOk;
    const nat64_counter why = check_caps(c, bib.addr6, now);
    if (why != kOk) return why;
    if (!bib.live) return NAT64_C_DROP_NO_BIB;  // the cap's sweep took it
    // TCP: V4 INIT for TCP_INCOMING_SYN (6 s) until the IPv6 side answers.
    const TcpState st = tcp ? TcpState::v4_init : TcpState::closed;
    const uint64_t life = lifetime_ms(c, f.proto, tcp ? TcpTimer::incoming_syn : TcpTimer::est);
    if (new_session(c, b, f.remote4, f.rport, st, now + life, now) == HashIndex::kNone)
        return NAT64_C_DROP_SESSION_LIMIT;
    return kOk;
}

}  // namespace nat64
