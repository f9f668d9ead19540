use strict;
use warnings;

my $total = 0;
for my $n (1 .. 3) {
    $total += $n * ; # expect: error `syntax error`
}
print "$total\n";
