using System.Net;
using KubeLab.Core.Netfilter;

namespace KubeLab.Core.Trace;

public enum SourceKind { Pod, Node, Outside }

/// <summary>
/// <c>kubelab trace FROM TARGET</c>. FROM is a pod (<c>name</c> in default or <c>ns/name</c>), a node name, or an
/// outside client's IP. TARGET is a URL (<c>http://nginx-service:80/</c>), <c>host:port</c> or <c>IP:port</c>.
/// </summary>
public sealed record TraceRequest
{
    public required string From { get; init; }
    public required string Target { get; init; }
    /// <summary>Force how FROM is read; null: a pod, else a node, else an IP (outside client).</summary>
    public SourceKind? FromKind { get; init; }
    /// <summary>tcp (default), udp or sctp; a udp:// or dns:// URL implies udp, sctp:// sctp.</summary>
    public string? Protocol { get; init; }
    /// <summary>
    /// For an outside client: the node the outside network delivers the packet to (a LoadBalancer VIP, an external
    /// IP, or a ClusterIP routed to a node); null: the node that owns the destination address.
    /// </summary>
    public string? Via { get; init; }
    /// <summary>LoadBalancer VIPs announced in layer 2 and the node that answers ARP for each (MetalLB's speakers).</summary>
    public IReadOnlyDictionary<string, string>? Announcers { get; init; }
    /// <summary>The source's /etc/resolv.conf; null for a pod: the file kubelet writes (ClusterFirst).</summary>
    public string? ResolvConf { get; init; }
    /// <summary>null: from the pod's image (netshoot/alpine/busybox: musl), else glibc.</summary>
    public ResolverKind? Resolver { get; init; }
    /// <summary>Ask only A (curl -4); otherwise A and AAAA, as getaddrinfo(AF_UNSPEC) does.</summary>
    public bool IPv4Only { get; init; }
    /// <summary>The client's ephemeral port; 0 prints none.</summary>
    public int SourcePort { get; init; }
}

public enum HopKind { Send, Hook, Rule, Route, Bridge, Encapsulate, Decapsulate, Underlay, Deliver, Verdict, Note }

/// <summary>One thing that happens to the packet: a rule that matched, a routing decision, an encapsulation.</summary>
public sealed record TraceHop
{
    public required HopKind Kind { get; init; }
    public required string Text { get; init; }
    public string? Node { get; init; }
    public string? Hook { get; init; }
    public string? Table { get; init; }
    public string? Chain { get; init; }
    /// <summary>The matched rule exactly as iptables-save printed it (or the route/neighbour/fdb line).</summary>
    public string? Rule { get; init; }
    public int? Line { get; init; }
    public Packet? Before { get; init; }
    public Packet? After { get; init; }
    /// <summary>For statistic branch steps: this side's probability relative to reaching the rule.</summary>
    public double? BranchProbability { get; init; }
}

public enum OutcomeKind { Delivered, DeliveredToHost, Rejected, Dropped, LeftLab, Unreachable }

/// <summary>Where one branch ends, with the probability of taking it.</summary>
public sealed record TraceOutcome
{
    public required OutcomeKind Kind { get; init; }
    public required double Probability { get; init; }
    public required string Text { get; init; }
    public string? Node { get; init; }
    /// <summary>ns/name of the pod that receives the packet.</summary>
    public string? Pod { get; init; }
    public IPAddress? Address { get; init; }
    public int Port { get; init; }
    /// <summary>The source address the receiver sees (the client's own, or the masquerade address).</summary>
    public IPAddress? ClientAddressSeen { get; init; }
    public bool Masqueraded { get; init; }
    /// <summary>The nat chain whose DNAT picked this endpoint (KUBE-SEP-…), if any.</summary>
    public string? EndpointChain { get; init; }
    /// <summary>The rule that gave the verdict (REJECT/DROP), if any.</summary>
    public string? VerdictRule { get; init; }
    public int? VerdictLine { get; init; }
    /// <summary>How the reply goes back: conntrack undoing each NAT, in order.</summary>
    public IReadOnlyList<string> Reply { get; init; } = [];
    public IReadOnlyList<string> Assumptions { get; init; } = [];
}

/// <summary>A node of the trace tree: hops in order, then either branches (with their probabilities) or an outcome.</summary>
public sealed class TracePath
{
    internal TracePath(string? label, double probability)
    {
        Label = label;
        Probability = probability;
    }

    public string? Label { get; }

    /// <summary>Probability of reaching this path from the start of the trace.</summary>
    public double Probability { get; }

    public IReadOnlyList<TraceHop> Hops => HopList;

    public IReadOnlyList<TracePath> Branches => BranchList;

    public TraceOutcome? Outcome { get; internal set; }

    internal List<TraceHop> HopList { get; } = [];

    internal List<TracePath> BranchList { get; } = [];

    public IEnumerable<TraceOutcome> Outcomes() =>
        Outcome is not null ? [Outcome, .. BranchList.SelectMany(b => b.Outcomes())] : BranchList.SelectMany(b => b.Outcomes());
}

/// <summary>The DNS part: the resolver's candidates and answers, and the path of a query packet to the nameserver.</summary>
public sealed record DnsTrace
{
    public required string Name { get; init; }
    public required ResolverKind Resolver { get; init; }
    public required ResolvConf ResolvConf { get; init; }
    public required IPAddress Nameserver { get; init; }
    public required IReadOnlyList<string> Candidates { get; init; }
    public required ResolverOutcome Outcome { get; init; }
    /// <summary>The first query's packet walk; every query takes the same path (same 5-tuple but the source port).</summary>
    public required TracePath QueryPath { get; init; }
}

public sealed record TraceResult
{
    public required TraceRequest Request { get; init; }
    public required SourceKind SourceKind { get; init; }
    /// <summary>"pod default/test-pod (10.42.1.4) on vm2", "node vm2", "outside client 10.65.94.1".</summary>
    public required string Source { get; init; }
    public string? SourceNode { get; init; }
    public required string Host { get; init; }
    public required int Port { get; init; }
    public required string Protocol { get; init; }
    public DnsTrace? Dns { get; init; }
    /// <summary>The connection's walk; null when the name did not resolve.</summary>
    public TracePath? Connection { get; init; }
    public IReadOnlyList<TraceOutcome> Outcomes { get; init; } = [];
    public IReadOnlyList<string> Notes { get; init; } = [];
}
