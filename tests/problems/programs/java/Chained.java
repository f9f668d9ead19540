public class Main {
    static int port(String text) {
        return Integer.parseInt(text); // expect: error `NumberFormatException`
    }

    static int load(String text) {
        try {
            return port(text); // expect: hint
        } catch (NumberFormatException e) {
            throw new IllegalStateException("bad configuration", e); // expect: hint `IllegalStateException: bad configuration`
        }
    }

    public static void main(String[] args) {
        System.out.println(load("eighty")); // expect: hint
    }
}
