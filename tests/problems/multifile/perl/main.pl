use strict;
use warnings;
use lib '.';
use Helpers;

print Helpers::add(1, 2), "\n"; # expect: hint
