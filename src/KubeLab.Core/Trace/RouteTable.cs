using System.Globalization;
using System.Net;

namespace KubeLab.Core.Trace;

/// <summary>One line of <c>ip route show</c>.</summary>
public sealed record Route
{
    /// <summary>unicast (no word printed), local, broadcast, blackhole, unreachable, prohibit, throw, multicast.</summary>
    public string Type { get; init; } = "unicast";
    public required IPNetwork Destination { get; init; }
    public IPAddress? Via { get; init; }
    public string? Device { get; init; }
    public string? Protocol { get; init; }
    public string? Scope { get; init; }
    public IPAddress? Source { get; init; }
    public int Metric { get; init; }
    public bool OnLink { get; init; }
    /// <summary>The routing table <c>ip route show table all</c> names (<c>table local</c>); null: main.</summary>
    public string? Table { get; init; }
    public required string Text { get; init; }
    public int LineNumber { get; init; }
}

/// <summary>A node's routes (<c>ip route show</c>, optionally with <c>table local</c> lines), looked up like the kernel's FIB.</summary>
public sealed class RouteTable
{
    private static readonly HashSet<string> Types = ["unicast", "local", "broadcast", "blackhole", "unreachable", "prohibit", "throw", "multicast", "anycast", "nat"];
    private static readonly HashSet<string> Flags = ["onlink", "linkdown", "dead", "pervasive", "offload", "trap", "notify", "rt_offload", "rt_trap"];

    public RouteTable(IReadOnlyList<Route> routes) => Routes = routes;

    public IReadOnlyList<Route> Routes { get; }

    /// <summary>
    /// Whether the text had the local table (<c>ip route show table all</c>, or its <c>local</c> lines): without it,
    /// which addresses are the node's own is assumed from its interfaces, and loopback from 127.0.0.0/8.
    /// </summary>
    public bool HasLocalTable => Routes.Any(r => r.Table == "local" || r.Type == "local");

    public static RouteTable Parse(string text, string? source = null)
    {
        var where = source ?? "ip route";
        var routes = new List<Route>();
        var lines = text.Split('\n');
        for (var n = 0; n < lines.Length; n++)
        {
            var line = lines[n].TrimEnd('\r', ' ');
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            var words = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (words[0] == "nexthop")
            {
                // A multipath route's extra next hops: the first one (on the route's own line) is used.
                continue;
            }

            var i = 0;
            var type = "unicast";
            if (Types.Contains(words[0]))
            {
                type = words[0];
                i++;
            }

            if (i >= words.Length)
            {
                throw Error(where, n + 1, $"route \"{line}\" has no destination");
            }

            IPNetwork destination;
            if (words[i] == "default")
            {
                destination = IPNetwork.Parse("0.0.0.0/0");
            }
            else if (!TryParsePrefix(words[i], out destination))
            {
                throw Error(where, n + 1, $"\"{words[i]}\" is not a destination (expected default, an address or a CIDR) in \"{line}\"");
            }

            i++;
            IPAddress? via = null, src = null;
            string? dev = null, proto = null, scope = null, table = null;
            var metric = 0;
            var onlink = false;
            while (i < words.Length)
            {
                var word = words[i];
                if (Flags.Contains(word))
                {
                    onlink |= word == "onlink";
                    i++;
                    continue;
                }

                if (i + 1 >= words.Length)
                {
                    throw Error(where, n + 1, $"\"{word}\" needs a value in \"{line}\"");
                }

                var value = words[i + 1];
                switch (word)
                {
                    case "via":
                        var addressText = value is "inet" or "inet6" && i + 2 < words.Length ? words[++i + 1] : value;
                        via = ParseAddress(addressText, where, n + 1, line);
                        break;
                    case "dev":
                        dev = value;
                        break;
                    case "proto":
                        proto = value;
                        break;
                    case "scope":
                        scope = value;
                        break;
                    case "table":
                        table = value;
                        break;
                    case "src":
                        src = ParseAddress(value, where, n + 1, line);
                        break;
                    case "metric" or "preference":
                        // IPv6's "unreachable default dev lo table unspec … metric 4294967295": a u32
                        if (!uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var wide))
                        {
                            throw Error(where, n + 1, $"metric \"{value}\" is not a number in \"{line}\"");
                        }

                        metric = (int)Math.Min(wide, int.MaxValue);
                        break;
                }

                i += 2;
            }

            routes.Add(new Route
            {
                Type = type,
                Destination = destination,
                Via = via,
                Device = dev,
                Protocol = proto,
                Scope = scope,
                Source = src,
                Metric = metric,
                OnLink = onlink,
                Table = table,
                Text = line,
                LineNumber = n + 1,
            });
        }

        return new RouteTable(routes);
    }

    /// <summary>Longest prefix, then lowest metric; local routes win over main ones (the local table is consulted first).</summary>
    public Route? Lookup(IPAddress destination)
    {
        Route? best = null;
        foreach (var route in Routes)
        {
            // Without policy rules the kernel consults local, then main (`ip rule show`: 0 local, 32766 main, 32767 default).
            if (route.Table is not (null or "main" or "local" or "default" or "254" or "255" or "253"))
            {
                continue;
            }

            if (route.Destination.BaseAddress.AddressFamily != destination.AddressFamily || !route.Destination.Contains(destination))
            {
                continue;
            }

            if (best is null || Better(route, best))
            {
                best = route;
            }
        }

        return best;
    }

    private static bool Better(Route candidate, Route best)
    {
        var candidateLocal = candidate.Type is "local" or "broadcast";
        var bestLocal = best.Type is "local" or "broadcast";
        if (candidateLocal != bestLocal)
        {
            return candidateLocal;
        }

        if (candidate.Destination.PrefixLength != best.Destination.PrefixLength)
        {
            return candidate.Destination.PrefixLength > best.Destination.PrefixLength;
        }

        return candidate.Metric < best.Metric;
    }

    internal static bool TryParsePrefix(string text, out IPNetwork network)
    {
        if (text.Contains('/', StringComparison.Ordinal))
        {
            return IPNetwork.TryParse(text, out network);
        }

        if (IPAddress.TryParse(text, out var address))
        {
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        network = default;
        return false;
    }

    private static IPAddress ParseAddress(string text, string where, int line, string content) =>
        IPAddress.TryParse(text, out var address) ? address : throw Error(where, line, $"\"{text}\" is not an address in \"{content}\"");

    internal static KubeLabException Error(string where, int line, string message) => KubeLabException.Invalid($"{where}:{line}: {message}");
}
