using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using KubeLab.Core.Model;
using KubeLab.Core.Netfilter;
using KubeLab.Core.Trace;

namespace KubeLab.Bench;

/// <summary>
/// How parsing an iptables-save dump and tracing one request grow with the number of services. The dump is what
/// kube-proxy v1.29 leaves in the kernel, printed by iptables-save (reference §8), in large-cluster mode (§4.4: more
/// than 1000 endpoints, so SVC selection and SEP rules carry no comment).
/// </summary>
public static class TraceScaling
{
    public static void Run(IReadOnlyList<int> serviceCounts, int endpointsPerService)
    {
        Console.WriteLine("| services | endpoints | rules | dump MB | parse, every rule checked (ms) | parse, rules read on use (ms) | first trace after deferred parse (ms) | trace (ms, median of 21) | branches |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var services in serviceCounts)
        {
            var text = GenerateDump(services, endpointsPerService);
            Ruleset.Parse(text); // warm-up (JIT)
            var eager = Median(3, () => Ruleset.Parse(text), out var rules);
            var deferred = Median(3, () => Ruleset.Parse(text, deferRules: true), out _);
            var (snapshot, nodes, request) = Lab(text, services);
            var first = Median(1, () => Tracer.Trace(request, nodes, snapshot, new SnapshotDnsAnswerer(snapshot)), out _);
            var trace = Median(21, () => Tracer.Trace(request, nodes, snapshot, new SnapshotDnsAnswerer(snapshot)), out var result);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {services} | {services * endpointsPerService} | {rules.RuleCount} | {text.Length / 1e6:0.0} | {eager:0} | {deferred:0} | {first:0.0} | {trace:0.00} | {result.Outcomes.Count} |"));
        }
    }

    private static double Median<T>(int runs, Func<T> action, out T last)
    {
        var times = new List<double>();
        last = default!;
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            last = action();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        return times[runs / 2];
    }

    private static (ClusterSnapshot, IReadOnlyDictionary<string, NodeState>, TraceRequest) Lab(string dump, int services)
    {
        var config = LabConfig.Default("bench", nodes: 1);
        var node = new Node { Name = "vm1", Role = NodeRole.Server, InternalIP = config.Nodes[0].InternalIP, PodCidr = config.Nodes[0].PodCidr };
        var pod = new Pod { Namespace = "default", Name = "client", IP = IPAddress.Parse("10.42.0.5"), NodeName = "vm1" };
        var snapshot = new ClusterSnapshot { Config = config, Nodes = [node], Pods = [pod] };
        var state = NodeState.FromTexts("vm1", dump,
            "default via 10.65.94.1 dev ens3 proto dhcp src 10.65.94.238 metric 100 \n10.42.0.0/24 dev cni0 proto kernel scope link src 10.42.0.1 \n", node: node, deferRules: true);
        // The last service: its KUBE-SERVICES rule is the furthest from the top of the chain.
        var request = new TraceRequest { From = "client", Target = $"{ClusterIP(services - 1)}:80" };
        return (snapshot, new Dictionary<string, NodeState> { ["vm1"] = state }, request);
    }

    private static string ClusterIP(int i) => $"10.43.{(i + 20) >> 8}.{(i + 20) & 255}";

    private static string EndpointIP(int index) => $"10.{100 + (index >> 16)}.{(index >> 8) & 255}.{index & 255}";

    public static string GenerateDump(int services, int endpointsPerService)
    {
        var nat = new StringBuilder();
        var chains = new List<string>();
        var rules = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Rule(string chain, string text)
        {
            if (!rules.TryGetValue(chain, out var list))
            {
                rules[chain] = list = [];
            }

            list.Add($"-A {chain} {text}");
        }

        foreach (var fixedChain in new[] { "KUBE-MARK-MASQ", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-SERVICES" })
        {
            rules[fixedChain] = [];
        }

        Rule("KUBE-MARK-MASQ", "-j MARK --set-xmark 0x4000/0x4000");
        Rule("KUBE-POSTROUTING", "-m mark ! --mark 0x4000/0x4000 -j RETURN");
        Rule("KUBE-POSTROUTING", "-j MARK --set-xmark 0x4000/0x0");
        Rule("KUBE-POSTROUTING", "-m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully");
        for (var i = 0; i < services; i++)
        {
            var name = $"ns{i % 50}/svc-{i}";
            var vip = ClusterIP(i);
            var svc = "KUBE-SVC-" + Hash(name + "tcp");
            rules[svc] = [];
            Rule("KUBE-SERVICES", $"-d {vip}/32 -p tcp -m comment --comment \"{name} cluster IP\" -m tcp --dport 80 -j {svc}");
            Rule(svc, $"! -s 10.42.0.0/16 -d {vip}/32 -p tcp -m comment --comment \"{name} cluster IP\" -m tcp --dport 80 -j KUBE-MARK-MASQ");
            var endpoints = Enumerable.Range(0, endpointsPerService).Select(j => EndpointIP((i * endpointsPerService) + j) + ":8080").Order(StringComparer.Ordinal).ToList();
            for (var j = 0; j < endpoints.Count; j++)
            {
                var sep = "KUBE-SEP-" + Hash(name + "tcp" + endpoints[j]);
                var probability = j < endpoints.Count - 1 ? $" -m statistic --mode random --probability {KernelProbability(1.0 / (endpoints.Count - j))}" : "";
                Rule(svc, $"{probability.TrimStart()} -j {sep}".TrimStart());
                rules[sep] = [];
                Rule(sep, $"-s {endpoints[j].Split(':')[0]}/32 -j KUBE-MARK-MASQ");
                Rule(sep, $"-p tcp -m tcp -j DNAT --to-destination {endpoints[j]}");
            }
        }

        Rule("KUBE-SERVICES", "-m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS");
        chains.AddRange(rules.Keys.Order(StringComparer.Ordinal));
        nat.Append("# Generated by iptables-save v1.8.7\n*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n");
        foreach (var chain in chains)
        {
            nat.Append(':').Append(chain).Append(" - [0:0]\n");
        }

        nat.Append("-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n");
        nat.Append("-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n");
        nat.Append("-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING\n");
        foreach (var chain in chains)
        {
            foreach (var rule in rules[chain])
            {
                nat.Append(rule).Append('\n');
            }
        }

        nat.Append("COMMIT\n");
        var filter = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:KUBE-FORWARD - [0:0]\n" +
            "-A FORWARD -m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD\n" +
            "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP\n" +
            "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark --mark 0x4000/0x4000 -j ACCEPT\n" +
            "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding conntrack rule\" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\nCOMMIT\n";
        return filter + nat;
    }

    /// <summary>The kernel keeps round(p·2^31); iptables-save prints it back with 11 decimals.</summary>
    private static string KernelProbability(double p)
    {
        var stored = Math.Round(Math.Round(p, 10) * 0x80000000, MidpointRounding.AwayFromZero);
        return (stored / 0x80000000).ToString("0.00000000000", CultureInfo.InvariantCulture);
    }

    private static string Hash(string text)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        var sb = new StringBuilder(16);
        int buffer = 0, bits = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5 && sb.Length < 16)
            {
                sb.Append(alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }

            if (sb.Length == 16)
            {
                break;
            }
        }

        return sb.ToString();
    }
}
