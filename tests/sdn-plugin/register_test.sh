#!/bin/bash
# Tests sdn-plugin/install.sh, sdn-plugin/ovs-nat64-sdn-register and the apt
# hook sdn-plugin/apt/80ovs-nat64-sdn on synthetic roots in a temporary
# directory: a Zones.pm and a pvemanagerlib.js written here with the
# structure of pve-network's and pve-manager's, stub zone plugins, no
# Proxmox package needed.
#
# With the path of nat64ctl as its argument (ctest passes it in builds with
# Open vSwitch), it also checks that 'nat64ctl status' reports the
# registration as the tool leaves it.
#
# Optional, local only: PVE_NETWORK_GIT=/path/to/pve-network.git also runs
# install/check/uninstall against the real Zones.pm of the revisions in
# PVE_NETWORK_REVS (default: 3b2e574 = 0.9.9 of Proxmox VE 8, and HEAD), and
# PVE_MANAGER_GIT=/path/to/pve-manager.git against a pvemanagerlib.js
# concatenated from its www/manager6/*.js.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
repo=$(pwd)
tool=$repo/sdn-plugin/ovs-nat64-sdn-register
installer=$repo/sdn-plugin/install.sh
hook=$repo/sdn-plugin/apt/80ovs-nat64-sdn
plugin_src=$repo/sdn-plugin/PVE/Network/SDN/Zones/Ipv6OnlyPlugin.pm
edit_src=$repo/sdn-plugin/gui/Ipv6OnlyEdit.js

ZONES=usr/share/perl5/PVE/Network/SDN/Zones.pm
PLUGIN=usr/share/perl5/PVE/Network/SDN/Zones/Ipv6OnlyPlugin.pm
MANAGERLIB=usr/share/pve-manager/js/pvemanagerlib.js
EDIT=usr/share/ovs-nat64/sdn-plugin/Ipv6OnlyEdit.js
TOOL=usr/sbin/ovs-nat64-sdn-register
HOOK=etc/apt/apt.conf.d/80ovs-nat64-sdn
ZONES_CFG=etc/pve/sdn/zones.cfg
BEGIN_LINE='// BEGIN ovs-nat64 ipv6only zone'
END_LINE='// END ovs-nat64 ipv6only zone'

nat64ctl=${1:-}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

failures=0
ok() { echo "ok - $*"; }
not_ok() {
	echo "not ok - $*"
	failures=$((failures + 1))
}
# check DESCRIPTION COMMAND...: ok if COMMAND succeeds
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
# expect DESCRIPTION, then: if CONDITION; then pass; else fail; fi
expect() { desc=$1; }
pass() { ok "$desc"; }
fail() { not_ok "$desc"; }
# run COMMAND...: sets $out (stdout and stderr) and $rc, never fails
run() {
	set +e
	out=$("$@" 2>&1)
	rc=$?
	set -e
}
# run_split COMMAND...: sets $out (stdout), $err (stderr) and $rc
run_split() {
	set +e
	out=$("$@" 2>"$tmp/stderr")
	rc=$?
	set -e
	err=$(cat "$tmp/stderr")
}
rc_is() { [ "$rc" -eq "$1" ]; }
out_has() { grep -qF -- "$1" <<<"$out"; }
err_has() { grep -qF -- "$1" <<<"$err"; }
sha() { sha256sum <"$1" | cut -d' ' -f1; }
same() { [ "$(sha "$1")" = "$(sha "$2")" ]; }
mode_owner() { stat -c '%a %u %g' "$1"; }
mode_is() { [ "$(stat -c %a "$1")" = "$2" ]; }
# a listing of every file and directory below $1 with type, mode and hash
tree_state() {
	(cd "$1" && find . -mindepth 1 -printf '%y %m %p\n' | sort)
	(cd "$1" && find . -type f -exec sha256sum {} + | sort -k2)
}
no_temp_files() { ! find "$1" -name '.*ovs-nat64*' -o -name '.*.??????' | grep -q .; }
# status_says TEXT: nat64ctl status (no VNets) ends with "Zone plugin: TEXT"
status_says() {
	if [ -z "$nat64ctl" ]; then
		echo "# not checked (no nat64ctl given: a build without OVS has no 'status'): nat64ctl status says $1"
		return 0
	fi
	local text
	mkdir -p "$tmp/sdn"
	text=$("$nat64ctl" status --config-dir "$tmp/sdn" --node pve1 --pve-root "$root" 2>&1) || return 1
	if [ "$(tail -n1 <<<"$text")" = "Zone plugin: $1" ]; then
		ok "nat64ctl status: $1"
	else
		not_ok "nat64ctl status: $1 (got: $(tail -n1 <<<"$text"))"
	fi
}

for f in "$tool" "$installer" "$hook" "$plugin_src" "$edit_src"; do
	if [ ! -f "$f" ]; then
		echo "Bail out! $f missing"
		exit 1
	fi
done

# --- synthetic roots ---

# zones_pm, managerlib_js, stub_base, stub_plugin
# shellcheck source=tests/sdn-plugin/synthetic_pve.sh
. "$repo/tests/sdn-plugin/synthetic_pve.sh"

# make_root DIR: a node with pve-network, pve-manager and an SDN config
make_root() {
	local r=$1 p
	mkdir -p "$r/usr/share/perl5/PVE/Network/SDN/Zones" "$r/usr/share/pve-manager/js" \
		"$r/usr/sbin" "$r/etc/apt/apt.conf.d" "$r/etc/pve/sdn" "$r/var/lib/dpkg"
	zones_pm >"$r/$ZONES"
	stub_base >"$r/usr/share/perl5/PVE/Network/SDN/Zones/Plugin.pm"
	for p in VlanPlugin EvpnPlugin SimplePlugin; do
		stub_plugin "$p" >"$r/usr/share/perl5/PVE/Network/SDN/Zones/$p.pm"
	done
	managerlib_js >"$r/$MANAGERLIB"
	printf 'simple: zone1\n\tipam pve\n\n' >"$r/$ZONES_CFG"
	printf 'Package: libpve-network-perl\nStatus: install ok installed\nVersion: 0.9.9\n\n' \
		>"$r/var/lib/dpkg/status"
	# unusual modes and owners, which apply and remove must keep
	chmod 0640 "$r/$ZONES"
	chmod 0604 "$r/$MANAGERLIB"
	if [ "$(id -u)" -eq 0 ]; then
		chown 4242:4343 "$r/$ZONES" "$r/$MANAGERLIB"
	fi
}

root=$tmp/root
pristine=$tmp/pristine
make_root "$root"
mkdir -p "$pristine"
cp -p "$root/$ZONES" "$pristine/Zones.pm"
cp -p "$root/$MANAGERLIB" "$pristine/pvemanagerlib.js"
cp -p "$root/$ZONES_CFG" "$pristine/zones.cfg"
zones_mode=$(mode_owner "$root/$ZONES")
js_mode=$(mode_owner "$root/$MANAGERLIB")
state_before=$(tree_state "$root")

# a stub Ipv6OnlyPlugin ahead of the real one on @INC: the real one needs
# pve-network's modules
stubinc=$tmp/stubinc
mkdir -p "$stubinc/PVE/Network/SDN/Zones"
stub_plugin Ipv6OnlyPlugin >"$stubinc/PVE/Network/SDN/Zones/Ipv6OnlyPlugin.pm"

zones_zones_expected=$tmp/Zones.pm.expected
zones_pm with >"$zones_zones_expected"
js_expected=$tmp/pvemanagerlib.js.expected
{
	cat "$pristine/pvemanagerlib.js"
	printf '\n%s\n' "$BEGIN_LINE"
	cat "$edit_src"
	if [ -n "$(tail -c1 "$edit_src")" ]; then echo; fi
	printf '%s\n' "$END_LINE"
} >"$js_expected"

# --- command line ---

run_split "$tool" --help
expect "tool --help prints usage, exit 0"
if rc_is 0 && grep -q "^Usage: ovs-nat64-sdn-register apply|remove|check" <<<"$out"; then pass; else fail; fi
expect "tool --help names --plugin, pvescheduler and pve-ha-lrm"
if out_has "--plugin FILE" && out_has "pvescheduler" && out_has "pve-ha-lrm"; then pass; else fail; fi
run_split "$tool" frobnicate
expect "tool: unknown command exits 2 with usage on stderr"
if rc_is 2 && err_has "unknown command" && err_has "Usage:" && [ -z "$out" ]; then pass; else fail; fi
run_split "$tool"
expect "tool: no command exits 2 with usage"
if rc_is 2 && err_has "Usage:"; then pass; else fail; fi
run_split "$tool" check --bogus
expect "tool: unknown option exits 2 with usage"
if rc_is 2 && err_has "Usage:"; then pass; else fail; fi
run_split "$tool" check --root "$tmp/nonexistent"
expect "tool: --root that is no directory exits 1"
if rc_is 1 && err_has "not a directory"; then pass; else fail; fi
run_split "$installer" --help
expect "install.sh --help prints usage, exit 0"
if rc_is 0 && out_has "Usage: install.sh install|uninstall"; then pass; else fail; fi
run_split "$installer" frobnicate --root "$root"
expect "install.sh: unknown command exits 2 with usage"
if rc_is 2 && err_has "Usage:"; then pass; else fail; fi
expect "perl -c of the tool"
if perl -c "$tool" 2>/dev/null; then pass; else fail; fi

if [ "$(id -u)" -ne 0 ]; then
	run "$installer" install
	expect "install.sh refuses to install into / when not root"
	if rc_is 1 && out_has "must be root"; then pass; else fail; fi
elif command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$installer" install
	expect "install.sh refuses to install into / when not root"
	if rc_is 1 && out_has "must be root"; then pass; else fail; fi
else
	not_ok "install.sh refusing non-root: cannot drop root here (setpriv from util-linux needed)"
fi

# --- install ---

run "$installer" install --root "$root"
check "install exits 0" rc_is 0
[ "$rc" -eq 0 ] || echo "$out"
expect "install: plugin module, mode 644"
if same "$plugin_src" "$root/$PLUGIN" && mode_is "$root/$PLUGIN" 644; then pass; else fail; fi
expect "install: GUI panel, mode 644"
if same "$edit_src" "$root/$EDIT" && mode_is "$root/$EDIT" 644; then pass; else fail; fi
expect "install: tool, mode 755"
if same "$tool" "$root/$TOOL" && mode_is "$root/$TOOL" 755; then pass; else fail; fi
expect "install: apt hook, mode 644"
if same "$hook" "$root/$HOOK" && mode_is "$root/$HOOK" 644; then pass; else fail; fi
expect "install: says registered for both files"
if out_has "registered in $root/$ZONES" && out_has "registered in $root/$MANAGERLIB"; then pass; else fail; fi
check "Zones.pm has exactly the two lines right before init()" cmp -s "$zones_zones_expected" "$root/$ZONES"
expect "perl -c Zones.pm with stub plugins"
if perl -I"$stubinc" -I"$root/usr/share/perl5" -c "$root/$ZONES" 2>/dev/null; then pass; else fail; fi
run perl -I"$stubinc" -I"$root/usr/share/perl5" -e \
	'do $ARGV[0] or die($@ || $!); print join(" ", map { s/.*:://r } @PVE::Network::SDN::Zones::Plugin::registered), " init=$PVE::Network::SDN::Zones::Plugin::initialized\n"' \
	"$root/$ZONES"
expect "loading Zones.pm registers Ipv6OnlyPlugin before init()"
if rc_is 0 && [ "$out" = "VlanPlugin EvpnPlugin SimplePlugin Ipv6OnlyPlugin init=1" ]; then pass; else fail; fi
check "pvemanagerlib.js ends with the block holding Ipv6OnlyEdit.js" cmp -s "$js_expected" "$root/$MANAGERLIB"
# node is a test dependency (scripts/install-deps.sh): missing, this fails
check "node --check pvemanagerlib.js" node --check "$root/$MANAGERLIB"
expect "mode and owner of Zones.pm kept"
if [ "$(mode_owner "$root/$ZONES")" = "$zones_mode" ]; then pass; else fail; fi
expect "mode and owner of pvemanagerlib.js kept"
if [ "$(mode_owner "$root/$MANAGERLIB")" = "$js_mode" ]; then pass; else fail; fi
check "no temporary files left" no_temp_files "$root"

zones_sum=$(sha "$root/$ZONES")
js_sum=$(sha "$root/$MANAGERLIB")
run "$tool" apply --root "$root"
expect "apply again exits 0, says already registered"
if rc_is 0 && out_has "already registered in $root/$ZONES" && out_has "already registered in $root/$MANAGERLIB"; then pass; else fail; fi
expect "apply again leaves both files byte for byte"
if [ "$(sha "$root/$ZONES")" = "$zones_sum" ] && [ "$(sha "$root/$MANAGERLIB")" = "$js_sum" ]; then pass; else fail; fi
run "$installer" install --root "$root"
expect "install again exits 0 and changes nothing"
if rc_is 0 && out_has "already registered" && [ "$(sha "$root/$ZONES")" = "$zones_sum" ] && [ "$(sha "$root/$MANAGERLIB")" = "$js_sum" ]; then pass; else fail; fi

run_split "$tool" check --root "$root"
expect "check exits 0 when registered"
if rc_is 0 && out_has "registered in $root/$ZONES"; then pass; else fail; fi
run_split "$tool" check --root "$root" --quiet
expect "check --quiet prints nothing"
if rc_is 0 && [ -z "$out$err" ]; then pass; else fail; fi
status_says "registered (API and GUI)"

# --- GUI panel changed (our own upgrade) ---

echo "// changed by an upgrade of ovs-nat64" >>"$root/$EDIT"
run "$tool" check --root "$root"
expect "check exits 1 when the installed Ipv6OnlyEdit.js changed"
if rc_is 1 && out_has "stale registration in $root/$MANAGERLIB"; then pass; else fail; fi
run "$tool" apply --root "$root"
expect "apply replaces the block"
if rc_is 0 && out_has "updated registration in $root/$MANAGERLIB" && out_has "already registered in $root/$ZONES"; then pass; else fail; fi
expect "one block, at the end, with the new panel"
if [ "$(grep -cxF "$BEGIN_LINE" "$root/$MANAGERLIB")" = 1 ] && [ "$(tail -n2 "$root/$MANAGERLIB" | head -n1)" = "// changed by an upgrade of ovs-nat64" ]; then pass; else fail; fi
run "$tool" check --root "$root"
check "check exits 0 after that" rc_is 0
cp "$edit_src" "$root/$EDIT"
run "$tool" apply --root "$root" --quiet
expect "apply --quiet prints nothing, restores the block"
if rc_is 0 && [ -z "$out" ] && cmp -s "$js_expected" "$root/$MANAGERLIB"; then pass; else fail; fi

# --- apt hook ---

# apt-config is part of apt: every Debian system has it
run apt-config -c "$hook" dump
check "apt-config parses the hook" rc_is 0
hook_cmd=$(sed -n 's/^DPkg::Post-Invoke:: "\(.*ovs-nat64-sdn-register.*\)";$/\1/p' <<<"$out")
expect "the hook is a DPkg::Post-Invoke command running 'apply --quiet'"
if grep -q "^DPkg::Post-Invoke {" "$hook" && grep -qF "/usr/sbin/ovs-nat64-sdn-register apply --quiet" <<<"$hook_cmd"; then pass; else fail; fi
# the hook uses the real path; point it to the temporary root
root_cmd=${hook_cmd//\/usr\/sbin\/ovs-nat64-sdn-register/$root\/$TOOL}
root_cmd=${root_cmd//apply --quiet/apply --quiet --root $root}
expect "the hook command can be pointed to the temporary root"
if [ "$root_cmd" != "$hook_cmd" ] && grep -qF -- "--root $root" <<<"$root_cmd"; then pass; else fail; fi

# a package upgrade puts back pristine files
cp -p "$pristine/Zones.pm" "$root/$ZONES"
cp -p "$pristine/pvemanagerlib.js" "$root/$MANAGERLIB"
run "$tool" check --root "$root"
expect "after an upgrade, check exits 1 and says what is missing"
if rc_is 1 && out_has "not registered in $root/$ZONES" && out_has "not registered in $root/$MANAGERLIB"; then pass; else fail; fi
status_says "NOT REGISTERED: missing the zone type in /$ZONES (pve-network upgraded?); the GUI panel in /$MANAGERLIB (pve-manager upgraded?). Run 'ovs-nat64-sdn-register apply' as root"
run sh -c "$root_cmd"
expect "the hook command registers again, quietly"
if rc_is 0 && [ -z "$out" ]; then pass; else fail; fi
expect "Zones.pm and pvemanagerlib.js registered again"
if cmp -s "$zones_zones_expected" "$root/$ZONES" && cmp -s "$js_expected" "$root/$MANAGERLIB"; then pass; else fail; fi
run "$tool" check --root "$root"
check "check exits 0 after the hook" rc_is 0
status_says "registered (API and GUI)"

# the hook must never fail apt
cp -p "$root/$ZONES" "$tmp/Zones.pm.saved"
grep -vF 'Plugin->init();' "$pristine/Zones.pm" >"$root/$ZONES"
run sh -c "$root_cmd"
expect "the hook exits 0 even when apply fails"
if rc_is 0 && out_has "Zones.pm"; then pass; else fail; fi
chmod -x "$root/$TOOL"
run sh -c "$root_cmd"
expect "the hook exits 0, silently, when the tool is not executable"
if rc_is 0 && [ -z "$out" ]; then pass; else fail; fi
chmod +x "$root/$TOOL"
cp -p "$tmp/Zones.pm.saved" "$root/$ZONES"

# --- refusals ---

grep -vF 'Plugin->init();' "$pristine/Zones.pm" >"$root/$ZONES"
cp -p "$pristine/pvemanagerlib.js" "$root/$MANAGERLIB"
noanchor_sum=$(sha "$root/$ZONES")
run_split "$tool" apply --root "$root"
check "Zones.pm without the init() line: apply exits 1" rc_is 1
expect "... naming the file, the line and the pve-network version"
if err_has "$root/$ZONES" && err_has "PVE::Network::SDN::Zones::Plugin->init();" && err_has "libpve-network-perl 0.9.9"; then pass; else fail; fi
expect "... and changes neither file"
if [ "$(sha "$root/$ZONES")" = "$noanchor_sum" ] && same "$pristine/pvemanagerlib.js" "$root/$MANAGERLIB"; then pass; else fail; fi
run "$tool" check --root "$root"
check "check exits 1 without the init() line" rc_is 1
cp -p "$pristine/Zones.pm" "$root/$ZONES"

mv "$root/$PLUGIN" "$tmp/plugin.saved"
run_split "$tool" apply --root "$root"
expect "plugin module missing: apply exits 1 naming it, changes nothing"
if rc_is 1 && err_has "$root/$PLUGIN" && same "$pristine/Zones.pm" "$root/$ZONES" && same "$pristine/pvemanagerlib.js" "$root/$MANAGERLIB"; then pass; else fail; fi
run "$tool" check --root "$root"
expect "check exits 1 when the plugin module is missing"
if rc_is 1 && out_has "$root/$PLUGIN"; then pass; else fail; fi
mv "$tmp/plugin.saved" "$root/$PLUGIN"

zones_pm with | sed 's/^use PVE::Network::SDN::Zones::Ipv6OnlyPlugin; # ovs-nat64$/use PVE::Network::SDN::Zones::Ipv6OnlyPlugin;/; s/->register(); # ovs-nat64$/->register();/' >"$root/$ZONES"
run_split "$tool" apply --root "$root"
expect "an unmarked registration is not doubled: apply exits 1"
if rc_is 1 && err_has "without the" && ! grep -q "ovs-nat64" "$root/$ZONES"; then pass; else fail; fi
cp -p "$pristine/Zones.pm" "$root/$ZONES"

run "$tool" apply --root "$root"
expect "apply works again after the refusals"
if rc_is 0 && cmp -s "$zones_zones_expected" "$root/$ZONES"; then pass; else fail; fi

# lines moved after init() (e.g. by hand): apply puts them back before it
zones_pm | sed '/^PVE::Network::SDN::Zones::Plugin->init();$/r '<(zones_pm with | grep -F '# ovs-nat64') >"$root/$ZONES"
run "$tool" check --root "$root"
expect "check exits 1 when register() comes after init()"
if rc_is 1 && out_has "stale registration"; then pass; else fail; fi
run "$tool" apply --root "$root"
expect "apply moves the lines back before init()"
if rc_is 0 && out_has "updated registration in $root/$ZONES" && cmp -s "$zones_zones_expected" "$root/$ZONES"; then pass; else fail; fi

# another tool's line between ours and init(): still registered, left alone
# (moving ours back next to init() each time would fight with that tool)
zones_pm with | sed 's/^PVE::Network::SDN::Zones::Plugin->init();$/Other->register(); # other tool\n&/' >"$root/$ZONES"
cp -p "$root/$ZONES" "$tmp/Zones.pm.other"
run "$tool" apply --root "$root"
expect "another line between ours and init(): apply leaves it alone"
if rc_is 0 && out_has "already registered in $root/$ZONES" && same "$tmp/Zones.pm.other" "$root/$ZONES"; then pass; else fail; fi
cp -p "$pristine/Zones.pm" "$root/$ZONES"
run "$tool" apply --root "$root" --quiet

# --- remove ---

run "$tool" remove --root "$root"
expect "remove exits 0"
if rc_is 0 && out_has "removed from $root/$ZONES" && out_has "removed from $root/$MANAGERLIB"; then pass; else fail; fi
check "remove restores Zones.pm byte for byte" same "$pristine/Zones.pm" "$root/$ZONES"
check "remove restores pvemanagerlib.js byte for byte" same "$pristine/pvemanagerlib.js" "$root/$MANAGERLIB"
expect "remove keeps modes and owners"
if [ "$(mode_owner "$root/$ZONES")" = "$zones_mode" ] && [ "$(mode_owner "$root/$MANAGERLIB")" = "$js_mode" ]; then pass; else fail; fi
run "$tool" remove --root "$root"
expect "remove again exits 0, says not registered, changes nothing"
if rc_is 0 && out_has "not registered in $root/$ZONES" && same "$pristine/Zones.pm" "$root/$ZONES" && same "$pristine/pvemanagerlib.js" "$root/$MANAGERLIB"; then pass; else fail; fi
run "$tool" check --root "$root"
check "check exits 1 after remove" rc_is 1
run "$tool" apply --root "$root" --quiet
expect "apply after remove"
if rc_is 0 && cmp -s "$zones_zones_expected" "$root/$ZONES" && cmp -s "$js_expected" "$root/$MANAGERLIB"; then pass; else fail; fi

# --- other roots ---

# no pve-manager (a node without GUI)
nogui=$tmp/nogui
make_root "$nogui"
rm "$nogui/$MANAGERLIB"
run_split "$installer" install --root "$nogui"
expect "pvemanagerlib.js missing: install exits 0 with a warning"
if rc_is 0 && err_has "warning: $nogui/$MANAGERLIB missing" && cmp -s "$zones_zones_expected" "$nogui/$ZONES"; then pass; else fail; fi
run "$tool" check --root "$nogui"
check "check exits 0 without pvemanagerlib.js" rc_is 0

# a bundle that does not end with a newline
nonl=$tmp/nonl
make_root "$nonl"
printf '%s' "$(managerlib_js)" >"$nonl/$MANAGERLIB"
cp -p "$nonl/$MANAGERLIB" "$tmp/nonl.js"
run "$installer" install --root "$nonl"
expect "pvemanagerlib.js without final newline: block on its own lines"
if rc_is 0 && grep -qxF "$BEGIN_LINE" "$nonl/$MANAGERLIB" && [ "$(tail -n1 "$nonl/$MANAGERLIB")" = "$END_LINE" ]; then pass; else fail; fi
run "$tool" remove --root "$nonl"
expect "... and remove restores it byte for byte"
if rc_is 0 && same "$tmp/nonl.js" "$nonl/$MANAGERLIB"; then pass; else fail; fi

# --verify loads pve-network (here: the stubs) with the patched Zones.pm
vroot=$tmp/verify
make_root "$vroot"
mkdir -p "$vroot/usr/share/ovs-nat64/sdn-plugin"
cp "$edit_src" "$vroot/$EDIT"
stub_plugin Ipv6OnlyPlugin >"$vroot/$PLUGIN"
run "$tool" apply --root "$vroot" --verify
expect "apply --verify with a plugin that loads"
if rc_is 0 && cmp -s "$zones_zones_expected" "$vroot/$ZONES"; then pass; else fail; fi
run "$tool" remove --root "$vroot"
stub_plugin Ipv6OnlyPlugin 'die "duplicate property '\''mtu'\''\n";' >"$vroot/$PLUGIN"
cp -p "$vroot/$ZONES" "$tmp/verify.Zones.pm"
run_split "$tool" apply --root "$vroot" --verify
expect "apply --verify with a plugin that dies: exit 1, Zones.pm left unchanged"
if rc_is 1 && err_has "left unchanged" && err_has "duplicate property" && same "$tmp/verify.Zones.pm" "$vroot/$ZONES"; then pass; else fail; fi
check "... and no temporary file left" no_temp_files "$vroot"
run "$tool" apply --root "$vroot" --no-verify
expect "apply --no-verify does not load it"
if rc_is 0 && cmp -s "$zones_zones_expected" "$vroot/$ZONES"; then pass; else fail; fi

# install.sh with a changed plugin: tested before it replaces the old one
# (a copy of the source tree with stub plugins the stub pve-network loads)
src=$tmp/src
cp -r "$repo/sdn-plugin" "$src"
src_plugin=$src/PVE/Network/SDN/Zones/Ipv6OnlyPlugin.pm
proot=$tmp/plugin-update
make_root "$proot"
stub_plugin Ipv6OnlyPlugin 'sub stub_version { 1 }' >"$src_plugin"
run "$src/install.sh" install --root "$proot" --verify
expect "install --verify with a plugin that loads: installed, registered"
if rc_is 0 && out_has "installed $proot/$PLUGIN" && same "$src_plugin" "$proot/$PLUGIN" && mode_is "$proot/$PLUGIN" 644 && cmp -s "$zones_zones_expected" "$proot/$ZONES"; then pass; else fail; fi
cp -p "$proot/$PLUGIN" "$tmp/plugin.v1"
run "$src/install.sh" install --root "$proot" --verify
expect "install again with the same plugin: nothing changed, no reload"
if rc_is 0 && ! out_has "updated $proot/$PLUGIN" && ! out_has "would reload" && same "$tmp/plugin.v1" "$proot/$PLUGIN"; then pass; else fail; fi
stub_plugin Ipv6OnlyPlugin 'die "broken new plugin\n";' >"$src_plugin"
run_split "$src/install.sh" install --root "$proot" --verify
expect "install --verify with a changed plugin that dies: exit 1, old plugin kept"
if rc_is 1 && err_has "broken new plugin" && err_has "left unchanged" && same "$tmp/plugin.v1" "$proot/$PLUGIN" && cmp -s "$zones_zones_expected" "$proot/$ZONES"; then pass; else fail; fi
check "... and no temporary file left" no_temp_files "$proot"
stub_plugin Ipv6OnlyPlugin 'sub stub_version { 2 }' >"$src_plugin"
run "$src/install.sh" install --root "$proot" --verify
expect "install --verify with a changed plugin that loads: replaced, reload due"
if rc_is 0 && out_has "updated $proot/$PLUGIN" && same "$src_plugin" "$proot/$PLUGIN" && out_has "would reload pvedaemon.service pveproxy.service pvestatd.service pvescheduler.service, skipped: --root is not /"; then pass; else fail; fi
run "$tool" check --root "$proot"
check "... and check exits 0" rc_is 0
run_split "$tool" remove --root "$proot" --plugin "$src_plugin"
expect "tool: --plugin with remove is a usage error"
if rc_is 2 && err_has "--plugin only with apply"; then pass; else fail; fi

# the GUI part fails after Zones.pm is registered: still registered (and the
# services reloaded), a warning, exit 1
groot=$tmp/gui-fails
make_root "$groot"
mkdir -p "$groot/usr/share/ovs-nat64/sdn-plugin"
cp "$edit_src" "$groot/$EDIT"
stub_plugin Ipv6OnlyPlugin >"$groot/$PLUGIN"
printf '%s\n' "$BEGIN_LINE" >>"$groot/$MANAGERLIB"
cp -p "$groot/$MANAGERLIB" "$tmp/gui-fails.js"
run_split "$tool" apply --root "$groot" --verify
expect "pvemanagerlib.js with BEGIN but no END: Zones.pm registered, warning, exit 1"
if rc_is 1 && cmp -s "$zones_zones_expected" "$groot/$ZONES" && err_has "warning: GUI panel not registered" && err_has "unpaired" && out_has "would reload"; then pass; else fail; fi
check "... pvemanagerlib.js left alone" same "$tmp/gui-fails.js" "$groot/$MANAGERLIB"
run "$tool" check --root "$groot"
expect "... and check reports the GUI part, exit 1"
if rc_is 1 && out_has "registered in $groot/$ZONES" && out_has "unpaired"; then pass; else fail; fi
run_split "$tool" apply --root "$groot"
expect "apply again: Zones.pm already registered, GUI still fails, exit 1"
if rc_is 1 && out_has "already registered in $groot/$ZONES" && err_has "GUI panel not registered"; then pass; else fail; fi
run_split "$tool" remove --root "$groot"
expect "remove with the broken GUI block: Zones.pm restored, warning, exit 1"
if rc_is 1 && same "$pristine/Zones.pm" "$groot/$ZONES" && err_has "GUI panel not removed" && out_has "would reload"; then pass; else fail; fi

# --- remove's refusal, --reload-always ---

printf 'ipv6only: v6zone\n\tprefix64 64:ff9b::/96\n\n' >>"$root/$ZONES_CFG"
run "$tool" remove --root "$root"
expect "remove exits 3 while an ipv6only zone exists, naming it"
if rc_is 3 && out_has "v6zone" && out_has "--force removes anyway"; then pass; else fail; fi
run "$tool" check --root "$root"
check "... and leaves the registration" rc_is 0
cp -p "$pristine/zones.cfg" "$root/$ZONES_CFG"
run "$tool" apply --root "$root" --reload-always
expect "apply --reload-always reloads although nothing changed"
if rc_is 0 && out_has "already registered" && out_has "would reload"; then pass; else fail; fi
run "$tool" remove --root "$root" --reload-always
check "--reload-always only with apply (usage error)" rc_is 2

# --- uninstall ---

printf 'ipv6only: v6zone\n\tprefix64 64:ff9b::/96\n\n' >>"$root/$ZONES_CFG"
run "$installer" uninstall --root "$root"
expect "uninstall refuses while an ipv6only zone is in zones.cfg"
if rc_is 1 && out_has "v6zone" && out_has "delete them first" && [ -f "$root/$PLUGIN" ]; then pass; else fail; fi
run "$tool" check --root "$root"
check "... and leaves the registration" rc_is 0
cp -p "$pristine/zones.cfg" "$root/$ZONES_CFG"
echo '{"zones":{"ids":{"v6zone":{"type":"ipv6only"}}},"version":3}' >"$root/etc/pve/sdn/.running-config"
run "$installer" uninstall --root "$root"
expect "uninstall refuses while an ipv6only zone is in the running config"
if rc_is 1 && out_has ".running-config" && [ -f "$root/$PLUGIN" ]; then pass; else fail; fi
rm "$root/etc/pve/sdn/.running-config"

run "$installer" uninstall --root "$root"
check "uninstall exits 0" rc_is 0
[ "$rc" -eq 0 ] || echo "$out"
for f in "$PLUGIN" "$EDIT" "$TOOL" "$HOOK"; do
	expect "uninstall removes $f"
	if [ ! -e "$root/$f" ]; then pass; else fail; fi
done
expect "uninstall leaves exactly the pristine files"
if [ "$(tree_state "$root")" = "$state_before" ]; then pass; else fail; fi
status_says "NOT REGISTERED: missing the plugin module /$PLUGIN; the zone type in /$ZONES (pve-network upgraded?); the GUI panel in /$MANAGERLIB (pve-manager upgraded?). Run 'ovs-nat64-sdn-register apply' as root"
run "$installer" uninstall --root "$root"
expect "uninstall again exits 0"
if rc_is 0 && [ "$(tree_state "$root")" = "$state_before" ]; then pass; else fail; fi

run "$installer" install --root "$root"
printf 'ipv6only: v6zone\n\tprefix64 64:ff9b::/96\n\n' >>"$root/$ZONES_CFG"
run "$installer" uninstall --root "$root" --force
expect "uninstall --force proceeds despite the zone"
if rc_is 0 && [ ! -e "$root/$PLUGIN" ] && same "$pristine/Zones.pm" "$root/$ZONES" && same "$pristine/pvemanagerlib.js" "$root/$MANAGERLIB"; then pass; else fail; fi

# --- optional: the real Zones.pm of pve-network ---

if [ -n "${PVE_NETWORK_GIT:-}" ]; then
	for rev in ${PVE_NETWORK_REVS:-3b2e574 HEAD}; do
		real=$tmp/real-$rev
		make_root "$real"
		git -C "$PVE_NETWORK_GIT" show "$rev:src/PVE/Network/SDN/Zones.pm" >"$real/$ZONES"
		version=$(git -C "$PVE_NETWORK_GIT" show "$rev:debian/changelog" | sed -n '1s/.*(\(.*\)).*/\1/p')
		cp -p "$real/$ZONES" "$tmp/real.orig"
		run "$installer" install --root "$real"
		check "real Zones.pm $rev ($version): install exits 0" rc_is 0
		expect "real Zones.pm $rev ($version): the two lines right before init()"
		if grep -B2 -xF "PVE::Network::SDN::Zones::Plugin->init();" "$real/$ZONES" | head -n2 | grep -c "# ovs-nat64$" | grep -qx 2 && [ "$(grep -c "# ovs-nat64$" "$real/$ZONES")" = 2 ]; then pass; else fail; fi
		run "$tool" check --root "$real"
		check "real Zones.pm $rev ($version): check exits 0" rc_is 0
		run "$installer" uninstall --root "$real"
		expect "real Zones.pm $rev ($version): uninstall restores it byte for byte"
		if rc_is 0 && same "$tmp/real.orig" "$real/$ZONES"; then pass; else fail; fi
	done
fi

# ... and a pvemanagerlib.js concatenated from pve-manager's www/manager6
if [ -n "${PVE_MANAGER_GIT:-}" ]; then
	real=$tmp/real-manager
	make_root "$real"
	git -C "$PVE_MANAGER_GIT" ls-tree -r --name-only HEAD www/manager6 | grep '\.js$' |
		while read -r f; do git -C "$PVE_MANAGER_GIT" show "HEAD:$f"; done >"$real/$MANAGERLIB"
	cp -p "$real/$MANAGERLIB" "$tmp/real.js"
	run "$installer" install --root "$real"
	expect "pve-manager's bundle ($(wc -c <"$tmp/real.js") bytes): install exits 0, block at the end"
	if rc_is 0 && [ "$(tail -n1 "$real/$MANAGERLIB")" = "$END_LINE" ]; then pass; else fail; fi
	if command -v node >/dev/null; then
		check "pve-manager's bundle: node --check after install" node --check "$real/$MANAGERLIB"
	fi
	run "$installer" uninstall --root "$real"
	expect "pve-manager's bundle: uninstall restores it byte for byte"
	if rc_is 0 && same "$tmp/real.js" "$real/$MANAGERLIB"; then pass; else fail; fi
fi

if [ "$failures" -ne 0 ]; then
	echo "# $failures check(s) failed"
	exit 1
fi
echo "# all checks passed"
