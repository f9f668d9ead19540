function add(a, b) {
  return a.b.c + b; // expect: error `TypeError` at `c`
}

module.exports = { add };
