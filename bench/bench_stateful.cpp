// Stateful NAT64 (RFC 6146) costs, burst of 32, one thread (issue #4):
//   - established-session translation, 6->4 and 4->6, with 1,000, 100,000
//     and 1,000,000 live UDP sessions, packets spread at random over all
//     sessions (so the large tables are measured out of cache);
//   - new-session setup (a BIB entry, a session and a pool4 port each);
//   - memory per session: resident-set growth while the sessions were
//     created, divided by their number.
//
// Run: build/bin/nat64_bench --benchmark_filter=Stateful
#include <benchmark/benchmark.h>

#include <arpa/inet.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "checksum.hpp"
#include "nat64/nat64.h"
#include "packet.hpp"

using namespace nat64;

namespace {

constexpr size_t kBurst = 32;
constexpr uint32_t kInstance = 64;
constexpr uint32_t kPacket = 64;  // bytes of L3 per test packet (UDP)
constexpr uint64_t kNow = 1'000'000;

long rss_bytes() {
    long pages = 0, resident = 0;
    FILE *f = std::fopen("/proc/self/statm", "r");
    if (!f) return 0;
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
    return resident * sysconf(_SC_PAGESIZE);
}

void configure(uint64_t max_sessions) {
    // 256 pool4 addresses x 64512 ports: room for far more than 1M BIBs.
    const std::string doc = R"({"instance": 64, "pool6": "2001:db8:64::/96",
        "router-ipv6": "2001:db8:ffff::1", "router-ipv4": "192.0.2.254",
        "pool4": [{"prefix": "198.51.100.0/24", "ports": "1024-65535"}],
        "max-sessions": )" + std::to_string(max_sessions) +
                            "}";
    char *err = nullptr;
    if (nat64_instance_set(doc.c_str(), &err) != 0) {
        std::fprintf(stderr, "bench config: %s\n", err);
        std::abort();
    }
}

// Session i: host 2001:db8:1::<i / 4096>, port 1024 + i % 4096, to
// 203.0.113.<i % 200 + 1>#53.
void build_6to4(uint32_t i, uint8_t *p) {
    std::memset(p, 0, kPacket);
    uint8_t src[16], dst[16];
    inet_pton(AF_INET6, "2001:db8:1::", src);
    wr32(src + 12, i / 4096 + 1);
    inet_pton(AF_INET6, "2001:db8:64::", dst);
    wr32(dst + 12, 0xcb007100u | (i % 200 + 1));
    p[0] = 0x60;
    wr16(p + 4, kPacket - IPV6_HDR);
    p[6] = proto::UDP;
    p[7] = 64;
    std::memcpy(p + 8, src, 16);
    std::memcpy(p + 24, dst, 16);
    uint8_t *l4 = p + IPV6_HDR;
    wr16(l4, static_cast<uint16_t>(1024 + i % 4096));
    wr16(l4 + 2, 53);
    wr16(l4 + 4, kPacket - IPV6_HDR);
    uint32_t sum = csum_add_bytes(0, p + 8, 32) + (kPacket - IPV6_HDR) + proto::UDP;
    const uint16_t c = csum_finish(csum_add_bytes(sum, l4, kPacket - IPV6_HDR));
    wr16(l4 + 6, c ? c : 0xffff);  // RFC 768: a zero sum is sent as all ones
}

// The reply to session i, given the pool4 transport address it got.
void build_4to6(uint32_t i, uint32_t a4, uint16_t p4, uint8_t *p) {
    std::memset(p, 0, kPacket);
    const uint32_t remote = 0xcb007100u | (i % 200 + 1);
    p[0] = 0x45;
    wr16(p + 2, kPacket);
    p[8] = 64;
    p[9] = proto::UDP;
    wr32(p + 12, remote);
    wr32(p + 16, a4);
    wr16(p + 10, csum_finish(csum_add_bytes(0, p, IPV4_HDR)));
    uint8_t *l4 = p + IPV4_HDR;
    wr16(l4, 53);
    wr16(l4 + 2, p4);
    wr16(l4 + 4, kPacket - IPV4_HDR);
    uint32_t sum = csum_add_bytes(0, p + 12, 8) + (kPacket - IPV4_HDR) + proto::UDP;
    const uint16_t c = csum_finish(csum_add_bytes(sum, l4, kPacket - IPV4_HDR));
    wr16(l4 + 6, c ? c : 0xffff);
}

// A table of N established sessions and packets of both directions that
// hit them in random order.
struct Setup {
    uint64_t sessions = 0;
    double setup_ns = 0;  // per new session
    double bytes_per_session = 0;
    std::vector<uint8_t> out6, in4;  // kPacket bytes each
    size_t n_pkts = 0;
};

std::unique_ptr<Setup> build(uint64_t n) {
    auto s = std::make_unique<Setup>();
    nat64_reset();
    configure(n);
    std::vector<uint8_t> pkts(n * kPacket);
    for (uint32_t i = 0; i < n; i++)
        build_6to4(i, &pkts[i * size_t{kPacket}]);
    std::vector<nat64_pkt> burst(kBurst);
    std::vector<uint32_t> a4(n);
    std::vector<uint16_t> p4(n);
    const long rss0 = rss_bytes();
    const auto t0 = std::chrono::steady_clock::now();
    for (uint32_t i = 0; i < n; i += kBurst) {
        const uint32_t m = static_cast<uint32_t>(std::min<uint64_t>(kBurst, n - i));
        for (uint32_t k = 0; k < m; k++) {
            burst[k].l3 = &pkts[(i + k) * size_t{kPacket}];
            burst[k].len = kPacket;
        }
        nat64_translate_burst_id(kInstance, burst.data(), m, kNow, 0);
        for (uint32_t k = 0; k < m; k++) {
            if (burst[k].verdict != NAT64_TRANSLATED) {
                std::fprintf(stderr, "setup: session %u not created (%s)\n", i + k,
                             nat64_counter_name(nat64_counter(burst[k].reason)));
                std::abort();
            }
            a4[i + k] = rd32(burst[k].hdr + 12);
            p4[i + k] = rd16(burst[k].hdr + IPV4_HDR);
        }
    }
    const auto t1 = std::chrono::steady_clock::now();
    const long rss1 = rss_bytes();
    s->sessions = n;
    s->setup_ns = std::chrono::duration<double, std::nano>(t1 - t0).count() / double(n);
    s->bytes_per_session = double(rss1 - rss0) / double(n);

    // 65536 packets per direction in random session order (a working set
    // that itself fits in L2, so the tables, not the packets, miss).
    s->n_pkts = 65536;
    s->out6.resize(s->n_pkts * kPacket);
    s->in4.resize(s->n_pkts * kPacket);
    std::mt19937 rng(42);
    std::uniform_int_distribution<uint32_t> pick(0, static_cast<uint32_t>(n - 1));
    for (size_t j = 0; j < s->n_pkts; j++) {
        const uint32_t i = pick(rng);
        build_6to4(i, &s->out6[j * kPacket]);
        build_4to6(i, a4[i], p4[i], &s->in4[j * kPacket]);
    }
    return s;
}

std::unique_ptr<Setup> g_setup;  // the instance's current table

Setup &setup_for(uint64_t n) {
    if (!g_setup || g_setup->sessions != n || !nat64_instance_find(kInstance)) {
        g_setup.reset();
        g_setup = build(n);
    }
    return *g_setup;
}

void established(benchmark::State &state, bool out) {
    Setup &s = setup_for(static_cast<uint64_t>(state.range(0)));
    std::vector<nat64_pkt> burst(kBurst);
    const std::vector<uint8_t> &pkts = out ? s.out6 : s.in4;
    size_t j = 0;
    uint64_t bad = 0;
    for (auto _ : state) {
        for (size_t k = 0; k < kBurst; k++) {
            burst[k].l3 = &pkts[j * kPacket];
            burst[k].len = kPacket;
            j = (j + 1) & (s.n_pkts - 1);
        }
        size_t ok = nat64_translate_burst_id(kInstance, burst.data(), kBurst, kNow, 0);
        if (ok != kBurst && !bad) {
            for (auto &b : burst)
                if (b.verdict == NAT64_DROP)
                    std::fprintf(stderr, "dropped: %s at j=%zu\n",
                                 nat64_counter_name(nat64_counter(b.reason)), j);
        }
        bad += kBurst - ok;
    }
    if (bad) {
        state.SkipWithError("packets of established sessions were dropped");
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBurst));
    state.counters["sessions"] = static_cast<double>(s.sessions);
    state.counters["setup_ns_per_session"] = s.setup_ns;
    state.counters["rss_bytes_per_session"] = s.bytes_per_session;
}

void BM_Stateful_Established6to4(benchmark::State &state) {
    established(state, true);
}
void BM_Stateful_Established4to6(benchmark::State &state) {
    established(state, false);
}

// New sessions back to back: each burst creates 32 (a BIB entry, a
// session and a pool4 port each).  The table is rebuilt, untimed, when it
// fills up.
void BM_Stateful_NewSessions(benchmark::State &state) {
    constexpr uint32_t kCap = 1 << 20;
    g_setup.reset();  // this benchmark rebuilds the instance
    static std::vector<uint8_t> pkts;
    if (pkts.empty()) {
        pkts.resize(size_t{kCap} * kPacket);
        for (uint32_t i = 0; i < kCap; i++)
            build_6to4(i, &pkts[i * size_t{kPacket}]);
    }
    std::vector<nat64_pkt> burst(kBurst);
    uint32_t next = kCap;
    uint64_t bad = 0;
    for (auto _ : state) {
        if (next + kBurst > kCap) {
            state.PauseTiming();
            nat64_reset();
            configure(kCap);
            next = 0;
            state.ResumeTiming();
        }
        for (uint32_t k = 0; k < kBurst; k++) {
            burst[k].l3 = &pkts[(next + k) * size_t{kPacket}];
            burst[k].len = kPacket;
        }
        bad += kBurst - nat64_translate_burst_id(kInstance, burst.data(), kBurst, kNow, 0);
        next += kBurst;
    }
    if (bad) state.SkipWithError("new flows were refused");
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBurst));
}

}  // namespace

BENCHMARK(BM_Stateful_Established6to4)
    ->Arg(1000)
    ->Arg(100000)
    ->Arg(1000000)
    ->Unit(benchmark::kNanosecond);
BENCHMARK(BM_Stateful_Established4to6)
    ->Arg(1000)
    ->Arg(100000)
    ->Arg(1000000)
    ->Unit(benchmark::kNanosecond);
BENCHMARK(BM_Stateful_NewSessions)->Unit(benchmark::kNanosecond);
