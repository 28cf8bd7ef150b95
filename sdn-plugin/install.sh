#!/bin/bash
# Install the ovs-nat64 "ipv6only" SDN zone type on a Proxmox VE node from
# this source tree, or uninstall it again. See usage() below.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
prog=$(basename "$0")

usage() {
	cat <<EOF
Usage: $prog install|uninstall [--root DIR] [--force] [--verify|--no-verify]
       $prog --help

Install the ovs-nat64 "ipv6only" zone type for Proxmox VE SDN from this
source tree into the system below DIR (default /; then you must be root).

install    copy the GUI panel, ovs-nat64-sdn-register and the apt hook
           that re-registers the zone type after package upgrades, then run
           'ovs-nat64-sdn-register apply --plugin', which installs the zone
           plugin (when DIR is / or with --verify, only if pve-network loads
           with it; else the old one stays), registers it, and reloads
           pvedaemon, pveproxy, pvestatd and pvescheduler if anything changed
uninstall  run 'ovs-nat64-sdn-register remove', then delete those files;
           refuses while an ipv6only zone exists in /etc/pve/sdn (delete the
           zone and apply the SDN configuration first), unless --force

--verify, --no-verify are passed on to ovs-nat64-sdn-register (default:
verify when DIR is /).

Both are idempotent. Neither touches the SDN configuration.

Installed files (below DIR):
  usr/share/perl5/PVE/Network/SDN/Zones/Ipv6OnlyPlugin.pm
  usr/share/ovs-nat64/sdn-plugin/Ipv6OnlyEdit.js
  usr/sbin/ovs-nat64-sdn-register
  etc/apt/apt.conf.d/80ovs-nat64-sdn
EOF
}

die() {
	echo "$prog: $*" >&2
	exit 1
}

usage_error() {
	echo "$prog: $*" >&2
	usage >&2
	exit 2
}

cmd=
root=/
force=0
verify=()
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help)
		usage
		exit 0
		;;
	--root)
		[ $# -ge 2 ] || usage_error "--root needs a directory"
		root=$2
		shift
		;;
	--root=*) root=${1#--root=} ;;
	--force) force=1 ;;
	--verify | --no-verify) verify=("$1") ;;
	-*) usage_error "unknown option '$1'" ;;
	*)
		[ -z "$cmd" ] || usage_error "unexpected argument '$1'"
		cmd=$1
		;;
	esac
	shift
done

case $cmd in
install | uninstall) ;;
'') usage_error "no command given" ;;
*) usage_error "unknown command '$cmd'" ;;
esac

[ -d "$root" ] || die "--root $root: not a directory"
root=$(cd "$root" && pwd -P)
if [ "$root" = / ]; then
	[ "$(id -u)" -eq 0 ] || die "must be root to $cmd into /"
	prefix=
else
	prefix=$root
fi

tool_src=$here/ovs-nat64-sdn-register

# the zone plugin: installed by 'ovs-nat64-sdn-register apply --plugin'
plugin_src=PVE/Network/SDN/Zones/Ipv6OnlyPlugin.pm
plugin_dest=usr/share/perl5/PVE/Network/SDN/Zones/Ipv6OnlyPlugin.pm

# source (relative to this directory), destination (relative to root), mode
files=(
	"gui/Ipv6OnlyEdit.js usr/share/ovs-nat64/sdn-plugin/Ipv6OnlyEdit.js 0644"
	"ovs-nat64-sdn-register usr/sbin/ovs-nat64-sdn-register 0755"
	"apt/80ovs-nat64-sdn etc/apt/apt.conf.d/80ovs-nat64-sdn 0644"
)

# Copy to a temporary file next to the destination and rename it into place,
# so a daemon loading the plugin never sees half a file.
install_file() {
	local src=$1 dest=$2 mode=$3 tmp
	mkdir -p "$(dirname "$dest")"
	tmp=$(mktemp "$(dirname "$dest")/.$(basename "$dest").XXXXXX")
	if ! install -m "$mode" "$src" "$tmp" || ! mv -f "$tmp" "$dest"; then
		rm -f "$tmp"
		die "cannot install $dest"
	fi
	echo "installed $dest"
}

do_install() {
	local entry src dest mode
	[ -f "$here/$plugin_src" ] || die "$here/$plugin_src missing - incomplete source tree"
	for entry in "${files[@]}"; do
		read -r src dest mode <<<"$entry"
		[ -f "$here/$src" ] || die "$here/$src missing - incomplete source tree"
	done
	for entry in "${files[@]}"; do
		read -r src dest mode <<<"$entry"
		install_file "$here/$src" "$prefix/$dest" "$mode"
	done
	# the tool tests a changed plugin (with --verify) before it replaces the
	# installed one, puts it in before Zones.pm names it, and reloads the
	# services when it changed
	perl "$tool_src" apply --root "$root" --plugin "$here/$plugin_src" ${verify[@]+"${verify[@]}"} ||
		die "registering the zone type failed, fully or in part (see above);" \
			"'ovs-nat64-sdn-register check' shows what is missing," \
			"'$prog uninstall' removes the installed files"
}

do_uninstall() {
	local entry src dest mode dir force_opt=()
	[ "$force" -eq 0 ] || force_opt=(--force)
	# Zones.pm must stop naming the plugin before the plugin goes; the tool
	# refuses while ipv6only zones exist (unless --force)
	perl "$tool_src" remove --root "$root" ${force_opt[@]+"${force_opt[@]}"} ||
		die "could not unregister the zone type (see above); nothing deleted"
	for entry in "$plugin_src $plugin_dest 0644" "${files[@]}"; do
		read -r src dest mode <<<"$entry"
		if [ -e "$prefix/$dest" ] || [ -L "$prefix/$dest" ]; then
			rm -f "$prefix/$dest"
			echo "removed $prefix/$dest"
		fi
	done
	for dir in usr/share/ovs-nat64/sdn-plugin usr/share/ovs-nat64; do
		if [ -d "$prefix/$dir" ]; then
			rmdir --ignore-fail-on-non-empty "$prefix/$dir"
		fi
	done
}

"do_$cmd"
