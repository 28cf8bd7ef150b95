// Per-packet cost of the stateless translator core, burst of 32, one
// thread.  Cases follow issue #2: 6->4 and 4->6 for UDP 64 B and 1500 B,
// TCP, ICMP echo, an ICMP error with its inner packet, with EAMT tables of
// 1, 1,000 and 100,000 entries; and the lower bound of copying the new
// header (what any splice translator must at least do).
//
// Run: build/bin/nat64_bench   (figures go to docs/performance.md)
#include <benchmark/benchmark.h>

#include <arpa/inet.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "checksum.hpp"
#include "nat64/nat64.h"
#include "packet.hpp"
#include "xlat.hpp"

using namespace nat64;

namespace {

constexpr size_t kBurst = 32;
constexpr uint32_t kInstance = 1;

// EAMT entries i: 2001:db8:100::<i> <-> 10.<i> (as /128 <-> /32).
void eamt_v6(uint32_t i, uint8_t out[16]) {
    inet_pton(AF_INET6, "2001:db8:100::", out);
    wr32(out + 12, i);
}
uint32_t eamt_v4(uint32_t i) {
    return 0x0a000000u | i;
}

void configure(uint32_t eamt_entries) {
    std::string doc = R"({"instance": 1, "pool6": "2001:db8:64::/96", "router-ipv4": "192.0.2.254",
        "router-ipv6": "2001:db8:ffff::1", "ipv6-mtu": 9000, "eamt": [)";
    for (uint32_t i = 0; i < eamt_entries; i++) {
        uint8_t a6[16];
        eamt_v6(i + 1, a6);
        char s6[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, a6, s6, sizeof s6);
        uint32_t a4 = htonl(eamt_v4(i + 1));
        char s4[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &a4, s4, sizeof s4);
        if (i) doc += ",";
        doc += std::string(R"({"ipv6":")") + s6 + R"(","ipv4":")" + s4 + R"("})";
    }
    doc += "]}";
    nat64_reset();
    char *err = nullptr;
    if (nat64_instance_set(doc.c_str(), &err) != 0) {
        fprintf(stderr, "bench config: %s\n", err);
        abort();
    }
}

// Writes a UDP, TCP (ACK) or ICMP/ICMPv6 echo request header at 'l4' and
// its checksum over the 'l4len' bytes, starting from the pseudo-header sum.
void fill_l4(uint8_t *l4, uint32_t l4len, uint8_t proto_nr, uint32_t sum, uint16_t sport,
             uint16_t dport) {
    int csum_at;
    if (proto_nr == proto::UDP) {
        wr16(l4, sport);
        wr16(l4 + 2, dport);
        wr16(l4 + 4, static_cast<uint16_t>(l4len));
        csum_at = 6;
    } else if (proto_nr == proto::TCP) {
        wr16(l4, sport);
        wr16(l4 + 2, dport);
        l4[12] = 5 << 4;
        l4[13] = 0x10;
        csum_at = 16;
    } else {
        l4[0] = proto_nr == proto::ICMPV6 ? 128 : 8;
        l4[1] = 0;
        csum_at = 2;
    }
    wr16(l4 + csum_at, 0);
    wr16(l4 + csum_at, csum_finish(csum_add_bytes(sum, l4, l4len)));
}

// An IPv6 packet of 'len' bytes from EAMT host 'host' to 198.51.100.7 via
// pool6, with transport 'proto' (UDP, TCP or ICMPv6 echo request).
std::vector<uint8_t> ipv6_packet(uint32_t host, uint8_t proto_nr, uint32_t len) {
    std::vector<uint8_t> p(len, 0xab);
    uint8_t src[16], dst[16];
    eamt_v6(host, src);
    inet_pton(AF_INET6, "2001:db8:64::198.51.100.7", dst);
    p[0] = 0x60;
    p[1] = p[2] = p[3] = 0;
    wr16(&p[4], static_cast<uint16_t>(len - IPV6_HDR));
    p[6] = proto_nr;
    p[7] = 64;
    std::memcpy(&p[8], src, 16);
    std::memcpy(&p[24], dst, 16);
    uint32_t l4len = len - IPV6_HDR;
    uint32_t sum = csum_add_bytes(csum_add_bytes(0, src, 16), dst, 16) + l4len + proto_nr;
    fill_l4(&p[IPV6_HDR], l4len, proto_nr, sum, 40000, proto_nr == proto::TCP ? 443 : 53);
    return p;
}

// An IPv4 packet of 'len' bytes from 198.51.100.7 to EAMT host 'host'.
std::vector<uint8_t> ipv4_packet(uint32_t host, uint8_t proto_nr, uint32_t len) {
    std::vector<uint8_t> p(len, 0xab);
    uint32_t src = 0xc6336407, dst = eamt_v4(host);
    p[0] = 0x45;
    p[1] = 0;
    wr16(&p[2], static_cast<uint16_t>(len));
    wr16(&p[4], 0x1234);
    wr16(&p[6], 0x4000);
    p[8] = 64;
    p[9] = proto_nr;
    wr16(&p[10], 0);
    wr32(&p[12], src);
    wr32(&p[16], dst);
    wr16(&p[10], csum_finish(csum_add_bytes(0, p.data(), IPV4_HDR)));
    uint32_t l4len = len - IPV4_HDR;
    // ICMPv4 has no pseudo-header.
    uint32_t sum = proto_nr == proto::ICMP ? 0 : sum_v4_addrs(src, dst) + l4len + proto_nr;
    fill_l4(&p[IPV4_HDR], l4len, proto_nr, sum, proto_nr == proto::TCP ? 443 : 53, 40000);
    return p;
}

// An ICMPv4 port unreachable from 198.51.100.7 quoting a UDP packet that
// EAMT host 'host' sent to it (the 4->6 error path).
std::vector<uint8_t> ipv4_icmp_error(uint32_t host) {
    std::vector<uint8_t> inner = ipv4_packet(host, proto::UDP, 64);
    // Swap the inner addresses: the quoted packet went host -> 198.51.100.7.
    uint32_t a = rd32(&inner[12]), b = rd32(&inner[16]);
    wr32(&inner[12], b);
    wr32(&inner[16], a);
    wr16(&inner[10], 0);
    wr16(&inner[10], csum_finish(csum_add_bytes(0, inner.data(), IPV4_HDR)));
    std::vector<uint8_t> p = ipv4_packet(host, proto::ICMP, IPV4_HDR + ICMP_HDR + 64);
    uint8_t *icmp = &p[IPV4_HDR];
    icmp[0] = 3;
    icmp[1] = 3;
    wr32(icmp + 4, 0);
    std::memcpy(icmp + ICMP_HDR, inner.data(), inner.size());
    wr16(icmp + 2, 0);
    wr16(icmp + 2, csum_finish(csum_add_bytes(0, icmp, ICMP_HDR + inner.size())));
    return p;
}

enum class Dir { v6to4, v4to6 };
enum class Kind { udp, tcp, icmp_echo, icmp_error };

void run(benchmark::State &state, Dir dir, Kind kind, uint32_t len) {
    uint32_t entries = static_cast<uint32_t>(state.range(0));
    configure(entries);
    // 32 packets from 32 different EAMT hosts spread over the table, so
    // lookups miss the cache the way real traffic does.
    std::mt19937 rng(42);
    std::vector<std::vector<uint8_t>> pkts;
    for (size_t i = 0; i < kBurst; i++) {
        uint32_t host = 1 + rng() % entries;
        uint8_t pr = kind == Kind::tcp   ? proto::TCP
                     : kind == Kind::udp ? proto::UDP
                     : dir == Dir::v6to4 ? proto::ICMPV6
                                         : proto::ICMP;
        if (kind == Kind::icmp_error) {
            pkts.push_back(ipv4_icmp_error(host));
        } else {
            pkts.push_back(dir == Dir::v6to4 ? ipv6_packet(host, pr, len)
                                             : ipv4_packet(host, pr, len));
        }
    }
    std::vector<nat64_pkt> burst(kBurst);
    nat64_instance *inst = nat64_instance_find(kInstance);
    for (size_t i = 0; i < kBurst; i++) {
        burst[i].l3 = pkts[i].data();
        burst[i].len = static_cast<uint32_t>(pkts[i].size());
    }
    // Validate once: a benchmark of drops would be meaningless.
    if (nat64_translate_burst(inst, burst.data(), kBurst, 0, 0) != kBurst) {
        state.SkipWithError(("not translated: " + std::string(nat64_counter_name(
                                                      static_cast<nat64_counter>(burst[0].reason))))
                                .c_str());
        return;
    }
    for (auto _ : state) {
        size_t n = nat64_translate_burst(inst, burst.data(), kBurst, 0, 0);
        benchmark::DoNotOptimize(n);
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * kBurst);
    state.counters["ns/pkt"] =
        benchmark::Counter(static_cast<double>(state.iterations() * kBurst),
                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// The floor: copying each packet's new header (20 bytes IPv4 + 8 UDP) out of
// the burst and touching the input, nothing else.
void BM_memcpy_header(benchmark::State &state) {
    std::vector<std::vector<uint8_t>> pkts;
    for (size_t i = 0; i < kBurst; i++)
        pkts.push_back(ipv6_packet(1, proto::UDP, 64));
    std::vector<nat64_pkt> burst(kBurst);
    for (auto _ : state) {
        for (size_t i = 0; i < kBurst; i++) {
            std::memcpy(burst[i].hdr, pkts[i].data() + 12, 28);
            burst[i].hdr_len = 28;
        }
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * kBurst);
    state.counters["ns/pkt"] =
        benchmark::Counter(static_cast<double>(state.iterations() * kBurst),
                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

#define NAT64_BENCH(name, dir, kind, len) \
    BENCHMARK_CAPTURE(run, name, dir, kind, len)->Arg(1)->Arg(1000)->Arg(100000)

NAT64_BENCH(6to4_udp_64, Dir::v6to4, Kind::udp, 64);
NAT64_BENCH(6to4_udp_1500, Dir::v6to4, Kind::udp, 1500);
NAT64_BENCH(6to4_tcp_64, Dir::v6to4, Kind::tcp, 64);
NAT64_BENCH(6to4_icmp_echo, Dir::v6to4, Kind::icmp_echo, 64);
NAT64_BENCH(4to6_udp_64, Dir::v4to6, Kind::udp, 64);
NAT64_BENCH(4to6_udp_1500, Dir::v4to6, Kind::udp, 1500);
NAT64_BENCH(4to6_tcp_64, Dir::v4to6, Kind::tcp, 64);
NAT64_BENCH(4to6_icmp_echo, Dir::v4to6, Kind::icmp_echo, 64);
NAT64_BENCH(4to6_icmp_error, Dir::v4to6, Kind::icmp_error, 0);
BENCHMARK(BM_memcpy_header);

}  // namespace

BENCHMARK_MAIN();
