#!/usr/bin/env bash
# The test command of ovs-nat64: builds and tests everything, stopping at the
# first failure.  Stages:
#
#   release  Release build in build/, then ctest (unit + conformance tests)
#   asan     Debug build with AddressSanitizer + UBSan in build-asan/, ctest
#   fuzz     clang libFuzzer build (with ASan + UBSan) in build-fuzz/; every
#            fuzz target runs FUZZ_SECONDS, seeded from tests/fuzz/corpus/
#            and from packets tests/fuzz/make_seeds.py writes at test time
#
# It ends with one line "N passed, M failed" counting tests (ctest's counts
# plus one per fuzz target; a build that fails counts as one failed test)
# and exits non-zero if anything failed.  Missing tools are an error, never
# a skipped stage: run scripts/install-deps.sh (as root) first.
#
# Environment:
#   FUZZ_SECONDS  seconds per fuzz target (default 60)
#   JOBS          parallel build and test jobs (default 2)
#   BUILD_PREFIX  build directory names: PREFIX, PREFIX-asan, PREFIX-fuzz
#                 (default "build")
#   STAGES        stages to run (default "release asan fuzz"); a stage left
#                 out is reported as skipped in the summary
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
JOBS=${JOBS:-2}
BUILD_PREFIX=${BUILD_PREFIX:-build}
STAGES=${STAGES:-release asan fuzz}

PASSED=0
FAILED=0
CURRENT=""          # the stage in progress; set while it runs
STAGE_START=0
SUMMARY=()          # one line per stage
T0=$SECONDS

section() { printf '\n==================== %s ====================\n' "$*"; }
note() { printf '[test.sh] %s\n' "$*"; }
fmt_time() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

begin_stage() {
    CURRENT=$1
    STAGE_START=$SECONDS
    section "$1: $2"
}
end_stage() {
    SUMMARY+=("$(printf '%-9s %-7s %8s  %s' "$CURRENT" ok "$(fmt_time $((SECONDS - STAGE_START)))" "$1")")
    CURRENT=""
}

finish() {
    local rc=$?
    if [[ -n $CURRENT ]]; then
        # A stage died (build error, missing tool, failed test): it counts.
        [[ $rc -eq 0 ]] && rc=1
        [[ ${STAGE_COUNTED:-0} -eq 1 ]] || FAILED=$((FAILED + 1))
        SUMMARY+=("$(printf '%-9s %-7s %8s  %s' "$CURRENT" FAILED "$(fmt_time $((SECONDS - STAGE_START)))" "${FAIL_WHY:-see the output above}")")
    fi
    section "summary ($(fmt_time $((SECONDS - T0))) in all)"
    local line
    for line in "${SUMMARY[@]}"; do printf '%s\n' "$line"; done
    [[ $rc -ne 0 ]] && note "FAILED (exit $rc)"
    printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
    exit "$rc"
}
trap finish EXIT

fail() {
    FAIL_WHY=$1
    printf '[test.sh] ERROR: %s\n' "$1" >&2
    exit 1
}
need_tool() {
    command -v "$1" >/dev/null 2>&1 ||
        fail "'$1' not found ($2); install the dependencies: sudo scripts/install-deps.sh"
}
want() { [[ " $STAGES " == *" $1 "* ]]; }

# cmake configure, recreating a cache made with another generator (e.g. a
# plain "cmake -B build" with Makefiles) instead of failing on it.
configure() {
    local dir=$1
    shift
    if [[ -f $dir/CMakeCache.txt ]] && ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$dir/CMakeCache.txt"; then
        note "$dir was configured with another generator; reconfiguring it with Ninja"
        rm -rf "$dir/CMakeCache.txt" "$dir/CMakeFiles"
    fi
    note "cmake -B $dir -G Ninja $*"
    cmake -B "$dir" -G Ninja "$@" ||
        fail "cmake configure of $dir failed (a missing library? run: sudo scripts/install-deps.sh)"
}

build() {
    local dir=$1
    shift
    note "cmake --build $dir -j$JOBS $*"
    cmake --build "$dir" -j"$JOBS" "$@" || fail "build in $dir failed"
}

# Runs ctest in $1 (with the environment assignments in CTEST_ENV) and adds
# its counts to PASSED/FAILED.
CTEST_ENV=()
run_ctest() {
    local dir=$1 log rc=0
    log=$dir/ctest-output.log
    note "ctest --test-dir $dir --output-on-failure -j$JOBS"
    env ${CTEST_ENV[@]+"${CTEST_ENV[@]}"} \
        ctest --test-dir "$dir" --output-on-failure -j"$JOBS" --no-tests=error --timeout 900 2>&1 |
        tee "$log" || rc=$?
    local counts
    counts=$(sed -nE 's/.*tests passed, ([0-9]+) tests? failed out of ([0-9]+).*/\1 \2/p' "$log" | tail -n 1)
    if [[ -n $counts ]]; then
        local failed=${counts% *} total=${counts#* }
        PASSED=$((PASSED + total - failed))
        FAILED=$((FAILED + failed))
        STAGE_COUNTED=1
        CTEST_RESULT="$((total - failed))/$total tests passed"
        [[ $failed -eq 0 && $rc -eq 0 ]] || fail "ctest in $dir: $failed of $total tests failed"
    else
        [[ $rc -eq 0 ]] || fail "ctest in $dir failed (exit $rc) before running tests"
        fail "ctest in $dir printed no test counts"
    fi
    STAGE_COUNTED=0
}

# --- preflight: every tool of every selected stage, before any long build -----
begin_stage preflight "tools"
for s in $STAGES; do
    case $s in
    release | asan | fuzz) ;;
    *) fail "unknown stage '$s' in STAGES (known: release asan fuzz)" ;;
    esac
done
need_tool cmake "cmake"
need_tool ninja "ninja-build"
need_tool ctest "cmake"
need_tool pkg-config "pkg-config"
need_tool c++ "build-essential"
if want fuzz; then
    need_tool clang "clang"
    need_tool clang++ "clang"
    # A Python that has scapy: the default python3 may be another one
    # (pyenv, a venv) than Debian's, which python3-scapy installs into.
    PYTHON=""
    for py in ${PYTHON3:-} python3 /usr/bin/python3; do
        if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import scapy' 2>/dev/null; then
            PYTHON=$(command -v "$py")
            break
        fi
    done
    [[ -n $PYTHON ]] || fail "no python3 with scapy found (python3-scapy); install the dependencies: sudo scripts/install-deps.sh"
    note "python with scapy: $PYTHON"
    # libFuzzer and the sanitizer runtimes come with libclang-rt-14-dev.
    probe=$(mktemp -d)
    printf 'extern "C" int LLVMFuzzerTestOneInput(const char *, unsigned long) { return 0; }\n' >"$probe/p.cpp"
    clang++ -fsanitize=fuzzer,address,undefined "$probe/p.cpp" -o "$probe/p" >"$probe/log" 2>&1 || {
        cat "$probe/log" >&2
        rm -rf "$probe"
        fail "clang cannot link libFuzzer + ASan (libclang-rt-14-dev); install the dependencies: sudo scripts/install-deps.sh"
    }
    rm -rf "$probe"
fi
note "stages: $STAGES; FUZZ_SECONDS=$FUZZ_SECONDS JOBS=$JOBS BUILD_PREFIX=$BUILD_PREFIX CI=${CI:-}"
end_stage "all tools present"

# --- release ------------------------------------------------------------------
if want release; then
    dir=$BUILD_PREFIX
    begin_stage release "Release build ($dir) + ctest"
    configure "$dir" -DCMAKE_BUILD_TYPE=Release
    build "$dir"
    run_ctest "$dir"
    end_stage "$CTEST_RESULT"
else
    SUMMARY+=("$(printf '%-9s %-7s' release skipped) (STAGES=$STAGES)")
fi

# --- asan ---------------------------------------------------------------------
if want asan; then
    dir=$BUILD_PREFIX-asan
    begin_stage asan "ASan + UBSan Debug build ($dir) + ctest"
    configure "$dir" -DCMAKE_BUILD_TYPE=Debug -DNAT64_SANITIZE=ON -DNAT64_BUILD_BENCH=OFF
    build "$dir"
    CTEST_ENV=(
        "ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1}"
        "UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}")
    run_ctest "$dir"
    CTEST_ENV=()
    end_stage "$CTEST_RESULT"
else
    SUMMARY+=("$(printf '%-9s %-7s' asan skipped) (STAGES=$STAGES)")
fi

# --- fuzz ---------------------------------------------------------------------
if want fuzz; then
    dir=$BUILD_PREFIX-fuzz
    begin_stage fuzz "libFuzzer build ($dir), ${FUZZ_SECONDS}s per target"
    # -O1: the usual fuzzing trade-off between speed and useful reports;
    # Debug keeps assertions on.
    configure "$dir" -DNAT64_FUZZ=ON -DNAT64_SANITIZE=ON -DNAT64_BUILD_BENCH=OFF \
        -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
        -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-g -O1" -DCMAKE_CXX_FLAGS_DEBUG="-g -O1"
    build "$dir" --target fuzz_all
    [[ -s $dir/fuzz_targets.txt ]] || fail "$dir/fuzz_targets.txt missing: tests/fuzz/CMakeLists.txt was not configured"

    note "generating seed packets: $PYTHON tests/fuzz/make_seeds.py $dir/seeds"
    rm -rf "$dir/seeds"
    "$PYTHON" tests/fuzz/make_seeds.py "$dir/seeds" || fail "tests/fuzz/make_seeds.py failed"

    mkdir -p "$dir/artifacts"
    fuzz_ok=0
    while read -r target; do
        [[ -n $target ]] || continue
        bin=$dir/bin/$target
        [[ -x $bin ]] || fail "fuzz target $target was not built (is tests/fuzz/$target.cpp missing?)"
        # The first directory collects what the fuzzer finds (in the build
        # tree, never in the repo); the others are read-only seeds.
        corpus=("$dir/corpus/$target")
        mkdir -p "$dir/corpus/$target"
        [[ -d $dir/seeds/$target ]] && corpus+=("$dir/seeds/$target")
        [[ -d $ROOT/tests/fuzz/corpus/$target ]] && corpus+=("$ROOT/tests/fuzz/corpus/$target")
        [[ ${#corpus[@]} -gt 1 ]] || note "WARNING: $target has no seeds; it starts from an empty corpus"
        opts=(-max_total_time="$FUZZ_SECONDS" -timeout=30 -rss_limit_mb=4096 -print_final_stats=1
              -artifact_prefix="$dir/artifacts/$target-")
        [[ -f $ROOT/tests/fuzz/$target.dict ]] && opts+=(-dict="$ROOT/tests/fuzz/$target.dict")
        log=$dir/$target.log
        note "$bin ${opts[*]} ${corpus[*]}"
        t=$SECONDS
        rc=0
        "$bin" "${opts[@]}" "${corpus[@]}" >"$log" 2>&1 || rc=$?
        if [[ $rc -ne 0 ]]; then
            FAILED=$((FAILED + 1))
            STAGE_COUNTED=1
            printf '%s\n' "--- last 80 lines of $log ---"
            tail -n 80 "$log"
            artifact=$(sed -nE 's/.*Test unit written to (.*)$/\1/p' "$log" | tail -n 1)
            [[ -n $artifact ]] && note "reproduce: $bin $artifact"
            fail "fuzz target $target failed (exit $rc) after $((SECONDS - t))s; log: $log"
        fi
        PASSED=$((PASSED + 1))
        fuzz_ok=$((fuzz_ok + 1))
        runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log")
        cov=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | sed -nE 's/.*cov: ([0-9]+) ft: ([0-9]+) corp: ([^ ]+).*/cov \1, features \2, corpus \3/p')
        note "$target: ok, ${runs:-?} runs in $((SECONDS - t))s (${cov:-no stats})"
    done <"$dir/fuzz_targets.txt"
    [[ $fuzz_ok -gt 0 ]] || fail "no fuzz target ran"
    end_stage "$fuzz_ok fuzz targets, ${FUZZ_SECONDS}s each, no crash"
else
    SUMMARY+=("$(printf '%-9s %-7s' fuzz skipped) (STAGES=$STAGES)")
fi
