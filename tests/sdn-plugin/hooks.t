#!/usr/bin/perl

# The ipv6only zone plugin's validation hooks, status and guest plugging.
# Runs against the stand-in PVE modules (CI) or, with PERL5LIB pointing at
# real pve-common/pve-network sources, against the real ones
# (pve-harness.sh): the functions the plugin calls are replaced here by
# fully qualified name, which works with both.

use strict;
use warnings;

use FindBin;
use lib ("$FindBin::Bin/../../sdn-plugin");
BEGIN { push @INC, "$FindBin::Bin/stand-in" if !$ENV{PVE_REAL_MODULES} }

# On a node Zones.pm is loaded first and registers the plugins; loading the
# real base class on its own would not work.
BEGIN { require PVE::Network::SDN::Zones if $ENV{PVE_REAL_MODULES} }

use Test::More;

use PVE::Network::SDN::Zones::Ipv6OnlyPlugin;

my $plugin = 'PVE::Network::SDN::Zones::Ipv6OnlyPlugin';

# Runs $code; returns the parameter errors of the exception it raised (a
# hash), or undef if it did not die.  Any other death fails the test.
sub param_errors {
    my ($code) = @_;

    eval { $code->() };
    my $err = $@;
    return undef if !$err;
    return $err->{errors} if ref($err) && ref($err->{errors}) eq 'HASH';
    fail("raised a parameter error, not: $err");
    return {};
}

my $subnets = {};
my @tap_plug_calls;
{
    no warnings 'redefine';
    *PVE::Network::SDN::Vnets::get_subnets = sub {
        my ($vnetid) = @_;
        return { map { $_ => $subnets->{$_} } grep { $subnets->{$_}->{vnet} eq $vnetid }
                keys %$subnets };
    };
    *PVE::Network::tap_plug = sub { push @tap_plug_calls, [@_]; return };
}

sub subnet {
    my ($vnet, $network, $mask) = @_;

    return ("z6-$network-$mask" =>
            { vnet => $vnet, network => $network, mask => $mask, cidr => "$network/$mask" });
}

# --- the zone's own keys in the schema -------------------------------------

# 'ra' is a boolean that defaults to on: SectionConfig stores it as 'ra 0' /
# 'ra 1' (a bare 'ra' line means 1), nat64d reads it from .running-config.
my $props = $plugin->properties();
my $options = $plugin->options();
for my $key ('nat64-prefix', 'ra', 'dns64', 'dns64-server') {
    ok($props->{$key}, "properties() declares '$key'");
    ok($props->{$key} && $props->{$key}->{optional}, "'$key' is optional");
    ok(
        $props->{$key} && length($props->{$key}->{description} // '') > 0,
        "'$key' has a description",
    );
    is_deeply($options->{$key}, { optional => 1 }, "options() offers '$key', optional");
}
is($props->{ra}->{type}, 'boolean', "'ra' is a boolean");
is($props->{ra}->{default}, 1, "'ra' defaults to 1 (nat64d sends router advertisements)");
is_deeply([sort keys %{ $props->{ra} }], [qw(default description optional type)],
    "'ra' has no format or enum a boolean would not take");
is($props->{dns64}->{default}, 'local', "'dns64' defaults to local");
unlike($props->{$_}->{description}, qr/next release|not yet|follow/i,
    "the description of '$_' does not promise a later release")
    for qw(ra dns64 dns64-server);

# zones.cfg and the API schema with the real pve-common/pve-network
# (pve-harness.sh): SectionConfig has registered 'ra' with the other zone
# types' keys, stores it as 0/1 and writes it back the same way.
SKIP: {
    skip 'zones.cfg parsing needs the real pve-common and pve-network (pve-harness.sh)', 9
        if !$ENV{PVE_REAL_MODULES};

    my $base = 'PVE::Network::SDN::Zones::Plugin';
    my @warnings;
    local $SIG{__WARN__} = sub { push @warnings, $_[0] };

    my $cfg = $base->parse_config('sdn/zones.cfg',
        "ipv6only: z6\n\tra 0\n\tdns64 local\n\nipv6only: z7\n\tra\n\nipv6only: z8\n\tra 1\n");
    is_deeply([@warnings], [], 'zones.cfg with ra parses without warnings');
    is($cfg->{ids}->{z6}->{ra}, 0, "zones.cfg 'ra 0' is 0");
    is($cfg->{ids}->{z7}->{ra}, 1, "zones.cfg 'ra' alone is 1");
    is($cfg->{ids}->{z8}->{ra}, 1, "zones.cfg 'ra 1' is 1");
    like($base->write_config('sdn/zones.cfg', $cfg), qr/^ipv6only: z6\n(?:\t.*\n)*?\tra 0\n/m,
        'write_config writes ra 0 back');

    @warnings = ();
    $cfg = $base->parse_config('sdn/zones.cfg', "ipv6only: z6\n\tra yes\n");
    ok(!defined($cfg->{ids}->{z6}->{ra}), "zones.cfg 'ra yes' is not taken");
    like(join('', @warnings), qr/unable to parse value of 'ra'/, 'and warned about');

    is($base->createSchema()->{properties}->{ra}->{type}, 'boolean',
        'the create schema has ra, a boolean');
    ok($base->updateSchema()->{properties}->{ra}, 'the update schema has ra');
}

# --- on_update_hook: the zone's own keys ----------------------------------

sub zone_errors {
    my (%zone) = @_;

    my $zone_cfg = { ids => { z6 => { type => 'ipv6only', %zone } } };
    return param_errors(sub { $plugin->on_update_hook('z6', $zone_cfg, {}) });
}

is(zone_errors(), undef, 'zone without options is valid');
for my $ok ('64:ff9b::/96', '2001:db8:64::/48', '2001:db8::/32', '2001:db8:1:2::/64') {
    is(zone_errors('nat64-prefix' => $ok), undef, "nat64-prefix $ok is accepted");
}
like(zone_errors('nat64-prefix' => '2001:db8::/60')->{'nat64-prefix'},
    qr{^prefix length /60 is not allowed: RFC 6052 section 2\.2 allows 32, 40, 48, 56, 64 and 96},
    'nat64-prefix with a length RFC 6052 does not allow');
is(zone_errors('nat64-prefix' => '64:ff9b::1/96')->{'nat64-prefix'},
    "'64:ff9b::1/96' has host bits set (did you mean 64:ff9b::/96?)",
    'nat64-prefix with host bits names the prefix meant');
is(zone_errors('nat64-prefix' => '64:ff9b:0:0:ff00::/96')->{'nat64-prefix'},
    "bits 64..71 (the u-octet) of '64:ff9b:0:0:ff00::/96' must be zero (RFC 6052 section 2.2)",
    'nat64-prefix with a non-zero u-octet');
is(zone_errors('nat64-prefix' => '10.64.0.0/16')->{'nat64-prefix'},
    "'10.64.0.0/16' is not an IPv6 prefix (address/length)", 'IPv4 nat64-prefix');
is(zone_errors('nat64-prefix' => '64:ff9b::')->{'nat64-prefix'},
    "'64:ff9b::' is not an IPv6 prefix (address/length)", 'nat64-prefix without a length');

is(zone_errors(mtu => 1280), undef, 'mtu 1280 (the IPv6 minimum) is accepted');
is(zone_errors(mtu => 9000), undef, 'mtu 9000 is accepted');
for my $bad (1279, 576, 65536, 'jumbo') {
    is(zone_errors(mtu => $bad)->{mtu},
        "$bad is out of range: an IPv6-only zone needs 1280..65535 (RFC 8200 section 5)",
        "mtu $bad is refused");
}

for my $ra (0, 1) {
    is(zone_errors(ra => $ra), undef, "ra $ra is valid on its own");
    is(zone_errors(ra => $ra, dns64 => 'local'), undef, "ra $ra with dns64 local");
    is(zone_errors(ra => $ra, dns64 => 'off'), undef, "ra $ra with dns64 off");
    is(zone_errors(ra => $ra, 'dns64-server' => '2001:db8::53'), undef,
        "ra $ra with dns64-server");
}
is(zone_errors(ra => 0, dns64 => 'off', 'dns64-server' => '2001:db8::53')->{'dns64-server'},
    "cannot be set together with 'dns64 off': remove one of them",
    'ra 0 does not make dns64-server with dns64 off acceptable');

is(zone_errors(dns64 => 'off'), undef, 'dns64 off');
is(zone_errors('dns64-server' => '2001:db8::53'), undef, 'dns64-server alone');
is(zone_errors(dns64 => 'off', 'dns64-server' => '2001:db8::53')->{'dns64-server'},
    "cannot be set together with 'dns64 off': remove one of them",
    'dns64-server with dns64 off is contradictory');

# --- vnet_update_hook: what an IPv6-only VNet cannot have -----------------

sub vnet_errors {
    my ($vnet) = @_;

    my $vnet_cfg = { ids => { vnet1 => { type => 'vnet', zone => 'z6', %$vnet } } };
    my $zone_cfg = { ids => { z6 => { type => 'ipv6only' } } };
    my $errors = param_errors(sub { $plugin->vnet_update_hook($vnet_cfg, 'vnet1', $zone_cfg) });
    %$vnet = %{ $vnet_cfg->{ids}->{vnet1} };
    return $errors;
}

is(vnet_errors({ tag => 100 })->{tag},
    'VLAN tags are not allowed in an ipv6only zone: each VNet is its own OVS bridge',
    'a VNet with a VLAN tag is refused');
is(vnet_errors({ vlanaware => 1 })->{vlanaware},
    'VLAN-aware VNets are not allowed in an ipv6only zone', 'a VLAN-aware VNet is refused');
is(vnet_errors({ 'isolate-ports' => 1 })->{'isolate-ports'},
    'port isolation is not available in an ipv6only zone', 'port isolation is refused');

$subnets = { subnet('vnet1', '2001:db8:1::', 64), subnet('vnet1', '10.0.0.0', 24),
    subnet('vnet1', '10.1.0.0', 24), subnet('vnet2', '10.2.0.0', 24) };
is(vnet_errors({})->{zone},
    'VNet vnet1 has IPv4 subnets (z6-10.0.0.0-24, z6-10.1.0.0-24): an ipv6only zone carries'
        . ' IPv6 only, delete them first',
    'a VNet with IPv4 subnets is refused, naming them (and not another VNet\'s)');

$subnets = { subnet('vnet1', '2001:db8:1::', 64) };
my $vnet = {};
is(vnet_errors($vnet), undef, 'an IPv6-only VNet is accepted');
is_deeply($vnet, { type => 'vnet', zone => 'z6' }, 'and left as it is');

# --- the bridge MAC, the same nat64d picks --------------------------------

# nat64d: gateway_mac(default_instance_id("vnet1")); its unit test
# Nat64dFlows.GatewayMacOfDefaultInstance asserts the same value.  Every
# VNet's bridge gets it (pve-network has no VNet MAC to store another).
is(PVE::Network::SDN::Zones::Ipv6OnlyPlugin::default_bridge_mac('vnet1'), '02:65:6d:88:39:d9',
    'default bridge MAC of vnet1 is nat64d\'s');
is(PVE::Network::SDN::Zones::Ipv6OnlyPlugin::default_bridge_mac('v6net'), '02:65:76:73:3f:62',
    'default bridge MAC of v6net is nat64d\'s');

# --- status ----------------------------------------------------------------

is_deeply($plugin->status({}, 'z6', 'vnet1', {}, {}),
    ["vnet is not generated. Please check the 'reload network' task log."],
    'status: a VNet ifupdown2 does not know');
is_deeply($plugin->status({}, 'z6', 'vnet1', {}, { vnet1 => { status => 'pass' } }), [],
    'status: a generated VNet');
$subnets = { subnet('vnet1', '2001:db8:1::', 64), subnet('vnet1', '10.0.0.0', 24) };
is_deeply($plugin->status({}, 'z6', 'vnet1', {}, { vnet1 => { status => 'pass' } }),
    ['IPv4 subnet z6-10.0.0.0-24 ignored: an ipv6only zone carries IPv6 only'],
    'status: an IPv4 subnet added after the VNet is reported');

# --- guest plugging ---------------------------------------------------------

eval { $plugin->tap_plug({}, {}, 100, 'tap100i0', 'vnet1', 0, undef, undef) };
is($@, "VLAN tag 100 is not allowed on tap100i0: VNet vnet1 is in an ipv6only zone\n",
    'tap_plug refuses a VLAN tag');
eval { $plugin->tap_plug({}, {}, undef, 'tap100i0', 'vnet1', 0, '10;20', undef) };
is($@, "trunks are not allowed on tap100i0: VNet vnet1 is in an ipv6only zone\n",
    'tap_plug refuses trunks');
is(scalar(@tap_plug_calls), 0, 'nothing was plugged for the refused ports');
$plugin->tap_plug({}, {}, undef, 'tap100i0', 'vnet1', 1, undef, 12.5);
is_deeply(\@tap_plug_calls, [['tap100i0', 'vnet1', undef, 1, undef, 12.5, {}]],
    'tap_plug plugs the port into the VNet bridge, with firewall and rate');

is($plugin->get_mtu({ mtu => 1400 }), 1400, 'get_mtu: the zone mtu');
is($plugin->get_mtu({}), undef, 'get_mtu: none set');

done_testing();
