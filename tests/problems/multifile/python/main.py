from helpers import add
from pkg.util import twice

print(twice(2))
print(add(1, 2))  # expect: hint
