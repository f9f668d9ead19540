fun main() {
    val count: Int = "three" // expect: error `type mismatch` at `"three"`
    println(count + missing) // expect: error `unresolved reference` at `missing`
}
