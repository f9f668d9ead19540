import sys

from shop.cart import check, total

print("argv:", " ".join(sys.argv))
print("total:", total())
with open("data.txt") as data:
    print("data:", data.read().strip())
for line in sys.stdin:
    print("stdin:", line.rstrip("\n"))
check()
