#include "nat64ctl/pcap_io.hpp"

#include <fmt/format.h>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace nat64::ctl {

namespace {

// libpcap's "raw IP" DLT numbers across platforms (see link_kind()).
constexpr int kDltRawCommon = 12;
constexpr int kDltRawOpenBsd = 14;
constexpr int kDltLinktypeRaw = 101;

// Larger than any packet a capture can hold (libpcap's own maximum), so
// packets that grew in translation are never cut by the file's snaplen.
constexpr int kOutputSnaplen = 262144;

// Classic pcap magic numbers for nanosecond files, in either byte order.
constexpr uint32_t kMagicNsec = 0xa1b23c4d;
constexpr uint32_t kMagicNsecSwapped = 0x4d3cb2a1;

bool file_has_nanosecond_magic(const std::string &path) {
    FILE *f = std::fopen(path.c_str(), "rb");
    if (!f) return false;
    uint32_t magic = 0;
    const bool ok = std::fread(&magic, sizeof magic, 1, f) == 1;
    std::fclose(f);
    return ok && (magic == kMagicNsec || magic == kMagicNsecSwapped);
}

}  // namespace

std::optional<LinkKind> link_kind(int dlt) {
    switch (dlt) {
        case DLT_EN10MB:
            return LinkKind::ethernet;
        case kDltRawCommon:
        case kDltRawOpenBsd:
        case kDltLinktypeRaw:
        case DLT_IPV4:
        case DLT_IPV6:
            return LinkKind::raw_ip;
        default:
            return std::nullopt;
    }
}

int output_dlt(int dlt) {
    return link_kind(dlt) == LinkKind::raw_ip ? DLT_RAW : dlt;
}

std::string supported_link_types() {
    return "1 (EN10MB, Ethernet), 101 (RAW, raw IP; also 12 and 14), 228 (IPV4, raw IPv4), "
           "229 (IPV6, raw IPv6)";
}

std::string describe_dlt(int dlt) {
    std::string s = std::to_string(dlt);
    const char *name = pcap_datalink_val_to_name(dlt);
    const char *desc = pcap_datalink_val_to_description(dlt);
    if (name) {
        s += " (";
        s += name;
        if (desc) {
            s += ": ";
            s += desc;
        }
        s += ")";
    }
    return s;
}

uint64_t Timestamp::ms() const {
    if (sec < 0) return 0;
    return static_cast<uint64_t>(sec) * 1000 + nsec / 1000000;
}

PcapReader::PcapReader(const std::string &path) {
    char err[PCAP_ERRBUF_SIZE] = "";
    // Nanosecond precision loses nothing for microsecond files (libpcap
    // scales them) and keeps nanosecond files exact.
    pcap_.reset(
        pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, err));
    if (!pcap_) throw PcapError(err);
    datalink_ = pcap_datalink(pcap_.get());
    nanosecond_file_ = file_has_nanosecond_magic(path);
}

bool PcapReader::next(Packet &p) {
    pcap_pkthdr *hdr = nullptr;
    const u_char *data = nullptr;
    const int rc = pcap_next_ex(pcap_.get(), &hdr, &data);
    if (rc == PCAP_ERROR_BREAK) return false;  // end of file
    if (rc != 1) throw PcapError(pcap_geterr(pcap_.get()));
    p.ts.sec = hdr->ts.tv_sec;
    p.ts.nsec = static_cast<uint32_t>(hdr->ts.tv_usec);  // nanoseconds, see the constructor
    p.wire_len = hdr->len;
    // libpcap reuses its buffer on the next call; translation happens in
    // bursts, so each packet keeps its own copy.
    p.data.assign(data, data + hdr->caplen);
    return true;
}

PcapWriter::PcapWriter(const std::string &path, int dlt, bool nanosecond)
    : nanosecond_(nanosecond) {
    pcap_.reset(pcap_open_dead_with_tstamp_precision(
        dlt, kOutputSnaplen,
        nanosecond ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO));
    if (!pcap_) {
        throw PcapError(
            fmt::format("cannot create a libpcap handle for link type {}", describe_dlt(dlt)));
    }
    dumper_ = pcap_dump_open(pcap_.get(), path.c_str());
    if (!dumper_) throw PcapError(pcap_geterr(pcap_.get()));
}

PcapWriter::~PcapWriter() {
    if (dumper_) pcap_dump_close(dumper_);
}

void PcapWriter::write(const Timestamp &ts, std::span<const uint8_t> bytes) {
    pcap_pkthdr hdr{};
    hdr.ts.tv_sec = static_cast<time_t>(ts.sec);
    hdr.ts.tv_usec = static_cast<suseconds_t>(nanosecond_ ? ts.nsec : ts.nsec / 1000);
    hdr.caplen = static_cast<bpf_u_int32>(bytes.size());
    hdr.len = hdr.caplen;
    pcap_dump(reinterpret_cast<u_char *>(dumper_), &hdr, bytes.data());
    // Checked per packet because the stdio error flag is cheap and errno
    // still tells why: by close() time it is long gone.
    if (std::ferror(pcap_dump_file(dumper_))) {
        throw PcapError(fmt::format("write failed: {}", std::strerror(errno)));
    }
    ++written_;
}

void PcapWriter::close() {
    if (!dumper_) return;
    errno = 0;
    const bool failed = pcap_dump_flush(dumper_) != 0 || std::ferror(pcap_dump_file(dumper_));
    const int saved_errno = errno;
    pcap_dump_close(dumper_);  // fclose(); its result is not reported by libpcap
    dumper_ = nullptr;
    if (failed) {
        throw PcapError(fmt::format("write failed: {}",
                                    saved_errno ? std::strerror(saved_errno) : "I/O error"));
    }
}

}  // namespace nat64::ctl
