def by(x, n):
    return x * n  # expect: error `TypeError` at `x * n`
