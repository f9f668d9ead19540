for n in range(20000):
    print("line", n, "x" * (n % 50))
