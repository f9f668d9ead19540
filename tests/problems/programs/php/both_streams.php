<?php
// display_errors sends the error to stdout as well as the stderr log: it is reported once.
ini_set('display_errors', 'stdout');
function ratio($a, $b) {
    return intdiv($a, $b); // expect: error `DivisionByZeroError`
}
echo ratio(1, 0); // expect: hint
