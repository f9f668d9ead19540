// Notes before the selection.
// select-start
fun main() {
    val names: List<String>? = null
    println(names!!.size) // expect: error `NullPointerException`
}
// select-end
