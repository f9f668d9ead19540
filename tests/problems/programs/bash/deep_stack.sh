set -u
greet() {
  echo "hello $name" # expect: error `unbound variable`
}
main() {
  greet
}
main
