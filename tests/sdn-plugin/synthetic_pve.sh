# shellcheck shell=bash
# Synthetic pve-network and pve-manager files with the structure of the real
# ones (Zones.pm's plugin list before init(), pvemanagerlib.js's zone
# schema), for the registration tests: tests/sdn-plugin/register_test.sh
# and tests/packaging/install_test.sh (as a stand-in libpve-network-perl
# package).  Sourced; prints on stdout.

# zones_pm [with]: the synthetic Zones.pm; with "with", as apply must leave it
zones_pm() {
	cat <<'EOF'
package PVE::Network::SDN::Zones;

use strict;
use warnings;

use PVE::Network::SDN::Zones::VlanPlugin;
use PVE::Network::SDN::Zones::EvpnPlugin;
use PVE::Network::SDN::Zones::SimplePlugin;
use PVE::Network::SDN::Zones::Plugin;

PVE::Network::SDN::Zones::VlanPlugin->register();
PVE::Network::SDN::Zones::EvpnPlugin->register();
PVE::Network::SDN::Zones::SimplePlugin->register();
EOF
	if [ "${1:-}" = with ]; then
		echo 'use PVE::Network::SDN::Zones::Ipv6OnlyPlugin; # ovs-nat64'
		echo 'PVE::Network::SDN::Zones::Ipv6OnlyPlugin->register(); # ovs-nat64'
	fi
	cat <<'EOF'
PVE::Network::SDN::Zones::Plugin->init();

my $local_network_sdn_file = "/etc/network/interfaces.d/sdn";

sub sdn_zones_config {
    my ($cfg, $id) = @_;
    return $cfg->{ids}->{$id};
}

1;
EOF
}

managerlib_js() {
	cat <<'EOF'
Ext.ns('PVE');
PVE.Utils = { sdnzoneSchema: { simple: { name: 'Simple', ipanel: 'SimpleInputPanel' } } };
Ext.define('PVE.sdn.zones.SimpleInputPanel', { extend: 'PVE.panel.SDNZoneBase' });
Ext.onReady(function() { Ext.create('PVE.StdWorkspace'); });
EOF
}

# stub zone plugins: register() records the order, dies like PVE::SectionConfig
# on a second registration and after init()
stub_base() {
	cat <<'EOF'
package PVE::Network::SDN::Zones::Plugin;
use strict;
use warnings;
our @registered;
our $initialized = 0;
sub register {
    my ($class) = @_;
    die "duplicate plugin registration ($class)\n" if grep { $_ eq $class } @registered;
    die "$class->register() after init()\n" if $initialized;
    push @registered, $class;
}
sub init { die "init() twice\n" if $initialized++; }
1;
EOF
}
stub_plugin() {
	printf 'package PVE::Network::SDN::Zones::%s;\n' "$1"
	printf 'use strict;\nuse warnings;\nuse parent qw(PVE::Network::SDN::Zones::Plugin);\n'
	printf '%s\n1;\n' "${2:-}"
}
