// Splitting a translated packet into IPv6 fragments (RFC 7915 §4.1: IPv4
// packets with DF=0 that exceed the IPv6 side's MTU; RFC 8200 §4.5).
#include <algorithm>
#include <cstring>

#include "nat64/nat64.h"
#include "packet.hpp"

using namespace nat64;

namespace {
constexpr uint32_t kLead = IPV6_HDR + FRAG_HDR;
static_assert(kLead == NAT64_FRAG_HDR_LEN);

uint32_t fragmentable_len(const nat64_pkt *p) {
    return p->hdr_len - kLead + p->tail_len;
}
}  // namespace

extern "C" unsigned nat64_fragment_count(const struct nat64_pkt *p) {
    if (!p->frag_size || p->hdr_len < kLead) return 1;
    return (fragmentable_len(p) + p->frag_size - 1) / p->frag_size;
}

extern "C" size_t nat64_fragment_header(const struct nat64_pkt *p, unsigned index,
                                        uint8_t out[NAT64_FRAG_HDR_LEN], uint32_t *data_ofs,
                                        uint32_t *data_len) {
    if (!p->frag_size || p->hdr_len < kLead) return 0;
    unsigned n = nat64_fragment_count(p);
    if (index >= n) return 0;
    uint32_t total = fragmentable_len(p);
    uint32_t ofs = index * uint32_t{p->frag_size};
    uint32_t len = std::min<uint32_t>(p->frag_size, total - ofs);
    std::memcpy(out, p->hdr, kLead);
    wr16(out + 4, static_cast<uint16_t>(FRAG_HDR + len));
    // The translated packet may itself be a fragment: offsets are relative
    // to its own, and the last piece keeps its M flag.
    uint16_t base = rd16(p->hdr + IPV6_HDR + 2);
    uint16_t off = static_cast<uint16_t>((base >> 3) + ofs / 8);
    bool mf = index + 1 < n || (base & 1);
    wr16(out + IPV6_HDR + 2, static_cast<uint16_t>((off << 3) | (mf ? 1 : 0)));
    *data_ofs = ofs;
    *data_len = len;
    return kLead;
}
