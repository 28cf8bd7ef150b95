// RFC 7757 Explicit Address Mapping Table: longest-prefix match both ways.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <vector>

#include "eamt.hpp"
#include "text_addr.hpp"

namespace nat64 {
namespace {

using namespace testaddr;

EamtEntry entry(const char *v6, uint8_t len6, const char *v4, uint8_t len4) {
    return {{a6(v6), len6}, {a4(v4), len4}};
}

// Lookup wrappers returning text ("miss" when there is no match), so that a
// failure shows both addresses.
std::string to4(const Eamt &t, const char *v6) {
    uint32_t out = 0;
    return t.v6_to_v4(a6(v6).b.data(), out) ? fmt4(out) : "miss";
}

std::string to6(const Eamt &t, const char *v4) {
    uint8_t out[16];
    return t.v4_to_v6(a4(v4), out) ? fmt6(out) : "miss";
}

std::string canon6(const char *v6) {
    return fmt6(a6(v6).b.data());
}

TEST(Eamt, EmptyTableMissesEverything) {
    const Eamt t;
    EXPECT_TRUE(t.empty());
    EXPECT_EQ(t.size(), 0u);
    EXPECT_EQ(to4(t, "2001:db8::1"), "miss");
    EXPECT_EQ(to6(t, "192.0.2.1"), "miss");

    const Eamt t2(std::vector<EamtEntry>{});
    EXPECT_TRUE(t2.empty());
    EXPECT_EQ(to6(t2, "0.0.0.0"), "miss");
}

// RFC 7757 §3.2 Figure 1 rows whose suffix lengths are equal (rows 4 and 5
// map a longer IPv6 suffix, which this table does not support), with the
// translations that §3.3 gives for them.
TEST(Eamt, Rfc7757Figure1) {
    const Eamt t({
        entry("2001:db8:aaaa::", 128, "192.0.2.1", 32),
        entry("2001:db8:bbbb::b", 128, "192.0.2.2", 32),
        entry("2001:db8:cccc::", 124, "192.0.2.16", 28),
        entry("64:ff9b::", 127, "192.0.2.224", 31),
    });
    EXPECT_EQ(t.size(), 4u);
    EXPECT_FALSE(t.empty());

    const std::pair<const char *, const char *> both_ways[] = {
        {"192.0.2.1", "2001:db8:aaaa::"},   {"192.0.2.2", "2001:db8:bbbb::b"},
        {"192.0.2.16", "2001:db8:cccc::"},  {"192.0.2.20", "2001:db8:cccc::4"},
        {"192.0.2.31", "2001:db8:cccc::f"}, {"192.0.2.224", "64:ff9b::"},
        {"192.0.2.225", "64:ff9b::1"},
    };
    for (const auto &[v4, v6] : both_ways) {
        EXPECT_EQ(to6(t, v4), canon6(v6)) << v4;
        EXPECT_EQ(to4(t, v6), v4) << v6;
    }

    // Just outside each entry.
    for (const char *v4 : {"192.0.2.0", "192.0.2.3", "192.0.2.15", "192.0.2.32", "192.0.2.223",
                           "192.0.2.226", "192.0.3.1"})
        EXPECT_EQ(to6(t, v4), "miss") << v4;
    for (const char *v6 :
         {"2001:db8:aaaa::1", "2001:db8:bbbb::a", "2001:db8:bbbb::c", "2001:db8:cccc::10",
          "2001:db8:cccb:ffff:ffff:ffff:ffff:ffff", "64:ff9b::2", "64:ff9b::192.0.2.225", "::"})
        EXPECT_EQ(to4(t, v6), "miss") << v6;
}

// §3.3: the longest matching prefix wins, in each direction separately, so
// overlapping entries may translate asymmetrically.
TEST(Eamt, LongestPrefixMatchWithOverlaps) {
    const Eamt t({
        entry("2001:db8:aaaa::", 120, "192.0.2.0", 24),
        entry("2001:db8:bbbb::", 125, "192.0.2.8", 29),
        entry("2001:db8:cccc::1", 128, "192.0.2.100", 32),
        // Inside the /120 on the IPv6 side only.
        entry("2001:db8:aaaa::c8", 128, "198.51.100.7", 32),
    });

    // IPv4 -> IPv6.
    EXPECT_EQ(to6(t, "192.0.2.7"), canon6("2001:db8:aaaa::7"));
    EXPECT_EQ(to6(t, "192.0.2.8"), canon6("2001:db8:bbbb::"));
    EXPECT_EQ(to6(t, "192.0.2.9"), canon6("2001:db8:bbbb::1"));
    EXPECT_EQ(to6(t, "192.0.2.15"), canon6("2001:db8:bbbb::7"));
    EXPECT_EQ(to6(t, "192.0.2.16"), canon6("2001:db8:aaaa::10"));
    EXPECT_EQ(to6(t, "192.0.2.99"), canon6("2001:db8:aaaa::63"));
    EXPECT_EQ(to6(t, "192.0.2.100"), canon6("2001:db8:cccc::1"));
    EXPECT_EQ(to6(t, "192.0.2.101"), canon6("2001:db8:aaaa::65"));
    EXPECT_EQ(to6(t, "192.0.2.200"), canon6("2001:db8:aaaa::c8"));
    EXPECT_EQ(to6(t, "198.51.100.7"), canon6("2001:db8:aaaa::c8"));
    EXPECT_EQ(to6(t, "198.51.100.8"), "miss");

    // IPv6 -> IPv4.
    EXPECT_EQ(to4(t, "2001:db8:aaaa::9"), "192.0.2.9");  // not the /29's
    EXPECT_EQ(to4(t, "2001:db8:bbbb::1"), "192.0.2.9");
    EXPECT_EQ(to4(t, "2001:db8:aaaa::64"), "192.0.2.100");
    EXPECT_EQ(to4(t, "2001:db8:cccc::1"), "192.0.2.100");
    EXPECT_EQ(to4(t, "2001:db8:aaaa::c8"), "198.51.100.7");
    EXPECT_EQ(to4(t, "2001:db8:aaaa::c9"), "192.0.2.201");
    EXPECT_EQ(to4(t, "2001:db8:aaaa::ff"), "192.0.2.255");
    EXPECT_EQ(to4(t, "2001:db8:aaaa::100"), "miss");
    EXPECT_EQ(to4(t, "2001:db8:bbbb::8"), "miss");
    EXPECT_EQ(to4(t, "2001:db8:cccc::"), "miss");
}

// The widest entry the suffix rule allows: all of IPv4 <-> one /96, which is
// the /96 RFC 6052 layout made explicit.  Longer entries still win.
TEST(Eamt, WholeIpv4SpaceToA96) {
    const Eamt t({
        entry("2001:db8:ffff::", 96, "0.0.0.0", 0),
        entry("2001:db8:1::", 120, "203.0.113.0", 24),
    });
    EXPECT_EQ(to6(t, "0.0.0.0"), canon6("2001:db8:ffff::"));
    EXPECT_EQ(to6(t, "192.0.2.33"), canon6("2001:db8:ffff::192.0.2.33"));
    EXPECT_EQ(to6(t, "255.255.255.255"), canon6("2001:db8:ffff::255.255.255.255"));
    EXPECT_EQ(to6(t, "203.0.113.5"), canon6("2001:db8:1::5"));
    EXPECT_EQ(to4(t, "2001:db8:ffff::192.0.2.33"), "192.0.2.33");
    EXPECT_EQ(to4(t, "2001:db8:ffff::203.0.113.5"), "203.0.113.5");
    EXPECT_EQ(to4(t, "2001:db8:1::5"), "203.0.113.5");
    EXPECT_EQ(to4(t, "2001:db8:ffff:0:0:1::"), "miss");
    EXPECT_EQ(to4(t, "2001:db8:fffe:ffff:ffff:ffff:ffff:ffff"), "miss");
}

// Entries shorter than /16 on the IPv4 side cover several /16s; the lookup
// must find them at both ends of their range.
TEST(Eamt, ShortIpv4PrefixesAcrossSixteens) {
    const Eamt t({
        entry("2001:db8:a::", 108, "10.16.0.0", 12),
        entry("2001:db8:b::", 104, "172.0.0.0", 8),
    });
    EXPECT_EQ(to6(t, "10.16.0.0"), canon6("2001:db8:a::"));
    EXPECT_EQ(to6(t, "10.31.255.255"), canon6("2001:db8:a::f:ffff"));
    EXPECT_EQ(to6(t, "10.15.255.255"), "miss");
    EXPECT_EQ(to6(t, "10.32.0.0"), "miss");
    EXPECT_EQ(to6(t, "172.255.255.255"), canon6("2001:db8:b::ff:ffff"));
    EXPECT_EQ(to6(t, "173.0.0.0"), "miss");
    EXPECT_EQ(to4(t, "2001:db8:a::f:ffff"), "10.31.255.255");
    EXPECT_EQ(to4(t, "2001:db8:a::10:0"), "miss");
    EXPECT_EQ(to4(t, "2001:db8:b::ab:cdef"), "172.171.205.239");
}

TEST(Eamt, DuplicatePrefixesFirstWins) {
    const Eamt t({
        entry("2001:db8::1", 128, "192.0.2.1", 32),
        entry("2001:db8::1", 128, "192.0.2.2", 32),  // same IPv6 prefix
        entry("2001:db8::3", 128, "192.0.2.1", 32),  // same IPv4 prefix
    });
    EXPECT_EQ(t.size(), 3u);
    EXPECT_EQ(to4(t, "2001:db8::1"), "192.0.2.1");
    EXPECT_EQ(to6(t, "192.0.2.1"), canon6("2001:db8::1"));
    // Each entry still serves the direction in which it is not a duplicate.
    EXPECT_EQ(to6(t, "192.0.2.2"), canon6("2001:db8::1"));
    EXPECT_EQ(to4(t, "2001:db8::3"), "192.0.2.1");
}

TEST(Eamt, HostBitsInEntriesAreIgnored) {
    const Eamt t({entry("2001:db8::ff", 120, "192.0.2.77", 24)});
    EXPECT_EQ(to6(t, "192.0.2.5"), canon6("2001:db8::5"));
    EXPECT_EQ(to4(t, "2001:db8::5"), "192.0.2.5");
}

TEST(Eamt, RejectsUnequalSuffixLengths) {
    // RFC 7757 Figure 1 row 4: a /26 mapped to a /64.
    EXPECT_THROW(Eamt({entry("2001:db8:dddd::", 64, "192.0.2.128", 26)}), std::invalid_argument);
    EXPECT_THROW(Eamt({entry("2001:db8::", 127, "192.0.2.0", 32)}), std::invalid_argument);
}

TEST(Eamt, EntryOrderDoesNotMatter) {
    std::vector<EamtEntry> entries{
        entry("2001:db8:aaaa::", 120, "192.0.2.0", 24),
        entry("2001:db8:bbbb::", 125, "192.0.2.8", 29),
        entry("2001:db8:cccc::1", 128, "192.0.2.100", 32),
        entry("2001:db8:dddd::", 112, "10.1.0.0", 16),
    };
    const Eamt forward(entries);
    std::reverse(entries.begin(), entries.end());
    const Eamt backward(entries);
    for (const char *v4 : {"192.0.2.9", "192.0.2.100", "192.0.2.1", "10.1.2.3", "10.2.0.0"})
        EXPECT_EQ(to6(forward, v4), to6(backward, v4)) << v4;
    for (const char *v6 : {"2001:db8:aaaa::9", "2001:db8:bbbb::1", "2001:db8:dddd::203",
                           "2001:db8:cccc::1", "2001:db8:cccc::2"})
        EXPECT_EQ(to4(forward, v6), to4(backward, v6)) << v6;
}

// 100,000 distinct random /128 <-> /32 mappings (the common SIIT-DC table):
// every entry translates both ways, and other addresses miss.  Half the IPv6
// addresses share one /64 and half are spread over random /64s, so both the
// common layout and a table with more /64s than the miss filter can tell
// apart are covered.
TEST(Eamt, HundredThousandHostsRoundTrip) {
    std::mt19937_64 rng(7757);
    const Ipv6Addr base = a6("2001:db8:64::");
    auto random_v6 = [&](bool spread) {
        Ipv6Addr a = base;
        const uint64_t low = rng(), mid = rng();
        for (int i = 0; i < 8; ++i)
            a.b[15 - i] = static_cast<uint8_t>(low >> (8 * i));
        if (spread) {
            for (int i = 0; i < 4; ++i)
                a.b[7 - i] = static_cast<uint8_t>(mid >> (8 * i));
        }
        return a;
    };
    std::unordered_set<uint32_t> seen4;
    std::set<Ipv6Addr> seen6;
    std::vector<EamtEntry> entries;
    while (entries.size() < 100000) {
        const uint32_t v4 = static_cast<uint32_t>(rng());
        const Ipv6Addr v6 = random_v6(entries.size() % 2 == 1);
        if (seen4.count(v4) || seen6.count(v6)) continue;
        seen4.insert(v4);
        seen6.insert(v6);
        entries.push_back({{v6, 128}, {v4, 32}});
    }
    const Eamt t(entries);
    ASSERT_EQ(t.size(), entries.size());
    for (const EamtEntry &e : entries) {
        uint32_t v4 = 0;
        ASSERT_TRUE(t.v6_to_v4(e.ipv6.addr.b.data(), v4)) << fmt6(e.ipv6.addr.b.data());
        ASSERT_EQ(v4, e.ipv4.addr);
        uint8_t v6[16];
        ASSERT_TRUE(t.v4_to_v6(e.ipv4.addr, v6)) << fmt4(e.ipv4.addr);
        ASSERT_EQ(fmt6(v6), fmt6(e.ipv6.addr.b.data()));
    }
    int misses4 = 0, misses6 = 0;
    for (int i = 0; i < 100000; ++i) {
        const uint32_t v4 = static_cast<uint32_t>(rng());
        uint8_t v6[16];
        if (!seen4.count(v4)) {
            ASSERT_FALSE(t.v4_to_v6(v4, v6)) << fmt4(v4);
            ++misses4;
        }
        Ipv6Addr a = random_v6(i % 2 == 1);
        uint32_t out = 0;
        if (!seen6.count(a)) {
            ASSERT_FALSE(t.v6_to_v4(a.b.data(), out)) << fmt6(a.b.data());
            ++misses6;
        }
        a.b[0] ^= 0x40;  // other /16: never in the table
        ASSERT_FALSE(t.v6_to_v4(a.b.data(), out)) << fmt6(a.b.data());
    }
    EXPECT_GT(misses4, 99000);
    EXPECT_GT(misses6, 99000);
}

// Naive reference: scan every entry, keep the longest match, first on ties.
bool ref_v6_to_v4(const std::vector<EamtEntry> &entries, const Ipv6Addr &a, uint32_t &out) {
    const EamtEntry *best = nullptr;
    for (const EamtEntry &e : entries) {
        const unsigned whole = e.ipv6.len / 8, rest = e.ipv6.len % 8;
        bool match = std::memcmp(a.b.data(), e.ipv6.addr.b.data(), whole) == 0;
        if (match && rest) {
            const uint8_t m = static_cast<uint8_t>(0xff00 >> rest);
            match = (a.b[whole] & m) == (e.ipv6.addr.b[whole] & m);
        }
        if (match && (!best || e.ipv6.len > best->ipv6.len)) best = &e;
    }
    if (!best) return false;
    const unsigned suffix = 128 - best->ipv6.len;
    uint32_t low = 0;
    for (int i = 12; i < 16; ++i)
        low = low << 8 | a.b[i];
    const uint32_t smask = suffix == 32 ? ~0u : (1u << suffix) - 1;
    out = best->ipv4.addr | (low & smask);
    return true;
}

bool ref_v4_to_v6(const std::vector<EamtEntry> &entries, uint32_t a, Ipv6Addr &out) {
    const EamtEntry *best = nullptr;
    for (const EamtEntry &e : entries) {
        const uint32_t mask = e.ipv4.len == 0 ? 0 : ~0u << (32 - e.ipv4.len);
        if ((a & mask) == e.ipv4.addr && (!best || e.ipv4.len > best->ipv4.len)) best = &e;
    }
    if (!best) return false;
    const uint32_t mask = best->ipv4.len == 0 ? 0 : ~0u << (32 - best->ipv4.len);
    out = best->ipv6.addr;
    const uint32_t suffix = a & ~mask;
    for (int i = 0; i < 4; ++i)
        out.b[15 - i] |= static_cast<uint8_t>(suffix >> (8 * i));
    return true;
}

// 100,000 random entries of mixed lengths crowded into small address ranges,
// so that overlaps and duplicate prefixes are common in both directions,
// checked against the naive reference.
TEST(Eamt, RandomMixedLengthsMatchLinearReference) {
    std::mt19937_64 rng(7757'33);
    const Ipv6Addr bases[] = {a6("2001:db8:1::"), a6("2001:db8:2::"), a6("64:ff9b:1::")};
    auto random_suffix = [&]() -> unsigned {
        const unsigned r = rng() % 100;
        if (r < 60) return 0;
        if (r < 95) return 1 + rng() % 8;
        if (r < 99) return 9 + rng() % 16;
        return 25 + rng() % 8;
    };
    auto v4_in_range = [&]() { return 0x0a000000u | static_cast<uint32_t>(rng() % 65536); };
    auto v6_in_range = [&](uint32_t low) {
        Ipv6Addr a = bases[rng() % 3];
        for (int i = 0; i < 4; ++i)
            a.b[15 - i] = static_cast<uint8_t>(low >> (8 * i));
        return a;
    };

    std::vector<EamtEntry> entries;
    for (int i = 0; i < 100000; ++i) {
        const unsigned s = random_suffix();
        const uint32_t smask = s == 32 ? ~0u : (1u << s) - 1;
        EamtEntry e;
        e.ipv4 = {v4_in_range() & ~smask, static_cast<uint8_t>(32 - s)};
        e.ipv6 = {v6_in_range(static_cast<uint32_t>(rng() % 65536) & ~smask),
                  static_cast<uint8_t>(128 - s)};
        entries.push_back(e);
    }
    const Eamt t(entries);

    int hits4 = 0, hits6 = 0;
    for (int i = 0; i < 1500; ++i) {
        // Mostly inside the crowded ranges, sometimes anywhere.
        const uint32_t v4 = i % 10 == 0 ? static_cast<uint32_t>(rng()) : v4_in_range();
        Ipv6Addr want6, got6;
        const bool ref4 = ref_v4_to_v6(entries, v4, want6);
        ASSERT_EQ(t.v4_to_v6(v4, got6.b.data()), ref4) << fmt4(v4);
        if (ref4) {
            ASSERT_EQ(fmt6(got6.b.data()), fmt6(want6.b.data())) << fmt4(v4);
            ++hits4;
        }

        Ipv6Addr v6 = v6_in_range(i % 10 == 0 ? static_cast<uint32_t>(rng())
                                              : static_cast<uint32_t>(rng() % 65536));
        if (i % 50 == 0) v6.b[7] ^= 1;  // outside every base
        uint32_t want4 = 0, got4 = 0;
        const bool ref6 = ref_v6_to_v4(entries, v6, want4);
        ASSERT_EQ(t.v6_to_v4(v6.b.data(), got4), ref6) << fmt6(v6.b.data());
        if (ref6) {
            ASSERT_EQ(fmt4(got4), fmt4(want4)) << fmt6(v6.b.data());
            ++hits6;
        }
    }
    // The generator should exercise both outcomes.
    EXPECT_GT(hits4, 500);
    EXPECT_GT(hits6, 500);
}

// Many small tables (a few slots each, so probe groups wrap around the end of
// the slot array all the time) against the naive reference, with every
// query inside a 256-address range so hits, misses and overlaps all occur.
TEST(Eamt, RandomSmallTablesMatchLinearReference) {
    std::mt19937_64 rng(7757'1);
    const Ipv6Addr base = a6("2001:db8:5::");
    for (int trial = 0; trial < 3000; ++trial) {
        std::vector<EamtEntry> entries;
        const int n = 1 + static_cast<int>(rng() % 24);
        for (int i = 0; i < n; ++i) {
            const unsigned s = rng() % 4 == 0 ? static_cast<unsigned>(rng() % 6) : 0;
            const uint32_t low = static_cast<uint32_t>(rng() % 256) & ~((1u << s) - 1);
            EamtEntry e{{base, static_cast<uint8_t>(128 - s)},
                        {0xc0000200u | low, static_cast<uint8_t>(32 - s)}};
            e.ipv6.addr.b[15] = static_cast<uint8_t>(rng() % 256) & ~((1u << s) - 1);
            entries.push_back(e);
        }
        const Eamt t(entries);
        for (uint32_t low = 0; low < 256; ++low) {
            const uint32_t v4 = 0xc0000200u | low;
            Ipv6Addr want6, got6;
            const bool ref4 = ref_v4_to_v6(entries, v4, want6);
            ASSERT_EQ(t.v4_to_v6(v4, got6.b.data()), ref4) << trial << " " << fmt4(v4);
            if (ref4) {
                ASSERT_EQ(fmt6(got6.b.data()), fmt6(want6.b.data())) << trial;
            }

            Ipv6Addr v6 = base;
            v6.b[15] = static_cast<uint8_t>(low);
            uint32_t want4 = 0, got4 = 0;
            const bool ref6 = ref_v6_to_v4(entries, v6, want4);
            ASSERT_EQ(t.v6_to_v4(v6.b.data(), got4), ref6) << trial << " " << fmt6(v6.b.data());
            if (ref6) {
                ASSERT_EQ(got4, want4) << trial;
            }
        }
    }
}

}  // namespace
}  // namespace nat64
