#include "nat64d/netlink.hpp"

#include "nat64d/prefixes.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/ip.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/addr.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/object.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/inet.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>

namespace nat64d {

namespace {

// unique_ptr deleters for libnl's reference-counted objects.
template <auto Put>
struct Putter {
    template <class T>
    void operator()(T *p) const {
        Put(p);
    }
};
using AddrPtr = std::unique_ptr<nl_addr, Putter<nl_addr_put>>;
using RoutePtr = std::unique_ptr<rtnl_route, Putter<rtnl_route_put>>;
using NeighPtr = std::unique_ptr<rtnl_neigh, Putter<rtnl_neigh_put>>;
using RtAddrPtr = std::unique_ptr<rtnl_addr, Putter<rtnl_addr_put>>;
using CbPtr = std::unique_ptr<nl_cb, Putter<nl_cb_put>>;

template <class T>
T *check_alloc(T *p) {
    if (!p) throw std::bad_alloc();
    return p;
}

std::string errno_text(int e) {
    char buf[128];
    // GNU strerror_r (g++ defines _GNU_SOURCE): thread-safe, returns the text.
    return strerror_r(e, buf, sizeof buf);
}

AddrPtr ipv4_addr(uint32_t host, int plen) {
    const uint32_t be = htonl(host);
    AddrPtr a(check_alloc(nl_addr_build(AF_INET, &be, sizeof be)));
    nl_addr_set_prefixlen(a.get(), plen);
    return a;
}

std::optional<uint32_t> to_ipv4(nl_addr *a) {
    if (!a || nl_addr_get_family(a) != AF_INET || nl_addr_get_len(a) != 4) return std::nullopt;
    uint32_t be;
    std::memcpy(&be, nl_addr_get_binary_addr(a), 4);
    return ntohl(be);
}

std::string dev_name(int ifindex) {
    char name[IF_NAMESIZE];
    if (ifindex > 0 && if_indextoname(static_cast<unsigned>(ifindex), name)) return name;
    return "ifindex " + std::to_string(ifindex);
}

std::string describe(const Route4 &r) {
    std::string s = nat64::format_prefix(r.dst);
    if (r.gateway) s += " via " + nat64::format_ipv4(r.gateway);
    return s + " dev " + dev_name(r.ifindex);
}

std::string describe_neigh(int ifindex, uint32_t ip) {
    return nat64::format_ipv4(ip) + " dev " + dev_name(ifindex);
}

void set_sockopt(nl_sock *sk, int opt) {
    const int one = 1;
    // Each is a nicety on kernels that lack it (extended ack texts, kernel-side
    // dump filtering; callers filter again), so failing to set one is ignored.
    (void)setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, opt, &one, sizeof one);
}

}  // namespace

std::string format_mac(const Mac &m) {
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
                  m[5]);
    return buf;
}

void Netlink::ObjectPut::operator()(nl_object *o) const {
    nl_object_put(o);
}
void Netlink::LinkPut::operator()(rtnl_link *l) const {
    rtnl_link_put(l);
}

Netlink::Netlink() {
    sk_ = nl_socket_alloc();
    if (!sk_) throw NetlinkError("opening a netlink socket: out of memory");
    if (int err = nl_connect(sk_, NETLINK_ROUTE); err < 0) {
        nl_socket_free(sk_);
        throw NetlinkError(std::string("opening a NETLINK_ROUTE socket: libnl: ") +
                           nl_geterror(err));
    }
    // Ask for the kernel's explanation with each error (NLMSGERR_ATTR_MSG),
    // without the echo of our request, which we do not need.
    set_sockopt(sk_, NETLINK_EXT_ACK);
    set_sockopt(sk_, NETLINK_CAP_ACK);
    // Let the kernel filter dumps by the header we send (table, protocol,
    // device), so listing our routes does not walk every route of a router.
    set_sockopt(sk_, NETLINK_GET_STRICT_CHK);
    // Every receive on this socket (including the ack waits inside libnl's
    // rtnl_*_add/delete) clones the socket's callbacks, so this one sees
    // every error the kernel sends.
    nl_socket_modify_err_cb(sk_, NL_CB_CUSTOM, &Netlink::on_kernel_error, &kerr_);
}

Netlink::~Netlink() {
    nl_socket_free(sk_);  // closes the socket too
}

int Netlink::on_kernel_error(sockaddr_nl *, nlmsgerr *e, void *arg) {
    auto *k = static_cast<KernelError *>(arg);
    k->error = -e->error;
    try {
        k->msg.clear();
        // libnl hands us the payload only; the header is right before it
        // and says whether the kernel appended TLVs after the (capped)
        // echo of our request.
        const auto *hdr =
            reinterpret_cast<const nlmsghdr *>(reinterpret_cast<const char *>(e) - NLMSG_HDRLEN);
        if (hdr->nlmsg_flags & NLM_F_ACK_TLVS) {
            size_t off = NLMSG_HDRLEN + sizeof(nlmsgerr);
            if (!(hdr->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len > NLMSG_HDRLEN)
                off += e->msg.nlmsg_len - NLMSG_HDRLEN;
            off = NLMSG_ALIGN(off);
            if (off < hdr->nlmsg_len) {
                nlattr *tb[NLMSGERR_ATTR_MAX + 1] = {};
                auto *head = reinterpret_cast<nlattr *>(
                    const_cast<char *>(reinterpret_cast<const char *>(hdr) + off));
                if (nla_parse(tb, NLMSGERR_ATTR_MAX, head, static_cast<int>(hdr->nlmsg_len - off),
                              nullptr) == 0 &&
                    tb[NLMSGERR_ATTR_MSG]) {
                    const auto *s = static_cast<const char *>(nla_data(tb[NLMSGERR_ATTR_MSG]));
                    k->msg.assign(s,
                                  strnlen(s, static_cast<size_t>(nla_len(tb[NLMSGERR_ATTR_MSG]))));
                }
            }
        }
    } catch (...) {
        // Only the extra text is lost; we are called from C.
    }
    return NL_STOP;  // libnl then returns its code for e->error
}

void Netlink::fail(const std::string &what, int nlerr) const {
    if (nlerr < 0) nlerr = -nlerr;
    std::string m = what + ": ";
    if (kerr_.error) {
        m += errno_text(kerr_.error);
        if (!kerr_.msg.empty()) m += ": " + kerr_.msg;
        m += std::string(" (libnl: ") + nl_geterror(nlerr) + ")";
    } else {
        m += std::string("libnl: ") + nl_geterror(nlerr);
    }
    throw NetlinkError(m);
}

Netlink::Objects Netlink::dump(const std::string &what, int type, const void *hdr, size_t hdrlen) {
    struct Ctx {
        Objects objs;
        int parse_err = 0;
        bool oom = false;
    };
    static constexpr void (*on_parsed)(nl_object *, void *) = [](nl_object *o, void *arg) {
        auto *c = static_cast<Ctx *>(arg);
        // The parser keeps ownership of o; hold our own reference.
        nl_object_get(o);
        std::unique_ptr<nl_object, ObjectPut> p(o);
        try {
            c->objs.push_back(std::move(p));
        } catch (...) {
            c->oom = true;
        }
    };
    static constexpr int (*on_valid)(nl_msg *, void *) = [](nl_msg *msg, void *arg) -> int {
        auto *c = static_cast<Ctx *>(arg);
        int err = nl_msg_parse(msg, on_parsed, c);
        if (err < 0 && !c->parse_err) c->parse_err = err;
        // Never stop early: the rest of the dump would stay queued on the
        // socket and be taken for the answer to the next request.
        return NL_OK;
    };
    // The kernel marks a dump NLM_F_DUMP_INTR when the table changed while
    // it was being dumped; the answer may then miss entries, so ask again.
    for (int attempt = 1;; ++attempt) {
        begin();
        Ctx ctx;
        // A clone keeps our error callback; nl_socket_get_cb returns a new
        // reference, which the clone does not take over.
        CbPtr sock_cb(nl_socket_get_cb(sk_));
        CbPtr cb(check_alloc(nl_cb_clone(sock_cb.get())));
        nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, on_valid, &ctx);
        int err = nl_send_simple(sk_, type, NLM_F_DUMP, const_cast<void *>(hdr),
                                 static_cast<int>(hdrlen));
        if (err >= 0) err = nl_recvmsgs(sk_, cb.get());
        if (err == -NLE_DUMP_INTR && attempt < 5) continue;
        if (err < 0) fail(what, err);
        if (ctx.oom) throw std::bad_alloc();
        if (ctx.parse_err) fail(what + ": parsing the kernel's answer", ctx.parse_err);
        return std::move(ctx.objs);
    }
}

Netlink::LinkPtr Netlink::find_link(const std::string &what, const std::string &name) {
    // No device can have such a name; the kernel would answer EINVAL.
    if (name.empty() || name.size() >= IFNAMSIZ) return nullptr;
    begin();
    rtnl_link *l = nullptr;
    int err = rtnl_link_get_kernel(sk_, 0, name.c_str(), &l);
    LinkPtr link(l);
    // ENODEV: libnl 3.7 maps it to NLE_NODEV, older ones to NLE_OBJ_NOTFOUND.
    if (err == -NLE_NODEV || err == -NLE_OBJ_NOTFOUND) return nullptr;
    if (err < 0) fail(what, err);
    if (!link) fail(what, -NLE_OBJ_NOTFOUND);
    return link;
}

Netlink::LinkPtr Netlink::get_link(const std::string &what, const std::string &name) {
    LinkPtr l = find_link(what, name);
    if (!l) throw NetlinkError(what + ": no such device");
    return l;
}

std::optional<LinkInfo> Netlink::link(const std::string &name) {
    LinkPtr l = find_link("looking up device " + name, name);
    if (!l) return std::nullopt;
    LinkInfo info;
    info.ifindex = rtnl_link_get_ifindex(l.get());
    if (nl_addr *a = rtnl_link_get_addr(l.get()); a && nl_addr_get_len(a) == info.mac.size())
        std::memcpy(info.mac.data(), nl_addr_get_binary_addr(a), info.mac.size());
    info.mtu = rtnl_link_get_mtu(l.get());
    info.up = rtnl_link_get_flags(l.get()) & IFF_UP;
    return info;
}

void Netlink::set_link_up(const std::string &name) {
    const std::string what = "setting device " + name + " up";
    LinkPtr orig = get_link(what, name);
    // A fresh object holds only the change; a copy of orig would send back
    // every setting it read.
    LinkPtr change(check_alloc(rtnl_link_alloc()));
    rtnl_link_set_flags(change.get(), IFF_UP);
    begin();
    if (int err = rtnl_link_change(sk_, orig.get(), change.get(), 0); err < 0) fail(what, err);
}

// Every IPv4 address of the node with its prefix length.
std::vector<std::pair<uint32_t, uint8_t>> Netlink::list_ipv4() {
    ifaddrmsg h{};
    h.ifa_family = AF_INET;
    std::vector<std::pair<uint32_t, uint8_t>> out;
    for (auto &o : dump("listing IPv4 addresses", RTM_GETADDR, &h, sizeof h)) {
        auto *a = reinterpret_cast<rtnl_addr *>(o.get());
        if (rtnl_addr_get_family(a) != AF_INET) continue;
        if (auto ip = to_ipv4(rtnl_addr_get_local(a)))
            out.emplace_back(*ip, static_cast<uint8_t>(rtnl_addr_get_prefixlen(a)));
    }
    return out;
}

std::vector<uint32_t> Netlink::ipv4_addresses() {
    std::vector<uint32_t> out;
    for (const auto &[ip, len] : list_ipv4())
        out.push_back(ip);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::vector<std::pair<nat64::Ipv6Addr, uint8_t>> Netlink::ipv6_addresses(const std::string &dev) {
    const std::string what = "listing IPv6 addresses of " + dev;
    LinkPtr l = get_link(what, dev);
    return list_ipv6(what, rtnl_link_get_ifindex(l.get()));
}

std::optional<nat64::Ipv6Addr> Netlink::usable_link_local(const std::string &dev) {
    const std::string what = "listing IPv6 addresses of " + dev;
    LinkPtr l = get_link(what, dev);
    for (const auto &[a, len] :
         list_ipv6(what, rtnl_link_get_ifindex(l.get()), IFA_F_TENTATIVE | IFA_F_DADFAILED)) {
        if (is_link_local(a)) return a;
    }
    return std::nullopt;
}

std::vector<std::pair<nat64::Ipv6Addr, uint8_t>> Netlink::list_ipv6(const std::string &what,
                                                                    int ifindex,
                                                                    unsigned skip_flags) {
    ifaddrmsg h{};
    h.ifa_family = AF_INET6;
    h.ifa_index = static_cast<uint32_t>(ifindex);
    std::vector<std::pair<nat64::Ipv6Addr, uint8_t>> out;
    for (auto &o : dump(what, RTM_GETADDR, &h, sizeof h)) {
        auto *a = reinterpret_cast<rtnl_addr *>(o.get());
        nl_addr *local = rtnl_addr_get_local(a);
        if (rtnl_addr_get_family(a) != AF_INET6 || rtnl_addr_get_ifindex(a) != ifindex || !local ||
            nl_addr_get_len(local) != 16)
            continue;
        if ((static_cast<unsigned>(rtnl_addr_get_flags(a)) & skip_flags) != 0) continue;
        nat64::Ipv6Addr ip;
        std::memcpy(ip.b.data(), nl_addr_get_binary_addr(local), 16);
        out.emplace_back(ip, static_cast<uint8_t>(rtnl_addr_get_prefixlen(a)));
    }
    return out;
}

bool Netlink::ensure_ipv6_address(const std::string &dev, const nat64::Ipv6Addr &a, uint8_t plen) {
    const std::string what =
        "adding address " + nat64::format_ipv6(a) + "/" + std::to_string(plen) + " to " + dev;
    LinkPtr l = get_link(what, dev);
    for (const auto &[have, len] : list_ipv6(what, rtnl_link_get_ifindex(l.get())))
        if (have == a) return false;
    AddrPtr local(check_alloc(nl_addr_build(AF_INET6, a.b.data(), a.b.size())));
    nl_addr_set_prefixlen(local.get(), plen);
    RtAddrPtr addr(check_alloc(rtnl_addr_alloc()));
    rtnl_addr_set_ifindex(addr.get(), rtnl_link_get_ifindex(l.get()));
    rtnl_addr_set_family(addr.get(), AF_INET6);
    if (int err = rtnl_addr_set_local(addr.get(), local.get()); err < 0) fail(what, err);
    // No DAD (RFC 4862 §5.4): the gateway is ours by configuration, and DAD
    // would leave it tentative for a second, or "dadfailed" for good if a VM
    // answered for it first.
    rtnl_addr_set_flags(addr.get(), IFA_F_NODAD);
    begin();
    // NLM_F_EXCL: without it the kernel would modify an existing address
    // (its prefix length, lifetimes) instead of refusing.
    int err = rtnl_addr_add(sk_, addr.get(), NLM_F_EXCL);
    if (err < 0 && kerr_.error == EEXIST) return false;  // someone added it meanwhile
    if (err < 0) fail(what, err);
    return true;
}

std::vector<Route4> Netlink::our_routes4() {
    rtmsg h{};
    h.rtm_family = AF_INET;
    h.rtm_table = RT_TABLE_MAIN;
    h.rtm_protocol = kRouteProtocol;
    std::vector<Route4> out;
    for (auto &o : dump("listing nat64d's IPv4 routes", RTM_GETROUTE, &h, sizeof h)) {
        auto *rt = reinterpret_cast<rtnl_route *>(o.get());
        if (rtnl_route_get_family(rt) != AF_INET || rtnl_route_get_table(rt) != RT_TABLE_MAIN ||
            rtnl_route_get_protocol(rt) != kRouteProtocol || rtnl_route_get_type(rt) != RTN_UNICAST)
            continue;
        nl_addr *dst = rtnl_route_get_dst(rt);
        auto ip = to_ipv4(dst);
        if (!ip) continue;
        Route4 r;
        r.dst = {*ip, static_cast<uint8_t>(nl_addr_get_prefixlen(dst))};
        if (rtnl_route_get_nnexthops(rt) > 0) {
            rtnl_nexthop *nh = rtnl_route_nexthop_n(rt, 0);
            r.ifindex = rtnl_route_nh_get_ifindex(nh);
            r.gateway = to_ipv4(rtnl_route_nh_get_gateway(nh)).value_or(0);
        }
        out.push_back(r);
    }
    std::sort(out.begin(), out.end());
    return out;
}

namespace {

// Our route as libnl wants it; protocol, table, type and scope make the
// kernel match only ours on delete.
RoutePtr build_route4(const Route4 &r) {
    RoutePtr rt(check_alloc(rtnl_route_alloc()));
    rtnl_route_set_family(rt.get(), AF_INET);
    rtnl_route_set_table(rt.get(), RT_TABLE_MAIN);
    rtnl_route_set_protocol(rt.get(), kRouteProtocol);
    rtnl_route_set_type(rt.get(), RTN_UNICAST);
    rtnl_route_set_scope(rt.get(), RT_SCOPE_UNIVERSE);
    AddrPtr dst = ipv4_addr(r.dst.addr, r.dst.len);
    rtnl_route_set_dst(rt.get(), dst.get());  // takes its own reference
    rtnl_nexthop *nh = check_alloc(rtnl_route_nh_alloc());
    rtnl_route_nh_set_ifindex(nh, r.ifindex);
    if (r.gateway) {
        AddrPtr gw = ipv4_addr(r.gateway, 32);
        rtnl_route_nh_set_gateway(nh, gw.get());
        // The gateway (169.254.64.1) is in no subnet of the device: onlink
        // tells the kernel to take it as directly reachable there, instead
        // of refusing the route with ENETUNREACH.  The kernel refuses
        // onlink without a gateway.
        rtnl_route_nh_set_flags(nh, RTNH_F_ONLINK);
    }
    rtnl_route_add_nexthop(rt.get(), nh);  // the route owns nh from here
    return rt;
}

}  // namespace

int Netlink::add_route4(const Route4 &r, int flags) {
    RoutePtr rt = build_route4(r);
    begin();
    return rtnl_route_add(sk_, rt.get(), flags);
}

void Netlink::replace_route4(const Route4 &r) {
    const std::string what = "adding route " + describe(r);
    // First try to create it.  NLM_F_REPLACE alone would replace the first
    // route with the same destination and metric, whoever's it is.
    int err = add_route4(r, NLM_F_EXCL);
    if (err >= 0) return;
    if (kerr_.error != EEXIST) fail(what, err);

    // A route to dst with metric 0 exists; replace it only if every such
    // route is ours.
    rtmsg h{};
    h.rtm_family = AF_INET;
    h.rtm_table = RT_TABLE_MAIN;
    for (auto &o :
         dump(what + ": listing the routes of the main table", RTM_GETROUTE, &h, sizeof h)) {
        auto *rt = reinterpret_cast<rtnl_route *>(o.get());
        nl_addr *dst = rtnl_route_get_dst(rt);
        if (rtnl_route_get_family(rt) != AF_INET || rtnl_route_get_table(rt) != RT_TABLE_MAIN ||
            rtnl_route_get_priority(rt) != 0 || rtnl_route_get_tos(rt) != 0 ||
            to_ipv4(dst) != r.dst.addr || nl_addr_get_prefixlen(dst) != r.dst.len)
            continue;
        if (const int proto = rtnl_route_get_protocol(rt); proto != kRouteProtocol) {
            char name[32];
            throw NetlinkError(what + ": the main table already has a route to " +
                               nat64::format_prefix(r.dst) + " with metric 0 and protocol " +
                               rtnl_route_proto2str(proto, name, sizeof name) +
                               ", which is not nat64d's; leaving it alone");
        }
    }
    err = add_route4(r, NLM_F_REPLACE);
    if (err < 0) fail("replacing route " + describe(r), err);
}

void Netlink::delete_route4(const Route4 &r) {
    RoutePtr rt = build_route4(r);
    begin();
    int err = rtnl_route_delete(sk_, rt.get(), 0);
    if (err < 0 && kerr_.error == ESRCH) return;  // no such route of ours
    if (err < 0) fail("deleting route " + describe(r), err);
}

std::optional<Mac> Netlink::permanent_neigh4(int ifindex, uint32_t ip) {
    // The strict dump filters by device only through an NDA_IFINDEX
    // attribute; ARP tables are small, so filter here.
    ndmsg h{};
    h.ndm_family = AF_INET;
    for (auto &o :
         dump("looking up neighbour " + describe_neigh(ifindex, ip), RTM_GETNEIGH, &h, sizeof h)) {
        auto *n = reinterpret_cast<rtnl_neigh *>(o.get());
        if (rtnl_neigh_get_family(n) != AF_INET || rtnl_neigh_get_ifindex(n) != ifindex ||
            to_ipv4(rtnl_neigh_get_dst(n)) != ip)
            continue;
        nl_addr *ll = rtnl_neigh_get_lladdr(n);
        if (!(rtnl_neigh_get_state(n) & NUD_PERMANENT) || !ll || nl_addr_get_len(ll) != 6)
            return std::nullopt;
        Mac mac;
        std::memcpy(mac.data(), nl_addr_get_binary_addr(ll), mac.size());
        return mac;
    }
    return std::nullopt;
}

namespace {

NeighPtr build_neigh4(int ifindex, uint32_t ip) {
    NeighPtr n(check_alloc(rtnl_neigh_alloc()));
    rtnl_neigh_set_ifindex(n.get(), ifindex);
    AddrPtr dst = ipv4_addr(ip, 32);
    rtnl_neigh_set_dst(n.get(), dst.get());  // also sets the family
    return n;
}

}  // namespace

void Netlink::replace_neigh4(int ifindex, uint32_t ip, const Mac &mac) {
    const std::string what = "adding permanent neighbour " + nat64::format_ipv4(ip) + " lladdr " +
                             format_mac(mac) + " dev " + dev_name(ifindex);
    NeighPtr n = build_neigh4(ifindex, ip);
    AddrPtr ll(check_alloc(nl_addr_build(AF_LLC, mac.data(), mac.size())));
    rtnl_neigh_set_lladdr(n.get(), ll.get());
    rtnl_neigh_set_state(n.get(), NUD_PERMANENT);
    begin();
    // rtnl_neigh_add adds no flags of its own.
    if (int err = rtnl_neigh_add(sk_, n.get(), NLM_F_CREATE | NLM_F_REPLACE); err < 0)
        fail(what, err);
}

void Netlink::delete_neigh4(int ifindex, uint32_t ip) {
    NeighPtr n = build_neigh4(ifindex, ip);
    begin();
    int err = rtnl_neigh_delete(sk_, n.get(), 0);
    // ENOENT: no such entry; ENODEV: no such device, so no entry either.
    if (err < 0 && (kerr_.error == ENOENT || kerr_.error == ENODEV)) return;
    if (err < 0) fail("deleting neighbour " + describe_neigh(ifindex, ip), err);
}

bool Netlink::ipv4_forwarding(const std::string &dev) {
    const std::string what = "reading IPv4 forwarding of " + dev;
    LinkPtr l = get_link(what, dev);
    uint32_t v = 0;
    // NLE_NOATTR here: the kernel sent no AF_INET block, i.e. the device
    // has no IPv4 configuration (say, an mtu below 68).
    if (int err = rtnl_link_inet_get_conf(l.get(), IPV4_DEVCONF_FORWARDING, &v); err < 0)
        fail(what, err);
    return v != 0;
}

void Netlink::set_ipv4_forwarding(const std::string &dev, bool on) {
    const std::string what =
        std::string("turning IPv4 forwarding ") + (on ? "on" : "off") + " on " + dev;
    LinkPtr orig = get_link(what, dev);
    // The kernel stores the value as is: unlike a write to the sysctl, no
    // route cache flush and no RTM_NEWNETCONF event, neither of which
    // turning a device's forwarding on needs.
    // Only the one setting goes into IFLA_AF_SPEC: libnl sends every devconf
    // value its object marks as set, and a copy of orig has them all set.
    LinkPtr change(check_alloc(rtnl_link_alloc()));
    if (int err = rtnl_link_inet_set_conf(change.get(), IPV4_DEVCONF_FORWARDING, on ? 1 : 0);
        err < 0)
        fail(what, err);
    begin();
    if (int err = rtnl_link_change(sk_, orig.get(), change.get(), 0); err < 0) fail(what, err);
}

namespace {

// "net.ipv4.conf.eno1/100.forwarding" -> "/proc/sys/net/ipv4/conf/eno1.100/forwarding",
// as sysctl(8) does.  Rejects keys that would leave /proc/sys.
std::optional<std::string> sysctl_path(const std::string &key) {
    std::string path = "/proc/sys";
    size_t start = 0;
    while (start <= key.size()) {
        size_t end = key.find('.', start);
        if (end == std::string::npos) end = key.size();
        std::string seg = key.substr(start, end - start);
        std::replace(seg.begin(), seg.end(), '/', '.');
        if (seg.empty() || seg == "." || seg == "..") return std::nullopt;
        path += "/" + seg;
        start = end + 1;
    }
    return path;
}

std::string require_sysctl_path(const std::string &what, const std::string &key) {
    auto p = sysctl_path(key);
    if (!p) throw NetlinkError(what + ": not a valid sysctl key");
    return *p;
}

struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) close(fd);
    }
};

}  // namespace

std::optional<std::string> read_sysctl(const std::string &key) {
    const std::string what = "reading sysctl " + key;
    const std::string path = require_sysctl_path(what, key);
    Fd f{open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (f.fd < 0 && (errno == ENOENT || errno == ENOTDIR)) return std::nullopt;
    if (f.fd < 0) throw NetlinkError(what + " (" + path + "): " + errno_text(errno));
    std::string s;
    char buf[4096];
    for (;;) {
        ssize_t n = read(f.fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw NetlinkError(what + " (" + path + "): " + errno_text(errno));
        if (n == 0) break;
        s.append(buf, static_cast<size_t>(n));
    }
    const char *ws = " \t\n";
    const size_t b = s.find_first_not_of(ws);
    if (b == std::string::npos) return std::string();
    return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

void write_sysctl(const std::string &key, const std::string &value) {
    const std::string what = "writing sysctl " + key + " = " + value;
    const std::string path = require_sysctl_path(what, key);
    Fd f{open(path.c_str(), O_WRONLY | O_CLOEXEC)};
    if (f.fd < 0) throw NetlinkError(what + " (" + path + "): " + errno_text(errno));
    // One write: /proc/sys parses each write on its own.
    ssize_t n;
    do {
        n = write(f.fd, value.data(), value.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0) throw NetlinkError(what + " (" + path + "): " + errno_text(errno));
    if (static_cast<size_t>(n) != value.size())
        throw NetlinkError(what + " (" + path + "): short write");
}

}  // namespace nat64d
