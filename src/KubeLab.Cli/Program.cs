namespace KubeLab.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.WriteLine("kubelab");
        return args.Length == 0 ? 0 : 2;
    }
}
