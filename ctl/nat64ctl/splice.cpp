#include "nat64ctl/splice.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace nat64::ctl {

namespace {

constexpr size_t kFragHeadersLen = 48;  // IPv6 header + Fragment header

void check(bool ok, const std::string &what) {
    if (!ok)
        throw SpliceError(fmt::format("translator core returned an inconsistent packet: {}", what));
}

}  // namespace

std::vector<std::vector<uint8_t>> build_outputs(const nat64_pkt &pkt,
                                                std::span<const uint8_t> prefix) {
    check(pkt.hdr_len <= NAT64_HDR_MAX, fmt::format("hdr_len {}", pkt.hdr_len));
    check(uint64_t{pkt.consumed} + pkt.tail_len <= pkt.len,
          fmt::format("consumed {} + tail_len {} > len {}", pkt.consumed, pkt.tail_len, pkt.len));
    const std::span<const uint8_t> hdr(pkt.hdr, pkt.hdr_len);
    const std::span<const uint8_t> tail(pkt.l3 + pkt.consumed, pkt.tail_len);

    std::vector<std::vector<uint8_t>> outs;
    if (pkt.frag_size == 0) {
        std::vector<uint8_t> &o = outs.emplace_back();
        o.reserve(prefix.size() + hdr.size() + tail.size());
        o.insert(o.end(), prefix.begin(), prefix.end());
        o.insert(o.end(), hdr.begin(), hdr.end());
        o.insert(o.end(), tail.begin(), tail.end());
        return outs;
    }

    check(pkt.hdr_len >= kFragHeadersLen,
          fmt::format("frag_size set but hdr_len {} < 48", pkt.hdr_len));
    // F, the fragmentable part, spans the rest of hdr and the tail; a
    // fragment's data range may straddle the two.
    const std::span<const uint8_t> f_hdr = hdr.subspan(kFragHeadersLen);
    const size_t f_len = f_hdr.size() + tail.size();
    const unsigned count = nat64_fragment_count(&pkt);
    outs.reserve(count);
    for (unsigned i = 0; i < count; ++i) {
        uint8_t fh[kFragHeadersLen];
        uint32_t ofs = 0, len = 0;
        check(nat64_fragment_header(&pkt, i, fh, &ofs, &len) == kFragHeadersLen,
              fmt::format("no header for fragment {} of {}", i, count));
        check(uint64_t{ofs} + len <= f_len,
              fmt::format("fragment {} range [{}, +{}) beyond {} bytes", i, ofs, len, f_len));
        std::vector<uint8_t> &o = outs.emplace_back();
        o.reserve(prefix.size() + kFragHeadersLen + len);
        o.insert(o.end(), prefix.begin(), prefix.end());
        o.insert(o.end(), fh, fh + kFragHeadersLen);
        const size_t end = size_t{ofs} + len;
        if (ofs < f_hdr.size()) {
            const size_t n = std::min(end, f_hdr.size()) - ofs;
            o.insert(o.end(), f_hdr.begin() + ofs, f_hdr.begin() + ofs + n);
        }
        if (end > f_hdr.size()) {
            const size_t from = ofs > f_hdr.size() ? ofs - f_hdr.size() : 0;
            const size_t to = end - f_hdr.size();
            o.insert(o.end(), tail.begin() + from, tail.begin() + to);
        }
    }
    return outs;
}

}  // namespace nat64::ctl
