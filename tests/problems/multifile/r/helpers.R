check_positive <- function(x) {
  if (x < 0) stop("must be positive")
  x
}
