fn main() {
    let count: i32 = "three"; // expect: error `` expected `i32`, found `&str` `` at `"three"`
    println!("{}", count + missing); // expect: error `cannot find value` at `missing`
}
