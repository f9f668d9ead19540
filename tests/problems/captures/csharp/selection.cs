// Notes before the selection.
// select-start
class Program {
    static void Main() {
        string text = null;
        System.Console.WriteLine(text.Length); // expect: error `NullReferenceException`
    }
}
// select-end
