#!/usr/bin/env bash
# bench-netns.sh — end-to-end forwarding benchmark of the nat64 OpenFlow action
# against plain OVS IPv6 forwarding and TAYGA, on one namespace topology.
#
#   sudo bench/netns/bench-netns.sh [BUILD_DIR]        (default: <repo>/build)
#
# Legs (all over the same veth pairs; see README.md beside this script):
#   (a) OVS userspace datapath, plain IPv6 routing (MAC rewrite + dec_ttl)
#       IPv6-only client -> IPv6-only server
#   (b) OVS userspace datapath, nat64(instance=7,table=10): IPv6-only client ->
#       IPv4-only server (pool6 2001:db8:64::/96, EAMT 2001:db8:6::5 <-> 192.0.2.5)
#   (c) TAYGA in the router namespace (tun device + kernel routes), same
#       translation
#   (d) as (b), but stateful NAT64 (RFC 6146, instance 8): the client has no
#       EAMT entry and leaves from pool4 192.0.2.5#1024-65535 through a session
# (a), (b) and (d) run with OVS ports of type "system" (AF_PACKET sockets polled by
# the main thread) and of type "afxdp" (xdp-mode=native, polled by one PMD).
#
# Per leg: TCP throughput (iperf3, client -> server, one stream, both ends on
# CPU_GEN) and the 64-byte packet rate (trafgen on CPU_GEN, forwarder on
# CPU_FWD), counted as rx_packets of the receiving veth over a fixed window,
# with the forwarder's busy time per delivered packet.  (a) and (b) alternate
# REPS times; the table shows medians and the ratios (b)/(a).
#
# Environment:
#   DURATION=10      seconds per measurement (iperf3 run, packet-rate window)
#   WARMUP=2         seconds of traffic before a packet-rate window opens
#   REPS=1           repetitions of every measurement; the median is shown
#   LEGS="afpacket tayga afxdp"   which groups to run (afpacket and afxdp are
#                    (a)+(b) on that port type, tayga is (c))
#   CPU_GEN=0        CPU of trafgen and the iperf3 client and server
#   CPU_FWD=1        CPU of the forwarder (ovs-vswitchd, its PMD; tayga)
#   MAX_LOAD=        if set (e.g. 0.5): wait until the 1-minute load average
#                    is below it before starting (at most LOAD_WAIT seconds,
#                    default 1200), fail if it never is
#   OTHERS_LIMIT=10  a measurement during which other processes used more than
#                    this percentage of a CPU is repeated, at most RETRIES
#                    (default 2) times, each once the machine has been that
#                    quiet for 5 s (waiting at most QUIET_WAIT, default 300
#                    seconds); the table shows the worst kept
#   BN_PREFIX=bn-    prefix of every namespace this script creates
#   KEEP=0           1: leave namespaces and daemons up on exit (debugging)
#
# Needs root, iperf3, trafgen (netsniff-ng), tayga, ip, ping, ethtool, taskset,
# and the patched Open vSwitch in BUILD_DIR/bin.  Exits non-zero with a message
# when a tool is missing or a leg does not pass traffic.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
BUILD=${1:-$repo/build}
BIN=$BUILD/bin
SCHEMA=$BUILD/share/openvswitch/vswitch.ovsschema

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
REPS=${REPS:-1}
LEGS=${LEGS:-afpacket tayga afxdp}
CPU_GEN=${CPU_GEN:-0}
CPU_FWD=${CPU_FWD:-1}
MAX_LOAD=${MAX_LOAD:-}
LOAD_WAIT=${LOAD_WAIT:-1200}
OTHERS_LIMIT=${OTHERS_LIMIT:-10}
RETRIES=${RETRIES:-2}
QUIET_WAIT=${QUIET_WAIT:-300}
P=${BN_PREFIX:-bn-}
KEEP=${KEEP:-0}

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() {
    printf 'bench-netns: ERROR: %s\n' "$1" >&2
    shift
    local l
    for l in "$@"; do printf '    %s\n' "$l" >&2; done
    exit 1
}

# ---------------------------------------------------------------- checks
[[ $(id -u) -eq 0 ]] || die "must run as root (namespaces, veths, AF_XDP)"
for t in ip ss ping ethtool taskset setsid pgrep sysctl awk iperf3 trafgen tayga; do
    command -v "$t" >/dev/null ||
        die "$t is missing (apt-get install iproute2 iputils-ping ethtool util-linux procps iperf3 netsniff-ng tayga)"
done
for p in ovsdb-tool ovsdb-server ovs-vswitchd ovs-vsctl ovs-ofctl ovs-appctl; do
    [[ -x $BIN/$p ]] || die "patched OVS program $BIN/$p is missing (build the project first)"
done
[[ -r $SCHEMA ]] || die "OVS schema $SCHEMA is missing"
[[ $DURATION =~ ^[0-9]+$ && $DURATION -ge 1 ]] || die "DURATION must be a whole number of seconds >= 1"
[[ $WARMUP =~ ^[0-9]+$ ]] || die "WARMUP must be a whole number of seconds"
[[ $REPS =~ ^[0-9]+$ && $REPS -ge 1 ]] || die "REPS must be >= 1"
[[ $CPU_GEN =~ ^[0-9]+$ && $CPU_FWD =~ ^[0-9]+$ ]] || die "CPU_GEN and CPU_FWD must be CPU numbers"
ncpu=$(nproc)
((CPU_GEN < ncpu && CPU_FWD < ncpu && CPU_GEN != CPU_FWD)) ||
    die "CPU_GEN ($CPU_GEN) and CPU_FWD ($CPU_FWD) must be two different CPUs below $ncpu"
for l in $LEGS; do
    [[ $l == afpacket || $l == tayga || $l == afxdp ]] || die "unknown leg group '$l' in LEGS"
done
[[ $P =~ ^[a-z0-9-]{1,8}$ ]] || die "BN_PREFIX must be 1-8 characters of [a-z0-9-] (interface names are limited to 15)"
[[ $OTHERS_LIMIT =~ ^[0-9]+$ && $RETRIES =~ ^[0-9]+$ && $QUIET_WAIT =~ ^[0-9]+$ ]] ||
    die "OTHERS_LIMIT, RETRIES and QUIET_WAIT must be whole numbers"
[[ -z $MAX_LOAD || $MAX_LOAD =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "MAX_LOAD must be a number"
ip netns list | grep -q "^${P}" &&
    die "namespaces named ${P}* already exist (another run?): $(ip netns list | grep "^${P}" | tr '\n' ' ')"

# ---------------------------------------------------------------- names
NS_C6=${P}c6   # IPv6-only client
NS_S4=${P}s4   # IPv4-only server
NS_S6=${P}s6   # IPv6-only server (leg a)
NS_SW=${P}sw   # the switch/router: ovs-vswitchd, or the kernel + tayga
IF_C6=${P}c6 IF_S4=${P}s4 IF_S6=${P}s6            # host ends
SW_C6=${P}c6-sw SW_S4=${P}s4-sw SW_S6=${P}s6-sw   # switch ends
BR=${P}br
TUN=${P}nat64

MAC_C6=02:b0:00:00:06:05
MAC_S4=02:b0:00:00:04:10
MAC_S6=02:b0:00:00:07:10
GW_C6=02:b0:00:00:06:01   # gateway MAC each host uses (OVS flows / router)
GW_S4=02:b0:00:00:04:01
GW_S6=02:b0:00:00:07:01
MAC_SINK=02:b0:00:00:ff:ff  # owned by nobody: the receiver drops it early

C6_IP=2001:db8:6::5 C6_GW=2001:db8:6::1
S4_IP=198.51.100.10 S4_GW=198.51.100.1
S6_IP=2001:db8:7::10 S6_GW=2001:db8:7::1
POOL6=2001:db8:64::
C6_IP4=192.0.2.5          # EAMT / tayga map of C6_IP
ROUTER4=192.0.2.1
S4_VIA6=${POOL6}c633:640a    # 198.51.100.10 in pool6
SINK4=198.51.100.99
SINK4_VIA6=${POOL6}c633:6463 # 198.51.100.99 in pool6
SINK6=2001:db8:7::99

# ---------------------------------------------------------------- cleanup
dir=$(mktemp -d "${TMPDIR:-/tmp}/bench-netns.XXXXXX")
pids=()
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ $KEEP == 1 ]]; then
        log "KEEP=1: leaving namespaces ${P}* and $dir"
        exit "$rc"
    fi
    local pid ns
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    ovs_stop
    # Anything still running inside our namespaces was started by us.
    for ns in "$NS_C6" "$NS_S4" "$NS_S6" "$NS_SW"; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
    done
    for ns in "$NS_C6" "$NS_S4" "$NS_S6" "$NS_SW"; do
        ip netns del "$ns" 2>/dev/null || true
    done
    rm -rf "$dir"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop_pidfile() {
    local pid
    [[ -f $1 ]] || return 0
    pid=$(cat "$1" 2>/dev/null) || return 0
    [[ -n $pid ]] || return 0
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
}

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# ---------------------------------------------------------------- topology
topology() {
    local ns
    for ns in "$NS_C6" "$NS_S4" "$NS_S6" "$NS_SW"; do
        ip netns add "$ns"
        nsx "$ns" ip link set lo up
    done
    # One queue each way: an AF_XDP socket serves one receive queue, and a
    # frame the sender put on another queue would miss it.
    local q=(numtxqueues 1 numrxqueues 1)
    ip link add "$IF_C6" netns "$NS_C6" "${q[@]}" type veth peer name "$SW_C6" netns "$NS_SW" "${q[@]}"
    ip link add "$IF_S4" netns "$NS_S4" "${q[@]}" type veth peer name "$SW_S4" netns "$NS_SW" "${q[@]}"
    ip link add "$IF_S6" netns "$NS_S6" "${q[@]}" type veth peer name "$SW_S6" netns "$NS_SW" "${q[@]}"

    # The switch ends carry no addresses while OVS owns them; with IPv6 off
    # and frames addressed to the (virtual) gateway MACs, the switch
    # namespace's own stack drops everything at once (PACKET_OTHERHOST).
    for ns in "$SW_C6" "$SW_S4" "$SW_S6"; do
        nsx "$NS_SW" sysctl -qw "net.ipv6.conf.$ns.disable_ipv6=1"
        nsx "$NS_SW" ip link set "$ns" up
    done

    # IPv6-only client.
    nsx "$NS_C6" sysctl -qw net.ipv4.conf.all.forwarding=0
    nsx "$NS_C6" ip link set "$IF_C6" address "$MAC_C6" up
    nsx "$NS_C6" ip addr add "$C6_IP/64" dev "$IF_C6" nodad
    nsx "$NS_C6" ip -6 neigh replace "$C6_GW" lladdr "$GW_C6" dev "$IF_C6" nud permanent
    nsx "$NS_C6" ip -6 route add default via "$C6_GW" dev "$IF_C6"

    # IPv4-only server.
    nsx "$NS_S4" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    nsx "$NS_S4" sysctl -qw "net.ipv6.conf.$IF_S4.disable_ipv6=1"
    nsx "$NS_S4" ip link set "$IF_S4" address "$MAC_S4" up
    nsx "$NS_S4" ip addr add "$S4_IP/24" dev "$IF_S4"
    nsx "$NS_S4" ip neigh replace "$S4_GW" lladdr "$GW_S4" dev "$IF_S4" nud permanent
    nsx "$NS_S4" ip route add default via "$S4_GW" dev "$IF_S4"

    # IPv6-only server (leg a).
    nsx "$NS_S6" ip link set "$IF_S6" address "$MAC_S6" up
    nsx "$NS_S6" ip addr add "$S6_IP/64" dev "$IF_S6" nodad
    nsx "$NS_S6" ip -6 neigh replace "$S6_GW" lladdr "$GW_S6" dev "$IF_S6" nud permanent
    nsx "$NS_S6" ip -6 route add default via "$S6_GW" dev "$IF_S6"

    # Userspace forwarders see complete checksums only: no checksum offload
    # (and so no TSO) on the sending ends; the kernel segments in software.
    nsx "$NS_C6" ethtool -K "$IF_C6" tx off >/dev/null
    nsx "$NS_S4" ethtool -K "$IF_S4" tx off >/dev/null
    nsx "$NS_S6" ethtool -K "$IF_S6" tx off >/dev/null
    for ns in "$SW_C6" "$SW_S4" "$SW_S6"; do
        nsx "$NS_SW" ethtool -K "$ns" tx off >/dev/null
    done
}

# ---------------------------------------------------------------- OVS
export OVS_RUNDIR=$dir OVS_LOGDIR=$dir OVS_DBDIR=$dir OVS_SYSCONFDIR=$dir
DB=unix:$dir/db.sock
vsctl() { "$BIN/ovs-vsctl" --db="$DB" --timeout=30 "$@"; }
ofctl() { "$BIN/ovs-ofctl" "$@"; }
appctl() { "$BIN/ovs-appctl" -t "$dir/ovs-vswitchd.ctl" "$@"; }
ovs_logs() { tail -n 30 "$dir/ovs-vswitchd.log" 2>/dev/null || true; }
ovs_stop() {
    stop_pidfile "$dir/ovs-vswitchd.pid"
    stop_pidfile "$dir/ovsdb-server.pid"
    rm -f "$dir/ovs-vswitchd.pid" "$dir/ovsdb-server.pid"
}

ovs_start() {
    "$BIN/ovsdb-tool" create "$dir/conf.db" "$SCHEMA"
    "$BIN/ovsdb-server" "$dir/conf.db" --remote="punix:$dir/db.sock" \
        --unixctl="$dir/ovsdb-server.ctl" --pidfile="$dir/ovsdb-server.pid" \
        --log-file="$dir/ovsdb-server.log" -vconsole:off --detach --no-chdir 2>>"$dir/daemons.err" ||
        die "ovsdb-server did not start" "$(tail -n 20 "$dir/ovsdb-server.log")"
    vsctl --no-wait init
    vsctl --no-wait set Open_vSwitch . "other_config:pmd-cpu-mask=$(printf '0x%x' $((1 << CPU_FWD)))"
    # In the switch namespace, pinned to CPU_FWD (main thread, which polls
    # the AF_PACKET ports, and the PMD, which polls the AF_XDP ones).
    nsx "$NS_SW" taskset -c "$CPU_FWD" "$BIN/ovs-vswitchd" "$DB" --disable-system \
        --disable-system-route --unixctl="$dir/ovs-vswitchd.ctl" \
        --pidfile="$dir/ovs-vswitchd.pid" --log-file="$dir/ovs-vswitchd.log" \
        -vconsole:off --detach --no-chdir 2>>"$dir/daemons.err" ||
        die "ovs-vswitchd did not start" "$(ovs_logs)"
    vsctl add-br "$BR" -- set bridge "$BR" datapath_type=netdev \
        other_config:hwaddr=02:b0:00:00:00:01 fail-mode=secure ||
        die "ovs-vsctl add-br failed" "$(ovs_logs)"
    appctl nat64/instance-set "{\"instance\": 7, \"pool6\": \"$POOL6/96\",
        \"eamt\": [{\"ipv6\": \"$C6_IP/128\", \"ipv4\": \"$C6_IP4/32\"}],
        \"router-ipv4\": \"$ROUTER4\", \"router-ipv6\": \"$C6_GW\"}" >/dev/null ||
        die "nat64/instance-set failed" "$(ovs_logs)"
    # Leg (d): the same addresses through a session instead of the EAMT.
    appctl nat64/instance-set "{\"instance\": 8, \"pool6\": \"$POOL6/96\",
        \"pool4\": [{\"prefix\": \"$C6_IP4/32\", \"ports\": \"1024-65535\"}],
        \"router-ipv4\": \"$ROUTER4\", \"router-ipv6\": \"$C6_GW\"}" >/dev/null ||
        die "nat64/instance-set (stateful) failed" "$(ovs_logs)"
}

# ovs_ports TYPE: (re)attach the three switch ends as ports of TYPE
# ("system" = AF_PACKET, or "afxdp"), with fixed OpenFlow port numbers.
ovs_ports() {
    local type=$1 opts=() i=0 p
    [[ $type == afxdp ]] && opts=(options:xdp-mode=native options:n_rxq=1)
    for p in "$SW_C6" "$SW_S4" "$SW_S6"; do
        vsctl --if-exists del-port "$BR" "$p"
    done
    for p in "$SW_C6" "$SW_S4" "$SW_S6"; do
        i=$((i + 1))
        vsctl add-port "$BR" "$p" -- set interface "$p" type="$type" \
            ofport_request=$i "${opts[@]}" || die "adding port $p ($type) failed" "$(ovs_logs)"
    done
    for p in "$SW_C6" "$SW_S4" "$SW_S6"; do
        local err
        err=$(vsctl get interface "$p" error)
        [[ $err == '[]' ]] || die "OVS port $p ($type) failed: $err" "$(ovs_logs)"
    done
}

ovs_flows() { # [INSTANCE]: 7 (EAMT, default) or 8 (stateful)
    local inst=${1:-7}
    # ofport 1 = client side, 2 = IPv4 server side, 3 = IPv6 server side.
    cat >"$dir/flows" <<EOF
table=0, priority=0, actions=drop
table=0, priority=10, in_port=1, ipv6, ipv6_dst=$POOL6/96, actions=nat64(instance=$inst,table=10)
table=0, priority=10, in_port=2, ip, nw_dst=$C6_IP4, actions=nat64(instance=$inst,table=10)
table=0, priority=10, in_port=1, ipv6, ipv6_dst=2001:db8:7::/64, actions=mod_dl_src:$GW_S6,mod_dl_dst:$MAC_S6,dec_ttl,output:3
table=0, priority=20, in_port=1, ipv6, ipv6_dst=$SINK6, actions=mod_dl_src:$GW_S6,mod_dl_dst:$MAC_SINK,dec_ttl,output:3
table=0, priority=10, in_port=3, ipv6, ipv6_dst=2001:db8:6::/64, actions=mod_dl_src:$GW_C6,mod_dl_dst:$MAC_C6,dec_ttl,output:1
table=10, priority=0, actions=drop
table=10, priority=10, in_port=1, ip, actions=mod_dl_src:$GW_S4,mod_dl_dst:$MAC_S4,output:2
table=10, priority=20, in_port=1, ip, nw_dst=$SINK4, actions=mod_dl_src:$GW_S4,mod_dl_dst:$MAC_SINK,output:2
table=10, priority=10, in_port=2, ipv6, actions=mod_dl_src:$GW_C6,mod_dl_dst:$MAC_C6,output:1
table=10, priority=10, in_port=1, ipv6, actions=in_port
table=10, priority=10, in_port=2, ip, actions=in_port
EOF
    ofctl del-flows "$BR"
    ofctl add-flows "$BR" "$dir/flows" || die "adding flows failed" "$(ovs_logs)"
}

coverage() { # NAME: the total of coverage counter NAME (0 if never hit)
    appctl coverage/show | awk -v n="$1" '$1 == n { v = $NF } END { print v + 0 }'
}

# ---------------------------------------------------------------- TAYGA
tayga_start() {
    local sw=$NS_SW
    nsx "$sw" ip link set "$SW_C6" address "$GW_C6"
    nsx "$sw" ip link set "$SW_S4" address "$GW_S4"
    nsx "$sw" sysctl -qw "net.ipv6.conf.$SW_C6.disable_ipv6=0"
    nsx "$sw" sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv4.ip_forward=1
    nsx "$sw" ip addr add "$C6_GW/64" dev "$SW_C6" nodad
    nsx "$sw" ip addr add "$S4_GW/24" dev "$SW_S4"
    nsx "$sw" ip -6 neigh replace "$C6_IP" lladdr "$MAC_C6" dev "$SW_C6" nud permanent
    nsx "$sw" ip neigh replace "$S4_IP" lladdr "$MAC_S4" dev "$SW_S4" nud permanent
    nsx "$sw" ip neigh replace "$SINK4" lladdr "$MAC_SINK" dev "$SW_S4" nud permanent
    mkdir -p "$dir/tayga"
    cat >"$dir/tayga.conf" <<EOF
tun-device $TUN
ipv4-addr $ROUTER4
prefix $POOL6/96
map $C6_IP4 $C6_IP
data-dir $dir/tayga
EOF
    nsx "$sw" tayga --mktun -c "$dir/tayga.conf" >"$dir/tayga.log" 2>&1 ||
        die "tayga --mktun failed" "$(cat "$dir/tayga.log")"
    nsx "$sw" ip link set "$TUN" up
    nsx "$sw" ip route add "$POOL6/96" dev "$TUN"
    nsx "$sw" ip route add "$C6_IP4/32" dev "$TUN"
    nsx "$sw" taskset -c "$CPU_FWD" tayga -n -c "$dir/tayga.conf" \
        -p "$dir/tayga.pid" >>"$dir/tayga.log" 2>&1 &
    pids+=($!)
    sleep 0.5
    kill -0 "${pids[-1]}" 2>/dev/null || die "tayga did not start" "$(cat "$dir/tayga.log")"
}

# ---------------------------------------------------------------- measuring
rx_packets() { nsx "$1" cat "/sys/class/net/$2/statistics/rx_packets"; }
tx_packets() { nsx "$1" cat "/sys/class/net/$2/statistics/tx_packets"; }
now() { date +%s.%N; }

# reach NAME DST: ping from the client through the leg.
reach() {
    nsx "$NS_C6" ping -6 -q -c 3 -i 0.2 -W 2 "$2" >"$dir/ping" 2>&1 ||
        die "leg $1: no ping reply from $2 through the leg" "$(cat "$dir/ping")"
}

# tcp_mbps NAME SERVER_NS SERVER_ADDR CLIENT_DST: one iperf3 TCP stream of
# DURATION seconds from the client; sets MBPS_OUT to the receiver's Mbit/s
# and OTHERS_OUT (see others_end).
tcp_mbps() {
    local name=$1 sns=$2 saddr=$3 dst=$4 spid out mbps
    others_begin
    nsx "$sns" taskset -c "$CPU_GEN" iperf3 -s -1 -B "$saddr" >"$dir/iperf3-s" 2>&1 &
    spid=$!
    pids+=("$spid")
    for _ in $(seq 50); do
        nsx "$sns" ss -Htln "sport = :5201" | grep -q . && break
        sleep 0.1
    done
    out=$(nsx "$NS_C6" taskset -c "$CPU_GEN" iperf3 -c "$dst" -t "$DURATION" -f m 2>&1) ||
        die "leg $name: iperf3 failed" "$out"
    wait "$spid" 2>/dev/null || true
    others_end
    mbps=$(awk '/receiver/ { for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") v = $i } END { print v + 0 }' <<<"$out")
    awk -v v="$mbps" 'BEGIN { exit !(v > 0) }' ||
        die "leg $name: TCP passed no data (iperf3 says $mbps Mbit/s)" "$out"
    MBPS_OUT=$mbps
}

# cpu_ticks CPU: "BUSY TOTAL" jiffies of CPU from /proc/stat.
cpu_ticks() {
    awk -v c="cpu$1" '$1 == c { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}

# all_ticks: "BUSY TOTAL" jiffies of all CPUs together.
all_ticks() {
    awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}

# our_ticks: CPU jiffies used so far by what this script runs: every process
# in its namespaces, ovsdb-server, the softirq threads (which carry the
# traffic's kernel work when it overflows), and this shell with the children
# it has reaped (iperf3 and trafgen once they have exited).
our_ticks() {
    local ns pid
    {
        for ns in "$NS_C6" "$NS_S4" "$NS_S6" "$NS_SW"; do
            ip netns pids "$ns" 2>/dev/null || true
        done
        cat "$dir/ovsdb-server.pid" 2>/dev/null || true
        pgrep -x "ksoftirqd/$CPU_GEN" || true
        pgrep -x "ksoftirqd/$CPU_FWD" || true
    } | while read -r pid; do
        # utime and stime are fields 14 and 15; the name in field 2 may
        # contain blanks, so count from its closing parenthesis.
        sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 }' || true
    done | awk -v self="$(sed 's/^.*) //' "/proc/$$/stat" | awk '{ print $12 + $13 + $14 + $15 }')" \
        '{ t += $1 } END { print t + self }'
}

# others_begin, others_end: around a measurement; others_end sets OTHERS_OUT
# to the CPU time that everything else on the machine used meanwhile, in
# percent of one CPU.
others_begin() {
    OTH_O0=$(our_ticks)
    OTH_A0=$(all_ticks)
}
others_end() {
    local a1 o1
    a1=$(all_ticks)
    o1=$(our_ticks)
    OTHERS_OUT=$(awk -v a0="$OTH_A0" -v a1="$a1" -v o="$((o1 - OTH_O0))" -v n="$ncpu" 'BEGIN {
        split(a0, x, " "); split(a1, y, " "); f = (y[1] - x[1]) - o; if (f < 0) f = 0
        printf "%.0f\n", (y[2] > x[2]) ? 100 * f / ((y[2] - x[2]) / n) : 0 }')
}

# pmd_busy: fraction of time the PMD thread spent on packets since the last
# dpif-netdev/pmd-stats-clear (it polls all the time, so the CPU is 100 %
# busy whatever the load; OVS measures the cycles of iterations that found
# packets).
pmd_busy() {
    appctl dpif-netdev/pmd-perf-show | awk '
        /Used TSC cycles:/ { for (i = 1; i <= NF; i++) if ($i == "%") { used = $(i - 1); break } }
        /busy iterations:/ { for (i = 1; i <= NF; i++) if ($i == "%") { busy = $(i - 1); break } }
        END { sub(/\(/, "", used); sub(/\(/, "", busy); if (used == "" || busy == "") exit 1
              printf "%.4f\n", used * busy / 10000 }'
}

# pkt_rate NAME DST6 RX_NS RX_IF BUSY_SOURCE: trafgen floods 64-byte IPv6/UDP
# frames from the client towards DST6 on CPU_GEN.  Over DURATION seconds it
# counts the frames the receiver's veth (RX_IF in RX_NS) got and the client's
# veth sent, and how busy the forwarder was: BUSY_SOURCE "cpu" reads CPU_FWD's
# busy time from /proc/stat (ovs-vswitchd main thread, tayga and the kernel
# work they cause), "pmd" reads the PMD's busy cycles from ovs-vswitchd.  Sets
# KPPS_OUT, OFFERED_OUT, BUSY_OUT (percent), NSPP_OUT (forwarder CPU time
# per delivered packet, ns) and OTHERS_OUT (CPU time that processes other
# than this benchmark's used meanwhile, in percent of one CPU).
pkt_rate() {
    local name=$1 dst=$2 rns=$3 rif=$4 src=$5 tpid r0 r1 t0 t1 s0 s1 c0 c1 busy c
    # 14 Ethernet + 40 IPv6 + 8 UDP + 2 payload = 64 bytes (without FCS).
    cat >"$dir/trafgen.cfg" <<EOF
{
  eth(da=$GW_C6, sa=$MAC_C6, type=0x86dd),
  ipv6(sa=$C6_IP, da=$dst, nh=17, hl=64),
  udp(sp=4000, dp=9),
  0x00, 0x00
}
EOF
    # Its own session, so that one signal reaches trafgen and its worker.
    setsid ip netns exec "$NS_C6" taskset -c "$CPU_GEN" trafgen -o "$IF_C6" \
        -i "$dir/trafgen.cfg" -P 1 --no-sock-mem --notouch-irq --no-cpu-stats \
        >"$dir/trafgen.log" 2>&1 &
    tpid=$!
    pids+=("$tpid")
    # The worker pins itself to CPU 0 whatever its parent's affinity: move
    # every process of the group to CPU_GEN once it has started.
    sleep 0.3
    for c in $(pgrep -g "$tpid"); do taskset -pc "$CPU_GEN" "$c" >/dev/null; done
    sleep "$WARMUP"
    kill -0 "$tpid" 2>/dev/null || die "leg $name: trafgen exited" "$(cat "$dir/trafgen.log")"
    [[ $src == pmd ]] && appctl dpif-netdev/pmd-stats-clear >/dev/null
    others_begin
    c0=$(cpu_ticks "$CPU_FWD")
    s0=$(tx_packets "$NS_C6" "$IF_C6")
    r0=$(rx_packets "$rns" "$rif")
    t0=$(now)
    sleep "$DURATION"
    r1=$(rx_packets "$rns" "$rif")
    t1=$(now)
    s1=$(tx_packets "$NS_C6" "$IF_C6")
    c1=$(cpu_ticks "$CPU_FWD")
    others_end
    if [[ $src == pmd ]]; then
        busy=$(pmd_busy) || die "leg $name: cannot read dpif-netdev/pmd-perf-show"
    else
        busy=$(awk -v a="$c0" -v b="$c1" 'BEGIN { split(a, x, " "); split(b, y, " ");
            printf "%.4f\n", (y[2] > x[2]) ? (y[1] - x[1]) / (y[2] - x[2]) : 0 }')
    fi
    kill -INT -- "-$tpid" 2>/dev/null || true
    wait "$tpid" 2>/dev/null || true
    ((r1 - r0 >= DURATION * 1000)) ||
        die "leg $name: 64-byte packets do not pass (the receiver counted $((r1 - r0)) in ${DURATION}s; the sender sent $((s1 - s0)))" \
            "$(cat "$dir/trafgen.log")"
    read -r KPPS_OUT OFFERED_OUT BUSY_OUT NSPP_OUT < <(awk -v r="$((r1 - r0))" -v s="$((s1 - s0))" \
        -v t0="$t0" -v t1="$t1" -v b="$busy" 'BEGIN { t = t1 - t0;
        printf "%.1f %.1f %.0f %.0f\n", r / t / 1000, s / t / 1000, 100 * b, b * t * 1e9 / r }')
}

# median FORMAT: the median of the numbers on stdin, printf-formatted.
median() {
    tr ' ' '\n' | grep . | sort -g | awk -v f="$1" '{ v[NR] = $1 }
        END { printf f "\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

declare -A KPPS KRANGE OFFERED BUSY NSPP MBPS OTHERS
OTHERS_MAX=0
# wait_quiet: before a measurement is taken again, wait (at most QUIET_WAIT
# seconds) until the rest of the machine has used at most OTHERS_LIMIT % of a
# CPU over 5 seconds.
wait_quiet() {
    local waited=0
    while ((waited < QUIET_WAIT)); do
        others_begin
        sleep 5
        others_end
        ((OTHERS_OUT > OTHERS_LIMIT)) || return 0
        waited=$((waited + 5))
    done
    log "  the machine is still busy (others $OTHERS_OUT % of a CPU) after ${QUIET_WAIT}s; measuring anyway"
}

# measure_once KEY REP BUSY_SOURCE DST_TCP SERVER_NS SERVER_ADDR DST_PKT RX_NS
# RX_IF: TCP throughput and packet rate through one leg, appended to the
# leg's lists.  A measurement during which other processes used more than
# OTHERS_LIMIT % of a CPU is taken again, up to RETRIES times.
measure_once() {
    local key=$1 rep=$2 src=$3 dtcp=$4 sns=$5 saddr=$6 dpkt=$7 rns=$8 rif=$9 try tcp_others
    ((rep > 1)) || reach "$key" "$dtcp"
    for ((try = 0; ; try++)); do
        tcp_mbps "$key" "$sns" "$saddr" "$dtcp"
        ((OTHERS_OUT > OTHERS_LIMIT && try < RETRIES)) || break
        log "  $key rep $rep: other processes used $OTHERS_OUT % of a CPU during the TCP run ($MBPS_OUT Mbit/s); again when quiet"
        wait_quiet
    done
    tcp_others=$OTHERS_OUT
    for ((try = 0; ; try++)); do
        pkt_rate "$key" "$dpkt" "$rns" "$rif" "$src"
        ((OTHERS_OUT > OTHERS_LIMIT && try < RETRIES)) || break
        log "  $key rep $rep: other processes used $OTHERS_OUT % of a CPU during the packet-rate run ($KPPS_OUT kpps); again when quiet"
        wait_quiet
    done
    log "  $key rep $rep: TCP $MBPS_OUT Mbit/s (others $tcp_others %); 64 B: $KPPS_OUT kpps delivered of $OFFERED_OUT offered, forwarder busy $BUSY_OUT %, $NSPP_OUT ns/packet (others $OTHERS_OUT %)"
    if ((tcp_others > OTHERS_OUT)); then OTHERS_OUT=$tcp_others; fi
    if ((OTHERS_OUT >= ${OTHERS[$key]:-0})); then OTHERS[$key]=$OTHERS_OUT; fi
    if ((OTHERS_OUT > OTHERS_MAX)); then OTHERS_MAX=$OTHERS_OUT; fi
    KPPS[$key]+=" $KPPS_OUT" OFFERED[$key]+=" $OFFERED_OUT" BUSY[$key]+=" $BUSY_OUT"
    NSPP[$key]+=" $NSPP_OUT" MBPS[$key]+=" $MBPS_OUT"
}
# medians KEY: replaces the leg's lists by their medians (and keeps the
# range of the packet rates).
medians() {
    KRANGE[$1]=$(tr ' ' '\n' <<<"${KPPS[$1]}" | grep . | sort -g | sed -n '1p;$p' | paste -sd- -)
    KPPS[$1]=$(median %.1f <<<"${KPPS[$1]}")
    OFFERED[$1]=$(median %.1f <<<"${OFFERED[$1]}")
    BUSY[$1]=$(median %.0f <<<"${BUSY[$1]}")
    NSPP[$1]=$(median %.0f <<<"${NSPP[$1]}")
    MBPS[$1]=$(median %.0f <<<"${MBPS[$1]}")
}

wait_for_idle() {
    local waited=0 load
    while :; do
        load=$(cut -d' ' -f1 /proc/loadavg)
        awk -v l="$load" -v m="$MAX_LOAD" 'BEGIN { exit !(l < m) }' && return 0
        ((waited < LOAD_WAIT)) ||
            die "1-minute load average still $load after ${LOAD_WAIT}s (MAX_LOAD=$MAX_LOAD); figures would be worthless"
        log "load average $load >= $MAX_LOAD; waiting"
        sleep 30
        waited=$((waited + 30))
    done
}

# ---------------------------------------------------------------- main
[[ -n $MAX_LOAD ]] && wait_for_idle
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
log "load average at start: $load_start"
topology
notes=()

want() { [[ " $LEGS " == *" $1 "* ]]; }

if want afpacket || want afxdp; then
    ovs_start
    for ports in afpacket afxdp; do
        want "$ports" || continue
        if [[ $ports == afpacket ]]; then type=system src=cpu; else type=afxdp src=pmd; fi
        log "OVS with $ports ports"
        ovs_ports "$type"
        ovs_flows
        # (a) and (b) alternate, so that a drift in the machine's load
        # hits both alike.
        tr=0 nh=0 dr=0
        for ((rep = 1; rep <= REPS; rep++)); do
            measure_once "a-$ports" "$rep" "$src" "$S6_IP" "$NS_S6" "$S6_IP" "$SINK6" "$NS_S6" "$IF_S6"
            tr0=$(coverage nat64_translated) nh0=$(coverage nat64_drop_no_headroom) dr0=$(coverage nat64_drop)
            measure_once "b-$ports" "$rep" "$src" "$S4_VIA6" "$NS_S4" "$S4_IP" "$SINK4_VIA6" "$NS_S4" "$IF_S4"
            tr1=$(coverage nat64_translated) nh1=$(coverage nat64_drop_no_headroom) dr1=$(coverage nat64_drop)
            tr=$((tr + tr1 - tr0)) nh=$((nh + nh1 - nh0)) dr=$((dr + dr1 - dr0))
            ovs_flows 8
            measure_once "d-$ports" "$rep" "$src" "$S4_VIA6" "$NS_S4" "$S4_IP" "$SINK4_VIA6" "$NS_S4" "$IF_S4"
            ovs_flows 7
        done
        medians "a-$ports"
        medians "b-$ports"
        medians "d-$ports"
        ((tr > 0)) || die "leg b-$ports: coverage nat64_translated did not move"
        ((nh == 0)) ||
            notes+=("b-$ports: $nh packets dropped for lack of headroom (coverage nat64_drop_no_headroom)")
        ((dr == 0)) ||
            notes+=("b-$ports: $dr packets dropped by the translator (coverage nat64_drop)")
    done
    appctl nat64/stats 7 >"$dir/nat64-stats" 2>&1 || true
    appctl nat64/stats 8 >"$dir/nat64-stats-stateful" 2>&1 || true
    s8=$(appctl nat64/stats 8 | awk -F': ' '$1 == "translated-6to4" { print $2 }')
    ((${s8:-0} > 0)) || die "leg d: the stateful instance translated nothing" "$(cat "$dir/nat64-stats-stateful")"
    if [[ $KEEP != 1 ]] || want tayga; then ovs_stop; fi
fi

if want tayga; then
    log "TAYGA"
    tayga_start
    for ((rep = 1; rep <= REPS; rep++)); do
        measure_once c-tayga "$rep" cpu "$S4_VIA6" "$NS_S4" "$S4_IP" "$SINK4_VIA6" "$NS_S4" "$IF_S4"
    done
    medians c-tayga
fi
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- report
pct() { # NUM DEN
    awk -v n="$1" -v d="$2" 'BEGIN { if (d > 0) printf "%.0f %%", 100 * n / d; else print "-" }'
}
fmt='| %-30s | %8s | %13s | %8s | %6s | %6s | %10s | %9s | %8s | %9s | %6s |\n'
row() { # KEY LABEL [REFKEY]
    local k=$1 rk=${3:-} rp=- rc=- rm=-
    [[ -n ${KPPS[$k]:-} ]] || return 0
    if [[ -n $rk && -n ${KPPS[$rk]:-} ]]; then
        rp=$(pct "${KPPS[$k]}" "${KPPS[$rk]}")
        rc=$(pct "${NSPP[$rk]}" "${NSPP[$k]}")
        rm=$(pct "${MBPS[$k]}" "${MBPS[$rk]}")
    fi
    # shellcheck disable=SC2059
    printf "$fmt" "$2" "${KPPS[$k]}" "${KRANGE[$k]}" "${OFFERED[$k]}" "${BUSY[$k]} %" "${NSPP[$k]}" \
        "${MBPS[$k]}" "$rp" "$rc" "$rm" "${OTHERS[$k]:-0} %"
}
echo
echo "bench-netns: DURATION=${DURATION}s WARMUP=${WARMUP}s REPS=$REPS CPU_GEN=$CPU_GEN CPU_FWD=$CPU_FWD; kernel $(uname -r); $(nproc) CPUs"
echo "load average (1, 5, 15 min): at start $load_start; at end $load_end"
echo "other processes during the measurements kept: at most $OTHERS_MAX % of a CPU"
echo
# shellcheck disable=SC2059
printf "$fmt" "leg" "64B kpps" "kpps range" "offered" "busy" "ns/pkt" "TCP Mbit/s" "kpps vs a" "cost a/x" "Mbit vs a" "others"
# shellcheck disable=SC2059
printf "$fmt" "---" "---:" "---:" "---:" "---:" "---:" "---:" "---:" "---:" "---:" "---:"
row a-afpacket "(a) OVS IPv6, afpacket"
row b-afpacket "(b) OVS nat64, afpacket" a-afpacket
row d-afpacket "(d) nat64 stateful, afpacket" a-afpacket
row c-tayga "(c) TAYGA (vs afpacket a)" a-afpacket
row a-afxdp "(a) OVS IPv6, afxdp native"
row b-afxdp "(b) OVS nat64, afxdp native" a-afxdp
row d-afxdp "(d) nat64 stateful, afxdp" a-afxdp
echo
echo "Medians of $REPS repetition(s); kpps range: lowest-highest of them."
echo "64B kpps: frames counted at the receiving veth; offered: frames the client's veth sent."
echo "busy, ns/pkt: the forwarder's CPU $CPU_FWD (afxdp: the PMD's busy cycles) and its time per delivered frame."
echo "cost a/x: ns/pkt of (a) over ns/pkt of this leg, i.e. its capacity relative to (a)."
echo "others: the most CPU time (in % of one CPU) that other processes used during a kept measurement of the leg."
((OTHERS_MAX <= OTHERS_LIMIT)) ||
    notes+=("other processes used up to $OTHERS_MAX % of a CPU during the measurements: the figures are not clean")
for n in "${notes[@]}"; do echo "NOTE: $n"; done
