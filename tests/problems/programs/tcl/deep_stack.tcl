proc average {values} {
    set total 0
    foreach v $values {
        set total [expr {$total + $v}] ;# expect: error `can't use non-numeric string`
    }
    return [expr {$total / [llength $values]}]
}

proc report {} {
    puts [average {1 2 three}] ;# expect: hint
}

report ;# expect: hint
