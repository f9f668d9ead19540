<?php
function total() { return 5; }

function check() {
    throw new Exception('cart is empty'); // RAISE
}
