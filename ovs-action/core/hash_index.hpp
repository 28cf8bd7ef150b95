// A fixed-size hash index from 64-bit hashes to entry numbers, read without
// locks by any number of datapath threads while one writer (holding the
// owner's lock) inserts and erases.
//
// Buckets are one cache line: eight 64-bit slots, each holding a 31-bit tag
// from the hash and the entry number + 1 (0 = empty).  A lookup costs one
// cache miss for the bucket plus one for each entry whose tag matches.  A
// full bucket spills into the next one and marks itself (bit 63 of its
// first slot) so readers know to keep probing; the mark stays, which is
// harmless (one extra bucket read) and keeps erase simple.
//
// Readers may see a slot being filled or cleared; they always validate the
// entry itself (see the seqlock in state.hpp), so a stale slot is at worst a
// miss, which sends the caller to its locked slow path.
#pragma once

#include <sys/mman.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>

namespace nat64 {

// Zero-filled memory from mmap: pages are committed only when touched, so
// tables sized for max-sessions cost nothing until sessions exist.
class LazyMemory {
  public:
    LazyMemory() = default;
    explicit LazyMemory(size_t bytes) : size_(bytes ? bytes : 1) {
        void *p = mmap(nullptr, size_, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) throw std::bad_alloc();
        base_ = p;
    }
    ~LazyMemory() {
        if (base_) munmap(base_, size_);
    }
    LazyMemory(const LazyMemory &) = delete;
    LazyMemory &operator=(const LazyMemory &) = delete;
    LazyMemory(LazyMemory &&o) noexcept : base_(o.base_), size_(o.size_) { o.base_ = nullptr; }
    LazyMemory &operator=(LazyMemory &&o) noexcept {
        std::swap(base_, o.base_);
        std::swap(size_, o.size_);
        return *this;
    }
    template <class T>
    T *as() const noexcept {
        return static_cast<T *>(base_);
    }
    size_t size() const noexcept { return size_; }

  private:
    void *base_ = nullptr;
    size_t size_ = 0;
};

class HashIndex {
  public:
    static constexpr uint32_t kNone = 0xffffffffu;

    HashIndex() = default;
    // Room for 'capacity' entries at an average of four per bucket.
    explicit HashIndex(size_t capacity) {
        size_t n = 2;
        while (n * 4 < capacity)
            n <<= 1;
        mask_ = n - 1;
        mem_ = LazyMemory(n * sizeof(Bucket));
        buckets_ = mem_.as<Bucket>();
    }

    size_t bytes() const noexcept { return mem_.size(); }

    // Calls match(entry) for every entry whose tag matches 'h' until it
    // returns true; returns that entry or kNone.
    template <class Match>
    [[gnu::always_inline]] inline uint32_t find(uint64_t h, Match &&match) const noexcept {
        const uint32_t tag = tag_of(h);
        size_t b = h & mask_;
        for (unsigned probe = 0; probe < kMaxProbe; probe++) {
            const Bucket &bk = buckets_[(b + probe) & mask_];
            uint64_t first = 0;
            for (unsigned i = 0; i < kSlots; i++) {
                const uint64_t v = bk.slot[i].load(std::memory_order_acquire);
                if (i == 0) first = v;
                const uint32_t e = static_cast<uint32_t>(v);
                if (e != 0 && static_cast<uint32_t>(v >> 32 & 0x7fffffff) == tag) {
                    if (match(e - 1)) return e - 1;
                }
            }
            if (!(first >> 63)) break;
        }
        return kNone;
    }

    // Prefetches the bucket 'h' lands in (burst lookups).
    void prefetch(uint64_t h) const noexcept { __builtin_prefetch(&buckets_[h & mask_]); }

    // The last entry of the home bucket whose tag matches 'h' (entry + 1,
    // or 0), unvalidated: for prefetching, never for decisions.  Written
    // without branches: a prefetch pass must not pay a misprediction per
    // slot.
    uint32_t candidate(uint64_t h) const noexcept {
        const uint32_t tag = tag_of(h);
        const Bucket &bk = buckets_[h & mask_];
        uint32_t hit = 0;
        for (unsigned i = 0; i < kSlots; i++) {
            const uint64_t v = bk.slot[i].load(std::memory_order_relaxed);
            const uint32_t e = static_cast<uint32_t>(v);
            const bool same = static_cast<uint32_t>(v >> 32 & 0x7fffffff) == tag;
            hit = same ? e : hit;
        }
        return hit;
    }

    // Writer only.  False when the probe window is full (the table is far
    // beyond its design load: treated as "no room").
    bool insert(uint64_t h, uint32_t entry) noexcept {
        const uint64_t v = (uint64_t{tag_of(h)} << 32) | (entry + 1);
        size_t b = h & mask_;
        for (unsigned probe = 0; probe < kMaxProbe; probe++) {
            Bucket &bk = buckets_[(b + probe) & mask_];
            for (unsigned i = 0; i < kSlots; i++) {
                const uint64_t cur = bk.slot[i].load(std::memory_order_relaxed);
                if (static_cast<uint32_t>(cur) == 0) {
                    bk.slot[i].store(v | (cur & kSpill), std::memory_order_release);
                    return true;
                }
            }
            // Full: readers must look further.
            uint64_t f = bk.slot[0].load(std::memory_order_relaxed);
            bk.slot[0].store(f | kSpill, std::memory_order_release);
        }
        return false;
    }

    // Writer only.
    void erase(uint64_t h, uint32_t entry) noexcept {
        size_t b = h & mask_;
        for (unsigned probe = 0; probe < kMaxProbe; probe++) {
            Bucket &bk = buckets_[(b + probe) & mask_];
            for (unsigned i = 0; i < kSlots; i++) {
                const uint64_t cur = bk.slot[i].load(std::memory_order_relaxed);
                if (static_cast<uint32_t>(cur) == entry + 1) {
                    bk.slot[i].store(cur & kSpill, std::memory_order_release);
                    return;
                }
            }
            if (!(bk.slot[0].load(std::memory_order_relaxed) >> 63)) return;
        }
    }

  private:
    static constexpr unsigned kSlots = 8;
    static constexpr unsigned kMaxProbe = 16;
    static constexpr uint64_t kSpill = uint64_t{1} << 63;
    struct alignas(64) Bucket {
        std::atomic<uint64_t> slot[kSlots];
    };
    static uint32_t tag_of(uint64_t h) noexcept { return static_cast<uint32_t>(h >> 33); }

    LazyMemory mem_;
    Bucket *buckets_ = nullptr;
    size_t mask_ = 0;
};

}  // namespace nat64
