set items {a b c}
puts [llength $items ;# expect: error `missing close-bracket`
puts done
