fn main() {
    println!("{} {}", y, y); // expect: error `cannot find value` at `y` expect: error `cannot find value` at `y`
}
