namespace KubeLab.Bench;

public static class Program
{
    public static void Main(string[] args) => Console.WriteLine("benchmarks: none yet");
}
