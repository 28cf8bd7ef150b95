#!/usr/bin/env bash
# The "ovs-appctl nat64/..." commands against a sandboxed, patched
# ovs-vswitchd.
#
#   appctl_test.sh BINDIR SCHEMA NAT64_H
#
# BINDIR holds the patched OVS programs (build/bin), SCHEMA is
# build/share/openvswitch/vswitch.ovsschema, NAT64_H is include/nat64/nat64.h
# (the counter list is read from it).  ovsdb-server and ovs-vswitchd run
# detached in a private mktemp directory (OVS_RUNDIR, OVS_LOGDIR, OVS_DBDIR
# and OVS_SYSCONFDIR all point there), speak only over unix sockets there,
# and use the dummy netdev/dpif providers (--enable-dummy=override), so the
# host's /var/run/openvswitch, /etc and network devices are never touched.
# Both daemons are killed and the directory removed on every exit
# (tests/ovs/sandbox.sh, shared with action_test.sh).
#
# Missing programs are a failure, never a skip.  The last line is
# "N passed, M failed".

# "COND && ok ... || bad ..." is safe here: ok always succeeds.
# shellcheck disable=SC2015
SANDBOX_NAME=appctl
# shellcheck source-path=SCRIPTDIR source=sandbox.sh
. "$(dirname "$0")/sandbox.sh" || { echo "0 passed, 1 failed"; exit 1; }

[[ $# -eq 3 ]] || fatal "usage: $0 BINDIR SCHEMA NAT64_H"
SCHEMA=$2
NAT64_H=$3
sandbox_check_programs "$1"
[[ -r $NAT64_H ]] || fatal "$NAT64_H is missing"
command -v python3 >/dev/null || fatal "python3 is needed to compare JSON documents"

# --- Start the sandbox ---------------------------------------------------
sandbox_start br-nat64

dp_type=$(vsctl get bridge br-nat64 datapath_type)
[[ $dp_type == netdev ]] && ok "bridge datapath_type is netdev" ||
    bad "bridge datapath_type is '$dp_type', expected netdev"

# json_subset NAME EXPECTED ACTUAL: every key of EXPECTED has the same value
# in ACTUAL (ACTUAL may add defaults).
json_subset() {
    local msg
    if msg=$(python3 - "$2" "$3" <<'EOF'
import json, sys
want, got = json.loads(sys.argv[1]), json.loads(sys.argv[2])
diff = [k for k in want if got.get(k) != want[k]]
if diff:
    print("differs in " + ", ".join(f"{k}: {got.get(k)!r} != {want[k]!r}" for k in diff))
    sys.exit(1)
EOF
    ); then
        ok "$1"
    else
        bad "$1" "$msg"
    fi
}

# --- The commands are registered ----------------------------------------
appctl list-commands
for c in instance-set instance-del instance-show eamt-add eamt-del eamt-list stats; do
    expect_match "nat64/$c is registered" "^ *nat64/$c( |$)" "$OUT"
done

# --- instance-set / instance-show ---------------------------------------
DOC='{"instance": 7, "pool6": "64:ff9b::/96", "pool6791v4": "203.0.113.8/32", "router-ipv4": "198.51.100.1", "router-ipv6": "2001:db8:1c0:2:1::", "ipv4-mtu": 1500, "ipv6-mtu": 1480}'
expect_ok "instance-set accepts a valid document" nat64/instance-set "$DOC"
appctl nat64/instance-show 7
if [[ $RC -eq 0 ]]; then
    json_subset "instance-show prints the document back" "$DOC" "$OUT"
else
    bad "instance-show 7" "exited $RC: $ERR"
fi
appctl nat64/instance-show
if [[ $RC -eq 0 ]] && python3 -c '
import json, sys
docs = json.loads(sys.argv[1])
sys.exit(0 if isinstance(docs, list) and [d["instance"] for d in docs] == [7] else 1)
' "$OUT"; then
    ok "instance-show without ID lists every instance"
else
    bad "instance-show without ID lists every instance" "rc $RC: $OUT $ERR"
fi

# Replacing the whole configuration.
DOC2=${DOC/\"ipv6-mtu\": 1480/\"ipv6-mtu\": 1400}
expect_ok "instance-set replaces an instance" nat64/instance-set "$DOC2"
appctl nat64/instance-show 7
json_subset "instance-show shows the replacement" "$DOC2" "$OUT"

# Invalid documents change nothing and name the key.
expect_error "instance-set: bad value names the key" 'pool6' \
    nat64/instance-set '{"instance": 7, "pool6": "64:ff9b::/97"}'
expect_error "instance-set: unknown key is named" 'bogus-key' \
    nat64/instance-set '{"instance": 8, "bogus-key": 1}'
expect_error "instance-set: missing instance is named" 'instance' \
    nat64/instance-set '{"pool6": "64:ff9b::/96"}'
expect_error "instance-set: malformed JSON is refused" '.' \
    nat64/instance-set '{"instance": 7,'
appctl nat64/instance-show 7
json_subset "a refused instance-set left the instance unchanged" "$DOC2" "$OUT"
expect_error "a refused instance-set created nothing" 'no translator instance 8' \
    nat64/instance-show 8
expect_error "instance-show: bad ID" 'invalid instance id' nat64/instance-show abc
expect_error "instance-show: ID 0 is not an instance" 'invalid instance id' \
    nat64/instance-show 0
expect_error "instance-show: ID beyond 32 bits" 'invalid instance id' \
    nat64/instance-show 4294967296

# --- EAMT ---------------------------------------------------------------
expect_ok "eamt-add" nat64/eamt-add 7 2001:db8:6::/120 192.0.2.0/24
expect_ok "eamt-add a second entry" nat64/eamt-add 7 2001:db8:44::25/128 203.0.113.25/32
appctl nat64/eamt-list 7
expect_match "eamt-list shows the first entry" '^2001:db8:6::/120 192\.0\.2\.0/24$' "$OUT"
expect_match "eamt-list shows the second entry" '^2001:db8:44::25/128 203\.0\.113\.25/32$' "$OUT"
[[ $(grep -c . <<<"$OUT") -eq 2 ]] && ok "eamt-list has exactly two entries" ||
    bad "eamt-list has exactly two entries" "$OUT"
appctl nat64/instance-show 7
expect_match "instance-show includes the EAMT" '2001:db8:6::/120' "$OUT"
expect_error "eamt-add: bad IPv6 prefix is refused" 'ipv6' \
    nat64/eamt-add 7 2001:db8:zz::/120 192.0.2.0/24
expect_error "eamt-add: bad IPv4 prefix is refused" 'ipv4' \
    nat64/eamt-add 7 2001:db8:7::/120 192.0.2.300/24
expect_error "eamt-add: unknown instance" 'no translator instance 99' \
    nat64/eamt-add 99 2001:db8:6::/120 192.0.2.0/24
expect_ok "eamt-del" nat64/eamt-del 7 2001:db8:6::/120 192.0.2.0/24
appctl nat64/eamt-list 7
[[ $OUT == "2001:db8:44::25/128 203.0.113.25/32" ]] && ok "eamt-list after eamt-del" ||
    bad "eamt-list after eamt-del" "$OUT"
expect_error "eamt-del of an absent entry fails" '.' \
    nat64/eamt-del 7 2001:db8:6::/120 192.0.2.0/24
expect_ok "eamt-del the last entry" nat64/eamt-del 7 2001:db8:44::25/128 203.0.113.25/32
appctl nat64/eamt-list 7
[[ $RC -eq 0 && -z $OUT ]] && ok "eamt-list of an empty EAMT prints nothing" ||
    bad "eamt-list of an empty EAMT prints nothing" "rc $RC: $OUT $ERR"
expect_error "eamt-list: unknown instance" 'no translator instance 99' nat64/eamt-list 99

# --- stats --------------------------------------------------------------
# Counter names are the core's; their number is the enum's in nat64.h.
n_counters=$(sed -n '/^enum nat64_counter {/,/NAT64_C_N/p' "$NAT64_H" |
    grep -cE '^ *NAT64_C_[A-Z0-9_]+( = 0)?,')
appctl nat64/stats 7
if [[ $RC -eq 0 ]]; then
    lines=$(grep -c . <<<"$OUT")
    good=$(grep -cE '^[a-z0-9-]+: [0-9]+$' <<<"$OUT")
    [[ $lines -eq $n_counters && $good -eq $n_counters ]] &&
        ok "stats prints $n_counters 'name: value' lines" ||
        bad "stats prints $n_counters 'name: value' lines" "$lines lines, $good well-formed:" "$OUT"
    [[ $(grep -cE ': 0$' <<<"$OUT") -eq $n_counters ]] &&
        ok "a new instance's counters are zero" || bad "a new instance's counters are zero" "$OUT"
else
    bad "stats 7" "exited $RC: $ERR"
fi
names=$(cut -d: -f1 <<<"$OUT")
appctl nat64/stats 7 --explain
if [[ $RC -eq 0 ]]; then
    [[ $(grep -cE '^[a-z0-9-]+: [0-9]+$' <<<"$OUT") -eq $n_counters ]] &&
        ok "stats --explain keeps the 'name: value' lines" ||
        bad "stats --explain keeps the 'name: value' lines" "$OUT"
    [[ $(grep -cE '^    [^ ]' <<<"$OUT") -eq $n_counters ]] &&
        ok "stats --explain explains every counter" ||
        bad "stats --explain explains every counter" "$OUT"
    [[ $(grep -vE '^    ' <<<"$OUT" | cut -d: -f1) == "$names" ]] &&
        ok "stats --explain lists the same counters in the same order" ||
        bad "stats --explain lists the same counters in the same order" "$OUT"
else
    bad "stats 7 --explain" "exited $RC: $ERR"
fi
appctl nat64/stats --explain 7
[[ $RC -eq 0 && $(grep -c . <<<"$OUT") -eq $((2 * n_counters)) ]] &&
    ok "stats accepts --explain before the ID" || bad "stats --explain 7" "rc $RC: $OUT $ERR"
appctl nat64/stats
if [[ $RC -eq 0 && $(grep -c . <<<"$OUT") -eq 1 ]] &&
    grep -qE '^[a-z0-9-]*unknown[a-z0-9-]*: [0-9]+$' <<<"$OUT" &&
    grep -qxF "$(cut -d: -f1 <<<"$OUT")" <<<"$names"; then
    ok "stats without ID prints the global unknown-instance counter"
else
    bad "stats without ID prints the global unknown-instance counter" "rc $RC: $OUT $ERR"
fi
appctl nat64/stats --explain
[[ $RC -eq 0 && $(grep -c . <<<"$OUT") -eq 2 ]] &&
    ok "stats --explain without ID" || bad "stats --explain without ID" "rc $RC: $OUT $ERR"
expect_error "stats: unknown instance" 'no translator instance 99' nat64/stats 99
expect_error "stats: bad ID" 'invalid instance id' nat64/stats 7x

# --- instance-del -------------------------------------------------------
expect_ok "instance-del" nat64/instance-del 7
expect_error "instance-show of a deleted instance fails" 'no translator instance 7' \
    nat64/instance-show 7
expect_error "stats of a deleted instance fails" 'no translator instance 7' nat64/stats 7
expect_error "instance-del of a deleted instance fails" 'no translator instance 7' \
    nat64/instance-del 7
appctl nat64/instance-show
[[ $RC -eq 0 && $(tr -d ' \n' <<<"$OUT") == "[]" ]] &&
    ok "instance-show without ID: no instances left" ||
    bad "instance-show without ID: no instances left" "rc $RC: $OUT $ERR"

# --- The daemon survived it all -----------------------------------------
sandbox_finish
