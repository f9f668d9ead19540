function area(width: number, height: number): number {
  return width * height;
}

const size: number = "large"; // expect: error `not assignable` at `size`
console.log(area(2, "3")); // expect: error `not assignable` at `"3"`
