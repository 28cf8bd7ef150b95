# shellcheck shell=bash
# The build tree the demo scripts (scripts/sandbox.sh, scripts/demo.sh)
# run their programs from.  Sourced after scripts/lib/ui.sh, from the
# source tree's root:
#
#   build_tree TARGET...    sets BUILD
#
# NAT64_BUILD_DIR, when set, names a build tree that is used as it is
# (ctest's own).  Otherwise build/ is configured if it has never been and
# TARGETs are brought up to date (the patched Open vSwitch takes a few
# minutes the first time, later builds seconds), so that a script never
# runs stale programs.

# shellcheck disable=SC2034 # BUILD is for the scripts that source this file
build_tree() {
    if [[ -n ${NAT64_BUILD_DIR:-} ]]; then
        BUILD=$NAT64_BUILD_DIR
        return 0
    fi
    BUILD=build
    heading "Building (cmake --build build --target $*)"
    if [[ ! -f build/CMakeCache.txt ]]; then
        local gen=()
        command -v ninja >/dev/null 2>&1 && gen=(-G Ninja)
        cmake -B build "${gen[@]}" -DCMAKE_BUILD_TYPE=Release >/dev/null ||
            die "cmake -B build failed (missing dependencies? run scripts/install-deps.sh)"
    fi
    cmake --build build --target "$@" -j"$(nproc)" >/dev/null ||
        die "building failed; see: cmake --build build --target $*"
}
