package PVE::Exception;

# Stand-in for pve-common's PVE::Exception: raise_param_exc dies with an
# object whose {errors} maps each parameter to its message, as the real one.

use strict;
use warnings;

use Exporter qw(import);

our @EXPORT_OK = qw(raise_param_exc);

use overload '""' => sub {
    my ($self) = @_;
    my $errors = $self->{errors} // {};
    return $self->{msg} . join('', map { "$_: $errors->{$_}\n" } sort keys %$errors);
};

sub raise_param_exc {
    my ($errors, $usage) = @_;

    die bless({ msg => "Parameter verification failed.\n", code => 400, errors => $errors },
        'PVE::Exception');
}

1;
