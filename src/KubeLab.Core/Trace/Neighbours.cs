using System.Net;

namespace KubeLab.Core.Trace;

/// <summary>One line of <c>ip neigh show</c>: <c>10.42.1.0 dev flannel.1 lladdr 02:… PERMANENT</c>.</summary>
public sealed record Neighbour(IPAddress Address, string Device, string? LinkAddress, string State, string Text);

/// <summary>One line of <c>bridge fdb show</c>: <c>02:… dev flannel.1 dst 10.65.94.199 self permanent</c>.</summary>
public sealed record FdbEntry(string Mac, string Device, IPAddress? Destination, string? Master, string Text);

/// <summary>An address on an interface (<c>ip -o addr show</c>).</summary>
public sealed record InterfaceAddress(string Device, IPAddress Address, int PrefixLength);

public static class NetworkTables
{
    public static IReadOnlyList<Neighbour> ParseNeighbours(string text, string? source = null)
    {
        var where = source ?? "ip neigh";
        var result = new List<Neighbour>();
        var lines = text.Split('\n');
        for (var n = 0; n < lines.Length; n++)
        {
            var line = lines[n].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (!IPAddress.TryParse(words[0], out var address))
            {
                throw RouteTable.Error(where, n + 1, $"\"{words[0]}\" is not an address in \"{line}\"");
            }

            string? dev = null, lladdr = null;
            for (var i = 1; i + 1 < words.Length; i++)
            {
                if (words[i] == "dev")
                {
                    dev = words[i + 1];
                }
                else if (words[i] == "lladdr")
                {
                    lladdr = words[i + 1].ToLowerInvariant();
                }
            }

            if (dev is null)
            {
                throw RouteTable.Error(where, n + 1, $"neighbour \"{line}\" has no dev");
            }

            result.Add(new Neighbour(address, dev, lladdr, words[^1], line));
        }

        return result;
    }

    public static IReadOnlyList<FdbEntry> ParseFdb(string text, string? source = null)
    {
        var where = source ?? "bridge fdb";
        var result = new List<FdbEntry>();
        var lines = text.Split('\n');
        for (var n = 0; n < lines.Length; n++)
        {
            var line = lines[n].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words[0].Count(c => c == ':') != 5)
            {
                throw RouteTable.Error(where, n + 1, $"\"{words[0]}\" is not a MAC address in \"{line}\"");
            }

            string? dev = null, master = null;
            IPAddress? dst = null;
            for (var i = 1; i + 1 < words.Length; i++)
            {
                switch (words[i])
                {
                    case "dev":
                        dev = words[i + 1];
                        break;
                    case "master":
                        master = words[i + 1];
                        break;
                    case "dst":
                        dst = IPAddress.TryParse(words[i + 1], out var d) ? d : throw RouteTable.Error(where, n + 1, $"\"{words[i + 1]}\" is not an address in \"{line}\"");
                        break;
                }
            }

            if (dev is null)
            {
                throw RouteTable.Error(where, n + 1, $"fdb entry \"{line}\" has no dev");
            }

            result.Add(new FdbEntry(words[0].ToLowerInvariant(), dev, dst, master, line));
        }

        return result;
    }

    /// <summary>Reads <c>ip -o addr show</c> or <c>ip addr show</c> (IPv4 and IPv6 <c>inet</c> lines).</summary>
    public static IReadOnlyList<InterfaceAddress> ParseAddresses(string text, string? source = null)
    {
        var where = source ?? "ip addr";
        var result = new List<InterfaceAddress>();
        string? current = null;
        var lines = text.Split('\n');
        for (var n = 0; n < lines.Length; n++)
        {
            var line = lines[n];
            var words = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0)
            {
                continue;
            }

            var i = 0;
            if (words[0].EndsWith(':') && int.TryParse(words[0][..^1], System.Globalization.CultureInfo.InvariantCulture, out _) && words.Length > 1)
            {
                current = words[1].TrimEnd(':').Split('@')[0];
                i = 2;
            }

            for (; i + 1 < words.Length; i++)
            {
                if (words[i] is "inet" or "inet6")
                {
                    if (current is null || !IPNetwork.TryParse(words[i + 1], out _))
                    {
                        var slash = words[i + 1].IndexOf('/', StringComparison.Ordinal);
                        if (current is null || slash < 0)
                        {
                            throw RouteTable.Error(where, n + 1, $"cannot read address \"{words[i + 1]}\" (expected ADDRESS/PREFIX after an interface line)");
                        }
                    }

                    var parts = words[i + 1].Split('/');
                    result.Add(new InterfaceAddress(current!, IPAddress.Parse(parts[0]), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)));
                    break;
                }
            }
        }

        return result;
    }
}
