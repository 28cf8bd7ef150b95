// Epoch-based reclamation: how configuration snapshots (and instances) are
// freed while datapath threads may still be reading them, without readers
// ever taking a lock.
//
// A reader brackets each burst with a Guard: one store and one fence on
// entry, one store on exit, on a cache line of its own.  A writer publishes
// the new pointer, then synchronize() waits until every reader that might
// have seen the old one has left its burst; only then is the old object
// deleted.  Writers are the control path (ovs-appctl, nat64ctl) and may
// wait; readers never do.
#pragma once

#include <atomic>
#include <cstdint>

namespace nat64 {

class Epoch {
  public:
    class Guard {
      public:
        Guard() noexcept;
        ~Guard();
        Guard(const Guard &) = delete;
        Guard &operator=(const Guard &) = delete;

      private:
        void *slot_;
        bool nested_;
    };

    // Waits until no reader is inside a Guard entered before this call.
    static void synchronize() noexcept;
};

}  // namespace nat64
