from stock import take

stock = {"apple": 3, "pear": 0}
for name, left in stock.items():
    print("left", name, left)
print("taking a plum")
take(stock, "plum")
