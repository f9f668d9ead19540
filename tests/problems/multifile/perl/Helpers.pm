package Helpers;
use strict;
use warnings;
use Carp;

sub add {
    my ($x, $y) = @_;
    confess "bad add: $x"; # expect: error `bad add: 1`
}

1;
