// Counter names and explanations (ovs-appctl nat64/stats --explain,
// nat64ctl stats, the verdict log of nat64ctl translate).
#include <array>

#include "nat64/nat64.h"

namespace {

struct CounterInfo {
    const char *name;
    const char *help;
};

constexpr std::array<CounterInfo, NAT64_C_N> kCounters = {{
    {"translated-6to4", "IPv6 packets translated to IPv4 (RFC 7915 §5)"},
    {"translated-4to6", "IPv4 packets translated to IPv6 (RFC 7915 §4)"},
    {"hairpinned",
     "IPv6 packets addressed to an EAMT-mapped IPv4 address, translated back to "
     "IPv6 (RFC 7757 §4.2)"},
    {"reply-hop-limit", "Hop limit or TTL would reach 0: ICMP time exceeded sent back"},
    {"reply-too-big",
     "Packet larger than the outgoing MTU: ICMPv6 packet too big or ICMPv4 "
     "fragmentation needed sent back"},
    {"reply-routing-header",
     "IPv6 routing header with segments left > 0: ICMPv6 parameter "
     "problem sent back (RFC 7915 §5.1)"},
    {"reply-src-untranslatable",
     "IPv6 source has no EAMT entry and the instance has no pool4: "
     "ICMPv6 destination unreachable (code 1) sent back"},
    {"reply-dst-unreachable",
     "IPv4 packet with an unexpired source route option: ICMPv4 source "
     "route failed sent back (RFC 7915 §4.1)"},
    {"reply-pool4-exhausted",
     "No free pool4 transport address for a new BIB entry: ICMPv6 "
     "destination unreachable (code 3) sent back (RFC 6146 §3.5.1.1)"},
    {"drop-unknown-instance", "Packet for a translator instance that does not exist"},
    {"drop-truncated", "Packet shorter than its own headers say"},
    {"drop-bad-header",
     "Malformed IP header: wrong version, header length, total length or "
     "IPv4 header checksum"},
    {"drop-pool6-unset", "Address needed pool6 (RFC 6052) but the instance has none"},
    {"drop-dst-untranslatable",
     "Destination matches neither the EAMT nor pool6 (or, IPv4, "
     "no EAMT entry)"},
    {"drop-src-untranslatable", "Source cannot be translated and no ICMP error may be sent"},
    {"drop-reserved-addr",
     "IPv4 address reached through pool6 is reserved (RFC 6890) or in "
     "denylist4, or a reserved IPv4 source"},
    {"drop-hop-limit",
     "Hop limit or TTL exhausted on a packet that must not be answered "
     "(an ICMP error)"},
    {"drop-icmp-type",
     "ICMP/ICMPv6 type or code (or IGMP) that RFC 7915 does not translate "
     "(e.g. ND, MLD, timestamp)"},
    {"drop-icmp-fragment",
     "Fragmented ICMP message: its checksum cannot be translated without "
     "reassembly"},
    {"drop-icmp-inner",
     "ICMP error whose inner packet is truncated, malformed or "
     "untranslatable"},
    {"drop-icmp-error-loop", "An ICMP error would be answered with another ICMP error"},
    {"drop-udp-checksum-zero",
     "UDP with a zero checksum that may not be computed (fragment, or "
     "amend-udp-checksum-zero off)"},
    {"drop-ext-header", "Malformed or truncated IPv6 extension header chain"},
    {"drop-source-route", "IPv4 source route on a packet that must not be answered"},
    {"drop-too-big", "Too big for the outgoing MTU and no ICMP error may be sent"},
    {"drop-no-router-addr", "An ICMP error was due but router-ipv4/router-ipv6 is not set"},
    {"drop-icmpv6-info", "ICMPv6 informational message dropped by drop-icmpv6-info"},
    {"drop-no-state",
     "Needs stateful translation but is not TCP, UDP or ICMP echo, or its "
     "protocol has no pool4 entry"},
    {"drop-no-bib",
     "IPv4 packet to a pool4 transport address that no BIB entry holds "
     "(RFC 6146 §3.5.1.1, §3.5.2.2)"},
    {"drop-filtered",
     "Refused by the filtering policy: address-dependent-filtering or "
     "drop-externally-initiated-tcp (RFC 6146 §3.5)"},
    {"drop-tcp-no-session", "TCP segment other than a SYN with no session (RFC 6146 §3.5.2.2)"},
    {"drop-session-limit", "A new session would exceed max-sessions"},
    {"drop-source-limit", "A new session would exceed max-sessions-per-source for its IPv6 source"},
    {"drop-stateful-fragment",
     "Fragment that needs a stateful mapping: the translator does not "
     "reassemble, and only unfragmented packets carry the ports"},
    {"drop-hairpin-off", "Would hairpin back to IPv6 but eam-hairpin-mode is off"},
    {"drop-not-ip", "Not an IPv4 or IPv6 packet"},
}};

}  // namespace

extern "C" const char *nat64_counter_name(enum nat64_counter c) {
    return static_cast<unsigned>(c) < kCounters.size() ? kCounters[c].name : "unknown";
}

extern "C" const char *nat64_counter_help(enum nat64_counter c) {
    return static_cast<unsigned>(c) < kCounters.size() ? kCounters[c].help : "unknown counter";
}
