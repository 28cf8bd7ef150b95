// The C ABI (include/nat64/nat64.h): instance set/del/show, EAMT edits,
// stats, unknown instances, dry runs, bursts, concurrency with
// configuration changes (run it under the NAT64_SANITIZE build too), and
// robustness against randomly mutated packets.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "packet_builder.hpp"

namespace nat64test {
namespace {

using nlohmann::json;

constexpr uint32_t kId = 9001;

// Owns a malloc()ed string from the C ABI.
struct CStr {
    char *p = nullptr;
    ~CStr() { nat64_free(p); }
    std::string str() const { return p ? p : ""; }
};

int set_instance(const json &doc, std::string *err = nullptr) {
    CStr e;
    std::string s = doc.dump();
    int rc = nat64_instance_set(s.c_str(), &e.p);
    if (err) *err = e.str();
    return rc;
}

json show(uint32_t id, std::string *err = nullptr) {
    CStr e, out;
    out.p = nat64_instance_show(id, &e.p);
    if (err) *err = e.str();
    return out.p ? json::parse(out.p) : json();
}

json stats(uint32_t id, bool explain = false, std::string *err = nullptr) {
    CStr e, out;
    out.p = nat64_stats(id, explain ? 1 : 0, &e.p);
    if (err) *err = e.str();
    return out.p ? json::parse(out.p) : json();
}

// Guarantees the instance is gone at the end of a test.
struct Cleanup {
    std::vector<uint32_t> ids;
    ~Cleanup() {
        for (uint32_t id : ids)
            nat64_instance_del(id, nullptr);
    }
};

// The IPv4 source of a 6->4 translation.
uint32_t rd_src4(const nat64_pkt &p) {
    return get32(output_of(p), 12);
}

Bytes udp_6to4(const Topo &t, size_t n = 20) {
    V6 h;
    h.src = t.vm6;
    h.dst = t.peer6;
    h.l4 = udp(1000, 53, pattern(n));
    return build(h);
}

// --- Instances --------------------------------------------------------------------

TEST(CApi_Instance, SetShowRoundTrip) {
    Cleanup c{{kId}};
    json doc = base_config(kId);
    doc["denylist4"] = {"192.168.0.0/16"};
    doc["eam-hairpin-mode"] = "simple";
    std::string err = "x";
    ASSERT_EQ(set_instance(doc, &err), 0) << err;
    EXPECT_EQ(err, "");
    json got = show(kId);
    ASSERT_TRUE(got.is_object()) << got;
    EXPECT_EQ(got["instance"], kId);
    EXPECT_EQ(got["pool6"], "2001:db8:64::/96");
    EXPECT_EQ(got["eamt"], doc["eamt"]);
    EXPECT_EQ(got["denylist4"], doc["denylist4"]);
    EXPECT_EQ(got["router-ipv4"], "192.0.2.1");
    EXPECT_EQ(got["router-ipv6"], "2001:db8:ffff::1");
    EXPECT_EQ(got["eam-hairpin-mode"], "simple");
    EXPECT_EQ(got["ipv6-mtu"], 1500);
    // What show prints, set accepts, and it shows the same again.
    ASSERT_EQ(set_instance(got, &err), 0) << err;
    EXPECT_EQ(show(kId), got);
}

TEST(CApi_Instance, SetReplacesTheWholeConfiguration) {
    Cleanup c{{kId}};
    Topo t;
    json doc = base_config(kId);
    doc["denylist4"] = {"192.168.0.0/16"};
    ASSERT_EQ(set_instance(doc), 0);
    nat64_instance *inst = nat64_instance_find(kId);
    ASSERT_NE(inst, nullptr);
    V6 h;
    h.src = t.vm6;
    h.dst = a6("2001:db8:64::192.168.1.1");
    h.l4 = udp(1, 2, {});
    Bytes pkt = build(h);
    auto run = [&] {
        nat64_pkt p{};
        p.l3 = pkt.data();
        p.len = static_cast<uint32_t>(pkt.size());
        nat64_translate_burst(nat64_instance_find(kId), &p, 1, 0, 0);
        return p.reason;
    };
    EXPECT_EQ(run(), NAT64_C_DROP_RESERVED_ADDR);
    // The new document has no denylist4: the key is back to its default.
    ASSERT_EQ(set_instance(base_config(kId)), 0);
    EXPECT_EQ(show(kId)["denylist4"], json::array());
    EXPECT_EQ(run(), NAT64_C_TRANSLATED_6TO4);
    // The instance object survives a replace (the OVS glue caches it).
    EXPECT_EQ(nat64_instance_find(kId), inst);
}

TEST(CApi_Instance, InvalidDocumentChangesNothing) {
    Cleanup c{{kId}};
    ASSERT_EQ(set_instance(base_config(kId)), 0);
    json before = show(kId);
    struct Case {
        json doc;
        const char *mention;  // the error names the key
    };
    json unknown = base_config(kId);
    unknown["pool-six"] = "2001:db8:64::/96";
    json badmtu = base_config(kId);
    badmtu["ipv6-mtu"] = 1000;
    json badpool = base_config(kId);
    badpool["pool6"] = "2001:db8:64::/95";
    json dup = base_config(kId);
    dup["eamt"].push_back({{"ipv6", "2001:db8:6::/120"}, {"ipv4", "10.0.0.0/24"}});
    for (const Case &cs : {Case{unknown, "pool-six"}, Case{badmtu, "ipv6-mtu"},
                           Case{badpool, "pool6"}, Case{dup, "eamt"}}) {
        std::string err;
        EXPECT_EQ(set_instance(cs.doc, &err), -1) << cs.doc;
        EXPECT_NE(err.find(cs.mention), std::string::npos) << err;
        EXPECT_EQ(show(kId), before);
    }
    // Not JSON at all, or no document, or nowhere to put the message.
    CStr e;
    EXPECT_EQ(nat64_instance_set("{\"instance\": ", &e.p), -1);
    EXPECT_NE(e.p, nullptr);
    CStr e2;
    EXPECT_EQ(nat64_instance_set(nullptr, &e2.p), -1);
    EXPECT_NE(e2.p, nullptr);
    EXPECT_EQ(nat64_instance_set("[]", nullptr), -1);
    EXPECT_EQ(show(kId), before);
}

TEST(CApi_Instance, DeleteAndUnknownIds) {
    Cleanup c{{kId, kId + 1}};
    ASSERT_EQ(set_instance(base_config(kId)), 0);
    ASSERT_EQ(set_instance(base_config(kId + 1)), 0);
    json all = show(0);
    ASSERT_TRUE(all.is_array());
    std::set<uint32_t> ids;
    for (const json &j : all)
        ids.insert(j["instance"].get<uint32_t>());
    EXPECT_TRUE(ids.count(kId) && ids.count(kId + 1));

    CStr e;
    EXPECT_EQ(nat64_instance_del(kId, &e.p), 0);
    EXPECT_EQ(e.p, nullptr);
    EXPECT_EQ(nat64_instance_find(kId), nullptr);
    EXPECT_NE(nat64_instance_find(kId + 1), nullptr);

    std::string err;
    EXPECT_TRUE(show(kId, &err).is_null());
    EXPECT_NE(err.find(std::to_string(kId)), std::string::npos) << err;
    CStr e2;
    EXPECT_EQ(nat64_instance_del(kId, &e2.p), -1);
    EXPECT_NE(e2.str().find(std::to_string(kId)), std::string::npos);
    EXPECT_EQ(nat64_instance_del(kId, nullptr), -1);
    EXPECT_TRUE(stats(kId, false, &err).is_null());
    EXPECT_NE(err.find(std::to_string(kId)), std::string::npos);
}

// --- EAMT edits -----------------------------------------------------------------------

TEST(CApi_Eamt, AddAndDelete) {
    Cleanup c{{kId}};
    Topo t;
    ASSERT_EQ(set_instance(base_config(kId)), 0);
    V6 h;
    h.src = a6("2001:db8:8::7");
    h.dst = t.peer6;
    h.l4 = udp(1, 2, {});
    Bytes pkt = build(h);
    auto run = [&] {
        nat64_pkt p{};
        p.l3 = pkt.data();
        p.len = static_cast<uint32_t>(pkt.size());
        nat64_translate_burst_id(kId, &p, 1, 0, 0);
        return std::make_pair(p.reason, p.verdict == NAT64_DROP ? 0u : rd_src4(p));
    };
    EXPECT_EQ(run().first, NAT64_C_REPLY_SRC_UNTRANSLATABLE);

    const char *entry = R"({"ipv6": "2001:db8:8::/120", "ipv4": "192.0.2.0/24"})";
    CStr e;
    ASSERT_EQ(nat64_eamt_add(kId, entry, &e.p), 0) << e.str();
    auto r = run();
    EXPECT_EQ(r.first, NAT64_C_TRANSLATED_6TO4);
    EXPECT_EQ(r.second, a4("192.0.2.7"));
    EXPECT_EQ(show(kId)["eamt"].size(), 3u);

    // Adding it again, or the same IPv6 or IPv4 prefix with another
    // partner, is refused and changes nothing.
    CStr e2, e3, e3b;
    EXPECT_EQ(nat64_eamt_add(kId, entry, &e2.p), -1);
    EXPECT_NE(e2.p, nullptr);
    EXPECT_EQ(nat64_eamt_add(kId, R"({"ipv6": "2001:db8:8::/120", "ipv4": "10.9.9.0/24"})", &e3.p),
              -1);
    EXPECT_EQ(
        nat64_eamt_add(kId, R"({"ipv6": "2001:db8:9::/120", "ipv4": "192.0.2.0/24"})", &e3b.p), -1);
    EXPECT_EQ(show(kId)["eamt"].size(), 3u);
    // Malformed entries.
    for (const char *bad : {"", "{", R"({"ipv6": "2001:db8:9::/120"})",
                            R"({"ipv6": "2001:db8:9::/120", "ipv4": "10.0.0.0/16"})",
                            R"({"ipv6": "2001:db8:9::/120", "ipv4": "10.0.0.0/24", "x": 1})"}) {
        CStr eb;
        EXPECT_EQ(nat64_eamt_add(kId, bad, &eb.p), -1) << bad;
        EXPECT_NE(eb.p, nullptr) << bad;
    }
    EXPECT_EQ(nat64_eamt_add(kId, nullptr, nullptr), -1);

    CStr e4;
    ASSERT_EQ(nat64_eamt_del(kId, entry, &e4.p), 0) << e4.str();
    EXPECT_EQ(run().first, NAT64_C_REPLY_SRC_UNTRANSLATABLE);
    EXPECT_EQ(show(kId)["eamt"].size(), 2u);
    CStr e5;
    EXPECT_EQ(nat64_eamt_del(kId, entry, &e5.p), -1);
    EXPECT_NE(e5.str().find("2001:db8:8::/120"), std::string::npos) << e5.str();
    // Unknown instance.
    CStr e6;
    EXPECT_EQ(nat64_eamt_add(kId + 77, entry, &e6.p), -1);
    EXPECT_NE(e6.str().find(std::to_string(kId + 77)), std::string::npos);
}

// --- Stats and counters ---------------------------------------------------------------------

TEST(CApi_Stats, EveryCounterNamedAndExplained) {
    Cleanup c{{kId}};
    ASSERT_EQ(set_instance(base_config(kId)), 0);
    json s = stats(kId);
    json x = stats(kId, true);
    ASSERT_TRUE(s.is_object());
    EXPECT_EQ(s.size(), static_cast<size_t>(NAT64_C_N));
    std::set<std::string> names;
    for (unsigned i = 0; i < NAT64_C_N; i++) {
        auto cn = static_cast<nat64_counter>(i);
        std::string name = nat64_counter_name(cn);
        EXPECT_NE(name, "unknown");
        EXPECT_TRUE(names.insert(name).second) << name;
        EXPECT_GT(std::strlen(nat64_counter_help(cn)), 10u);
        EXPECT_EQ(s[name], 0) << name;
        EXPECT_EQ(x[name]["value"], 0);
        EXPECT_EQ(x[name]["help"], nat64_counter_help(cn));
    }
    EXPECT_STREQ(nat64_counter_name(NAT64_C_N), "unknown");
    EXPECT_STREQ(nat64_counter_name(static_cast<nat64_counter>(1000)), "unknown");
}

TEST(CApi_Stats, UnknownInstanceCountedGlobally) {
    Topo t;
    Bytes pkt = udp_6to4(t);
    nat64_pkt p[3] = {};
    for (auto &x : p) {
        x.l3 = pkt.data();
        x.len = static_cast<uint32_t>(pkt.size());
    }
    uint64_t before = stats(0)["drop-unknown-instance"].get<uint64_t>();
    EXPECT_EQ(nat64_translate_burst(nullptr, p, 3, 0, 0), 0u);
    for (auto &x : p) {
        EXPECT_EQ(x.verdict, NAT64_DROP);
        EXPECT_EQ(x.reason, NAT64_C_DROP_UNKNOWN_INSTANCE);
    }
    EXPECT_EQ(nat64_translate_burst_id(kId + 555, p, 2, 0, 0), 0u);
    EXPECT_EQ(p[0].reason, NAT64_C_DROP_UNKNOWN_INSTANCE);
    EXPECT_EQ(stats(0)["drop-unknown-instance"].get<uint64_t>(), before + 5);
    // Dry runs count nothing.
    EXPECT_EQ(nat64_translate_burst(nullptr, p, 3, 0, NAT64_F_DRY_RUN), 0u);
    EXPECT_EQ(nat64_translate_burst_id(kId + 555, p, 3, 0, NAT64_F_DRY_RUN), 0u);
    EXPECT_EQ(stats(0)["drop-unknown-instance"].get<uint64_t>(), before + 5);
}

// A mixed burst: every verdict counts exactly one counter, the one named by
// its reason; the return value is the number of non-drops; a dry run gives
// the same verdicts and outputs and counts nothing.
TEST(CApi_Translate, BurstCountsAndDryRun) {
    Topo t;
    TestInstance xl(kId);
    std::vector<Bytes> in;
    in.push_back(udp_6to4(t));  // translated 6->4
    {
        V4 h;  // translated 4->6
        h.src = t.peer4;
        h.dst = t.vm4;
        h.l4 = udp(1, 2, pattern(9));
        in.push_back(build(h));
        h.ttl = 1;  // time exceeded
        in.push_back(build(h));
        h.ttl = 64;
        h.dst = a4("198.51.101.1");  // no EAMT entry
        in.push_back(build(h));
    }
    {
        V6 h;  // hairpin
        h.src = t.vm6;
        h.dst = a6("2001:db8:64::198.51.100.9");
        h.l4 = udp(1, 2, {});
        in.push_back(build(h));
        h.src = t.stray6;  // source untranslatable
        in.push_back(build(h));
    }
    in.push_back(Bytes(30, 0x11));  // not IP
    in.push_back({});               // empty
    std::vector<nat64_pkt> burst(in.size() + 1);
    auto load = [&] {
        for (size_t i = 0; i < in.size(); i++) {
            std::memset(&burst[i], 0x5a, sizeof burst[i]);
            burst[i].l3 = in[i].empty() ? nullptr : in[i].data();
            burst[i].len = static_cast<uint32_t>(in[i].size());
        }
        // A non-empty length with no buffer.
        std::memset(&burst.back(), 0x5a, sizeof burst.back());
        burst.back().l3 = nullptr;
        burst.back().len = 40;
    };
    const std::vector<uint16_t> want = {NAT64_C_TRANSLATED_6TO4, NAT64_C_TRANSLATED_4TO6,
                                        NAT64_C_REPLY_HOP_LIMIT, NAT64_C_DROP_DST_UNTRANSLATABLE,
                                        NAT64_C_HAIRPINNED,      NAT64_C_REPLY_SRC_UNTRANSLATABLE,
                                        NAT64_C_DROP_NOT_IP,     NAT64_C_DROP_TRUNCATED,
                                        NAT64_C_DROP_TRUNCATED};
    load();
    EXPECT_EQ(nat64_translate_burst(xl.handle(), burst.data(), burst.size(), 0, NAT64_F_DRY_RUN),
              5u);
    std::vector<Bytes> dry;
    for (size_t i = 0; i < burst.size(); i++) {
        EXPECT_EQ(burst[i].reason, want[i]) << i << " " << counter_name(burst[i].reason);
        dry.push_back(burst[i].verdict == NAT64_DROP ? Bytes{} : output_of(burst[i]));
    }
    for (unsigned c = 0; c < NAT64_C_N; c++) {
        EXPECT_EQ(xl.counter(static_cast<nat64_counter>(c)), 0u) << counter_name(c);
    }
    load();
    EXPECT_EQ(nat64_translate_burst(xl.handle(), burst.data(), burst.size(), 0, 0), 5u);
    std::map<uint16_t, uint64_t> expect;
    for (size_t i = 0; i < burst.size(); i++) {
        EXPECT_EQ(burst[i].reason, want[i]) << i;
        expect[want[i]]++;
        if (burst[i].verdict != NAT64_DROP) {
            Bytes out = output_of(burst[i]);
            // Outputs equal the dry run's, but for the IPv4 Identification
            // (DF=0: a fresh one each time).
            if (burst[i].family == 4) {
                out[4] = dry[i][4];
                out[5] = dry[i][5];
                put16(out, 10, 0);
                put16(dry[i], 10, 0);
            }
            EXPECT_TRUE(SameBytes(out, dry[i])) << i;
        }
    }
    for (unsigned c = 0; c < NAT64_C_N; c++) {
        EXPECT_EQ(xl.counter(static_cast<nat64_counter>(c)), expect[static_cast<uint16_t>(c)])
            << counter_name(c);
    }
}

// --- Concurrency (run under ASan/UBSan: build-tests-asan) ----------------------------------

// Translating threads never see a half-built configuration: every output
// is consistent with exactly one of the two documents, while
// nat64_instance_set() replaces them as fast as it can.
TEST(CApi_Concurrency, TranslateWhileInstanceSetReplaces) {
    Topo t;
    Cleanup c{{kId}};
    json a = base_config(kId);
    json b = base_config(kId);
    b["eamt"] = {{{"ipv6", "2001:db8:6::/120"}, {"ipv4", "10.6.0.0/24"}}};
    b["ipv4-mtu"] = 1400;
    ASSERT_EQ(set_instance(a), 0);
    const uint32_t src_a = t.vm4, src_b = a4("10.6.0.5");
    const Bytes pkt = udp_6to4(t, 100);

    std::atomic<bool> stop{false};
    std::atomic<uint64_t> bursts{0}, bad{0}, seen_a{0}, seen_b{0};
    std::atomic<nat64_instance *> handle{nat64_instance_find(kId)};
    auto worker = [&](int n) {
        std::vector<nat64_pkt> burst(8);
        while (!stop.load(std::memory_order_relaxed)) {
            for (auto &p : burst) {
                p.l3 = pkt.data();
                p.len = static_cast<uint32_t>(pkt.size());
            }
            size_t passed =
                n % 2 ? nat64_translate_burst_id(kId, burst.data(), burst.size(), 0, 0)
                      : nat64_translate_burst(handle.load(), burst.data(), burst.size(), 0, 0);
            if (passed != burst.size()) bad++;
            for (auto &p : burst) {
                if (p.verdict != NAT64_TRANSLATED) {
                    bad++;
                    continue;
                }
                Bytes out = output_of(p);
                uint32_t src = get32(out, 12);
                if (src == src_a) {
                    seen_a++;
                } else if (src == src_b) {
                    seen_b++;
                } else {
                    bad++;
                }
                if (!ipv4_header_ok(out) || !l4_checksum_ok(out)) bad++;
            }
            bursts++;
            // Leave the writer some CPU on small machines (datapath threads
            // have cores of their own; test threads share them).
            std::this_thread::yield();
        }
    };
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; i++)
        threads.emplace_back(worker, i);
    const char *entry = R"({"ipv6": "2001:db8:8::/120", "ipv4": "192.0.2.0/24"})";
    for (int i = 0; i < 600; i++) {
        ASSERT_EQ(set_instance(i % 2 ? a : b), 0);
        if (i % 10 == 0) {
            EXPECT_EQ(nat64_eamt_add(kId, entry, nullptr), 0);
            EXPECT_EQ(nat64_eamt_del(kId, entry, nullptr), 0);
        }
        if (i % 50 == 0) {
            CStr s;
            s.p = nat64_stats(kId, 1, nullptr);
            EXPECT_NE(s.p, nullptr);
        }
    }
    // Keep going until every thread has had a few bursts after the churn.
    uint64_t target = bursts.load() + 100;
    while (bursts.load() < target)
        std::this_thread::yield();
    stop = true;
    for (auto &th : threads)
        th.join();
    EXPECT_EQ(bad.load(), 0u);
    EXPECT_GT(seen_a.load() + seen_b.load(), 0u);
    json s = stats(kId);
    // Counters of the instance survive replacement.
    EXPECT_EQ(s["translated-6to4"].get<uint64_t>(), seen_a.load() + seen_b.load());
}

// nat64_translate_burst_id() is safe against nat64_instance_del().
TEST(CApi_Concurrency, TranslateByIdWhileDeletedAndRecreated) {
    Topo t;
    Cleanup c{{kId}};
    const Bytes pkt = udp_6to4(t, 60);
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> bad{0}, ok{0}, unknown{0};
    auto worker = [&] {
        nat64_pkt burst[4];
        while (!stop.load(std::memory_order_relaxed)) {
            for (auto &p : burst) {
                p.l3 = pkt.data();
                p.len = static_cast<uint32_t>(pkt.size());
            }
            nat64_translate_burst_id(kId, burst, 4, 0, 0);
            for (auto &p : burst) {
                if (p.reason == NAT64_C_TRANSLATED_6TO4) {
                    ok++;
                } else if (p.reason == NAT64_C_DROP_UNKNOWN_INSTANCE) {
                    unknown++;
                } else {
                    bad++;
                }
            }
            std::this_thread::yield();
        }
    };
    std::vector<std::thread> threads;
    for (int i = 0; i < 3; i++)
        threads.emplace_back(worker);
    for (int i = 0; i < 200; i++) {
        ASSERT_EQ(set_instance(base_config(kId)), 0);
        std::this_thread::yield();
        ASSERT_EQ(nat64_instance_del(kId, nullptr), 0);
    }
    stop = true;
    for (auto &th : threads)
        th.join();
    EXPECT_EQ(bad.load(), 0u);
    EXPECT_GT(ok.load() + unknown.load(), 0u);
}

// --- Robustness: random mutations ----------------------------------------------------------

// Seeds covering every path: both directions, every transport, ICMP errors
// with and without extensions, fragments, options, extension headers.
std::vector<Bytes> seed_packets() {
    Topo t;
    std::vector<Bytes> s;
    auto v6 = [&](const A6 &src, const A6 &dst, uint8_t proto, const Bytes &l4,
                  std::vector<Ext> ext = {}, uint8_t hlim = 64) {
        V6 h;
        h.src = src;
        h.dst = dst;
        h.proto = proto;
        h.l4 = l4;
        h.ext = ext;
        h.hlim = hlim;
        return h;
    };
    auto v4 = [&](uint32_t src, uint32_t dst, uint8_t proto, const Bytes &l4, Bytes opts = {},
                  uint8_t ttl = 64, bool df = false) {
        V4 h;
        h.src = src;
        h.dst = dst;
        h.proto = proto;
        h.l4 = l4;
        h.options = opts;
        h.ttl = ttl;
        h.df = df;
        h.id = 77;
        return h;
    };
    const Bytes u = udp(1, 2, pattern(40));
    const Bytes tc = tcp(3, 4, 5, 6, 0x18, pattern(40));
    // 6 -> 4.
    s.push_back(build(v6(t.vm6, t.peer6, ipproto::UDP, u)));
    s.push_back(build(v6(t.vm6, t.peer6, ipproto::TCP, tc, {hop_by_hop(1), routing(0)})));
    s.push_back(build(v6(t.vm6, t.peer6, ipproto::UDP, u, {routing(2)})));
    s.push_back(build(v6(t.vm6, t.peer6, ipproto::ICMPV6, icmp(128, 0, 5, pattern(30)))));
    s.push_back(build(v6(t.vm6, t.peer6, ipproto::UDP, u, {}, 1)));
    s.push_back(build(v6(t.stray6, t.peer6, ipproto::UDP, u)));
    s.push_back(build(v6(t.vm6, a6("2001:db8:64::198.51.100.9"), ipproto::TCP, tc)));
    s.push_back(build(v6(t.vm6, t.peer6, ipproto::UDP, udp(1, 2, pattern(1500)))));
    s.push_back(
        fragment6(v6(t.vm6, t.peer6, ipproto::UDP, udp(1, 2, pattern(300))), 0, 200, true, 5));
    s.push_back(
        fragment6(v6(t.vm6, t.peer6, ipproto::UDP, udp(1, 2, pattern(300))), 200, 108, false, 5));
    const Bytes inner6 = build(v6(t.peer6, t.vm6, ipproto::UDP, u, {dest_opts(0)}));
    for (uint8_t type : {1, 2, 3, 4}) {
        s.push_back(build(v6(t.vm6, t.peer6, ipproto::ICMPV6, icmp(type, 0, 1400, inner6))));
    }
    Bytes ext6 = inner6;
    ext6.resize(128, 0);
    app(ext6, Bytes{0x20, 0, 0, 0, 0, 8, 1, 1, 1, 2, 3, 4});
    s.push_back(build(v6(t.stray6, t.peer6, ipproto::ICMPV6, icmp(1, 0, 16u << 24, ext6))));
    s.push_back(build(
        v6(t.vm6b, a6("2001:db8:64::198.51.100.5"), ipproto::ICMPV6,
           icmp(1, 4, 0, build(v6(a6("2001:db8:64::198.51.100.5"), t.vm6b, ipproto::UDP, u))))));
    // 4 -> 6.
    s.push_back(build(v4(t.peer4, t.vm4, ipproto::UDP, u)));
    s.push_back(build(v4(t.peer4, t.vm4, ipproto::TCP, tc, {1, 7, 7, 4, 0, 0, 0, 0})));
    s.push_back(build(v4(t.peer4, t.vm4, ipproto::UDP, u, {131, 7, 4, 0, 0, 0, 0, 0})));
    s.push_back(build(v4(t.peer4, t.vm4, ipproto::ICMP, icmp(8, 0, 9, pattern(30)))));
    s.push_back(build(v4(t.peer4, t.vm4, ipproto::UDP, u, {}, 1)));
    s.push_back(build(v4(t.peer4, t.vm4, ipproto::UDP, udp(1, 2, pattern(1480)), {}, 64, true)));
    s.push_back(build(v4(t.peer4, t.vm4, ipproto::UDP, udp(1, 2, pattern(2000)))));
    s.push_back(fragment4(v4(t.peer4, t.vm4, ipproto::UDP, udp(1, 2, pattern(300))), 0, 200, true));
    s.push_back(
        fragment4(v4(t.peer4, t.vm4, ipproto::UDP, udp(1, 2, pattern(300))), 200, 108, false));
    const Bytes inner4 = build(v4(t.vm4, t.peer4, ipproto::UDP, u, {1, 1, 1, 1}));
    for (uint8_t type : {3, 11, 12}) {
        for (uint8_t code : {0, 2, 4}) {
            s.push_back(build(v4(t.peer4, t.vm4, ipproto::ICMP,
                                 icmp(type, code, type == 12 ? 9u << 24 : 0, inner4))));
        }
    }
    Bytes ext4 = inner4;
    ext4.resize(128, 0);
    app(ext4, Bytes{0x20, 0, 0, 0, 0, 8, 1, 1, 1, 2, 3, 4});
    s.push_back(build(v4(t.peer4, t.vm4, ipproto::ICMP, icmp(3, 1, 32u << 16, ext4))));
    s.push_back(build(v4(t.peer4, t.vm4, ipproto::ICMP, icmp(3, 4, 0, slice(inner4, 0, 28)))));
    return s;
}

bool is_fragment(const Bytes &p) {
    if (p.size() < 20) return false;
    if ((p[0] >> 4) == 4) return (get16(p, 6) & 0x3fff) != 0;
    // IPv6: any Fragment header in the chain.
    uint8_t nh = p[6];
    size_t off = 40;
    while (off + 8 <= p.size()) {
        if (nh == ipproto::FRAGMENT) return true;
        if (nh != ipproto::HOPOPTS && nh != ipproto::DSTOPTS && nh != ipproto::ROUTING) break;
        nh = p[off];
        off += (p[off + 1] + 1u) * 8;
    }
    return false;
}

// Recomputes the IPv4 header checksum and the upper-layer checksum of a
// (possibly mutated) packet where its headers allow, so that mutations
// get past the checksum checks and into the parsers behind them.
void refresh_checksums(Bytes &p) {
    if (p.size() < 20) return;
    size_t l4 = 0, l4len = 0;
    uint8_t proto = 0;
    uint64_t pseudo = 0;
    if ((p[0] >> 4) == 4) {
        size_t ihl = (p[0] & 0xf) * 4u, total = get16(p, 2);
        if (ihl < 20 || ihl > p.size()) return;
        put16(p, 10, 0);
        put16(p, 10, finish(sum_bytes(p.data(), ihl)));
        if (total > p.size() || total < ihl || (get16(p, 6) & 0x3fff)) return;
        l4 = ihl;
        l4len = total - ihl;
        proto = p[9];
        if (proto != ipproto::ICMP) {
            pseudo = pseudo4(get32(p, 12), get32(p, 16), static_cast<uint32_t>(l4len), proto);
        }
    } else {
        if (p.size() < 40) return;
        size_t end = 40 + get16(p, 4);
        if (end > p.size()) return;
        uint8_t nh = p[6];
        size_t off = 40;
        while (nh == ipproto::HOPOPTS || nh == ipproto::DSTOPTS || nh == ipproto::ROUTING) {
            if (off + 8 > end) return;
            uint8_t next = p[off];
            off += (p[off + 1] + 1u) * 8;
            nh = next;
        }
        if (nh == ipproto::FRAGMENT || off > end) return;
        l4 = off;
        l4len = end - off;
        proto = nh;
        A6 src, dst;
        std::memcpy(src.data(), &p[8], 16);
        std::memcpy(dst.data(), &p[24], 16);
        pseudo = pseudo6(src, dst, static_cast<uint32_t>(l4len), proto);
    }
    int co = csum_offset(proto);
    if (co < 0 || l4len < static_cast<size_t>(co) + 2) return;
    put16(p, l4 + co, 0);
    put16(p, l4 + co, finish(sum_bytes(p.data() + l4, l4len, pseudo)));
}

bool checksum_ok_safe(const Bytes &p) {
    try {
        return l4_checksum_ok(p);
    } catch (const std::exception &) {
        return false;
    }
}

// Checks what the ABI promises about any one result; returns a complaint
// or "".
std::string check_result(const Bytes &in, const nat64_pkt &p) {
    if (p.verdict > NAT64_DROP) return "bad verdict";
    if (p.reason >= NAT64_C_N) return "bad reason";
    const bool drop_reason = p.reason >= NAT64_C_DROP_UNKNOWN_INSTANCE;
    if ((p.verdict == NAT64_DROP) != drop_reason) return "verdict and reason disagree";
    if (p.verdict == NAT64_DROP) return "";
    if (p.hdr_len > NAT64_HDR_MAX) return "hdr_len too big";
    if (uint64_t{p.consumed} + p.tail_len > in.size()) return "splice beyond the input";
    Bytes out = output_of(p);
    if (out.size() < 20) return "output too short";
    const int in_family = in[0] >> 4;
    if ((out[0] >> 4) != p.family) return "family does not match the output";
    if (p.verdict == NAT64_ICMP_REPLY) {
        if (p.family != in_family) return "reply in the wrong family";
        if (p.reason < NAT64_C_REPLY_HOP_LIMIT || p.reason > NAT64_C_REPLY_DST_UNREACHABLE) {
            return "reply with a non-reply reason";
        }
        if (p.tail_len != 0) return "reply with a tail";
        if (!checksum_ok_safe(out)) return "reply with a bad ICMP checksum";
    } else {
        bool hair = p.reason == NAT64_C_HAIRPINNED;
        if (p.reason != NAT64_C_TRANSLATED_6TO4 && p.reason != NAT64_C_TRANSLATED_4TO6 && !hair) {
            return "translation with a non-translation reason";
        }
        if (hair ? p.family != 6 : p.family == in_family) return "translated into the wrong family";
    }
    if (p.family == 4) {
        if (!ipv4_header_ok(out)) return "bad IPv4 header checksum";
        if (get16(out, 2) != out.size()) return "IPv4 Total Length != output size";
        if (p.frag_size) return "frag_size on IPv4";
    } else {
        if (out.size() < 40 || get16(out, 4) + 40u != out.size()) return "IPv6 length mismatch";
        if (p.frag_size && (p.frag_size % 8 || out[6] != ipproto::FRAGMENT)) return "bad frag_size";
    }
    // Translation preserves checksum validity (unfragmented packets).
    if (p.verdict == NAT64_TRANSLATED && !is_fragment(in) && !is_fragment(out) &&
        checksum_ok_safe(in) && !checksum_ok_safe(out)) {
        return "valid checksum became invalid";
    }
    if (p.frag_size) {
        unsigned n = nat64_fragment_count(&p);
        uint64_t total = 0;
        for (unsigned i = 0; i < n; i++) {
            uint8_t lead[48];
            uint32_t ofs, len;
            if (nat64_fragment_header(&p, i, lead, &ofs, &len) != 48) return "fragment missing";
            if (ofs != total || 48 + ofs + len > out.size()) return "fragment out of range";
            total += len;
        }
        if (total + 48 != out.size()) return "fragments do not cover the packet";
    }
    return "";
}

TEST(Robustness_RandomMutation, TwentyThousandMutatedPacketsNeverCrash) {
    const std::vector<Bytes> seeds = seed_packets();
    TestInstance plain(kId);
    TestInstance other(kId + 1, {{"pool6791v4", "192.0.2.128/29"},
                                 {"amend-udp-checksum-zero", true},
                                 {"ipv4-mtu", 1280},
                                 {"eam-hairpin-mode", "simple"},
                                 {"pool4", {{{"prefix", "192.0.2.2/32"}}}}});
    const uint32_t seed = 0x5eed1234;
    std::mt19937 rng(seed);
    auto rnd = [&](uint32_t n) { return n ? static_cast<uint32_t>(rng() % n) : 0; };
    std::map<std::string, unsigned> verdicts;
    unsigned complaints = 0;
    constexpr unsigned kPackets = 20000, kBurst = 32;
    std::vector<Bytes> in(kBurst);
    std::vector<nat64_pkt> burst(kBurst);
    for (unsigned done = 0; done < kPackets; done += kBurst) {
        for (unsigned i = 0; i < kBurst; i++) {
            Bytes p = seeds[rnd(static_cast<uint32_t>(seeds.size()))];
            switch (rnd(6)) {
                case 0:  // a few random bytes, mostly in the headers
                    for (uint32_t k = rnd(4) + 1; k; k--) {
                        p[rnd(std::min<uint32_t>(static_cast<uint32_t>(p.size()), 120))] =
                            static_cast<uint8_t>(rng());
                    }
                    break;
                case 1:  // truncate
                    p.resize(rnd(static_cast<uint32_t>(p.size()) + 1));
                    break;
                case 2: {  // a length field: IPv4 total / IPv6 payload, or inner ones
                    size_t at = rnd(2) ? ((p[0] >> 4) == 4 ? 2 : 4) : rnd(100);
                    if (at + 1 < p.size()) put16(p, at, static_cast<uint16_t>(rng()));
                    break;
                }
                case 3:  // single bit flips anywhere
                    for (uint32_t k = rnd(8) + 1; k; k--) {
                        p[rnd(static_cast<uint32_t>(p.size()))] ^=
                            static_cast<uint8_t>(1u << rnd(8));
                    }
                    break;
                case 4:  // extra bytes at the end
                    app(p, pattern(rnd(64), static_cast<uint8_t>(rng())));
                    break;
                default: {  // random garbage with a plausible version
                    p = pattern(rnd(200), 0);
                    for (auto &b : p)
                        b = static_cast<uint8_t>(rng());
                    if (!p.empty())
                        p[0] = static_cast<uint8_t>((rnd(2) ? 0x40 : 0x60) | (p[0] & 0xf));
                    break;
                }
            }
            if (rnd(2)) refresh_checksums(p);
            in[i] = std::move(p);
            std::memset(&burst[i], 0xa5, sizeof burst[i]);
            // An exact-size heap copy so ASan sees any read past the end.
            burst[i].l3 = in[i].empty() ? nullptr : in[i].data();
            burst[i].len = static_cast<uint32_t>(in[i].size());
        }
        const TestInstance &xl = rnd(2) ? plain : other;
        nat64_translate_burst(xl.handle(), burst.data(), kBurst, 0, 0);
        for (unsigned i = 0; i < kBurst; i++) {
            verdicts[counter_name(burst[i].reason)]++;
            if (in[i].empty()) continue;
            std::string why = check_result(in[i], burst[i]);
            if (!why.empty() && complaints++ < 20) {
                ADD_FAILURE() << why << " (reason " << counter_name(burst[i].reason) << ", seed "
                              << seed << ")\ninput:\n"
                              << hex(in[i]) << "\noutput:\n"
                              << hex(output_of(burst[i]));
            }
        }
    }
    EXPECT_EQ(complaints, 0u);
    // The mutations reach deep: many different outcomes.
    std::string seen;
    for (auto &[k, v] : verdicts)
        seen += k + "=" + std::to_string(v) + " ";
    EXPECT_GE(verdicts.size(), 15u) << seen;
    RecordProperty("verdicts", seen);
}

}  // namespace
}  // namespace nat64test
