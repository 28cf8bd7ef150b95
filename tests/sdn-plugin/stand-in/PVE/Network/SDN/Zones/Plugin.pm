package PVE::Network::SDN::Zones::Plugin;

# Stand-in for pve-network's zone plugin base class (a PVE::SectionConfig).
# init() makes the checks PVE::SectionConfig::init() makes, against the
# property keys pve-network's own zone types declare (0.9.x and 1.x): a key
# declared twice dies with "duplicate property", an option that no plugin
# declares with "undefined property".

use strict;
use warnings;

# The base class's own keys, then those of the simple, vlan, qinq, vxlan,
# evpn and faucet zone types.
my @pve_network_properties = qw(
    type nodes zone ipam
    dns reversedns dnszone dhcp
    bridge bridge-disable-mac-learning
    tag mtu vlan-protocol
    peers vxlan-port fabric
    controller mac exitnodes exitnodes-local-routing exitnodes-primary
    advertise-subnets disable-arp-nd-suppression rt-import vrf-vxlan
    dp-id
);

my $plugins = {};
my $property_list;

sub register {
    my ($class) = @_;

    my $type = $class->type();
    die "duplicate plugin registration (type = $type)" if $plugins->{$type};
    $plugins->{$type} = $class;
}

sub init {
    my ($class) = @_;

    $property_list = { map { $_ => { optional => 1 } } @pve_network_properties };
    for my $type (sort keys %$plugins) {
        my $props = $plugins->{$type}->properties();
        for my $p (sort keys %$props) {
            die "duplicate property '$p'" if defined($property_list->{$p});
            $property_list->{$p} = { %{ $props->{$p} }, optional => 1 };
        }
    }
    for my $type (sort keys %$plugins) {
        for my $p (sort keys %{ $plugins->{$type}->options() }) {
            die "undefined property '$p'" if !$property_list->{$p};
        }
    }
}

sub lookup {
    my ($class, $type) = @_;

    my $plugin = $plugins->{$type};
    die "unknown section type '$type'\n" if !$plugin;

    return $plugin;
}

sub lookup_types {
    return [sort keys %$plugins];
}

sub properties {
    return {};
}

sub options {
    return {};
}

sub generate_sdn_config {
    die "please implement inside plugin";
}

sub on_update_hook { }

sub vnet_update_hook { }

# As pve-network: the VNet must be in ifquery's output, and each interface
# the plugin names must be there and pass.
sub generate_status_message {
    my ($class, $vnetid, $status, $ifaces) = @_;

    return ["vnet is not generated. Please check the 'reload network' task log."]
        if !$status->{$vnetid}->{status};

    my $err_msg = [];
    for my $iface (@{ $ifaces // [] }) {
        if (!$status->{$iface}->{status}) {
            push @$err_msg, "missing $iface";
        } elsif ($status->{$iface}->{status} ne 'pass') {
            push @$err_msg, "error $iface";
        }
    }

    return $err_msg;
}

sub status {
    my ($class, $plugin_config, $zone, $vnetid, $vnet, $status) = @_;

    return $class->generate_status_message($vnetid, $status);
}

sub get_mtu {
    die "please implement inside plugin";
}

1;
