#include "instance.hpp"

#include "epoch.hpp"
#include "xlat.hpp"

namespace nat64 {

Instance::Instance(std::unique_ptr<const Snapshot> snap)
    : id_(snap->cfg.instance), snap_(snap.release()) {
    reshape_state(snapshot()->cfg);
}

Instance::~Instance() {
    delete snap_.load();
    delete state_.load();
}

// Stateful tables exist only with pool4.  They are sized for max-sessions;
// raising it beyond their capacity moves every entry into bigger tables.
void Instance::reshape_state(const InstanceConfig &cfg) {
    State *cur = state_.load(std::memory_order_acquire);
    State *next = cur;
    if (cfg.pool4.empty()) {
        next = nullptr;
    } else if (!cur) {
        next = new State(cfg.max_sessions);
    } else if (cur->capacity() < cfg.max_sessions) {
        next = new State(cfg.max_sessions);
        next->migrate_from(*cur);
    }
    if (next != cur) {
        state_.store(next, std::memory_order_release);
        Epoch::synchronize();
        delete cur;
    }
    if (next) next->apply(cfg, last_now());
}

void Instance::replace(std::unique_ptr<const Snapshot> snap) {
    const Snapshot *old = snap_.exchange(snap.release(), std::memory_order_acq_rel);
    Epoch::synchronize();
    delete old;
    reshape_state(snapshot()->cfg);
}

size_t Instance::translate(nat64_pkt *pkts, size_t n, uint64_t now_ms, unsigned flags) noexcept {
    const Snapshot &s = *snap_.load(std::memory_order_acquire);
    const bool dry = flags & NAT64_F_DRY_RUN;
    const Burst b{state_.load(std::memory_order_acquire), now_ms, dry};
    size_t passed = 0;
    if (b.state && n > 1) prefetch_state(s, *b.state, pkts, n);
    for (size_t i = 0; i < n; i++) {
        nat64_pkt &p = pkts[i];
        p.frag_size = 0;
        if (p.len == 0 || p.l3 == nullptr) {
            set_drop(p, NAT64_C_DROP_TRUNCATED);
            continue;
        }
        switch (p.l3[0] >> 4) {
            case 6:
                xlat_6to4(s, b, p);
                break;
            case 4:
                xlat_4to6(s, b, p);
                break;
            default:
                set_drop(p, NAT64_C_DROP_NOT_IP);
                break;
        }
        passed += p.verdict != NAT64_DROP;
    }
    if (!dry) {
        if (b.state) b.state->tick(s.cfg, now_ms);
        if (now_ms > last_now_.load(std::memory_order_relaxed))
            last_now_.store(now_ms, std::memory_order_relaxed);
        // Count locally, then touch each shared counter once per burst.
        uint32_t local[NAT64_C_N] = {};
        for (size_t i = 0; i < n; i++)
            local[pkts[i].reason]++;
        for (unsigned c = 0; c < NAT64_C_N; c++) {
            if (local[c]) counters_[c].fetch_add(local[c], std::memory_order_relaxed);
        }
    }
    return passed;
}

}  // namespace nat64
