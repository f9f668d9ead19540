def total():
    return 5


def check():
    raise ValueError("cart is empty")  # RAISE
