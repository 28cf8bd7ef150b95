#!/bin/sh
# Translates the bundled demo capture with nat64ctl and shows the result.
#
#   scripts/demo-translate.sh [OUTDIR]
#
# Builds the project first if $BUILD/bin/nat64ctl is missing (BUILD defaults
# to build; set NAT64_BUILD_DIR to use another build tree).  OUTDIR (default:
# a new temporary directory) receives demo-out.pcap and verdicts.jsonl.  The
# scenario is described in examples/demo/make_demo_pcap.py.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${NAT64_BUILD_DIR:-build}

# Only nat64ctl: the demo needs no Open vSwitch.  Always run the build so a
# changed source is never demonstrated with a stale binary (a no-op when up
# to date).
echo "== building nat64ctl (cmake -B $build && cmake --build $build --target nat64ctl -j2)"
[ -f "$build/CMakeCache.txt" ] || cmake -B "$build"
cmake --build "$build" --target nat64ctl -j2

out=${1:-$(mktemp -d "${TMPDIR:-/tmp}/nat64-demo.XXXXXX")}
mkdir -p "$out"

echo "== translating examples/demo/demo.pcap through examples/demo/instance.json"
"$build/bin/nat64ctl" translate \
    --config examples/demo/instance.json \
    --in examples/demo/demo.pcap \
    --out "$out/demo-out.pcap" \
    --log "$out/verdicts.jsonl" \
    --verbose

if command -v tcpdump >/dev/null 2>&1; then
    echo
    echo "== input (tcpdump -nr examples/demo/demo.pcap)"
    tcpdump -nr examples/demo/demo.pcap 2>/dev/null
    echo
    echo "== output (tcpdump -nr $out/demo-out.pcap)"
    tcpdump -nr "$out/demo-out.pcap" 2>/dev/null
fi

echo
echo "== files"
echo "translated capture: $out/demo-out.pcap"
echo "verdicts:           $out/verdicts.jsonl"
