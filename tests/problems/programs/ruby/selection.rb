# Only the marked region is sent; `RATE` is defined outside it.
RATE = 0.2
# select-start
def tax(amount)
  amount * RATE # expect: error `uninitialized constant`
end

puts tax(100) # expect: hint
# select-end
