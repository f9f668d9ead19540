// Only the marked lines are sent; `scale` is defined outside them.
const scale = 2;
// select-start
function grow(items: number[]): number[] {
  return items.map((item) => item * scale); // expect: error `scale is not defined` at `scale)`
}
console.log(grow([1, 2])); // expect: hint
// select-end
