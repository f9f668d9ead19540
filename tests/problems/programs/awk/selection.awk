# Only the marked lines are sent.
# select-start
BEGIN {
  n = split("a b c", parts, " ")
  for (i = 1; i <= n; i++ {  # expect: error `syntax error`
    print parts[i]
  }
} # expect: error `syntax error`
# select-end
