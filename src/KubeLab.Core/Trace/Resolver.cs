using System.Globalization;
using System.Net;
using KubeLab.Core.Dns;

namespace KubeLab.Core.Trace;

/// <summary>
/// The stub resolver the client runs: it decides the search order and when to stop. c-ares (curl in netshoot,
/// reference k3s-node-dataplane §6.2) orders and stops like glibc: name first when it has ndots dots or more, and it
/// goes on after NODATA.
/// </summary>
public enum ResolverKind { Glibc, Musl, CAres }

/// <summary>/etc/resolv.conf as the stub resolvers read it.</summary>
public sealed record ResolvConf
{
    public IReadOnlyList<IPAddress> Nameservers { get; init; } = [];
    public IReadOnlyList<string> Search { get; init; } = [];
    /// <summary>options ndots:N (default 1, capped at 15 as glibc and musl do).</summary>
    public int Ndots { get; init; } = 1;
    public IReadOnlyList<string> Options { get; init; } = [];
    public string Text { get; init; } = "";

    public static ResolvConf Parse(string text, string? source = null)
    {
        var where = source ?? "resolv.conf";
        var nameservers = new List<IPAddress>();
        IReadOnlyList<string> search = [];
        var ndots = 1;
        var options = new List<string>();
        var lines = text.Split('\n');
        for (var n = 0; n < lines.Length; n++)
        {
            var line = lines[n].Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            var words = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            switch (words[0])
            {
                case "nameserver" when words.Length > 1:
                    nameservers.Add(IPAddress.TryParse(words[1], out var address)
                        ? address
                        : throw KubeLabException.Invalid($"{where}:{n + 1}: nameserver \"{words[1]}\" is not an IP address"));
                    break;
                case "search" or "domain":
                    // The last search/domain line wins, as in glibc and musl.
                    search = words.Skip(1).ToList();
                    break;
                case "options":
                    foreach (var option in words.Skip(1))
                    {
                        options.Add(option);
                        if (option.StartsWith("ndots:", StringComparison.Ordinal))
                        {
                            ndots = int.TryParse(option.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
                                ? Math.Min(value, 15)
                                : throw KubeLabException.Invalid($"{where}:{n + 1}: \"{option}\": ndots takes a number");
                        }
                    }

                    break;
            }
        }

        return new ResolvConf { Nameservers = nameservers, Search = search, Ndots = ndots, Options = options, Text = text };
    }
}

public static class ResolverSearch
{
    /// <summary>
    /// The names a stub resolver asks for, in order. A trailing dot means "absolute": only that name. With fewer dots
    /// than ndots both glibc and musl try the search list first and the name itself last; with ndots or more, glibc
    /// tries the name first and then the search list (res_query.c __res_context_search) while musl tries only the name
    /// (lookup_name.c name_from_dns_search).
    /// </summary>
    public static IReadOnlyList<string> Candidates(string name, ResolvConf conf, ResolverKind kind)
    {
        if (name.EndsWith('.'))
        {
            return [name];
        }

        var dots = name.Count(c => c == '.');
        var searched = conf.Search.Select(domain => $"{name}.{domain.TrimEnd('.')}.").ToList();
        var absolute = name + ".";
        if (dots < conf.Ndots)
        {
            return [.. searched, absolute];
        }

        return kind == ResolverKind.Musl ? [absolute] : [absolute, .. searched];
    }

    /// <summary>netshoot, alpine and busybox images are musl-based; the rest are taken as glibc.</summary>
    public static ResolverKind ForImage(string image) =>
        image.Contains("alpine", StringComparison.OrdinalIgnoreCase) || image.Contains("netshoot", StringComparison.OrdinalIgnoreCase)
            || image.Contains("busybox", StringComparison.OrdinalIgnoreCase)
            ? ResolverKind.Musl
            : ResolverKind.Glibc;

    /// <summary>
    /// Asks each candidate (A, then AAAA when both families are wanted) and applies the resolver's stop rules:
    /// an answer with addresses ends the search; NXDOMAIN goes on; NODATA goes on in glibc but ends it in musl
    /// (EAI_NODATA); SERVFAIL ends it in musl (EAI_AGAIN) and goes on in glibc.
    /// </summary>
    public static ResolverOutcome Run(string name, ResolvConf conf, ResolverKind kind, IDnsAnswerer dns, bool ipv4Only = false)
    {
        var queries = new List<DnsQuery>();
        foreach (var candidate in Candidates(name, conf, kind))
        {
            var a = dns.Resolve(candidate, DnsType.A);
            queries.Add(new DnsQuery(candidate, DnsType.A, a));
            DnsAnswer? aaaa = null;
            if (!ipv4Only)
            {
                aaaa = dns.Resolve(candidate, DnsType.AAAA);
                queries.Add(new DnsQuery(candidate, DnsType.AAAA, aaaa));
            }

            var addresses = a.Addresses.Concat(aaaa?.Addresses ?? []).ToList();
            if (addresses.Count > 0)
            {
                return new ResolverOutcome(queries, candidate, addresses, $"{candidate} has address {addresses[0]}");
            }

            var rcodes = new[] { a.Rcode, aaaa?.Rcode ?? a.Rcode };
            if (kind == ResolverKind.Musl)
            {
                if (rcodes.Contains(DnsRcode.ServFail))
                {
                    return new ResolverOutcome(queries, null, [], $"{candidate}: SERVFAIL, musl gives up (EAI_AGAIN: temporary failure in name resolution)");
                }

                if (!rcodes.Contains(DnsRcode.NxDomain))
                {
                    return new ResolverOutcome(queries, null, [], $"{candidate}: exists but has no address (NODATA), musl stops searching (EAI_NODATA)");
                }
            }
        }

        return new ResolverOutcome(queries, null, [], $"could not resolve \"{name}\": every candidate answered NXDOMAIN or no data");
    }
}

public sealed record DnsQuery(string Name, DnsType Type, DnsAnswer Answer);

/// <summary>The queries a resolver sent, and what it concluded.</summary>
public sealed record ResolverOutcome(IReadOnlyList<DnsQuery> Queries, string? AnsweredName, IReadOnlyList<IPAddress> Addresses, string Summary)
{
    public bool Resolved => Addresses.Count > 0;
}
