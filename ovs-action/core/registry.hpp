// The process-wide set of translator instances, by id.  Readers (datapath
// threads) look instances up without locks through an immutable table that
// writers replace whole; writers serialise on a mutex.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "instance.hpp"
#include "nat64/config.hpp"

namespace nat64 {

class Registry {
  public:
    static Registry &get();

    // Lookup; the caller holds an Epoch::Guard for as long as it uses the
    // result.
    Instance *find(uint32_t id) const noexcept;

    // Creates the instance or replaces its whole configuration.
    void set(InstanceConfig cfg);
    // False if there is no such instance.
    bool del(uint32_t id);
    // Applies 'edit' to a copy of the instance's configuration, validates
    // the result like a new document and swaps it in; throws ConfigError
    // (nothing changes) on failure.  False if there is no such instance.
    bool edit(uint32_t id, const std::function<void(InstanceConfig &)> &fn);

    // Calls fn(instance) under the registry lock, so the instance cannot be
    // deleted meanwhile.  False if there is no such instance.
    bool visit(uint32_t id, const std::function<void(Instance &)> &fn);
    // Same for every instance.
    void visit_all(const std::function<void(Instance &)> &fn);

    // Copies of the configurations (all, or one), for show.
    std::vector<InstanceConfig> configs() const;
    std::optional<InstanceConfig> config(uint32_t id) const;
    // The instance's counters, indexed by enum nat64_counter.
    std::optional<std::array<uint64_t, NAT64_C_N>> counters(uint32_t id) const;
    void clear();

    void count_unknown(uint64_t n) noexcept { unknown_.fetch_add(n, std::memory_order_relaxed); }
    uint64_t unknown() const noexcept { return unknown_.load(std::memory_order_relaxed); }

  private:
    using Table = std::vector<std::pair<uint32_t, Instance *>>;  // sorted by id
    void publish(Table *t);

    std::atomic<const Table *> table_{nullptr};
    mutable std::mutex mu_;
    std::atomic<uint64_t> unknown_{0};
};

}  // namespace nat64
