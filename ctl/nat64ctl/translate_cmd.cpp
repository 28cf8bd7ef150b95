#include "nat64ctl/translate_cmd.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string_view>

#include "nat64/nat64.h"
#include "nat64ctl/describe.hpp"
#include "nat64ctl/errors.hpp"
#include "nat64ctl/l2.hpp"
#include "nat64ctl/pcap_io.hpp"
#include "nat64ctl/splice.hpp"

namespace nat64::ctl {

namespace {

// The datapath hands the core bursts of this size; offline translation
// does the same so that it exercises the same code path.
constexpr size_t kBurst = 32;

// Messages name the flag and the value: "--in 'x.pcap': ...".
template <typename... Args>
std::string flag_msg(std::string_view flag, const std::string &value,
                     fmt::format_string<Args...> what, Args &&...args) {
    return fmt::format("{} '{}': {}", flag, value, fmt::format(what, std::forward<Args>(args)...));
}

struct FileClose {
    void operator()(FILE *f) const { std::fclose(f); }
};
using File = std::unique_ptr<FILE, FileClose>;

std::string read_text_file(const std::string &flag, const std::string &path) {
    File f(std::fopen(path.c_str(), "rb"));
    if (!f) throw InputError(flag_msg(flag, path, "cannot open: {}", std::strerror(errno)));
    std::string text;
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) {
        text.append(buf, n);
    }
    // A directory opens fine on Linux and fails here with EISDIR.
    if (std::ferror(f.get())) {
        throw InputError(flag_msg(flag, path, "cannot read: {}", std::strerror(errno)));
    }
    return text;
}

// True if 'a' and 'b' name the same file, existing or not.  Translating a
// file onto itself would truncate the input before it is read.
bool same_file(const std::string &a, const std::string &b) {
    std::error_code ec;
    if (std::filesystem::equivalent(a, b, ec)) return true;
    const auto ca = std::filesystem::weakly_canonical(a, ec);
    if (ec) return false;
    const auto cb = std::filesystem::weakly_canonical(b, ec);
    return !ec && ca == cb;
}

// The translator instance described by --config, for the duration of the
// command.
class Instance {
  public:
    explicit Instance(const std::string &path) {
        const std::string json = read_text_file("--config", path);
        char *err = nullptr;
        if (nat64_instance_set(json.c_str(), &err) != 0) {
            const std::string msg = err ? err : "invalid instance configuration";
            nat64_free(err);
            throw InputError(flag_msg("--config", path, "{}", msg));
        }
        // The core accepted the document, so it is valid JSON with a valid
        // "instance"; the ABI has no call returning the id it just set.
        try {
            id_ = nlohmann::json::parse(json).at("instance").get<uint32_t>();
        } catch (const nlohmann::json::exception &e) {
            throw RuntimeFailure(flag_msg("--config", path,
                                          "accepted by the translator core but its \"instance\" "
                                          "cannot be read: {}",
                                          e.what()));
        }
        inst_ = nat64_instance_find(id_);
        if (!inst_) {
            throw RuntimeFailure(fmt::format(
                "instance {} was configured but the translator core cannot find it", id_));
        }
    }
    ~Instance() {
        if (inst_) nat64_instance_del(id_, nullptr);
    }
    Instance(const Instance &) = delete;
    Instance &operator=(const Instance &) = delete;

    nat64_instance *get() const { return inst_; }

  private:
    uint32_t id_ = 0;
    nat64_instance *inst_ = nullptr;
};

// The --log file.
class VerdictLog {
  public:
    VerdictLog() = default;
    explicit VerdictLog(const std::string &path) : path_(path) {
        f_.reset(std::fopen(path.c_str(), "w"));
        if (!f_) {
            throw InputError(
                flag_msg("--log", path, "cannot open for writing: {}", std::strerror(errno)));
        }
    }
    void write(const std::string &line) {
        if (!f_) return;
        std::fputs(line.c_str(), f_.get());
        std::fputc('\n', f_.get());
        // errno says why only right after the failing call.
        if (std::ferror(f_.get())) {
            throw RuntimeFailure(
                flag_msg("--log", path_, "write failed: {}", std::strerror(errno)));
        }
    }
    void close() {
        if (!f_) return;
        const bool failed = std::ferror(f_.get()) != 0;
        const int rc = std::fclose(f_.release());
        if (failed || rc != 0) {
            throw RuntimeFailure(
                flag_msg("--log", path_, "write failed: {}", std::strerror(errno)));
        }
    }

  private:
    std::string path_;
    File f_;
};

const char *verdict_name(uint8_t v) {
    switch (v) {
        case NAT64_TRANSLATED:
            return "translated";
        case NAT64_ICMP_REPLY:
            return "icmp-reply";
        default:
            return "dropped";
    }
}

struct Stats {
    uint64_t in = 0;
    uint64_t out = 0;
    uint64_t cut_by_snaplen = 0;  // captured shorter than on the wire
    std::array<uint64_t, 3> by_verdict{};
    std::array<uint64_t, NAT64_C_N> by_reason{};
};

struct Frame {
    uint64_t index = 0;
    uint64_t now_ms = 0;
    Packet packet;
    Decap decap;
};

// One pass over the input: read, translate in bursts, write, log.
class TranslateRun {
  public:
    TranslateRun(const TranslateOptions &opts, nat64_instance *inst, PcapReader &in, LinkKind kind,
                 PcapWriter &out, VerdictLog &log)
        : opts_(opts), inst_(inst), in_(in), kind_(kind), out_(out), log_(log) {}

    void run() {
        bool have = read_frame(pending_);
        while (have) {
            // A burst shares one clock, so it ends where the clock moves:
            // every packet is translated at exactly its own time.
            const uint64_t now = pending_.now_ms;
            size_t n = 0;
            while (have && n < kBurst && pending_.now_ms == now) {
                std::swap(frames_[n++], pending_);  // keeps the buffers for reuse
                have = read_frame(pending_);
            }
            translate_burst(n, now);
        }
    }

    const Stats &stats() const { return stats_; }

  private:
    bool read_frame(Frame &f) {
        try {
            if (!in_.next(f.packet)) return false;
        } catch (const PcapError &e) {
            throw InputError(
                flag_msg("--in", opts_.in, "cannot read packet #{}: {}", next_index_, e.what()));
        }
        f.index = next_index_++;
        // The core's clock is monotonic; a capture whose timestamps go
        // backwards (merged files, clock steps) keeps the latest time.
        uint64_t now = f.packet.ts.ms();
        if (now < clock_) {
            if (!warned_clock_) {
                spdlog::warn(
                    "--in '{}': packet #{} is older than an earlier packet; the "
                    "translator's clock never goes back, so such packets are "
                    "translated at the latest time seen",
                    opts_.in, f.index);
                warned_clock_ = true;
            }
            now = clock_;
        }
        clock_ = now;
        f.now_ms = now;
        return true;
    }

    void translate_burst(size_t n, uint64_t now) {
        static const uint8_t kEmpty = 0;  // l3 must point somewhere even for 0 bytes
        std::array<int, kBurst> slot{};
        size_t m = 0;
        for (size_t i = 0; i < n; ++i) {
            Frame &f = frames_[i];
            f.decap = decap(kind_, f.packet.data);
            if (!f.decap.is_ip) {
                slot[i] = -1;
                continue;
            }
            nat64_pkt &p = pkts_[m];
            p = nat64_pkt{};
            p.l3 = f.packet.data.empty() ? &kEmpty : f.packet.data.data() + f.decap.l2_len;
            p.len = static_cast<uint32_t>(f.decap.l3_len);
            slot[i] = static_cast<int>(m++);
        }
        if (m) nat64_translate_burst(inst_, pkts_.data(), m, now, 0);
        for (size_t i = 0; i < n; ++i) {
            emit(frames_[i], slot[i] < 0 ? nullptr : &pkts_[slot[i]]);
        }
        // Stateful instances with logging-bib/logging-session: the RFC 6888
        // records, stamped with the capture's clock.
        nat64_log_drain(
            [](uint64_t time_ms, const char *line, void *) {
                spdlog::info("log: t={}.{:03} {}", time_ms / 1000, time_ms % 1000, line);
            },
            nullptr);
    }

    // Writes the outputs of one input packet and accounts for it.
    void emit(const Frame &f, const nat64_pkt *p) {
        const std::span<const uint8_t> data(f.packet.data);
        const uint8_t verdict = p ? p->verdict : uint8_t{NAT64_DROP};
        const unsigned reason = p ? p->reason : unsigned{NAT64_C_DROP_NOT_IP};
        if (verdict > NAT64_DROP || reason >= NAT64_C_N) {
            throw RuntimeFailure(
                fmt::format("packet #{}: translator core returned verdict {}, reason {}", f.index,
                            verdict, reason));
        }

        std::vector<uint64_t> indices;
        std::string first_out;  // --verbose: what the first output looks like
        if (verdict != NAT64_DROP) {
            if (p->family != 4 && p->family != 6) {
                throw RuntimeFailure(fmt::format("packet #{}: translator core returned family {}",
                                                 f.index, p->family));
            }
            prefix_.clear();
            encap(kind_, data.first(f.decap.l2_len), p->family, verdict == NAT64_ICMP_REPLY,
                  prefix_);
            std::vector<std::vector<uint8_t>> outs;
            try {
                outs = build_outputs(*p, prefix_);
            } catch (const SpliceError &e) {
                throw RuntimeFailure(fmt::format("packet #{}: {}", f.index, e.what()));
            }
            for (const auto &o : outs) {
                try {
                    out_.write(f.packet.ts, o);
                } catch (const PcapError &e) {
                    throw RuntimeFailure(flag_msg("--out", opts_.out, "{}", e.what()));
                }
                indices.push_back(stats_.out++);
            }
            if (opts_.verbose && !outs.empty()) {
                first_out = describe_ip(std::span<const uint8_t>(outs[0]).subspan(prefix_.size()));
            }
        }

        ++stats_.in;
        ++stats_.by_verdict[verdict];
        ++stats_.by_reason[reason];
        if (f.packet.data.size() < f.packet.wire_len) ++stats_.cut_by_snaplen;

        const char *reason_name = nat64_counter_name(static_cast<nat64_counter>(reason));
        nlohmann::ordered_json line;
        line["index"] = f.index;
        line["verdict"] = verdict_name(verdict);
        line["reason"] = reason_name ? reason_name : std::to_string(reason);
        line["outputs"] = indices;
        log_.write(line.dump());

        if (opts_.verbose) print_verbose(f, p, verdict, line["reason"], first_out, indices.size());
    }

    void print_verbose(const Frame &f, const nat64_pkt *p, uint8_t verdict,
                       const std::string &reason, const std::string &first_out, size_t n_out) {
        std::string s = fmt::format("#{} ", f.index);
        if (p) {
            s += describe_ip(
                std::span<const uint8_t>(f.packet.data).subspan(f.decap.l2_len, f.decap.l3_len));
        } else if (f.decap.l2_len == 0) {
            s += fmt::format("truncated Ethernet frame ({} bytes)", f.packet.data.size());
        } else {
            s += fmt::format("Ethernet type {:#06x}", f.decap.ethertype);
        }
        s += " => ";
        s += verdict_name(verdict);
        // The reason of an ordinary translation only repeats the direction.
        const bool plain =
            p && (p->reason == NAT64_C_TRANSLATED_6TO4 || p->reason == NAT64_C_TRANSLATED_4TO6);
        if (!plain) s += fmt::format(" ({})", reason);
        if (n_out > 1) s += fmt::format(" [{} fragments]", n_out);
        if (verdict != NAT64_DROP) s += fmt::format(": {}", first_out);
        std::cout << s << '\n';
    }

    const TranslateOptions &opts_;
    nat64_instance *inst_;
    PcapReader &in_;
    LinkKind kind_;
    PcapWriter &out_;
    VerdictLog &log_;

    std::array<Frame, kBurst> frames_;
    Frame pending_;
    std::array<nat64_pkt, kBurst> pkts_{};
    std::vector<uint8_t> prefix_;
    uint64_t next_index_ = 0;
    uint64_t clock_ = 0;
    bool warned_clock_ = false;
    Stats stats_;
};

// "translated-6to4 4, hairpinned 1" for the reasons in [first, last].
std::string reason_breakdown(const Stats &s, unsigned first, unsigned last) {
    std::string out;
    for (unsigned r = first; r <= last; ++r) {
        if (!s.by_reason[r]) continue;
        const char *name = nat64_counter_name(static_cast<nat64_counter>(r));
        if (!out.empty()) out += ", ";
        out += fmt::format("{} {}", name ? name : std::to_string(r), s.by_reason[r]);
    }
    return out.empty() ? "" : fmt::format(" ({})", out);
}

void print_summary(const Stats &s) {
    spdlog::info("{} packets in, {} packets out", s.in, s.out);
    spdlog::info("  translated:   {}{}", s.by_verdict[NAT64_TRANSLATED],
                 reason_breakdown(s, NAT64_C_TRANSLATED_6TO4, NAT64_C_HAIRPINNED));
    spdlog::info("  icmp replies: {}{}", s.by_verdict[NAT64_ICMP_REPLY],
                 reason_breakdown(s, NAT64_C_REPLY_HOP_LIMIT, NAT64_C_REPLY_DST_UNREACHABLE));
    spdlog::info("  dropped:      {}{}", s.by_verdict[NAT64_DROP],
                 reason_breakdown(s, NAT64_C_DROP_UNKNOWN_INSTANCE, NAT64_C_N - 1));
}

}  // namespace

int run_translate(const TranslateOptions &opts) {
    // Everything given is checked before any output file is created, so a
    // typo never leaves a truncated output behind.
    Instance instance(opts.config);

    std::unique_ptr<PcapReader> in;
    try {
        in = std::make_unique<PcapReader>(opts.in);
    } catch (const PcapError &e) {
        throw InputError(flag_msg("--in", opts.in, "libpcap cannot read it: {}", e.what()));
    }
    const auto kind = link_kind(in->datalink());
    if (!kind) {
        throw InputError(flag_msg("--in", opts.in, "unsupported link type {}; supported: {}",
                                  describe_dlt(in->datalink()), supported_link_types()));
    }
    if (same_file(opts.in, opts.out)) {
        throw InputError(flag_msg("--out", opts.out, "is the input file; choose another"));
    }
    if (!opts.log.empty() && (same_file(opts.log, opts.in) || same_file(opts.log, opts.out))) {
        throw InputError(flag_msg("--log", opts.log, "is the input or output file"));
    }

    std::unique_ptr<PcapWriter> out;
    try {
        out = std::make_unique<PcapWriter>(opts.out, output_dlt(in->datalink()),
                                           in->nanosecond_file());
    } catch (const PcapError &e) {
        throw InputError(flag_msg("--out", opts.out, "cannot open for writing: {}", e.what()));
    }
    VerdictLog log = opts.log.empty() ? VerdictLog() : VerdictLog(opts.log);

    TranslateRun run(opts, instance.get(), *in, *kind, *out, log);
    run.run();

    try {
        out->close();
    } catch (const PcapError &e) {
        throw RuntimeFailure(flag_msg("--out", opts.out, "{}", e.what()));
    }
    log.close();

    const Stats &s = run.stats();
    if (s.cut_by_snaplen) {
        spdlog::warn(
            "--in '{}': {} packets were captured shorter than they were on the wire "
            "(snaplen); the translator saw only the captured bytes",
            opts.in, s.cut_by_snaplen);
    }
    if (!opts.quiet) print_summary(s);
    return kExitOk;
}

}  // namespace nat64::ctl
