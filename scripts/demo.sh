#!/usr/bin/env bash
# A whole Proxmox VE node with IPv6-only VNets, simulated, in one command
# (as root on Debian 12): installs the dependencies, builds, and brings up
# in network namespaces of its own
#
#   - the node: the patched Open vSwitch and nat64d, run against a
#     directory shaped like /etc/pve/sdn (.running-config as pve-network
#     writes it: zone v6z of type ipv6only, VNets vnet1 and vnet2), with
#     pool4 and an EAMT entry set by nat64ctl;
#   - one IPv6-only VM per VNet that configures nothing but accept_ra=2:
#     SLAAC, default route and DNS64 resolver come from nat64d's router
#     advertisements;
#   - an IPv4-only "internet": a web server with a name that has only an
#     A record, fetched by name from each VM through the translator, and
#     an IPv4-only client that reaches VM1 through its EAMT address;
#
# printing each step's real commands and output (flows, nat64ctl status,
# counters), then removes everything again, also on Ctrl-C or failure.
# The host's Open vSwitch, interfaces, routes and resolv.conf are never
# touched.
#
#   sudo scripts/demo.sh [--no-build] [--wait] [--quiet]
#
#   --no-build  neither scripts/install-deps.sh nor the build: run what
#               build/ (or NAT64_BUILD_DIR) already holds
#   --wait      keep the simulated node until Enter (or Ctrl-C)
#   --quiet     print only failures and the last line
#
# NAT64_BUILD_DIR names a build tree to use as it is (as ctest does).  The
# exit status is 0 when every curl fetched its page; the last line says
# how many did.  scripts/sandbox.sh is the smaller demo: the translator
# alone, between two namespaces, without nat64d.  docs/demo.md walks
# through what this one shows.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_IT=1
WAIT=0
UI_QUIET=0
# shellcheck source-path=SCRIPTDIR source=lib/ui.sh
. "$ROOT/scripts/lib/ui.sh"
for arg in "$@"; do
    case $arg in
    --no-build) BUILD_IT=0 ;;
    --wait) WAIT=1 ;;
    --quiet) UI_QUIET=1 ;;
    -h | --help) usage_help ;;
    *) bad_option "$arg" ;;
    esac
done

# shellcheck source-path=SCRIPTDIR source=lib/build.sh
. "$ROOT/scripts/lib/build.sh"

[[ $(id -u) -eq 0 ]] ||
    die "must run as root (it installs packages and creates network namespaces): sudo $0"
cd "$ROOT" || die "cannot cd to $ROOT"

# --- 1. Dependencies and build ------------------------------------------------------
# A given build tree (NAT64_BUILD_DIR, ctest's) is used as it is.
if ((BUILD_IT)) && [[ -z ${NAT64_BUILD_DIR:-} ]]; then
    heading "1. Dependencies (scripts/install-deps.sh) and build"
    if ((UI_QUIET)); then
        out=$(scripts/install-deps.sh 2>&1) || die "scripts/install-deps.sh failed:"$'\n'"$out"
    else
        scripts/install-deps.sh || die "scripts/install-deps.sh failed"
    fi
    build_tree openvswitch nat64d nat64ctl
else
    BUILD=${NAT64_BUILD_DIR:-build}
    heading "1. The build tree"
    say "$BUILD, as it is (--no-build or NAT64_BUILD_DIR): neither scripts/install-deps.sh nor a build."
fi
[[ -x $BUILD/bin/nat64d && -x $BUILD/bin/nat64ctl ]] ||
    die "$BUILD/bin/nat64d or nat64ctl is missing: run scripts/demo.sh without --no-build"
BUILD=$(cd "$BUILD" && pwd)

# The sandbox of the nat64d end-to-end tests: a "node" namespace with
# this build's OVS in a private run directory, VMs as veth pairs on the
# VNets' bridges, the IPv4 side behind the node's uplink.
P=n64demo-$$
# shellcheck source-path=SCRIPTDIR source=../tests/e2e/nat64d_env.sh
. "$ROOT/tests/e2e/nat64d_env.sh" "$BUILD/bin"
# The environment's fatal (tests/lib/assert.sh) ends with a test's
# "N passed, M failed"; a demo reports a problem and its own last line.
fatal() {
    problem "$@"
    exit 1
}
VM1=$P-vm1 VM2=$P-vm2 CLIENT=$P-client
VM1_STATIC=2001:db8:1::10
VM1_EAMT4=198.51.100.10
CLIENT4=192.0.2.100 CLIENT_GW4=192.0.2.97
CLIENT4_AS6=${POOL6}c000:264 # 192.0.2.100 in pool6
URL=http://www.v4only.example/
CURLS=0 CURLS_OK=0
RESULT_SHOWN=0

# The last line: how many curls worked, and how many problems there were.
result_line() {
    RESULT_SHOWN=1
    if ((failures == 0 && CURLS > 0 && CURLS_OK == CURLS)); then
        printf '%sdemo.sh: all %d curls went through the translator; no problems.%s\n' "$GREEN" "$CURLS" "$OFF"
    else
        printf '%sdemo.sh: %d of %d curls went through the translator; %d problem(s), see above.%s\n' \
            "$RED" "$CURLS_OK" "$CURLS" "$failures" "$OFF"
    fi
}
demo_exit() {
    local rc=$?
    trap '' INT TERM HUP
    heading "8. Cleaning up"
    cleanup
    say "Stopped nat64d, its DNS64 resolvers, the servers, ovs-vswitchd and ovsdb-server; deleted the namespaces $P-*, /etc/netns/$P-* and the sandbox directory."
    if ((!RESULT_SHOWN)); then
        printf '%sdemo.sh: stopped before the end (exit status %d), after %d of %d curls went through the translator.%s\n' \
            "$RED" "$rc" "$CURLS_OK" "$CURLS" "$OFF"
    fi
    ((rc != 0 || (failures == 0 && CURLS_OK == CURLS))) || rc=1
    exit "$rc"
}
trap demo_exit EXIT

# nat64ctl in the node, pointed at the sandbox instead of /etc/pve/sdn and
# /run/openvswitch.
ctl() {
    in_node "$BIN/nat64ctl" "$@" --config-dir "$SDN" --node pve1 --ovs-rundir "$DIR" \
        --ovs-ctl "$DIR/ovs-vswitchd.ctl"
}
# on_node CMD...: shows and runs CMD in the node; "nat64ctl" is ctl.
on_node() {
    if [[ $1 == nat64ctl ]]; then
        show_run node "$*" ctl "${@:2}"
    else
        show_run node "$*" in_node "$@"
    fi
}
# at NS NAME CMD...: shows and runs CMD in namespace NS, whose prompt is NAME.
at() { show_run "$2" "${*:3}" ip netns exec "$1" "${@:3}"; }
# fetch NS NAME URL WANT: curl in NS, which must fetch WANT.
fetch() {
    CURLS=$((CURLS + 1))
    at "$1" "$2" curl -sS -m 5 "$3" || return 1
    if [[ $RUN_OUT == "$4" ]]; then
        CURLS_OK=$((CURLS_OK + 1))
    else
        problem "curl $3 from $2 fetched something else than '$4'"
    fi
}
ra() { ip netns exec "$1" "$PY" "$HERE/ra_tools.py" "${@:2}" 2>>"$DIR/ra_tools.err"; }
# slaac_default NS: NS has a global address that is not tentative and not
# our static one, and a default route from an RA.
slaac_default() {
    ip -n "$1" -6 -o addr show dev eth0 scope global | grep -v -e tentative -e "$VM1_STATIC/" | grep -q . &&
        ip -n "$1" -6 route show default | grep -q ' proto ra '
}
resolves() { [[ -n $(ip netns exec "$1" dig +short +time=1 +tries=1 AAAA www.v4only.example) ]]; }
listens80() { [[ -n $(ip netns exec "$1" ss -Hlnt 'sport = :80') ]]; }

env_preflight curl dig unbound ss
"$PY" -c 'import scapy.layers.inet6' 2>/dev/null || fatal "python3-scapy is missing (sudo scripts/install-deps.sh)"
id -u unbound >/dev/null 2>&1 || fatal "no user unbound (Debian's unbound package creates it)"
env_dir

# --- 2. The node's SDN configuration -----------------------------------------------
heading "2. A Proxmox node's SDN configuration, as pve-network writes it"
# The zone's nat64-prefix is a network-specific one: behind the
# Well-Known Prefix 64:ff9b::/96 the translator never reaches non-global
# IPv4 (RFC 6052 §3.1), and this demo's "internet" has to be documentation
# space (192.0.2.0/24) so that nothing here could ever be real.
write_running_config "vnet1:v6z vnet2:v6z" "v6z:\"nat64-prefix\": \"$POOL6/96\""
say "In place of /etc/pve/sdn: $SDN. Zone v6z has type ipv6only and the nat64-prefix $POOL6/96, not the default 64:ff9b::/96: behind the Well-Known Prefix non-global IPv4 is unreachable (RFC 6052 §3.1), and this demo's IPv4 'internet' is documentation space, 192.0.2.0/24. VNets vnet1 and vnet2, one subnet each. (Zone 'other' is of type simple: not nat64d's.)" ""
show_run "" "cat $SDN/.running-config" cat "$SDN/.running-config"

# --- 3. Open vSwitch, nat64d, nat64ctl ------------------------------------------------
heading "3. The patched Open vSwitch, nat64d, and pool4 and EAMT set with nat64ctl"
add_netns "$NODE" "$V4" "$VM1" "$VM2" "$CLIENT"
setup_ipv4_side
start_auth_dns
# The IPv4-only client, behind the IPv4 side's router: 192.0.2.96/28.
ip netns exec "$V4" sysctl -qw net.ipv4.ip_forward=1
ip -n "$V4" link add eth1 type veth peer name eth0 netns "$CLIENT" || fatal "client link"
ip -n "$V4" addr add "$CLIENT_GW4/28" dev eth1
ip -n "$V4" link set eth1 up
ip netns exec "$CLIENT" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip -n "$CLIENT" addr add "$CLIENT4/28" dev eth0
ip -n "$CLIENT" link set eth0 up
ip -n "$CLIENT" route add default via "$CLIENT_GW4"
# The VMs.  Their one setting: accept RAs (2: even if the guest forwards).
# eth0 is up now; its carrier comes when the port is plugged into the
# VNet's bridge, and with it the guest's Router Solicitations.
for vm in "$VM1:vm1p" "$VM2:vm2p"; do
    make_vm "${vm%%:*}" "${vm#*:}" || fatal "VM ${vm%%:*}"
    ip netns exec "${vm%%:*}" sysctl -qw net.ipv6.conf.eth0.accept_ra=2
done
# VM1 is reached from IPv4 through an EAMT entry, which maps one fixed
# IPv6 address; its SLAAC address comes from its MAC and would change
# with the NIC.  So it gets a static address as well, deprecated
# (preferred_lft 0): it accepts connections, but VM1's own connections
# keep their SLAAC source, and with it pool4 (EAMT comes first).
ip -n "$VM1" addr add "$VM1_STATIC/64" dev eth0 nodad preferred_lft 0
for vm in "$VM1" "$VM2"; do ip -n "$vm" link set eth0 up; done

start_ovs
start_nat64d
bridges_up() { vsctl br-exists vnet1 && vsctl br-exists vnet2; }
until_ok 10 bridges_up || fatal "nat64d made no bridges" "$(tail -20 "$DIR/nat64d.log")"
say "ovsdb-server and ovs-vswitchd (this build's, with the nat64 action) run in the node namespace $NODE, with their sockets in $DIR. nat64d made a bridge per VNet within ${WAITED} s:" ""
for p in vnet1:vm1p vnet2:vm2p; do
    vsctl add-port "${p%%:*}" "${p#*:}" || fatal "plugging ${p#*:} into ${p%%:*}"
    ip -n "$NODE" link set "${p#*:}" up
done
show_run "" "ovs-vsctl show" vsctl show
say "" "nat64ctl runs in the node with --config-dir $SDN --node pve1 --ovs-rundir $DIR --ovs-ctl $DIR/ovs-vswitchd.ctl (the sandbox's in place of the defaults), left out below. Each VNet gets a pool4 address that its VMs share (stateful NAT64), VM1's static address its own IPv4 address (EAMT); each command waits until the datapath has it:" ""
on_node nat64ctl pool4 add --vnet vnet1 198.51.100.1/32 --ports 1024-65535
on_node nat64ctl pool4 add --vnet vnet2 198.51.100.2/32 --ports 1024-65535
on_node nat64ctl eamt add --vnet vnet1 "$VM1_STATIC/128" "$VM1_EAMT4/32"
on_node nat64ctl eamt list
routed() { [[ -n $(in_node ip route show "$VM1_EAMT4" proto 64) ]]; }
until_ok 3 routed || problem "no route for $VM1_EAMT4 in the node" "$(tail -5 "$DIR/nat64d.log")"
say "" "nat64d routes those IPv4 addresses into the VNets' bridges:" ""
on_node ip route show proto 64

# --- 4. The VMs ----------------------------------------------------------------------
heading "4. VM1 on vnet1, VM2 on vnet2: IPv6 only, zero configuration"
say "Prompts: vm1\$ is 'ip netns exec $VM1', vm2\$ 'ip netns exec $VM2'. The VMs set only net.ipv6.conf.eth0.accept_ra=2; nat64d answers their Router Solicitations. A SLAAC address (past DAD) and a default route (proto ra, via the bridge) follow:" ""
for vm in "$VM1:vm1" "$VM2:vm2"; do
    ns=${vm%%:*} name=${vm#*:}
    until_ok 10 slaac_default "$ns" ||
        problem "$name: no SLAAC address or default route within 10 s" "$(ip -n "$ns" -6 addr show dev eth0)" "$(ip -n "$ns" -6 route)"
    at "$ns" "$name" ip -6 addr show dev eth0
    at "$ns" "$name" ip -6 route show
    # What nat64d's RA carries, decoded (an RS of its own, and the answer).
    RA=$(ra "$ns" solicit eth0) || problem "$name: no RA answered its RS" "$RA"
    show_run "$name" "tests/e2e/ra_tools.py solicit eth0 | grep -E '^(mtu|pio|rdnss|pref64) '" \
        grep -E '^(mtu|pio|rdnss|pref64) ' <<<"$RA"
    # rdnssd's job in a real guest: resolv.conf from the RA's RDNSS.
    # shellcheck disable=SC2046 # one address per word
    netns_resolv_conf "$ns" $(sed -n 's/^rdnss lifetime=[0-9]* //p' <<<"$RA") ||
        problem "writing /etc/netns/$ns/resolv.conf"
    at "$ns" "$name" cat /etc/resolv.conf
    ((UI_QUIET)) || echo
done
say "The RDNSS is the VNet's gateway, where nat64d runs a DNS64 resolver (unbound) per VNet; PREF64 (RFC 8781) tells the guest the NAT64 prefix. resolv.conf is written from the RDNSS as rdnssd or systemd-networkd would (ip netns exec mounts /etc/netns/NS/resolv.conf)."

# --- 5. VM -> IPv4 by name -------------------------------------------------------------
heading "5. From each VM: an IPv4-only web site, by name"
say "www.v4only.example has only an A record, $SERVER4, on an authoritative server in the IPv4-only namespace $V4. The VNet's resolver synthesises an AAAA record in $POOL6/96, and the translator takes the connection to IPv4, sourcing it from the VNet's pool4 address:" ""
for vm in "$VM1:vm1" "$VM2:vm2"; do
    ns=${vm%%:*} name=${vm#*:}
    until_ok 10 resolves "$ns" || problem "$name: www.v4only.example does not resolve within 10 s" "$(tail -5 "$DIR/nat64d.log")"
    at "$ns" "$name" dig +noall +answer AAAA www.v4only.example
    fetch "$ns" "$name" "$URL" hello-from-ipv4
    ((UI_QUIET)) || echo
done
say "The IPv4 web server's log (peer_tools.py: client address#port first): vnet1 came as 198.51.100.1, vnet2 as 198.51.100.2:" ""
show_run "" "cat $DIR/http.log" cat "$DIR/http.log"

# --- 6. IPv4 -> VM1 through EAMT -----------------------------------------------------------
heading "6. An IPv4-only client reaches VM1 through its EAMT address"
mkdir "$DIR/www-vm1" && echo hello-from-vm1 >"$DIR/www-vm1/index.html"
ip netns exec "$VM1" "$PY" "$HERE/peer_tools.py" http "$VM1_STATIC" 80 "$DIR/www-vm1" >"$DIR/http-vm1.log" 2>&1 &
disown
until_ok 5 listens80 "$VM1" || problem "VM1's web server does not listen" "$(cat "$DIR/http-vm1.log")"
say "A web server on [$VM1_STATIC]:80 in VM1; the client, $CLIENT ($CLIENT4, no IPv6 at all), sits behind the IPv4 side's router and asks for $VM1_EAMT4, which the EAMT entry maps to $VM1_STATIC:" ""
fetch "$CLIENT" client4 "http://$VM1_EAMT4/" hello-from-vm1
say "" "VM1's server saw the client as $CLIENT4_AS6, its IPv4 address in the zone's nat64-prefix:" ""
show_run "" "cat $DIR/http-vm1.log" cat "$DIR/http-vm1.log"

# --- 7. What the node shows ---------------------------------------------------------------
heading "7. What the node shows"
say "nat64d's flows on vnet1 (cookie 0x4e363400 followed by the instance id; OpenFlow 1.3 to show the meter that limits Router Solicitations; OVS_RUNDIR=$DIR names the sandbox's ovs-vswitchd). Table 0: the node's IPv4 for the VNet's pool4 and EAMT addresses into the translator, anti-spoofing, RA guard, RSes to nat64d; table 1: IPv6 to the nat64-prefix into the translator; tables 2 and 3: the translated packets, handed to the node's own IP stack, which routes them on (docs/design.md walks a packet through):" ""
show_run "" "ovs-ofctl -O OpenFlow13 dump-flows vnet1 cookie=0x4e36340000000000/0xffffffff00000000" \
    ofctl -O OpenFlow13 dump-flows vnet1 cookie=0x4e36340000000000/0xffffffff00000000
((UI_QUIET)) || echo
on_node nat64ctl status --dns64-dir "$DIR/dns64"
((UI_QUIET)) || echo
say "The session VM1's curl opened on vnet1's pool4 address (the client's connection to VM1 needed none: EAMT is stateless):" ""
on_node nat64ctl session list --vnet vnet1
((UI_QUIET)) || echo
say "vnet1's translator counters, those that are not 0 (nat64ctl stats lists all of them, --explain says what each means):" ""
nonzero_stats() { ctl stats --vnet vnet1 | grep -v ' 0$'; }
show_run node "nat64ctl stats --vnet vnet1 | grep -v ' 0\$'" nonzero_stats

((UI_QUIET)) || echo
result_line
if ((WAIT)); then
    heading "The simulated node is yours until you press Enter (or Ctrl-C)"
    cat <<EOF
Try:
  ip netns exec $VM1 curl $URL
  ip netns exec $VM2 ping -c2 www.v4only.example
  ip netns exec $CLIENT curl http://$VM1_EAMT4/
  ip netns exec $NODE $BIN/nat64ctl status --config-dir $SDN --node pve1 --ovs-rundir $DIR --ovs-ctl $DIR/ovs-vswitchd.ctl
  OVS_RUNDIR=$DIR $BIN/ovs-ofctl dump-flows vnet1
  $BIN/ovs-appctl -t $DIR/ovs-vswitchd.ctl nat64/stats <instance id from nat64ctl status> --explain
Logs: $DIR/nat64d.log $DIR/ovs-vswitchd.log
EOF
    read -r _ || true
fi
