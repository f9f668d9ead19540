use strict;
use warnings;
use Carp qw(confess);

sub check_age {
    my ($age) = @_;
    confess "age must be positive, got $age" if $age < 0; # expect: error `age must be positive`
    return $age;
}

sub register {
    my (%person) = @_;
    return check_age($person{age}); # expect: hint
}

register(name => "x", age => -3); # expect: hint
