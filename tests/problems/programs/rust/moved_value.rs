fn consume(values: Vec<i32>) -> usize { // expect: hint `consider changing this parameter type`
    values.len()
}

fn main() {
    let unused = 1; // expect: warning `on by default` at `unused`
    let values = vec![1, 2, 3]; // expect: hint `move occurs because`
    let total = consume(values); // expect: hint `value moved here`
    println!("{} {}", total, values.len()); // expect: error `value borrowed here after move` at `values.len`
}
