// Link layer handling for offline translation: finding the IP packet inside
// a captured frame and building the link header of each output packet.
//
// The translator core works on bare L3 bytes, so nat64ctl strips the link
// header before translation and puts an equivalent one back afterwards.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace nat64::ctl {

enum class LinkKind {
    ethernet,  // Ethernet II, optionally with 802.1Q / 802.1ad tags
    raw_ip,    // the frame is the IP packet (IPv4 or IPv6)
};

inline constexpr uint16_t kEthertypeIpv4 = 0x0800;
inline constexpr uint16_t kEthertypeIpv6 = 0x86DD;

// Where the IP packet sits inside one captured frame.
struct Decap {
    bool is_ip = false;      // false: not IPv4/IPv6, never given to the core
    uint16_t ethertype = 0;  // Ethernet only: the innermost ethertype
    size_t l2_len = 0;       // link header including VLAN tags
    size_t l3_len = 0;       // IP packet without link padding
};

// Locates the IP packet in 'frame'.  Frames too short to hold their
// Ethernet header or tags, and Ethernet frames of other ethertypes, are
// !is_ip.  Raw IP frames are always is_ip: judging a bad IP header is the
// core's job, so it counts it under its own reason.
Decap decap(LinkKind kind, std::span<const uint8_t> frame);

// The length the IP header declares (IPv4 total length, IPv6 payload length
// + 40), capped at l3.size().  Ethernet pads short frames to 60 bytes and
// the core must not see the padding as payload.  A declared length too
// small to be valid is ignored (returns l3.size()) so that the core sees
// the bad header and reports it as such rather than as a truncation.
size_t ip_packet_length(std::span<const uint8_t> l3);

// Appends the link header of an output packet to 'out', copied from the
// input frame's header 'in_l2' (tags included) with the ethertype set for
// 'family' (4 or 6).  With 'reply' (the core answered with an ICMP error)
// the MAC addresses are swapped: the answer goes back to the sender.
// Raw IP needs no header, so nothing is appended.
void encap(LinkKind kind, std::span<const uint8_t> in_l2, int family, bool reply,
           std::vector<uint8_t> &out);

}  // namespace nat64::ctl
