using System.Globalization;
using System.Net;

namespace KubeLab.Core.Dns;

/// <summary>The record types KubeLab answers or explains (RFC 1035, 3596, 2782 numbers).</summary>
public enum DnsRecordType : ushort
{
    A = 1,
    NS = 2,
    CNAME = 5,
    SOA = 6,
    PTR = 12,
    MX = 15,
    TXT = 16,
    AAAA = 28,
    SRV = 33,
    OPT = 41,
    IXFR = 251,
    AXFR = 252,
    ANY = 255,
}

/// <summary>The response codes KubeLab's DNS servers send (RFC 1035 §4.1.1).</summary>
public enum DnsRcode
{
    NoError = 0,
    ServFail = 2,
    NxDomain = 3,
    Refused = 5,
}

/// <summary>Which part of the DNS path produced an answer.</summary>
public enum DnsResponder
{
    /// <summary>CoreDNS's <c>hosts /etc/coredns/NodeHosts</c> block (runs before kubernetes).</summary>
    Hosts,
    /// <summary>CoreDNS's <c>kubernetes cluster.local in-addr.arpa ip6.arpa</c> block.</summary>
    Kubernetes,
    /// <summary>Not answered locally: CoreDNS's <c>forward . /etc/resolv.conf</c> sends it upstream.</summary>
    Forward,
    /// <summary>The underlay's DNS (multipass's dnsmasq on the host bridge).</summary>
    Underlay,
}

/// <summary>A question as it arrives: the name is taken as absolute (a trailing dot is optional).</summary>
public sealed record DnsQuestion(string Name, DnsRecordType Type)
{
    /// <summary>The name with exactly one trailing dot, case kept (answers echo the case of the query).</summary>
    public string Fqdn => DnsName.Fqdn(Name);

    public override string ToString() => $"{Fqdn} {Type}";
}

/// <summary>Record data, one subtype per shape; <see cref="object.ToString"/> gives dig's presentation form.</summary>
public abstract record DnsRdata;

/// <summary>A or AAAA.</summary>
public sealed record AddressRdata(IPAddress Address) : DnsRdata
{
    public override string ToString() => Address.ToString();
}

/// <summary>CNAME, PTR or NS: one domain name.</summary>
public sealed record NameRdata(string Target) : DnsRdata
{
    public override string ToString() => Target;
}

public sealed record SrvRdata(ushort Priority, ushort Weight, ushort Port, string Target) : DnsRdata
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Priority} {Weight} {Port} {Target}");
}

public sealed record SoaRdata(string MName, string RName, uint Serial, uint Refresh, uint Retry, uint Expire, uint Minimum) : DnsRdata
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{MName} {RName} {Serial} {Refresh} {Retry} {Expire} {Minimum}");
}

public sealed record TxtRdata(string Text) : DnsRdata
{
    public override string ToString() => $"\"{Text}\"";
}

/// <summary>One resource record (class IN): owner name, type, TTL as sent, data.</summary>
public sealed record DnsRecord(string Name, DnsRecordType Type, uint Ttl, DnsRdata Data)
{
    /// <summary>dig's answer-section line: <c>nginx-service.default.svc.cluster.local. 5 IN A 10.43.180.238</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name} {Ttl} IN {Type} {Data}");

    public DnsRecord WithTtl(uint ttl) => this with { Ttl = ttl };
}

/// <summary>
/// A complete answer: rcode, the AA flag, the three record sections, who answered, and, when part of the answer
/// must come from upstream, the question to send there (<see cref="Upstream"/>).
/// </summary>
public sealed record DnsAnswerSet
{
    public required DnsQuestion Question { get; init; }
    public DnsRcode Rcode { get; init; } = DnsRcode.NoError;
    public bool Authoritative { get; init; }
    public IReadOnlyList<DnsRecord> Answer { get; init; } = [];
    public IReadOnlyList<DnsRecord> Authority { get; init; } = [];
    public IReadOnlyList<DnsRecord> Additional { get; init; } = [];
    public DnsResponder Responder { get; init; }

    /// <summary>The RA flag: CoreDNS's own answers clear it; forwarded answers carry the upstream's.</summary>
    public bool RecursionAvailable { get; init; }

    /// <summary>
    /// Set when the answer is (partly) upstream's: the whole question when <see cref="Responder"/> is
    /// <see cref="DnsResponder.Forward"/>, or the target of an ExternalName CNAME whose addresses CoreDNS looks up
    /// upstream and appends after the CNAME.
    /// </summary>
    public DnsQuestion? Upstream { get; init; }

    /// <summary>NOERROR with an empty answer section (the name exists, the type does not).</summary>
    public bool IsNoData => Rcode == DnsRcode.NoError && Answer.Count == 0 && Upstream is null;

    public bool IsForwarded => Responder == DnsResponder.Forward;

    /// <summary>dig-like text: a status line and the sections, for logs, tests and the tracer.</summary>
    public override string ToString()
    {
        var lines = new List<string>
        {
            $";; {Question} status: {Rcode.ToString().ToUpperInvariant()}{(Authoritative ? " aa" : "")} ({Responder})",
        };
        lines.AddRange(Answer.Select(r => r.ToString()));
        if (Authority.Count > 0)
        {
            lines.Add(";; AUTHORITY");
            lines.AddRange(Authority.Select(r => r.ToString()));
        }

        if (Additional.Count > 0)
        {
            lines.Add(";; ADDITIONAL");
            lines.AddRange(Additional.Select(r => r.ToString()));
        }

        if (Upstream is not null)
        {
            lines.Add($";; upstream: {Upstream}");
        }

        return string.Join('\n', lines);
    }
}
