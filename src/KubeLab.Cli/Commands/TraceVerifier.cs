using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using KubeLab.Core;
using KubeLab.Core.Control;
using KubeLab.Core.Trace;
using KubeLab.Realize.Drivers;

namespace KubeLab.Cli.Commands;

/// <summary>
/// `trace --verify`: sends the request for real from inside the source pod, then reads the source node's
/// kube-proxy counters (which KUBE-SEP each new connection took) and compares them with the prediction.
/// </summary>
internal static partial class TraceVerifier
{
    public static string Verify(ClusterState state, INodeStateReader reader, TraceResult result, string target, int runs)
    {
        if (result.SourceKind != SourceKind.Pod || result.SourceNode is null)
        {
            throw KubeLabException.Usage("--verify sends from inside a pod: give a pod as FROM");
        }

        if (runs is < 1 or > 100_000)
        {
            throw KubeLabException.Usage($"--runs: Invalid value: {runs}: must be between 1 and 100000");
        }

        var predicted = result.Outcomes.Where(o => o.EndpointChain is not null).GroupBy(o => o.EndpointChain!)
            .ToDictionary(g => g.Key, g => (Probability: g.Sum(o => o.Probability), g.First().Address, g.First().Pod), StringComparer.Ordinal);
        // curl resolves the name first: those queries take the DNS path's KUBE-SEP, which the trace predicted too
        var dnsChains = (result.Dns?.QueryPath.Outcomes() ?? []).Select(o => o.EndpointChain).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var before = Counters(NatWithCounters(state, reader, result.SourceNode));
        var url = target.Contains("://", StringComparison.Ordinal) ? target : $"http://{target}/";
        var separator = url.Contains('?', StringComparison.Ordinal) ? "&" : "?";
        var source = result.Request.From.Contains('/', StringComparison.Ordinal) ? result.Request.From : $"default/{result.Request.From}";
        var (code, output, error) = reader.Capture(state, source,
            ["curl", "-s", "-o", "/dev/null", "-m", "5", "-H", "Connection: close", "-w", "%{http_code}\n", $"{url}{separator}kubelab-verify=[1-{runs}]"]);
        var after = Counters(NatWithCounters(state, reader, result.SourceNode));
        var observed = after.Keys.Union(before.Keys).Where(k => k.StartsWith("KUBE-SEP-", StringComparison.Ordinal) && !dnsChains.Contains(k))
            .Select(k => (Chain: k, Count: after.GetValueOrDefault(k) - before.GetValueOrDefault(k))).Where(x => x.Count > 0).ToList();
        var answered = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.StartsWith('2') || l.StartsWith('3') || l.StartsWith('4'));

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"\nVerify: {runs} requests sent from inside {source} (curl, a new connection each): {answered} answered");
        text.Append(code == 0 ? "\n" : $" (curl exit code {code}{(error.Length > 0 ? ": " + error.Trim() : "")})\n");
        text.Append(CultureInfo.InvariantCulture, $"Which KUBE-SEP the kernel chose on {result.SourceNode} (nat rule counters, before and after):\n");
        var total = observed.Sum(o => o.Count);
        var unpredicted = observed.Where(o => !predicted.ContainsKey(o.Chain)).ToList();
        foreach (var (chain, (probability, address, pod)) in predicted.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var count = observed.FirstOrDefault(o => o.Chain == chain).Count;
            text.Append(CultureInfo.InvariantCulture, $"  {chain}  {address,-15} predicted {probability:P1}  observed {count,5} ({(total == 0 ? 0 : (double)count / total):P1})  {pod}\n");
        }

        foreach (var chain in dnsChains)
        {
            var queries = after.GetValueOrDefault(chain) - before.GetValueOrDefault(chain);
            text.Append(CultureInfo.InvariantCulture, $"  {chain}  DNS queries to kube-dns (the trace's DNS path): {queries}\n");
        }

        foreach (var (chain, count) in unpredicted)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {chain}  NOT PREDICTED  observed {count}\n");
        }

        var chiSquare = predicted.Count > 1 && total > 0
            ? predicted.Sum(p =>
            {
                var expected = p.Value.Probability * total;
                var count = observed.FirstOrDefault(o => o.Chain == p.Key).Count;
                return expected <= 0 ? 0 : (count - expected) * (count - expected) / expected;
            })
            : 0;
        var critical = ChiSquareCritical001(predicted.Count - 1);
        text.Append(unpredicted.Count > 0
            ? "Result: the kernel took a branch the trace did not predict.\n"
            : total == 0
                ? "Result: no new connection went through kube-proxy's chains on the source node.\n"
                : predicted.Count <= 1
                    ? "Result: every connection took the predicted branch.\n"
                    : string.Create(CultureInfo.InvariantCulture, $"Result: every observed endpoint was predicted; chi-square {chiSquare:F2} {(chiSquare < critical ? "<" : "≥")} {critical:F2} (p = 0.001, {predicted.Count - 1} dof): {(chiSquare < critical ? "consistent with" : "NOT consistent with")} the predicted probabilities.\n"));
        return text.ToString();
    }

    private static string NatWithCounters(ClusterState state, INodeStateReader reader, string node)
    {
        var (code, output, error) = reader.Capture(state, node, ["iptables-save", "-c", "-t", "nat"]);
        return code == 0 ? output : throw KubeLabException.Host($"iptables-save -c -t nat on {node} failed: {error}");
    }

    /// <summary>Packets per jump target in the nat table (a KUBE-SEP chain's DNAT rule counts the new connections it took).</summary>
    private static Dictionary<string, long> Counters(string iptablesSave)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (Match m in CounterLine().Matches(iptablesSave))
        {
            var chain = m.Groups[2].Value;
            counts[chain] = counts.GetValueOrDefault(chain) + long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        return counts;
    }

    [GeneratedRegex(@"^\[(\d+):\d+\] -A (KUBE-SEP-[A-Z0-9]+) .*-j DNAT", RegexOptions.Multiline)]
    private static partial Regex CounterLine();

    /// <summary>Chi-square critical values at p = 0.001.</summary>
    private static double ChiSquareCritical001(int dof) => dof switch
    {
        <= 1 => 10.83,
        2 => 13.82,
        3 => 16.27,
        4 => 18.47,
        5 => 20.52,
        _ => 20.52 + (dof - 5) * 2.0,
    };
}
