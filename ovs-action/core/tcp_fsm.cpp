// RFC 6146 §3.5.2.2, state by state.  The two directions are mirror images
// except in the INIT states, which remember who opened.
#include "tcp_fsm.hpp"

namespace nat64 {

const char *tcp_state_name(TcpState s) noexcept {
    switch (s) {
        case TcpState::closed:
            return "CLOSED";
        case TcpState::v4_init:
            return "V4_INIT";
        case TcpState::v6_init:
            return "V6_INIT";
        case TcpState::established:
            return "ESTABLISHED";
        case TcpState::v4_fin_rcv:
            return "V4_FIN_RCV";
        case TcpState::v6_fin_rcv:
            return "V6_FIN_RCV";
        case TcpState::v4_fin_v6_fin_rcv:
            return "V4_FIN_V6_FIN_RCV";
        case TcpState::trans:
            return "TRANS";
    }
    return "?";
}

namespace {

// 'own_fin' is the FIN-received state this direction's FIN leads to from
// ESTABLISHED; 'other_fin' the state in which the other side already sent
// one (our FIN then closes both).
TcpStep on_packet(TcpState s, uint8_t flags, TcpState own_fin, TcpState other_fin) {
    const bool syn = flags & tcp_flag::SYN;
    const bool fin = flags & tcp_flag::FIN;
    const bool rst = flags & tcp_flag::RST;
    switch (s) {
        case TcpState::established:
            // A RST moves to TRANS with the short lifetime: the session
            // lingers for stray segments but goes soon (§3.5.2.2).
            if (rst) return {TcpState::trans, TcpTimer::trans};
            if (fin) return {own_fin, TcpTimer::est};
            return {s, TcpTimer::est};
        case TcpState::v4_fin_rcv:
        case TcpState::v6_fin_rcv:
            if (rst) return {TcpState::trans, TcpTimer::trans};
            if (fin && s == other_fin) return {TcpState::v4_fin_v6_fin_rcv, TcpTimer::trans};
            return {s, TcpTimer::est};
        case TcpState::v4_fin_v6_fin_rcv:
            // Both sides closed: packets pass, the lifetime runs out.
            return {s, TcpTimer::keep};
        case TcpState::trans:
            // Any non-RST packet shows the connection is alive after all.
            if (rst) return {s, TcpTimer::keep};
            return {TcpState::established, TcpTimer::est};
        default:
            (void)syn;
            return {s, TcpTimer::keep};
    }
}

}  // namespace

TcpStep tcp_on_v6(TcpState s, uint8_t flags) noexcept {
    const bool syn = flags & tcp_flag::SYN;
    if (s == TcpState::v4_init) {
        // Simultaneous open or the IPv6 side answering an inbound SYN.
        if (syn) return {TcpState::established, TcpTimer::est};
        return {s, TcpTimer::keep};
    }
    if (s == TcpState::v6_init) {
        // A retransmitted SYN keeps the transitory lifetime fresh.
        if (syn) return {s, TcpTimer::trans};
        return {s, TcpTimer::keep};
    }
    return on_packet(s, flags, TcpState::v6_fin_rcv, TcpState::v4_fin_rcv);
}

TcpStep tcp_on_v4(TcpState s, uint8_t flags) noexcept {
    const bool syn = flags & tcp_flag::SYN;
    if (s == TcpState::v6_init) {
        if (syn) return {TcpState::established, TcpTimer::est};
        return {s, TcpTimer::keep};
    }
    if (s == TcpState::v4_init) {
        return {s, TcpTimer::keep};
    }
    return on_packet(s, flags, TcpState::v4_fin_rcv, TcpState::v6_fin_rcv);
}

}  // namespace nat64
