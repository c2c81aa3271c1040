using System.Net;

namespace KubeLab.Core.Netfilter;

/// <summary>conntrack's view of the packet's connection (<c>-m conntrack --ctstate</c>).</summary>
public enum ConnState { New, Established, Related, Invalid, Untracked }

/// <summary>
/// A packet as netfilter sees it at one hook: addresses, ports, interfaces (and bridge ports when
/// br_netfilter runs the hooks for a bridged frame), the skb mark and the conntrack state.
/// </summary>
public sealed record Packet
{
    public required IPAddress Source { get; init; }
    public required IPAddress Destination { get; init; }
    /// <summary>Lower case, as iptables prints it: tcp, udp, sctp, icmp.</summary>
    public string Protocol { get; init; } = "tcp";
    public int SourcePort { get; init; }
    public int DestinationPort { get; init; }
    public string? InInterface { get; init; }
    public string? OutInterface { get; init; }
    /// <summary>Bridge port the frame came in on (br_netfilter), e.g. the pod's veth.</summary>
    public string? PhysIn { get; init; }
    public string? PhysOut { get; init; }
    /// <summary>The frame is bridged (switched between two ports of cni0), not routed.</summary>
    public bool Bridged { get; init; }
    public uint Mark { get; init; }
    public ConnState State { get; init; } = ConnState.New;
    /// <summary>conntrack's virtual DNAT state: the original destination was rewritten.</summary>
    public bool DnatApplied { get; init; }
    public bool SnatApplied { get; init; }
    /// <summary>TCP flags of this packet; the first packet of a connection is a SYN.</summary>
    public string TcpFlags { get; init; } = "SYN";

    public override string ToString() =>
        $"{Protocol} {Endpoint(Source, SourcePort)} → {Endpoint(Destination, DestinationPort)}" + (Mark != 0 ? $" mark 0x{Mark:x}" : "");

    public static string Endpoint(IPAddress address, int port) =>
        port == 0 ? address.ToString() : address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]:{port}" : $"{address}:{port}";
}
