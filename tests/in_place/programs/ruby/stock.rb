def take(stock, item)
  wanted = 1
  left = stock.fetch(item) - wanted
  stock[item] = left
  left
end
