<?php
function owner_name($repo) {
    return $repo->owner->name(); // expect: error `Call to a member function name() on null`
}

function describe($repo) {
    return "owned by " . owner_name($repo); // expect: hint
}

echo describe((object) ["owner" => null]); // expect: hint
