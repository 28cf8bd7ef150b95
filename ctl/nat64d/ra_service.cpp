#include "nat64d/ra_service.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "nat64d/flows.hpp"
#include "nat64d/ovs_glue.h"
#include "nat64d/prefixes.hpp"
#include "nat64d/router.hpp"

namespace nat64d {

namespace {

// How long a VNet waits before it tries its bridge's socket again.
constexpr std::chrono::seconds kRetry{1};
// Packet-ins handled per VNet and run(): one busy VNet cannot starve the
// others or the reconciliation passes.
constexpr int kMaxPacketInsPerRun = 64;

std::string describe(const RaConfig &c) {
    std::string p;
    for (const auto &x : c.prefixes)
        p += (p.empty() ? "" : " ") + nat64::format_prefix(x.prefix);
    std::string r;
    for (const auto &a : c.rdnss.servers)
        r += (r.empty() ? "" : " ") + nat64::format_ipv6(a);
    return fmt::format("from {} ({}): prefixes [{}], MTU {}, RDNSS [{}], PREF64 {}",
                       nat64::format_ipv6(c.router_ip), format_mac(c.router_mac), p,
                       c.mtu ? std::to_string(*c.mtu) : "-", r,
                       c.pref64 ? nat64::format_prefix(c.pref64->prefix) : "-");
}

std::string describe(const RaWithdrawn &w) {
    std::string out;
    auto add = [&](const std::string &what, const std::string &x) {
        out += (out.empty() ? "" : ", ") + what + " " + x;
    };
    for (const auto &p : w.prefixes)
        add("prefix", nat64::format_prefix(p));
    for (const auto &a : w.rdnss)
        add("RDNSS", nat64::format_ipv6(a));
    for (const auto &p : w.pref64)
        add("PREF64", nat64::format_prefix(p));
    return out;
}

}  // namespace

struct RaService::Link {
    std::string vnet;
    VNetSpec spec;
    n64_svc *svc = nullptr;
    std::optional<RaConfig> cfg;  // nullopt until the bridge's device is there
    // What the last changes took away, sent with lifetime 0 in the initial
    // RAs that follow a change (router.hpp, RaWithdrawn).
    RaWithdrawn withdrawn;
    unsigned withdraw_left = 0;      // multicast RAs that still carry it
    std::vector<uint8_t> multicast;  // the next multicast RA, built from advertised()

    RaConfig advertised() const {
        return withdraw_left > 0 ? with_withdrawn(*cfg, withdrawn) : *cfg;
    }
    RaSchedule schedule;
    Clock::time_point retry{};  // no connection attempt before this
    // Token buckets of unicast answers (kMaxAnswersPerSecond), per port:
    // a guest flooding RSs uses up its own port's answers, not its
    // neighbours'.  As many as the bridge has ports.
    struct Bucket {
        Clock::time_point time{};
        double tokens = kMaxAnswersPerSecond;
    };
    std::map<uint32_t, Bucket> buckets;
    Counters counters;
    std::string problem;  // the last problem logged, so it is logged once
};

RaService::RaService(std::string rundir, Netlink &nl) : rundir_(std::move(rundir)), nl_(nl) {}

RaService::~RaService() {
    for (auto &[vnet, l] : links_)
        n64_svc_close(l->svc);
}

void RaService::open(Link &l, Clock::time_point now) {
    if (l.svc != nullptr || now < l.retry) return;
    l.retry = now + kRetry;
    const std::string target = "unix:" + rundir_ + "/" + l.vnet + ".mgmt";
    char *err = nullptr;
    if (n64_svc_open(target.c_str(), &l.svc, &err) != 0) {
        std::string msg = err != nullptr ? err : "cannot connect";
        n64_free(err);
        if (msg != l.problem) {
            spdlog::warn("vnet {}: router advertisements wait for the bridge: {}", l.vnet, msg);
            l.problem = msg;
        }
        return;
    }
    if (!l.problem.empty()) spdlog::info("vnet {}: connected to {}", l.vnet, target);
    l.problem.clear();
    // A new connection may be a restarted ovs-vswitchd: the guests hear
    // from their router at once (§6.2.4's initial RAs).
    l.schedule.start(now);
}

void RaService::close(Link &l, const std::string &why) {
    if (l.svc == nullptr) return;
    n64_svc_close(l.svc);
    l.svc = nullptr;
    if (why != l.problem) {
        spdlog::warn("vnet {}: router advertisements interrupted: {}", l.vnet, why);
        l.problem = why;
    }
}

// The RA contents follow the spec and the bridge's own addresses: its MAC
// and its link-local address (RFC 4861 §4.2: the RA's source; guests use
// it as their default router, and the host's kernel answers ND for it, so
// it must be one the kernel owns: not tentative, not DAD-failed).
void RaService::refresh(Link &l, const VNetSpec &spec, Clock::time_point now) {
    l.spec = spec;
    auto link = nl_.link(spec.vnet);
    std::optional<nat64::Ipv6Addr> ll;
    if (link) ll = nl_.usable_link_local(spec.vnet);
    if (!link || !ll) {
        const std::string why = !link ? "no device " + spec.vnet
                                      : "no usable link-local address on " + spec.vnet +
                                            " yet (IPv6 disabled, or DAD running)";
        if (why != l.problem) {
            spdlog::warn("vnet {}: router advertisements wait: {}", l.vnet, why);
            l.problem = why;
        }
        return;  // what was advertised stays so until there is one
    }
    RaConfig cfg = vnet_ra_config(spec, link->mac, *ll);
    if (l.cfg && *l.cfg == cfg) return;
    if (auto err = ra_config_error(cfg)) {
        if (*err != l.problem) {
            spdlog::error("vnet {}: no router advertisements: {}", l.vnet, *err);
            l.problem = *err;
        }
        return;
    }
    if (l.cfg && (l.cfg->router_ip != cfg.router_ip || l.cfg->router_mac != cfg.router_mac)) {
        // RFC 4861 §6.2.8: a router whose link-local address changes says
        // goodbye from the old one, or guests keep a default router
        // nobody answers for.  Everything else starts afresh.
        spdlog::info("vnet {}: the router's address changes from {} to {}", l.vnet,
                     nat64::format_ipv6(l.cfg->router_ip), nat64::format_ipv6(cfg.router_ip));
        withdraw(l);
        l.withdrawn = {};
        l.withdraw_left = 0;
    } else if (l.cfg) {
        l.withdrawn = ra_withdrawn(*l.cfg, cfg, l.withdraw_left > 0 ? l.withdrawn : RaWithdrawn{});
        l.withdraw_left = l.withdrawn.empty() ? 0 : RaSchedule::kMaxInitialAdvertisements;
    }
    spdlog::info("vnet {}: advertising {}", l.vnet, describe(cfg));
    if (l.withdraw_left > 0) spdlog::info("vnet {}: withdrawing {}", l.vnet, describe(l.withdrawn));
    l.cfg = cfg;
    rebuild(l);
    l.schedule.start(now);  // §6.2.4: changed information goes out at once
}

// The multicast RA, from what is advertised now.  Withdrawals that would
// make it too large for the link are left out rather than the RA.
void RaService::rebuild(Link &l) {
    RaFrame f = build_ra(l.advertised(), kAllNodesMac, kAllNodes);
    if (!f.ok() && l.withdraw_left > 0) {
        spdlog::warn("vnet {}: withdrawals left out: {}", l.vnet, f.error);
        l.withdraw_left = 0;
        f = build_ra(l.advertised(), kAllNodesMac, kAllNodes);
    }
    l.multicast = std::move(f.bytes);
}

RaService::LinkMap::iterator RaService::stop(LinkMap::iterator it, const char *why) {
    Link &l = *it->second;
    withdraw(l);
    const Counters &c = l.counters;
    spdlog::info(
        "vnet {}: router advertisements stopped ({}; {} RS, {} invalid, {} rate-limited, {} RA "
        "answered, {} unsolicited, {} send errors)",
        l.vnet, why, c.rs_received, c.rs_invalid, c.rs_rate_limited, c.ra_solicited,
        c.ra_unsolicited, c.send_errors);
    n64_svc_close(l.svc);
    return links_.erase(it);
}

void RaService::remove(const std::string &vnet) {
    auto it = links_.find(vnet);
    if (it != links_.end()) stop(it, "VNet gone");
}

void RaService::update(const std::map<std::string, VNetSpec> &vnets) {
    const auto now = Clock::now();
    for (auto it = links_.begin(); it != links_.end();) {
        auto v = vnets.find(it->first);
        if (v != vnets.end() && v->second.ra) {
            ++it;
            continue;
        }
        it = stop(it, v == vnets.end() ? "VNet gone" : "ra off");
    }
    for (const auto &[vnet, spec] : vnets) {
        if (!spec.ra) continue;
        auto &slot = links_[vnet];
        if (!slot) {
            slot = std::make_unique<Link>();
            slot->vnet = vnet;
        }
        try {
            refresh(*slot, spec, now);
        } catch (const std::exception &e) {
            spdlog::error("vnet {}: router advertisements: {}", vnet, e.what());
        }
        open(*slot, now);
    }
}

bool RaService::send(Link &l, const std::vector<uint8_t> &frame, uint32_t port) {
    char *err = nullptr;
    int rc = n64_svc_send(l.svc, frame.data(), frame.size(), port, &err);
    if (rc == 0) return true;
    std::string msg = err != nullptr ? err : "send failed";
    n64_free(err);
    l.counters.send_errors++;
    if (rc != EAGAIN) close(l, msg);
    return false;
}

// §6.2.5: an interface that stops advertising sends a final RA with
// router lifetime 0; the RDNSS (RFC 8106 §5.1) and PREF64 (RFC 8781 §4)
// lifetimes 0 withdraw those too, preferred lifetime 0 the addresses
// (final_ra).  Sent synchronously, so it is out before the connection
// closes or the bridge goes; best effort: the bridge may be gone already.
void RaService::withdraw(Link &l) {
    if (l.svc == nullptr || !l.cfg) return;
    RaFrame f = build_ra(final_ra(l.advertised()), kAllNodesMac, kAllNodes);
    if (!f.ok()) f = build_ra(final_ra(*l.cfg), kAllNodesMac, kAllNodes);
    if (!f.ok()) return;
    char *err = nullptr;
    if (n64_svc_send_sync(l.svc, f.bytes.data(), f.bytes.size(), N64_PORT_ALL, &err) != 0) {
        l.counters.send_errors++;
        spdlog::warn("vnet {}: final router advertisement not sent: {}", l.vnet,
                     err != nullptr ? err : "send failed");
    } else {
        l.counters.ra_unsolicited++;
    }
    n64_free(err);
}

void RaService::receive(Link &l, Clock::time_point now) {
    for (int i = 0; i < kMaxPacketInsPerRun && l.svc != nullptr; i++) {
        const uint8_t *frame = nullptr;
        size_t len = 0;
        uint32_t in_port = 0;
        uint64_t cookie = 0;
        char *err = nullptr;
        int rc = n64_svc_recv(l.svc, &frame, &len, &in_port, &cookie, &err);
        if (rc == EAGAIN) return;
        if (rc == ENOMSG) {  // an RA the switch refused
            l.counters.send_errors++;
            spdlog::debug("vnet {}: {}", l.vnet, err != nullptr ? err : "refused");
            n64_free(err);
            continue;
        }
        if (rc != 0) {
            std::string msg = err != nullptr ? err : "receive failed";
            n64_free(err);
            close(l, msg);
            return;
        }
        // Only packet-ins of our RS flows on this bridge.
        if (cookie != vnet_cookie(l.spec.instance.instance)) continue;
        l.counters.rs_received++;
        // The port's budget first: a flood costs no parsing beyond it.
        Link::Bucket &b = l.buckets[in_port];
        double elapsed = std::chrono::duration<double>(now - b.time).count();
        b.time = now;
        b.tokens =
            std::min<double>(kMaxAnswersPerSecond, b.tokens + elapsed * kMaxAnswersPerSecond);
        if (b.tokens < 1) {
            l.counters.rs_rate_limited++;
            continue;
        }
        b.tokens -= 1;
        auto rs = parse_rs(frame, len);
        if (!rs) {
            l.counters.rs_invalid++;
            continue;
        }
        if (!l.cfg) continue;
        RaDestination dst = ra_destination(*rs);
        if (is_multicast(dst.ip)) {
            // From ::, the host cannot take a unicast answer: a multicast
            // RA, rate-limited by MIN_DELAY_BETWEEN_RAS (§6.2.6).
            l.schedule.solicited(now);
            continue;
        }
        RaFrame ra = build_ra(l.advertised(), dst.mac, dst.ip);
        if (ra.ok() && send(l, ra.bytes, in_port)) {
            l.counters.ra_solicited++;
            spdlog::debug("vnet {}: RS from {} on port {}: answered", l.vnet,
                          nat64::format_ipv6(rs->ip_src), in_port);
        }
    }
}

void RaService::run() {
    const auto now = Clock::now();
    for (auto &[vnet, lp] : links_) {
        Link &l = *lp;
        if (l.svc == nullptr) {
            if (now < l.retry) continue;
            try {
                if (!l.cfg) refresh(l, l.spec, now);
            } catch (const std::exception &e) {
                spdlog::debug("vnet {}: {}", vnet, e.what());
            }
            open(l, now);
            if (l.svc == nullptr) continue;
        }
        receive(l, now);
        if (l.svc != nullptr && l.cfg && !l.multicast.empty() && now >= l.schedule.next()) {
            if (send(l, l.multicast, N64_PORT_ALL)) l.counters.ra_unsolicited++;
            l.schedule.sent(now);
            if (l.withdraw_left > 0 && --l.withdraw_left == 0) {
                l.withdrawn = {};
                rebuild(l);
            }
        }
    }
}

void RaService::wait() {
    const auto now = Clock::now();
    auto next = Clock::time_point::max();
    for (auto &[vnet, lp] : links_) {
        Link &l = *lp;
        if (l.svc != nullptr) {
            n64_svc_wait(l.svc);
            if (l.cfg) next = std::min(next, l.schedule.next());
        } else {
            next = std::min(next, l.retry);
        }
    }
    if (next == Clock::time_point::max()) return;
    // Rounded up: waking a little early would only spin.
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(next - now).count();
    n64_poll_timer_wait(std::max<long long>(ms, 0));
}

}  // namespace nat64d
