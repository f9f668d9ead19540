fn pick(values: &[i32], index: usize) -> i32 {
    values[index] // expect: error `index out of bounds` at `values[index]`
}

fn third(values: &[i32]) -> i32 {
    pick(values, 2)
}

fn main() {
    let values = vec![1];
    println!("{}", third(&values));
}
