total <- function() 5

check <- function() {
  stop("cart is empty") # RAISE
}
