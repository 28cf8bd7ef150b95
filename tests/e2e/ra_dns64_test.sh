#!/usr/bin/env bash
# End-to-end test of issue #8, zero-touch IPv6-only guests: nat64d's router
# advertisements and DNS64 resolvers, with guests that configure nothing
# by hand, in the sandbox of nat64d_test.sh (nat64d_env.sh).
#
#   ra_dns64_test.sh [BINDIR [SCHEMA]]      (as root)
#
#   zone z1 (nat64-prefix 2001:db8:64::/96, mtu 1450; ra and dns64 left
#     to their defaults: on, local): vnet1 2001:db8:1::/64 with the VMs
#     $P-vm1 and $P-vm1b
#   zone z2 ("ra": 0, "dns64": "off"): vnet2 2001:db8:2::/64, VM $P-vm2
#   zone z3 (nat64-prefix 2001:db8:6464::/64, "dns64-server":
#     "2001:db8:53::53"): vnet3 2001:db8:3::/64, VM $P-vm3
#   $P-v4 (IPv4 only): the HTTP server 192.0.2.80, and an authoritative
#     unbound on 192.0.2.53 for v4only.example. (an A record, no AAAA): the
#     resolver the node's resolv.conf (--resolv-conf) names.
#
# The VMs set only net.ipv6.conf.eth0.accept_ra=2.  It asserts: vm1 gets a
# SLAAC address in its /64 and a default route via the bridge's own
# link-local address; rdisc6 and an RA captured and decoded byte by byte
# (ra_tools.py: PREF64 too) carry exactly the zone's values; vm1 resolves
# www.v4only.example through the resolver the RA announced to pool6 +
# 192.0.2.80, ipv4only.arpa to the RFC 7050 addresses, and fetches the page
# by name through the translator; every one of 20 RSes gets a unicast RA
# within 2 s (the latency is printed: "RS->RA latency over 20: ..."), an
# RS from :: right after a multicast RA gets an RA to ff02::1 3 to 3.5 s
# after it (MIN_DELAY_BETWEEN_RAS; a scheduled RA would be >= 16 s away);
# vnet2 gets no RA, no controller flow and no resolver; vnet3's RAs
# announce its dns64-server and no resolver runs for it; an RA from a VM
# does not reach the other VM.
#
# At run time, each change an Apply of .running-config, seen in the next
# RA vm1 receives: dns64 off withdraws the resolver (RDNSS lifetime 0) and
# stops its unbound, local brings both back; a new nat64-prefix is
# announced with the old one at PREF64 lifetime 0 and the resolver
# synthesises into it; a subnet removed from vnet1 is announced with
# preferred lifetime 0, valid 7200 (its SLAAC address deprecated); ra 0
# sends a final RA (router, RDNSS and PREF64 lifetimes 0), vm1 loses its
# default route, RSes go unanswered and no flow sends them to the
# controller, ra 1 brings it all back.  After kill -9 of ovs-vswitchd and
# its restart RSes are answered again and the RS flows and meter 64 are
# back; while nat64d is stopped (SIGTERM: it stops its resolvers) vm1
# keeps its address and default route, and a new nat64d starts a new
# resolver and answers RSes; SIGHUP does not end nat64d.  Last, a VNet
# removed from .running-config takes its resolver with it.
#
# The names are under .example, not .test: unbound answers test. itself
# (an RFC 6761 default local zone), so nat64d's resolver would never
# forward a .test query.
#
# Needs root and Debian's iproute2 ethtool curl ndisc6 (rdisc6) unbound
# bind9-dnsutils (dig) python3-scapy; not being root or a missing tool is a
# failure, never a skip.  The last line is "N passed, M failed".
set -uo pipefail

P=n64ra-$$
# shellcheck source-path=SCRIPTDIR source=nat64d_env.sh
. "$(dirname "${BASH_SOURCE[0]}")/nat64d_env.sh" "$@"
VM1=$P-vm1 VM1B=$P-vm1b VM2=$P-vm2 VM3=$P-vm3
DNS64_SERVER=2001:db8:53::53
POOL6_Z3=2001:db8:6464::

# --- Helpers --------------------------------------------------------------------
# ra NS ARGS...: ra_tools.py in NS (scapy's warnings go to a log).
ra() { ip netns exec "$1" "$PY" "$HERE/ra_tools.py" "${@:2}" 2>>"$DIR/ra_tools.err"; }
# expect_line NAME LINE TEXT: TEXT has exactly this LINE.
expect_line() {
    if grep -Fxq -- "$2" <<<"$3"; then ok "$1"; else bad "$1" "no line '$2' in:" "$3"; fi
}
# expect_eq NAME WANT GOT
expect_eq() {
    if [[ $3 == "$2" ]]; then ok "$1"; else bad "$1" "want: $2" "got:  $3"; fi
}
# in_prefix PREFIX: some "ADDR/LEN" line on stdin is inside PREFIX.
in_prefix() {
    "$PY" -c '
import ipaddress, sys
net = ipaddress.ip_network(sys.argv[1])
sys.exit(0 if any(ipaddress.ip_interface(l).ip in net for l in sys.stdin.read().split()) else 1)' "$1"
}
# slaac_addr NS PREFIX: the VM's global addresses in PREFIX that passed
# DAD (not tentative), "ADDR/LEN" one a line; status 1 if none.
slaac_addr() {
    local a out=
    for a in $(ip -n "$1" -6 -o addr show dev eth0 scope global | grep -v tentative | awk '{print $4}'); do
        in_prefix "$2" <<<"$a" && out+="$a"$'\n'
    done
    [[ -n $out ]] && printf '%s' "$out"
}
# eui64_ll MAC: the link-local address the kernel forms from MAC (RFC 4291
# appendix A).
eui64_ll() {
    "$PY" -c '
import ipaddress, sys
m = bytes.fromhex(sys.argv[1].replace(":", ""))
print(ipaddress.IPv6Address(b"\xfe\x80" + bytes(6) + bytes([m[0] ^ 2]) + m[1:3] + b"\xff\xfe" + m[3:]))' "$1"
}
link_local() { ip -n "$1" -6 -o addr show dev "$2" scope link | awk '{print $4}' | cut -d/ -f1; }
mac_of() { ip -n "$1" -br link show "$2" | awk '{print $3}'; }
# listeners t|u: "ADDR:PORT" of the node's sockets listening on port 53.
listeners() { in_node ss -Hln"$1" 'sport = :53' | awk '{print $4}' | sort -u | tr '\n' ' '; }
# unbound_pid VNET: the pid of the resolver nat64d runs for VNET, if any.
unbound_pid() {
    local pid
    for pid in $(ip netns pids "$NODE"); do
        [[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == *unbound*"-c $DIR/dns64/$1/unbound.conf"* ]] &&
            echo "$pid"
    done
}
no_unbound() { [[ -z $(unbound_pid "$1") ]]; }
has_unbound() { [[ -n $(unbound_pid "$1") ]]; }
gone() { ! kill -0 "$1" 2>/dev/null; }
# watch_vm1 NAME [SECONDS]: vm1's RAs, decoded, into $DIR/NAME.log for
# SECONDS (default 6), in the background; listening when it returns.
watch_vm1() {
    ra "$VM1" watch eth0 "${2:-6}" --decode >"$DIR/$1.log" &
    sleep 0.4
}
# ra_block LOG LINE: the first RA in LOG (of watch --decode) from vnet1's
# bridge that has LINE, its "ra from" line and its decoded lines; status 1
# if none.
ra_block() {
    awk -v want="$2" -v src="ra from $BR1_LL " '
        /^ra from / { if (found) exit; blk = $0; mine = index($0, src) == 1; next }
        { blk = blk "\n" $0; if (mine && $0 == want) found = 1 }
        END { if (found) print blk; exit !found }' "$1"
}
# expect_ra NAME LOG LINE: within 5 s an RA from vnet1's bridge with LINE
# arrives in LOG (a change's RA goes out at once, RFC 4861 §6.2.4, or
# MIN_DELAY_BETWEEN_RAS = 3 s after the previous multicast one); that RA
# in BLK.
expect_ra() {
    BLK=
    if until_ok 5 ra_block "$2" "$3"; then
        BLK=$(ra_block "$2" "$3")
        ok "$1 (after ${WAITED} s)"
    else
        bad "$1: no RA with '$3' within 5 s" "$(cat "$2")" "$(tail -10 "$DIR/nat64d.log")"
    fi
}
# answered: an RS from vm1's link-local gets its unicast RA within 0.5 s.
answered() { ra "$VM1" solicit eth0 --timeout 0.5 >/dev/null; }
# apply_z1 MEMBERS: Proxmox's Apply of the three VNets as set up, zone z1
# with MEMBERS.
apply_z1() { write_running_config "vnet1:z1 vnet2:z2 vnet3:z3" "z1:$1" "$ZONE2" "$ZONE3"; }
# add_subnet VNET N: Proxmox's Apply after adding the subnet
# 2001:db8:N::/64 (gateway 2001:db8:N::1) to VNET: the current
# .running-config with it, as the next version.
add_subnet() {
    "$PY" - "$SDN/.running-config" "$1" "$2" "$((++VERSION))" <<'EOF'
import json, os, sys
path, vnet, n, version = sys.argv[1:]
with open(path) as f:
    rc = json.load(f)
rc["version"] = int(version)
rc["subnets"]["ids"]["%s-2001:db8:%s::-64" % (rc["vnets"]["ids"][vnet]["zone"], n)] = {
    "type": "subnet", "vnet": vnet, "gateway": "2001:db8:%s::1" % n}
with open(path + ".tmp", "w") as f:
    json.dump(rc, f, indent=1)
os.rename(path + ".tmp", path)
EOF
}

# --- Set-up -----------------------------------------------------------------------
env_preflight curl ss dig unbound rdisc6
"$PY" -c 'import scapy.layers.inet6' 2>/dev/null || fatal "python3-scapy is missing (sudo scripts/install-deps.sh)"
id -u unbound >/dev/null 2>&1 || fatal "no user unbound (Debian's unbound package creates it)"
env_dir

section "ra_tools.py decodes RAs crafted with scapy"
OUT=$("$PY" "$HERE/ra_tools.py" selftest 2>&1)
expect_line "every field of the crafted RAs, PREF64 included" "selftest: ok" "$OUT"

add_netns "$NODE" "$V4" "$VM1" "$VM1B" "$VM2" "$VM3"
setup_ipv4_side
for vm in "$VM1:vm1p" "$VM1B:vm1bp" "$VM2:vm2p" "$VM3:vm3p"; do
    make_vm "${vm%%:*}" "${vm#*:}" || fatal "VM ${vm%%:*}"
    # The one setting of a zero-touch guest: accept RAs (2: even if the
    # guest forwards); autoconf is on by default.  eth0 comes up now, its
    # carrier when the port is plugged.
    ip netns exec "${vm%%:*}" sysctl -qw net.ipv6.conf.eth0.accept_ra=2
    ip -n "${vm%%:*}" link set eth0 up
done

# The authoritative server for v4only.example. (nat64d_env.sh): the
# node's upstream resolver, IPv4 only.
start_auth_dns

start_ovs
Z1="\"nat64-prefix\": \"$POOL6/96\", \"mtu\": 1450"
ZONE2="z2:\"nat64-prefix\": \"$POOL6/96\", \"ra\": 0, \"dns64\": \"off\""
ZONE3="z3:\"nat64-prefix\": \"$POOL6_Z3/64\", \"dns64-server\": \"$DNS64_SERVER\""
apply_z1 "$Z1"
cat >"$SDN/nat64.json" <<EOF
{"version": 1,
 "vnets": {
  "vnet1": {"pool4": [{"prefix": "198.51.100.1/32", "ports": "1024-65535"}]},
  "vnet2": {"pool4": [{"prefix": "198.51.100.2/32", "ports": "1024-65535"}]},
  "vnet3": {"pool4": [{"prefix": "198.51.100.3/32", "ports": "1024-65535"}]}
 }}
EOF

section "The IPv4-only side"
if until_ok 5 sh -c "ip netns exec $V4 ss -Hlnu 'sport = :53' | grep -q ."; then ok "authoritative unbound listens on $AUTH4"; else bad "authoritative unbound" "$(cat "$DIR/auth.log")"; fi
OUT="$(in_node dig +short +time=2 @"$AUTH4" A www.v4only.example) / $(in_node dig +short +time=2 @"$AUTH4" AAAA www.v4only.example)"
expect_eq "from the node: www.v4only.example has A $SERVER4 and no AAAA" "$SERVER4 / " "$OUT"

start_nat64d
bridges_up() { vsctl br-exists vnet1 && vsctl br-exists vnet2 && vsctl br-exists vnet3; }
until_ok 10 bridges_up || fatal "nat64d made no bridges" "$(tail -20 "$DIR/nat64d.log")"
for vm in vnet1:vm1p vnet1:vm1bp vnet2:vm2p vnet3:vm3p; do
    vsctl add-port "${vm%%:*}" "${vm#*:}" || fatal "plugging ${vm#*:}"
done
# Carrier for the VMs: each sends its Router Solicitations now, as a VM
# booting on a plugged tap does.
for p in vm1p vm1bp vm2p vm3p; do ip -n "$NODE" link set "$p" up; done

BR1_MAC=$(mac_of "$NODE" vnet1)
BR1_LL=$(link_local "$NODE" vnet1)
BR3_LL=$(link_local "$NODE" vnet3)
VM1_MAC=$(mac_of "$VM1" eth0)

# --- 1. SLAAC and the default route -------------------------------------------------
section "A VM with accept_ra=2 only: SLAAC address and default route"
if until_ok 10 slaac_addr "$VM1" 2001:db8:1::/64; then
    ok "vm1 has $(slaac_addr "$VM1" 2001:db8:1::/64 | tr '\n' ' ')in 2001:db8:1::/64, past DAD, ${WAITED} s after its link came up"
else
    bad "no SLAAC address in 2001:db8:1::/64 on vm1" "$(ip -n "$VM1" -6 addr show dev eth0)" "$(tail -20 "$DIR/nat64d.log")"
fi
expect_eq "the bridge's link-local address is the EUI-64 one of its MAC $BR1_MAC" "$(eui64_ll "$BR1_MAC")" "$BR1_LL"
has_default() { ip -n "$1" -6 route show default | grep -q "^default via $2 dev eth0 proto ra "; }
if until_ok 5 has_default "$VM1" "$BR1_LL"; then
    ok "vm1's default route: via $BR1_LL (the bridge's own link-local) dev eth0 proto ra"
else
    bad "vm1's default route" "$(ip -n "$VM1" -6 route show default)"
fi
expect_eq "vm1's IPv6 MTU is the zone's mtu, from the RA" 1450 "$(ip netns exec "$VM1" sysctl -n net.ipv6.conf.eth0.mtu)"
if until_ok 5 slaac_addr "$VM3" 2001:db8:3::/64 && until_ok 2 has_default "$VM3" "$BR3_LL"; then
    ok "vm3 (vnet3) has a SLAAC address and a default route via $BR3_LL"
else
    bad "vm3 autoconfiguration" "$(ip -n "$VM3" -6 addr show dev eth0)" "$(ip -n "$VM3" -6 route)"
fi

# --- 2. What the RAs carry ----------------------------------------------------------
section "rdisc6 and a decoded RA carry the zone's values"
OUT=$(ip netns exec "$VM1" rdisc6 -1 eth0 2>&1)
expect_match "rdisc6: prefix 2001:db8:1::/64" '^ Prefix +: 2001:db8:1::/64$' "$OUT"
expect_match "rdisc6: MTU 1450" '^ MTU +: +1450 bytes' "$OUT"
expect_match "rdisc6: Recursive DNS server = the gateway 2001:db8:1::1" '^ Recursive DNS server +: 2001:db8:1::1$' "$OUT"
expect_match "rdisc6: from the bridge's link-local" "^ from $BR1_LL\$" "$OUT"

RA1=$(ra "$VM1" solicit eth0)
VM1_LL=$(link_local "$VM1" eth0)
expect_line "IPv6 source: the bridge's link-local" "ip_src $BR1_LL" "$RA1"
expect_line "unicast to vm1's link-local" "ip_dst $VM1_LL" "$RA1"
expect_line "Ethernet: from the bridge MAC" "eth_src $BR1_MAC" "$RA1"
expect_line "Ethernet: to vm1's MAC" "eth_dst $VM1_MAC" "$RA1"
expect_line "hop limit 255" "hop_limit 255" "$RA1"
expect_line "ICMPv6 checksum valid" "checksum ok" "$RA1"
expect_line "router lifetime 1800" "router_lifetime 1800" "$RA1"
expect_line "SLLA option: the bridge MAC" "slla $BR1_MAC" "$RA1"
expect_line "MTU option: 1450" "mtu 1450" "$RA1"
expect_line "PIO: 2001:db8:1::/64, L=1 A=1, lifetimes 2592000/604800" \
    "pio 2001:db8:1::/64 L=1 A=1 valid=2592000 preferred=604800" "$RA1"
expect_line "RDNSS: the gateway, lifetime 1800" "rdnss lifetime=1800 2001:db8:1::1" "$RA1"
expect_line "PREF64: the zone's nat64-prefix $POOL6/96, PLC 0, scaled lifetime 225" \
    "pref64 $POOL6/96 plc=0 scaled_lifetime=225 lifetime=1800" "$RA1"
expect_eq "each option once: SLLA, PIO, MTU, RDNSS, PREF64" "1 3 5 25 38" \
    "$(sed -n 's/^option_types //p' <<<"$RA1" | tr ' ' '\n' | sort -n | tr '\n' ' ' | sed 's/ $//')"

RA3=$(ra "$VM3" solicit eth0)
expect_line "vnet3: RDNSS is the zone's dns64-server" "rdnss lifetime=1800 $DNS64_SERVER" "$RA3"
expect_line "vnet3: PREF64 $POOL6_Z3/64 with PLC 1" "pref64 $POOL6_Z3/64 plc=1 scaled_lifetime=225 lifetime=1800" "$RA3"
expect_line "vnet3: MTU option 1500 (no zone mtu)" "mtu 1500" "$RA3"
expect_line "vnet3: PIO 2001:db8:3::/64" "pio 2001:db8:3::/64 L=1 A=1 valid=2592000 preferred=604800" "$RA3"

# --- 3. DNS64 -----------------------------------------------------------------------
section "DNS64: vm1 resolves an A-only name through the resolver the RA announced"
RDNSS=$(sed -n 's/^rdnss lifetime=[0-9]* //p' <<<"$RA1")
# shellcheck disable=SC2086 # one address per word
netns_resolv_conf "$VM1" $RDNSS || bad "writing /etc/netns/$VM1/resolv.conf"
PID1=$(unbound_pid vnet1)
if [[ -n $PID1 ]]; then ok "nat64d runs unbound -c $DIR/dns64/vnet1/unbound.conf (pid $PID1)"; else bad "no unbound for vnet1" "$(tail -20 "$DIR/nat64d.log")"; fi
expect_eq "it runs as the user unbound" unbound "$(ps -o user= -p "${PID1:-1}")"
expect_match "it forwards to the nameserver of --resolv-conf" "^ *forward-addr: $AUTH4\$" "$(cat "$DIR/dns64/vnet1/unbound.conf" 2>&1)"
aaaa() { ip netns exec "$VM1" dig +short +time=1 +tries=1 AAAA "$1" | sort | tr '\n' ' '; }
www_ok() { [[ $(aaaa www.v4only.example) == "${POOL6}c000:250 " ]]; }
if until_ok 5 www_ok; then
    ok "www.v4only.example AAAA = ${POOL6}c000:250 (pool6 + $SERVER4) after ${WAITED} s"
else
    bad "www.v4only.example AAAA" "$(ip netns exec "$VM1" dig +time=1 +tries=1 AAAA www.v4only.example 2>&1)"
fi
expect_eq "ipv4only.arpa AAAA: 192.0.0.170 and .171 in pool6 (RFC 7050)" \
    "${POOL6}c000:aa ${POOL6}c000:ab " "$(aaaa ipv4only.arpa)"
OUT=$(ip netns exec "$VM1" curl -sS -m5 http://www.v4only.example/ 2>&1)
expect_eq "curl http://www.v4only.example/ from vm1 fetches the IPv4-only page" hello-from-ipv4 "$OUT"
expect_match "the server saw vnet1's pool4 address" '^198\.51\.100\.1#' "$(cat "$DIR/http.log")"
expect_eq "the node listens on port 53 (UDP) of vnet1's gateway only" "[2001:db8:1::1]:53 " "$(listeners u)"
expect_eq "the node listens on port 53 (TCP) of vnet1's gateway only" "[2001:db8:1::1]:53 " "$(listeners t)"
if no_unbound vnet2 && no_unbound vnet3; then ok "no resolver for vnet2 (dns64 off) nor vnet3 (dns64-server)"; else bad "resolvers for vnet2/vnet3"; fi
# What an operator sees: the RA and DNS64 columns of nat64ctl status.
OUT=$(in_node "$BIN/nat64ctl" status --config-dir "$SDN" --node pve1 --ovs-rundir "$DIR" \
    --ovs-ctl "$DIR/ovs-vswitchd.ctl" --dns64-dir "$DIR/dns64")
expect_match "nat64ctl status: vnet1 advertises, its resolver runs as pid $PID1" "^vnet1 .* on +pid $PID1\$" "$OUT"
expect_match "nat64ctl status: vnet2 neither" '^vnet2 .* off +off$' "$OUT"
expect_match "nat64ctl status: vnet3 announces its dns64-server" "^vnet3 .* on +$DNS64_SERVER\$" "$OUT"

# --- 4. RS -> RA ----------------------------------------------------------------------
section "Every Router Solicitation gets its RA"
OUT=$(ra "$VM1" latency eth0 20 --timeout 2)
printf '%s\n' "$OUT" | grep '^RS->RA latency'
expect_line "20 RSes from vm1's link-local: 20 unicast RAs, each within 2 s" "answered 20 of 20 within 2 s" "$OUT"
# An RS from :: is answered to ff02::1, at most one such RA every
# MIN_DELAY_BETWEEN_RAS (3 s, RFC 4861 §6.2.6).  A scheduled RA must not
# pass for the answer: a first RS from :: brings a multicast RA, after
# which the next scheduled one is >= 16 s away; the answer to a second RS,
# sent right after it, must come 3 s (rate limit) to 3.5 s after it.
OUT=$(ra "$VM1" solicit eth0 --unspecified --after-ra --timeout 4)
SINCE=$(sed -n 's/^since_ra_ms //p' <<<"$OUT")
if [[ -n $SINCE ]] && awk -v t="$SINCE" 'BEGIN { exit !(t >= 2900 && t <= 3500) }'; then
    ok "an RS from :: right after a multicast RA is answered to ff02::1 ${SINCE%.*} ms after it (3 s rate limit, no scheduled RA)"
else
    bad "an RS from :: right after a multicast RA: no answer 2.9 to 3.5 s after it" "$OUT"
fi
expect_line "an RS from :: is answered to ff02::1" "ip_dst ff02::1" "$OUT"
expect_line "at the all-nodes MAC, from the bridge" "eth_dst 33:33:00:00:00:01" "$OUT"
expect_line "with the same PREF64" "pref64 $POOL6/96 plc=0 scaled_lifetime=225 lifetime=1800" "$OUT"
# (OpenFlow 1.3: the meter instruction does not exist in 1.0's output.)
FLOWS1=$(ofctl -O OpenFlow13 dump-flows vnet1)
expect_match "vnet1 sends RSes to nat64d through meter 64" 'icmp_type=133.* actions=meter:64,CONTROLLER:65535' "$FLOWS1"
# The meter keeps an RS flood out of ovs-vswitchd's slow path
# (bench/netns/ra-latency.sh measures it); deleted by hand, it takes its
# flows with it, and nat64d puts both back.
meter64() { ofctl -O OpenFlow13 dump-meters vnet1 meter=64 2>&1 | tr -s ' \n' ' '; }
expect_match "meter 64: drop above 1000 packets/s, burst 1000" 'meter=64 pktps burst bands= ?type=drop rate=1000 burst_size=1000' "$(meter64)"
ofctl -O OpenFlow13 del-meter vnet1 meter=64
rs_flows_back() { [[ $(ofctl -O OpenFlow13 dump-flows vnet1 icmp6,icmp_type=133 | grep -c 'meter:64') -eq 3 ]] && meter64 | grep -q 'rate=1000'; }
if until_ok 5 rs_flows_back; then ok "meter and RS flows deleted by hand are back after ${WAITED} s"; else bad "meter not restored" "$(meter64)" "$(ofctl -O OpenFlow13 dump-flows vnet1 icmp6,icmp_type=133)"; fi

# --- 5. ra 0, dns64 off ----------------------------------------------------------------
section "A zone with ra 0 and dns64 off: no RA, no resolver"
OUT=$(ra "$VM2" solicit eth0 --timeout 3)
RC=$?
if [[ $RC -eq 1 && $OUT == "no RA within 3 s" ]]; then ok "vm2's RS gets no RA within 3 s"; else bad "vm2 got an RA (exit $RC)" "$OUT"; fi
expect_eq "vm2 has no default route" "" "$(ip -n "$VM2" -6 route show default)"
expect_eq "vm2 has no global address" "" "$(ip -n "$VM2" -6 -o addr show dev eth0 scope global)"
FLOWS2=$(ofctl dump-flows vnet2)
if grep -q 'cookie=0x4e363400' <<<"$FLOWS2" && ! grep -q CONTROLLER <<<"$FLOWS2"; then
    ok "vnet2's flows (nat64d's are there) have no controller action"
else
    bad "vnet2's flows" "$FLOWS2"
fi

# --- 6. RA-guard ----------------------------------------------------------------------
section "An RA from a VM does not reach the other VM"
guard_drops() { ofctl dump-flows vnet1 | grep 'icmp_type=134 actions=drop' | sed 's/.*n_packets=\([0-9]*\).*/\1/'; }
before=$(guard_drops)
VM1B_LL=$(link_local "$VM1B" eth0)
ra "$VM1" watch eth0 3 >"$DIR/watch.log" &
WATCH=$!
sleep 0.5
ra "$VM1B" advertise eth0 2001:db8:bad::/64
# And one that must arrive, so the watcher is shown to see RAs.
ra "$VM1" solicit eth0 >/dev/null
wait "$WATCH"
expect_line "vm1's watcher saw the router's RA" "ra from $BR1_LL to $VM1_LL" "$(cat "$DIR/watch.log")"
if grep -q "^ra from $VM1B_LL " "$DIR/watch.log"; then bad "vm1 received vm1b's RA" "$(cat "$DIR/watch.log")"; else ok "vm1 did not receive vm1b's RA"; fi
if slaac_addr "$VM1" 2001:db8:bad::/64 >/dev/null || ip -n "$VM1" -6 route | grep -q "via $VM1B_LL"; then
    bad "vm1 configured itself from vm1b's RA" "$(ip -n "$VM1" -6 addr)" "$(ip -n "$VM1" -6 route)"
else
    ok "vm1 has no address in 2001:db8:bad::/64 and no route via vm1b"
fi
after=$(guard_drops)
if ((${after:-0} >= ${before:-0} + 1)); then ok "RA-guard dropped it ($before -> $after)"; else bad "RA-guard drop count $before -> $after"; fi

# --- 7. Zone options changed at run time ---------------------------------------------
# Each change as Proxmox's Apply makes it (.running-config rewritten),
# seen from vm1: the changed RA goes out at once (RFC 4861 §6.2.4), what
# is no longer announced with lifetime 0.
section "Run time: dns64 local -> off -> local"
watch_vm1 dns64-off
apply_z1 "$Z1, \"dns64\": \"off\""
expect_ra "dns64 off: an RA withdraws the resolver 2001:db8:1::1 (RDNSS lifetime 0, RFC 8106 §5.1)" \
    "$DIR/dns64-off.log" "  rdnss lifetime=0 2001:db8:1::1"
if [[ -n $BLK ]] && ! grep -q '^  rdnss lifetime=1800 ' <<<"$BLK"; then ok "... and announces no RDNSS with lifetime 1800"; else bad "an RDNSS with lifetime 1800 in it" "$BLK"; fi
if until_ok 5 no_unbound vnet1; then ok "vnet1's unbound is gone"; else bad "vnet1's unbound still runs with dns64 off" "$(tail -10 "$DIR/nat64d.log")"; fi
watch_vm1 dns64-on
apply_z1 "$Z1"
expect_ra "dns64 local again: an RA announces 2001:db8:1::1 with lifetime 1800" \
    "$DIR/dns64-on.log" "  rdnss lifetime=1800 2001:db8:1::1"
if until_ok 5 has_unbound vnet1; then ok "vnet1's unbound runs again (pid $(unbound_pid vnet1))"; else bad "no unbound for vnet1 with dns64 local again" "$(tail -10 "$DIR/nat64d.log")"; fi
if until_ok 5 www_ok; then ok "vm1 resolves www.v4only.example through it again"; else bad "www.v4only.example AAAA after dns64 local again" "$(aaaa www.v4only.example)"; fi

section "Run time: nat64-prefix changed and back"
NEW64=2001:db8:65::
watch_vm1 pref64
apply_z1 "\"nat64-prefix\": \"$NEW64/96\", \"mtu\": 1450"
expect_ra "an RA announces the new PREF64 $NEW64/96" \
    "$DIR/pref64.log" "  pref64 $NEW64/96 plc=0 scaled_lifetime=225 lifetime=1800"
expect_line "... and withdraws $POOL6/96 in it (lifetime 0, RFC 8781 §4)" \
    "  pref64 $POOL6/96 plc=0 scaled_lifetime=0 lifetime=0" "$BLK"
new64_ok() { [[ $(aaaa www.v4only.example) == "${NEW64}c000:250 " ]]; }
if until_ok 5 new64_ok; then
    ok "vnet1's resolver synthesises into $NEW64/96: www.v4only.example AAAA ${NEW64}c000:250"
else
    bad "www.v4only.example AAAA after the change" "$(aaaa www.v4only.example)" "$(tail -10 "$DIR/nat64d.log")"
fi
OUT=$(ip netns exec "$VM1" curl -sS -m5 http://www.v4only.example/ 2>&1)
expect_eq "curl http://www.v4only.example/ from vm1 through the new prefix" hello-from-ipv4 "$OUT"
watch_vm1 pref64-back
apply_z1 "$Z1"
expect_ra "nat64-prefix back: an RA announces $POOL6/96 again" \
    "$DIR/pref64-back.log" "  pref64 $POOL6/96 plc=0 scaled_lifetime=225 lifetime=1800"
expect_line "... and withdraws $NEW64/96 in it" "  pref64 $NEW64/96 plc=0 scaled_lifetime=0 lifetime=0" "$BLK"
if until_ok 5 www_ok; then ok "the resolver synthesises into $POOL6/96 again"; else bad "www.v4only.example AAAA after the way back" "$(aaaa www.v4only.example)"; fi

section "Run time: a second subnet added to vnet1, then removed"
add_subnet vnet1 11 || bad "adding a subnet to .running-config"
if until_ok 8 slaac_addr "$VM1" 2001:db8:11::/64; then
    ok "vm1 gets a SLAAC address in the added subnet 2001:db8:11::/64 after ${WAITED} s"
else
    bad "no SLAAC address in 2001:db8:11::/64" "$(ip -n "$VM1" -6 addr show dev eth0)" "$(tail -10 "$DIR/nat64d.log")"
fi
watch_vm1 subnet-gone
apply_z1 "$Z1"
# RFC 4862 §5.5.3 e): a host lowers a valid lifetime no further than 2 hours.
expect_ra "2001:db8:11::/64 removed: an RA deprecates it (preferred lifetime 0, valid 7200)" \
    "$DIR/subnet-gone.log" "  pio 2001:db8:11::/64 L=1 A=1 valid=7200 preferred=0"
expect_line "... next to 2001:db8:1::/64, unchanged" "  pio 2001:db8:1::/64 L=1 A=1 valid=2592000 preferred=604800" "$BLK"
deprecated() { ip -n "$VM1" -6 -o addr show dev eth0 to 2001:db8:11::/64 | grep -q deprecated; }
if until_ok 3 deprecated; then ok "vm1's address in 2001:db8:11::/64 is deprecated"; else bad "vm1's address in 2001:db8:11::/64" "$(ip -n "$VM1" -6 addr show dev eth0)"; fi
if until_ok 5 www_ok; then ok "vm1 still resolves through 2001:db8:1::1"; else bad "www.v4only.example AAAA after the subnet change" "$(aaaa www.v4only.example)"; fi

section "Run time: ra 1 -> 0 -> 1"
watch_vm1 ra-off
apply_z1 "$Z1, \"ra\": 0"
# RFC 4861 §6.2.5: a final RA with router lifetime 0.
expect_ra "ra 0: a final RA with router lifetime 0" "$DIR/ra-off.log" "  router_lifetime 0"
expect_line "... RDNSS lifetime 0" "  rdnss lifetime=0 2001:db8:1::1" "$BLK"
expect_line "... PREF64 lifetime 0" "  pref64 $POOL6/96 plc=0 scaled_lifetime=0 lifetime=0" "$BLK"
no_default() { ! has_default "$VM1" "$BR1_LL"; }
if until_ok 3 no_default; then ok "vm1's default route via the bridge is gone"; else bad "vm1's default route is still there" "$(ip -n "$VM1" -6 route show default)"; fi
no_rs_to_controller() {
    FLOWS1=$(ofctl -O OpenFlow13 dump-flows vnet1)
    grep -q 'cookie=0x4e363400' <<<"$FLOWS1" && ! grep -q CONTROLLER <<<"$FLOWS1"
}
if until_ok 3 no_rs_to_controller; then ok "vnet1's flows (nat64d's are there) have no controller action"; else bad "vnet1's flows with ra 0" "$FLOWS1"; fi
OUT=$(ra "$VM1" solicit eth0 --timeout 2)
RC=$?
if [[ $RC -eq 1 && $OUT == "no RA within 2 s" ]]; then ok "an RS from vm1 gets no RA within 2 s"; else bad "vm1 got an RA with ra 0 (exit $RC)" "$OUT"; fi
watch_vm1 ra-on
apply_z1 "$Z1"
expect_ra "ra 1 again: an RA with router lifetime 1800" "$DIR/ra-on.log" "  router_lifetime 1800"
if until_ok 5 has_default "$VM1" "$BR1_LL"; then ok "vm1's default route via $BR1_LL is back after ${WAITED} s"; else bad "no default route on vm1" "$(ip -n "$VM1" -6 route)"; fi
if until_ok 5 rs_flows_back; then ok "the RS flows through meter 64 are back"; else bad "RS flows with ra 1 again" "$(meter64)" "$(ofctl -O OpenFlow13 dump-flows vnet1 icmp6,icmp_type=133)"; fi

# --- 8. Restarts --------------------------------------------------------------------------
section "kill -9 ovs-vswitchd and its restart: RSes answered again"
kill -9 "$(cat "$DIR/ovs-vswitchd.pid")"
sleep 0.5
start_vswitchd >/dev/null 2>&1 || bad "restarting ovs-vswitchd"
if until_ok 8 answered; then ok "an RS from vm1 is answered again ${WAITED} s after the restart"; else bad "no RA within 8 s of the restart" "$(tail -20 "$DIR/nat64d.log")"; fi
if until_ok 3 rs_flows_back; then ok "the RS flows and meter 64 are back"; else bad "RS flows after the restart" "$(meter64)" "$(ofctl -O OpenFlow13 dump-flows vnet1 icmp6,icmp_type=133)"; fi

section "nat64d stopped and started again: the guests keep their configuration"
UB_OLD=$(unbound_pid vnet1)
NPID=$(cat "$DIR/nat64d.pid")
LINES=$(wc -l <"$DIR/nat64d.log")
kill "$NPID"
if until_ok 5 gone "$NPID"; then ok "nat64d stops on SIGTERM"; else bad "nat64d still runs 5 s after SIGTERM"; fi
expect_match "its log: it stopped its DNS64 resolvers" 'DNS64 resolvers stopped' "$(tail -n +"$((LINES + 1))" "$DIR/nat64d.log")"
if until_ok 3 no_unbound vnet1; then ok "vnet1's unbound (pid $UB_OLD) stopped with it"; else bad "vnet1's unbound outlives nat64d" "$(unbound_pid vnet1)"; fi
if has_default "$VM1" "$BR1_LL" && slaac_addr "$VM1" 2001:db8:1::/64 >/dev/null; then
    ok "meanwhile vm1 keeps its address and its default route"
else
    bad "vm1 lost its configuration without nat64d" "$(ip -n "$VM1" -6 addr show dev eth0)" "$(ip -n "$VM1" -6 route)"
fi
EXPIRES=$(ip -n "$VM1" -6 route show default | sed -n 's/.* expires \([0-9]*\)sec.*/\1/p')
if ((${EXPIRES:-0} >= 1500)); then ok "... which expires in ${EXPIRES} s (router lifetime 1800)"; else bad "vm1's default route expires in '${EXPIRES}' s" "$(ip -n "$VM1" -6 route show default)"; fi
start_nat64d
new_unbound() { has_unbound vnet1 && [[ $(unbound_pid vnet1) != "$UB_OLD" ]]; }
if until_ok 5 new_unbound; then ok "the new nat64d starts a new unbound for vnet1 (pid $(unbound_pid vnet1)) after ${WAITED} s"; else bad "no new unbound for vnet1" "$(tail -10 "$DIR/nat64d.log")"; fi
if until_ok 5 www_ok; then ok "vm1 resolves www.v4only.example through it"; else bad "www.v4only.example AAAA after the restart" "$(aaaa www.v4only.example)"; fi
if until_ok 5 answered; then ok "an RS from vm1 is answered again after ${WAITED} s"; else bad "no RA from the new nat64d" "$(tail -10 "$DIR/nat64d.log")"; fi

section "SIGHUP makes nat64d run a pass, not stop"
NPID=$(cat "$DIR/nat64d.pid")
UB=$(unbound_pid vnet1)
LINES=$(wc -l <"$DIR/nat64d.log")
kill -HUP "$NPID"
sleep 1
AFTER=$(tail -n +"$((LINES + 1))" "$DIR/nat64d.log")
if kill -0 "$NPID" 2>/dev/null; then
    ok "nat64d (pid $NPID) still runs 1 s after SIGHUP"
else
    bad "SIGHUP ended nat64d" "${AFTER:-(nothing logged)}"
    start_nat64d # for what follows
    until_ok 5 answered
fi
expect_match "its log notes the SIGHUP" '[Ss][Ii][Gg][Hh][Uu][Pp]' "$AFTER"
if grep -Eiq '^(error|critical)|fatal|terminat|abort|nat64d stopping' <<<"$AFTER"; then bad "its log after SIGHUP" "$AFTER"; else ok "nothing fatal in its log after SIGHUP"; fi
if [[ -n $UB ]] && kill -0 "$UB" 2>/dev/null; then ok "vnet1's unbound (pid $UB) still runs"; else bad "vnet1's unbound after SIGHUP: pid '$UB' gone, now '$(unbound_pid vnet1)'"; fi
if until_ok 2 answered; then ok "RSes are still answered"; else bad "no RA after SIGHUP" "$(tail -10 "$DIR/nat64d.log")"; fi
PID1=$(unbound_pid vnet1)

# --- 9. A VNet removed ------------------------------------------------------------------
section "A VNet removed from .running-config takes its resolver with it"
# RFC 4861 §6.2.5: a router that stops advertising sends a final RA with
# router lifetime 0; the RDNSS (RFC 8106 §5.1) and PREF64 (RFC 8781 §4)
# lifetimes 0 withdraw those too.  It must leave before the bridge goes.
ra "$VM1" watch eth0 4 --decode >"$DIR/final.log" &
WATCHER=$!
sleep 0.5
write_running_config "vnet2:z2 vnet3:z3" "$ZONE2" "$ZONE3"
if until_ok 5 no_unbound vnet1; then ok "vnet1's unbound is gone after ${WAITED} s"; else bad "vnet1's unbound still runs" "$(tail -10 "$DIR/nat64d.log")"; fi
# (A zombie until nat64d, its parent, reaps it: kill -0 still succeeds.)
if [[ -n $PID1 ]] && ! until_ok 2 gone "$PID1"; then bad "pid $PID1 still alive (state $(awk '{print $3}' "/proc/$PID1/stat" 2>/dev/null))"; else ok "process $PID1 ended"; fi
expect_eq "nothing listens on port 53 of the node" "" "$(listeners u)$(listeners t)"
wait "$WATCHER"
FINAL=$(grep -A30 "^ra from $BR1_LL to ff02::1" "$DIR/final.log" | grep -B12 -A12 '^  router_lifetime 0$')
expect_line "the final RA withdraws the router" "  router_lifetime 0" "$FINAL"
expect_line "... and the resolver" "  rdnss lifetime=0 2001:db8:1::1" "$FINAL"
expect_line "... and the NAT64 prefix" "  pref64 $POOL6/96 plc=0 scaled_lifetime=0 lifetime=0" "$FINAL"
expect_eq "vm1 has no default route any more" "" "$(ip -n "$VM1" -6 route show default)"
if kill -0 "$(cat "$DIR/nat64d.pid")" 2>/dev/null; then ok "nat64d still runs"; else bad "nat64d died" "$(tail "$DIR/nat64d.log")"; fi

((fail == 0)) || printf '\nnat64d.log (last 40 lines):\n%s\n' "$(tail -40 "$DIR/nat64d.log")"
summary
[[ $fail -eq 0 ]]
