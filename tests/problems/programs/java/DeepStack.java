public class Main {
    static int port(String text) {
        return Integer.parseInt(text); // expect: error `NumberFormatException`
    }

    static int load(String[] settings) {
        return port(settings[1]); // expect: hint
    }

    public static void main(String[] args) {
        System.out.println(load(new String[] {"host", "eighty"})); // expect: hint
    }
}
