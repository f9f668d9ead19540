greet() {
  nosuchcommand "$1" # expect: error `command not found`
}
