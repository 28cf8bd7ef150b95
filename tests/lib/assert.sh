# shellcheck shell=bash
# Assertions for the shell tests (tests/ovs, tests/e2e).  Sourced:
#
#   . "$(dirname "$0")/../lib/assert.sh"
#
# Every check counts as one assertion, passed or failed; the last line a
# test prints is summary's "N passed, M failed", and its exit status is
# that of "[[ $fail -eq 0 ]]".
#
# Provides: ok, bad, summary, fatal, section, expect_match and the counters
# pass and fail.

pass=0
fail=0

# ok NAME
ok() {
    pass=$((pass + 1))
    printf 'ok:   %s\n' "$1"
}

# bad NAME [DETAIL...]: each DETAIL's lines are printed indented.
bad() {
    fail=$((fail + 1))
    printf 'FAIL: %s\n' "$1"
    shift
    local line
    for line in "$@"; do
        printf '%s\n' "$line" | sed 's/^/      /'
    done
}

summary() {
    printf '%d passed, %d failed\n' "$pass" "$fail"
}

# fatal NAME [DETAIL...]: a failure after which the test cannot go on.
fatal() {
    bad "$@"
    summary
    exit 1
}

section() {
    printf '\n--- %s\n' "$*"
}

# expect_match NAME ERE TEXT: some line of TEXT matches ERE.
expect_match() {
    if grep -Eq -- "$2" <<<"$3"; then
        ok "$1"
    else
        bad "$1" "no line matches /$2/ in:" "$3"
    fi
}
