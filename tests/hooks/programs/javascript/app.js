const fs = require('fs');
const path = require('path');
const { check, total } = require('./lib/cart');

console.log('argv:', [path.basename(process.argv[1]), ...process.argv.slice(2)].join(' '));
console.log('total:', total());
console.log('data:', fs.readFileSync('data.txt', 'utf8').trim());
for (const line of fs.readFileSync(0, 'utf8').split('\n').filter(Boolean)) {
  console.log('stdin:', line);
}
check();
