// RFC 6146 §3.5.2.2: the TCP session state machine, as pure functions of
// (state, direction, flags).  The session table applies the result under
// its lock; nothing here touches a table.
#pragma once

#include <cstdint>

namespace nat64 {

enum class TcpState : uint8_t {
    closed = 0,
    v4_init,
    v6_init,
    established,
    v4_fin_rcv,
    v6_fin_rcv,
    v4_fin_v6_fin_rcv,
    trans,
};

const char *tcp_state_name(TcpState s) noexcept;

// The flag bits of the TCP header that drive the machine.
namespace tcp_flag {
constexpr uint8_t FIN = 0x01;
constexpr uint8_t SYN = 0x02;
constexpr uint8_t RST = 0x04;
}  // namespace tcp_flag

// Which lifetime a packet gives its session (RFC 6146 §4 timers).
enum class TcpTimer : uint8_t {
    keep,          // leave the lifetime as it is
    est,           // TCP_EST (tcp-est)
    trans,         // TCP_TRANS (tcp-trans)
    incoming_syn,  // TCP_INCOMING_SYN: 6 seconds
};

struct TcpStep {
    TcpState next;
    TcpTimer timer;
};

// A packet of an existing session arriving from the IPv6 side ("V6") or
// the IPv4 side ("V4").  Session creation (the CLOSED state) is the
// filtering step's business, not these.
TcpStep tcp_on_v6(TcpState s, uint8_t flags) noexcept;
TcpStep tcp_on_v4(TcpState s, uint8_t flags) noexcept;

// RFC 6146 §4: TCP_INCOMING_SYN.
constexpr uint64_t kTcpIncomingSynMs = 6000;

}  // namespace nat64
