#!/usr/bin/env bash
# Builds the Debian 12 packages of ovs-nat64 from a build tree
# (docs/packaging.md):
#
#   ovs-nat64            nat64d, nat64ctl, nat64d.service, man pages, completion
#   ovs-nat64-pve        the Proxmox SDN zone plugin, its GUI panel and
#                        ovs-nat64-sdn-register, registered by dpkg triggers
#   openvswitch-common   Debian's packages of the Open vSwitch version in
#   openvswitch-switch   openvswitch-source with the programs replaced by this
#                        build's patched ones: same paths, units, ifupdown
#                        scripts and maintainer scripts as Debian's, a
#                        version above Debian's, and an apt pin (written by
#                        openvswitch-common's postinst) that keeps apt from
#                        replacing them with Debian's
#
# Usage: packaging/build-debs.sh [--build-dir DIR] [--out DIR] [--debian-debs DIR]
#
#   --build-dir DIR    the build tree (default: build); it must be built
#                      (cmake --build DIR: the debs target does both)
#   --out DIR          where the .deb files go (default: DIR/debs)
#   --debian-debs DIR  where Debian's openvswitch-common and -switch .debs of
#                      openvswitch-source's version are, or are downloaded to
#                      with apt-get download (default: <build-dir>/packaging/debian-debs)
#
# Environment: DEB_MAINTAINER (the packages' Maintainer field),
# SOURCE_DATE_EPOCH (changelog dates; default: the last commit's date).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)
prog="build-debs.sh"

die() {
    printf '%s: ERROR: %s\n' "$prog" "$*" >&2
    exit 1
}
log() { printf '%s: %s\n' "$prog" "$*"; }

build=build
out=
debian_debs=
while [[ $# -gt 0 ]]; do
    case $1 in
    --build-dir) build=${2:?--build-dir needs a directory}; shift ;;
    --out) out=${2:?--out needs a directory}; shift ;;
    --debian-debs) debian_debs=${2:?--debian-debs needs a directory}; shift ;;
    -h | --help)
        sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
        exit 0
        ;;
    *) die "unknown argument '$1' (see --help)" ;;
    esac
    shift
done

for tool in dpkg-deb dpkg-shlibdeps dpkg-query strip gzip md5sum; do
    command -v "$tool" >/dev/null || die "'$tool' not found; run scripts/install-deps.sh"
done
[[ -f $build/CMakeCache.txt ]] || die "--build-dir $build: not a configured build tree"
build=$(cd "$build" && pwd)
out=${out:-$build/debs}
debian_debs=${debian_debs:-$build/packaging/debian-debs}
mkdir -p "$out" "$debian_debs"
out=$(cd "$out" && pwd)

# --- versions and common fields ----------------------------------------------

version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
[[ -n $version ]] || die "no CMAKE_PROJECT_VERSION in $build/CMakeCache.txt"
grep -q '^NAT64_BUILD_OVS:BOOL=ON' "$build/CMakeCache.txt" ||
    die "$build is configured without the patched Open vSwitch (NAT64_BUILD_OVS=OFF)"
grep -Eq '^NAT64_(SANITIZE|FUZZ):BOOL=ON' "$build/CMakeCache.txt" &&
    die "$build is a sanitizer or fuzzing build; package a Release build"
ovs_debian=$(dpkg-query -W -f='${Version}' openvswitch-source 2>/dev/null) ||
    die "openvswitch-source is not installed (the build needs it anyway)"
# Above Debian's own version of the same source, so that apt takes ours;
# the pin that openvswitch-common's postinst writes keeps it over later
# Debian updates.
ovs_version=$ovs_debian+nat64.$version
# no published address yet: an RFC 2606 .invalid one says so (DEB_MAINTAINER)
maintainer=${DEB_MAINTAINER:-ovs-nat64 developers <maintainers@ovs-nat64.invalid>}
[[ $maintainer == *'<'*@*'>' && $maintainer != *$'\n'* ]] ||
    die "DEB_MAINTAINER '$maintainer': expected 'Name <address>'"
# shellcheck disable=SC2001 # escaping for sed is clearest with sed
maintainer_sed=$(sed 's/[\\|&]/\\&/g' <<<"$maintainer") # for a sed replacement
if [[ -z ${SOURCE_DATE_EPOCH:-} ]]; then
    SOURCE_DATE_EPOCH=$(git -C "$src" log -1 --format=%ct 2>/dev/null || date +%s)
fi
export SOURCE_DATE_EPOCH
changelog_date=$(LC_ALL=C date -u -R -d "@$SOURCE_DATE_EPOCH")
commit=$(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)
arch=$(dpkg --print-architecture)

need_file() { [[ -f $1 ]] || die "$1 missing: build first (cmake --build $build --target debs)"; }
for f in bin/nat64d bin/nat64ctl share/man/man8/nat64ctl.8 share/man/man8/nat64d.8 \
    share/man/man8/ovs-nat64-sdn-register.8 share/bash-completion/completions/nat64ctl; do
    need_file "$build/$f"
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- helpers -------------------------------------------------------------------

# put SRC DEST MODE: copy into the package tree, creating directories 0755
put() {
    install -D -m "$3" "$1" "$2"
}
# put_gz SRC DEST: gzip -9n, as Debian's man pages and docs are
put_gz() {
    mkdir -p "$(dirname "$2")"
    gzip -9nc "$1" >"$2"
    chmod 0644 "$2"
}
# put_elf SRC DEST: a stripped copy of a program
put_elf() {
    mkdir -p "$(dirname "$2")"
    strip --strip-unneeded --remove-section=.comment --remove-section=.note -o "$2" "$1"
    chmod 0755 "$2"
}
is_elf() { [[ $(head -c4 "$1" | od -An -c | tr -d ' ') == 177ELF ]]; }
# shlibs_depends -eFILE...: the Depends that dpkg-shlibdeps computes for them
shlibs_depends() {
    local d=$work/shlibdeps
    mkdir -p "$d/debian"
    printf 'Source: ovs-nat64\n\nPackage: ovs-nat64\nArchitecture: any\n' >"$d/debian/control"
    (cd "$d" && dpkg-shlibdeps -O "$@") | sed -n 's/^shlibs:Depends=//p'
}
# changelog PACKAGE VERSION TEXT: a Debian changelog entry
changelog() {
    printf '%s (%s) bookworm; urgency=medium\n\n  * %s\n\n -- %s  %s\n' \
        "$1" "$2" "$3" "$maintainer" "$changelog_date"
}
# finish TREE: md5sums (without the conffiles: dpkg keeps theirs itself, as
# dh_md5sums does), Installed-Size, permissions; then build the .deb
finish() {
    local tree=$1 name size
    (cd "$tree" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' |
        LC_ALL=C sort -z | xargs -0r md5sum) >"$work/md5sums"
    if [[ -f $tree/DEBIAN/conffiles ]]; then
        # md5sum lines: 32 hex digits, 2 spaces, the path from column 35
        awk 'NR == FNR { conf[substr($0, 2)] = 1; next } !(substr($0, 35) in conf)' \
            "$tree/DEBIAN/conffiles" "$work/md5sums" >"$tree/DEBIAN/md5sums"
    else
        cp "$work/md5sums" "$tree/DEBIAN/md5sums"
    fi
    chmod 0644 "$tree/DEBIAN/md5sums"
    size=$(du -sk --exclude=DEBIAN "$tree" | cut -f1)
    sed -i "/^Installed-Size:/d; /^Package:/a Installed-Size: $size" "$tree/DEBIAN/control"
    find "$tree" -type d -exec chmod 0755 {} +
    name=$(sed -n 's/^Package: //p' "$tree/DEBIAN/control")_$(sed -n 's/^Version: //p' "$tree/DEBIAN/control")_$(sed -n 's/^Architecture: //p' "$tree/DEBIAN/control").deb
    dpkg-deb --root-owner-group -Zxz --build "$tree" "$out/$name" >/dev/null
    log "built $out/$name"
}
# control TEMPLATE > control: @VAR@ replaced
control() {
    sed -e "s|@VERSION@|$version|g" -e "s|@OVS_VERSION@|$ovs_version|g" \
        -e "s|@ARCH@|$arch|g" -e "s|@MAINTAINER@|$maintainer_sed|g" \
        -e "s|@DEPENDS@|${depends:-}|g" "$1"
}
# doc_files PACKAGE TREE: copyright and changelog
doc_files() {
    local doc=$2/usr/share/doc/$1
    put "$here/copyright" "$doc/copyright" 0644
    changelog "$1" "$version" "Built from ovs-nat64 $commit." >"$work/changelog"
    put_gz "$work/changelog" "$doc/changelog.gz"
}

# earlier builds of these four, nothing else that may be there
rm -f "$out"/ovs-nat64_*.deb "$out"/ovs-nat64-pve_*.deb "$out"/openvswitch-common_*+nat64.*.deb \
    "$out"/openvswitch-switch_*+nat64.*.deb

# --- ovs-nat64 -------------------------------------------------------------------

t=$work/ovs-nat64
put_elf "$build/bin/nat64d" "$t/usr/bin/nat64d"
put_elf "$build/bin/nat64ctl" "$t/usr/bin/nat64ctl"
put "$src/ctl/nat64d/nat64d.service" "$t/lib/systemd/system/nat64d.service" 0644
put_gz "$build/share/man/man8/nat64d.8" "$t/usr/share/man/man8/nat64d.8.gz"
put_gz "$build/share/man/man8/nat64ctl.8" "$t/usr/share/man/man8/nat64ctl.8.gz"
put "$build/share/bash-completion/completions/nat64ctl" \
    "$t/usr/share/bash-completion/completions/nat64ctl" 0644
doc_files ovs-nat64 "$t"
for d in README.md docs/proxmox.md docs/reference.md docs/design.md docs/packaging.md; do
    put_gz "$src/$d" "$t/usr/share/doc/ovs-nat64/$(basename "$d").gz"
done
mkdir -p "$t/DEBIAN"
depends=$(shlibs_depends -e"$t/usr/bin/nat64d" -e"$t/usr/bin/nat64ctl")
[[ -n $depends ]] || die "dpkg-shlibdeps found no libraries for nat64d and nat64ctl"
control "$here/ovs-nat64/control.in" >"$t/DEBIAN/control"
for s in postinst prerm postrm; do
    put "$here/ovs-nat64/$s" "$t/DEBIAN/$s" 0755
done
finish "$t"

# --- ovs-nat64-pve -------------------------------------------------------------

t=$work/ovs-nat64-pve
put "$src/sdn-plugin/PVE/Network/SDN/Zones/Ipv6OnlyPlugin.pm" \
    "$t/usr/share/perl5/PVE/Network/SDN/Zones/Ipv6OnlyPlugin.pm" 0644
put "$src/sdn-plugin/gui/Ipv6OnlyEdit.js" "$t/usr/share/ovs-nat64/sdn-plugin/Ipv6OnlyEdit.js" 0644
put "$src/sdn-plugin/ovs-nat64-sdn-register" "$t/usr/sbin/ovs-nat64-sdn-register" 0755
put_gz "$build/share/man/man8/ovs-nat64-sdn-register.8" \
    "$t/usr/share/man/man8/ovs-nat64-sdn-register.8.gz"
doc_files ovs-nat64-pve "$t"
mkdir -p "$t/DEBIAN"
depends=
control "$here/ovs-nat64-pve/control.in" >"$t/DEBIAN/control"
for s in postinst prerm; do
    put "$here/ovs-nat64-pve/$s" "$t/DEBIAN/$s" 0755
done
put "$here/ovs-nat64-pve/triggers" "$t/DEBIAN/triggers" 0644
finish "$t"

# --- openvswitch-common, openvswitch-switch ----------------------------------------
#
# Debian's binary packages of exactly openvswitch-source's version, with
# every program replaced by the patched one built from that source: what
# the packages install and do (units, ifupdown hooks, ovs-ctl, maintainer
# scripts, conffiles) stays Debian's.

fetch_debian() {
    local pkg=$1 deb
    deb=$debian_debs/${pkg}_${ovs_debian//:/%3a}_$arch.deb
    if [[ ! -f $deb ]]; then
        log "downloading Debian's $pkg $ovs_debian (apt-get download)" >&2
        (cd "$debian_debs" && apt-get download -q "$pkg=$ovs_debian" 2>&1 | grep -v '^W: Download is performed unsandboxed') >&2 || true
        [[ -f $deb ]] || die "could not download $pkg $ovs_debian into $debian_debs" \
            "(apt-get update? or put the .deb there and use --debian-debs)"
    fi
    printf '%s\n' "$deb"
}

repack() {
    local pkg=$1 deb t f name replaced=0 shlibs
    deb=$(fetch_debian "$pkg")
    t=$work/$pkg
    dpkg-deb -R "$deb" "$t"
    # every ELF file must be a program this build made from the same source
    while IFS= read -r -d '' f; do
        is_elf "$f" || continue
        # build/bin has the patched programs (ovs-action/ovs-build.cmake)
        name=$(basename "$f")
        [[ -x $build/bin/$name ]] ||
            die "$pkg: Debian's $name has no counterpart in $build/bin (add it to ovs-action/ovs-build.cmake)"
        put_elf "$build/bin/$name" "$f"
        replaced=$((replaced + 1))
    done < <(find "$t" -path "$t/DEBIAN" -prune -o -type f -print0)
    [[ $replaced -gt 0 ]] || die "$pkg: no programs found to replace"
    log "$pkg: $replaced programs replaced with the patched ones"

    # Dependencies: Debian's, plus what the translator core adds (the C++
    # runtime), as dpkg-shlibdeps computes it for the new programs.
    local elves=()
    while IFS= read -r -d '' f; do
        is_elf "$f" && elves+=("-e$f")
    done < <(find "$t" -path "$t/DEBIAN" -prune -o -type f -print0)
    shlibs=$(shlibs_depends "${elves[@]}")
    local deps add dep names
    deps=$(sed -n 's/^Depends: //p' "$t/DEBIAN/control")
    # the package names in Debian's Depends, one a line (alternatives too)
    names=$(printf '%s\n' "$deps" | sed 's/[,|]/\n/g' | sed 's/^ *//; s/[ (:].*//')
    add=
    IFS=',' read -ra shl <<<"$shlibs"
    for dep in "${shl[@]}"; do
        dep=${dep# }
        grep -qxF "${dep%% *}" <<<"$names" || add="$add, $dep"
    done
    deps=${deps//"openvswitch-common (= $ovs_debian)"/"openvswitch-common (= $ovs_version)"}
    sed -i -e "s|^Depends: .*|Depends: ${deps//|/\\|}$add|" \
        -e "s|^Version: .*|Version: $ovs_version|" \
        -e "s|^Maintainer: .*|Maintainer: $maintainer_sed|" \
        -e "s|^Source: openvswitch$|Source: openvswitch ($ovs_debian)|" \
        "$t/DEBIAN/control"
    # the description says what this build is
    printf ' .\n This build has the programs built with the ovs-nat64 patch series\n (the nat64 OpenFlow action), from ovs-nat64 %s.\n' \
        "$commit" >>"$t/DEBIAN/control"

    # Debian's changelog, with this build on top
    f=$t/usr/share/doc/$pkg/changelog.Debian.gz
    { changelog openvswitch "$ovs_version" "$(printf '%s\n    %s' \
        "Programs rebuilt from openvswitch-source $ovs_debian with the" \
        "ovs-nat64 patch series (ovs-nat64 $version, $commit).")"
      echo
      zcat "$f"; } >"$work/changelog"
    put_gz "$work/changelog" "$f"
    cat "$here/openvswitch/copyright-addendum" >>"$t/usr/share/doc/$pkg/copyright"

    # What lintian says of a change on purpose: a revision that extends
    # Debian's
    {
        printf '# ovs-nat64: a version above Debian %s, made by appending to its revision\n' "$ovs_debian"
        printf '%s: debian-revision-not-well-formed %s\n' "$pkg" "$ovs_version"
    } >>"$t/usr/share/lintian/overrides/$pkg"

    # Debian's purge removes the /etc/openvswitch/conf.db symlink but leaves
    # the database it points to; ours removes that too
    if [[ $pkg == openvswitch-switch ]]; then
        local postrm
        postrm=$(<"$t/DEBIAN/postrm") # without the trailing blank lines
        [[ $postrm == *$'\nexit 0' ]] ||
            die "$pkg: Debian's postrm does not end in 'exit 0'; check packaging/openvswitch/postrm-purge"
        printf '%s\n%s\nexit 0\n' "${postrm%exit 0}" "$(<"$here/openvswitch/postrm-purge")" >"$t/DEBIAN/postrm"
    fi

    # The apt pin that keeps this build (packaging/openvswitch/common-postinst);
    # Debian's openvswitch-common has no maintainer scripts to merge with
    if [[ $pkg == openvswitch-common ]]; then
        local s
        for s in postinst postrm; do
            [[ ! -e $t/DEBIAN/$s ]] ||
                die "$pkg: Debian's package now has a $s; merge packaging/openvswitch/common-$s into it"
            put "$here/openvswitch/common-$s" "$t/DEBIAN/$s" 0755
        done
    fi
    finish "$t"
}

repack openvswitch-common
repack openvswitch-switch

log "done: $(cd "$out" && echo *.deb)"
