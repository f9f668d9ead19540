// License header and notes, not part of the selection.
// select-start
public class Main {
    public static void main(String[] args) {
        Object value = "text";
        Integer number = (Integer) value; // expect: error `ClassCastException`
        System.out.println(number);
    }
}
// select-end
