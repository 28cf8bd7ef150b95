package PVE::Network::SDN::Vnets;

# Stand-in for pve-network's PVE::Network::SDN::Vnets: get_subnets returns
# the subnets of a VNet from $PVE::Network::SDN::Vnets::subnets_config (the
# "subnets" section of a fixture), with the fields pve-network derives from a
# subnet id "<zone>-<network>-<mask>".

use strict;
use warnings;

our $subnets_config = { ids => {} };

sub get_subnets {
    my ($vnetid, $running) = @_;

    my $subnets = undef;
    for my $id (sort keys %{ $subnets_config->{ids} }) {
        my $subnet = { %{ $subnets_config->{ids}->{$id} } };
        next if !$subnet->{vnet} || ($vnetid && $subnet->{vnet} ne $vnetid);
        my ($zone, $network, $mask) = split(/-/, $id);
        $subnet->{id} = $id;
        $subnet->{cidr} = "$network/$mask";
        $subnet->{zone} = $zone;
        $subnet->{network} = $network;
        $subnet->{mask} = $mask;
        $subnets->{$id} = $subnet;
    }

    return $subnets;
}

1;
