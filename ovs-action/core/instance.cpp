#include "instance.hpp"

#include "epoch.hpp"
#include "xlat.hpp"

namespace nat64 {

Instance::Instance(std::unique_ptr<const Snapshot> snap)
    : id_(snap->cfg.instance), snap_(snap.release()) {}

Instance::~Instance() {
    delete snap_.load();
}

void Instance::replace(std::unique_ptr<const Snapshot> snap) {
    const Snapshot *old = snap_.exchange(snap.release(), std::memory_order_acq_rel);
    Epoch::synchronize();
    delete old;
}

size_t Instance::translate(nat64_pkt *pkts, size_t n, uint64_t now_ms, unsigned flags) noexcept {
    (void)now_ms;  // the clock of stateful translation (RFC 6146 timers)
    const Snapshot &s = *snap_.load(std::memory_order_acquire);
    size_t passed = 0;
    for (size_t i = 0; i < n; i++) {
        nat64_pkt &p = pkts[i];
        p.frag_size = 0;
        if (p.len == 0 || p.l3 == nullptr) {
            set_drop(p, NAT64_C_DROP_TRUNCATED);
            continue;
        }
        switch (p.l3[0] >> 4) {
            case 6:
                xlat_6to4(s, p);
                break;
            case 4:
                xlat_4to6(s, p);
                break;
            default:
                set_drop(p, NAT64_C_DROP_NOT_IP);
                break;
        }
        passed += p.verdict != NAT64_DROP;
    }
    if (!(flags & NAT64_F_DRY_RUN)) {
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
