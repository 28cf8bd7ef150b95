// nat64d's router advertisement service (issue #8): per VNet with "ra" on,
// a long-lived OpenFlow service connection to its bridge that receives the
// Router Solicitations our flows send to the controller (flows.cpp) and
// sends Router Advertisements as packet-outs: an answer to each RS at once,
// and the unsolicited ones RaSchedule says (RFC 4861 §6.2.4).  Why nat64d
// and not radvd: Debian 12's radvd has no PREF64 (RFC 8781).
//
// Single-threaded: the daemon's loop calls update() after each
// reconciliation pass, run() after every wake-up and wait() before it
// blocks in OVS's poll loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "nat64d/model.hpp"
#include "nat64d/netlink.hpp"

namespace nat64d {

class RaService {
  public:
    using Clock = std::chrono::steady_clock;

    // What one VNet's router did since it started advertising, logged
    // when it stops.
    struct Counters {
        uint64_t rs_received = 0;      // packet-ins from our RS flows
        uint64_t rs_invalid = 0;       // refused by RFC 4861 §6.1.1 validation
        uint64_t rs_rate_limited = 0;  // not looked at: over its port's kMaxAnswersPerSecond
        uint64_t ra_solicited = 0;     // unicast answers sent
        uint64_t ra_unsolicited = 0;   // multicast RAs sent
        uint64_t send_errors = 0;      // packet-outs that could not be sent
    };

    // Unicast answers per port (guest) and second at most: a guest
    // flooding RSs gets no more, and the others on its VNet still get
    // theirs.
    static constexpr unsigned kMaxAnswersPerSecond = 50;

    // rundir: where the bridges' <bridge>.mgmt sockets are.
    RaService(std::string rundir, Netlink &nl);
    // Closes the connections without a final RA: a restarting nat64d must
    // not withdraw the router from the guests.
    ~RaService();
    RaService(const RaService &) = delete;
    RaService &operator=(const RaService &) = delete;

    // The VNets nat64d runs now (Reconciler::running()): starts advertising
    // on new VNets with "ra" on, starts the initial RAs again where the
    // contents changed (§6.2.4), and stops on VNets that are gone or turned
    // "ra" off, with a final RA of router lifetime 0 (§6.2.5).
    void update(const std::map<std::string, VNetSpec> &vnets);
    // The VNet is about to go (Reconciler::on_remove): its final RA now,
    // while the bridge is still there.
    void remove(const std::string &vnet);
    // Answers the solicitations that arrived, sends the RAs that are due,
    // reconnects lost connections (at most once a second per VNet).
    void run();
    // Registers the connections and the next deadline with the poll loop.
    void wait();

  private:
    struct Link;
    void open(Link &l, Clock::time_point now);
    void close(Link &l, const std::string &why);
    void refresh(Link &l, const VNetSpec &spec, Clock::time_point now);
    void receive(Link &l, Clock::time_point now);
    bool send(Link &l, const std::vector<uint8_t> &frame, uint32_t port);
    void withdraw(Link &l);
    void rebuild(Link &l);
    using LinkMap = std::map<std::string, std::unique_ptr<Link>>;
    LinkMap::iterator stop(LinkMap::iterator it, const char *why);

    std::string rundir_;
    Netlink &nl_;
    LinkMap links_;
};

}  // namespace nat64d
