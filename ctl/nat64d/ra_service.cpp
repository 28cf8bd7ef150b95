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

}  // namespace

struct RaService::Link {
    std::string vnet;
    VNetSpec spec;
    n64_svc *svc = nullptr;
    std::optional<RaConfig> cfg;  // nullopt until the bridge's device is there
    std::vector<uint8_t> multicast;
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
// it as their default router, and the host's kernel answers ND for it).
void RaService::refresh(Link &l, const VNetSpec &spec, Clock::time_point now) {
    l.spec = spec;
    auto link = nl_.link(spec.vnet);
    if (!link) {
        l.cfg.reset();
        return;
    }
    std::optional<nat64::Ipv6Addr> ll;
    for (const auto &[a, len] : nl_.ipv6_addresses(spec.vnet)) {
        if (is_link_local(a)) {
            ll = a;
            break;
        }
    }
    RaConfig cfg = vnet_ra_config(spec, link->mac, ll ? *ll : link_local_from_mac(link->mac));
    if (l.cfg && *l.cfg == cfg) return;
    RaFrame frame = build_ra(cfg, kAllNodesMac, kAllNodes);
    if (!frame.ok()) {
        if (frame.error != l.problem) {
            spdlog::error("vnet {}: no router advertisements: {}", l.vnet, frame.error);
            l.problem = frame.error;
        }
        l.cfg.reset();
        return;
    }
    spdlog::info("vnet {}: advertising {}", l.vnet, describe(cfg));
    l.cfg = cfg;
    l.multicast = std::move(frame.bytes);
    l.schedule.start(now);  // §6.2.4: changed information goes out at once
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
// router lifetime 0, and the RDNSS (RFC 8106 §5.1) and PREF64 (RFC 8781
// §4) lifetimes 0 withdraw those too.  Best effort: the bridge may be gone.
void RaService::withdraw(Link &l) {
    if (l.svc == nullptr || !l.cfg) return;
    RaConfig last = *l.cfg;
    last.router_lifetime = 0;
    last.rdnss.lifetime = 0;
    if (last.pref64) last.pref64->lifetime = 0;
    RaFrame f = build_ra(last, kAllNodesMac, kAllNodes);
    if (f.ok()) send(l, f.bytes, N64_PORT_ALL);
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
        RaFrame ra = build_ra(*l.cfg, dst.mac, dst.ip);
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
        if (l.svc != nullptr && l.cfg && now >= l.schedule.next()) {
            if (send(l, l.multicast, N64_PORT_ALL)) l.counters.ra_unsolicited++;
            l.schedule.sent(now);
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

std::map<std::string, RaService::Counters> RaService::counters() const {
    std::map<std::string, Counters> out;
    for (const auto &[vnet, l] : links_)
        out.emplace(vnet, l->counters);
    return out;
}

}  // namespace nat64d
