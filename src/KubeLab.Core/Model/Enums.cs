namespace KubeLab.Core.Model;

public enum Protocol { TCP, UDP, SCTP }

public enum NodeRole { Server, Agent }

public enum ServiceType { ClusterIP, NodePort, LoadBalancer, ExternalName }

public enum TrafficPolicy { Cluster, Local }

public enum PodPhase { Pending, Running, Succeeded, Failed }

public static class ProtocolNames
{
    /// <summary>iptables spells protocols in lower case (`-m tcp -p tcp`).</summary>
    public static string Lower(this Protocol protocol) => protocol switch
    {
        Protocol.TCP => "tcp",
        Protocol.UDP => "udp",
        Protocol.SCTP => "sctp",
        _ => throw new ArgumentOutOfRangeException(nameof(protocol)),
    };

    public static Protocol Parse(string? text) => (text ?? "TCP").ToUpperInvariant() switch
    {
        "TCP" => Protocol.TCP,
        "UDP" => Protocol.UDP,
        "SCTP" => Protocol.SCTP,
        _ => throw new FormatException($"unsupported protocol \"{text}\": supported values: \"SCTP\", \"TCP\", \"UDP\""),
    };
}
