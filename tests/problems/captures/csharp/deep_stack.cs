using System;
using System.Runtime.CompilerServices;

class Program {
    [MethodImpl(MethodImplOptions.NoInlining)]
    static int Pick(int[] values, int index) {
        return values[index]; // expect: error `IndexOutOfRangeException`
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static int Third(int[] values) {
        return Pick(values, 2); // expect: hint
    }

    static void Main() {
        Console.WriteLine(Third(new int[] { 1 })); // expect: hint
    }
}
