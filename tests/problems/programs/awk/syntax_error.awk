BEGIN {
  total = 0
  if (total > 1 { # expect: error `syntax error`
    print "big"
  }
} # expect: error `syntax error`
