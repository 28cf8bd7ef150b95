package PVE::Network::SDN::Zones::Ipv6OnlyPlugin;

# Zone type "ipv6only": IPv6-only VNets whose guests reach IPv4 through
# NAT64 (RFC 6146), SIIT/EAMT (RFC 7915, RFC 7757) and DNS64, translated by
# the nat64 action in Open vSwitch's userspace datapath.
#
# This module only declares the zone type and writes the ifupdown2 stanza of
# each VNet (an OVS bridge on the userspace datapath with the gateway
# addresses).  Everything else (OpenFlow rules, translator instances, host
# routes, router advertisements, the DNS64 resolvers) is done by nat64d on
# every node when the running configuration changes (SDN "Apply"); see
# docs/design.md of ovs-nat64.

use strict;
use warnings;

use Net::IP;

use PVE::Exception qw(raise_param_exc);
use PVE::Network;
use PVE::Network::SDN::Zones::Plugin;

use base('PVE::Network::SDN::Zones::Plugin');

# PVE::Network::SDN::Vnets is called fully qualified and not "use"d, as in
# pve-network's own zone plugins: it loads Zones.pm, which registers every
# plugin, this one included while it is still being compiled.

my $default_nat64_prefix = '64:ff9b::/96'; # RFC 6052 section 2.1, the well-known prefix
my $min_mtu = 1280; # RFC 8200 section 5: every IPv6 link carries 1280 octets
my $max_mtu = 65535;

sub type {
    return 'ipv6only';
}

# Only the keys no other plugin declares: all zone plugins share one property
# table, and a key declared twice makes PVE::SectionConfig::init() die.
sub properties {
    return {
        'nat64-prefix' => {
            type => 'string',
            format => 'CIDRv6',
            description => "IPv6 prefix that embeds IPv4 addresses (RFC 6052, pool6) for the"
                . " zone's VNets. Lengths 32, 40, 48, 56, 64 or 96.",
            default => $default_nat64_prefix,
            optional => 1,
        },
        ra => {
            type => 'boolean',
            description => "Send IPv6 router advertisements on the zone's VNets: the subnets'"
                . " prefixes for SLAAC, the MTU, the DNS64 resolver (RDNSS) and the NAT64 prefix"
                . " (PREF64). Turn off for VNets that have a router of their own.",
            default => 1,
            optional => 1,
        },
        dns64 => {
            type => 'string',
            enum => ['local', 'off'],
            description => "DNS64 for the zone's guests: 'local' runs a DNS64 resolver on each"
                . " VNet gateway (announced in router advertisements), 'off' runs and"
                . " announces none.",
            default => 'local',
            optional => 1,
        },
        'dns64-server' => {
            type => 'string',
            format => 'ipv6',
            description => "Announce this existing DNS64 resolver in the router advertisements"
                . " instead of running one on each VNet gateway. Not with 'dns64 off'.",
            optional => 1,
        },
    };
}

sub options {
    return {
        nodes => { optional => 1 },
        ipam => { optional => 1 },
        dns => { optional => 1 },
        reversedns => { optional => 1 },
        dnszone => { optional => 1 },
        mtu => { optional => 1 },
        'nat64-prefix' => { optional => 1 },
        ra => { optional => 1 },
        dns64 => { optional => 1 },
        'dns64-server' => { optional => 1 },
    };
}

# Returns an error message, or undef when $prefix can be a pool6: one of the
# lengths of RFC 6052 section 2.2, no host bits, and bits 64..71 (the u-octet,
# which no format uses for IPv4 bits) zero.  nat64d applies the same rules.
sub nat64_prefix_error {
    my ($prefix) = @_;

    my ($address, $len) = $prefix =~ m!^([0-9a-fA-F:.]+)/(\d+)$!;
    return "'$prefix' is not an IPv6 prefix (address/length)"
        if !defined($len) || !Net::IP::ip_is_ipv6($address);
    return "prefix length /$len is not allowed: RFC 6052 section 2.2 allows"
        . " 32, 40, 48, 56, 64 and 96 only"
        if !grep { $_ == $len } (32, 40, 48, 56, 64, 96);

    my $bits = Net::IP::ip_iptobin(Net::IP::ip_expand_address($address, 6), 6);
    return "'$prefix' has host bits set (did you mean "
        . Net::IP::ip_compress_address(
            Net::IP::ip_bintoip(substr($bits, 0, $len) . ('0' x (128 - $len)), 6), 6)
        . "/$len?)"
        if substr($bits, $len) =~ /1/;
    return "bits 64..71 (the u-octet) of '$prefix' must be zero (RFC 6052 section 2.2)"
        if substr($bits, 64, 8) =~ /1/;

    return undef;
}

sub ipv4_subnets {
    my ($subnets) = @_;

    return [grep { Net::IP::ip_is_ipv4($subnets->{$_}->{network}) } sort keys %$subnets];
}

sub on_update_hook {
    my ($class, $zoneid, $zone_cfg, $controller_cfg) = @_;

    my $zone = $zone_cfg->{ids}->{$zoneid};

    if (defined(my $prefix = $zone->{'nat64-prefix'})) {
        my $err = nat64_prefix_error($prefix);
        raise_param_exc({ 'nat64-prefix' => $err }) if $err;
    }

    if (defined(my $mtu = $zone->{mtu})) {
        raise_param_exc({
            mtu => "$mtu is out of range: an IPv6-only zone needs $min_mtu..$max_mtu"
                . " (RFC 8200 section 5)",
        }) if $mtu !~ /^\d+$/ || $mtu < $min_mtu || $mtu > $max_mtu;
    }

    raise_param_exc({
        'dns64-server' => "cannot be set together with 'dns64 off': remove one of them",
    }) if defined($zone->{'dns64-server'}) && ($zone->{dns64} // '') eq 'off';
}

sub vnet_update_hook {
    my ($class, $vnet_cfg, $vnetid, $zone_cfg) = @_;

    my $vnet = $vnet_cfg->{ids}->{$vnetid};

    raise_param_exc({
        tag => "VLAN tags are not allowed in an ipv6only zone: each VNet is its own"
            . " OVS bridge",
    }) if defined($vnet->{tag});
    raise_param_exc({ vlanaware => "VLAN-aware VNets are not allowed in an ipv6only zone" })
        if $vnet->{vlanaware};
    raise_param_exc({
        'isolate-ports' => "port isolation is not available in an ipv6only zone",
    }) if $vnet->{'isolate-ports'};

    # Subnets have no zone hook: a VNet moved into this zone is checked here,
    # a subnet added later when the configuration is generated and by status.
    my $v4 = ipv4_subnets(PVE::Network::SDN::Vnets::get_subnets($vnetid) // {});
    raise_param_exc({
        zone => "VNet $vnetid has IPv4 subnets (" . join(', ', @$v4) . "): an ipv6only"
            . " zone carries IPv6 only, delete them first",
    }) if @$v4;
}

# The bridge's MAC, which guests cache as their router's: stable, and the
# same nat64d gives a bridge it creates before ifupdown2 does: 02:65
# followed by the VNet's default instance id (FNV-1a of the VNet id modulo
# 2^31-1, plus 1).  (pve-network has no VNet "mac" since it moved to the
# EVPN zone, so there is nothing to store a random one in.)
sub default_bridge_mac {
    my ($vnetid) = @_;

    my $hash = 2166136261;
    for my $byte (unpack('C*', $vnetid)) {
        $hash ^= $byte;
        $hash = ($hash * 16777619) % 4294967296;
    }
    my $instance = $hash % 2147483647 + 1;

    return sprintf('02:65:%02x:%02x:%02x:%02x', unpack('C4', pack('N', $instance)));
}

sub generate_sdn_config {
    my (
        $class,
        $plugin_config,
        $zoneid,
        $vnetid,
        $vnet,
        $controller,
        $controller_cfg,
        $subnet_cfg,
        $interfaces_config,
        $config,
    ) = @_;

    return $config if $config->{$vnetid}; # nothing to do

    die "VLAN tag $vnet->{tag} is not allowed in an ipv6only zone\n" if defined($vnet->{tag});
    die "VLAN-aware VNets are not allowed in an ipv6only zone\n" if $vnet->{vlanaware};

    my $subnets = PVE::Network::SDN::Vnets::get_subnets($vnetid, 1) // {};
    my $mtu = $class->get_mtu($plugin_config);
    my $mac = default_bridge_mac($vnetid);

    my @iface_config = ();
    my $address = {};
    for my $subnetid (sort keys %$subnets) {
        my $subnet = $subnets->{$subnetid};
        if (Net::IP::ip_is_ipv4($subnet->{network})) {
            warn "subnet $subnet->{cidr} ignored: an ipv6only zone carries IPv6 only\n";
            next;
        }
        my $gateway = $subnet->{gateway};
        next if !$gateway || $address->{$gateway};
        push @iface_config, "address $gateway/$subnet->{mask}";
        $address->{$gateway} = 1;
    }

    # The nat64 action exists only in the userspace datapath, and the bridge
    # must be created there (datapath_type in the same transaction as
    # add-br).  fail_mode and other_config go in ovs_extra, which ifupdown2
    # runs after it clears them on a reload, so the bridge never falls back
    # to NORMAL forwarding and keeps its MAC.
    push @iface_config, "ovs_type OVSBridge";
    push @iface_config, "ovs_options datapath_type=netdev";
    push @iface_config, "ovs_extra set bridge $vnetid fail_mode=secure other_config:hwaddr=$mac";
    push @iface_config, "ovs_mtu $mtu" if $mtu;
    push @iface_config, "alias $vnet->{alias}" if $vnet->{alias};

    push @{ $config->{$vnetid} }, @iface_config;

    return $config;
}

sub status {
    my ($class, $plugin_config, $zone, $vnetid, $vnet, $status) = @_;

    my $err_msg = $class->generate_status_message($vnetid, $status);

    my $v4 = ipv4_subnets(PVE::Network::SDN::Vnets::get_subnets($vnetid, 1) // {});
    push @$err_msg, "IPv4 subnet $_ ignored: an ipv6only zone carries IPv6 only" for @$v4;

    return $err_msg;
}

# The base tap_plug reads /sys/class/net/<vnet>/bridge/vlan_filtering, which
# an OVS bridge does not have; VLANs make no sense on these VNets anyway.
sub tap_plug {
    my ($class, $plugin_config, $vnet, $tag, $iface, $vnetid, $firewall, $trunks, $rate) = @_;

    die "VLAN tag $tag is not allowed on $iface: VNet $vnetid is in an ipv6only zone\n"
        if $tag;
    die "trunks are not allowed on $iface: VNet $vnetid is in an ipv6only zone\n" if $trunks;

    PVE::Network::tap_plug($iface, $vnetid, undef, $firewall, undef, $rate, {});
}

sub get_mtu {
    my ($class, $plugin_config) = @_;

    return $plugin_config->{mtu};
}

1;
