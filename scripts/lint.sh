#!/usr/bin/env bash
# Static checks (not part of scripts/test.sh):
#   1. clang-format --dry-run --Werror on the C/C++ sources of ovs-action,
#      include, ctl, tests and bench (.clang-format at the root);
#   2. clang-tidy (.clang-tidy at the root) on ovs-action/core/*.cpp, with
#      the compile database of a build tree (LINT_BUILD_DIR, default build;
#      configured here if it has none).
# Prints how many files and findings each has; exits 1 if any.
#
#   scripts/lint.sh            both
#   scripts/lint.sh format     only clang-format
#   scripts/lint.sh tidy       only clang-tidy
#   scripts/lint.sh fix        rewrite the files with clang-format -i
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD=${LINT_BUILD_DIR:-build}
JOBS=${JOBS:-2}
what=${1:-all}

for t in clang-format clang-tidy; do
    command -v "$t" >/dev/null || {
        echo "lint.sh: '$t' not found; run: sudo scripts/install-deps.sh" >&2
        exit 2
    }
done

# Our sources.  ctl/nat64d/ovs_glue.[ch] are left out: they are written
# against OVS's headers in OVS's coding style, as the patch series is.
sources() {
    find ovs-action include ctl tests bench -type f \
        \( -name '*.cpp' -o -name '*.hpp' -o -name '*.cc' -o -name '*.h' -o -name '*.c' \) \
        -not -path '*/build*' -not -name 'ovs_glue.*' 2>/dev/null | sort
}

rc=0

if [[ $what == fix ]]; then
    sources | xargs -r clang-format -i
    echo "lint.sh: formatted $(sources | wc -l) files"
    exit 0
fi

if [[ $what == all || $what == format ]]; then
    echo "== clang-format --dry-run --Werror"
    mapfile -t files < <(sources)
    out=$(clang-format --dry-run --Werror "${files[@]}" 2>&1) || true
    bad=$(printf '%s\n' "$out" | sed -nE 's/^([^:]+):[0-9]+:[0-9]+: error:.*/\1/p' | sort -u)
    nbad=$(printf '%s' "$bad" | grep -c . || true)
    nfind=$(printf '%s\n' "$out" | grep -c ': error: code should be clang-formatted' || true)
    if [[ $nbad -gt 0 ]]; then
        printf '%s\n' "$out" | grep -E ': error: ' | head -n 100
        echo "clang-format: $nfind places in $nbad of ${#files[@]} files need formatting:"
        printf '  %s\n' $bad
        echo "  (scripts/lint.sh fix rewrites them)"
        rc=1
    else
        echo "clang-format: ${#files[@]} files clean"
    fi
fi

if [[ $what == all || $what == tidy ]]; then
    echo "== clang-tidy -p $BUILD"
    if [[ ! -f $BUILD/compile_commands.json ]]; then
        echo "lint.sh: no $BUILD/compile_commands.json; configuring $BUILD"
        cmake -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    fi
    log=$(mktemp)
    # Diagnostics of the compiler itself (-Werror from the build flags) are
    # clang-tidy's business only as far as its own checks go.
    find ovs-action/core -name '*.cpp' | sort |
        xargs -r -P "$JOBS" -n 1 clang-tidy -p "$BUILD" --quiet \
            --extra-arg=-Wno-unknown-warning-option >"$log" 2>&1 || true
    # Headers are reported once per file including them: count unique ones.
    nwarn=$(grep -E ': (warning|error): ' "$log" | sort -u | grep -c . || true)
    nfiles=$(find ovs-action/core -name '*.cpp' | wc -l)
    if [[ $nwarn -gt 0 ]]; then
        grep -E ': (warning|error): ' "$log" | sort -u | head -n 300
        echo "clang-tidy: $nwarn findings in $nfiles files; by check:"
        grep -E ': (warning|error): ' "$log" | sort -u | grep -oE '\[[a-z0-9.,-]+\]$' |
            sort | uniq -c | sort -rn
        rc=1
    else
        echo "clang-tidy: $nfiles files clean"
    fi
    rm -f "$log"
fi

exit $rc
