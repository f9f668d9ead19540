class Helper {
    static int add(int a, int b) {
        Object o = null;
        return o.hashCode() + a + b; // expect: error `NullPointerException`
    }
}
