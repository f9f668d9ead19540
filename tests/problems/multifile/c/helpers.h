static int add(int a, int b) {
    return a + b + missing; /* expect: error `missing` at `missing` */
}
