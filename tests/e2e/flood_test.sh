#!/usr/bin/env bash
# End-to-end test of stateful NAT64 under a flood of new flows: the
# topology of stateful_test.sh (tests/e2e/topology.sh with TOPO_STATEFUL=1:
# pool4 of one address, ports 1024-65535, i.e. 64512 per protocol) with
# "max-sessions": 2000.  While one TCP transfer and one ping keep running
# from the IPv6 host, udp_flood.py sends 100000 UDP datagrams from the
# same namespace, each from a new transport address (100 addresses x 1000
# ports), to a UDP sink behind the translator: 50000 a second, which this
# datapath takes in (unpaced, the veth queues would drop a third of them
# before the switch sees them, which tests the kernel, not the translator).
#
#   flood_test.sh [BINDIR [SCHEMA]]      (as root)
#
# It asserts:
# - the session count, sampled with "nat64/session-show ID --count"
#   throughout, never exceeds 2000, and the table does fill up to it;
# - most of the flood reached the translator, and every flow that did was
#   either given a session or refused and counted (drop-session-limit);
#   the BIB does not grow past the sessions (no entry without a session);
# - the sink saw at most 2000 flows, all from the pool4 address;
# - the established flows keep working during and after the flood: the
#   download (rate-limited so that it spans the flood) completes intact,
#   the ping loses at most a few echoes;
# - when the table is full a new flow is refused, and after
#   "nat64/session-flush ID udp" new flows work again;
# - ovs-vswitchd's resident memory (VmRSS) grows by less than
#   FLOOD_RSS_LIMIT_KB (32 MiB) from before to after the flood.  The
#   translator reserves its tables for max-sessions once (about 180 bytes
#   a session, committed as used: well under 1 MiB for 2000) and never
#   allocates per packet; the bound leaves room for what OVS itself may
#   allocate as the flood goes through it (its exact-match flow caches,
#   packet buffers, malloc arenas; about 5 MiB here), but not for memory
#   that grows with the refused flows: at least 50000 of them reach the
#   translator (asserted), so anything above about 670 bytes a flow
#   would pass it.
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
TOPO_PREFIX=n64fl-$$
TOPO_STATEFUL=1
MAX_SESSIONS=2000
TOPO_INSTANCE_EXTRA="\"max-sessions\": $MAX_SESSIONS"
# shellcheck source-path=SCRIPTDIR source=topology.sh
. "$HERE/topology.sh" || fatal "cannot source $HERE/topology.sh"
# shellcheck source-path=SCRIPTDIR source=helpers.sh
. "$HERE/helpers.sh" || fatal "cannot source $HERE/helpers.sh"
ID=$TOPO_INSTANCE

FLOOD_COUNT=${FLOOD_COUNT:-100000}  # datagrams, each a new flow
FLOOD_SOURCES=100                   # IPv6 addresses they come from
FLOOD_PPS=${FLOOD_PPS:-50000}       # datagrams a second (0: unpaced)
FLOOD_PORT=9999                     # the sink's port
FLOOD_RSS_LIMIT_KB=$((32 * 1024))
BIG=$((4 * 1024 * 1024))            # the download, at RATE bytes/s
RATE=256000                         #   (about 16 s)

# --- Preflight: root, programs, tools -----------------------------------
msg=$(topo_preflight 2>&1) || fatal "preflight: root and the patched OVS programs" "$msg"
missing=()
for t in ping curl timeout sha256sum awk; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
done
# Prefer Debian's interpreter over any other python3 on PATH.
PY=/usr/bin/python3
[[ -x $PY ]] || PY=$(command -v python3) || missing+=(python3)
for f in peer_tools.py udp_flood.py; do
    [[ -r $HERE/$f ]] || missing+=("$HERE/$f")
done
[[ ${#missing[@]} -eq 0 ]] ||
    fatal "tools present" "missing: ${missing[*]}" \
        "Debian: apt-get install iputils-ping curl coreutils gawk python3"
ok "preflight: root, the patched OVS programs and every tool present"

# --- Topology and servers -------------------------------------------------
section "topology: $TOPO_NS6 (IPv6 only) -- ovs-vswitchd in $TOPO_NSSW -- $TOPO_NS4 (IPv4 only)"
topo_up || fatal "namespaces, patched ovs-vswitchd, stateful instance and flows set up"
ok "namespaces, patched ovs-vswitchd, stateful instance $ID (pool4 $TOPO_POOL4, max-sessions $MAX_SESSIONS) set up"
mkdir -p "$TOPO_DIR/www4"
head -c "$BIG" /dev/urandom >"$TOPO_DIR/www4/big.bin"
start_bg http4 v4 "$PY" "$HERE/peer_tools.py" http "$TOPO_H4" 8080 "$TOPO_DIR/www4"
start_bg udp4 v4 "$PY" "$HERE/peer_tools.py" udp-echo "$TOPO_H4" 7000
start_bg sink v4 "$PY" "$HERE/peer_tools.py" udp-sink "$TOPO_H4" "$FLOOD_PORT"
servers_up=1
for s in "v4 t 8080" "v4 u 7000" "v4 u $FLOOD_PORT"; do
    # shellcheck disable=SC2086 # "NS PROTO PORT"
    wait_listen $s || { servers_up=0; bad "server listening: $s" "$(tail -n 5 "$TOPO_DIR"/*.log)"; }
done
[[ $servers_up == 1 ]] && ok "HTTP, UDP echo and UDP sink servers listening in $TOPO_NS4"
capacity=$(state_count capacity)
[[ $capacity == "$MAX_SESSIONS" ]] && ok "session-show --count: capacity $capacity" ||
    bad "session-show --count: capacity $MAX_SESSIONS" "$(topo_appctl nat64/session-show "$ID" --count 2>&1)"

# udp_ask: one UDP exchange from the IPv6 host with the echo server.
udp_ask() {
    run v6 10 "$PY" "$HERE/peer_tools.py" udp-ask "$TOPO_H6" "$TOPO_H4_AS6" 7000 "$1"
    [[ $RC -eq 0 && $OUT == "$TOPO_POOL4#"* ]]
}

# --- The established flows --------------------------------------------------
section "established flows: a rate-limited download and a ping"
ip netns exec "$TOPO_NS6" curl -sS -g --max-time 120 --limit-rate "$RATE" \
    -o "$TOPO_DIR/big.dl" -w '%{http_code} %{size_download} %{time_total}\n' \
    "http://[$TOPO_H4_AS6]:8080/big.bin" >"$TOPO_DIR/curl.out" 2>&1 &
curl_pid=$!
ip netns exec "$TOPO_NS6" ping -6 -n -i 0.2 -W 2 "$TOPO_H4_AS6" >"$TOPO_DIR/ping.log" 2>&1 &
ping_pid=$!
for _ in $(seq 50); do
    [[ $(state_count sessions) == 2 && $(grep -c 'bytes from' "$TOPO_DIR/ping.log") -ge 3 ]] && break
    sleep 0.1
done
sum=$(for k in sessions sessions-tcp sessions-icmp; do printf '%s=%s ' "$k" "$(state_count "$k")"; done)
[[ $sum == "sessions=2 sessions-tcp=1 sessions-icmp=1 " ]] &&
    ok "the download and the ping are going: one TCP and one ICMP session" ||
    bad "the download and the ping are going: one TCP and one ICMP session" "$sum" "$(cat "$TOPO_DIR/curl.out")"
udp_ask before && ok "a UDP exchange before the flood" || bad "a UDP exchange before the flood" "$OUT"

# --- The flood ----------------------------------------------------------------
section "flood: $FLOOD_COUNT new UDP flows from $FLOOD_SOURCES addresses, $FLOOD_PPS a second"
# flood_seen: what the translator made of new flows so far: sessions
# created plus flows refused for the cap.
flood_seen() {
    echo $(($(state_count sessions-created) + $(counter drop-session-limit)))
}
rss0=$(vswitchd_rss_kb)
sessions0=$(state_count sessions)
created0=$(state_count sessions-created)
limit0=$(counter drop-session-limit)
seen0=$((created0 + limit0))
# Sample the session and BIB counts every 0.1 s until told to stop (or
# the test is gone: the sampler runs outside the namespaces, which is
# where topo_down ends what the test started).
(
    for _ in $(seq 1200); do
        [[ -d $TOPO_DIR && ! -e $TOPO_DIR/stop-sampling ]] || break
        topo_appctl nat64/session-show "$ID" --count 2>&1 | "$PY" -c '
import json, sys
try:
    j = json.load(sys.stdin)
    print(j["sessions"], j["bib-entries"])
except Exception as e:
    print("error", e)'
        sleep 0.1
    done
) >"$TOPO_DIR/samples.txt" &
sampler_pid=$!
sleep 1
t0=$(date +%s.%N)
run v6 120 "$PY" "$HERE/udp_flood.py" eth0 "$TOPO_GW_MAC" "${TOPO_NET6%/64}" "$TOPO_H4_AS6" \
    "$FLOOD_PORT" "$FLOOD_COUNT" "$FLOOD_SOURCES" "$FLOOD_PPS"
t1=$(date +%s.%N)
flood_out=$OUT
[[ $RC -eq 0 && $OUT == "sent $FLOOD_COUNT datagrams"* ]] && ok "udp_flood.py: $OUT" ||
    bad "udp_flood.py sent $FLOOD_COUNT datagrams" "rc $RC: $OUT"
# Until the translator has seen what the switch queued: no more new flows.
prev=
for _ in $(seq 60); do
    cur=$(flood_seen)
    [[ $cur == "$prev" ]] && break
    prev=$cur
    sleep 0.5
done
t2=$(date +%s.%N)
# The download is still going (it spans the flood).
topo_alive "$curl_pid" && ok "the download is still going when the flood is over" ||
    bad "the download is still going when the flood is over (make it longer)" "$(cat "$TOPO_DIR/curl.out")"
touch "$TOPO_DIR/stop-sampling"
wait "$sampler_pid"
rss1=$(vswitchd_rss_kb)
limit1=$(counter drop-session-limit)
created1=$(state_count sessions-created)
seen=$((created1 + limit1 - seen0))
printf 'flood: sent in %.1f s, all processed after %.1f s; drop-session-limit +%d, sessions-created +%d\n' \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
    "$(awk -v a="$t0" -v b="$t2" 'BEGIN { print b - a }')" $((limit1 - limit0)) $((created1 - created0))
# The switch may lose some to its queues on a busy machine; not half.
[[ $seen -ge $((FLOOD_COUNT / 2)) && $seen -le $FLOOD_COUNT ]] &&
    ok "$seen of the $FLOOD_COUNT new flows reached the translator (sessions-created + drop-session-limit)" ||
    bad "at least half of the $FLOOD_COUNT new flows reached the translator" \
        "sessions-created + drop-session-limit grew by $seen"
# The sessions from before (the download, the ping, the UDP exchange)
# held their places; the flood got the rest.
[[ $((created1 - created0)) -eq $((MAX_SESSIONS - sessions0)) ]] &&
    ok "the flood got exactly the $((MAX_SESSIONS - sessions0)) places left (sessions-created)" ||
    bad "the flood got exactly the $((MAX_SESSIONS - sessions0)) places left (sessions-created)" \
        "+$((created1 - created0))"

samples=$(grep -c . "$TOPO_DIR/samples.txt")
max=$(awk '$1 ~ /^[0-9]+$/ && $1 > m { m = $1 } END { print m + 0 }' "$TOPO_DIR/samples.txt")
maxbib=$(awk '$2 ~ /^[0-9]+$/ && $2 > m { m = $2 } END { print m + 0 }' "$TOPO_DIR/samples.txt")
errors=$(grep -v '^[0-9]* [0-9]*$' "$TOPO_DIR/samples.txt")
[[ $samples -ge 5 && -z $errors ]] && ok "session-show --count sampled $samples times during the flood" ||
    bad "session-show --count sampled at least 5 times during the flood, without error" "$samples samples" "$errors"
[[ $max -le $MAX_SESSIONS ]] && ok "sessions never exceeded $MAX_SESSIONS (largest sample $max)" ||
    bad "sessions never exceeded $MAX_SESSIONS" "largest sample $max"
[[ $maxbib -le $MAX_SESSIONS ]] && ok "BIB entries never exceeded $MAX_SESSIONS (largest sample $maxbib)" ||
    bad "BIB entries never exceeded $MAX_SESSIONS" "largest sample $maxbib"
count=$(topo_appctl nat64/session-show "$ID" --count 2>&1)
sessions=$(json_get sessions <<<"$count")
bibs=$(json_get bib-entries <<<"$count")
[[ $sessions == "$MAX_SESSIONS" ]] && ok "the table filled up to max-sessions: $sessions sessions" ||
    bad "the table filled up to max-sessions ($MAX_SESSIONS sessions)" "$count"
# RFC 6146 §3.5.1: a dynamic BIB entry exists only with a session.  The
# established TCP and ICMP flows have one BIB entry each, every UDP flow
# of the flood one.
[[ $bibs == "$sessions" ]] && ok "bib-entries $bibs = sessions: no BIB entry without a session" ||
    bad "bib-entries = sessions: no BIB entry without a session" "$count"
[[ $((limit1 - limit0)) -gt 0 ]] && ok "nat64/stats: drop-session-limit counted $((limit1 - limit0)) refused flows" ||
    bad "nat64/stats: drop-session-limit counted the refused flows" "$limit0 -> $limit1"
sink=$(tail -n 1 "$TOPO_DIR/sink.log")
if [[ $sink =~ ^datagrams\ ([0-9]+)\ peers\ ([0-9]+)\ addresses\ 1\ ${TOPO_POOL4//./\\.}$ ]] &&
    [[ ${BASH_REMATCH[2]} -le $MAX_SESSIONS && ${BASH_REMATCH[2]} -ge $((MAX_SESSIONS - 10)) ]]; then
    ok "the sink saw ${BASH_REMATCH[2]} flows (at most $MAX_SESSIONS), all from $TOPO_POOL4"
else
    bad "the sink saw at most $MAX_SESSIONS flows, all from $TOPO_POOL4" "$sink"
fi

# --- After the flood ------------------------------------------------------------
section "after the flood"
before=$(counter drop-session-limit)
udp_ask full && bad "a new UDP flow while the table is full: refused" "$OUT" ||
    ok "a new UDP flow while the table is full: refused"
[[ $(counter drop-session-limit) -gt $before ]] && ok "nat64/stats: drop-session-limit counted it" ||
    bad "nat64/stats: drop-session-limit counted it" "$before -> $(counter drop-session-limit)"
# The established flows: the download completes intact, the ping lost
# little.
wait "$curl_pid"
curl_rc=$?
curl_out=$(cat "$TOPO_DIR/curl.out")
[[ $curl_rc -eq 0 && $curl_out == "200 $BIG "* &&
    $(sha256sum <"$TOPO_DIR/big.dl") == $(sha256sum <"$TOPO_DIR/www4/big.bin") ]] &&
    ok "the download that ran through the flood completed intact ($curl_out)" ||
    bad "the download that ran through the flood completed intact" "rc $curl_rc: $curl_out"
kill -INT "$ping_pid" 2>/dev/null
wait "$ping_pid"
ping_sum=$(grep 'packets transmitted' "$TOPO_DIR/ping.log")
if [[ $ping_sum =~ ^([0-9]+)\ packets\ transmitted,\ ([0-9]+)\ received ]]; then
    tx=${BASH_REMATCH[1]} rx=${BASH_REMATCH[2]}
    # One echo in 20 lost at most (the flood shares the link with it).
    [[ $tx -ge 20 && $((tx - rx)) -le $((tx / 20)) ]] &&
        ok "the ping through the flood: $rx of $tx echoes answered" ||
        bad "the ping through the flood: at most one echo in 20 lost" "$ping_sum"
else
    bad "the ping through the flood: at most one echo in 20 lost" "$(tail -n 5 "$TOPO_DIR/ping.log")"
fi
# Flushing the UDP sessions makes room again.
out=$(topo_appctl nat64/session-flush "$ID" udp 2>&1)
[[ $out =~ ^flushed\ ([0-9]+)\ sessions$ && ${BASH_REMATCH[1]} -ge $((MAX_SESSIONS - 10)) ]] &&
    ok "session-flush $ID udp: $out" || bad "session-flush $ID udp: about $MAX_SESSIONS sessions" "$out"
udp_ask after && ok "after the flush: a new UDP flow works" || bad "after the flush: a new UDP flow works" "$OUT"

# --- Memory ---------------------------------------------------------------------
section "ovs-vswitchd memory"
printf 'VmRSS before the flood %d kB, after %d kB (+%d kB); translator tables reserved %s bytes\n' \
    "$rss0" "$rss1" $((rss1 - rss0)) "$(json_get reserved-bytes <<<"$count")"
[[ $((rss1 - rss0)) -lt $FLOOD_RSS_LIMIT_KB ]] &&
    ok "ovs-vswitchd VmRSS grew by $((rss1 - rss0)) kB (< $FLOOD_RSS_LIMIT_KB kB) through the flood" ||
    bad "ovs-vswitchd VmRSS grew by less than $FLOOD_RSS_LIMIT_KB kB through the flood" "$rss0 kB -> $rss1 kB"

# --- The switch itself ------------------------------------------------------------
section "switch state"
stats=$(topo_appctl nat64/stats "$ID" 2>&1)
drops=$(grep -E '^drop-' <<<"$stats" | grep -v ': 0$' | grep -v '^drop-session-limit: ')
[[ -z $drops ]] && ok "nat64/stats: no drop counter moved but drop-session-limit" ||
    bad "nat64/stats: no drop counter moved but drop-session-limit" "$drops"
if topo_alive "$(cat "$TOPO_DIR/ovs-vswitchd.pid" 2>/dev/null)"; then
    ok "ovs-vswitchd is still running"
else
    bad "ovs-vswitchd is still running" "$(tail -n 20 "$TOPO_DIR/ovs-vswitchd.log")"
fi
errs=$(grep -E '\|(EMER|ERR)\|' "$TOPO_DIR/ovs-vswitchd.log")
[[ -z $errs ]] && ok "ovs-vswitchd logged no errors" || bad "ovs-vswitchd logged no errors" "$errs"
printf 'flood: %s\n' "$flood_out"

summary
[[ $fail -eq 0 ]]
