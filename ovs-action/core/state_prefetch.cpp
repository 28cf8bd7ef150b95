// Burst pipelining for stateful translation.
//
// With a million sessions, every lookup is two cache misses (the index
// bucket, then the session) that a one-packet-at-a-time loop pays in
// series.  Before translating a burst, we guess each packet's session key
// from its fixed headers (no extension headers, no EAMT: just the common
// case), prefetch all the buckets, then all the sessions they name; the
// translation that follows finds them in cache.  A wrong guess costs a
// wasted prefetch, never a wrong result: translation does its own lookups.
#include "packet.hpp"
#include "rfc6052.hpp"
#include "xlat.hpp"

namespace nat64 {

namespace {

// The session lookup key a packet most likely has; false if none.
bool guess_key(const Snapshot &s, const State &st, const nat64_pkt &p, uint64_t &h, bool &v6) {
    const uint8_t *l3 = p.l3;
    if (!l3 || p.len < 28) return false;
    if ((l3[0] >> 4) == 6) {
        if (p.len < IPV6_HDR + 8 || !s.cfg.pool6) return false;
        uint32_t dst4;
        if (!rfc6052_extract(*s.cfg.pool6, l3 + 24, dst4)) return false;
        const uint8_t *l4 = l3 + IPV6_HDR;
        Flow6 f{l3 + 8, rd16(l4), dst4, rd16(l4 + 2), Protocol::udp, 0};
        switch (l3[6]) {
            case proto::UDP:
                break;
            case proto::TCP:
                f.proto = Protocol::tcp;
                break;
            case proto::ICMPV6:
                f.proto = Protocol::icmp;
                f.port6 = rd16(l4 + 4);
                f.rport = 0;
                break;
            default:
                return false;
        }
        h = st.hash_of(f);
        v6 = true;
        return true;
    }
    const uint32_t ihl = (l3[0] & 0xf) * 4u;
    if (ihl < IPV4_HDR || p.len < ihl + 8) return false;
    const uint8_t *l4 = l3 + ihl;
    Flow4 f{rd32(l3 + 12), rd16(l4), rd32(l3 + 16), rd16(l4 + 2), Protocol::udp, 0};
    switch (l3[9]) {
        case proto::UDP:
            break;
        case proto::TCP:
            f.proto = Protocol::tcp;
            break;
        case proto::ICMP:
            f.proto = Protocol::icmp;
            f.port4 = rd16(l4 + 4);
            f.rport = 0;
            break;
        default:
            return false;
    }
    h = st.hash_of(f);
    v6 = false;
    return true;
}

}  // namespace

void prefetch_state(const Snapshot &s, const State &st, const nat64_pkt *pkts, size_t n) noexcept {
    constexpr size_t kMax = 64;
    uint64_t h[kMax];
    bool v6[kMax];
    bool have[kMax];
    if (n > kMax) n = kMax;
    for (size_t i = 0; i < n; i++) {
        have[i] = guess_key(s, st, pkts[i], h[i], v6[i]);
        if (have[i]) st.prefetch_bucket(h[i], v6[i]);
    }
    for (size_t i = 0; i < n; i++) {
        if (have[i]) st.prefetch_sessions(h[i], v6[i]);
    }
}

}  // namespace nat64
