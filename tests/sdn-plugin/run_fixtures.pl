#!/usr/bin/perl

# Runs the ipv6only zone fixtures (zones/ipv6only/<case>/, pve-network's
# fixture format) against the stand-in PVE modules, for CI.  The same
# fixtures run unchanged inside pve-network's own harness
# (src/test/run_test_zones.pl) through pve-harness.sh.
#
# Per case: sdn_config (the running configuration as a Perl hash, node
# "localhost"), interfaces (read only by the real harness) and
# expected_sdn_interfaces (the exact text pve-network writes to
# /etc/network/interfaces.d/sdn).  Our addition: expected_warnings, the
# exact warnings (one per line) the generation must print, e.g. for a VNet
# the plugin refuses; without it, the case must print none.

use strict;
use warnings;

use FindBin;
use lib ("$FindBin::Bin/../../sdn-plugin", "$FindBin::Bin/stand-in");

use Test::More;

use PVE::Network::SDN::Vnets;
use PVE::Network::SDN::Zones::Plugin;
use PVE::Network::SDN::Zones::Ipv6OnlyPlugin;

PVE::Network::SDN::Zones::Ipv6OnlyPlugin->register();
PVE::Network::SDN::Zones::Plugin->init();

my $nodename = 'localhost';

sub slurp {
    my ($file) = @_;

    open(my $fh, '<', $file) or die "can't read $file - $!\n";
    local $/;
    my $text = <$fh>;
    close($fh);

    return $text;
}

# pve-network's generate_etc_network_config: one generate_sdn_config per
# VNet (sorted) of a zone that includes this node; a plugin error is warned
# as "zone Z : vnet V : ERROR" and the VNet left out; then each interface as
# "auto X" / "iface X" / tab-indented options after a "#version:N" line.
sub generate {
    my ($cfg) = @_;

    my $config = {};
    for my $id (sort keys %{ $cfg->{vnets}->{ids} }) {
        my $vnet = $cfg->{vnets}->{ids}->{$id};
        my $zone = $vnet->{zone};
        if (!$zone) {
            warn "can't generate vnet '$id': no zone assigned!\n";
            next;
        }
        my $plugin_config = $cfg->{zones}->{ids}->{$zone};
        if (!defined($plugin_config)) {
            warn "can't generate vnet '$id': zone $zone don't exist\n";
            next;
        }
        next if defined($plugin_config->{nodes}) && !$plugin_config->{nodes}->{$nodename};

        my $plugin = PVE::Network::SDN::Zones::Plugin->lookup($plugin_config->{type});
        eval {
            $plugin->generate_sdn_config(
                $plugin_config, $zone, $id, $vnet, undef, $cfg->{controllers},
                $cfg->{subnets}, {}, $config,
            );
        };
        if (my $err = $@) {
            warn "zone $zone : vnet $id : $err\n";
            next;
        }
    }

    my $raw = "#version:$cfg->{version}\n";
    for my $iface (sort keys %$config) {
        $raw .= "\nauto $iface\niface $iface\n";
        $raw .= "\t$_\n" for @{ $config->{$iface} };
    }

    return $raw;
}

my @cases = sort grep { -d } glob("$FindBin::Bin/zones/ipv6only/*");
die "no fixtures found under $FindBin::Bin/zones/ipv6only\n" if !@cases;

for my $dir (@cases) {
    my ($name) = $dir =~ m!([^/]+)$!;

    my $cfg = eval(slurp("$dir/sdn_config"));
    die "$dir/sdn_config: $@" if $@ || ref($cfg) ne 'HASH';
    die "$dir: interfaces missing (pve-network's harness needs it)\n" if !-f "$dir/interfaces";

    local $PVE::Network::SDN::Vnets::subnets_config = $cfg->{subnets} // { ids => {} };

    my @warnings;
    my $result = do {
        local $SIG{__WARN__} = sub { push @warnings, $_[0] };
        eval { generate($cfg) };
    };
    if (my $err = $@) {
        fail("$name: generates without dying");
        diag($err);
        next;
    }

    is($result, slurp("$dir/expected_sdn_interfaces"), "$name: expected_sdn_interfaces");

    # The harness's "warn" adds a newline to the plugin's own message.
    my $got_warnings = join('', map { s/\n+\z/\n/r } @warnings);
    my $want_warnings = -f "$dir/expected_warnings" ? slurp("$dir/expected_warnings") : '';
    is($got_warnings, $want_warnings, "$name: warnings");
}

done_testing();
