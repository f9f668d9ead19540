require_relative 'helpers'

puts add(1, 2) # expect: hint
