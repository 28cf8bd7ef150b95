#!/usr/bin/env bash
# Stateful NAT64 (RFC 6146) in a sandboxed, patched ovs-vswitchd
# (tests/ovs/sandbox.sh: private mktemp directory, unix sockets only, dummy
# netdev/dpif providers, daemons killed on every exit).
#
#   stateful_test.sh BINDIR SCHEMA
#
# BINDIR holds the patched OVS programs (build/bin), SCHEMA is
# build/share/openvswitch/vswitch.ovsschema.  Covers the nat64/bib-* and
# nat64/session-* commands (and their errors), packet-exact stateful
# translation through the nat64 action (frames in with netdev-dummy/receive,
# out in the ports' tx pcap files, checked against what
# tests/ovs/stateful_packets.py derives from RFC 6146 / RFC 7915 with scapy
# under /usr/bin/python3), static BIB entries, session flushing, expiry by
# the housekeeping thread on an idle bridge, RFC 6888 logging to the
# nat64_state log module, the stateful counters, and instance replacement
# with and without the sessions' pool4.  Missing programs or scapy are a
# failure, never a skip.  The last line is "N passed, M failed".

# "COND && ok ... || bad ..." is safe here: ok always succeeds.
# shellcheck disable=SC2015
SANDBOX_NAME=stateful
# shellcheck source-path=SCRIPTDIR source=sandbox.sh
. "$(dirname "$0")/sandbox.sh" || { echo "0 passed, 1 failed"; exit 1; }

[[ $# -eq 2 ]] || fatal "usage: $0 BINDIR SCHEMA"
SCHEMA=$2
sandbox_check_programs "$1" ovs-ofctl
PKT=$(dirname "$0")/stateful_packets.py
sandbox_need_scapy
[[ -r $PKT ]] || fatal "$PKT is missing"
[[ -r $(dirname "$0")/packets.py ]] || fatal "$(dirname "$0")/packets.py is missing"

sandbox_start br0

pkt() {
    $PY "$PKT" "$@"
}
# stat ID NAME: prints counter NAME of nat64/stats ID.
stat() {
    appctl nat64/stats "$1"
    counter "$2" "$OUT"
}
# field NAME JSON: the number NAME in session-show --count's JSON object.
field() {
    sed -n "s/^ *\"$1\": \\([0-9]*\\),\\?\$/\\1/p" <<<"$2"
}
# state_count ID NAME: prints field NAME of nat64/session-show ID --count.
state_count() {
    appctl nat64/session-show "$1" --count
    field "$2" "$OUT"
}
# json_list NAME WANT GOT: GOT (a --json listing) is an array of exactly as
# many objects as WANT, each holding WANT's keys with WANT's values; a
# value [LO, HI] in WANT is a range for a number.
json_list() {
    local msg
    if msg=$($PY - "$2" "$3" <<'EOF'
import json, sys
want, got = json.loads(sys.argv[1]), json.loads(sys.argv[2])
if not isinstance(got, list) or len(got) != len(want):
    print(f"expected {len(want)} objects, got: {got!r}")
    sys.exit(1)
for w, g in zip(want, got):
    for k, v in w.items():
        if k not in g:
            print(f"{k} missing in {g!r}")
            sys.exit(1)
        if isinstance(v, list) and len(v) == 2 and all(isinstance(x, int) for x in v):
            if not (isinstance(g[k], int) and v[0] <= g[k] <= v[1]):
                print(f"{k}: {g[k]!r} not in [{v[0]}, {v[1]}] in {g!r}")
                sys.exit(1)
        elif g[k] != v:
            print(f"{k}: {g[k]!r} != {v!r} in {g!r}")
            sys.exit(1)
EOF
    ); then
        ok "$1"
    else
        bad "$1" "$msg"
    fi
}
# expect_counts NAME ID KEY=VALUE...: session-show ID --count has these
# values.
expect_counts() {
    local name=$1 id=$2 kv k v got wrong=()
    shift 2
    appctl nat64/session-show "$id" --count
    if [[ $RC -ne 0 ]]; then
        bad "$name" "session-show $id --count exited $RC: $ERR"
        return
    fi
    for kv in "$@"; do
        k=${kv%%=*} v=${kv#*=}
        got=$(field "$k" "$OUT")
        [[ $got == "$v" ]] || wrong+=("$k is '$got', expected $v")
    done
    [[ ${#wrong[@]} -eq 0 ]] && ok "$name" || bad "$name" "${wrong[@]}" "$OUT"
}

P1=$dir/p1-tx.pcap
P2=$dir/p2-tx.pcap
# p1 is the IPv6 VNet, p2 the IPv4 uplink.
sandbox_add_dummy_ports br0 "$P1" "$P2"

# --- Instances and the pipeline ------------------------------------------
# 20: the main stateful instance (pool4 192.0.2.100: one UDP port, 7000,
#     and TCP/ICMP 2000-2999); 21: stateless (no pool4); 22: max-sessions
#     2; 23: logging-bib and logging-session on; 25: ICMP timeout 1 s.
#     stateful_packets.py holds the documents.
for id in 20 21 22 23 25; do
    doc=$(pkt instance "$id") || fatal "stateful_packets.py instance $id failed"
    expect_ok "instance-set $id" nat64/instance-set "$doc"
done

# Table 0 sends each instance's traffic to it (by pool6 prefix from the
# VNet, by pool4 address from the uplink); table 10 outputs translations
# with L2 as it came, and the translator's own answers back out of the
# ingress port.
cat >"$dir/flows" <<'FLOWS'
table=0,priority=100,in_port=p1,ipv6,ipv6_dst=2001:db8:64::/96,actions=nat64(instance=20,table=10)
table=0,priority=100,in_port=p1,ipv6,ipv6_dst=2001:db8:65::/96,actions=nat64(instance=22,table=10)
table=0,priority=100,in_port=p1,ipv6,ipv6_dst=2001:db8:66::/96,actions=nat64(instance=23,table=10)
table=0,priority=100,in_port=p1,ipv6,ipv6_dst=2001:db8:68::/96,actions=nat64(instance=25,table=10)
table=0,priority=100,in_port=p2,ip,nw_dst=192.0.2.100,actions=nat64(instance=20,table=10)
table=0,priority=100,in_port=p2,ip,nw_dst=192.0.2.110,actions=nat64(instance=22,table=10)
table=0,priority=100,in_port=p2,ip,nw_dst=192.0.2.120,actions=nat64(instance=23,table=10)
table=0,priority=100,in_port=p2,ip,nw_dst=192.0.2.140,actions=nat64(instance=25,table=10)
table=10,priority=300,in_port=p1,ipv6,actions=in_port
table=10,priority=300,in_port=p2,ip,actions=in_port
table=10,priority=100,ip,actions=output:p2
table=10,priority=100,ipv6,actions=output:p1
FLOWS
ofctl del-flows br0   # the bridge's default NORMAL flow
ofctl add-flows br0 "$dir/flows"
[[ $RC -eq 0 ]] && ok "pipeline flows installed (tables 0 and 10)" ||
    fatal "pipeline flows installed (tables 0 and 10)" "$ERR"

pkt cases >"$dir/cases" 2>"$dir/py.err" ||
    fatal "stateful_packets.py cases failed" "$(cat "$dir/py.err")"
: >"$dir/manifest"

# case_inject KEY / case_collect KEY: inject case KEY's frames, then wait
# for the frames it must produce and note which frames of each capture
# belong to it.  The frames are compared at the end, all at once (one
# scapy start-up).  run_case KEY does both.
case_inject() {
    local line
    line=$(awk -F'\t' -v k="$1" '$1 == k' "$dir/cases")
    [[ -n $line ]] || fatal "no case $1 in stateful_packets.py cases"
    IFS=$'\t' read -r _ c_name c_port c_n1 c_n2 c_hexes <<<"$line"
    read -r -a c_frames <<<"$c_hexes"
    c_a1=$(pkt count "$P1")
    c_a2=$(pkt count "$P2")
    appctl netdev-dummy/receive "$c_port" "${c_frames[@]}"
    [[ $RC -eq 0 ]] || bad "$c_name: netdev-dummy/receive $c_port" "$ERR"
}
case_collect() {
    local b1 b2
    b1=$(wait_at_least $((c_a1 + c_n1)) pkt count "$P1")
    b2=$(wait_at_least $((c_a2 + c_n2)) pkt count "$P2")
    echo "$1 $c_a1 $b1 $c_a2 $b2" >>"$dir/manifest"
}
run_case() {
    case_inject "$1"
    case_collect "$1"
}
# wait_stat ID NAME WANT: polls nat64/stats ID for up to 10 s until counter
# NAME is at least WANT; prints the last value.
wait_stat() {
    wait_at_least "$3" stat "$1" "$2"
}
# run_drop KEY ID COUNTER: case KEY must be dropped by instance ID with
# COUNTER: +1 exactly, and nothing output.  Counts two assertions.
run_drop() {
    local key=$1 id=$2 cname=$3 before v
    before=$(stat "$id" "$cname")
    case_inject "$key"
    v=$(wait_stat "$id" "$cname" $((before + 1)))
    [[ $v -eq $((before + 1)) ]] &&
        ok "$c_name: nat64/stats $id $cname +1" ||
        bad "$c_name: nat64/stats $id $cname +1" "$before -> $v"
    case_collect "$key"
    [[ $(pkt count "$P1") -eq $c_a1 && $(pkt count "$P2") -eq $c_a2 ]] &&
        ok "$c_name: nothing was output" ||
        bad "$c_name: nothing was output" \
            "p1 $c_a1 -> $(pkt count "$P1"), p2 $c_a2 -> $(pkt count "$P2")"
}

# --- 1. Commands and their errors ----------------------------------------
section "commands and argument errors"
appctl list-commands
for c in bib-show session-show session-flush bib-add bib-del; do
    expect_match "nat64/$c is registered" "^ *nat64/$c( |$)" "$OUT"
done
expect_error "session-show: bad instance id" 'invalid instance id "abc"' \
    nat64/session-show abc
expect_error "bib-show: instance id 0" 'invalid instance id "0"' nat64/bib-show 0
expect_error "session-flush: instance id beyond 32 bits" 'invalid instance id "4294967296"' \
    nat64/session-flush 4294967296
expect_error "bib-add: bad instance id" 'invalid instance id "x7"' \
    nat64/bib-add x7 tcp 2001:db8:6::5#80 192.0.2.100#2080
expect_error "session-show: unknown instance" 'no translator instance 99' \
    nat64/session-show 99
expect_error "bib-show: unknown instance" 'no translator instance 99' nat64/bib-show 99
expect_error "bib-add: unknown instance" 'no translator instance 99' \
    nat64/bib-add 99 tcp 2001:db8:6::5#80 192.0.2.100#2080
# A word that is no protocol: the error names it and says what a
# protocol may be.
expect_error "session-show: unknown protocol word is named" \
    '"?sctp"?.*(tcp|protocol)|(tcp|protocol).*"?sctp"?' nat64/session-show 20 sctp
expect_error "bib-show: unknown protocol word is named" \
    '"?sctp"?.*(tcp|protocol)|(tcp|protocol).*"?sctp"?' nat64/bib-show 20 sctp
expect_error "bib-add: unknown protocol is named" 'sctp' \
    nat64/bib-add 20 sctp 2001:db8:6::5#80 192.0.2.100#2080
expect_error "session-show: bad IPv6 address is named" '2001:db8::zz' \
    nat64/session-show 20 udp 2001:db8::zz
expect_error "bib-show: bad IPv4 address is named" '192\.0\.2\.300' \
    nat64/bib-show 20 192.0.2.300
expect_error "session-flush: bad address is named" '2001:db8::zz' \
    nat64/session-flush 20 2001:db8::zz
expect_error "session-flush takes no --json" 'unexpected argument "--json"' \
    nat64/session-flush 20 --json
expect_error "session-show: two addresses are refused" 'unexpected argument' \
    nat64/session-show 20 2001:db8:6::5 192.0.2.100
expect_error "bib-add: IPv6 side without a port is named" '2001:db8:6::5' \
    nat64/bib-add 20 tcp 2001:db8:6::5 192.0.2.100#2080
expect_error "bib-add: bad IPv4 transport address is named" '192\.0\.2\.100#99999' \
    nat64/bib-add 20 tcp 2001:db8:6::5#80 192.0.2.100#99999
for c in session-show bib-show session-flush; do
    expect_error "$c on a stateless instance: it has no pool4" \
        'instance 21 .*(stateless|no pool4).*' nat64/$c 21
done
expect_error "bib-add on a stateless instance is refused, naming pool4" 'pool4' \
    nat64/bib-add 21 tcp 2001:db8:6::5#80 192.0.2.100#2080
appctl nat64/session-show 20
[[ $RC -eq 0 && $OUT == "instance 20: 0 sessions" ]] &&
    ok "session-show of a new stateful instance: 0 sessions" ||
    bad "session-show of a new stateful instance: 0 sessions" "rc $RC: $OUT $ERR"
appctl nat64/bib-show 20
[[ $RC -eq 0 && $OUT == "instance 20: 0 BIB entries (0 static)" ]] &&
    ok "bib-show of a new stateful instance: 0 entries" ||
    bad "bib-show of a new stateful instance: 0 entries" "rc $RC: $OUT $ERR"
appctl nat64/session-show 20 --json
json_list "session-show --json of a new instance is []" '[]' "$OUT"
expect_counts "session-show --count of a new instance: capacity max-sessions, all 0" 20 \
    capacity=1000 bib-entries=0 static-bib-entries=0 sessions=0 sessions-tcp=0 \
    sessions-udp=0 sessions-icmp=0 ipv6-sources=0 sessions-created=0 \
    sessions-expired=0 sessions-removed=0 bib-entries-created=0 log-records-dropped=0

# --- 2. A UDP flow out and its reply, byte for byte ------------------------
section "udp flow out and back (instance 20)"
run_case udp-out
run_case udp-reply
# A second flow from another port finds pool4's only UDP port taken.
before=$(stat 20 reply-pool4-exhausted)
run_case udp-exhausted
v=$(wait_stat 20 reply-pool4-exhausted $((before + 1)))
[[ $v -eq $((before + 1)) ]] && ok "nat64/stats 20 reply-pool4-exhausted +1" ||
    bad "nat64/stats 20 reply-pool4-exhausted +1" "$before -> $v"
appctl nat64/stats 20
stats=$OUT
[[ $(counter translated-6to4 "$stats") -eq 1 && $(counter translated-4to6 "$stats") -eq 1 ]] &&
    ok "nat64/stats 20: translated-6to4 1, translated-4to6 1" ||
    bad "nat64/stats 20: translated-6to4 1, translated-4to6 1" "$stats"

# --- 3. session-show / bib-show of that flow -------------------------------
section "session-show and bib-show"
S_RE='^udp +2001:db8:6::5#40000 +192\.0\.2\.100#7000 +203\.0\.113\.33#53 +- +[0-9]+\.[0-9]s$'
B_RE='^udp +2001:db8:6::5#40000 +192\.0\.2\.100#7000 +1 +dynamic$'
appctl nat64/session-show 20
[[ $(head -n1 <<<"$OUT") == "instance 20: 1 sessions" ]] &&
    ok "session-show 20: 1 session" || bad "session-show 20: 1 session" "rc $RC: $OUT $ERR"
expect_match "session-show has a header line" '^PROTO +IPV6 .*EXPIRES IN$' "$OUT"
expect_match "session-show lists host#port, pool4#port, remote#port, state, lifetime" \
    "$S_RE" "$OUT"
[[ $(wc -l <<<"$OUT") -eq 3 ]] && ok "session-show: exactly the one session" ||
    bad "session-show: exactly the one session" "$OUT"
appctl nat64/session-show 20 --json
json_list "session-show --json: the session, expiring within the UDP timeout (300 s)" \
    '[{"protocol": "udp", "ipv6": "2001:db8:6::5#40000", "ipv4": "192.0.2.100#7000",
       "remote": "203.0.113.33#53", "state": "-", "expires-in-ms": [280000, 300000]}]' "$OUT"
appctl nat64/bib-show 20
[[ $(head -n1 <<<"$OUT") == "instance 20: 1 BIB entries (0 static)" ]] &&
    ok "bib-show 20: 1 entry, 0 static" || bad "bib-show 20: 1 entry, 0 static" "rc $RC: $OUT $ERR"
expect_match "bib-show has a header line" '^PROTO +IPV6 TRANSPORT ADDRESS +IPV4 TRANSPORT ADDRESS +SESSIONS +TYPE$' "$OUT"
expect_match "bib-show lists the dynamic entry with its one session" "$B_RE" "$OUT"
appctl nat64/bib-show 20 --json
json_list "bib-show --json: the entry" \
    '[{"protocol": "udp", "ipv6": "2001:db8:6::5#40000", "ipv4": "192.0.2.100#7000",
       "static": false, "sessions": 1}]' "$OUT"

# Filters: protocol, IPv6 host, pool4 address, remote address; each alone
# and combined, matching and not.
for args in "udp" "2001:db8:6::5" "192.0.2.100" "203.0.113.33" "udp 2001:db8:6::5" \
    "2001:db8:6::5 udp" "udp 203.0.113.33"; do
    # shellcheck disable=SC2086
    appctl nat64/session-show 20 $args
    [[ $RC -eq 0 && $(head -n1 <<<"$OUT") == "instance 20: 1 sessions" ]] &&
        grep -Eq "$S_RE" <<<"$OUT" &&
        ok "session-show 20 $args: the session" ||
        bad "session-show 20 $args: the session" "rc $RC: $OUT $ERR"
done
for args in "tcp" "icmp" "2001:db8:6::6" "192.0.2.101" "203.0.113.34" "tcp 2001:db8:6::5" \
    "icmp 203.0.113.33"; do
    # shellcheck disable=SC2086
    appctl nat64/session-show 20 $args
    [[ $RC -eq 0 && $OUT == "instance 20: 0 sessions" ]] &&
        ok "session-show 20 $args: none" ||
        bad "session-show 20 $args: none" "rc $RC: $OUT $ERR"
done
for args in "udp" "2001:db8:6::5" "192.0.2.100" "udp 192.0.2.100"; do
    # shellcheck disable=SC2086
    appctl nat64/bib-show 20 $args
    [[ $RC -eq 0 && $(head -n1 <<<"$OUT") == "instance 20: 1 BIB entries (0 static)" ]] &&
        grep -Eq "$B_RE" <<<"$OUT" &&
        ok "bib-show 20 $args: the entry" || bad "bib-show 20 $args: the entry" "rc $RC: $OUT $ERR"
done
for args in "tcp" "icmp" "2001:db8:6::6" "192.0.2.101"; do
    # shellcheck disable=SC2086
    appctl nat64/bib-show 20 $args
    [[ $RC -eq 0 && $OUT == "instance 20: 0 BIB entries (0 static)" ]] &&
        ok "bib-show 20 $args: none" || bad "bib-show 20 $args: none" "rc $RC: $OUT $ERR"
done
appctl nat64/session-show 20 udp 2001:db8:6::5 --json
json_list "session-show 20 udp 2001:db8:6::5 --json: the session" \
    '[{"protocol": "udp", "ipv6": "2001:db8:6::5#40000", "ipv4": "192.0.2.100#7000"}]' "$OUT"
appctl nat64/session-show 20 tcp --json
json_list "session-show 20 tcp --json: []" '[]' "$OUT"
appctl nat64/bib-show 20 icmp --json
json_list "bib-show 20 icmp --json: []" '[]' "$OUT"
expect_counts "session-show --count: 1 BIB entry, 1 udp session, 1 source" 20 \
    capacity=1000 bib-entries=1 static-bib-entries=0 sessions=1 sessions-tcp=0 \
    sessions-udp=1 sessions-icmp=0 ipv6-sources=1 sessions-created=1 \
    sessions-expired=0 sessions-removed=0 bib-entries-created=1
appctl nat64/session-show 20 --count
if $PY -c 'import json, sys; d = json.loads(sys.argv[1]); sys.exit(0 if {"capacity", "bib-entries", "static-bib-entries", "sessions", "sessions-tcp", "sessions-udp", "sessions-icmp", "ipv6-sources", "sessions-created", "sessions-expired", "sessions-removed", "bib-entries-created", "log-records-dropped", "reserved-bytes"} <= set(d) and all(isinstance(v, int) for v in d.values()) and d["reserved-bytes"] > 0 else 1)' "$OUT"; then
    ok "session-show --count is a JSON object with every documented number"
else
    bad "session-show --count is a JSON object with every documented number" "$OUT"
fi

# --- 4. Static BIB ------------------------------------------------------------
section "static BIB, flush"
expect_ok "bib-add 20 tcp 2001:db8:6::5#80 192.0.2.100#2080" \
    nat64/bib-add 20 tcp 2001:db8:6::5#80 192.0.2.100#2080
[[ -z $OUT ]] && ok "bib-add prints nothing" || bad "bib-add prints nothing" "$OUT"
expect_error "bib-add of a port outside pool4's TCP range is refused, naming pool4" \
    'pool4' nat64/bib-add 20 tcp 2001:db8:6::5#81 192.0.2.100#5000
expect_error "bib-add of the UDP-only port for TCP is refused, naming pool4" \
    'pool4' nat64/bib-add 20 tcp 2001:db8:6::5#82 192.0.2.100#7000
expect_error "bib-add of an address outside pool4 is refused, naming it and pool4" \
    '198\.51\.100\.1#2080.*pool4|pool4.*198\.51\.100\.1#2080' \
    nat64/bib-add 20 tcp 2001:db8:6::5#83 198.51.100.1#2080
expect_error "bib-add of a taken IPv4 transport address is refused" '192\.0\.2\.100#2080' \
    nat64/bib-add 20 tcp 2001:db8:6::7#80 192.0.2.100#2080
appctl nat64/bib-show 20 tcp
[[ $(head -n1 <<<"$OUT") == "instance 20: 1 BIB entries (1 static)" ]] &&
    expect_match "bib-show 20 tcp: the static entry, no sessions yet" \
        '^tcp +2001:db8:6::5#80 +192\.0\.2\.100#2080 +0 +static$' "$OUT" ||
    bad "bib-show 20 tcp: the static entry, no sessions yet" "$OUT"
appctl nat64/instance-show 20
expect_match "instance-show 20 lists the static entry in static-bib" \
    '2001:db8:6::5#80' "$OUT"
run_case syn-in
run_case synack-out
appctl nat64/session-show 20 tcp --json
json_list "session-show 20 tcp --json: the forwarded connection, ESTABLISHED" \
    '[{"protocol": "tcp", "ipv6": "2001:db8:6::5#80", "ipv4": "192.0.2.100#2080",
       "remote": "203.0.113.33#51000", "state": "ESTABLISHED"}]' "$OUT"
appctl nat64/bib-show 20 tcp --json
json_list "bib-show 20 tcp --json: the static entry with its session" \
    '[{"protocol": "tcp", "ipv6": "2001:db8:6::5#80", "ipv4": "192.0.2.100#2080",
       "static": true, "sessions": 1}]' "$OUT"
expect_counts "session-show --count: 2 BIB entries (1 static), 2 sessions" 20 \
    bib-entries=2 static-bib-entries=1 sessions=2 sessions-tcp=1 sessions-udp=1 \
    sessions-icmp=0 ipv6-sources=1 sessions-created=2 sessions-removed=0

expect_ok "session-flush 20 tcp" nat64/session-flush 20 tcp
[[ $OUT == "flushed 1 sessions" ]] && ok "session-flush 20 tcp: flushed 1 sessions" ||
    bad "session-flush 20 tcp: flushed 1 sessions" "$OUT"
appctl nat64/session-show 20
[[ $(head -n1 <<<"$OUT") == "instance 20: 1 sessions" ]] && grep -Eq "$S_RE" <<<"$OUT" &&
    ok "the udp session is still there" || bad "the udp session is still there" "$OUT"
appctl nat64/bib-show 20 tcp --json
json_list "the static entry survives the flush, without sessions" \
    '[{"protocol": "tcp", "ipv6": "2001:db8:6::5#80", "ipv4": "192.0.2.100#2080",
       "static": true, "sessions": 0}]' "$OUT"
expect_ok "session-flush 20 icmp (none)" nat64/session-flush 20 icmp
[[ $OUT == "flushed 0 sessions" ]] && ok "session-flush 20 icmp: flushed 0 sessions" ||
    bad "session-flush 20 icmp: flushed 0 sessions" "$OUT"
expect_ok "session-flush 20 2001:db8:6::6 (no such host)" nat64/session-flush 20 2001:db8:6::6
[[ $OUT == "flushed 0 sessions" ]] && ok "session-flush of another host: flushed 0 sessions" ||
    bad "session-flush of another host: flushed 0 sessions" "$OUT"
expect_ok "session-flush 20" nat64/session-flush 20
[[ $OUT == "flushed 1 sessions" ]] && ok "session-flush 20: flushed 1 sessions" ||
    bad "session-flush 20: flushed 1 sessions" "$OUT"
appctl nat64/session-show 20
[[ $OUT == "instance 20: 0 sessions" ]] && ok "no sessions left after the flush" ||
    bad "no sessions left after the flush" "$OUT"
appctl nat64/bib-show 20
[[ $(head -n1 <<<"$OUT") == "instance 20: 1 BIB entries (1 static)" ]] &&
    grep -Eq '^tcp +2001:db8:6::5#80 +192\.0\.2\.100#2080 +0 +static$' <<<"$OUT" &&
    ok "after the flush only the static entry is left (the dynamic one went with its session)" ||
    bad "after the flush only the static entry is left" "$OUT"
expect_counts "session-show --count after the flush: sessions-removed 2" 20 \
    bib-entries=1 static-bib-entries=1 sessions=0 sessions-tcp=0 sessions-udp=0 \
    ipv6-sources=0 sessions-created=2 sessions-expired=0 sessions-removed=2

expect_error "bib-del of an entry that is not there fails" 'no static BIB entry' \
    nat64/bib-del 20 tcp 2001:db8:6::5#81 192.0.2.100#2081
expect_ok "bib-del 20 tcp 2001:db8:6::5#80 192.0.2.100#2080" \
    nat64/bib-del 20 tcp 2001:db8:6::5#80 192.0.2.100#2080
appctl nat64/bib-show 20
[[ $OUT == "instance 20: 0 BIB entries (0 static)" ]] && ok "bib-del removed the entry" ||
    bad "bib-del removed the entry" "$OUT"
appctl nat64/instance-show 20
grep -q '2001:db8:6::5#80' <<<"$OUT" && bad "instance-show 20 no longer lists it" "$OUT" ||
    ok "instance-show 20 no longer lists it"

# --- 7. Counters --------------------------------------------------------------
section "counters"
# The SYN that went through before now finds no BIB entry.
run_drop syn-no-bib 20 drop-no-bib
# max-sessions 2: the third flow is one too many.
run_case limit-1
run_case limit-2
run_drop limit-3 22 drop-session-limit
appctl nat64/stats 22
[[ $(counter translated-6to4 "$OUT") -eq 2 ]] && ok "nat64/stats 22: translated-6to4 2" ||
    bad "nat64/stats 22: translated-6to4 2" "$OUT"
expect_counts "session-show 22 --count: 2 sessions, the cap" 22 \
    capacity=2 sessions=2 sessions-udp=2 sessions-created=2
appctl nat64/session-show 22 --json
json_list "session-show 22 --json: the two admitted flows" \
    '[{"protocol": "udp"}, {"protocol": "udp"}]' "$OUT"

# --- 5. Expiry by the housekeeping thread ------------------------------------
section "expiry (instance 25, icmp timeout 1 s)"
expired0=$(state_count 25 sessions-expired)
case_inject echo-out
t0=$(date +%s%N)
# The session lives one second: poll for it at once.
seen=
for _ in $(seq 40); do
    appctl nat64/session-show 25 icmp --json
    [[ $OUT == *'"192.0.2.140#9000"'* ]] && seen=$OUT && break
    sleep 0.02
done
json_list "session-show 25 icmp --json: the echo session, identifier 0x4321 -> 9000, under 1 s" \
    '[{"protocol": "icmp", "ipv6": "2001:db8:6::5#17185", "ipv4": "192.0.2.140#9000",
       "remote": "203.0.113.33#0", "state": "-", "expires-in-ms": [0, 1000]}]' "${seen:-[]}"
case_collect echo-out
# No more traffic: only the housekeeping thread can take the session out
# of the table ("sessions" counts table entries, expired or not).
gone=
for _ in $(seq 50); do
    appctl nat64/session-show 25 --count
    [[ $(field sessions "$OUT") == 0 ]] && gone=1 && break
    sleep 0.1
done
ms=$((($(date +%s%N) - t0) / 1000000))
[[ -n $gone && $ms -le 3000 ]] &&
    ok "the idle session was expired by the housekeeping thread within 3 s (${ms} ms)" ||
    bad "the idle session was expired by the housekeeping thread within 3 s" \
        "after ${ms} ms:" "$OUT"
expect_counts "session-show 25 --count: sessions-expired +1, nothing left" 25 \
    sessions=0 sessions-icmp=0 bib-entries=0 ipv6-sources=0 sessions-created=1 \
    sessions-expired=$((expired0 + 1)) sessions-removed=0
appctl nat64/session-show 25
[[ $OUT == "instance 25: 0 sessions" ]] && ok "session-show 25: 0 sessions" ||
    bad "session-show 25: 0 sessions" "$OUT"
appctl nat64/bib-show 25
[[ $OUT == "instance 25: 0 BIB entries (0 static)" ]] &&
    ok "bib-show 25: the dynamic BIB entry went with its session" ||
    bad "bib-show 25: the dynamic BIB entry went with its session" "$OUT"

# --- 6. Logging -----------------------------------------------------------------
section "logging (RFC 6888)"
LOG=$dir/ovs-vswitchd.log
# vlog's file format: TIME|SEQ|MODULE(THREAD)|LEVEL|message.
MOD='\|nat64_state(\([^)]*\))?\|'
run_case log-udp
line=
for _ in $(seq 50); do
    line=$(grep -E "${MOD}INFO\|.*session-add.*udp.*2001:db8:6::5#42000.*192\.0\.2\.120#7500" "$LOG")
    [[ -n $line ]] && break
    sleep 0.1
done
[[ -n $line ]] &&
    ok "logging-session: a nat64_state INFO session-add line with udp, 2001:db8:6::5#42000, 192.0.2.120#7500" ||
    bad "logging-session: a nat64_state INFO session-add line" "$(grep nat64_state "$LOG")"
[[ $line == *203.0.113.33#53* ]] &&
    ok "the session-add line names the remote 203.0.113.33#53" ||
    bad "the session-add line names the remote 203.0.113.33#53" "$line"
grep -Eq "${MOD}INFO\|.*bib-add.*udp.*2001:db8:6::5#42000.*192\.0\.2\.120#7500" "$LOG" &&
    ok "logging-bib: a nat64_state INFO bib-add line" ||
    bad "logging-bib: a nat64_state INFO bib-add line" "$(grep nat64_state "$LOG")"
# Instances 20, 22 and 25 (logging off) made and lost sessions before
# instance 23's were logged: none of theirs may be there.
other=$(grep -E "$MOD" "$LOG" | grep -E '192\.0\.2\.(100|110|140)#')
[[ -z $other ]] && ok "instances with logging off logged no BIB or session records" ||
    bad "instances with logging off logged no BIB or session records" "$other"

# --- ofproto/trace of a flow that would open a session ---------------------------
section "ofproto/trace dry run (instance 20)"
appctl nat64/session-show 20 --count
before=$OUT
appctl ofproto/trace br0 'in_port=p1,tcp6,ipv6_src=2001:db8:6::77,ipv6_dst=2001:db8:64::cb00:7105,nw_ttl=64,tcp_src=41000,tcp_dst=80,tcp_flags=0x002'
trace=$OUT
[[ $RC -eq 0 ]] && ok "ofproto/trace of a new TCP flow succeeds" ||
    bad "ofproto/trace of a new TCP flow succeeds" "rc $RC: $ERR"
# The dry run shows the pool4 transport address the flow would get: the
# pool4 address, a port of the TCP range 2000-2999.
expect_match "trace: translated from the pool4 address, a TCP pool4 port" \
    '^Translated flow: .*tcp.*nw_src=192\.0\.2\.100,nw_dst=203\.0\.113\.5.*tp_src=2[0-9][0-9][0-9],' \
    "$trace"
appctl nat64/session-show 20 --count
[[ $OUT == "$before" ]] && ok "the trace created no session or BIB entry" ||
    bad "the trace created no session or BIB entry" "before:" "$before" "after:" "$OUT"

# --- 8. Replacing the configuration ---------------------------------------------
section "instance-set with and without the sessions' pool4"
run_case udp-again
appctl nat64/session-show 20 udp
grep -Eq "$S_RE" <<<"$OUT" && ok "a new udp session after the flush" ||
    bad "a new udp session after the flush" "$OUT"
doc=$(pkt instance 20 same) || fatal "stateful_packets.py instance 20 same failed"
expect_ok "instance-set 20 with the same pool4 (and ipv6-mtu 1400)" nat64/instance-set "$doc"
appctl nat64/instance-show 20
expect_match "instance-show 20 shows the replacement" '"ipv6-mtu": *1400' "$OUT"
appctl nat64/session-show 20
[[ $(head -n1 <<<"$OUT") == "instance 20: 1 sessions" ]] && grep -Eq "$S_RE" <<<"$OUT" &&
    ok "the session survived the replacement (its pool4 is unchanged)" ||
    bad "the session survived the replacement (its pool4 is unchanged)" "$OUT"
expect_counts "session-show --count after the replacement: the session, not removed" 20 \
    sessions=1 sessions-udp=1 bib-entries=1 sessions-removed=2
doc=$(pkt instance 20 moved) || fatal "stateful_packets.py instance 20 moved failed"
expect_ok "instance-set 20 with pool4 moved to 192.0.2.101" nat64/instance-set "$doc"
appctl nat64/session-show 20
[[ $OUT == "instance 20: 0 sessions" ]] &&
    ok "the session went with its pool4 address" ||
    bad "the session went with its pool4 address" "$OUT"
appctl nat64/bib-show 20
[[ $OUT == "instance 20: 0 BIB entries (0 static)" ]] &&
    ok "so did its BIB entry" || bad "so did its BIB entry" "$OUT"
expect_counts "session-show --count: sessions-removed +1" 20 \
    sessions=0 bib-entries=0 ipv6-sources=0 sessions-removed=3

# --- 2. The frames, byte for byte --------------------------------------------------
section "frames"
pkt check "$dir/manifest" "$P1" "$P2" >"$dir/check" 2>"$dir/py.err" ||
    bad "stateful_packets.py check ran" "$(cat "$dir/py.err")"
report "translation checks" "$dir/check"

# --- The daemon survived it all ---------------------------------------------------
sandbox_finish
