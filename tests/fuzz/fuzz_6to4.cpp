// libFuzzer target: IPv6 -> IPv4 (RFC 7915 §5, RFC 6146, RFC 7757).  The
// input is one IPv6 packet; its version nibble is forced to 6.  See
// fuzz_common.hpp for the invariants checked.
#include <cstddef>
#include <cstdint>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return fuzz::run(data, size, 6);
}
