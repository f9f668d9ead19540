def add(a, b)
  a.missing_method + b # expect: error `NoMethodError` at `.missing_method`
end
