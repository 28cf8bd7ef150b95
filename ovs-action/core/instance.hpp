// A translator instance: one per VNet.  Holds the current configuration
// snapshot (swapped whole, RCU-style), the stateful NAT64 tables (which
// outlive configuration changes) and the instance's counters.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>

#include "nat64/nat64.h"
#include "snapshot.hpp"
#include "state.hpp"

namespace nat64 {

class Instance {
  public:
    explicit Instance(std::unique_ptr<const Snapshot> snap);
    ~Instance();
    Instance(const Instance &) = delete;
    Instance &operator=(const Instance &) = delete;

    uint32_t id() const noexcept { return id_; }

    // Translates a burst.  The caller holds an Epoch::Guard.
    size_t translate(nat64_pkt *pkts, size_t n, uint64_t now_ms, unsigned flags) noexcept;

    // Publishes a new configuration and frees the old one once no burst can
    // still see it; then brings the stateful tables in line with it
    // (sessions whose pool4 transport address is unchanged survive).
    // Control path only; callers serialise among themselves.
    void replace(std::unique_ptr<const Snapshot> snap);

    // The current snapshot; valid while the caller holds an Epoch::Guard or
    // is the (serialised) control path.
    const Snapshot *snapshot() const noexcept { return snap_.load(std::memory_order_acquire); }
    // The stateful tables (null without pool4); same validity.
    State *state() const noexcept { return state_.load(std::memory_order_acquire); }
    // The latest clock value a burst brought, for control-path operations
    // that need "now" (expiry, show).
    uint64_t last_now() const noexcept { return last_now_.load(std::memory_order_relaxed); }

    uint64_t counter(unsigned c) const noexcept {
        return counters_[c].load(std::memory_order_relaxed);
    }

  private:
    void reshape_state(const InstanceConfig &cfg);

    uint32_t id_;
    std::atomic<const Snapshot *> snap_;
    std::atomic<State *> state_{nullptr};
    std::atomic<uint64_t> last_now_{0};
    // Updated once per burst, not per packet (see translate()).
    std::array<std::atomic<uint64_t>, NAT64_C_N> counters_{};
};

}  // namespace nat64
