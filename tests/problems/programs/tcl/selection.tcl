# Only the marked lines are sent; `limit` is set outside them.
set limit 10
# select-start
proc clamp {x} {
    global limit
    if {$x > $limit} { ;# expect: error `no such variable`
        return $limit
    }
    return $x
}
puts [clamp 12] ;# expect: hint
# select-end
