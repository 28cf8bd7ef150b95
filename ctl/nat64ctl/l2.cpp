#include "nat64ctl/l2.hpp"

#include <algorithm>

namespace nat64::ctl {

namespace {

constexpr size_t kMacLen = 6;
constexpr size_t kEthHeaderLen = 14;  // two MACs + ethertype
constexpr size_t kTagLen = 4;         // TPID + TCI

uint16_t be16(const uint8_t *p) {
    return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

// 802.1Q (C-tag), 802.1ad (S-tag) and the pre-standard 0x9100 QinQ TPID
// still emitted by some switches.
bool is_vlan_tpid(uint16_t t) {
    return t == 0x8100 || t == 0x88A8 || t == 0x9100;
}

}  // namespace

size_t ip_packet_length(std::span<const uint8_t> l3) {
    if (l3.empty()) return 0;
    size_t declared = 0;
    switch (l3[0] >> 4) {
        case 4:
            if (l3.size() < 4) return l3.size();
            declared = be16(&l3[2]);
            if (declared < 20) return l3.size();
            break;
        case 6:
            if (l3.size() < 6) return l3.size();
            declared = size_t{be16(&l3[4])} + 40;
            break;
        default:
            return l3.size();
    }
    return std::min(declared, l3.size());
}

Decap decap(LinkKind kind, std::span<const uint8_t> frame) {
    Decap d;
    if (kind == LinkKind::raw_ip) {
        d.is_ip = true;
        d.l3_len = ip_packet_length(frame);
        return d;
    }
    if (frame.size() < kEthHeaderLen) return d;
    size_t ofs = 2 * kMacLen;
    uint16_t type = be16(&frame[ofs]);
    while (is_vlan_tpid(type)) {
        // The tag's TPID sits where the ethertype was; the real ethertype
        // follows the 2-byte TCI.
        if (frame.size() < ofs + kTagLen + 2) return d;
        ofs += kTagLen;
        type = be16(&frame[ofs]);
    }
    d.ethertype = type;
    d.l2_len = ofs + 2;
    if (type != kEthertypeIpv4 && type != kEthertypeIpv6) return d;
    d.is_ip = true;
    d.l3_len = ip_packet_length(frame.subspan(d.l2_len));
    return d;
}

void encap(LinkKind kind, std::span<const uint8_t> in_l2, int family, bool reply,
           std::vector<uint8_t> &out) {
    if (kind == LinkKind::raw_ip || in_l2.size() < kEthHeaderLen) return;
    const size_t start = out.size();
    out.insert(out.end(), in_l2.begin(), in_l2.end());
    uint8_t *h = out.data() + start;
    const uint16_t type = family == 6 ? kEthertypeIpv6 : kEthertypeIpv4;
    h[in_l2.size() - 2] = static_cast<uint8_t>(type >> 8);
    h[in_l2.size() - 1] = static_cast<uint8_t>(type & 0xff);
    if (reply) std::swap_ranges(h, h + kMacLen, h + kMacLen);
}

}  // namespace nat64::ctl
