export function add(a: number, b: number): number {
  const o: any = undefined;
  return o.x + a + b; // expect: error `TypeError` at `x`
}
