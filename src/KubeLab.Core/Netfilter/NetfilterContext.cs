using System.Net;

namespace KubeLab.Core.Netfilter;

/// <summary>What the evaluator needs to know about the node whose rules it interprets.</summary>
public sealed record NetfilterContext
{
    /// <summary>The node's own addresses (addrtype LOCAL). 127.0.0.0/8 is always local.</summary>
    public IReadOnlyList<IPAddress> LocalAddresses { get; init; } = [];

    /// <summary>The address MASQUERADE picks on an outgoing interface (the interface's primary address).</summary>
    public Func<string, IPAddress?> InterfaceAddress { get; init; } = _ => null;

    /// <summary>Stop enumerating statistic/unknown branches past this many outcomes per hook.</summary>
    public int MaxOutcomes { get; init; } = 4096;

    private static readonly IPNetwork Loopback = IPNetwork.Parse("127.0.0.0/8");

    public bool IsLocal(IPAddress address) => Loopback.Contains(address) || LocalAddresses.Contains(address);
}

/// <summary>The netfilter hooks, in the kernel's names.</summary>
public static class Hooks
{
    public const string Prerouting = "PREROUTING";
    public const string Input = "INPUT";
    public const string Forward = "FORWARD";
    public const string Output = "OUTPUT";
    public const string Postrouting = "POSTROUTING";

    /// <summary>Tables in the order the kernel runs them at each hook (by priority: raw, mangle, nat dst, filter, security; nat src last).</summary>
    public static IReadOnlyList<string> TablesFor(string hook) => hook switch
    {
        Prerouting => ["raw", "mangle", "nat"],
        Input => ["mangle", "filter", "security", "nat"],
        Forward => ["mangle", "filter", "security"],
        Output => ["raw", "mangle", "nat", "filter", "security"],
        Postrouting => ["mangle", "nat"],
        _ => throw new ArgumentOutOfRangeException(nameof(hook), hook, "expected PREROUTING, INPUT, FORWARD, OUTPUT or POSTROUTING"),
    };
}
