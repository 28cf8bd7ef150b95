#!/usr/bin/env bash
# End-to-end test of stateful NAT64 (RFC 6146) with real traffic: the
# two-namespace topology of e2e_test.sh (tests/e2e/topology.sh) with
# TOPO_STATEFUL=1, i.e. a translator instance with pool6 2001:db8:64::/96
# and a pool4 of ONE IPv4 address ($TOPO_POOL4), no EAMT.  The IPv6-only
# namespace holds 20 more addresses of its /64, the "VMs".
#
#   stateful_test.sh [BINDIR [SCHEMA]]      (as root)
#
# It asserts, with curl, ping, and python3 servers that log the transport
# address each client came from (peer_tools.py, also the UDP client):
# - every VM completes an HTTP GET and a UDP exchange with the IPv4-only
#   server, which sees all of them as $TOPO_POOL4, each on its own port
#   (RFC 6146 §3.5.1.1: a BIB entry per IPv6 transport address);
# - nat64/session-show (text, --json, filters, --count) and nat64/bib-show
#   list exactly those 40 sessions and BIB entries, with the pool4 ports
#   the server saw;
# - port forwards (static BIB, RFC 6146 §3.5.2.2): from the instance
#   document, and added and removed at run time with nat64/bib-add and
#   nat64/bib-del, an IPv4 client reaches an HTTP server on [VM]:80;
# - ICMP echo sessions (RFC 6146 §3.5.3) with "timeouts": {"icmp": 2}
#   appear with the pings and are gone within 5 s (housekeeping), counted
#   in sessions-expired, while the TCP and UDP sessions stay;
# - logging-bib/logging-session (RFC 6888 §4) records in ovs-vswitchd's log;
# - nat64/session-flush by protocol and address, and of everything but the
#   static BIB.
#
# Needs root, and Debian's iproute2 ethtool procps iputils-ping curl
# python3; not being root or a missing tool is a failure, never a skip.
# The last line is "N passed, M failed"; the exit status is non-zero on any
# failure.  Every namespace, process and file it made is removed on every
# exit, Ctrl-C included.

# "COND && ok ... || bad ..." is safe here: ok always succeeds.
# shellcheck disable=SC2015
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# shellcheck source-path=SCRIPTDIR source=../lib/assert.sh
. "$HERE/../lib/assert.sh" || {
    echo "0 passed, 1 failed"
    exit 1
}

[[ $# -le 2 ]] || fatal "usage: $0 [BINDIR [SCHEMA]]"
[[ $# -ge 1 ]] && TOPO_BIN=$1
[[ $# -ge 2 ]] && TOPO_SCHEMA=$2
# Names unique per run, so that parallel runs and other users'
# namespaces are never touched.
TOPO_PREFIX=n64st-$$
TOPO_STATEFUL=1
# shellcheck source-path=SCRIPTDIR source=topology.sh
. "$HERE/topology.sh" || fatal "cannot source $HERE/topology.sh"
# shellcheck source-path=SCRIPTDIR source=helpers.sh
. "$HERE/helpers.sh" || fatal "cannot source $HERE/helpers.sh"

# The VMs: 20 addresses of the IPv6 host's /64, 2001:db8:6::100 to ::113.
VMS=()
for i in $(seq 0 19); do
    VMS+=("$(printf '2001:db8:6::%x' $((0x100 + i)))")
done
N=${#VMS[@]}
FWD_VM=${VMS[0]}      # the port forward of the instance document:
FWD_PORT=8080         #   $TOPO_POOL4#8080 -> [$FWD_VM]#80
ADD_VM=${VMS[1]}      # the one added with nat64/bib-add:
ADD_PORT=8081         #   $TOPO_POOL4#8081 -> [$ADD_VM]#80
ICMP_TIMEOUT=2        # seconds (RFC 6146 §4 gives no minimum)
TOPO_INSTANCE_EXTRA=$(
    printf '"static-bib": [{"protocol": "tcp", "ipv6": "%s#80", "ipv4": "%s#%s"}], ' \
        "$FWD_VM" "$TOPO_POOL4" "$FWD_PORT"
    printf '"timeouts": {"icmp": %s}, "logging-bib": true, "logging-session": true' "$ICMP_TIMEOUT"
)
ID=$TOPO_INSTANCE

# --- Preflight: root, programs, tools -----------------------------------
msg=$(topo_preflight 2>&1) || fatal "preflight: root and the patched OVS programs" "$msg"
missing=()
for t in ping curl timeout sort uniq paste; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
done
# Prefer Debian's interpreter over any other python3 on PATH.
PY=/usr/bin/python3
[[ -x $PY ]] || PY=$(command -v python3) || missing+=(python3)
[[ -r $HERE/peer_tools.py ]] || missing+=("$HERE/peer_tools.py")
[[ ${#missing[@]} -eq 0 ]] ||
    fatal "tools present" "missing: ${missing[*]}" \
        "Debian: apt-get install iputils-ping curl coreutils python3"
ok "preflight: root, the patched OVS programs and every tool present"

# --- Topology -----------------------------------------------------------
section "topology: $TOPO_NS6 ($N VMs, IPv6 only) -- ovs-vswitchd in $TOPO_NSSW -- $TOPO_NS4 (IPv4 only)"
topo_up || fatal "namespaces, patched ovs-vswitchd, stateful instance and flows set up"
for vm in "${VMS[@]}"; do
    topo_run ip -n "$TOPO_NS6" addr add "$vm/64" dev eth0 nodad ||
        fatal "address $vm added in $TOPO_NS6"
done
ok "namespaces, patched ovs-vswitchd, stateful instance $ID (pool4 $TOPO_POOL4) and $N VM addresses set up"
show=$(topo_appctl nat64/instance-show "$ID" 2>&1)
expect_match "nat64/instance-show: pool4 $TOPO_POOL4/32" "\"prefix\": \"$TOPO_POOL4/32\"" "$show"
expect_match "nat64/instance-show: icmp timeout $ICMP_TIMEOUT s" "\"icmp\": $ICMP_TIMEOUT\b" "$show"

# appctl ARGS...: ovs-appctl ARGS; sets OUT (stdout and stderr) and RC.
appctl() {
    OUT=$(topo_appctl "$@" 2>&1)
    RC=$?
}
# sessions_json [ARGS...]: nat64/session-show ID ARGS --json.
sessions_json() {
    topo_appctl nat64/session-show "$ID" "$@" --json 2>&1
}
# summarize: a one-line summary of the session or BIB list (JSON) on
# stdin: "n=N tcp=T udp=U icmp=I sources=S pool4=ADDRS ports-tcp=P
# ports-udp=Q ports-icmp=R static=X", with the distinct IPv6 source
# addresses, pool4 addresses (comma-separated) and pool4 ports per
# protocol.
summarize() {
    "$PY" -c '
import json, sys
try:
    rows = json.load(sys.stdin)
except Exception as e:
    print("not JSON: %s" % e)
    sys.exit()
by = {p: [r for r in rows if r["protocol"] == p] for p in ("tcp", "udp", "icmp")}
out = ["n=%d" % len(rows)] + ["%s=%d" % (p, len(by[p])) for p in by]
out.append("sources=%d" % len({r["ipv6"].rsplit("#", 1)[0] for r in rows}))
out.append("pool4=" + ",".join(sorted({r["ipv4"].rsplit("#", 1)[0] for r in rows})))
out += ["ports-%s=%d" % (p, len({r["ipv4"] for r in by[p]})) for p in by]
out.append("static=%d" % sum(1 for r in rows if r.get("static")))
print(" ".join(out))'
}
# rows_with KEY VALUE: how many entries of the JSON list on stdin have
# KEY equal to VALUE.
rows_with() {
    "$PY" -c '
import json, sys
print(sum(1 for r in json.load(sys.stdin) if r[sys.argv[1]] == sys.argv[2]))' "$1" "$2"
}
# pool4_ports PROTO: the sorted pool4 ports of PROTO's sessions.
pool4_ports() {
    sessions_json "$1" | "$PY" -c '
import json, sys
print(" ".join(sorted(r["ipv4"].rsplit("#", 1)[1] for r in json.load(sys.stdin))))'
}

# --- Servers ------------------------------------------------------------
token=$RANDOM$RANDOM
mkdir -p "$TOPO_DIR/www4" "$TOPO_DIR/www-fwd" "$TOPO_DIR/www-add"
printf 'hello from the IPv4-only server %s\n' "$token" >"$TOPO_DIR/www4/hello.txt"
printf 'hello from VM %s %s\n' "$FWD_VM" "$token" >"$TOPO_DIR/www-fwd/hello.txt"
printf 'hello from VM %s %s\n' "$ADD_VM" "$token" >"$TOPO_DIR/www-add/hello.txt"
start_bg http4 v4 "$PY" "$HERE/peer_tools.py" http "$TOPO_H4" 8080 "$TOPO_DIR/www4"
start_bg udp4 v4 "$PY" "$HERE/peer_tools.py" udp-echo "$TOPO_H4" 7000
start_bg http-fwd v6 "$PY" "$HERE/peer_tools.py" http "$FWD_VM" 80 "$TOPO_DIR/www-fwd"
start_bg http-add v6 "$PY" "$HERE/peer_tools.py" http "$ADD_VM" 80 "$TOPO_DIR/www-add"
servers_up=1
for s in "v4 t 8080" "v4 u 7000" "v6 t 80"; do
    # shellcheck disable=SC2086 # "NS PROTO PORT"
    wait_listen $s || { servers_up=0; bad "server listening: $s" "$(tail -n 5 "$TOPO_DIR"/*.log)"; }
done
[[ $servers_up == 1 ]] && ok "HTTP and UDP echo servers listening in both namespaces"

# --- 1. 20 IPv6 sources behind one IPv4 address ----------------------------
section "$N VMs reach the IPv4-only server through one pool4 address"
http_ok=0 udp_ok=0 failures=()
udp_ports=()
for vm in "${VMS[@]}"; do
    run v6 15 curl -sS -g --max-time 10 --interface "$vm" "http://[$TOPO_H4_AS6]:8080/hello.txt"
    if [[ $RC -eq 0 && $OUT == "hello from the IPv4-only server $token" ]]; then
        http_ok=$((http_ok + 1))
    else
        failures+=("curl from $vm: rc $RC: $OUT")
    fi
    # The echo server answers "ADDR#PORT LENGTH PAYLOAD" of the sender it saw.
    payload="udp-$vm"
    run v6 10 "$PY" "$HERE/peer_tools.py" udp-ask "$vm" "$TOPO_H4_AS6" 7000 "$payload"
    if [[ $RC -eq 0 && $OUT =~ ^${TOPO_POOL4//./\\.}#([0-9]+)\ ${#payload}\ ${payload:0:16}$ ]]; then
        udp_ok=$((udp_ok + 1))
        udp_ports+=("${BASH_REMATCH[1]}")
    else
        failures+=("UDP from $vm: rc $RC: $OUT")
    fi
done
[[ $http_ok -eq $N ]] && ok "HTTP GET from each of the $N VMs (curl --interface): content right" ||
    bad "HTTP GET from each of the $N VMs (curl --interface): content right" "$http_ok of $N" "${failures[@]}"
[[ $udp_ok -eq $N ]] && ok "UDP echo from each of the $N VMs: answered, the server saw $TOPO_POOL4" ||
    bad "UDP echo from each of the $N VMs: answered, the server saw $TOPO_POOL4" "$udp_ok of $N" "${failures[@]}"
n_udp_ports=$(printf '%s\n' "${udp_ports[@]}" | sort -u | grep -c .)
[[ $n_udp_ports -eq $N ]] && ok "UDP: the server saw $N distinct source ports on $TOPO_POOL4" ||
    bad "UDP: the server saw $N distinct source ports on $TOPO_POOL4" "${udp_ports[*]}"

# The HTTP server's access log: one GET per VM, every one from the pool4
# address, each from its own port.
log4=$(grep '"GET /hello.txt' "$TOPO_DIR/http4.log")
froms=$(sed -n 's/^\([^ ]*\)#[0-9]* - - .*"GET \/hello.txt HTTP\/1.1" 200 .*/\1/p' <<<"$log4" | sort | uniq -c | awk '{print $2 "x" $1}')
[[ $froms == "${TOPO_POOL4}x$N" ]] &&
    ok "HTTP server's log: $N GETs, all from $TOPO_POOL4 (no other client address)" ||
    bad "HTTP server's log: $N GETs, all from $TOPO_POOL4 (no other client address)" "$log4"
http_ports=$(sed -n 's/^[^ ]*#\([0-9]*\) - - .*/\1/p' <<<"$log4" | sort -n | paste -sd' ')
n_http_ports=$(wc -w <<<"$http_ports")
[[ $(tr ' ' '\n' <<<"$http_ports" | sort -u | grep -c .) -eq $N ]] &&
    ok "HTTP server's log: $N distinct source ports" ||
    bad "HTTP server's log: $N distinct source ports" "$n_http_ports: $http_ports"

# --- 2. What the translator shows ------------------------------------------
section "nat64/session-show and nat64/bib-show"
json=$(sessions_json)
sum=$(summarize <<<"$json")
want="n=$((2 * N)) tcp=$N udp=$N icmp=0 sources=$N pool4=$TOPO_POOL4 ports-tcp=$N ports-udp=$N ports-icmp=0 static=0"
[[ $sum == "$want" ]] &&
    ok "session-show --json: $((2 * N)) sessions ($N TCP, $N UDP) from $N IPv6 sources, all on $TOPO_POOL4, distinct ports" ||
    bad "session-show --json: $((2 * N)) sessions ($N TCP, $N UDP) from $N IPv6 sources, all on $TOPO_POOL4, distinct ports" \
        "want: $want" "got:  $sum" "$json"
# The same ports the servers saw (RFC 6146 §3.5.1: the session's IPv4
# transport address is the BIB entry's).
sorted_udp=$(printf '%s\n' "${udp_ports[@]}" | sort | paste -sd' ')
got=$(pool4_ports udp)
[[ $got == "$sorted_udp" ]] && ok "session-show: the UDP sessions' pool4 ports are those the echo server saw" ||
    bad "session-show: the UDP sessions' pool4 ports are those the echo server saw" "sessions: $got" "server:   $sorted_udp"
got=$(pool4_ports tcp)
[[ $got == "$(tr ' ' '\n' <<<"$http_ports" | sort | paste -sd' ')" ]] &&
    ok "session-show: the TCP sessions' pool4 ports are those the HTTP server saw" ||
    bad "session-show: the TCP sessions' pool4 ports are those the HTTP server saw" "sessions: $got" "server:   $http_ports"
# Each TCP session's remote is the server, each UDP session's the echo port.
expect_match "session-show --json: TCP sessions to $TOPO_H4#8080" "\"remote\": \"$TOPO_H4#8080\"" "$(sessions_json tcp)"
text=$(topo_appctl nat64/session-show "$ID" 2>&1)
expect_match "session-show (text): \"instance $ID: $((2 * N)) sessions\"" "^instance $ID: $((2 * N)) sessions$" "$text"
expect_match "session-show (text): a UDP row ${VMS[5]} -> $TOPO_POOL4 -> $TOPO_H4#7000" \
    "^udp +${VMS[5]}#[0-9]+ +$TOPO_POOL4#[0-9]+ +$TOPO_H4#7000 " "$text"
# Filters: protocol and address (an IPv6 source, or the pool4 address).
sum=$(sessions_json udp "${VMS[5]}" | summarize)
[[ $sum == "n=1 tcp=0 udp=1 icmp=0 sources=1 pool4=$TOPO_POOL4 "* ]] &&
    ok "session-show $ID udp ${VMS[5]}: exactly that VM's UDP session" ||
    bad "session-show $ID udp ${VMS[5]}: exactly that VM's UDP session" "$sum" "$(sessions_json udp "${VMS[5]}")"
sum=$(sessions_json tcp "$TOPO_POOL4" | summarize)
[[ $sum == "n=$N tcp=$N udp=0 "* ]] && ok "session-show $ID tcp $TOPO_POOL4: the $N TCP sessions" ||
    bad "session-show $ID tcp $TOPO_POOL4: the $N TCP sessions" "$sum"
appctl nat64/session-show "$ID" sctp
[[ $RC -ne 0 && $OUT == *sctp* ]] && ok "session-show $ID sctp: refused, naming it" ||
    bad "session-show $ID sctp: refused, naming it" "$OUT"

# --count agrees with the list.
count=$(topo_appctl nat64/session-show "$ID" --count 2>&1)
c_sum=$(for k in sessions sessions-tcp sessions-udp sessions-icmp ipv6-sources; do
    printf '%s=%s ' "$k" "$(json_get "$k" <<<"$count")"
done)
want="sessions=$((2 * N)) sessions-tcp=$N sessions-udp=$N sessions-icmp=0 ipv6-sources=$N "
[[ $c_sum == "$want" ]] && ok "session-show --count: $c_sum" ||
    bad "session-show --count agrees with the list" "want: $want" "got:  $c_sum" "$count"
static=$(json_get static-bib-entries <<<"$count")
bibs=$(json_get bib-entries <<<"$count")
[[ $static == 1 && $bibs == $((2 * N + 1)) ]] &&
    ok "session-show --count: bib-entries $bibs ($((2 * N)) dynamic + 1 static)" ||
    bad "session-show --count: bib-entries $((2 * N + 1)) ($((2 * N)) dynamic + 1 static)" "$count"
created=$(json_get sessions-created <<<"$count")
[[ $created == $((2 * N)) ]] && ok "session-show --count: sessions-created $created" ||
    bad "session-show --count: sessions-created $((2 * N))" "$count"

bib=$(topo_appctl nat64/bib-show "$ID" --json 2>&1)
sum=$(summarize <<<"$bib")
want="n=$((2 * N + 1)) tcp=$((N + 1)) udp=$N icmp=0 sources=$N pool4=$TOPO_POOL4 ports-tcp=$((N + 1)) ports-udp=$N ports-icmp=0 static=1"
[[ $sum == "$want" ]] && ok "bib-show --json: $((2 * N)) dynamic entries on $TOPO_POOL4 and the static one" ||
    bad "bib-show --json: $((2 * N)) dynamic entries on $TOPO_POOL4 and the static one" "want: $want" "got:  $sum" "$bib"
expect_match "bib-show (text): the static entry [$FWD_VM]#80 <-> $TOPO_POOL4#$FWD_PORT" \
    "^tcp +$FWD_VM#80 +$TOPO_POOL4#$FWD_PORT +0 +static$" "$(topo_appctl nat64/bib-show "$ID" tcp 2>&1)"

# RFC 6888 §4 records: the BIB entry and the session, with protocol and
# both transport addresses (the housekeeping thread writes them).
for _ in $(seq 20); do
    grep -q "session-add proto=udp ipv6=${VMS[7]}#" "$TOPO_DIR/ovs-vswitchd.log" && break
    sleep 0.1
done
logged=$(grep "instance=$ID .* proto=udp ipv6=${VMS[7]}#" "$TOPO_DIR/ovs-vswitchd.log")
expect_match "ovs-vswitchd.log: bib-add record for ${VMS[7]}'s UDP" \
    "\|nat64_state\([^)]*\)\|INFO\|instance=$ID bib-add proto=udp ipv6=${VMS[7]}#[0-9]+ ipv4=$TOPO_POOL4#[0-9]+$" "$logged"
expect_match "ovs-vswitchd.log: session-add record for ${VMS[7]}'s UDP, remote $TOPO_H4#7000" \
    "\|nat64_state\([^)]*\)\|INFO\|instance=$ID session-add proto=udp ipv6=${VMS[7]}#[0-9]+ ipv4=$TOPO_POOL4#[0-9]+ remote=$TOPO_H4#7000$" "$logged"

# --- 3. Port forwards: static BIB ------------------------------------------
section "port forwards (static BIB)"
# From the instance document: $TOPO_POOL4#8080 -> [$FWD_VM]#80.  The IPv4
# client appears to the VM with its address embedded in pool6.
run v4 15 curl -sS --max-time 10 "http://$TOPO_POOL4:$FWD_PORT/hello.txt"
[[ $RC -eq 0 && $OUT == "hello from VM $FWD_VM $token" ]] &&
    ok "curl http://$TOPO_POOL4:$FWD_PORT/ from the IPv4 namespace reaches [$FWD_VM]:80" ||
    bad "curl http://$TOPO_POOL4:$FWD_PORT/ from the IPv4 namespace reaches [$FWD_VM]:80" "rc $RC: $OUT"
expect_match "the VM's server saw the IPv4 client as $TOPO_H4_AS6 (pool6)" \
    "^$TOPO_H4_AS6#[0-9]+ - - .*\"GET /hello.txt HTTP/1.1\" 200" "$(cat "$TOPO_DIR/http-fwd.log")"
expect_match "session-show: the forwarded session [$FWD_VM]#80 <-> $TOPO_POOL4#$FWD_PORT, remote $TOPO_H4" \
    "^tcp +$FWD_VM#80 +$TOPO_POOL4#$FWD_PORT +$TOPO_H4#[0-9]+ " \
    "$(topo_appctl nat64/session-show "$ID" tcp "$FWD_VM" 2>&1)"

# Added at run time, then removed.
before=$(counter drop-no-bib)
run v4 5 curl -sS --max-time 2 "http://$TOPO_POOL4:$ADD_PORT/hello.txt"
[[ $RC -ne 0 ]] && ok "before bib-add: $TOPO_POOL4:$ADD_PORT does not answer" ||
    bad "before bib-add: $TOPO_POOL4:$ADD_PORT does not answer" "$OUT"
[[ $(counter drop-no-bib) -gt $before ]] && ok "nat64/stats: drop-no-bib counted the SYN to $TOPO_POOL4#$ADD_PORT" ||
    bad "nat64/stats: drop-no-bib counted the SYN to $TOPO_POOL4#$ADD_PORT" "$before -> $(counter drop-no-bib)"
appctl nat64/bib-add "$ID" tcp "$ADD_VM#80" "$TOPO_POOL4#$ADD_PORT"
[[ $RC -eq 0 ]] && ok "nat64/bib-add $ID tcp $ADD_VM#80 $TOPO_POOL4#$ADD_PORT" ||
    bad "nat64/bib-add $ID tcp $ADD_VM#80 $TOPO_POOL4#$ADD_PORT" "$OUT"
expect_match "instance-show: the added entry is in the document" \
    "\"ipv6\": \"$ADD_VM#80\"" "$(topo_appctl nat64/instance-show "$ID" 2>&1)"
run v4 15 curl -sS --max-time 10 "http://$TOPO_POOL4:$ADD_PORT/hello.txt"
[[ $RC -eq 0 && $OUT == "hello from VM $ADD_VM $token" ]] &&
    ok "after bib-add: curl http://$TOPO_POOL4:$ADD_PORT/ reaches [$ADD_VM]:80" ||
    bad "after bib-add: curl http://$TOPO_POOL4:$ADD_PORT/ reaches [$ADD_VM]:80" "rc $RC: $OUT"
appctl nat64/bib-add "$ID" tcp "${VMS[2]}#80" "192.0.2.99#80"
[[ $RC -ne 0 && $OUT == *192.0.2.99* ]] && ok "nat64/bib-add outside pool4: refused, naming the address" ||
    bad "nat64/bib-add outside pool4: refused, naming the address" "$OUT"
expect_match "session-show: the session through it, [$ADD_VM]#80 <-> $TOPO_POOL4#$ADD_PORT" \
    "^tcp +$ADD_VM#80 +$TOPO_POOL4#$ADD_PORT +$TOPO_H4#[0-9]+ " \
    "$(topo_appctl nat64/session-show "$ID" tcp "$ADD_VM" 2>&1)"
appctl nat64/bib-del "$ID" tcp "$ADD_VM#80" "$TOPO_POOL4#$ADD_PORT"
[[ $RC -eq 0 ]] && ok "nat64/bib-del $ID tcp $ADD_VM#80 $TOPO_POOL4#$ADD_PORT" ||
    bad "nat64/bib-del $ID tcp $ADD_VM#80 $TOPO_POOL4#$ADD_PORT" "$OUT"
# The entry goes, and its session with it.
n_bib=$(topo_appctl nat64/bib-show "$ID" tcp "$ADD_VM" --json 2>&1 | rows_with ipv6 "$ADD_VM#80")
n_ses=$(sessions_json tcp "$ADD_VM" | rows_with ipv6 "$ADD_VM#80")
[[ $n_bib == 0 && $n_ses == 0 ]] &&
    ok "after bib-del: no BIB entry and no session for [$ADD_VM]#80 left" ||
    bad "after bib-del: no BIB entry and no session for [$ADD_VM]#80 left" \
        "$(topo_appctl nat64/bib-show "$ID" tcp "$ADD_VM" 2>&1)" "$(topo_appctl nat64/session-show "$ID" tcp "$ADD_VM" 2>&1)"
before=$(counter drop-no-bib)
run v4 5 curl -sS --max-time 2 "http://$TOPO_POOL4:$ADD_PORT/hello.txt"
[[ $RC -ne 0 && $(counter drop-no-bib) -gt $before ]] &&
    ok "after bib-del: $TOPO_POOL4:$ADD_PORT no longer answers (drop-no-bib)" ||
    bad "after bib-del: $TOPO_POOL4:$ADD_PORT no longer answers (drop-no-bib)" "rc $RC: $OUT" \
        "drop-no-bib $before -> $(counter drop-no-bib)" "$(topo_appctl nat64/bib-show "$ID" tcp "$ADD_VM" 2>&1)"

# --- 4. ICMP sessions appear, then expire ----------------------------------
section "ICMP echo sessions expire after $ICMP_TIMEOUT s"
expired0=$(state_count sessions-expired)
pids=()
for vm in "${VMS[@]}"; do
    ip netns exec "$TOPO_NS6" ping -6 -n -c 2 -i 0.2 -W 2 -I "$vm" "$TOPO_H4_AS6" \
        >"$TOPO_DIR/ping-$vm.log" 2>&1 &
    pids+=($!)
done
ping_ok=0
for i in "${!pids[@]}"; do
    wait "${pids[$i]}" && ping_ok=$((ping_ok + 1))
done
t_end=$(date +%s.%N)
icmp=$(sessions_json icmp)
[[ $ping_ok -eq $N ]] && ok "ping -6 -I VM $TOPO_H4_AS6 from each of the $N VMs: answered" ||
    bad "ping -6 -I VM $TOPO_H4_AS6 from each of the $N VMs: answered" "$ping_ok of $N" \
        "$(cat "$TOPO_DIR/ping-${VMS[0]}.log")"
sum=$(summarize <<<"$icmp")
[[ $sum == "n=$N tcp=0 udp=0 icmp=$N sources=$N pool4=$TOPO_POOL4 ports-tcp=0 ports-udp=0 ports-icmp=$N static=0" ]] &&
    ok "session-show icmp: $N echo sessions on $TOPO_POOL4, one identifier each" ||
    bad "session-show icmp: $N echo sessions on $TOPO_POOL4, one identifier each" "$sum" "$icmp"
left=$("$PY" -c '
import json, sys
print(max(r["expires-in-ms"] for r in json.load(sys.stdin)))' <<<"$icmp" 2>&1)
[[ $left =~ ^[0-9]+$ && $left -le $((ICMP_TIMEOUT * 1000)) ]] &&
    ok "session-show icmp: they expire within $ICMP_TIMEOUT s (at most ${left} ms left)" ||
    bad "session-show icmp: they expire within $ICMP_TIMEOUT s" "$left"
gone=
for _ in $(seq 50); do
    if [[ $(state_count sessions-icmp) == 0 ]]; then
        gone=$(date +%s.%N)
        break
    fi
    sleep 0.1
done
if [[ -n $gone ]]; then
    after=$(awk -v a="$t_end" -v b="$gone" 'BEGIN { printf "%.1f", b - a }')
    # Not before the timeout (less the time between the last reply and
    # t_end), not much after it: the housekeeping runs every 100 ms.
    awk -v t="$after" -v m="$ICMP_TIMEOUT" 'BEGIN { exit !(t >= m - 1 && t <= 5) }' &&
        ok "the ICMP sessions are gone ${after} s after the last ping (timeout $ICMP_TIMEOUT s)" ||
        bad "the ICMP sessions are gone between $((ICMP_TIMEOUT - 1)) and 5 s after the last ping" "${after} s"
else
    bad "the ICMP sessions are gone within 5 s" "$(topo_appctl nat64/session-show "$ID" icmp 2>&1)"
fi
expired=$(state_count sessions-expired)
[[ $((expired - expired0)) -ge $N ]] && ok "session-show --count: sessions-expired grew by $((expired - expired0)) (>= $N)" ||
    bad "session-show --count: sessions-expired grew by >= $N" "$expired0 -> $expired"
c_sum="$(state_count sessions-tcp) $(state_count sessions-udp)"
[[ $c_sum == "$((N + 1)) $N" ]] &&
    ok "the TCP and UDP sessions stay (tcp $((N + 1)) with the forwarded one, udp $N)" ||
    bad "the TCP and UDP sessions stay (tcp $((N + 1)) with the forwarded one, udp $N)" "tcp udp: $c_sum"
expect_match "ovs-vswitchd.log: session-del record for ${VMS[9]}'s echo session" \
    "instance=$ID session-del proto=icmp ipv6=${VMS[9]}#[0-9]+ ipv4=$TOPO_POOL4#[0-9]+ remote=$TOPO_H4#" \
    "$(cat "$TOPO_DIR/ovs-vswitchd.log")"
# A new echo after expiry gets a new session.
run v6 10 ping -6 -n -c 1 -W 2 -I "${VMS[3]}" "$TOPO_H4_AS6"
[[ $RC -eq 0 && $(state_count sessions-icmp) == 1 ]] && ok "a ping after expiry: answered, a new session" ||
    bad "a ping after expiry: answered, a new session" "$OUT" "sessions-icmp $(state_count sessions-icmp)"

# --- 5. Flush ---------------------------------------------------------------
section "nat64/session-flush"
out=$(topo_appctl nat64/session-flush "$ID" udp "${VMS[4]}" 2>&1)
[[ $out == "flushed 1 sessions" && $(state_count sessions-udp) == $((N - 1)) ]] &&
    ok "session-flush $ID udp ${VMS[4]}: that one session" ||
    bad "session-flush $ID udp ${VMS[4]}: that one session" "$out" "sessions-udp $(state_count sessions-udp)"
out=$(topo_appctl nat64/session-flush "$ID" 2>&1)
count=$(topo_appctl nat64/session-show "$ID" --count 2>&1)
[[ $out =~ ^flushed\ [0-9]+\ sessions$ && $(json_get sessions <<<"$count") == 0 &&
    $(json_get bib-entries <<<"$count") == 1 && $(json_get static-bib-entries <<<"$count") == 1 ]] &&
    ok "session-flush $ID: no session left, only the static BIB entry ($out)" ||
    bad "session-flush $ID: no session left, only the static BIB entry" "$out" "$count"
# Everything works again from scratch.
run v6 15 curl -sS -g --max-time 10 --interface "${VMS[4]}" "http://[$TOPO_H4_AS6]:8080/hello.txt"
[[ $RC -eq 0 && $OUT == "hello from the IPv4-only server $token" ]] &&
    ok "after the flush: HTTP GET from ${VMS[4]} works" ||
    bad "after the flush: HTTP GET from ${VMS[4]} works" "rc $RC: $OUT"
run v4 15 curl -sS --max-time 10 "http://$TOPO_POOL4:$FWD_PORT/hello.txt"
[[ $RC -eq 0 && $OUT == "hello from VM $FWD_VM $token" ]] &&
    ok "after the flush: the port forward $TOPO_POOL4:$FWD_PORT still works" ||
    bad "after the flush: the port forward $TOPO_POOL4:$FWD_PORT still works" "rc $RC: $OUT"

# --- 6. The switch itself ---------------------------------------------------
section "switch state"
stats=$(topo_appctl nat64/stats "$ID" 2>&1)
t64=$(sed -n 's/^translated-6to4: //p' <<<"$stats")
t46=$(sed -n 's/^translated-4to6: //p' <<<"$stats")
[[ ${t64:-0} -gt 0 && ${t46:-0} -gt 0 ]] &&
    ok "nat64/stats: packets translated both ways (6to4 $t64, 4to6 $t46)" ||
    bad "nat64/stats: packets translated both ways" "$stats"
# Only the SYNs to the port without a forward were dropped.
drops=$(grep -E '^drop-' <<<"$stats" | grep -v ': 0$' | grep -v '^drop-no-bib: ')
[[ -z $drops ]] && ok "nat64/stats: no drop counter moved but drop-no-bib" ||
    bad "nat64/stats: no drop counter moved but drop-no-bib" "$drops"
if topo_alive "$(cat "$TOPO_DIR/ovs-vswitchd.pid" 2>/dev/null)"; then
    ok "ovs-vswitchd is still running"
else
    bad "ovs-vswitchd is still running" "$(tail -n 20 "$TOPO_DIR/ovs-vswitchd.log")"
fi
errs=$(grep -E '\|(EMER|ERR)\|' "$TOPO_DIR/ovs-vswitchd.log")
[[ -z $errs ]] && ok "ovs-vswitchd logged no errors" || bad "ovs-vswitchd logged no errors" "$errs"

summary
[[ $fail -eq 0 ]]
