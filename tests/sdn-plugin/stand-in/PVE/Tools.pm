package PVE::Tools;

# Stand-in for pve-common's PVE::Tools: random_ether_addr returns a random
# locally administered unicast MAC, or one starting with the given prefix,
# in upper case like the real one.

use strict;
use warnings;

sub random_ether_addr {
    my ($prefix) = @_;

    my @bytes = map { int(rand(256)) } 1 .. 6;
    $bytes[0] = ($bytes[0] & 0xfe) | 0x02;
    my $mac = join(':', map { sprintf('%02X', $_) } @bytes);
    substr($mac, 0, length($prefix), uc($prefix)) if $prefix;

    return $mac;
}

1;
