using System.Diagnostics;
using System.Globalization;
using System.Net;
using KubeLab.Core.KubeProxy;
using KubeLab.Core.Model;

namespace KubeLab.Bench;

/// <summary>
/// kube-proxy rule generation at scale (Stopwatch mode: warm-up, then the median of several runs, with the
/// bytes allocated on the generating thread), and, as root, the time the kernel's iptables-restore takes to
/// load the same text into a scratch network namespace.
/// </summary>
internal static class RulesBenchmark
{
    public static ClusterSnapshot Cluster(int services, int endpointsPerService)
    {
        var config = LabConfig.Default("bench", 3);
        var nodes = config.Nodes.Select(n => new Node { Name = n.Name, Role = n.Role, InternalIP = n.InternalIP, PodCidr = n.PodCidr }).ToList();
        var serviceList = new List<Service>(services);
        var slices = new List<EndpointSlice>(services);
        var next = 0u;
        for (var s = 0; s < services; s++)
        {
            var name = "svc-" + s.ToString(CultureInfo.InvariantCulture);
            serviceList.Add(new Service
            {
                Namespace = "bench",
                Name = name,
                ClusterIP = IPMath.Add(IPAddress.Parse("10.43.0.0"), s + 16),
                Ports = [new ServicePort { Name = "http", Port = 80, TargetPort = PortRef.Of(8080) }],
            });
            var endpoints = new List<Endpoint>(endpointsPerService);
            for (var e = 0; e < endpointsPerService; e++, next++)
            {
                // Pod addresses from 10.64.0.0 upwards, spread over the three nodes.
                endpoints.Add(new Endpoint { Addresses = [IPMath.Add(IPAddress.Parse("10.64.0.0"), next + 1)], NodeName = nodes[(int)(next % 3)].Name });
            }

            slices.Add(new EndpointSlice
            {
                Namespace = "bench",
                Name = name + "-abcde",
                ServiceName = name,
                Ports = [new EndpointPort("http", 8080)],
                Endpoints = endpoints,
            });
        }

        return new ClusterSnapshot { Config = config, Nodes = nodes, Services = serviceList, EndpointSlices = slices };
    }

    public sealed record Result(int Services, int Endpoints, int Rules, long Bytes, TimeSpan Median, TimeSpan Min, long AllocatedBytes);

    public static Result Measure(int services, int endpointsPerService, int runs)
    {
        var snapshot = Cluster(services, endpointsPerService);
        var text = KubeProxyRules.Generate(snapshot, "vm1", KubeProxyConfig.K3sDefaults); // warm-up
        var times = new List<TimeSpan>();
        long allocated = 0;
        for (var i = 0; i < runs; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var before = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            text = KubeProxyRules.Generate(snapshot, "vm1", KubeProxyConfig.K3sDefaults);
            watch.Stop();
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            times.Add(watch.Elapsed);
        }

        times.Sort();
        var rules = text.Split('\n').Count(l => l.StartsWith("-A ", StringComparison.Ordinal));
        return new Result(services, services * endpointsPerService, rules, text.Length, times[times.Count / 2], times[0], allocated);
    }

    /// <summary>
    /// <paramref name="restore"/> --noflush of the text into a fresh namespace (root only), stopped after
    /// <paramref name="timeout"/>; null (with the reason) when not possible or too slow.
    /// </summary>
    public static TimeSpan? KernelLoad(string text, string restore, TimeSpan timeout, out string? why)
    {
        why = null;
        if (!Environment.IsPrivilegedProcess)
        {
            why = "not root";
            return null;
        }

        var name = "kl-bench" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        Run("ip", null, Timeout.InfiniteTimeSpan, "netns", "add", name);
        try
        {
            var watch = Stopwatch.StartNew();
            if (!Run("ip", text, timeout, "netns", "exec", name, restore, "--noflush"))
            {
                why = $"{restore} did not finish within {timeout.TotalSeconds:F0} s";
                return null;
            }

            return watch.Elapsed;
        }
        finally
        {
            Run("ip", null, Timeout.InfiniteTimeSpan, "netns", "del", name);
        }
    }

    /// <summary>Runs a command; false when it was killed at the timeout.</summary>
    private static bool Run(string file, string? stdin, TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardInput = stdin is not null, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var writer = stdin is null ? Task.CompletedTask : Task.Run(() =>
        {
            try
            {
                process.StandardInput.Write(stdin);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The process was stopped at the timeout.
            }
        });
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            writer.Wait();
            return false;
        }

        writer.Wait();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {stderr.Result.Trim()}");
        }

        return true;
    }
}
