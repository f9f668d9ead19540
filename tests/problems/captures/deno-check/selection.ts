// Notes before the selection.
// select-start
interface Point {
  x: number;
  y: number;
}
const p: Point = { x: 1 }; // expect: error `Property 'y' is missing` at `p`
// select-end
