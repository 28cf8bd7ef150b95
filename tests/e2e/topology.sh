# shellcheck shell=bash
# The two-namespace NAT64 topology, shared by tests/e2e/e2e_test.sh and
# scripts/sandbox.sh (one copy, so the demo shows what the test asserts).
# Sourced, not executed; needs root.
#
#   TOPO_BIN=.../build/bin                 # optional: default build/bin of
#   TOPO_SCHEMA=.../vswitch.ovsschema      #   this checkout, and its schema
#   TOPO_PREFIX=n64-e2e-$$                 # optional: names namespaces/dirs
#   TOPO_FAR=1                             # optional: the IPv4 router + host
#   TOPO_SHOW=1                            # optional: echo every command
#   TOPO_MTU6= TOPO_MTU4= TOPO_MTU_FAR=    # optional: link MTUs (1500,
#                                          #   1500, 1300)
#   TOPO_ATTACH6=veth TOPO_ATTACH4=veth    # optional: how each host is
#                                          #   attached: veth, tap, internal
#   TOPO_OTHER_CONFIG="KEY=VALUE ..."      # optional: Open_vSwitch
#                                          #   other_config, set before
#                                          #   ovs-vswitchd starts
#   TOPO_HOST_OFFLOAD=1                    # optional: leave the hosts'
#                                          #   checksum offload and TSO on
#   TOPO_STATEFUL=1                        # optional: stateful NAT64 with
#                                          #   pool4 $TOPO_POOL4 instead of
#                                          #   the EAMT entry
#   TOPO_INSTANCE_EXTRA='"KEY": VALUE, ...' # optional: more keys for the
#                                          #   instance document
#   . tests/e2e/topology.sh
#   topo_preflight || exit 1               # root, programs, tools
#   topo_up || exit 1                      # everything below, traps set
#   topo_ns6 ping -c1 "$TOPO_H4_AS6"       # run in a namespace
#   topo_down                              # also runs on every exit
#
#                 namespace $TOPO_NSSW (ovsdb-server, ovs-vswitchd)
#                 +--------------------------------------------+
#   $TOPO_NS6     |  bridge br-nat64 (datapath_type=netdev)    |     $TOPO_NS4
#   IPv6 only     |                                            |     IPv4 only
#   eth0 ------ port6    nat64(instance=1,table=1)       port4 ------ eth0
#   2001:db8:6::5 |                                            |  203.0.113.10
#   gw 2001:db8:6::1                                           |  gw 203.0.113.1
#                 |   (TOPO_STATEFUL: pool4 198.51.100.64)     |
#                 +--------------------------------------------+  eth1 192.0.2.1
#                                                           (TOPO_FAR) |
#                                                 $TOPO_NSFAR eth0 192.0.2.10
#
# Addresses (documentation ranges: RFC 3849 for IPv6, RFC 5737 for IPv4):
# - pool6 2001:db8:64::/96, a network-specific prefix (RFC 6052 §2.2): the
#   IPv4 host 203.0.113.10 is 2001:db8:64::cb00:710a to the IPv6 side.  (The
#   Well-Known Prefix 64:ff9b::/96 would refuse these non-global IPv4
#   addresses, RFC 6052 §3.1.)
# - EAMT 2001:db8:6::5/128 <-> 198.51.100.5/32 (RFC 7757): the IPv6 host's
#   IPv4 address.  Stateless translation needs it for every IPv6 source;
#   it is also how IPv4 clients reach the IPv6 host.
# - With TOPO_STATEFUL=1 there is no EAMT entry: the instance is a stateful
#   NAT64 (RFC 6146) with pool4 $TOPO_POOL4, one address whose ports and
#   ICMP identifiers 1024-65535 are shared by every IPv6 source, and IPv4
#   clients reach IPv6 hosts only through static BIB entries (port
#   forwards).  The address lies in the EAMT range, which the IPv4 host
#   already routes to the gateway and table 0 already translates.
# - The virtual gateway (the translator) is 2001:db8:6::1 and 203.0.113.1,
#   with MAC $TOPO_GW_MAC; these are also router-ipv6/router-ipv4, the
#   source of the ICMP errors the translator originates.
#
# Why static neighbour entries rather than flows answering ARP/ND: nothing
# owns the gateway addresses, so something has to resolve them.  A
# permanent neighbour entry in each namespace ("ip neigh ... nud
# permanent") is one line, never expires, and keeps the flow table down
# to translation and routing, which is what this topology shows.  (A
# production VNet answers ND/ARP with flows or a controller.)  With
# static entries nothing ever sends ARP/ND to the bridge, and the bridge
# never needs to resolve the hosts either: table 1 writes their MACs.
#
# How a host is attached (TOPO_ATTACH6, TOPO_ATTACH4):
# - veth (the default): a veth pair, port6/port4 in the switch namespace
#   and eth0 in the host's; ovs-vswitchd reads port6/port4 as "system"
#   netdevs through AF_PACKET.
# - tap: an OVS port of type tap.  ovs-vswitchd creates the tap device
#   itself (netdev-linux's tap class, in the switch namespace) and reads
#   and writes it through the file descriptor it opened, not through
#   AF_PACKET.  The device is then moved into the host's namespace and
#   renamed eth0 there: the descriptor stays attached across the move,
#   and OVS 3.1 keeps sending to a tap it can no longer see
#   (netdev_linux_tap_batch_send), so the host's stack sits directly on
#   the port.  (ovs-vsctl still calls the interface port6 or port4, and
#   reports it down, with ifindex 0 and no statistics: that namespace is
#   not the switch's.)
# - internal: the same with an OVS port of type internal, which a netdev
#   bridge implements with the same tap class (dpif-netdev maps
#   "internal" to "tap"); so is the bridge's own port.
# With tap or internal the switch end and the host end are one device, so
# MTU changes apply to eth0 in the host's namespace only.  Keep TOPO_MTU6
# and TOPO_MTU4 at 1500 or less there: ovs-vswitchd sizes its receive
# buffers by the MTU it sees, and it cannot see a moved device's.
#
# Nothing touches the host: every interface is created inside our own
# namespaces (ovs-vswitchd runs in $TOPO_NSSW, so even the bridge's
# internal port is there), the daemons use a private mktemp directory and
# unix sockets only, and the host's /var/run/openvswitch, /etc/openvswitch
# and routes are never used.  topo_down kills only processes inside our
# namespaces, deletes them and removes the directory.

# The TOPO_* variables are for the scripts that source this file.
# shellcheck disable=SC2034
TOPO_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOPO_ROOT=$(cd "$TOPO_HERE/../.." && pwd)
TOPO_BIN=${TOPO_BIN:-$TOPO_ROOT/build/bin}
TOPO_SCHEMA=${TOPO_SCHEMA:-$TOPO_BIN/../share/openvswitch/vswitch.ovsschema}
TOPO_PREFIX=${TOPO_PREFIX:-n64-$$}
TOPO_FAR=${TOPO_FAR:-0}
TOPO_SHOW=${TOPO_SHOW:-0}
TOPO_ATTACH6=${TOPO_ATTACH6:-veth}
TOPO_ATTACH4=${TOPO_ATTACH4:-veth}
TOPO_OTHER_CONFIG=${TOPO_OTHER_CONFIG:-}
TOPO_HOST_OFFLOAD=${TOPO_HOST_OFFLOAD:-0}
TOPO_STATEFUL=${TOPO_STATEFUL:-0}
TOPO_INSTANCE_EXTRA=${TOPO_INSTANCE_EXTRA:-}

TOPO_NS6=$TOPO_PREFIX-v6
TOPO_NS4=$TOPO_PREFIX-v4
TOPO_NSSW=$TOPO_PREFIX-sw
TOPO_NSFAR=$TOPO_PREFIX-far
TOPO_BR=br-nat64
TOPO_INSTANCE=1

# Locally administered unicast MACs (the 0x02 bit of the first octet).
TOPO_GW_MAC=02:64:00:00:00:01
TOPO_MAC6=02:64:00:00:00:06
TOPO_MAC4=02:64:00:00:00:04

TOPO_H6=2001:db8:6::5             # the IPv6-only host
TOPO_GW6=2001:db8:6::1            # its gateway = router-ipv6
TOPO_NET6=2001:db8:6::/64
TOPO_H6_AS4=198.51.100.5          # the IPv6 host as IPv4 sees it (EAMT)
TOPO_EAMT4_NET=198.51.100.0/24    # the VNet's EAMT range, routed to us
TOPO_POOL4=198.51.100.64          # TOPO_STATEFUL's pool4, in that range
TOPO_H4=203.0.113.10              # the IPv4-only host
TOPO_GW4=203.0.113.1              # its gateway = router-ipv4
TOPO_POOL6=2001:db8:64::/96
TOPO_H4_AS6=2001:db8:64::cb00:710a  # 203.0.113.10 in pool6 (RFC 6052 §2.2)
TOPO_FAR_GW=192.0.2.1             # the IPv4 host's second interface
TOPO_FAR_H=192.0.2.10             # a host one IPv4 router further
TOPO_FAR_AS6=2001:db8:64::c000:20a  # 192.0.2.10 in pool6

# Link MTUs; the instance's ipv4-mtu/ipv6-mtu follow the links.
TOPO_MTU6=${TOPO_MTU6:-1500}
TOPO_MTU4=${TOPO_MTU4:-1500}
TOPO_MTU_FAR=${TOPO_MTU_FAR:-1300}

TOPO_DIR=          # the private run directory, set by topo_up
TOPO_UP=0

topo_say() {
    printf '%s\n' "$*"
}
topo_err() {
    printf 'topology: ERROR: %s\n' "$*" >&2
}

# topo_run CMD...: runs CMD (echoed first with TOPO_SHOW=1, our OVS
# wrappers under the program's name); on failure prints the command and
# its output and returns 1.  The output of a command that succeeds
# (ethtool's list of changes, the daemons' "opened log file") is noise.
topo_run() {
    local out shown=("$@")
    case $1 in
    topo_vsctl) shown[0]=ovs-vsctl ;;
    topo_appctl) shown[0]=ovs-appctl ;;
    topo_ofctl) shown[0]=ovs-ofctl ;;
    esac
    [[ $TOPO_SHOW == 1 ]] && printf '  $ %s\n' "${shown[*]}"
    if ! out=$("$@" 2>&1); then
        topo_err "command failed: ${shown[*]}"
        [[ -n $out ]] && printf '%s\n' "$out" >&2
        return 1
    fi
    return 0
}

# Commands inside the namespaces.
topo_ns6() { ip netns exec "$TOPO_NS6" "$@"; }
topo_ns4() { ip netns exec "$TOPO_NS4" "$@"; }
topo_nsfar() { ip netns exec "$TOPO_NSFAR" "$@"; }
topo_nssw() { ip netns exec "$TOPO_NSSW" "$@"; }

# OVS programs against our private daemons.
topo_vsctl() { "$TOPO_BIN/ovs-vsctl" --db="unix:$TOPO_DIR/db.sock" "$@"; }
topo_appctl() { "$TOPO_BIN/ovs-appctl" -t "$TOPO_DIR/ovs-vswitchd.ctl" "$@"; }
# ovs-ofctl finds the bridge's management socket in OVS_RUNDIR.
topo_ofctl() { OVS_RUNDIR=$TOPO_DIR "$TOPO_BIN/ovs-ofctl" "$@"; }

# topo_preflight: root, the patched OVS programs, and every tool the
# topology needs.  Prints what is missing and returns 1.
topo_preflight() {
    local p missing=()
    if [[ $(id -u) -ne 0 ]]; then
        topo_err "must run as root (network namespaces, veth pairs)"
        return 1
    fi
    for p in ovsdb-tool ovsdb-server ovs-vswitchd ovs-vsctl ovs-ofctl ovs-appctl; do
        if [[ ! -x $TOPO_BIN/$p ]]; then
            topo_err "$TOPO_BIN/$p is missing: run cmake -B build && cmake --build build first"
            return 1
        fi
    done
    if [[ ! -r $TOPO_SCHEMA ]]; then
        topo_err "the OVS schema $TOPO_SCHEMA is missing: run cmake -B build && cmake --build build first"
        return 1
    fi
    # ethtool turns checksum offload off on the veths (see topo_host_link).
    for p in ip ethtool sysctl ss; do
        command -v "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    if [[ ${#missing[@]} -gt 0 ]]; then
        topo_err "missing tools: ${missing[*]} (Debian: apt-get install iproute2 ethtool procps)"
        return 1
    fi
    return 0
}

# topo_link NS IFACE MTU [MAC]: brings IFACE in NS up with MTU (and MAC).
topo_link() {
    local ns=$1 ifc=$2 mtu=$3 mac=${4:-}
    if [[ -n $mac ]]; then
        topo_run ip -n "$ns" link set "$ifc" address "$mac" || return 1
    fi
    topo_run ip -n "$ns" link set "$ifc" mtu "$mtu" up || return 1
}
# topo_host_link NS IFACE MTU [MAC]: the same for a host's interface, with
# checksum offload off.  A veth hands the packets its host sends to the
# other end with the TCP/UDP checksum only started (CHECKSUM_PARTIAL); the
# userspace datapath reads them through AF_PACKET and would forward that
# unfinished checksum, which the receiving stack rejects (InCsumErrors).
# With "tx off" the kernel completes the checksum before the packet
# leaves, as for a NIC without offload; it also turns TSO off, so no
# segment is larger than the MTU.  (The switch's own ends need nothing:
# the switch sends only what the datapath wrote, checksums complete.)
# TOPO_HOST_OFFLOAD=1 leaves the offloads on: for hosts on tap ports with
# other_config:userspace-tso-enable=true, where ovs-vswitchd reads the
# checksum state from each packet's virtio-net header (tap_test.sh).
topo_host_link() {
    topo_link "$@" || return 1
    [[ $TOPO_HOST_OFFLOAD == 1 ]] && return 0
    topo_run ip netns exec "$1" ethtool -K "$2" tx off || return 1
}

# topo_sysctls NS: per-namespace settings.  No ICMP rate limits (RFC 4443
# §2.4(f) allows limiting; the tests count every error), so several
# traceroutes in a row get every answer.
topo_sysctls() {
    topo_run ip netns exec "$1" sysctl -qw net.ipv4.icmp_ratelimit=0 \
        net.ipv6.icmp.ratelimit=0 || return 1
}

# topo_install_traps: topo_down on every exit, including Ctrl-C and kill.
topo_install_traps() {
    trap topo_down EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
}

# topo_instance_json: the translator instance document
# (docs/reference.md), with TOPO_MTU4/TOPO_MTU6 as the link MTUs: the EAMT
# entry (or with TOPO_STATEFUL=1 pool4), then TOPO_INSTANCE_EXTRA.
topo_instance_json() {
    local sources
    sources=$(printf '"eamt": [{"ipv6": "%s/128", "ipv4": "%s/32"}]' "$TOPO_H6" "$TOPO_H6_AS4")
    if [[ $TOPO_STATEFUL == 1 ]]; then
        sources=$(printf '"pool4": [{"prefix": "%s/32", "ports": "1024-65535"}]' "$TOPO_POOL4")
    fi
    cat <<EOF
{
  "instance": $TOPO_INSTANCE,
  "pool6": "$TOPO_POOL6",
  $sources,
  "router-ipv4": "$TOPO_GW4",
  "router-ipv6": "$TOPO_GW6",
  "ipv4-mtu": $TOPO_MTU4,
  "ipv6-mtu": $TOPO_MTU6${TOPO_INSTANCE_EXTRA:+,
  $TOPO_INSTANCE_EXTRA}
}
EOF
}

# topo_flows: the OpenFlow table (ovs-ofctl add-flows format).
topo_flows() {
    cat <<EOF
# Table 0: what enters the translator.  IPv6 from the VNet to pool6, and
# IPv4 from the uplink to the VNet's EAMT range, go to instance 1; the
# translated packet (or the translator's ICMP answer) continues in table 1.
table=0,priority=100,in_port=port6,ipv6,ipv6_dst=$TOPO_POOL6,actions=nat64(instance=$TOPO_INSTANCE,table=1)
table=0,priority=100,in_port=port4,ip,nw_dst=$TOPO_EAMT4_NET,actions=nat64(instance=$TOPO_INSTANCE,table=1)
# Anything else (ND, MLD, IPv4 to other destinations) is dropped: the
# namespaces resolve the gateway by static neighbour entries.
table=0,priority=0,actions=drop
# Table 1: routing by destination.  The translator keeps the Ethernet
# header of the packet it translated (source: the sender, destination:
# the gateway), so every route rewrites both MACs as a router would:
# from the gateway to the next hop.
#   IPv6 to the VNet: translated IPv4->IPv6 packets (from port4) go out
#   on port6; the translator's own ICMPv6 errors (too big, time exceeded)
#   come back with in_port=port6 and are sent back there with "in_port",
#   as OpenFlow never outputs to the input port.
table=1,priority=100,in_port=port4,ipv6,ipv6_dst=$TOPO_NET6,actions=mod_dl_src:$TOPO_GW_MAC,mod_dl_dst:$TOPO_MAC6,output:port6
table=1,priority=100,in_port=port6,ipv6,ipv6_dst=$TOPO_NET6,actions=mod_dl_src:$TOPO_GW_MAC,mod_dl_dst:$TOPO_MAC6,in_port
#   IPv4: the IPv4 host is the next hop for all of IPv4; the same split
#   for the translator's ICMPv4 errors to IPv4 senders.
table=1,priority=100,in_port=port6,ip,actions=mod_dl_src:$TOPO_GW_MAC,mod_dl_dst:$TOPO_MAC4,output:port4
table=1,priority=100,in_port=port4,ip,actions=mod_dl_src:$TOPO_GW_MAC,mod_dl_dst:$TOPO_MAC4,in_port
table=1,priority=0,actions=drop
EOF
}

# topo_set_mtu4 MTU: the IPv4 link's MTU (both veth ends) and the
# instance's ipv4-mtu together, as an operator changing the uplink would.
topo_set_mtu4() {
    TOPO_MTU4=$1
    if [[ $TOPO_ATTACH4 == veth ]]; then
        topo_run ip -n "$TOPO_NSSW" link set port4 mtu "$1" || return 1
    fi
    topo_run ip -n "$TOPO_NS4" link set eth0 mtu "$1" || return 1
    topo_run topo_appctl nat64/instance-set "$(topo_instance_json)" || return 1
}

# topo_host6: the IPv6-only host on its eth0: a static address (nodad:
# nothing else is on the link, no need to wait for DAD, RFC 4862 §5.4),
# and the gateway as a permanent neighbour.
topo_host6() {
    topo_host_link "$TOPO_NS6" eth0 "$TOPO_MTU6" "$TOPO_MAC6" || return 1
    topo_run ip -n "$TOPO_NS6" addr add "$TOPO_H6/64" dev eth0 nodad || return 1
    topo_run ip -n "$TOPO_NS6" neigh add "$TOPO_GW6" lladdr "$TOPO_GW_MAC" dev eth0 nud permanent || return 1
    topo_run ip -n "$TOPO_NS6" -6 route add default via "$TOPO_GW6" dev eth0 || return 1
}
# topo_host4: the IPv4-only host on its eth0: IPv6 off entirely, the
# VNet's EAMT range routed through the gateway.
topo_host4() {
    topo_run ip netns exec "$TOPO_NS4" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
        net.ipv6.conf.default.disable_ipv6=1 || return 1
    topo_host_link "$TOPO_NS4" eth0 "$TOPO_MTU4" "$TOPO_MAC4" || return 1
    topo_run ip -n "$TOPO_NS4" addr add "$TOPO_H4/24" dev eth0 || return 1
    topo_run ip -n "$TOPO_NS4" neigh add "$TOPO_GW4" lladdr "$TOPO_GW_MAC" dev eth0 nud permanent || return 1
    topo_run ip -n "$TOPO_NS4" route add "$TOPO_EAMT4_NET" via "$TOPO_GW4" dev eth0 || return 1
}
# topo_take_port PORT NS: moves the device ovs-vswitchd created for its
# tap or internal port PORT out of the switch namespace into NS, as eth0
# (TOPO_ATTACH6/4 above).
topo_take_port() {
    topo_run ip -n "$TOPO_NSSW" link set "$1" netns "$2" || return 1
    topo_run ip -n "$2" link set "$1" name eth0 || return 1
}

# topo_up: builds everything; sets the traps.  Returns 1 (with a message)
# on the first failure; the traps still clean up what was made.
topo_up() {
    local ns side kv type6=() type4=()
    [[ $TOPO_UP == 0 ]] || { topo_err "topo_up called twice"; return 1; }
    for side in "$TOPO_ATTACH6" "$TOPO_ATTACH4"; do
        case $side in
        veth | tap | internal) ;;
        *)
            topo_err "TOPO_ATTACH6/TOPO_ATTACH4 must be veth, tap or internal, not '$side'"
            return 1
            ;;
        esac
    done
    for ns in "$TOPO_NS6" "$TOPO_NS4" "$TOPO_NSSW" "$TOPO_NSFAR"; do
        if [[ -e /run/netns/$ns ]]; then
            topo_err "network namespace $ns already exists (another run? set TOPO_PREFIX)"
            return 1
        fi
    done
    topo_install_traps
    TOPO_UP=1
    TOPO_DIR=$(mktemp -d "${TMPDIR:-/tmp}/$TOPO_PREFIX.XXXXXX") || return 1

    # --- Namespaces and veth pairs.  Each pair is created inside the
    # switch namespace with its peer moved straight into the host
    # namespace, so no interface ever appears in the host's namespace.
    for ns in "$TOPO_NSSW" "$TOPO_NS6" "$TOPO_NS4"; do
        topo_run ip netns add "$ns" || return 1
        topo_run ip -n "$ns" link set lo up || return 1
        topo_sysctls "$ns" || return 1
    done
    # (A tap or internal port has no pair: ovs-vswitchd creates it below.)
    if [[ $TOPO_ATTACH6 == veth ]]; then
        topo_run ip -n "$TOPO_NSSW" link add port6 type veth peer name eth0 netns "$TOPO_NS6" || return 1
    fi
    if [[ $TOPO_ATTACH4 == veth ]]; then
        topo_run ip -n "$TOPO_NSSW" link add port4 type veth peer name eth0 netns "$TOPO_NS4" || return 1
    fi
    if [[ $TOPO_ATTACH6 == veth ]]; then
        topo_link "$TOPO_NSSW" port6 "$TOPO_MTU6" || return 1
    fi
    if [[ $TOPO_ATTACH4 == veth ]]; then
        topo_link "$TOPO_NSSW" port4 "$TOPO_MTU4" || return 1
    fi
    # The switch namespace has no addresses: a switch port does not speak
    # IPv6 itself (no link-local address, no DAD, no MLD).
    topo_run ip netns exec "$TOPO_NSSW" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 || return 1

    # --- The hosts (topo_host6, topo_host4); one attached through a tap
    # or internal port gets its eth0 only once ovs-vswitchd made it.
    if [[ $TOPO_ATTACH6 == veth ]]; then
        topo_host6 || return 1
    fi
    if [[ $TOPO_ATTACH4 == veth ]]; then
        topo_host4 || return 1
    fi

    # --- Optionally one IPv4 router further: the IPv4 host forwards to a
    # third host over a link with a smaller MTU (TOPO_MTU_FAR), so that
    # ICMPv4 errors from a real IPv4 router cross the translator.
    if [[ $TOPO_FAR == 1 ]]; then
        topo_run ip netns add "$TOPO_NSFAR" || return 1
        topo_run ip -n "$TOPO_NSFAR" link set lo up || return 1
        topo_sysctls "$TOPO_NSFAR" || return 1
        topo_run ip netns exec "$TOPO_NSFAR" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
            net.ipv6.conf.default.disable_ipv6=1 || return 1
        topo_run ip -n "$TOPO_NS4" link add eth1 type veth peer name eth0 netns "$TOPO_NSFAR" || return 1
        topo_host_link "$TOPO_NS4" eth1 "$TOPO_MTU_FAR" || return 1
        topo_host_link "$TOPO_NSFAR" eth0 "$TOPO_MTU_FAR" || return 1
        topo_run ip -n "$TOPO_NS4" addr add "$TOPO_FAR_GW/24" dev eth1 || return 1
        topo_run ip -n "$TOPO_NSFAR" addr add "$TOPO_FAR_H/24" dev eth0 || return 1
        topo_run ip -n "$TOPO_NSFAR" route add default via "$TOPO_FAR_GW" dev eth0 || return 1
        topo_run ip netns exec "$TOPO_NS4" sysctl -qw net.ipv4.ip_forward=1 || return 1
    fi

    # --- The patched Open vSwitch, in the switch namespace, with every
    # file in TOPO_DIR.  --disable-system: no kernel datapath (userspace
    # only); the veth ends are ordinary "system" netdevs read through
    # AF_PACKET by the userspace datapath.
    topo_run "$TOPO_BIN/ovsdb-tool" create "$TOPO_DIR/conf.db" "$TOPO_SCHEMA" || return 1
    topo_run ip netns exec "$TOPO_NSSW" "$TOPO_BIN/ovsdb-server" "$TOPO_DIR/conf.db" \
        --remote="punix:$TOPO_DIR/db.sock" --unixctl="$TOPO_DIR/ovsdb-server.ctl" \
        --pidfile="$TOPO_DIR/ovsdb-server.pid" --log-file="$TOPO_DIR/ovsdb-server.log" \
        -vconsole:off --detach --no-chdir || return 1
    topo_run topo_vsctl --no-wait init || return 1
    # Settings ovs-vswitchd reads as it starts, before it opens any port
    # (userspace-tso-enable decides how a tap port is created).
    for kv in $TOPO_OTHER_CONFIG; do
        topo_run topo_vsctl --no-wait set Open_vSwitch . "other_config:$kv" || return 1
    done
    topo_run env OVS_RUNDIR="$TOPO_DIR" OVS_LOGDIR="$TOPO_DIR" OVS_DBDIR="$TOPO_DIR" \
        OVS_SYSCONFDIR="$TOPO_DIR" ip netns exec "$TOPO_NSSW" "$TOPO_BIN/ovs-vswitchd" \
        "unix:$TOPO_DIR/db.sock" --disable-system --unixctl="$TOPO_DIR/ovs-vswitchd.ctl" \
        --pidfile="$TOPO_DIR/ovs-vswitchd.pid" --log-file="$TOPO_DIR/ovs-vswitchd.log" \
        -vconsole:off --detach --no-chdir || return 1
    # fail-mode=secure: no default NORMAL flow, only ours.  A veth end is
    # a port of the default type, "system".
    [[ $TOPO_ATTACH6 == veth ]] || type6=("type=$TOPO_ATTACH6")
    [[ $TOPO_ATTACH4 == veth ]] || type4=("type=$TOPO_ATTACH4")
    topo_run topo_vsctl --timeout=30 add-br "$TOPO_BR" \
        -- set bridge "$TOPO_BR" datapath_type=netdev fail-mode=secure \
        -- add-port "$TOPO_BR" port6 -- set interface port6 ofport_request=1 "${type6[@]}" \
        -- add-port "$TOPO_BR" port4 -- set interface port4 ofport_request=2 "${type4[@]}" || return 1
    # ovs-vsctl returns once ovs-vswitchd has applied the change, so a tap
    # or internal port's device exists now.
    if [[ $TOPO_ATTACH6 != veth ]]; then
        topo_take_port port6 "$TOPO_NS6" || return 1
        topo_host6 || return 1
    fi
    if [[ $TOPO_ATTACH4 != veth ]]; then
        topo_take_port port4 "$TOPO_NS4" || return 1
        topo_host4 || return 1
    fi

    # --- The translator instance and the flows.
    topo_run topo_appctl nat64/instance-set "$(topo_instance_json)" || return 1
    topo_flows >"$TOPO_DIR/flows.txt"
    topo_run topo_ofctl del-flows "$TOPO_BR" || return 1
    topo_run topo_ofctl add-flows "$TOPO_BR" "$TOPO_DIR/flows.txt" || return 1
    return 0
}

# topo_alive PID: PID is a running process.  A zombie has exited: the
# daemons detach to init, and an init that reaps slowly (as in some
# containers and VMs) would otherwise hold every clean-up for 5 s.
topo_alive() {
    local state
    kill -0 "$1" 2>/dev/null || return 1
    # Field 3 of /proc/PID/stat is the state; the command name before it
    # ("(ovs-vswitchd)") has no spaces.
    read -r _ _ state _ <"/proc/$1/stat" 2>/dev/null || return 1
    [[ $state != Z ]]
}

# topo_stop_daemon PIDFILE: TERM, then KILL after 5 s.
topo_stop_daemon() {
    local pid
    [[ -f $1 ]] || return 0
    pid=$(cat "$1" 2>/dev/null) || return 0
    [[ $pid =~ ^[0-9]+$ ]] || return 0
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do
        topo_alive "$pid" || return 0
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null
    return 0
}

# topo_down: idempotent; safe after a partial topo_up.
topo_down() {
    local ns pids
    [[ $TOPO_UP == 1 ]] || return 0
    TOPO_UP=0
    # A second Ctrl-C (or the terminal closing) must not cut the clean-up
    # short and leave namespaces behind.
    trap '' INT TERM HUP
    if [[ -n $TOPO_DIR && -d $TOPO_DIR ]]; then
        topo_stop_daemon "$TOPO_DIR/ovs-vswitchd.pid"
        topo_stop_daemon "$TOPO_DIR/ovsdb-server.pid"
    fi
    for ns in "$TOPO_NSFAR" "$TOPO_NS6" "$TOPO_NS4" "$TOPO_NSSW"; do
        [[ -e /run/netns/$ns ]] || continue
        # Whatever still runs in our namespaces (servers the tests started)
        # was started by us; end it by pid.
        pids=$(ip netns pids "$ns" 2>/dev/null)
        if [[ -n $pids ]]; then
            # shellcheck disable=SC2086 # one pid per word
            kill $pids 2>/dev/null
            sleep 0.2
            pids=$(ip netns pids "$ns" 2>/dev/null)
            # shellcheck disable=SC2086
            [[ -n $pids ]] && kill -9 $pids 2>/dev/null
        fi
        # Deleting a namespace destroys its veth ends and so the pairs.
        ip netns del "$ns" 2>/dev/null
    done
    [[ -n $TOPO_DIR && -d $TOPO_DIR ]] && rm -rf "$TOPO_DIR"
    return 0
}
