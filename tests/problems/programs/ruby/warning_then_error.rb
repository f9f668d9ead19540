limits = { low: 1, low: 2 } # expect: warning `duplicated`
puts limits.fetch(:high) # expect: error `KeyError`
