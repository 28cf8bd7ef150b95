// RFC 6146 §3.5.2.2, the TCP session state machine, as the pure functions
// of tcp_fsm.hpp: every transition the RFC describes for an existing
// session, written out here from the RFC text.  (CLOSED, i.e. session
// creation, is the filtering step's and is tested through packets in
// test_rfc6146_tcp.cpp.)
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tcp_fsm.hpp"

namespace nat64 {
namespace {

constexpr uint8_t FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10;

enum class From { v6, v4 };

struct Row {
    TcpState from;
    From dir;
    uint8_t flags;
    TcpState to;
    // What the RFC says about the lifetime; 'checked' false where it says
    // nothing (the implementation may keep or refresh it).
    TcpTimer timer;
    bool checked = true;
};

using S = TcpState;
using T = TcpTimer;

const std::vector<Row> kRfc6146 = {
    // V4 INIT: "If a V6 SYN is received ... the state is moved to
    // ESTABLISHED ... lifetime ... TCP_EST"; other packets leave it as is.
    {S::v4_init, From::v6, SYN, S::established, T::est},
    {S::v4_init, From::v6, SYN | ACK, S::established, T::est},
    {S::v4_init, From::v4, SYN, S::v4_init, T::keep},
    {S::v4_init, From::v6, ACK, S::v4_init, T::keep},
    // V6 INIT: "If a V4 SYN is received ... ESTABLISHED ... TCP_EST";
    // "If a V6 SYN is received ... lifetime ... TCP_TRANS".
    {S::v6_init, From::v4, SYN, S::established, T::est},
    {S::v6_init, From::v4, SYN | ACK, S::established, T::est},
    {S::v6_init, From::v6, SYN, S::v6_init, T::trans},
    {S::v6_init, From::v4, ACK, S::v6_init, T::keep},
    {S::v6_init, From::v6, ACK, S::v6_init, T::keep},
    // ESTABLISHED: FINs move to the FIN RCV states, RSTs to TRANS with
    // TCP_TRANS, everything else refreshes TCP_EST.
    {S::established, From::v4, FIN | ACK, S::v4_fin_rcv, T::keep, false},
    {S::established, From::v6, FIN | ACK, S::v6_fin_rcv, T::keep, false},
    {S::established, From::v4, RST, S::trans, T::trans},
    {S::established, From::v6, RST, S::trans, T::trans},
    {S::established, From::v6, RST | ACK, S::trans, T::trans},
    {S::established, From::v4, ACK, S::established, T::est},
    {S::established, From::v6, ACK | PSH, S::established, T::est},
    {S::established, From::v4, SYN | ACK, S::established, T::est},
    // V4 FIN RCV: "If a V6 FIN packet is received ... V4 FIN + V6 FIN RCV
    // ... TCP_TRANS"; other packets: TCP_EST.
    {S::v4_fin_rcv, From::v6, FIN | ACK, S::v4_fin_v6_fin_rcv, T::trans},
    {S::v4_fin_rcv, From::v6, ACK, S::v4_fin_rcv, T::est},
    {S::v4_fin_rcv, From::v4, ACK, S::v4_fin_rcv, T::est},
    {S::v4_fin_rcv, From::v4, FIN | ACK, S::v4_fin_rcv, T::est},  // retransmitted
    // V6 FIN RCV: the mirror image.
    {S::v6_fin_rcv, From::v4, FIN | ACK, S::v4_fin_v6_fin_rcv, T::trans},
    {S::v6_fin_rcv, From::v4, ACK, S::v6_fin_rcv, T::est},
    {S::v6_fin_rcv, From::v6, ACK, S::v6_fin_rcv, T::est},
    {S::v6_fin_rcv, From::v6, FIN | ACK, S::v6_fin_rcv, T::est},
    // V4 FIN + V6 FIN RCV: "All packets ... translated and forwarded" and
    // the lifetime is not updated.
    {S::v4_fin_v6_fin_rcv, From::v4, ACK, S::v4_fin_v6_fin_rcv, T::keep},
    {S::v4_fin_v6_fin_rcv, From::v6, ACK, S::v4_fin_v6_fin_rcv, T::keep},
    {S::v4_fin_v6_fin_rcv, From::v6, FIN | ACK, S::v4_fin_v6_fin_rcv, T::keep},
    // TRANS: "If a packet other than a RST packet is received, the
    // lifetime ... TCP_EST and the state is moved to ESTABLISHED."
    {S::trans, From::v4, ACK, S::established, T::est},
    {S::trans, From::v6, ACK | PSH, S::established, T::est},
    {S::trans, From::v6, SYN, S::established, T::est},
    {S::trans, From::v4, FIN | ACK, S::established, T::est},
    {S::trans, From::v4, RST, S::trans, T::keep},
    {S::trans, From::v6, RST, S::trans, T::keep},
};

TEST(Rfc6146_3_5_2_2_TcpStateMachine, TransitionsMatchRfc) {
    for (const Row &r : kRfc6146) {
        SCOPED_TRACE(testing::Message()
                     << tcp_state_name(r.from) << " + " << (r.dir == From::v6 ? "V6" : "V4")
                     << " flags 0x" << std::hex << int{r.flags});
        const TcpStep step =
            r.dir == From::v6 ? tcp_on_v6(r.from, r.flags) : tcp_on_v4(r.from, r.flags);
        EXPECT_EQ(tcp_state_name(step.next), std::string(tcp_state_name(r.to)));
        if (r.checked) {
            EXPECT_EQ(int(step.timer), int(r.timer));
        } else {
            // At least not shortened to the transitory lifetime.
            EXPECT_NE(int(step.timer), int(T::trans));
        }
    }
}

// The state names operators see (nat64_session_list "state").
TEST(Rfc6146_3_5_2_2_TcpStateMachine, StateNames) {
    EXPECT_STREQ(tcp_state_name(S::closed), "CLOSED");
    EXPECT_STREQ(tcp_state_name(S::v4_init), "V4_INIT");
    EXPECT_STREQ(tcp_state_name(S::v6_init), "V6_INIT");
    EXPECT_STREQ(tcp_state_name(S::established), "ESTABLISHED");
    EXPECT_STREQ(tcp_state_name(S::v4_fin_rcv), "V4_FIN_RCV");
    EXPECT_STREQ(tcp_state_name(S::v6_fin_rcv), "V6_FIN_RCV");
    EXPECT_STREQ(tcp_state_name(S::v4_fin_v6_fin_rcv), "V4_FIN_V6_FIN_RCV");
    EXPECT_STREQ(tcp_state_name(S::trans), "TRANS");
}

// §4: TCP_INCOMING_SYN is 6 seconds.
TEST(Rfc6146_4_Timers, IncomingSynIsSixSeconds) {
    EXPECT_EQ(kTcpIncomingSynMs, 6000u);
}

}  // namespace
}  // namespace nat64
