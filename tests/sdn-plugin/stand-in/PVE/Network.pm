package PVE::Network;

# Stand-in for pve-common's PVE::Network: the plugin hands guest ports to
# tap_plug; tests replace it to see the arguments.

use strict;
use warnings;

sub tap_plug {
    die "PVE::Network::tap_plug is not available in the stand-in\n";
}

1;
