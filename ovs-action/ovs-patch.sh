#!/bin/sh
# Applies the OVS patch series given as arguments, in order, to the source
# tree in the current directory (ExternalProject's patch step).  A patch that
# does not apply exactly (no fuzz; offsets are fine) stops the build.
set -eu
for p in "$@"; do
    echo "ovs-patch: applying $(basename "$p")"
    patch -p1 --forward --batch --quiet --fuzz=0 --no-backup-if-mismatch < "$p"
done
