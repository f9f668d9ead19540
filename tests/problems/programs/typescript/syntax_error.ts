const values: number[] = [1, 2, 3];
const total = values.reduce((a, b) => a + b, 0);
const average: number = ; // expect: error `SyntaxError` at `;`
console.log(total, average);
