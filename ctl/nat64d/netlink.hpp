// rtnetlink for nat64d: the IPv4 side of a VNet (host routes towards the
// translator, its permanent neighbour entry, forwarding) and the VNet's
// gateway IPv6 address, through libnl-route-3.
//
// Every error is a NetlinkError whose message names the operation and the
// object, then the kernel's errno text, the kernel's extended ack message
// when it sent one, and libnl's error, e.g.
//   adding route 198.51.100.0/24 via 169.254.64.1 dev vnet1: Network is down:
//   Nexthop device is not up (libnl: Unspecific failure)
// (libnl's own code alone is often useless: it maps ENETDOWN to "Unspecific
// failure" and ESRCH and ENOENT to one code, hence the errno.)
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "nat64/config.hpp"

struct nl_sock;
struct nl_object;
struct rtnl_link;
struct nlmsgerr;
struct sockaddr_nl;

namespace nat64d {

using Mac = std::array<uint8_t, 6>;

std::string format_mac(const Mac &m);  // "02:64:00:00:00:01"

// The route protocol number nat64d marks its routes with (rtm_protocol), so
// it finds them again and never touches anyone else's.  64 is unassigned in
// iproute2's rt_protos.
inline constexpr uint8_t kRouteProtocol = 64;

struct LinkInfo {
    int ifindex = 0;
    Mac mac{};  // all zero for a device without a 6-byte hardware address
    uint32_t mtu = 0;
    bool up = false;  // administratively up (IFF_UP)
};

// An IPv4 route of ours: dst via gateway dev ifindex onlink, main table,
// metric 0, protocol kRouteProtocol.
struct Route4 {
    nat64::Ipv4Prefix dst;
    int ifindex = 0;
    uint32_t gateway = 0;  // host byte order
    auto operator<=>(const Route4 &) const = default;
};

class NetlinkError : public std::runtime_error {
    using std::runtime_error::runtime_error;
};

// One NETLINK_ROUTE socket in the network namespace of the thread that
// constructs it.  Not thread-safe.
//
// Kernel behaviour the caller must expect (the reconciler re-applies):
// taking a device down flushes its IPv4 routes, its neighbour entries
// (permanent ones too) and, unless keep_addr_on_down is set, its IPv6
// addresses; an onlink route needs its device to be up.
class Netlink {
  public:
    Netlink();  // throws NetlinkError
    ~Netlink();
    Netlink(const Netlink &) = delete;
    Netlink &operator=(const Netlink &) = delete;

    std::optional<LinkInfo> link(const std::string &name);  // nullopt if no such device
    void set_link_up(const std::string &name);

    // Every local IPv4 address on any device (host order), sorted, unique.
    std::vector<uint32_t> ipv4_addresses();
    // The IPv6 addresses of 'dev' with their prefix lengths, tentative and
    // link-local ones included.
    std::vector<std::pair<nat64::Ipv6Addr, uint8_t>> ipv6_addresses(const std::string &dev);
    // The first link-local address of 'dev' the kernel really owns: not
    // tentative (DAD still running) and not DAD-failed, so it answers
    // Neighbor Solicitations for it.  nullopt while there is none.
    std::optional<nat64::Ipv6Addr> usable_link_local(const std::string &dev);
    // Adds a/plen to dev unless dev already has a (with any prefix length:
    // the kernel allows an IPv6 address once per device).  True if it added it.
    bool ensure_ipv6_address(const std::string &dev, const nat64::Ipv6Addr &a, uint8_t plen);

    // Main table, protocol kRouteProtocol only.
    std::vector<Route4> our_routes4();
    // Creates or replaces (onlink, protocol kRouteProtocol, metric 0).  Refuses,
    // with a NetlinkError, to replace a route to the same destination and
    // metric that is not ours.
    void replace_route4(const Route4 &r);
    // Deletes exactly this route of ours; already gone is not an error.
    void delete_route4(const Route4 &r);

    // The MAC of a NUD_PERMANENT IPv4 neighbour entry, else nullopt.
    std::optional<Mac> permanent_neigh4(int ifindex, uint32_t ip);
    void replace_neigh4(int ifindex, uint32_t ip, const Mac &mac);  // NUD_PERMANENT
    void delete_neigh4(int ifindex, uint32_t ip);                   // already gone is not an error

    // IPV4_DEVCONF_FORWARDING of 'dev', through IFLA_AF_SPEC.
    bool ipv4_forwarding(const std::string &dev);
    void set_ipv4_forwarding(const std::string &dev, bool on);

  private:
    // What the kernel answered to the last failed request, recorded by
    // libnl's error callback: libnl itself keeps only its own error code,
    // which loses the errno (ESRCH and ENOENT are one code) and the
    // kernel's explanation.
    struct KernelError {
        int error = 0;    // positive errno, 0 if the kernel did not answer with one
        std::string msg;  // NLMSGERR_ATTR_MSG, the extended ack, if any
    };
    static int on_kernel_error(sockaddr_nl *, nlmsgerr *e, void *arg);

    struct ObjectPut {
        void operator()(nl_object *o) const;
    };
    struct LinkPut {
        void operator()(rtnl_link *l) const;
    };
    using Objects = std::vector<std::unique_ptr<nl_object, ObjectPut>>;
    using LinkPtr = std::unique_ptr<rtnl_link, LinkPut>;

    void begin() { kerr_ = {}; }  // before every request
    [[noreturn]] void fail(const std::string &what, int nlerr) const;
    LinkPtr find_link(const std::string &what, const std::string &name);  // null if absent
    LinkPtr get_link(const std::string &what, const std::string &name);   // throws if absent
    // A dump request: the kernel filters by what hdr says (we set
    // NETLINK_GET_STRICT_CHK); callers filter again.
    Objects dump(const std::string &what, int type, const void *hdr, size_t hdrlen);
    std::vector<std::pair<uint32_t, uint8_t>> list_ipv4();
    // Without the addresses that have any of skip_flags (IFA_F_*).
    std::vector<std::pair<nat64::Ipv6Addr, uint8_t>> list_ipv6(const std::string &what, int ifindex,
                                                               unsigned skip_flags = 0);
    int add_route4(const Route4 &r, int flags);

    nl_sock *sk_ = nullptr;
    KernelError kerr_;
};

// sysctls that netlink cannot set (IPv6 devconf is read-only over rtnetlink)
// go through /proc/sys.  The key is in sysctl(8)'s dotted form, e.g.
// "net.ipv6.conf.vnet1.forwarding"; as in sysctl(8), a '/' stands for a dot
// inside a name ("net.ipv4.conf.eno1/100.forwarding").
std::optional<std::string> read_sysctl(const std::string &key);  // trimmed; nullopt if absent
// Throws NetlinkError naming the key, the value and strerror.
void write_sysctl(const std::string &key, const std::string &value);

}  // namespace nat64d
