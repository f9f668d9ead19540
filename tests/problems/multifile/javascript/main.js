const { add } = require('./helpers');

console.log(add(1, 2)); // expect: hint
