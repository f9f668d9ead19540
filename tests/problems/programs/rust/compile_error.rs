fn main() {
    let count: i32 = "three"; // expect: error `mismatched types` at `"three"`
    println!("{}", count + missing); // expect: error `cannot find value` at `missing`
}
