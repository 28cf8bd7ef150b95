#!/bin/sh
# The README's demo must keep doing what it shows: translate the bundled
# capture and compare every packet's verdict, reason and outputs with the
# reviewed expectation in examples/demo/expected-verdicts.jsonl.
set -eu
nat64ctl=$1
demo=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$nat64ctl" translate --quiet --config "$demo/instance.json" --in "$demo/demo.pcap" \
    --out "$out/out.pcap" --log "$out/verdicts.jsonl"
diff -u "$demo/expected-verdicts.jsonl" "$out/verdicts.jsonl"
echo "demo: $(wc -l < "$out/verdicts.jsonl") verdicts as expected"
