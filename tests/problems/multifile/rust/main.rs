mod helpers;

fn main() {
    println!("{}", helpers::add(1, 2));
}
