#include "registry.hpp"

#include <algorithm>
#include <memory>

#include "epoch.hpp"

namespace nat64 {

Registry &Registry::get() {
    static Registry r;
    return r;
}

Instance *Registry::find(uint32_t id) const noexcept {
    const Table *t = table_.load(std::memory_order_acquire);
    if (!t) return nullptr;
    auto it = std::lower_bound(t->begin(), t->end(), id,
                               [](const auto &e, uint32_t k) { return e.first < k; });
    return it != t->end() && it->first == id ? it->second : nullptr;
}

void Registry::publish(Table *t) {
    const Table *old = table_.exchange(t, std::memory_order_acq_rel);
    Epoch::synchronize();
    delete old;
}

void Registry::set(InstanceConfig cfg) {
    // Build everything before taking the lock: a big EAMT takes a while.
    auto snap = std::make_unique<const Snapshot>(std::move(cfg));
    uint32_t id = snap->cfg.instance;
    std::lock_guard lock(mu_);
    if (Instance *inst = find(id)) {
        inst->replace(std::move(snap));
        return;
    }
    const Table *cur = table_.load(std::memory_order_acquire);
    auto t = std::make_unique<Table>(cur ? *cur : Table{});
    auto inst = std::make_unique<Instance>(std::move(snap));
    auto pos = std::lower_bound(t->begin(), t->end(), id,
                                [](const auto &e, uint32_t k) { return e.first < k; });
    t->insert(pos, {id, inst.release()});  // owned by the table from here
    publish(t.release());
}

bool Registry::visit(uint32_t id, const std::function<void(Instance &)> &fn) {
    std::lock_guard lock(mu_);
    Instance *inst = find(id);
    if (!inst) return false;
    fn(*inst);
    return true;
}

void Registry::visit_all(const std::function<void(Instance &)> &fn) {
    std::lock_guard lock(mu_);
    const Table *t = table_.load(std::memory_order_acquire);
    if (!t) return;
    for (const auto &e : *t)
        fn(*e.second);
}

bool Registry::del(uint32_t id) {
    std::lock_guard lock(mu_);
    Instance *victim = find(id);
    if (!victim) return false;
    const Table *cur = table_.load(std::memory_order_acquire);
    auto t = std::make_unique<Table>();
    for (const auto &e : *cur) {
        if (e.first != id) t->push_back(e);
    }
    publish(t.release());  // waits out every burst that could see 'victim'
    delete victim;
    return true;
}

bool Registry::edit(uint32_t id, const std::function<void(InstanceConfig &)> &fn) {
    std::lock_guard lock(mu_);
    Instance *inst = find(id);
    if (!inst) return false;
    InstanceConfig cfg = inst->snapshot()->cfg;
    fn(cfg);
    // Re-validate the edited document exactly as a new one would be.
    cfg = parse_instance_config(to_json(cfg));
    inst->replace(std::make_unique<const Snapshot>(std::move(cfg)));
    return true;
}

std::vector<InstanceConfig> Registry::configs() const {
    std::lock_guard lock(mu_);
    std::vector<InstanceConfig> out;
    if (const Table *t = table_.load(std::memory_order_acquire)) {
        for (const auto &e : *t)
            out.push_back(e.second->snapshot()->cfg);
    }
    return out;
}

std::optional<InstanceConfig> Registry::config(uint32_t id) const {
    std::lock_guard lock(mu_);
    if (Instance *inst = find(id)) return inst->snapshot()->cfg;
    return std::nullopt;
}

std::optional<std::array<uint64_t, NAT64_C_N>> Registry::counters(uint32_t id) const {
    std::lock_guard lock(mu_);
    Instance *inst = find(id);
    if (!inst) return std::nullopt;
    std::array<uint64_t, NAT64_C_N> out{};
    for (unsigned c = 0; c < NAT64_C_N; c++)
        out[c] = inst->counter(c);
    return out;
}

void Registry::clear() {
    std::lock_guard lock(mu_);
    const Table *old = table_.exchange(nullptr, std::memory_order_acq_rel);
    Epoch::synchronize();
    if (old) {
        for (const auto &e : *old)
            delete e.second;
        delete old;
    }
}

}  // namespace nat64
