def add(a, b)
  a + b
end

def scale(a b) # expect: error `syntax error`
  a * 2
end

puts add(1, 2)
