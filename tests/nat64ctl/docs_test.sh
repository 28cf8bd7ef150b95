#!/usr/bin/env bash
# nat64ctl's generated man page and bash completion (ctl/nat64ctl/
# generate_cmd.cpp): the man page renders without a groff warning and
# documents every subcommand the program has; the completion offers the
# subcommands and each command's options, as bash would call it.
#
#   docs_test.sh NAT64CTL MAN-PAGE COMPLETION
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/assert.sh
. "$HERE/../lib/assert.sh"
CTL=$1 MAN=$2 COMPLETION=$3

command -v groff >/dev/null || fatal "groff is missing (Debian: groff-base; sudo scripts/install-deps.sh)"
[[ -s $MAN && -s $COMPLETION ]] || fatal "$MAN or $COMPLETION missing or empty: build first"

section "man page"
OUT=$(groff -man -Tutf8 -ww -z "$MAN" 2>&1)
if [[ -z $OUT ]]; then ok "groff renders it without warnings"; else bad "groff warnings" "$OUT"; fi
TEXT=$(groff -man -Tutf8 "$MAN" 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g; s/.\x08//g')
# Every subcommand path the program knows, from its own --help.
paths=$("$CTL" --help | sed -n '/^Subcommands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
[[ -n $paths ]] || bad "no subcommands in nat64ctl --help"
for p in $paths; do
    subs=$("$CTL" "$p" --help 2>/dev/null | sed -n '/^Subcommands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
    if [[ -z $subs ]]; then
        expect_match "man page documents '$p'" "^ +$p\$" "$TEXT"
    fi
    for s in $subs; do
        expect_match "man page documents '$p $s'" "^ +$p $s\$" "$TEXT"
    done
done
for p in $paths; do
    subs=$("$CTL" "$p" --help 2>/dev/null | sed -n '/^Subcommands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
    for s in "" $subs; do
        # shellcheck disable=SC2086 # $s is empty for the command itself
        expect_match "'nat64ctl $p${s:+ $s} --help' has an example" '^Examples?:$' "$("$CTL" "$p" $s --help)"
    done
done
expect_match "man page has the exit status" '^EXIT STATUS' "$TEXT"
expect_match "man page lists the options" '--apply-timeout SECONDS' "$TEXT"

section "bash completion"
complete_words() {  # WORDS...: what completing the last word offers
    bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _nat64ctl; echo "${COMPREPLY[*]}"' \
        sh "$COMPLETION" "$@"
}
OUT=$(complete_words nat64ctl "")
for w in pool4 eamt bib status stats session flows trace translate; do
    if [[ " $OUT " == *" $w "* ]]; then ok "top level offers $w"; else bad "top level lacks $w" "$OUT"; fi
done
if [[ " $OUT " != *" generate "* ]]; then ok "the hidden generate command is not offered"; else bad "generate offered"; fi
OUT=$(complete_words nat64ctl pool4 "")
if [[ $OUT == "add remove list" ]]; then ok "pool4 offers add remove list"; else bad "pool4 offers '$OUT'"; fi
OUT=$(complete_words nat64ctl pool4 add --vnet vnet1 --p)
if [[ $OUT == "--ports --protocols" ]]; then ok "pool4 add --p offers --ports --protocols"; else bad "pool4 add --p offers '$OUT'"; fi
OUT=$(complete_words nat64ctl session list --)
if [[ " $OUT " == *" --vnet "* && " $OUT " == *" --numeric "* ]]; then ok "session list offers its options"; else bad "session list offers '$OUT'"; fi

summary
[[ $fail -eq 0 ]]
