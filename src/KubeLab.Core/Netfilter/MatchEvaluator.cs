using System.Globalization;
using System.Net;

namespace KubeLab.Core.Netfilter;

internal enum MatchKind { True, False, Probabilistic, Unknown }

/// <summary>The result of one match: definite, a probability (statistic), or unknown (with the reason).</summary>
internal readonly record struct MatchResult(MatchKind Kind, double Probability = 1, string? Note = null)
{
    public static readonly MatchResult Yes = new(MatchKind.True);
    public static readonly MatchResult No = new(MatchKind.False);

    public static MatchResult Of(bool value) => value ? Yes : No;

    public static MatchResult Unknown(string note) => new(MatchKind.Unknown, 1, note);
}

/// <summary>
/// Evaluates the match modules kube-proxy, flannel, kubelet and kube-router use, following the iptables-extensions
/// man page. Anything else is Unknown, with a sentence that names the module and the rule's line.
/// </summary>
internal static class MatchEvaluator
{
    public static MatchResult Evaluate(RuleMatch match, NetfilterRule rule, Packet packet, NetfilterContext context, List<string> notes)
    {
        if (match.IsBasic)
        {
            return Basic(match.Options[0], rule, packet);
        }

        switch (match.Module)
        {
            case "comment":
                return MatchResult.Yes;
            case "tcp" or "udp" or "sctp":
                return Ports(match, rule, packet);
            case "icmp":
                return packet.Protocol == "icmp"
                    ? MatchResult.Unknown($"icmp type match in rule at line {rule.LineNumber} is not modelled")
                    : MatchResult.No;
            case "multiport":
                return Multiport(match, rule, packet);
            case "mark":
                return Mark(match, rule, packet);
            case "conntrack" or "state":
                return Conntrack(match, rule, packet);
            case "addrtype":
                return AddrType(match, rule, packet, context);
            case "statistic":
                return Statistic(match, rule);
            case "recent":
                return Recent(match, rule, notes);
            case "physdev":
                return Physdev(match, rule, packet);
            case "limit":
                notes.Add($"limit {match.Find("limit")?.Value ?? "3/hour"} (burst {match.Find("limit-burst")?.Value ?? "5"}) in rule at line {rule.LineNumber}: matches while under the rate, as a first packet is");
                return MatchResult.Yes;
            case "set":
                var set = match.Find("match-set");
                return MatchResult.Unknown(
                    $"unknown-but-listed match set \"{set?.Value}\" ({string.Join(' ', set?.Values.Skip(1) ?? [])}) in rule at line {rule.LineNumber}: ipset contents are not part of iptables-save");
            default:
                return MatchResult.Unknown($"unknown match {match.Module} in rule at line {rule.LineNumber}");
        }
    }

    private static MatchResult Basic(MatchOption option, NetfilterRule rule, Packet packet)
    {
        bool value;
        switch (option.Name)
        {
            case "s":
                value = Contains(option.Networks ??= ParseNetworks(option.Value, rule), packet.Source);
                break;
            case "d":
                value = Contains(option.Networks ??= ParseNetworks(option.Value, rule), packet.Destination);
                break;
            case "i":
                value = InterfaceMatches(option.Value, packet.InInterface);
                break;
            case "o":
                value = InterfaceMatches(option.Value, packet.OutInterface);
                break;
            case "p":
                value = ProtocolMatches(option.Value, packet.Protocol);
                break;
            case "f":
                value = false; // -f matches second and later fragments; a traced packet is never one.
                break;
            default:
                return MatchResult.Unknown($"unknown option -{option.Name} in rule at line {rule.LineNumber}");
        }

        return MatchResult.Of(value != option.Negated);
    }

    private static bool Contains(IPNetwork[] networks, IPAddress address)
    {
        foreach (var network in networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    private static IPNetwork[] ParseNetworks(string cidrs, NetfilterRule rule)
    {
        var parts = cidrs.Split(',');
        var networks = new IPNetwork[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            var slash = part.IndexOf('/', StringComparison.Ordinal);
            var addressText = slash < 0 ? part : part[..slash];
            if (!IPAddress.TryParse(addressText, out var address))
            {
                throw IptablesSaveParser.Error(rule.Where, rule.LineNumber, $"\"{part}\" is not an address or CIDR");
            }

            var max = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
            var prefix = max;
            if (slash >= 0 && (!int.TryParse(part.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > max))
            {
                throw IptablesSaveParser.Error(rule.Where, rule.LineNumber, $"\"{part}\" is not an address or CIDR");
            }

            // iptables clears host bits (10.42.0.1/24 means 10.42.0.0/24).
            networks[i] = new IPNetwork(Mask(address, prefix), prefix);
        }

        return networks;
    }

    private static IPAddress Mask(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var bits = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xff << (8 - bits));
        }

        return new IPAddress(bytes);
    }

    /// <summary>iptables interface names: exact, or a prefix ending in "+".</summary>
    internal static bool InterfaceMatches(string pattern, string? name)
    {
        if (name is null)
        {
            return false;
        }

        return pattern.EndsWith('+')
            ? name.StartsWith(pattern[..^1], StringComparison.Ordinal)
            : name == pattern;
    }

    private static bool ProtocolMatches(string pattern, string protocol)
    {
        var p = pattern.ToLowerInvariant();
        return p switch
        {
            "all" or "0" => true,
            "6" => protocol == "tcp",
            "17" => protocol == "udp",
            "132" => protocol == "sctp",
            "1" => protocol == "icmp",
            _ => p == protocol,
        };
    }

    private static MatchResult Ports(RuleMatch match, NetfilterRule rule, Packet packet)
    {
        if (packet.Protocol != match.Module)
        {
            return MatchResult.No;
        }

        foreach (var option in match.Options)
        {
            bool value;
            switch (option.Name)
            {
                case "dport" or "destination-port":
                    value = PortInRange(option.Value, packet.DestinationPort, rule);
                    break;
                case "sport" or "source-port":
                    value = PortInRange(option.Value, packet.SourcePort, rule);
                    break;
                case "syn":
                    value = packet.TcpFlags == "SYN";
                    break;
                case "tcp-flags" when option.Values.Count == 2:
                    var mask = option.Values[0].Split(',');
                    var set = option.Values[1].Split(',');
                    var have = packet.TcpFlags.Split(',');
                    value = mask.Contains("ALL") ? set.OrderBy(x => x, StringComparer.Ordinal).SequenceEqual(have.OrderBy(x => x, StringComparer.Ordinal))
                        : mask.All(f => set.Contains(f) == have.Contains(f));
                    break;
                default:
                    return MatchResult.Unknown($"unknown {match.Module} option --{option.Name} in rule at line {rule.LineNumber}");
            }

            if (value == option.Negated)
            {
                return MatchResult.No;
            }
        }

        return MatchResult.Yes;
    }

    private static bool PortInRange(string spec, int port, NetfilterRule rule)
    {
        var colon = spec.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return ParsePort(spec, rule) == port;
        }

        var low = colon == 0 ? 0 : ParsePort(spec[..colon], rule);
        var high = colon == spec.Length - 1 ? 65535 : ParsePort(spec[(colon + 1)..], rule);
        return port >= low && port <= high;
    }

    private static int ParsePort(string text, NetfilterRule rule) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535
            ? port
            : throw IptablesSaveParser.Error(rule.Where, rule.LineNumber, $"\"{text}\" is not a port number (iptables-save prints ports numerically)");

    private static MatchResult Multiport(RuleMatch match, NetfilterRule rule, Packet packet)
    {
        foreach (var option in match.Options)
        {
            bool value;
            switch (option.Name)
            {
                case "dports" or "destination-ports":
                    value = option.Value.Split(',').Any(p => PortInRange(p, packet.DestinationPort, rule));
                    break;
                case "sports" or "source-ports":
                    value = option.Value.Split(',').Any(p => PortInRange(p, packet.SourcePort, rule));
                    break;
                case "ports":
                    value = option.Value.Split(',').Any(p => PortInRange(p, packet.DestinationPort, rule) || PortInRange(p, packet.SourcePort, rule));
                    break;
                default:
                    return MatchResult.Unknown($"unknown multiport option --{option.Name} in rule at line {rule.LineNumber}");
            }

            if (value == option.Negated)
            {
                return MatchResult.No;
            }
        }

        return MatchResult.Yes;
    }

    internal static (uint Value, uint Mask) ParseMark(string text, NetfilterRule rule)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var value = ParseNumber(slash < 0 ? text : text[..slash], rule);
        var mask = slash < 0 ? uint.MaxValue : ParseNumber(text[(slash + 1)..], rule);
        return (value, mask);
    }

    internal static uint ParseNumber(string text, NetfilterRule rule)
    {
        var ok = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? uint.TryParse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value)
            : uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        return ok ? value : throw IptablesSaveParser.Error(rule.Where, rule.LineNumber, $"\"{text}\" is not a number");
    }

    private static MatchResult Mark(RuleMatch match, NetfilterRule rule, Packet packet)
    {
        foreach (var option in match.Options)
        {
            if (option.Name != "mark")
            {
                return MatchResult.Unknown($"unknown mark option --{option.Name} in rule at line {rule.LineNumber}");
            }

            var (value, mask) = ParseMark(option.Value, rule);
            if (((packet.Mark & mask) == value) == option.Negated)
            {
                return MatchResult.No;
            }
        }

        return MatchResult.Yes;
    }

    private static MatchResult Conntrack(RuleMatch match, NetfilterRule rule, Packet packet)
    {
        foreach (var option in match.Options)
        {
            if (option.Name is not ("ctstate" or "state"))
            {
                return MatchResult.Unknown($"unknown conntrack option --{option.Name} in rule at line {rule.LineNumber}");
            }

            var any = false;
            foreach (var state in option.Value.Split(','))
            {
                any |= state switch
                {
                    "NEW" => packet.State == ConnState.New,
                    "ESTABLISHED" => packet.State == ConnState.Established,
                    "RELATED" => packet.State == ConnState.Related,
                    "INVALID" => packet.State == ConnState.Invalid,
                    "UNTRACKED" => packet.State == ConnState.Untracked,
                    "DNAT" => packet.DnatApplied,
                    "SNAT" => packet.SnatApplied,
                    _ => throw IptablesSaveParser.Error(rule.Where, rule.LineNumber, $"unknown conntrack state \"{state}\""),
                };
            }

            if (any == option.Negated)
            {
                return MatchResult.No;
            }
        }

        return MatchResult.Yes;
    }

    private static readonly IPNetwork Multicast = IPNetwork.Parse("224.0.0.0/4");

    private static MatchResult AddrType(RuleMatch match, NetfilterRule rule, Packet packet, NetfilterContext context)
    {
        foreach (var option in match.Options)
        {
            IPAddress address;
            switch (option.Name)
            {
                case "src-type":
                    address = packet.Source;
                    break;
                case "dst-type":
                    address = packet.Destination;
                    break;
                default:
                    return MatchResult.Unknown($"unknown addrtype option --{option.Name} in rule at line {rule.LineNumber}");
            }

            var any = false;
            foreach (var type in option.Value.Split(','))
            {
                var local = context.IsLocal(address);
                var multicast = Multicast.Contains(address);
                var broadcast = address.Equals(IPAddress.Broadcast);
                switch (type)
                {
                    case "LOCAL":
                        any |= local;
                        break;
                    case "MULTICAST":
                        any |= multicast;
                        break;
                    case "BROADCAST":
                        any |= broadcast;
                        break;
                    case "UNICAST":
                        any |= !local && !multicast && !broadcast;
                        break;
                    default:
                        return MatchResult.Unknown($"addrtype {type} in rule at line {rule.LineNumber} needs the node's full route tables, which are not modelled");
                }
            }

            if (any == option.Negated)
            {
                return MatchResult.No;
            }
        }

        return MatchResult.Yes;
    }

    private static MatchResult Statistic(RuleMatch match, NetfilterRule rule)
    {
        var mode = match.Find("mode")?.Value ?? "random";
        double probability;
        bool negated;
        if (mode == "random")
        {
            var option = match.Find("probability")
                ?? throw IptablesSaveParser.Error(rule.Where, rule.LineNumber, "statistic --mode random without --probability");
            if (!double.TryParse(option.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out probability) || probability < 0 || probability > 1)
            {
                throw IptablesSaveParser.Error(rule.Where, rule.LineNumber, $"statistic probability \"{option.Value}\" is not a number between 0 and 1");
            }

            negated = option.Negated;
        }
        else if (mode == "nth")
        {
            var every = match.Find("every") ?? throw IptablesSaveParser.Error(rule.Where, rule.LineNumber, "statistic --mode nth without --every");
            var n = ParseNumber(every.Value, rule);
            if (n == 0)
            {
                throw IptablesSaveParser.Error(rule.Where, rule.LineNumber, "statistic --every 0");
            }

            // nth is a per-rule counter: one packet in every n matches. Over many connections that is a share of 1/n.
            probability = 1.0 / n;
            negated = every.Negated;
        }
        else
        {
            return MatchResult.Unknown($"unknown statistic mode {mode} in rule at line {rule.LineNumber}");
        }

        return new MatchResult(MatchKind.Probabilistic, negated ? 1 - probability : probability, $"statistic {mode}");
    }

    private static MatchResult Recent(RuleMatch match, NetfilterRule rule, List<string> notes)
    {
        var name = match.Find("name")?.Value ?? "DEFAULT";
        var negated = match.Options.Any(o => o.Negated);
        if (match.Find("set") is not null)
        {
            notes.Add($"recent --set --name {name} (line {rule.LineNumber}): remembers the client address for session affinity");
            return MatchResult.Of(!negated);
        }

        if (match.Find("rcheck") is not null || match.Find("update") is not null || match.Find("remove") is not null)
        {
            notes.Add($"recent --name {name} (line {rule.LineNumber}): no entry for this client yet (first packet), so no affinity; later connections from it within the timeout go to the same endpoint");
            return MatchResult.Of(negated);
        }

        return MatchResult.Unknown($"recent match without --set/--rcheck/--update in rule at line {rule.LineNumber}");
    }

    private static MatchResult Physdev(RuleMatch match, NetfilterRule rule, Packet packet)
    {
        foreach (var option in match.Options)
        {
            var value = option.Name switch
            {
                "physdev-is-bridged" => packet.Bridged,
                "physdev-is-in" => packet.PhysIn is not null,
                "physdev-is-out" => packet.PhysOut is not null,
                "physdev-in" => InterfaceMatches(option.Value, packet.PhysIn),
                "physdev-out" => InterfaceMatches(option.Value, packet.PhysOut),
                _ => (bool?)null,
            };
            if (value is null)
            {
                return MatchResult.Unknown($"unknown physdev option --{option.Name} in rule at line {rule.LineNumber}");
            }

            if (value.Value == option.Negated)
            {
                return MatchResult.No;
            }
        }

        return MatchResult.Yes;
    }
}
