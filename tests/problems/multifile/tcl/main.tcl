source helpers.tcl

puts [add 1 2] ;# expect: hint
