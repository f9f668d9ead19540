from pkg.sub import util

print(util.twice(None))  # expect: hint
