public class Main {
    public static void main(String[] args) {
        System.out.println(Helper.add(1, 2)); // expect: hint
    }
}
