#include "nat64d/router.hpp"

#include <algorithm>

#include "nat64d/dns64_supervisor.hpp"

namespace nat64d {

std::vector<nat64::Ipv6Addr> rdnss_servers(const VNetSpec &spec) {
    if (spec.dns64_server) return {*spec.dns64_server};
    // Only where a local resolver is run: the addresses it listens on.
    auto c = vnet_dns64_config(spec, {}, Dns64SupervisorOptions{}, nullptr);
    return c ? c->listen : std::vector<nat64::Ipv6Addr>{};
}

RaConfig vnet_ra_config(const VNetSpec &spec, const Mac &router_mac,
                        const nat64::Ipv6Addr &router_ip) {
    RaConfig c;
    c.router_mac = router_mac;
    c.router_ip = router_ip;
    for (const auto &s : spec.subnets)
        c.prefixes.push_back(RaPrefix{s.prefix});
    c.mtu = spec.mtu;
    c.rdnss.servers = rdnss_servers(spec);
    if (spec.instance.pool6) c.pref64 = RaPref64{*spec.instance.pool6};
    return c;
}

namespace {

template <typename T>
bool contains(const std::vector<T> &v, const T &x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

// Appends x to out unless it is there or 'now' offers it.
template <typename T>
void add_gone(std::vector<T> &out, const T &x, const std::vector<T> &now) {
    if (!contains(now, x) && !contains(out, x)) out.push_back(x);
}

std::vector<nat64::Ipv6Prefix> prefixes_of(const RaConfig &c) {
    std::vector<nat64::Ipv6Prefix> out;
    for (const auto &p : c.prefixes)
        out.push_back(p.prefix);
    return out;
}

std::vector<nat64::Ipv6Prefix> pref64_of(const RaConfig &c) {
    if (!c.pref64) return {};
    return {c.pref64->prefix};
}

}  // namespace

RaWithdrawn ra_withdrawn(const RaConfig &before, const RaConfig &after,
                         const RaWithdrawn &pending) {
    RaWithdrawn w;
    const auto now_prefixes = prefixes_of(after);
    const auto now_pref64 = pref64_of(after);
    for (const auto &p : pending.prefixes)
        add_gone(w.prefixes, p, now_prefixes);
    for (const auto &p : prefixes_of(before))
        add_gone(w.prefixes, p, now_prefixes);
    for (const auto &a : pending.rdnss)
        add_gone(w.rdnss, a, after.rdnss.servers);
    for (const auto &a : before.rdnss.servers)
        add_gone(w.rdnss, a, after.rdnss.servers);
    for (const auto &p : pending.pref64)
        add_gone(w.pref64, p, now_pref64);
    for (const auto &p : pref64_of(before))
        add_gone(w.pref64, p, now_pref64);
    return w;
}

RaConfig with_withdrawn(const RaConfig &cfg, const RaWithdrawn &w) {
    RaConfig c = cfg;
    for (const auto &p : w.prefixes)
        c.prefixes.push_back(RaPrefix{p, kWithdrawnValidLifetime, 0});
    c.rdnss_withdrawn = w.rdnss;
    c.pref64_withdrawn = w.pref64;
    return c;
}

RaConfig final_ra(const RaConfig &cfg) {
    RaConfig c = cfg;
    c.router_lifetime = 0;
    for (auto &p : c.prefixes) {
        p.preferred_lifetime = 0;
        p.valid_lifetime = std::min(p.valid_lifetime, kWithdrawnValidLifetime);
    }
    c.rdnss.lifetime = 0;
    if (c.pref64) c.pref64->lifetime = 0;
    return c;
}

void RaSchedule::start(Clock::time_point now) {
    initial_left_ = kMaxInitialAdvertisements;
    // The first at once, unless one went out less than
    // MIN_DELAY_BETWEEN_RAS ago (§6.2.6 holds for every multicast RA).
    next_ = last_ ? std::max(now, *last_ + kMinDelayBetweenRas) : now;
}

void RaSchedule::solicited(Clock::time_point now) {
    Clock::time_point earliest = last_ ? std::max(now, *last_ + kMinDelayBetweenRas) : now;
    next_ = std::min(next_, earliest);
}

void RaSchedule::sent(Clock::time_point now) {
    last_ = now;
    if (initial_left_ > 0) initial_left_--;
    std::uniform_int_distribution<long long> ms(std::chrono::milliseconds(kMinInterval).count(),
                                                std::chrono::milliseconds(kMaxInterval).count());
    std::chrono::milliseconds interval(ms(rng_));
    if (initial_left_ > 0)
        interval = std::min<std::chrono::milliseconds>(interval, kMaxInitialInterval);
    next_ = now + interval;
}

}  // namespace nat64d
