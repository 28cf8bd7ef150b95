#include "epoch.hpp"

#include <array>
#include <thread>

namespace nat64 {

namespace {

constexpr unsigned kSlots = 1024;

struct alignas(64) Slot {
    // 0: not inside a burst; otherwise the global epoch seen on entry.
    std::atomic<uint64_t> epoch{0};
    std::atomic<bool> owned{false};
};

std::array<Slot, kSlots> g_slots;
// Threads beyond kSlots share this counter; writers wait for it to drain.
alignas(64) std::atomic<uint64_t> g_overflow{0};
alignas(64) std::atomic<uint64_t> g_epoch{1};

struct ThreadSlot {
    Slot *slot = nullptr;
    unsigned depth = 0;
    ThreadSlot() {
        for (auto &s : g_slots) {
            bool expected = false;
            if (!s.owned.load(std::memory_order_relaxed) &&
                s.owned.compare_exchange_strong(expected, true)) {
                slot = &s;
                break;
            }
        }
    }
    ~ThreadSlot() {
        if (slot) {
            slot->epoch.store(0, std::memory_order_release);
            slot->owned.store(false, std::memory_order_release);
        }
    }
};

ThreadSlot &thread_slot() noexcept {
    thread_local ThreadSlot ts;
    return ts;
}

}  // namespace

Epoch::Guard::Guard() noexcept {
    ThreadSlot &ts = thread_slot();
    nested_ = ts.depth++ > 0;
    slot_ = ts.slot;
    if (nested_) return;
    if (ts.slot) {
        ts.slot->epoch.store(g_epoch.load(std::memory_order_relaxed), std::memory_order_relaxed);
    } else {
        g_overflow.fetch_add(1, std::memory_order_relaxed);
    }
    // Order the slot store before the reader's pointer loads.
    std::atomic_thread_fence(std::memory_order_seq_cst);
}

Epoch::Guard::~Guard() {
    ThreadSlot &ts = thread_slot();
    ts.depth--;
    if (nested_) return;
    if (slot_) {
        static_cast<Slot *>(slot_)->epoch.store(0, std::memory_order_release);
    } else {
        g_overflow.fetch_sub(1, std::memory_order_release);
    }
}

void Epoch::synchronize() noexcept {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    uint64_t target = g_epoch.fetch_add(1, std::memory_order_seq_cst) + 1;
    for (auto &s : g_slots) {
        for (;;) {
            uint64_t e = s.epoch.load(std::memory_order_acquire);
            if (e == 0 || e >= target) break;
            std::this_thread::yield();
        }
    }
    while (g_overflow.load(std::memory_order_acquire) != 0)
        std::this_thread::yield();
}

}  // namespace nat64
