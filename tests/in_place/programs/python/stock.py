def take(stock, item):
    wanted = 1
    left = stock[item] - wanted
    stock[item] = left
    return left
