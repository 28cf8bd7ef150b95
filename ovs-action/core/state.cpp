// The BIB and session tables (RFC 6146 §3.1, §3.2): storage, lookups,
// creation, deletion, expiry and the control-path views.  The decisions
// (filtering, TCP states, port choice) are in state_filter.cpp and
// port_alloc.cpp.
#include <algorithm>
#include <cstring>
#include <random>
#include <type_traits>

#include "packet.hpp"
#include "state.hpp"

namespace nat64 {

namespace {

inline uint64_t load64(const uint8_t *p) noexcept {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}

// A keyed multiply-xorshift mix: cheap, and with a per-table random seed a
// remote host cannot aim many flows at one bucket.
inline uint64_t mix(uint64_t h, uint64_t v) noexcept {
    h = (h ^ v) * 0x9e3779b97f4a7c15ull;
    return h ^ (h >> 29);
}
inline uint64_t finish(uint64_t h) noexcept {
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ull;
    return h ^ (h >> 32);
}

}  // namespace

uint64_t lifetime_ms(const InstanceConfig &c, Protocol p, TcpTimer t) noexcept {
    switch (p) {
        case Protocol::udp:
            return uint64_t{c.timeouts.udp} * 1000;
        case Protocol::icmp:
            return uint64_t{c.timeouts.icmp} * 1000;
        case Protocol::tcp:
            break;
    }
    switch (t) {
        case TcpTimer::est:
            return uint64_t{c.timeouts.tcp_est} * 1000;
        case TcpTimer::incoming_syn:
            return kTcpIncomingSynMs;
        default:
            return uint64_t{c.timeouts.tcp_trans} * 1000;
    }
}

// --- Pools ---------------------------------------------------------------

template <class T>
State::Pool<T>::Pool(uint64_t n) : mem(n * sizeof(T)), at(mem.as<T>()), cap(uint32_t(n)) {}

template <class T>
uint32_t State::Pool<T>::take() noexcept {
    uint32_t i;
    if (free_head) {
        i = free_head - 1;
        free_head = link_of(at[i]);
    } else if (used < cap) {
        i = used++;
    } else {
        return HashIndex::kNone;
    }
    live++;
    return i;
}

template <class T>
void State::Pool<T>::give(uint32_t i) noexcept {
    link_of(at[i]) = free_head;
    free_head = i + 1;
    live--;
}

// --- Construction --------------------------------------------------------

namespace {
constexpr uint64_t kStaticBibRoom = 65536;
}

State::State(uint64_t capacity)
    : capacity_(capacity),
      seed_(std::random_device{}() | (uint64_t{std::random_device{}()} << 32)),
      sessions_(capacity),
      bibs_(capacity + kStaticBibRoom),
      sources_(capacity),
      s6_(capacity),
      s4_(capacity),
      b6_(capacity + kStaticBibRoom),
      b4_(capacity + kStaticBibRoom),
      src_(capacity) {
    log_.reserve(kLogRing);
    counts_.capacity = capacity;
}

State::~State() = default;

// --- Hashes --------------------------------------------------------------

uint64_t State::hash_session6(const uint8_t *a6, uint16_t p6, uint32_t r4, uint16_t rp,
                              uint8_t proto) const noexcept {
    uint64_t h = mix(seed_, load64(a6));
    h = mix(h, load64(a6 + 8));
    h = mix(h, (uint64_t{r4} << 32) | (uint64_t{p6} << 16) | rp);
    return finish(mix(h, proto));
}
uint64_t State::hash_session4(uint32_t a4, uint16_t p4, uint32_t r4, uint16_t rp,
                              uint8_t proto) const noexcept {
    uint64_t h = mix(seed_ ^ 0x4444, (uint64_t{a4} << 32) | r4);
    h = mix(h, (uint64_t{p4} << 24) | (uint64_t{rp} << 8) | proto);
    return finish(h);
}
uint64_t State::hash_bib6(const uint8_t *a6, uint16_t p6, uint8_t proto) const noexcept {
    uint64_t h = mix(seed_ ^ 0xb6b6, load64(a6));
    h = mix(h, load64(a6 + 8));
    return finish(mix(h, (uint64_t{p6} << 8) | proto));
}
uint64_t State::hash_bib4(uint32_t a4, uint16_t p4, uint8_t proto) const noexcept {
    return finish(mix(seed_ ^ 0xb4b4, (uint64_t{a4} << 32) | (uint64_t{p4} << 8) | proto));
}
uint64_t State::hash_source(const uint8_t *a6) const noexcept {
    return finish(mix(mix(seed_ ^ 0x5555, load64(a6)), load64(a6 + 8)));
}

// --- Lock-free lookups ---------------------------------------------------

// Seqlock read: the entry's fields are copied between two reads of its
// sequence counter; an odd or changed counter means a writer was there.
uint32_t State::find_session6(const Flow6 &f, Mapped4 &m, uint8_t &st) const noexcept {
    const uint8_t proto = static_cast<uint8_t>(f.proto);
    return s6_.find(hash_session6(f.addr6, f.port6, f.remote4, f.rport, proto), [&](uint32_t e) {
        const Session &s = sessions_.at[e];
        const uint32_t v = s.seq.load(std::memory_order_acquire);
        if (v & 1) return false;
        const bool hit = s.live && s.proto == proto && s.port6 == f.port6 &&
                         s.remote4 == f.remote4 && s.rport == f.rport &&
                         load64(s.addr6) == load64(f.addr6) &&
                         load64(s.addr6 + 8) == load64(f.addr6 + 8);
        m.addr4 = s.addr4;
        m.port4 = s.port4;
        st = s.tcp_state;
        std::atomic_thread_fence(std::memory_order_acquire);
        return hit && s.seq.load(std::memory_order_relaxed) == v;
    });
}

uint32_t State::find_session4(const Flow4 &f, Mapped6 &m, uint8_t &st) const noexcept {
    const uint8_t proto = static_cast<uint8_t>(f.proto);
    return s4_.find(hash_session4(f.addr4, f.port4, f.remote4, f.rport, proto), [&](uint32_t e) {
        const Session &s = sessions_.at[e];
        const uint32_t v = s.seq.load(std::memory_order_acquire);
        if (v & 1) return false;
        const bool hit = s.live && s.proto == proto && s.addr4 == f.addr4 && s.port4 == f.port4 &&
                         s.remote4 == f.remote4 && s.rport == f.rport;
        std::memcpy(m.addr6, s.addr6, 16);
        m.port6 = s.port6;
        st = s.tcp_state;
        std::atomic_thread_fence(std::memory_order_acquire);
        return hit && s.seq.load(std::memory_order_relaxed) == v;
    });
}

bool State::lookup6(const Flow6 &f, uint64_t now, Mapped4 &out) const noexcept {
    uint8_t st;
    uint32_t e = find_session6(f, out, st);
    return e != HashIndex::kNone && sessions_.at[e].expires.load(std::memory_order_relaxed) > now;
}

bool State::lookup4(const Flow4 &f, uint64_t now, Mapped6 &out) const noexcept {
    uint8_t st;
    uint32_t e = find_session4(f, out, st);
    return e != HashIndex::kNone && sessions_.at[e].expires.load(std::memory_order_relaxed) > now;
}

// --- Locked lookups ------------------------------------------------------

uint32_t State::locked_session6(const Flow6 &f) const noexcept {
    const uint8_t proto = static_cast<uint8_t>(f.proto);
    return s6_.find(hash_session6(f.addr6, f.port6, f.remote4, f.rport, proto), [&](uint32_t e) {
        const Session &s = sessions_.at[e];
        return s.live && s.proto == proto && s.port6 == f.port6 && s.remote4 == f.remote4 &&
               s.rport == f.rport && std::memcmp(s.addr6, f.addr6, 16) == 0;
    });
}

uint32_t State::locked_session4(const Flow4 &f) const noexcept {
    const uint8_t proto = static_cast<uint8_t>(f.proto);
    return s4_.find(hash_session4(f.addr4, f.port4, f.remote4, f.rport, proto), [&](uint32_t e) {
        const Session &s = sessions_.at[e];
        return s.live && s.proto == proto && s.addr4 == f.addr4 && s.port4 == f.port4 &&
               s.remote4 == f.remote4 && s.rport == f.rport;
    });
}

uint32_t State::locked_bib6(const uint8_t *a6, uint16_t p6, uint8_t proto) const noexcept {
    return b6_.find(hash_bib6(a6, p6, proto), [&](uint32_t e) {
        const Bib &b = bibs_.at[e];
        return b.live && b.proto == proto && b.port6 == p6 && std::memcmp(b.addr6, a6, 16) == 0;
    });
}

uint32_t State::locked_bib4(uint32_t a4, uint16_t p4, uint8_t proto) const noexcept {
    return b4_.find(hash_bib4(a4, p4, proto), [&](uint32_t e) {
        const Bib &b = bibs_.at[e];
        return b.live && b.proto == proto && b.addr4 == a4 && b.port4 == p4;
    });
}

uint32_t State::locked_source(const uint8_t *a6) const noexcept {
    return src_.find(hash_source(a6), [&](uint32_t e) {
        const Source &s = sources_.at[e];
        return s.live && std::memcmp(s.addr6, a6, 16) == 0;
    });
}

// --- Creation and deletion (under the lock) -------------------------------

void State::log(const InstanceConfig *c, LogEvent::Kind k, const Bib &b, const Session *s,
                uint64_t now) noexcept {
    if (!c) return;
    const bool is_bib = k == LogEvent::bib_add || k == LogEvent::bib_del;
    if (is_bib ? !c->logging_bib : !c->logging_session) return;
    if (log_.size() >= kLogRing) {
        counts_.log_dropped++;
        return;
    }
    LogEvent ev{};
    ev.time_ms = now;
    ev.kind = k;
    ev.proto = static_cast<Protocol>(b.proto);
    std::memcpy(ev.addr6.b.data(), b.addr6, 16);
    ev.port6 = b.port6;
    ev.addr4 = b.addr4;
    ev.port4 = b.port4;
    if (s) {
        ev.remote4 = s->remote4;
        ev.rport = s->rport;
    }
    log_.push_back(ev);  // capacity reserved: never allocates
}

uint32_t State::new_bib(const InstanceConfig &c, Protocol p, const uint8_t *a6, uint16_t p6,
                        uint32_t a4, uint16_t p4, bool is_static, uint64_t now) noexcept {
    uint32_t i = bibs_.take();
    if (i == HashIndex::kNone) return i;
    Bib &b = bibs_.at[i];
    std::memcpy(b.addr6, a6, 16);
    b.addr4 = a4;
    b.port6 = p6;
    b.port4 = p4;
    b.proto = static_cast<uint8_t>(p);
    b.is_static = is_static;
    b.sessions = 0;
    const uint64_t h6 = hash_bib6(a6, p6, b.proto);
    if (!b6_.insert(h6, i)) {
        bibs_.give(i);
        return HashIndex::kNone;
    }
    if (!b4_.insert(hash_bib4(a4, p4, b.proto), i)) {
        b6_.erase(h6, i);
        bibs_.give(i);
        return HashIndex::kNone;
    }
    b.live = 1;
    static_bibs_ += is_static;
    counts_.bibs_created++;
    log(&c, LogEvent::bib_add, b, nullptr, now);
    return i;
}

void State::del_bib(const InstanceConfig *c, uint32_t i, uint64_t now) noexcept {
    Bib &b = bibs_.at[i];
    while (b.sessions)
        del_session(c, b.sessions - 1, now, false, false);
    b6_.erase(hash_bib6(b.addr6, b.port6, b.proto), i);
    b4_.erase(hash_bib4(b.addr4, b.port4, b.proto), i);
    b.live = 0;
    static_bibs_ -= b.is_static;
    log(c, LogEvent::bib_del, b, nullptr, now);
    bibs_.give(i);
}

uint32_t State::new_session(const InstanceConfig &c, uint32_t bi, uint32_t remote4, uint16_t rport,
                            TcpState st, uint64_t expires, uint64_t now) noexcept {
    Bib &b = bibs_.at[bi];
    uint32_t i = sessions_.take();
    if (i == HashIndex::kNone) return i;
    uint32_t si = locked_source(b.addr6);
    if (si == HashIndex::kNone) {
        si = sources_.take();
        if (si == HashIndex::kNone || !src_.insert(hash_source(b.addr6), si)) {
            if (si != HashIndex::kNone) sources_.give(si);
            sessions_.give(i);
            return HashIndex::kNone;
        }
        Source &src = sources_.at[si];
        std::memcpy(src.addr6, b.addr6, 16);
        src.sessions = 0;
        src.addr4 = b.addr4;
        src.live = 1;
    }
    Session &s = sessions_.at[i];
    // Seqlock write: readers that raced with the previous occupant see an
    // odd or changed counter and miss.
    const uint32_t v = s.seq.load(std::memory_order_relaxed);
    s.seq.store(v + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    s.proto = b.proto;
    s.tcp_state = static_cast<uint8_t>(st);
    std::memcpy(s.addr6, b.addr6, 16);
    s.port6 = b.port6;
    s.rport = rport;
    s.remote4 = remote4;
    s.addr4 = b.addr4;
    s.port4 = b.port4;
    s.bib = bi;
    s.next = b.sessions;
    s.created = now;
    s.expires.store(expires, std::memory_order_relaxed);
    s.live = 1;
    s.seq.store(v + 2, std::memory_order_release);
    const uint64_t h6 = hash_session6(s.addr6, s.port6, remote4, rport, s.proto);
    const bool in6 = s6_.insert(h6, i);
    if (!in6 || !s4_.insert(hash_session4(s.addr4, s.port4, remote4, rport, s.proto), i)) {
        if (in6) s6_.erase(h6, i);
        s.live = 0;
        sessions_.give(i);
        if (sources_.at[si].sessions == 0) {
            src_.erase(hash_source(b.addr6), si);
            sources_.at[si].live = 0;
            sources_.give(si);
        }
        return HashIndex::kNone;
    }
    b.sessions = i + 1;
    sources_.at[si].sessions++;
    counts_.sessions_created++;
    counts_.sessions_by_proto[s.proto]++;
    log(&c, LogEvent::session_add, b, &s, now);
    return i;
}

void State::del_session(const InstanceConfig *c, uint32_t i, uint64_t now, bool expired,
                        bool reap) noexcept {
    Session &s = sessions_.at[i];
    s6_.erase(hash_session6(s.addr6, s.port6, s.remote4, s.rport, s.proto), i);
    s4_.erase(hash_session4(s.addr4, s.port4, s.remote4, s.rport, s.proto), i);
    Bib &b = bibs_.at[s.bib];
    // Unlink from the BIB entry's list (short: one flow per remote).
    for (uint32_t *link = &b.sessions; *link; link = &sessions_.at[*link - 1].next) {
        if (*link == i + 1) {
            *link = s.next;
            break;
        }
    }
    log(c, LogEvent::session_del, b, &s, now);
    const uint32_t v = s.seq.load(std::memory_order_relaxed);
    s.seq.store(v + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    s.live = 0;
    s.seq.store(v + 2, std::memory_order_release);
    counts_.sessions_by_proto[s.proto]--;
    if (expired) {
        counts_.sessions_expired++;
    } else {
        counts_.sessions_removed++;
    }
    uint32_t si = locked_source(s.addr6);
    if (si != HashIndex::kNone && --sources_.at[si].sessions == 0) {
        src_.erase(hash_source(s.addr6), si);
        sources_.at[si].live = 0;
        sources_.give(si);
    }
    sessions_.give(i);
    // RFC 6146 §3.5.1: a dynamic BIB entry lives as long as its sessions.
    if (reap && !b.sessions && !b.is_static && b.live) del_bib(c, s.bib, now);
}

bool State::reap_bib(const InstanceConfig &c, uint32_t bi, uint64_t now) noexcept {
    Bib &b = bibs_.at[bi];
    uint32_t link = b.sessions;
    while (link) {
        uint32_t i = link - 1;
        link = sessions_.at[i].next;
        if (sessions_.at[i].expires.load(std::memory_order_relaxed) <= now) {
            del_session(&c, i, now, true);
            if (!b.live) return true;  // the last one took the entry along
        }
    }
    return !b.live;
}

bool State::has_live_session(uint32_t bi, uint64_t now) const noexcept {
    for (uint32_t link = bibs_.at[bi].sessions; link; link = sessions_.at[link - 1].next) {
        if (sessions_.at[link - 1].expires.load(std::memory_order_relaxed) > now) return true;
    }
    return false;
}

void State::set_tcp(Session &s, TcpState st) noexcept {
    if (s.tcp_state == static_cast<uint8_t>(st)) return;
    const uint32_t v = s.seq.load(std::memory_order_relaxed);
    s.seq.store(v + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    s.tcp_state = static_cast<uint8_t>(st);
    s.seq.store(v + 2, std::memory_order_release);
}

nat64_counter State::check_caps(const InstanceConfig &c, const uint8_t *addr6,
                                uint64_t now) noexcept {
    const uint64_t cap = std::min<uint64_t>(c.max_sessions, capacity_);
    // Expired sessions may still hold places: reclaim some first.  At most
    // once per 10 ms of the clock, so that a flood against a full table
    // costs a sweep per interval, not per packet.
    auto reclaim = [&] {
        if (now < next_cap_sweep_) return;
        next_cap_sweep_ = now + 10;
        sweep(c, now, 16384);
    };
    if (sessions_.live >= cap) {
        reclaim();
        if (sessions_.live >= cap) return NAT64_C_DROP_SESSION_LIMIT;
    }
    if (c.max_sessions_per_source) {
        uint32_t si = locked_source(addr6);
        if (si != HashIndex::kNone && sources_.at[si].sessions >= c.max_sessions_per_source) {
            reclaim();
            si = locked_source(addr6);
            if (si != HashIndex::kNone && sources_.at[si].sessions >= c.max_sessions_per_source)
                return NAT64_C_DROP_SOURCE_LIMIT;
        }
    }
    return kOk;
}

// --- Expiry --------------------------------------------------------------

size_t State::sweep(const InstanceConfig &c, uint64_t now, uint32_t budget) noexcept {
    size_t n = 0;
    if (sessions_.used == 0) return 0;
    for (uint32_t k = 0; k < budget && k < sessions_.used; k++) {
        if (sweep_cursor_ >= sessions_.used) sweep_cursor_ = 0;
        uint32_t i = sweep_cursor_++;
        Session &s = sessions_.at[i];
        if (s.live && s.expires.load(std::memory_order_relaxed) <= now) {
            del_session(&c, i, now, true);
            n++;
        }
    }
    return n;
}

void State::tick(const InstanceConfig &c, uint64_t now) noexcept {
    if (now < next_tick_.load(std::memory_order_relaxed)) return;
    std::unique_lock lock(mu_, std::try_to_lock);
    if (!lock.owns_lock()) return;
    next_tick_.store(now + 10, std::memory_order_relaxed);
    sweep(c, now, 256);
}

size_t State::expire(const InstanceConfig &c, uint64_t now, size_t budget) {
    std::lock_guard lock(mu_);
    return sweep(c, now, static_cast<uint32_t>(std::min<size_t>(budget, sessions_.used)));
}

// --- Control path --------------------------------------------------------

namespace {
bool in_pool4(const InstanceConfig &c, Protocol p, uint32_t a4, uint16_t p4) {
    for (const Pool4Entry &e : c.pool4) {
        const bool has = p == Protocol::tcp ? e.tcp : p == Protocol::udp ? e.udp : e.icmp;
        if (has && ipv4_in_prefix(e.prefix.addr, e.prefix.len, a4) && p4 >= e.port_min &&
            p4 <= e.port_max)
            return true;
    }
    return false;
}
}  // namespace

void State::apply(const InstanceConfig &c, uint64_t now) {
    std::lock_guard lock(mu_);
    // Entries whose IPv4 side left pool4, and static entries no longer
    // configured, go with their sessions.
    for (uint32_t i = 0; i < bibs_.used; i++) {
        Bib &b = bibs_.at[i];
        if (!b.live) continue;
        const Protocol p = static_cast<Protocol>(b.proto);
        bool keep = in_pool4(c, p, b.addr4, b.port4);
        if (keep && b.is_static) {
            keep =
                std::any_of(c.static_bib.begin(), c.static_bib.end(), [&](const StaticBibEntry &e) {
                    return e.protocol == p && e.ipv4 == b.addr4 && e.port4 == b.port4 &&
                           e.port6 == b.port6 && std::memcmp(e.ipv6.b.data(), b.addr6, 16) == 0;
                });
        }
        if (!keep) del_bib(&c, i, now);
    }
    for (const StaticBibEntry &e : c.static_bib) {
        const uint8_t proto = static_cast<uint8_t>(e.protocol);
        uint32_t i6 = locked_bib6(e.ipv6.b.data(), e.port6, proto);
        uint32_t i4 = locked_bib4(e.ipv4, e.port4, proto);
        if (i6 != HashIndex::kNone && i6 == i4 && bibs_.at[i6].is_static) continue;
        // A dynamic entry on either side gives way to the configured one.
        if (i6 != HashIndex::kNone) del_bib(&c, i6, now);
        i4 = locked_bib4(e.ipv4, e.port4, proto);
        if (i4 != HashIndex::kNone) del_bib(&c, i4, now);
        new_bib(c, e.protocol, e.ipv6.b.data(), e.port6, e.ipv4, e.port4, true, now);
    }
}

void State::migrate_from(State &old) {
    std::scoped_lock lock(mu_, old.mu_);
    for (uint32_t i = 0; i < old.bibs_.used; i++) {
        const Bib &b = old.bibs_.at[i];
        if (!b.live) continue;
        InstanceConfig none;  // logging off: nothing is created or lost
        uint32_t nb = new_bib(none, static_cast<Protocol>(b.proto), b.addr6, b.port6, b.addr4,
                              b.port4, b.is_static, 0);
        if (nb == HashIndex::kNone) continue;
        for (uint32_t link = b.sessions; link; link = old.sessions_.at[link - 1].next) {
            const Session &s = old.sessions_.at[link - 1];
            uint32_t ns = new_session(none, nb, s.remote4, s.rport, TcpState(s.tcp_state),
                                      s.expires.load(std::memory_order_relaxed), s.created);
            if (ns != HashIndex::kNone) sessions_.at[ns].created = s.created;
        }
    }
    counts_.sessions_created = old.counts_.sessions_created;
    counts_.sessions_expired = old.counts_.sessions_expired;
    counts_.sessions_removed = old.counts_.sessions_removed;
    counts_.bibs_created = old.counts_.bibs_created;
    counts_.log_dropped = old.counts_.log_dropped;
}

bool State::matches(const StateFilter &f, const Bib &b, const Session *s) const noexcept {
    if (f.proto && static_cast<uint8_t>(*f.proto) != b.proto) return false;
    if (f.addr6 && std::memcmp(f.addr6->b.data(), b.addr6, 16) != 0) return false;
    if (f.addr4 && *f.addr4 != b.addr4 && !(s && s->remote4 == *f.addr4)) return false;
    return true;
}

size_t State::flush(const InstanceConfig &c, const StateFilter &f, uint64_t now) {
    std::lock_guard lock(mu_);
    size_t n = 0;
    for (uint32_t i = 0; i < sessions_.used; i++) {
        const Session &s = sessions_.at[i];
        if (s.live && matches(f, bibs_.at[s.bib], &s)) {
            del_session(&c, i, now, false);
            n++;
        }
    }
    return n;
}

std::vector<BibInfo> State::bibs(const StateFilter &f, uint64_t now) const {
    std::lock_guard lock(mu_);
    std::vector<BibInfo> out;
    for (uint32_t i = 0; i < bibs_.used; i++) {
        const Bib &b = bibs_.at[i];
        if (!b.live || !matches(f, b, nullptr)) continue;
        uint32_t alive = 0;
        for (uint32_t link = b.sessions; link; link = sessions_.at[link - 1].next) {
            alive += sessions_.at[link - 1].expires.load(std::memory_order_relaxed) > now;
        }
        if (!b.is_static && alive == 0) continue;  // expired, awaiting a sweep
        BibInfo bi{
            static_cast<Protocol>(b.proto), {}, b.port6, b.addr4, b.port4, b.is_static != 0, alive};
        std::memcpy(bi.addr6.b.data(), b.addr6, 16);
        out.push_back(bi);
    }
    return out;
}

std::vector<SessionInfo> State::sessions(const StateFilter &f, uint64_t now) const {
    std::lock_guard lock(mu_);
    std::vector<SessionInfo> out;
    for (uint32_t i = 0; i < sessions_.used; i++) {
        const Session &s = sessions_.at[i];
        if (!s.live || !matches(f, bibs_.at[s.bib], &s)) continue;
        const uint64_t exp = s.expires.load(std::memory_order_relaxed);
        if (exp <= now) continue;
        SessionInfo si{
            static_cast<Protocol>(s.proto),     {}, s.port6, s.addr4, s.port4, s.remote4, s.rport,
            static_cast<TcpState>(s.tcp_state), exp};
        std::memcpy(si.addr6.b.data(), s.addr6, 16);
        out.push_back(si);
    }
    return out;
}

StateStats State::stats() const {
    std::lock_guard lock(mu_);
    StateStats st = counts_;
    st.bibs = bibs_.live;
    st.static_bibs = static_bibs_;
    st.sessions = sessions_.live;
    st.sources = sources_.live;
    st.reserved_bytes = sessions_.mem.size() + bibs_.mem.size() + sources_.mem.size() +
                        s6_.bytes() + s4_.bytes() + b6_.bytes() + b4_.bytes() + src_.bytes();
    return st;
}

void State::drain_log(std::vector<LogEvent> &out) {
    std::lock_guard lock(mu_);
    out.insert(out.end(), log_.begin(), log_.end());
    log_.clear();
}

}  // namespace nat64
