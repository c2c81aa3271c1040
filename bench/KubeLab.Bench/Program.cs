namespace KubeLab.Bench;

public static class Program
{
    public static void Main(string[] args)
    {
        switch (args.FirstOrDefault())
        {
            case "trace":
                TraceScaling.Run(args.Length > 1 ? args[1..].Select(int.Parse).ToList() : [1000, 2500, 5000, 10000], endpointsPerService: 10);
                break;
            default:
                Console.WriteLine("benchmarks: trace [SERVICES...]");
                break;
        }
    }
}
