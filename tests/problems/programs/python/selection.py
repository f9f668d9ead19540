# A notebook-style file; only the second cell is run, so `math` is never imported.
# %% setup
import math

# %% area  (select-start)
def area(radius):
    return math.pi * radius**2  # expect: error `NameError` at `math`


print(area(2.0))  # expect: hint
# %% end (select-end)
print(math.tau)
