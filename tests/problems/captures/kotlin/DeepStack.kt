fun port(text: String): Int {
    return text.toInt() // expect: error `NumberFormatException`
}

fun load(settings: List<String>): Int {
    return port(settings[1]) // expect: hint
}

fun main() {
    println(load(listOf("host", "eighty"))) // expect: hint
}
