def add(a, b):
    return a + b + missing  # expect: error `NameError` at `missing`
