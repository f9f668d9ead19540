<?php
function add($a, $b) {
    return $a + $b + missing(); // expect: error `undefined function missing()`
}
