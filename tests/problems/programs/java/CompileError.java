public class Main {
    public static void main(String[] args) {
        int count = "three"; // expect: error `incompatible types` at `"three"`
        System.out.println(count + missing); // expect: error `symbol:   variable missing` at `missing`
    }
}
