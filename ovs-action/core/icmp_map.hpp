// ICMP <-> ICMPv6 type, code and field mapping: RFC 7915 §4.2 (ICMPv4 to
// ICMPv6) and §5.2 (ICMPv6 to ICMPv4).  Pure functions of the header values,
// kept apart from the packet code so each table row can be checked against
// the RFC on its own.
#pragma once

#include <cstdint>

namespace nat64 {

enum class IcmpKind : uint8_t {
    drop,   // no translation: silently dropped (§4.2/§5.2 "silently drop")
    info,   // echo request/reply: identifier kept, no inner packet
    error,  // error with an inner packet to translate
};

struct IcmpMapping {
    IcmpKind kind = IcmpKind::drop;
    uint8_t type = 0;
    uint8_t code = 0;
    // Parameter problem: the pointer must be mapped (Figure 3 / Figure 6).
    bool map_pointer = false;
    // Set pointer to this value (ICMPv4 protocol unreachable -> ICMPv6
    // parameter problem pointing at Next Header, §4.2).
    bool set_pointer = false;
    uint8_t pointer = 0;
    // Packet too big / fragmentation needed: the MTU must be recomputed.
    bool mtu = false;
};

// §4.2: ICMPv4 type/code -> ICMPv6.
IcmpMapping icmp4_to_icmp6(uint8_t type, uint8_t code) noexcept;
// §5.2: ICMPv6 type/code -> ICMPv4.
IcmpMapping icmp6_to_icmp4(uint8_t type, uint8_t code) noexcept;

// True for ICMPv4 error types (RFC 792/1812), i.e. messages that must never
// be answered with an ICMP error (RFC 1812 §4.3.2.7).
bool icmp4_is_error(uint8_t type) noexcept;
// ICMPv6 errors are types 0..127 (RFC 4443 §2.1).
inline bool icmp6_is_error(uint8_t type) noexcept {
    return type < 128;
}

// Figure 3 (§4.2): IPv4 header pointer -> IPv6 header pointer.  Returns -1
// where the field has no IPv6 counterpart (the message is dropped).
int param_pointer_4to6(uint8_t ptr) noexcept;
// Figure 6 (§5.2): IPv6 header pointer -> IPv4 header pointer, or -1.
int param_pointer_6to4(uint32_t ptr) noexcept;

// RFC 1191 §7: the greatest plateau strictly less than 'total_length', or 0
// if none; plateaus are sorted descending.
uint32_t mtu_plateau_below(const uint16_t *plateaus, unsigned n, uint32_t total_length) noexcept;

}  // namespace nat64
