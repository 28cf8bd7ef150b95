// Stateful NAT64 (RFC 6146): one instance's Binding Information Bases and
// session table (§3.1, §3.2), and the filtering-and-updating step (§3.5)
// that consults and changes them.
//
// Concurrency.  Datapath threads look sessions up without locks: entries
// live in a preallocated array, reached through lock-free hash indices
// (hash_index.hpp), and each entry carries a sequence counter (a seqlock)
// that a reader checks around its read, so an entry being rewritten or
// recycled reads as a miss.  Every change (new BIB entry or session, TCP
// state change, expiry, configuration) happens under one mutex, which the
// datapath takes only for packets that change state: the first packet of
// a flow, TCP SYN/FIN/RST and packets of sessions not yet (or no longer)
// established.  Established traffic refreshes its lifetime with one
// relaxed store, at most once a second per session.
//
// Memory is reserved once for max-sessions entries (about 180 bytes per
// session across all tables, committed only as it is used) and never grows:
// a flood of new flows meets the cap, not the allocator.
//
// Time is the caller's monotonic clock in milliseconds (ovs-vswitchd's
// time_msec(); pcap timestamps in nat64ctl).  A session whose lifetime has
// passed is treated as gone at once, whether or not a sweep has removed it
// yet, so behaviour does not depend on when sweeps run.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "hash_index.hpp"
#include "nat64/config.hpp"
#include "nat64/nat64.h"
#include "tcp_fsm.hpp"

namespace nat64 {

// "No drop reason": what the state and map helpers return on success.
constexpr nat64_counter kOk = NAT64_C_N;

// A packet from the VNet, as RFC 6146 §3.4 reads it: (X'#x) -> (Y#y), with
// the destination already mapped to IPv4 (pool6/EAMT).  For ICMP query
// messages the port is the identifier and the remote port is 0.
struct Flow6 {
    const uint8_t *addr6;
    uint16_t port6;
    uint32_t remote4;
    uint16_t rport;
    Protocol proto;
    uint8_t tcp_flags;
};

// A packet from the IPv4 side: (Y#y) -> (T#t), T#t a pool4 transport
// address.
struct Flow4 {
    uint32_t remote4;
    uint16_t rport;
    uint32_t addr4;
    uint16_t port4;
    Protocol proto;
    uint8_t tcp_flags;
};

struct Mapped4 {
    uint32_t addr4 = 0;
    uint16_t port4 = 0;
};

struct Mapped6 {
    uint8_t addr6[16] = {};
    uint16_t port6 = 0;
};

// What the operator sees (ovs-appctl nat64/bib-show, session-show).
struct BibInfo {
    Protocol proto;
    Ipv6Addr addr6;
    uint16_t port6;
    uint32_t addr4;
    uint16_t port4;
    bool is_static;
    uint32_t sessions;
};

struct SessionInfo {
    Protocol proto;
    Ipv6Addr addr6;
    uint16_t port6;
    uint32_t addr4;
    uint16_t port4;
    uint32_t remote4;
    uint16_t rport;
    TcpState tcp_state;
    uint64_t expires_ms;  // caller's clock
};

struct StateStats {
    uint64_t capacity = 0;  // sessions the tables are sized for
    uint64_t bibs = 0;      // live BIB entries (static included)
    uint64_t static_bibs = 0;
    uint64_t sessions = 0;  // live sessions (some may have expired
                            // and await a sweep)
    uint64_t sessions_by_proto[3] = {};
    uint64_t sources = 0;  // IPv6 addresses holding sessions
    uint64_t sessions_created = 0;
    uint64_t sessions_expired = 0;
    uint64_t sessions_removed = 0;  // flushed or dropped by reconfiguration
    uint64_t bibs_created = 0;
    uint64_t log_dropped = 0;     // log events lost to a full buffer
    uint64_t reserved_bytes = 0;  // address space reserved for the tables
};

// RFC 6888 §4 style abuse-tracking records.
struct LogEvent {
    enum Kind : uint8_t { bib_add, bib_del, session_add, session_del };
    uint64_t time_ms;
    Kind kind;
    Protocol proto;
    Ipv6Addr addr6;
    uint16_t port6;
    uint32_t addr4;
    uint16_t port4;
    uint32_t remote4;  // sessions only
    uint16_t rport;
};

struct StateFilter {
    std::optional<Protocol> proto;
    std::optional<Ipv6Addr> addr6;  // the VNet side
    std::optional<uint32_t> addr4;  // pool4 address or remote address
};

class State {
  public:
    // Tables for 'capacity' sessions (and as many dynamic BIB entries, plus
    // room for the static ones).
    explicit State(uint64_t capacity);
    ~State();
    State(const State &) = delete;
    State &operator=(const State &) = delete;

    uint64_t capacity() const noexcept { return capacity_; }

    // --- Datapath (any thread, no allocation) -----------------------------

    // §3.5 for a packet from the VNet: finds or creates the session and
    // says which pool4 transport address the packet leaves with.  Returns
    // kOk (NAT64_C_N) or the counter of the drop/reply.  'dry' decides
    // without changing anything (ofproto/trace).
    nat64_counter outbound(const InstanceConfig &c, const Flow6 &f, uint64_t now, bool dry,
                           Mapped4 &out) noexcept;
    // §3.5 for a packet from the IPv4 side to a pool4 address.
    nat64_counter inbound(const InstanceConfig &c, const Flow4 &f, uint64_t now, bool dry,
                          Mapped6 &out) noexcept;
    // Session lookups for the packet quoted in an ICMP error (§3.5, ICMP
    // error handling): no session is created or refreshed.
    bool lookup6(const Flow6 &f, uint64_t now, Mapped4 &out) const noexcept;
    bool lookup4(const Flow4 &f, uint64_t now, Mapped6 &out) const noexcept;
    // Burst pipelining: the lookup hashes of a flow, then a prefetch of
    // the index bucket (stage 1) and of the session entries it names
    // (stage 2), so a burst's cache misses overlap instead of queueing.
    uint64_t hash_of(const Flow6 &f) const noexcept {
        return hash_session6(f.addr6, f.port6, f.remote4, f.rport, static_cast<uint8_t>(f.proto));
    }
    uint64_t hash_of(const Flow4 &f) const noexcept {
        return hash_session4(f.addr4, f.port4, f.remote4, f.rport, static_cast<uint8_t>(f.proto));
    }
    void prefetch_bucket(uint64_t h, bool v6) const noexcept { (v6 ? s6_ : s4_).prefetch(h); }
    void prefetch_sessions(uint64_t h, bool v6) const noexcept {
        const uint32_t e = (v6 ? s6_ : s4_).candidate(h);
        if (e) __builtin_prefetch(&sessions_.at[e - 1]);
    }

    // Removes a few expired sessions if it is time and no one else is at
    // it (called once per burst).
    void tick(const InstanceConfig &c, uint64_t now) noexcept;

    // --- Control path -----------------------------------------------------

    // Brings the tables in line with a (new) configuration: static BIB
    // entries added/removed, entries whose pool4 transport address is no
    // longer in pool4 removed with their sessions.  Everything else stays.
    void apply(const InstanceConfig &c, uint64_t now);
    // Copies every live entry of 'old' (whose capacity is not larger).
    void migrate_from(State &old);
    // Removes expired sessions, looking at up to 'budget' entries from
    // where the last sweep stopped; returns how many went.
    size_t expire(const InstanceConfig &c, uint64_t now, size_t budget = SIZE_MAX);
    // Removes the sessions matching 'f' (and the dynamic BIB entries left
    // without sessions); static BIB entries stay.  Returns sessions removed.
    size_t flush(const InstanceConfig &c, const StateFilter &f, uint64_t now);
    std::vector<BibInfo> bibs(const StateFilter &f, uint64_t now) const;
    std::vector<SessionInfo> sessions(const StateFilter &f, uint64_t now) const;
    StateStats stats() const;
    // Moves the pending log events into 'out'.
    void drain_log(std::vector<LogEvent> &out);

    // The pool4 transport address a new BIB entry for (addr6#port6) would
    // get (RFC 6056 algorithm 3 within pool4); false if pool4 is exhausted.
    // Public for tests.  Caller holds the lock (or owns the State).
    bool allocate(const InstanceConfig &c, Protocol p, const uint8_t *addr6, uint16_t port6,
                  uint32_t remote4, uint32_t preferred4, Mapped4 &out, uint64_t now = 0,
                  bool dry = true) noexcept;

  private:
    struct alignas(64) Session {
        std::atomic<uint32_t> seq;  // odd while being written
        uint8_t proto;
        uint8_t tcp_state;
        uint8_t live;
        uint8_t pad;
        uint8_t addr6[16];
        uint16_t port6;
        uint16_t rport;
        uint32_t remote4;
        uint32_t addr4;
        uint16_t port4;
        uint16_t pad2;
        uint32_t bib;   // owning BIB entry
        uint32_t next;  // next session of that BIB, or of the free list (+1)
        std::atomic<uint64_t> expires;
        uint64_t created;
    };
    static_assert(sizeof(Session) == 64, "one cache line per session");

    struct Bib {
        uint8_t addr6[16];
        uint32_t addr4;
        uint16_t port6;
        uint16_t port4;
        uint8_t proto;
        uint8_t is_static;
        uint8_t live;
        uint8_t pad;
        uint32_t sessions;  // first session + 1, or next free + 1
    };
    static_assert(sizeof(Bib) == 32);

    struct Source {
        uint8_t addr6[16];
        uint32_t sessions;
        uint32_t addr4;  // the pool4 address its BIB entries share (§3.5.1.1)
        uint32_t next_free;
        uint32_t live;
    };

    // The free-list link of each kind of entry.
    static uint32_t &link_of(Session &s) noexcept { return s.next; }
    static uint32_t &link_of(Bib &b) noexcept { return b.sessions; }
    static uint32_t &link_of(Source &s) noexcept { return s.next_free; }

    // Entry pools: a bump pointer over lazily committed memory plus a free
    // list, so untouched capacity costs no RAM.
    template <class T>
    struct Pool {
        LazyMemory mem;
        T *at = nullptr;
        uint32_t cap = 0, used = 0, free_head = 0, live = 0;
        explicit Pool(uint64_t n);
        uint32_t take() noexcept;  // index, or HashIndex::kNone when full
        void give(uint32_t i) noexcept;
    };

    uint64_t hash_session6(const uint8_t *a6, uint16_t p6, uint32_t r4, uint16_t rp,
                           uint8_t proto) const noexcept;
    uint64_t hash_session4(uint32_t a4, uint16_t p4, uint32_t r4, uint16_t rp,
                           uint8_t proto) const noexcept;
    uint64_t hash_bib6(const uint8_t *a6, uint16_t p6, uint8_t proto) const noexcept;
    uint64_t hash_bib4(uint32_t a4, uint16_t p4, uint8_t proto) const noexcept;
    uint64_t hash_source(const uint8_t *a6) const noexcept;

    // Lock-free lookups; return the entry or kNone and copy what the
    // datapath needs while the seqlock says the entry is stable.
    uint32_t find_session6(const Flow6 &f, Mapped4 &m, uint8_t &st) const noexcept;
    uint32_t find_session4(const Flow4 &f, Mapped6 &m, uint8_t &st) const noexcept;

    // Under the lock.
    uint32_t locked_session6(const Flow6 &f) const noexcept;
    uint32_t locked_session4(const Flow4 &f) const noexcept;
    uint32_t locked_bib6(const uint8_t *a6, uint16_t p6, uint8_t proto) const noexcept;
    uint32_t locked_bib4(uint32_t a4, uint16_t p4, uint8_t proto) const noexcept;
    uint32_t locked_source(const uint8_t *a6) const noexcept;
    nat64_counter slow_outbound(const InstanceConfig &c, const Flow6 &f, uint64_t now, bool dry,
                                Mapped4 &out) noexcept;
    nat64_counter slow_inbound(const InstanceConfig &c, const Flow4 &f, uint64_t now, bool dry,
                               Mapped6 &out) noexcept;
    // Frees 'b' if it is dynamic and all its sessions have expired; true
    // if it is (now) gone.
    bool reap_bib(const InstanceConfig &c, uint32_t b, uint64_t now) noexcept;
    // True if 'b' still has a session alive at 'now' (changes nothing).
    bool has_live_session(uint32_t b, uint64_t now) const noexcept;
    nat64_counter check_caps(const InstanceConfig &c, const uint8_t *addr6, uint64_t now) noexcept;
    uint32_t new_bib(const InstanceConfig &c, Protocol p, const uint8_t *a6, uint16_t p6,
                     uint32_t a4, uint16_t p4, bool is_static, uint64_t now) noexcept;
    uint32_t new_session(const InstanceConfig &c, uint32_t bib, uint32_t remote4, uint16_t rport,
                         TcpState st, uint64_t expires, uint64_t now) noexcept;
    // 'reap': also free the session's dynamic BIB entry if it was the last.
    void del_session(const InstanceConfig *c, uint32_t s, uint64_t now, bool expired,
                     bool reap = true) noexcept;
    void del_bib(const InstanceConfig *c, uint32_t b, uint64_t now) noexcept;
    void set_tcp(Session &s, TcpState st) noexcept;
    bool fast_path(const InstanceConfig &c, uint32_t found, uint8_t st, Protocol p,
                   uint8_t tcp_flags, uint64_t now, bool dry) noexcept;
    void on_packet(const InstanceConfig &c, Session &s, bool from_v6, uint8_t tcp_flags,
                   uint64_t now) noexcept;
    void log(const InstanceConfig *c, LogEvent::Kind k, const Bib &b, const Session *s,
             uint64_t now) noexcept;
    size_t sweep(const InstanceConfig &c, uint64_t now, uint32_t budget) noexcept;
    bool matches(const StateFilter &f, const Bib &b, const Session *s) const noexcept;

    const uint64_t capacity_;
    uint64_t seed_;
    mutable std::mutex mu_;
    Pool<Session> sessions_;
    Pool<Bib> bibs_;
    Pool<Source> sources_;
    HashIndex s6_, s4_, b6_, b4_, src_;
    uint32_t sweep_cursor_ = 0;
    uint64_t alloc_counter_ = 0;
    std::atomic<uint64_t> next_tick_{0};
    uint64_t next_cap_sweep_ = 0;  // under the lock
    StateStats counts_;            // the event counters (under the lock)
    uint64_t static_bibs_ = 0;

    static constexpr size_t kLogRing = 4096;
    std::vector<LogEvent> log_;  // at most kLogRing pending events
};

// Session lifetime in milliseconds for a UDP/ICMP session, or a TCP timer.
uint64_t lifetime_ms(const InstanceConfig &c, Protocol p, TcpTimer t) noexcept;

}  // namespace nat64
