using System.Globalization;
using System.Runtime.InteropServices;

namespace KubeLab.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench/KubeLab.Bench -- rules [--kernel]</c> or <c>-- trace [SERVICES...]</c>: kube-proxy rule
/// generation for 100, 1,000 and 10,000 services × 10 endpoints; with --kernel (root) also the time
/// iptables-restore needs to load the 10,000-service text into a scratch network namespace.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        switch (args.FirstOrDefault())
        {
            case "trace":
                TraceScaling.Run(args.Length > 1 ? args[1..].Select(int.Parse).ToList() : [1000, 2500, 5000, 10000], endpointsPerService: 10);
                return 0;
            case "rules":
                return Rules(args);
            case "api" when args.Length > 1:
                return ApiBenchmark.Run(args[1], args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 500);
            case "dumps":
                return DumpBenchmark.Run(args);
            default:
                Console.WriteLine("usage: KubeLab.Bench rules [--kernel [--slow]] | trace [SERVICES...] | dumps write|read|trace ... | api PATH/TO/kubelab [PODS]");
                return 2;
        }
    }

    private static int Rules(string[] args)
    {
        var kernel = args.Contains("--kernel");
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"runtime {RuntimeInformation.FrameworkDescription}, {Environment.ProcessorCount} CPUs, {RuntimeInformation.OSDescription}"));
        Console.WriteLine("services | endpoints | rules | text bytes | median ms | min ms | allocated MB | ns/endpoint");
        foreach (var services in new[] { 100, 1_000, 10_000 })
        {
            var r = RulesBenchmark.Measure(services, 10, runs: services >= 10_000 ? 7 : 15);
            Console.WriteLine(string.Create(inv,
                $"{r.Services,8} | {r.Endpoints,9} | {r.Rules,7} | {r.Bytes,10} | {r.Median.TotalMilliseconds,9:F1} | {r.Min.TotalMilliseconds,6:F1} | {r.AllocatedBytes / 1048576.0,12:F1} | {r.Median.TotalMilliseconds * 1e6 / r.Endpoints,11:F0}"));
        }

        if (kernel)
        {
            Console.WriteLine("kernel load (iptables-restore --noflush into a fresh network namespace):");
            Console.WriteLine("services | restore binary | generation ms | load ms | generation/load");
            foreach (var services in new[] { 100, 1_000, 10_000 })
            {
                var generation = RulesBenchmark.Measure(services, 10, runs: 5).Median;
                var text = KubeLab.Core.KubeProxy.KubeProxyRules.Generate(RulesBenchmark.Cluster(services, 10), "vm1", KubeLab.Core.KubeProxy.KubeProxyConfig.K3sDefaults);
                foreach (var restore in new[] { "iptables-legacy-restore", "iptables-nft-restore" })
                {
                    if (restore == "iptables-nft-restore" && services > 1_000 && !args.Contains("--slow"))
                    {
                        // Measured once: did not finish within 300 s (docs/benchmarks.md); --slow runs it.
                        Console.WriteLine(string.Create(inv, $"{services,8} | {restore,-23} | {generation.TotalMilliseconds,13:F1} | skipped: known to take > 300 s (pass --slow)"));
                        continue;
                    }

                    var load = RulesBenchmark.KernelLoad(text, restore, TimeSpan.FromSeconds(300), out var why);
                    Console.WriteLine(load is null
                        ? string.Create(inv, $"{services,8} | {restore,-23} | {generation.TotalMilliseconds,13:F1} | skipped: {why}")
                        : string.Create(inv, $"{services,8} | {restore,-23} | {generation.TotalMilliseconds,13:F1} | {load.Value.TotalMilliseconds,7:F0} | {generation / load.Value * 100,6:F2}%"));
                }
            }
        }

        return 0;
    }
}
