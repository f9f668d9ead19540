<?php
$total = 0;
foreach ([1, 2, 3] as $value) {
    $total += $value
    echo $total; // expect: error `syntax error`
}
