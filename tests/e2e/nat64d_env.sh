# shellcheck shell=bash
# Variables set here are used by the tests that source this file.
# shellcheck disable=SC2034
# The sandbox the nat64d end-to-end tests share (nat64d_test.sh,
# ra_dns64_test.sh): this build's patched ovs-vswitchd and ovsdb-server in
# a private run directory inside a "node" network namespace, nat64d run
# there against a temp dir shaped like Proxmox's /etc/pve/sdn, VMs as veth
# pairs plugged into the VNets' bridges, and an IPv4-only namespace with a
# server behind the node's uplink.  Sourced with the test's arguments:
#
#   P=<prefix>-$$        # names this run's namespaces: $P-node, $P-v4, $P-...
#   . "$HERE/nat64d_env.sh" "$@"     # [BINDIR [SCHEMA]]
#
#   $P-node: up0 203.0.113.1/24, the host's IPv4 uplink (setup_ipv4_side)
#   $P-v4:   an IPv4-only router 203.0.113.10 with the IPv4-only server
#            192.0.2.80 (HTTP from peer_tools.py, its log in $DIR/http.log)
#            behind it; it routes 198.51.100.0/24 (the VNets' pool4 and
#            EAMT addresses) to the node.
#
# On every exit it stops what it started (the processes of the namespaces
# made by add_netns, which carry this run's pid) and removes those
# namespaces, their /etc/netns entries and the temp dir ($DIR; KEEP=1
# keeps it).
#
# Provides, after assert.sh: HERE ROOT BIN SCHEMA PY NODE V4 DIR SDN POOL6
# SERVER4 SERVER6 AUTH4 NAT64D_ARGS; env_preflight, env_dir, add_netns,
# make_vm, netns_resolv_conf, setup_ipv4_side, start_auth_dns, start_ovs,
# start_vswitchd, in_node, vsctl, appctl, ofctl, nat64d, start_nat64d,
# until_ok (sets WAITED), write_running_config.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${1:-$ROOT/build/bin}
SCHEMA=${2:-$BIN/../share/openvswitch/vswitch.ovsschema}
# shellcheck source-path=SCRIPTDIR source=../lib/assert.sh
. "$ROOT/tests/lib/assert.sh"
PY=/usr/bin/python3

NODE=$P-node V4=$P-v4
NETNS=()
ETC_NETNS_MADE=0
DIR=
POOL6=2001:db8:64::
SERVER4=192.0.2.80
SERVER6=${POOL6}c000:250 # 192.0.2.80 in pool6 (RFC 6052 §2.2)
AUTH4=192.0.2.53          # the node's resolver (resolv.conf), on the IPv4 side

# --- Clean-up -------------------------------------------------------------------
cleanup() {
    trap '' INT TERM HUP
    local ns pid
    for pid in nat64d ovs-vswitchd ovsdb-server; do
        [[ -n $DIR && -f $DIR/$pid.pid ]] && kill "$(cat "$DIR/$pid.pid")" 2>/dev/null
    done
    sleep 0.3
    for ns in "${NETNS[@]}"; do
        rm -rf "/etc/netns/$ns"
        [[ -e /run/netns/$ns ]] || continue
        # Whatever still runs there is ours: unbound, servers, helpers.
        # shellcheck disable=SC2046 # one pid per word
        kill -9 $(ip netns pids "$ns" 2>/dev/null) 2>/dev/null
        ip netns del "$ns" 2>/dev/null
    done
    ((ETC_NETNS_MADE)) && rmdir /etc/netns 2>/dev/null
    [[ -n $DIR && -d $DIR && ${KEEP:-0} != 1 ]] && rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# env_preflight TOOL...: root, this build's binaries, the TOOLs and python3;
# any of them missing is fatal (a failure, never a skip).
env_preflight() {
    local p
    [[ $(id -u) -eq 0 ]] || fatal "must run as root (network namespaces)"
    for p in nat64d ovsdb-tool ovsdb-server ovs-vswitchd ovs-vsctl ovs-ofctl ovs-appctl; do
        [[ -x $BIN/$p ]] || fatal "$BIN/$p is missing: build first (cmake -B build && cmake --build build)"
    done
    # nat64d is always given the DNS64 options (env_dir): one without them
    # predates issue #8.
    "$BIN/nat64d" --help 2>&1 | grep -q -- --dns64-dir ||
        fatal "$BIN/nat64d has no --dns64-dir: router advertisements and DNS64 (issue #8) are not built"
    for p in ip sysctl ethtool "$@"; do
        command -v "$p" >/dev/null || fatal "missing tool: $p (sudo scripts/install-deps.sh)"
    done
    "$PY" -c 'import json' || fatal "$PY is missing"
}

# env_dir: the temp dir $DIR (the OVS run directory, logs, pid files), the
# configuration directory $SDN in it, and nat64d's arguments: everything
# nat64d writes stays in $DIR, the DNS64 resolvers' files too
# ($DIR/dns64), and they forward to the resolver of $DIR/resolv.conf
# (192.0.2.53, on the IPv4 side), never to the host's.
env_dir() {
    DIR=$(mktemp -d "${TMPDIR:-/tmp}/$P.XXXXXX") || fatal "mktemp"
    # unbound drops to the user "unbound" and reads its file as that user:
    # every directory down to $DIR/dns64 must be searchable by it.
    chmod 755 "$DIR"
    SDN=$DIR/sdn
    mkdir "$SDN"
    echo "nameserver $AUTH4" >"$DIR/resolv.conf"
    NAT64D_ARGS=(--config-dir "$SDN" --node pve1 --ovsdb "unix:$DIR/db.sock"
        --ovs-rundir "$DIR" --ovs-ctl "$DIR/ovs-vswitchd.ctl"
        --dns64-dir "$DIR/dns64" --resolv-conf "$DIR/resolv.conf")
}

in_node() { ip netns exec "$NODE" "$@"; }
vsctl() { "$BIN/ovs-vsctl" --db="unix:$DIR/db.sock" --timeout=10 "$@"; }
appctl() { "$BIN/ovs-appctl" -t "$DIR/ovs-vswitchd.ctl" "$@"; }
ofctl() { OVS_RUNDIR=$DIR "$BIN/ovs-ofctl" "$@"; }
# nat64d ARGS...: in the foreground (--once, --dry-run), with the test's
# NAT64D_ARGS.
nat64d() { in_node "$BIN/nat64d" "${NAT64D_ARGS[@]}" "$@"; }
# start_nat64d: the daemon, passes every 0.5 s, appending to
# $DIR/nat64d.log; its pid in $DIR/nat64d.pid.  (Spelt out rather than
# "nat64d &": $! must be nat64d's own pid for kill.)
start_nat64d() {
    ip netns exec "$NODE" "$BIN/nat64d" "${NAT64D_ARGS[@]}" --interval 0.5 \
        >>"$DIR/nat64d.log" 2>&1 &
    echo $! >"$DIR/nat64d.pid"
    # (disown: cleanup kills it, and bash need not report it.)
    disown
}
start_vswitchd() {
    env OVS_RUNDIR="$DIR" OVS_LOGDIR="$DIR" OVS_DBDIR="$DIR" OVS_SYSCONFDIR="$DIR" \
        ip netns exec "$NODE" "$BIN/ovs-vswitchd" "unix:$DIR/db.sock" --disable-system \
        --unixctl="$DIR/ovs-vswitchd.ctl" --pidfile="$DIR/ovs-vswitchd.pid" \
        --log-file="$DIR/ovs-vswitchd.log" -vconsole:off --detach --no-chdir
}
# start_ovs: ovsdb-server with a fresh database, and ovs-vswitchd, in the
# node namespace.
start_ovs() {
    "$BIN/ovsdb-tool" create "$DIR/conf.db" "$SCHEMA" || fatal "ovsdb-tool create"
    in_node "$BIN/ovsdb-server" "$DIR/conf.db" --remote="punix:$DIR/db.sock" \
        --unixctl="$DIR/ovsdb-server.ctl" --pidfile="$DIR/ovsdb-server.pid" \
        --log-file="$DIR/ovsdb-server.log" -vconsole:off --detach --no-chdir 2>/dev/null ||
        fatal "ovsdb-server"
    vsctl --no-wait init || fatal "ovs-vsctl init"
    start_vswitchd 2>/dev/null || fatal "ovs-vswitchd"
}

# until_ok SECONDS CMD...: retries CMD every 0.1 s; sets WAITED (seconds,
# 0.1 resolution) and returns CMD's last status.
until_ok() {
    local t=$1 start=$EPOCHREALTIME
    shift
    while :; do
        if "$@" >/dev/null 2>&1; then
            WAITED=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
            return 0
        fi
        awk -v a="$start" -v b="$EPOCHREALTIME" -v t="$t" 'BEGIN { exit !(b - a > t) }' && break
        sleep 0.1
    done
    WAITED=$t
    return 1
}

# --- Namespaces -------------------------------------------------------------------
# add_netns NS...: new namespaces, loopback up, no ICMP rate limits (the
# tests count every error); cleanup removes them.
add_netns() {
    local ns
    for ns in "$@"; do
        NETNS+=("$ns")
        ip netns add "$ns" || fatal "ip netns add $ns"
        ip -n "$ns" link set lo up
        ip netns exec "$ns" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0
    done
}
# netns_resolv_conf NS NAMESERVER...: NS's own /etc/resolv.conf, which
# "ip netns exec" bind-mounts over the host's (as rdnssd would write it
# from an RA's RDNSS option).
netns_resolv_conf() {
    local ns=$1 a
    shift
    [[ -d /etc/netns ]] || ETC_NETNS_MADE=1
    mkdir -p "/etc/netns/$ns" || return 1
    for a in "$@"; do echo "nameserver $a"; done >"/etc/netns/$ns/resolv.conf"
}
# make_vm NS PORT: a VM's NIC, a veth pair: eth0 in NS, PORT in the node,
# where it is plugged into a VNet's bridge as Proxmox plugs a VM's tap.
# Both ends stay down: the caller configures eth0 before its link comes up.
make_vm() {
    ip -n "$NODE" link add "$2" type veth peer name eth0 netns "$1" || return 1
    # Checksums complete before the packet leaves (topology.sh explains).
    ip netns exec "$1" ethtool -K eth0 tx off >/dev/null 2>&1
    return 0
}
# setup_ipv4_side: the node's uplink, the IPv4-only namespace and its HTTP
# server (serving $DIR/www: "hello-from-ipv4").
setup_ipv4_side() {
    ip -n "$NODE" link add up0 type veth peer name eth0 netns "$V4" || fatal "uplink"
    ip -n "$NODE" link set up0 up
    ip -n "$NODE" addr add 203.0.113.1/24 dev up0
    ip netns exec "$NODE" ethtool -K up0 tx off >/dev/null 2>&1
    ip netns exec "$V4" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip -n "$V4" link set eth0 up
    ip netns exec "$V4" ethtool -K eth0 tx off >/dev/null 2>&1
    ip -n "$V4" addr add 203.0.113.10/24 dev eth0
    ip -n "$V4" addr add "$SERVER4/32" dev lo
    ip -n "$V4" route add 198.51.100.0/24 via 203.0.113.1
    ip -n "$NODE" route add 192.0.2.0/24 via 203.0.113.10
    mkdir "$DIR/www" && echo hello-from-ipv4 >"$DIR/www/index.html"
    ip netns exec "$V4" "$PY" "$HERE/peer_tools.py" http "$SERVER4" 80 "$DIR/www" >"$DIR/http.log" 2>&1 &
    disown
}

# start_auth_dns: the upstream the node's resolv.conf names, $AUTH4 in
# $V4 (after setup_ipv4_side): an authoritative unbound, IPv4 only, for
# v4only.example. with "www" an A record ($SERVER4) and no AAAA, the kind
# of name DNS64 exists for; every other query it refuses, so nothing ever
# leaves the namespaces.  Its log in $DIR/auth.log.  (Not .test: unbound
# answers test. itself, an RFC 6761 default local zone, so nat64d's
# resolvers would never forward such a query.)
start_auth_dns() {
    ip -n "$V4" addr add "$AUTH4/32" dev lo
    mkdir -m 755 "$DIR/auth"
    cat >"$DIR/auth/unbound.conf" <<EOF
server:
    do-daemonize: no
    username: ""
    chroot: ""
    directory: "$DIR/auth"
    pidfile: "$DIR/auth/unbound.pid"
    use-syslog: no
    logfile: ""
    interface: $AUTH4@53
    interface-automatic: no
    do-ip6: no
    access-control: 0.0.0.0/0 refuse
    access-control: 203.0.113.0/24 allow
    module-config: "iterator"
    local-zone: "." refuse
    local-zone: "v4only.example." static
    local-data: "www.v4only.example. 300 IN A $SERVER4"
remote-control:
    control-enable: no
EOF
    ip netns exec "$V4" unbound -d -c "$DIR/auth/unbound.conf" >"$DIR/auth.log" 2>&1 &
    disown
}

# --- The configuration, as Proxmox writes it ---------------------------------------
# write_running_config VNETS ZONE...: $SDN/.running-config as pve-network
# writes it (temp file + rename; "version" counts up in VERSION).
#   VNETS: words VNET:ZONE; vnetN gets the subnet 2001:db8:N::/64 with the
#          gateway 2001:db8:N::1.
#   ZONE:  ID:MEMBERS, a zone of type ipv6only on node pve1 whose entry
#          also has MEMBERS, JSON members such as '"ra": 0, "dns64": "off"'.
# A zone "other" of type simple is always there: not nat64d's to touch.
VERSION=0
write_running_config() {
    local vnets=$1 z members v n first=1
    shift
    {
        printf '{"version": %d,\n "zones": {"ids": {' "$((++VERSION))"
        for z in "$@"; do
            members=${z#*:}
            printf '"%s": {"type": "ipv6only", "ipam": "pve", "nodes": {"pve1": 1}%s},\n   ' \
                "${z%%:*}" "${members:+, $members}"
        done
        printf '"other": {"type": "simple", "ipam": "pve", "nodes": {"pve1": 1}}}},\n "vnets": {"ids": {'
        for v in $vnets; do
            ((first)) || printf ', '
            first=0
            printf '"%s": {"type": "vnet", "zone": "%s"}' "${v%%:*}" "${v#*:}"
        done
        printf '}},\n "subnets": {"ids": {'
        first=1
        for v in $vnets; do
            n=${v%%:*}
            n=${n#vnet}
            ((first)) || printf ',\n   '
            first=0
            printf '"%s-2001:db8:%s::-64": {"type": "subnet", "vnet": "%s", "gateway": "2001:db8:%s::1"}' \
                "${v#*:}" "$n" "${v%%:*}" "$n"
        done
        printf '}},\n "controllers": {"ids": {}}}\n'
    } >"$SDN/.running-config.tmp" && mv "$SDN/.running-config.tmp" "$SDN/.running-config"
}
