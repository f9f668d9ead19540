<?php
require_once 'helpers.php';

echo add(1, 2); // expect: hint
