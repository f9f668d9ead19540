export function total(): number {
  return 5;
}

export function check(): void {
  throw new Error("cart is empty"); // RAISE
}
