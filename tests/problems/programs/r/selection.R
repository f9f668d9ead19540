# Only the marked lines are sent.
library(stats)
# select-start
ratio <- function(a, b) {
  if (b == 0) stop("division by zero requested")
  a / b
}
result <- ratio(1, 0) # expect: error `division by zero requested`
# select-end
