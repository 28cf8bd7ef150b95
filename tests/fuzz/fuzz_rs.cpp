// libFuzzer target for nat64d's Router Solicitation parser (ctl/nat64d/
// ra.cpp): every RS a VM sends reaches it through a packet-in, so any byte
// string must give a verdict, never a crash or an out-of-bounds read.
//
// Input: one Ethernet frame.
// Properties checked on every accepted RS (RFC 4861 §6.1.1):
//  - its source is not multicast, and a :: source came without a source
//    link-layer address option;
//  - the answer can be built: an RA to ra_destination() of a valid router
//    configuration succeeds, and is not itself taken for an RS.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "nat64d/ra.hpp"

namespace {

[[noreturn]] void die(const char *what) {
    std::fprintf(stderr, "fuzz_rs: %s\n", what);
    std::abort();
}

nat64d::RaConfig router() {
    nat64d::RaConfig c;
    c.router_mac = {0x02, 0x65, 0, 0, 0, 1};
    c.router_ip = nat64::Ipv6Addr{{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x65, 0, 0xff, 0xfe, 0, 0, 1}};
    nat64::Ipv6Prefix p{};
    p.addr.b[0] = 0x20;
    p.addr.b[1] = 0x01;
    p.addr.b[2] = 0x0d;
    p.addr.b[3] = 0xb8;
    p.len = 64;
    c.prefixes.push_back({p});
    return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const auto rs = nat64d::parse_rs(data, size);
    if (!rs) return 0;
    if (rs->ip_src.b[0] == 0xff) die("accepted an RS from a multicast source");
    bool unspecified = true;
    for (uint8_t b : rs->ip_src.b)
        unspecified = unspecified && b == 0;
    if (unspecified && rs->source_link_layer)
        die("accepted an RS from :: with a link-layer option");

    static const nat64d::RaConfig config = router();
    const nat64d::RaDestination dst = nat64d::ra_destination(*rs);
    const nat64d::RaFrame ra = nat64d::build_ra(config, dst.mac, dst.ip);
    if (!ra.ok()) {
        std::fprintf(stderr, "fuzz_rs: no answer: %s\n", ra.error.c_str());
        std::abort();
    }
    if (nat64d::parse_rs(ra.bytes.data(), ra.bytes.size())) die("an RA parsed as an RS");
    return 0;
}
