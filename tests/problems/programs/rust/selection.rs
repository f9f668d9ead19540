// Notes above the selection: they are not sent.
// The selected region is a whole program.
// select-start
fn parse(text: &str) -> i32 {
    text.parse::<i32>().unwrap() // expect: error `called` at `unwrap()`
}

fn main() {
    println!("{}", parse("forty"));
}
// select-end
