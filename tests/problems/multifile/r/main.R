source("helpers.R")

check_positive(-3) # expect: error `must be positive`
