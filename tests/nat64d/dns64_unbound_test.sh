#!/usr/bin/env bash
# The DNS64 resolver nat64d configures (ctl/nat64d/dns64.cpp), run for
# real: Debian's unbound with exactly the unbound.conf nat64d renders,
# asked by dig from a VM namespace.
#
#   dns64_unbound_test.sh [DNS64_RENDER]      (as root)
#
# DNS64_RENDER is the test helper that prints the rendered file
# (tests/nat64d/dns64_render.cpp; default: build/bin/dns64_render of this
# checkout).
#
#   $P-auth  a2n 192.0.2.53/24: a second unbound, the "node's resolver",
#            authoritative for dns64.example. only (everything else
#            REFUSED: nothing ever leaves the namespaces)
#   $P-node  n2a 192.0.2.1/24; n2v 2001:db8:1::1/64, the VNet gateway,
#            where OUR unbound listens, forwarding to the nameserver of a
#            resolv.conf fixture (192.0.2.53)
#   $P-vm    v2n 2001:db8:1::10/64 (in the VNet's subnet) and
#            2001:db8:9::10/64 (outside it), asking with dig
#
# The names are under dns64.example. (RFC 6761 .example) rather than
# .test: unbound answers test. itself (its default RFC 6761 zone), so no
# query for it would reach the forwarder.  Addresses: 198.51.100.80 is
# TEST-NET-2, not global, so the Well-Known Prefix must not represent it
# (RFC 6052 §3.1); 192.88.99.80 stands for a global IPv4 address (no
# packet is ever sent to it).
#
# Phases: pool6 64:ff9b::/96; then, reloaded with SIGHUP, the
# network-specific 2001:db8:64::/96 with denylist4 192.88.99.0/24; then
# 2001:db8:122::/48 (the RFC 6052 u-octet).
#
# Needs root, Debian's unbound (with its "unbound" user), bind9-dnsutils
# (dig) and iproute2; any of them missing is a failure, never a skip.  The
# last line is "N passed, M failed"; the exit status is non-zero on any
# failure.  Namespaces, processes and files are removed on every exit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RENDER=${1:-$ROOT/build/bin/dns64_render}

# shellcheck source-path=SCRIPTDIR source=../lib/assert.sh
. "$HERE/../lib/assert.sh" || {
    echo "0 passed, 1 failed"
    exit 1
}

P=n64dns-$$
NS_AUTH=$P-auth
NS_NODE=$P-node
NS_VM=$P-vm
GW=2001:db8:1::1
VM=2001:db8:1::10
OUTSIDE=2001:db8:9::10
AUTH=192.0.2.53
D=
PIDS=()

cleanup() {
    local pid ns
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    for ns in "$NS_AUTH" "$NS_NODE" "$NS_VM"; do
        # Anything still running in our own namespaces (only ours: the
        # names carry this shell's pid).
        for pid in $(ip netns pids "$ns" 2>/dev/null); do
            kill -9 "$pid" 2>/dev/null || true
        done
        ip netns del "$ns" 2>/dev/null || true
    done
    [[ -z $D ]] || rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- Preflight ------------------------------------------------------------
[[ $EUID -eq 0 ]] || fatal "running as root" "network namespaces need root"
missing=()
for t in ip unbound unbound-checkconf dig timeout; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
done
[[ ${#missing[@]} -eq 0 ]] ||
    fatal "tools present" "missing: ${missing[*]}" "Debian: apt-get install unbound bind9-dnsutils iproute2"
id -u unbound >/dev/null 2>&1 ||
    fatal "user unbound exists" "Debian's unbound package creates it"
[[ -x $RENDER ]] || fatal "dns64_render built" "not executable: $RENDER"
ok "preflight: root, unbound $(unbound -V | sed -n 's/^Version //p'), dig, user unbound, $RENDER"

D=$(mktemp -d /tmp/n64dns.XXXXXX)
# unbound drops to the user "unbound" and re-reads its file on SIGHUP as
# that user: the directory and the file must be readable by it.
chmod 755 "$D"
mkdir -m 755 "$D/run" "$D/auth"

# --- Topology -------------------------------------------------------------
section "topology: $NS_AUTH -- $NS_NODE -- $NS_VM"
topology() {
    local ns
    for ns in "$NS_AUTH" "$NS_NODE" "$NS_VM"; do
        ip netns add "$ns" && ip -n "$ns" link set lo up || return 1
    done
    ip -n "$NS_NODE" link add n2a type veth peer name a2n netns "$NS_AUTH" &&
        ip -n "$NS_NODE" addr add 192.0.2.1/24 dev n2a &&
        ip -n "$NS_AUTH" addr add "$AUTH/24" dev a2n &&
        ip -n "$NS_NODE" link set n2a up &&
        ip -n "$NS_AUTH" link set a2n up &&
        ip -n "$NS_NODE" link add n2v type veth peer name v2n netns "$NS_VM" &&
        ip -n "$NS_NODE" addr add "$GW/64" dev n2v nodad &&
        ip -n "$NS_VM" addr add "$VM/64" dev v2n nodad &&
        ip -n "$NS_VM" addr add "$OUTSIDE/64" dev v2n nodad &&
        ip -n "$NS_NODE" link set n2v up &&
        ip -n "$NS_VM" link set v2n up &&
        ip -n "$NS_NODE" route add 2001:db8:9::/64 dev n2v
}
out=$(topology 2>&1) || fatal "namespaces and links set up" "$out"
ok "namespaces and links set up"

# --- The node's resolver --------------------------------------------------
cat >"$D/auth/unbound.conf" <<EOF
server:
    do-daemonize: no
    username: ""
    chroot: ""
    directory: "$D/auth"
    pidfile: "$D/auth/unbound.pid"
    use-syslog: no
    logfile: ""
    interface: $AUTH@53
    interface-automatic: no
    do-ip6: no
    access-control: 0.0.0.0/0 refuse
    access-control: 192.0.2.0/24 allow
    module-config: "iterator"
    # Never recurse: everything but our zone is refused here.
    local-zone: "." refuse
    local-zone: "dns64.example." static
    # No reverse names for IPv6 here, as for 64:ff9b::/96 in the public DNS.
    local-zone: "ip6.arpa." static
    local-data: "global.dns64.example. 300 IN A 192.88.99.80"
    local-data: "v4only.dns64.example. 300 IN A 198.51.100.80"
    local-data: "dual.dns64.example. 300 IN A 198.51.100.81"
    local-data: "dual.dns64.example. 300 IN AAAA 2001:db8:99::80"
    local-data: "private.dns64.example. 300 IN A 10.1.2.3"
    local-data: "mixed.dns64.example. 300 IN A 10.1.2.4"
    local-data: "mixed.dns64.example. 300 IN A 192.88.99.81"
    local-data-ptr: "192.88.99.80 300 global.dns64.example."
remote-control:
    control-enable: no
EOF
ip netns exec "$NS_AUTH" unbound -c "$D/auth/unbound.conf" 2>"$D/auth/unbound.log" &
PIDS+=("$!")

# The node's resolv.conf, as node_resolvers() reads it.
cat >"$D/resolv.conf" <<EOF
# Generated by a test
search example.com
; nameserver 9.9.9.9
nameserver $AUTH
EOF

# --- Helpers --------------------------------------------------------------
# render POOL6 [EXCLUDE4-JSON-LIST]: our unbound.conf into $D/unbound.conf.
render() {
    local json
    json=$(printf '{"listen": ["%s"], "allow": ["2001:db8:1::/64"], "pool6": "%s", "exclude4": %s, "resolv-conf": "%s", "run-dir": "%s"}' \
        "$GW" "$1" "${2:-[]}" "$D/resolv.conf" "$D/run")
    "$RENDER" "$json" >"$D/unbound.conf.new" 2>"$D/render.err" || return 1
    chmod 644 "$D/unbound.conf.new"
    mv "$D/unbound.conf.new" "$D/unbound.conf"
}

# vm_dig ARGS...: dig from the VM, from its address in the VNet's subnet
# unless ARGS say otherwise; never fails (the output says what happened).
vm_dig() {
    ip netns exec "$NS_VM" dig +tries=1 +time=2 "$@" 2>&1 || true
}

# records QUERY...: the answer's records, sorted, on one line.
records() {
    vm_dig -b "$VM" "@$GW" +short "$@" | sort | tr '\n' ' ' | sed 's/ $//'
}

# expect_records NAME WANT QUERY...: the answer holds exactly WANT (sorted
# records separated by one space; "" for none).
expect_records() {
    local name=$1 want=$2 got
    shift 2
    got=$(records "$@")
    if [[ $got == "$want" ]]; then
        ok "$name"
    else
        bad "$name" "query: $*" "want: ${want:-(no records)}" "got:  ${got:-(no records)}"
    fi
}

# expect_nodata NAME QUERY...: NOERROR with an empty answer section.
expect_nodata() {
    local name=$1 got
    shift
    got=$(vm_dig -b "$VM" "@$GW" +noall +comments "$@")
    if grep -q 'status: NOERROR' <<<"$got" && grep -q 'ANSWER: 0,' <<<"$got"; then
        ok "$name"
    else
        bad "$name" "query: $*" "want: NOERROR, ANSWER: 0" "got:" "$got"
    fi
}

# expect_refused_outside NAME: a query from outside the allowed subnet.
expect_refused_outside() {
    local got
    got=$(vm_dig -b "$OUTSIDE" "@$GW" +noall +comments global.dns64.example AAAA)
    if grep -q 'status: REFUSED' <<<"$got"; then
        ok "$1"
    else
        bad "$1" "want: status REFUSED" "got:" "$got"
    fi
}

# wait_for SECONDS WANT QUERY...: polls until the answer is WANT.
wait_for() {
    local deadline=$((SECONDS + $1)) want=$2
    shift 2
    while [[ $(records "$@") != "$want" ]]; do
        [[ $SECONDS -lt $deadline ]] || return 1
        sleep 0.2
    done
}

show_logs() {
    printf '%s\n' "--- our unbound:" "$(tail -n 20 "$D/unbound.log" 2>/dev/null)" \
        "--- auth unbound:" "$(tail -n 20 "$D/auth/unbound.log" 2>/dev/null)"
}

# --- The node's resolver is up --------------------------------------------
deadline=$((SECONDS + 10))
until [[ $(ip netns exec "$NS_NODE" dig +tries=1 +time=1 +short "@$AUTH" global.dns64.example A 2>&1) == 192.88.99.80 ]]; do
    [[ $SECONDS -lt $deadline ]] || fatal "auth unbound answers on $AUTH" "$(show_logs)"
    sleep 0.2
done
ok "auth unbound answers on $AUTH"

# --- Phase 1: the Well-Known Prefix ---------------------------------------
section "pool6 64:ff9b::/96"
render 64:ff9b::/96 || fatal "dns64_render renders the configuration" "$(cat "$D/render.err")"
ok "dns64_render renders the configuration"
if out=$(unbound-checkconf "$D/unbound.conf" 2>&1); then
    ok "unbound-checkconf accepts it"
else
    bad "unbound-checkconf accepts it" "$out"
fi
if grep -qx "    forward-addr: $AUTH" "$D/unbound.conf"; then
    ok "it forwards to the resolv.conf fixture's nameserver"
else
    bad "it forwards to the resolv.conf fixture's nameserver" "$(grep forward "$D/unbound.conf")"
fi

ip netns exec "$NS_NODE" unbound -c "$D/unbound.conf" 2>"$D/unbound.log" &
OURS=$!
PIDS+=("$OURS")
wait_for 10 "192.0.0.170 192.0.0.171" ipv4only.arpa A ||
    fatal "our unbound answers on [$GW]:53" "$(show_logs)"
ok "our unbound answers on [$GW]:53"
user=$(ps -o user= -p "$OURS" | tr -d " " || true)
if [[ $user == unbound ]]; then
    ok "it runs as the user unbound"
else
    bad "it runs as the user unbound" "ps says: ${user:-(no such process)}"
fi

expect_records "AAAA of a global IPv4-only name is synthesised" \
    "64:ff9b::c058:6350" global.dns64.example AAAA
expect_records "A of it is passed through" "192.88.99.80" global.dns64.example A
expect_records "a real AAAA is returned alone, nothing synthesised" \
    "2001:db8:99::80" dual.dns64.example AAAA
expect_nodata "TEST-NET-2 (non-global) is not synthesised into the WKP (RFC 6052 §3.1)" \
    v4only.dns64.example AAAA
expect_records "A of the TEST-NET-2 name is untouched" "198.51.100.80" v4only.dns64.example A
expect_nodata "10.1.2.3 (RFC 1918) is not synthesised into the WKP" private.dns64.example AAAA
expect_records "A of the private name is untouched" "10.1.2.3" private.dns64.example A
expect_nodata "a name with a private and a global A gets no AAAA (respip filters whole answers)" \
    mixed.dns64.example AAAA
expect_records "AAAA ipv4only.arpa (RFC 7050)" "64:ff9b::c000:aa 64:ff9b::c000:ab" \
    ipv4only.arpa AAAA
expect_records "A ipv4only.arpa" "192.0.0.170 192.0.0.171" ipv4only.arpa A
expect_records "PTR of 192.0.0.170" "ipv4only.arpa." -x 192.0.0.170
expect_records "PTR of 64:ff9b::c000:ab" "ipv4only.arpa." -x 64:ff9b::c000:ab
# unbound 1.17 does not rewrite it to the IPv4 name's PTR (RFC 6147 §5.3)
# once respip runs before dns64 (ctl/nat64d/dns64.cpp): it is forwarded as
# it is.  If a newer unbound does, this fails: update dns64.cpp's notes.
got=$(vm_dig -b "$VM" "@$GW" +noall +comments -x 64:ff9b::c058:6350)
if grep -q 'status: NXDOMAIN' <<<"$got"; then
    ok "PTR inside pool6 goes to the forwarder unchanged (no PTR synthesis with respip)"
else
    bad "PTR inside pool6 goes to the forwarder unchanged (no PTR synthesis with respip)" "$got"
fi
expect_refused_outside "a query from $OUTSIDE (outside the VNet's subnets) is REFUSED"

# --- Phase 2: a network-specific prefix, reloaded -------------------------
section "pool6 2001:db8:64::/96, denylist4 192.88.99.0/24 (SIGHUP)"
render 2001:db8:64::/96 '["192.88.99.0/24"]' ||
    fatal "dns64_render renders the configuration" "$(cat "$D/render.err")"
kill -HUP "$OURS"
if wait_for 10 "2001:db8:64::c000:aa 2001:db8:64::c000:ab" ipv4only.arpa AAAA; then
    ok "after SIGHUP, ipv4only.arpa AAAA is in the new pool6"
else
    fatal "after SIGHUP, ipv4only.arpa AAAA is in the new pool6" \
        "got: $(records ipv4only.arpa AAAA)" "$(show_logs)"
fi
expect_records "TEST-NET-2 is synthesised into a network-specific prefix" \
    "2001:db8:64::c633:6450" v4only.dns64.example AAAA
expect_records "so is 10.1.2.3 (RFC 6052 §3.1 restricts the WKP only)" \
    "2001:db8:64::a01:203" private.dns64.example AAAA
expect_nodata "a denylist4 (exclude4) address is not synthesised" global.dns64.example AAAA
expect_records "its A is untouched" "192.88.99.80" global.dns64.example A
expect_records "a real AAAA is still returned alone" "2001:db8:99::80" dual.dns64.example AAAA
expect_records "A ipv4only.arpa" "192.0.0.170 192.0.0.171" ipv4only.arpa A
expect_refused_outside "a query from outside is still REFUSED"

# --- Phase 3: a /48, the u-octet ------------------------------------------
section "pool6 2001:db8:122::/48 (SIGHUP)"
render 2001:db8:122::/48 || fatal "dns64_render renders the configuration" "$(cat "$D/render.err")"
kill -HUP "$OURS"
if wait_for 10 "2001:db8:122:c000:0:aa00:: 2001:db8:122:c000:0:ab00::" ipv4only.arpa AAAA; then
    ok "ipv4only.arpa AAAA around the u-octet (RFC 6052 §2.2)"
else
    fatal "ipv4only.arpa AAAA around the u-octet (RFC 6052 §2.2)" \
        "got: $(records ipv4only.arpa AAAA)" "$(show_logs)"
fi
expect_records "unbound's synthesis skips the u-octet like the translator" \
    "2001:db8:122:c633:64:5000::" v4only.dns64.example AAAA

# --- Still the same process -------------------------------------------------
if kill -0 "$OURS" 2>/dev/null; then
    ok "our unbound survived both reloads"
else
    bad "our unbound survived both reloads" "$(show_logs)"
fi
if [[ $SECONDS -lt 60 ]]; then
    ok "done in ${SECONDS} s"
else
    bad "done in under 60 s" "took ${SECONDS} s"
fi
[[ $fail -eq 0 ]] || show_logs
summary
[[ $fail -eq 0 ]]
