proc add {a b} {
    expr {$a + "x"} ;# expect: error `non-numeric`
}
