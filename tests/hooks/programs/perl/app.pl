use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin";
use Lib::Cart;

print "argv: ", join(' ', $0, @ARGV), "\n";
print "total: ", Lib::Cart::total(), "\n";
open(my $fh, '<', 'data.txt') or die "no data: $!";
my $data = <$fh>;
chomp $data;
print "data: $data\n";
while (my $line = <STDIN>) { chomp $line; print "stdin: $line\n"; }
Lib::Cart::check();
