pub fn add(a: i32, b: i32) -> i32 {
    let v: Vec<i32> = vec![a, b];
    v[a as usize + 5] // expect: error `index out of bounds`
}
