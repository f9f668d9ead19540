const { take } = require('./stock');

const stock = { apple: 3, pear: 0 };
for (const [name, left] of Object.entries(stock)) {
  console.log('left', name, left);
}
console.log('taking a plum');
take(stock, 'plum');
