// nat64d as the IPv6 router of a VNet's guests (issue #8): what its Router
// Advertisements say (from the VNet's spec) and when unsolicited ones go
// out (RFC 4861 §6.2.4-§6.2.6).  Pure: no I/O, and time is the caller's, so
// the unit tests drive the schedule with a simulated clock.  Sending is
// ra_service.cpp's (OpenFlow packet-out).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "nat64d/model.hpp"
#include "nat64d/ra.hpp"

namespace nat64d {

// The resolvers a VNet's RAs announce in RDNSS (RFC 8106): the zone's
// dns64-server; else, when nat64d runs a local resolver for the VNet
// (vnet_dns64_config()), the gateway addresses it listens on; else none.
std::vector<nat64::Ipv6Addr> rdnss_servers(const VNetSpec &spec);

// The RA contents of spec's VNet: the router's MAC and link-local address
// on the bridge, a Prefix Information option per subnet, the zone's MTU,
// RDNSS (rdnss_servers) and PREF64 = pool6 (RFC 8781; none without pool6).
// Lifetimes are ra.hpp's defaults, based on MaxRtrAdvInterval.
RaConfig vnet_ra_config(const VNetSpec &spec, const Mac &router_mac,
                        const nat64::Ipv6Addr &router_ip);

// What a router no longer offers after its RA changed, to be sent with
// lifetime 0 in the next RAs (RaConfig::rdnss_withdrawn/pref64_withdrawn,
// and prefixes with preferred lifetime 0) so that guests drop it at once
// rather than when its lifetime runs out (30 minutes for a resolver or
// NAT64 prefix, 7 days for an address).
struct RaWithdrawn {
    std::vector<nat64::Ipv6Prefix> prefixes;
    std::vector<nat64::Ipv6Addr> rdnss;
    std::vector<nat64::Ipv6Prefix> pref64;
    bool empty() const { return prefixes.empty() && rdnss.empty() && pref64.empty(); }
    bool operator==(const RaWithdrawn &) const = default;
};

// RFC 4862 §5.5.3 e: a host lowers an address's valid lifetime to no less
// than two hours from an unauthenticated RA; preferred lifetime 0
// deprecates it at once (new connections use other addresses).
inline constexpr uint32_t kWithdrawnValidLifetime = 7200;

// What goes from 'before' to 'after' (a withdrawal still pending,
// 'pending', carries on unless 'after' offers it again).
RaWithdrawn ra_withdrawn(const RaConfig &before, const RaConfig &after, const RaWithdrawn &pending);

// cfg plus w: each withdrawn prefix as a Prefix Information option with
// preferred lifetime 0 and valid lifetime kWithdrawnValidLifetime, the
// resolvers and NAT64 prefixes in options of lifetime 0.
RaConfig with_withdrawn(const RaConfig &cfg, const RaWithdrawn &w);

// The final RA of a router that stops advertising (RFC 4861 §6.2.5): cfg
// with router lifetime 0, every prefix withdrawn as above, resolvers and
// NAT64 prefixes with lifetime 0.
RaConfig final_ra(const RaConfig &cfg);

// When to send unsolicited (multicast) RAs on one link.  RFC 4861:
// - §6.2.4: when the link becomes advertising (and when what is advertised
//   changes: start() again), the first MAX_INITIAL_RTR_ADVERTISEMENTS (3)
//   go at most MAX_INITIAL_RTR_ADVERT_INTERVAL (16 s) apart, the first at
//   once; after that one every random interval in [MinRtrAdvInterval,
//   MaxRtrAdvInterval].
// - §6.2.6: consecutive multicast RAs are at least MIN_DELAY_BETWEEN_RAS
//   (3 s) apart; a multicast answer to a solicitation resets the interval
//   timer as if it were unsolicited.
class RaSchedule {
  public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::chrono::seconds kMaxInitialInterval{16};
    static constexpr unsigned kMaxInitialAdvertisements = 3;
    static constexpr std::chrono::seconds kMinDelayBetweenRas{3};
    // §6.2.1: MinRtrAdvInterval defaults to 0.33 x MaxRtrAdvInterval.
    static constexpr std::chrono::seconds kMinInterval{200};
    static constexpr std::chrono::seconds kMaxInterval{kMaxRtrAdvInterval};

    explicit RaSchedule(uint32_t seed = std::random_device{}()) : rng_(seed) {}

    // The link starts advertising, or its RA changed: initial RAs again.
    void start(Clock::time_point now);
    // When the next multicast RA is due (Clock::time_point::max() before
    // start()).
    Clock::time_point next() const { return next_; }
    // A solicitation from :: wants a multicast answer: as soon as
    // MIN_DELAY_BETWEEN_RAS allows.
    void solicited(Clock::time_point now);
    // Call after a multicast RA went out at 'now': schedules the next one.
    void sent(Clock::time_point now);
    unsigned initial_left() const { return initial_left_; }

  private:
    std::mt19937 rng_;
    Clock::time_point next_ = Clock::time_point::max();
    std::optional<Clock::time_point> last_;
    unsigned initial_left_ = 0;
};

}  // namespace nat64d
