<?php
// Only the marked lines are sent (after an opening tag line that is part of the selection).
// select-start
<?php
function ratio($a, $b) {
    return intdiv($a, $b); // expect: error `DivisionByZeroError`
}
echo ratio(1, 0); // expect: hint
// select-end
