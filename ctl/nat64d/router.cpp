#include "nat64d/router.hpp"

#include <algorithm>

namespace nat64d {

std::vector<nat64::Ipv6Addr> rdnss_servers(const VNetSpec &spec) {
    if (spec.dns64_server) return {*spec.dns64_server};
    std::vector<nat64::Ipv6Addr> out;
    if (spec.dns64 != Dns64Mode::local) return out;
    for (const auto &s : spec.subnets) {
        if (s.gateway && std::find(out.begin(), out.end(), *s.gateway) == out.end())
            out.push_back(*s.gateway);
    }
    return out;
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
