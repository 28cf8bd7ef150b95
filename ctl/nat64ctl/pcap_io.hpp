// RAII wrappers around libpcap for reading and writing capture files, and
// the link types nat64ctl supports.
#pragma once

#include <pcap/pcap.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "nat64ctl/l2.hpp"

namespace nat64::ctl {

// Raised by the wrappers; the caller adds which flag the file came from.
class PcapError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// What the DLT value libpcap reports for a file means to us, or nullopt if
// we cannot translate packets of that link type.  Raw IP has several
// values: libpcap maps LINKTYPE_RAW (101) to DLT_RAW, which is 12 on most
// systems and 14 on OpenBSD, and files written there carry those numbers.
std::optional<LinkKind> link_kind(int dlt);

// The link type of the output file for an input of link type 'dlt'.  The
// same as the input, except that raw IPv4/IPv6 (228/229) become raw IP:
// a single-family link type cannot hold the packets translation produces.
// All raw IP variants are written as DLT_RAW, i.e. LINKTYPE_RAW (101) in
// the file, the portable spelling.
int output_dlt(int dlt);

// "1 (EN10MB), 101 (RAW; also 12, 14), 228 (IPV4), 229 (IPV6)", for error
// messages.
std::string supported_link_types();

// "113 (LINUX_SLL: Linux cooked v1)": the number and libpcap's names.
std::string describe_dlt(int dlt);

// A capture timestamp with nanosecond resolution.
struct Timestamp {
    int64_t sec = 0;
    uint32_t nsec = 0;
    // Milliseconds since the epoch; the translator's clock.  Times before
    // 1970 (nonsense in a capture) count as 0.
    uint64_t ms() const;
};

struct Packet {
    Timestamp ts;
    uint32_t wire_len = 0;      // length on the wire (>= data.size())
    std::vector<uint8_t> data;  // the captured bytes
};

// Reads a pcap or pcapng file, packet by packet.
class PcapReader {
  public:
    explicit PcapReader(const std::string &path);  // throws PcapError
    int datalink() const { return datalink_; }
    // True for nanosecond-resolution pcap files: the output keeps the same
    // resolution so that timestamps survive exactly.
    bool nanosecond_file() const { return nanosecond_file_; }
    // Reads the next packet into 'p'.  Returns false at the end of the file;
    // throws PcapError if the file is damaged (e.g. truncated).
    bool next(Packet &p);

  private:
    struct Close {
        void operator()(pcap_t *p) const { pcap_close(p); }
    };
    std::unique_ptr<pcap_t, Close> pcap_;
    int datalink_ = 0;
    bool nanosecond_file_ = false;
};

// Writes a classic pcap file.
class PcapWriter {
  public:
    // Creates (truncates) 'path'.  Throws PcapError.
    PcapWriter(const std::string &path, int dlt, bool nanosecond);
    ~PcapWriter();
    PcapWriter(const PcapWriter &) = delete;
    PcapWriter &operator=(const PcapWriter &) = delete;

    // Throws PcapError if the file cannot be written (libpcap's pcap_dump()
    // reports nothing, so the wrapper checks the stream).
    void write(const Timestamp &ts, std::span<const uint8_t> bytes);
    // Flushes and closes; throws PcapError if that fails.
    void close();
    uint64_t packets_written() const { return written_; }

  private:
    struct Close {
        void operator()(pcap_t *p) const { pcap_close(p); }
    };
    std::unique_ptr<pcap_t, Close> pcap_;
    pcap_dumper_t *dumper_ = nullptr;
    bool nanosecond_;
    uint64_t written_ = 0;
};

}  // namespace nat64::ctl
