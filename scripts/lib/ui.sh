# shellcheck shell=bash
# What the demo scripts (scripts/sandbox.sh, scripts/demo.sh) print: a
# headline per step, prose, and each command as one would type it followed
# by its real output.  Sourced:
#
#   . "$ROOT/scripts/lib/ui.sh"
#
# UI_QUIET=1 (demo.sh --quiet) leaves out everything but failures, which
# are always printed, with the output of the command that failed.
# Provides: BOLD GREEN RED OFF, heading, say, usage_help, bad_option, die,
# problem, show_run (sets RUN_OUT) and the counter failures.

UI_QUIET=${UI_QUIET:-0}
failures=0
if [[ -t 1 ]]; then
    BOLD=$'\033[1m' GREEN=$'\033[32m' RED=$'\033[31m' OFF=$'\033[0m'
else
    # shellcheck disable=SC2034 # for the scripts that source this file
    BOLD='' GREEN='' RED='' OFF=''
fi

heading() {
    ((UI_QUIET)) || printf '\n%s== %s ==%s\n' "$BOLD" "$*" "$OFF"
}
# say LINE...: prose, wrapped at 78 columns.
say() {
    ((UI_QUIET)) || printf '%s\n' "$@" | fold -s -w 78
}
# usage_help: prints the calling script's header comment, its --help, and
# exits 0.
usage_help() {
    sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "$0"
    exit 0
}
# bad_option ARG: the calling script's answer to an option it does not know.
bad_option() {
    printf '%s: unknown option %s (try --help)\n' "${0##*/}" "$1" >&2
    exit 2
}
die() {
    printf '%s%s: %s%s\n' "$RED" "${0##*/}" "$*" "$OFF" >&2
    exit 1
}
# problem WHAT [DETAIL...]: a failure, counted and always printed (each
# DETAIL indented), even with UI_QUIET.
problem() {
    failures=$((failures + 1))
    printf '%sFAILED: %s%s\n' "$RED" "$1" "$OFF"
    shift
    local d
    for d in "$@"; do printf '%s\n' "$d" | sed 's/^/    /'; done
}
# show_run PROMPT SHOWN CMD...: prints "PROMPT$ SHOWN" (the command as
# the reader would type it, e.g. without the sandbox's private paths; PROMPT
# names where it runs, or is empty), runs CMD and prints its output, which
# it leaves in RUN_OUT.  A non-zero exit status is a problem; with UI_QUIET
# only then are the command and its output printed.  Returns CMD's status.
show_run() {
    local prompt=$1 shown=$2 rc
    shift 2
    RUN_OUT=$("$@" 2>&1)
    rc=$?
    if ((rc != 0)); then
        problem "$prompt\$ $shown (exit status $rc)" "$RUN_OUT"
    elif ((!UI_QUIET)); then
        printf '%s%s$ %s%s\n' "$BOLD" "$prompt" "$shown" "$OFF"
        [[ -z $RUN_OUT ]] || printf '%s\n' "$RUN_OUT"
    fi
    return "$rc"
}
