check_positive <- function(x) {
  if (x <= 0) stop(paste("not positive:", x))
  x
}
scaled <- function(x) check_positive(x) * 2 # expect: error `not positive: -1`
print(scaled(-1))
