#include "icmp_map.hpp"

namespace nat64 {

namespace {
IcmpMapping info(uint8_t type) {
    return {IcmpKind::info, type, 0};
}
IcmpMapping err(uint8_t type, uint8_t code) {
    return {IcmpKind::error, type, code};
}
constexpr IcmpMapping kDrop{};
}  // namespace

IcmpMapping icmp4_to_icmp6(uint8_t type, uint8_t code) noexcept {
    switch (type) {
        case 8:  // Echo Request -> 128 (§4.2)
            return info(128);
        case 0:  // Echo Reply -> 129
            return info(129);
        case 3:  // Destination Unreachable (§4.2)
            switch (code) {
                case 0:  // net unreachable
                case 1:  // host unreachable
                case 5:  // source route failed
                case 6:
                case 7:
                case 8:
                case 11:
                case 12:
                    return err(1, 0);           // no route to destination
                case 2: {                       // protocol unreachable -> parameter problem
                    IcmpMapping m = err(4, 1);  // unrecognized Next Header
                    m.set_pointer = true;
                    m.pointer = 6;  // offset of Next Header in the IPv6 header
                    return m;
                }
                case 3:  // port unreachable
                    return err(1, 4);
                case 4: {  // fragmentation needed -> packet too big
                    IcmpMapping m = err(2, 0);
                    m.mtu = true;
                    return m;
                }
                case 9:
                case 10:
                case 13:
                case 15:
                    return err(1, 1);  // communication administratively prohibited
                default:               // 14 (host precedence violation) and unknown codes
                    return kDrop;
            }
        case 11:  // Time Exceeded: code unchanged
            return err(3, code);
        case 12:  // Parameter Problem
            if (code == 0 || code == 2) {
                IcmpMapping m = err(4, 0);
                m.map_pointer = true;
                return m;
            }
            return kDrop;  // code 1 (missing required option) and others
        default:
            // Timestamp, information request, address mask, router
            // advertisement/solicitation, source quench, redirect,
            // alternate host address and unknown types: silently dropped.
            return kDrop;
    }
}

IcmpMapping icmp6_to_icmp4(uint8_t type, uint8_t code) noexcept {
    switch (type) {
        case 128:  // Echo Request -> 8 (§5.2)
            return info(8);
        case 129:  // Echo Reply -> 0
            return info(0);
        case 1:  // Destination Unreachable -> 3
            switch (code) {
                case 0:                // no route
                case 2:                // beyond scope of source address
                case 3:                // address unreachable
                    return err(3, 1);  // host unreachable
                case 1:                // administratively prohibited
                    return err(3, 10);
                case 4:  // port unreachable
                    return err(3, 3);
                default:
                    return kDrop;
            }
        case 2: {  // Packet Too Big -> fragmentation needed
            IcmpMapping m = err(3, 4);
            m.mtu = true;
            return m;
        }
        case 3:  // Time Exceeded -> 11, code unchanged
            return err(11, code);
        case 4:  // Parameter Problem
            if (code == 0) {
                IcmpMapping m = err(12, 0);
                m.map_pointer = true;
                return m;
            }
            if (code == 1) return err(3, 2);  // unrecognized Next Header -> protocol unreachable
            return kDrop;                     // code 2 (unrecognized option) and others
        default:
            // MLD, ND and every other informational message is single-hop
            // or meaningless in IPv4: silently dropped.
            return kDrop;
    }
}

bool icmp4_is_error(uint8_t type) noexcept {
    switch (type) {
        case 3:   // destination unreachable
        case 4:   // source quench
        case 5:   // redirect
        case 11:  // time exceeded
        case 12:  // parameter problem
            return true;
        default:
            return false;
    }
}

int param_pointer_4to6(uint8_t ptr) noexcept {
    // Figure 3.
    if (ptr == 0) return 0;                 // Version/IHL -> Version/Traffic Class
    if (ptr == 1) return 1;                 // Type of Service -> Traffic Class
    if (ptr == 2 || ptr == 3) return 4;     // Total Length -> Payload Length
    if (ptr == 8) return 7;                 // TTL -> Hop Limit
    if (ptr == 9) return 6;                 // Protocol -> Next Header
    if (ptr >= 12 && ptr <= 15) return 8;   // Source Address
    if (ptr >= 16 && ptr <= 19) return 24;  // Destination Address
    return -1;                              // Identification, Flags/Offset, Checksum, options: n/a
}

int param_pointer_6to4(uint32_t ptr) noexcept {
    // Figure 6.
    if (ptr == 0) return 0;                 // Version/Traffic Class -> Version/IHL
    if (ptr == 1) return 1;                 // Traffic Class/Flow Label -> Type of Service
    if (ptr == 4 || ptr == 5) return 2;     // Payload Length -> Total Length
    if (ptr == 6) return 9;                 // Next Header -> Protocol
    if (ptr == 7) return 8;                 // Hop Limit -> Time to Live
    if (ptr >= 8 && ptr <= 23) return 12;   // Source Address
    if (ptr >= 24 && ptr <= 39) return 16;  // Destination Address
    return -1;  // Flow Label (2, 3) and anything beyond the fixed header
}

uint32_t mtu_plateau_below(const uint16_t *plateaus, unsigned n, uint32_t total_length) noexcept {
    for (unsigned i = 0; i < n; i++) {
        if (plateaus[i] < total_length) return plateaus[i];
    }
    return 0;
}

}  // namespace nat64
