function take(stock, item) {
  const wanted = 1;
  if (!(item in stock)) throw new RangeError(`no ${item} in stock`);
  stock[item] -= wanted;
  return stock[item];
}

module.exports = { take };
