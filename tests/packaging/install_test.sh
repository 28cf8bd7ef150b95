#!/usr/bin/env bash
# The Debian packages, installed as an admin would: packaging/build-debs.sh
# builds them from BUILD_DIR, lintian checks them, and they go into a clean
# Debian 12 root (debootstrap from Debian's repository, chroot) through apt:
#
#   - files, versions, man pages, completion, nat64d.service enabled,
#     nat64ctl/nat64d --version;
#   - the patched Open vSwitch at Debian's paths: Debian's ovs-ctl starts
#     the packaged ovsdb-server, ovs-vswitchd runs with its built-in defaults,
#     a nat64 flow is accepted and printed back, nat64d --once talks to both;
#   - the apt pin: a higher Debian version of openvswitch-* in a repository
#     does not replace the patched build;
#   - registration by dpkg triggers: installing, then upgrading a stand-in
#     libpve-network-perl (tests/sdn-plugin/synthetic_pve.sh) registers the
#     ipv6only zone type each time; removal refuses while a zone exists;
#   - upgrade over itself (reinstall), remove and install again, then purge:
#     the root is as before.
#
# Usage (as root): tests/packaging/install_test.sh BUILD_DIR
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian).
# Needs root, debootstrap, lintian, dpkg-dev and Debian's repository; a
# missing one is a failure, never a skip.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
repo=$(pwd)
build=${1:?usage: install_test.sh BUILD_DIR}
build=$(cd "$build" && pwd)
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

failures=0
checks=0
ok() {
    checks=$((checks + 1))
    echo "ok - $*"
}
not_ok() {
    checks=$((checks + 1))
    failures=$((failures + 1))
    echo "not ok - $*"
}
check() {
    local desc=$1
    shift
    if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
# check_out: check, and on failure show the output of the last run
check_out() {
    local desc=$1
    shift
    if "$@"; then ok "$desc"; else
        not_ok "$desc"
        show
    fi
}
bail() {
    echo "Bail out! $*"
    exit 1
}

[[ $(id -u) -eq 0 ]] || bail "must run as root (debootstrap, chroot)"
for t in debootstrap lintian dpkg-deb dpkg-scanpackages chroot unshare mount; do
    command -v "$t" >/dev/null || bail "'$t' not found; run scripts/install-deps.sh"
done

tmp=$(mktemp -d /var/tmp/ovs-nat64-install-test.XXXXXX)
root=$tmp/root
mounted=()
cleanup() {
    local m i
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
        m=${mounted[i]}
        umount -l "$m" 2>/dev/null || true
    done
    # never rm across a mount that is still there
    if ! grep -q " $tmp/" /proc/mounts; then
        rm -rf "$tmp"
    else
        echo "# left $tmp: still mounted" >&2
    fi
}
trap cleanup EXIT

# in_root CMD...: run in the chroot
in_root() {
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"
}
# run CMD...: sets $out (stdout+stderr) and $rc
run() {
    set +e
    out=$("$@" 2>&1)
    rc=$?
    set -e
}
show() { printf '%s\n' "$out" | sed 's/^/#   /'; }

# --- build and lint -------------------------------------------------------------

debs=$tmp/debs
run "$repo/packaging/build-debs.sh" --build-dir "$build" --out "$debs"
[[ $rc -eq 0 ]] || {
    show
    bail "packaging/build-debs.sh failed"
}
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
arch=$(dpkg --print-architecture)
ovs_debian=$(dpkg-query -W -f='${Version}' openvswitch-source)
ovs_version=$ovs_debian+nat64.$version
for p in "ovs-nat64_${version}_${arch}" "ovs-nat64-pve_${version}_all" \
    "openvswitch-common_${ovs_version}_${arch}" "openvswitch-switch_${ovs_version}_${arch}"; do
    check "built $p.deb" test -f "$debs/$p.deb"
done

run lintian --fail-on error,warning "$debs"/ovs-nat64*.deb
check_out "lintian: no errors or warnings for ovs-nat64 and ovs-nat64-pve" test "$rc" -eq 0
# Debian's own packages have these two warnings; everything else counts
run lintian --fail-on error,warning --suppress-tags executable-not-elf-or-script,no-manual-page \
    "$debs"/openvswitch-*.deb
check_out "lintian: no errors or warnings for openvswitch-* but Debian's own" test "$rc" -eq 0

# --- a clean Debian 12 root ----------------------------------------------------------

run debootstrap --variant=minbase bookworm "$root" "$mirror"
[[ $rc -eq 0 ]] || {
    show
    bail "debootstrap from $mirror failed"
}
printf '#!/bin/sh\n# no daemons start in the test root\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"
for m in proc dev; do
    mount --rbind "/$m" "$root/$m"
    mount --make-rslave "$root/$m"
    mounted+=("$root/$m")
done
cp /etc/resolv.conf "$root/etc/resolv.conf"
run in_root apt-get update -q
[[ $rc -eq 0 ]] || {
    show
    bail "apt-get update in the test root failed"
}

# What the packages need from Debian, installed first, so that the root can
# be compared before and after: the packages' own dependencies minus each
# other, plus what the test itself uses: iproute2, and ifupdown2, which
# brings up the OVS bridge stanza the zone plugin writes (Proxmox VE uses
# its own build of ifupdown2, with the same openvswitch addon).
deps=()
for d in "$debs"/*.deb; do
    while IFS= read -r dep; do
        [[ -n $dep ]] && deps+=("$dep")
    done < <(dpkg-deb -f "$d" Pre-Depends Depends | sed 's/^[A-Za-z-]*: //' | tr ',' '\n' |
        sed 's/^ *//; s/ *$//' | grep -Ev '^(ovs-nat64|openvswitch-common|openvswitch-switch)( |$)')
done
deps_list=$(printf '%s, ' "${deps[@]}" iproute2 ifupdown2)
run in_root apt-get satisfy -y -q --no-install-recommends "${deps_list%, }"
[[ $rc -eq 0 ]] || {
    show
    bail "installing the dependencies from Debian failed"
}

# snapshot: every path with type, mode and content hash, but for the state
# that apt/dpkg keep of themselves and what changes with any run
snapshot() {
    local skip=(\( -path ./proc -o -path ./dev -o -path ./tmp -o -path ./run -o -path ./var/lib/dpkg
        -o -path ./var/lib/apt -o -path ./var/cache -o -path ./var/log -o -path ./var/tmp \) -prune -o)
    (cd "$root" && find . -xdev "${skip[@]}" -printf '%y %m %p\n' | LC_ALL=C sort) >"$1"
    (cd "$root" && find . -xdev "${skip[@]}" -type f -print0 | LC_ALL=C sort -z | xargs -0r md5sum) >>"$1"
}
snapshot "$tmp/before"

# --- install -------------------------------------------------------------------

mkdir -p "$root/tmp/debs"
cp "$debs"/*.deb "$root/tmp/debs/"
install_all() {
    run in_root apt-get install -y -q --no-install-recommends "$@" \
        "/tmp/debs/ovs-nat64_${version}_${arch}.deb" "/tmp/debs/ovs-nat64-pve_${version}_all.deb" \
        "/tmp/debs/openvswitch-common_${ovs_version}_${arch}.deb" \
        "/tmp/debs/openvswitch-switch_${ovs_version}_${arch}.deb"
}
install_all
check_out "apt-get install of the 4 packages exits 0" test "$rc" -eq 0
check_out "without pve-network, the plugin's postinst says when it will register" \
    grep -q "libpve-network-perl) is not installed" <<<"$out"

# shellcheck disable=SC2016 # dpkg-query's format, not the shell's
installed_version() { in_root dpkg-query -W -f='${db:Status-Status} ${Version}' "$1"; }
for p in ovs-nat64 ovs-nat64-pve; do
    check "$p $version installed" test "$(installed_version $p)" = "installed $version"
done
for p in openvswitch-common openvswitch-switch; do
    check "$p $ovs_version installed (the patched build, not Debian's)" \
        test "$(installed_version $p)" = "installed $ovs_version"
done

for f in /usr/bin/nat64d /usr/bin/nat64ctl /lib/systemd/system/nat64d.service \
    /usr/share/man/man8/nat64d.8.gz /usr/share/man/man8/nat64ctl.8.gz \
    /usr/share/man/man8/ovs-nat64-sdn-register.8.gz /usr/share/bash-completion/completions/nat64ctl \
    /usr/share/perl5/PVE/Network/SDN/Zones/Ipv6OnlyPlugin.pm /usr/sbin/ovs-nat64-sdn-register \
    /usr/share/ovs-nat64/sdn-plugin/Ipv6OnlyEdit.js /usr/share/doc/ovs-nat64/copyright \
    /etc/apt/preferences.d/ovs-nat64-openvswitch.pref; do
    check "installed: $f" test -f "$root$f"
done
check "the apt pin is not a conffile (it must not outlive the patched build)" \
    bash -c "! grep -q ovs-nat64-openvswitch.pref '$root/var/lib/dpkg/info/openvswitch-common.conffiles' 2>/dev/null"
for m in nat64d nat64ctl ovs-nat64-sdn-register; do
    check "man page $m(8) is a man page" bash -c "zcat '$root/usr/share/man/man8/$m.8.gz' | grep -q '^\.TH'"
done
check "no apt hook in the package (dpkg triggers instead)" test ! -e "$root/etc/apt/apt.conf.d/80ovs-nat64-sdn"
run in_root nat64ctl --version
check_out "nat64ctl --version says $version" test "$out" = "nat64ctl $version"
run in_root nat64d --version
check_out "nat64d --version says $version" test "$out" = "nat64d $version"
run in_root bash -c '. /usr/share/bash-completion/completions/nat64ctl && complete -p nat64ctl'
check_out "bash completion registers for nat64ctl" test "$rc" -eq 0

# units: enabled by the maintainer scripts (deb-systemd-helper; no systemd runs here)
wants=$root/etc/systemd/system/multi-user.target.wants
check "nat64d.service enabled" test "$(readlink "$wants/nat64d.service")" = /lib/systemd/system/nat64d.service
check "openvswitch-switch.service enabled (Debian's postinst, unchanged)" test -L "$wants/openvswitch-switch.service"
check "Debian's ifupdown hook for OVS bridges is there" test "$(readlink "$root/etc/network/if-pre-up.d/openvswitch")" = /usr/share/openvswitch/scripts/ifupdown.sh

# every program in openvswitch-* is the patched one: it carries the nat64 action
for p in /usr/lib/openvswitch-switch/ovs-vswitchd /usr/bin/ovs-ofctl /usr/sbin/ovsdb-server; do
    check "$p is the patched build" grep -q 'nat64(instance' "$root$p"
done

# --- the patched Open vSwitch at Debian's paths ------------------------------------

# ovs-ctl (Debian's script) starts ovsdb-server with Debian's database path;
# ovs-vswitchd with no options finds it at its built-in default socket.
# ifupdown2 brings up a VNet's bridge from the stanza the zone plugin
# writes (its fixture one-vnet, as tests/sdn-plugin checks it).  In a
# network namespace of its own, so the bridges' taps stay there.
cp "$repo/tests/sdn-plugin/zones/ipv6only/one-vnet/expected_sdn_interfaces" "$root/tmp/sdn-interfaces"
ovs_session() {
    # shellcheck disable=SC2016 # expanded in the chroot
    unshare --net -- chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 bash -c '
        set -e
        /usr/share/openvswitch/scripts/ovs-ctl --no-ovs-vswitchd --system-id=random start
        ovs-vswitchd --pidfile --detach --log-file
        trap "ovs-appctl -t ovs-vswitchd exit || true; /usr/share/openvswitch/scripts/ovs-ctl --no-ovs-vswitchd stop || true" EXIT
        ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev
        ovs-ofctl add-flow br0 "priority=10,ip,actions=nat64(instance=7,table=1)"
        echo "FLOWS:"; ovs-ofctl dump-flows br0
        echo "FEATURES:"; ovs-appctl dpif/show-dp-features br0
        mkdir -p /run/network
        ifup -i /tmp/sdn-interfaces vnet1 2>&1 && echo "ifup exit 0" || echo "ifup failed"
        echo "VNET1 $(ovs-vsctl get bridge vnet1 datapath_type) $(ovs-vsctl get bridge vnet1 fail_mode)"
        ip -6 addr show dev vnet1
        mkdir -p /etc/pve/sdn
        echo "NAT64D:"; nat64d --once --node node1 2>&1; echo "nat64d exit $?"
        echo "DB: $(ls /etc/openvswitch/conf.db)"
    '
}
run ovs_session
check_out "ovs-ctl + ovs-vswitchd at Debian's paths: a nat64 flow is printed back" \
    grep -q 'actions=nat64(instance=7,table=1)' <<<"$out"
check_out "the userspace datapath reports the nat64 action" grep -qi 'nat64.*yes' <<<"$out"
check_out "ifupdown2 brings up the zone plugin's bridge stanza (ifup exits 0)" grep -qx 'ifup exit 0' <<<"$out"
check_out "... a userspace-datapath bridge in fail mode secure" grep -qx 'VNET1 netdev secure' <<<"$out"
check_out "... with the gateway address" grep -q 'inet6 2001:db8:1::1/64' <<<"$out"
check_out "nat64d --once (built-in defaults) talks to the packaged OVS and exits 0" grep -qx 'nat64d exit 0' <<<"$out"
check_out "the database is Debian's /etc/openvswitch/conf.db" grep -q 'DB: /etc/openvswitch/conf.db' <<<"$out"

# --- the pin ------------------------------------------------------------------------

# A repository with a higher Debian version of openvswitch-* (Debian's own
# packages, version raised): apt must keep the patched build.
fake=$root/tmp/newer-debian
mkdir -p "$fake"
for p in openvswitch-common openvswitch-switch; do
    d=$tmp/newer-$p
    dpkg-deb -R "$build/packaging/debian-debs/${p}_${ovs_debian}_${arch}.deb" "$d"
    sed -i "s/^Version: .*/Version: ${ovs_debian}9/; s/(= $ovs_debian)/(= ${ovs_debian}9)/" "$d/DEBIAN/control"
    dpkg-deb --root-owner-group -Zgzip --build "$d" "$fake/" >/dev/null
done
(cd "$fake" && dpkg-scanpackages . /dev/null >Packages 2>/dev/null)
# ... that says it is Debian's, as the pin recognises Debian's versions
printf 'Origin: Debian\nLabel: Debian\nSuite: newer\nCodename: newer\nSHA256:\n %s %s Packages\n' \
    "$(sha256sum <"$fake/Packages" | cut -d' ' -f1)" "$(stat -c %s "$fake/Packages")" >"$fake/Release"
echo "deb [trusted=yes] file:/tmp/newer-debian ./" >"$root/etc/apt/sources.list.d/newer-debian.list"
run in_root apt-get update -q
run in_root apt-get -s dist-upgrade
no_ovs_upgrade() { [[ $rc -eq 0 ]] && ! grep -q '^Inst openvswitch' <<<"$out"; }
check_out "apt dist-upgrade would not replace the patched openvswitch with Debian's ${ovs_debian}9" \
    no_ovs_upgrade
run in_root apt-cache policy openvswitch-switch
policy_keeps_ours() { grep -q "${ovs_debian}9 50" <<<"$out" && grep -q "Candidate: $ovs_version" <<<"$out"; }
check_out "apt-cache policy: the newer version is offered at 50, the candidate is the patched build" \
    policy_keeps_ours
rm -rf "$fake" "$root/etc/apt/sources.list.d/newer-debian.list"
run in_root apt-get update -q

# --- registration by dpkg triggers -----------------------------------------------------

# shellcheck source=tests/sdn-plugin/synthetic_pve.sh
. "$repo/tests/sdn-plugin/synthetic_pve.sh"
# standin_deb VERSION: a libpve-network-perl with the synthetic Zones.pm, the
# stand-in modules the plugin uses, and pve-manager's pvemanagerlib.js
standin_deb() {
    local d=$tmp/standin-$1 z=usr/share/perl5/PVE/Network/SDN/Zones p
    mkdir -p "$d/DEBIAN" "$d/$z" "$d/usr/share/pve-manager/js"
    cp -r "$repo/tests/sdn-plugin/stand-in/PVE" "$d/usr/share/perl5/"
    zones_pm without >"$d/usr/share/perl5/PVE/Network/SDN/Zones.pm"
    for p in Vlan Evpn Simple; do
        stub_plugin "${p}Plugin" "sub type { return '${p,,}'; }" >"$d/$z/${p}Plugin.pm"
    done
    managerlib_js >"$d/usr/share/pve-manager/js/pvemanagerlib.js"
    printf 'Package: libpve-network-perl\nVersion: %s\nArchitecture: all\nMaintainer: ovs-nat64 tests <tests@localhost>\nDescription: stand-in for the install test\n' \
        "$1" >"$d/DEBIAN/control"
    dpkg-deb --root-owner-group --build "$d" "$root/tmp/standin-$1.deb" >/dev/null
}
standin_deb 0.9.9+standin1
standin_deb 0.9.9+standin2
zones=$root/usr/share/perl5/PVE/Network/SDN/Zones.pm
js=$root/usr/share/pve-manager/js/pvemanagerlib.js
registered() {
    [[ $(grep -c '# ovs-nat64$' "$zones") -eq 2 ]] &&
        grep -q '^// BEGIN ovs-nat64 ipv6only zone' "$js" &&
        in_root ovs-nat64-sdn-register check >/dev/null 2>&1
}

run in_root dpkg -i /tmp/standin-0.9.9+standin1.deb
check_out "installing libpve-network-perl after ovs-nat64-pve: the trigger registers the zone type" registered
run in_root dpkg -i /tmp/standin-0.9.9+standin2.deb
check_out "upgrading libpve-network-perl (new Zones.pm): the trigger registers it again" registered
run in_root perl -e 'require PVE::Network::SDN::Zones; print join(",", @{PVE::Network::SDN::Zones::Plugin->lookup_types()}), "\n"'
check_out "pve-network loads with the zone type ipv6only among its types" test "$out" = "evpn,ipv6only,simple,vlan"

# --- upgrade over itself --------------------------------------------------------------

install_all --reinstall
check_out "reinstalling the 4 packages (upgrade over itself) exits 0" test "$rc" -eq 0
check "... the zone type is still registered" registered
check "... nat64d.service still enabled" test -L "$wants/nat64d.service"
run in_root dpkg --verify ovs-nat64 ovs-nat64-pve openvswitch-common openvswitch-switch
check_out "dpkg --verify: every installed file as packaged" test -z "$out" -a "$rc" -eq 0

# --- remove (not purge), then install again -------------------------------------------

standin_zones=$tmp/standin-0.9.9+standin2/usr/share/perl5/PVE/Network/SDN/Zones.pm
run in_root apt-get remove -y -q ovs-nat64-pve ovs-nat64
check_out "apt-get remove of ovs-nat64-pve and ovs-nat64 exits 0" test "$rc" -eq 0
check "... Zones.pm is pve-network's again" cmp -s "$zones" "$standin_zones"
check "... the plugin module is gone" test ! -e "$root/usr/share/perl5/PVE/Network/SDN/Zones/Ipv6OnlyPlugin.pm"
check "... nat64d.service is masked while removed" test "$(readlink "$root/etc/systemd/system/nat64d.service")" = /dev/null
install_all
check_out "installing them again exits 0" test "$rc" -eq 0
check "... nat64d.service unmasked" test ! -e "$root/etc/systemd/system/nat64d.service"
check "... and enabled" test -L "$wants/nat64d.service"
check "... and the zone type registered" registered

# --- removal with a zone, then purge ----------------------------------------------------

mkdir -p "$root/etc/pve/sdn"
printf 'ipv6only: v6zone\n\tnat64-prefix 64:ff9b::/96\n\n' >"$root/etc/pve/sdn/zones.cfg"
run in_root apt-get remove -y -q ovs-nat64-pve
check_out "removing ovs-nat64-pve refuses while an ipv6only zone exists" test "$rc" -ne 0
check_out "... naming the zone" grep -q 'v6zone' <<<"$out"
check "... and the plugin stays installed" test "$(installed_version ovs-nat64-pve)" = "installed $version"
check "... and registered" registered
rm -rf "$root/etc/pve"

cp "$zones" "$tmp/zones-registered"
run in_root apt-get purge -y -q ovs-nat64-pve ovs-nat64 openvswitch-switch openvswitch-common
check_out "apt-get purge of the 4 packages exits 0" test "$rc" -eq 0
check "Zones.pm is pve-network's again (registration removed)" cmp -s "$zones" "$standin_zones"
check "pvemanagerlib.js is pve-manager's again" cmp -s "$js" "$tmp/standin-0.9.9+standin2/usr/share/pve-manager/js/pvemanagerlib.js"
run in_root dpkg --purge libpve-network-perl
snapshot "$tmp/after"
run diff "$tmp/before" "$tmp/after"
check_out "after purge the root is as before the installation" test "$rc" -eq 0

echo "# $checks checks, $failures failed"
if [[ $failures -ne 0 ]]; then
    exit 1
fi
echo "# all checks passed"
