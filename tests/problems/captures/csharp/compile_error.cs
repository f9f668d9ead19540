class Program {
    static void Main() {
        int count = "three"; // expect: error `Cannot implicitly convert` at `"three"`
        System.Console.WriteLine(count);
    }
}
