use strict;
# select-start
use warnings;
my %limits = (low => 1);
my $high = $limits{high};
print "limit: " . $high . "\n"; # expect: warning `uninitialized value`
die "no high limit" unless defined $high; # expect: error `no high limit`
# select-end
