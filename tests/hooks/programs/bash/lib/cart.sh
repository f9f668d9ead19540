total() {
  echo 5
}

check() {
  cart_is_empty_no_such_command # RAISE
}
