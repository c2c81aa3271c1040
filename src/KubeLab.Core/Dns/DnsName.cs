using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace KubeLab.Core.Dns;

/// <summary>Domain-name helpers with the rules CoreDNS (miekg/dns, Go's net.ParseIP) applies.</summary>
public static class DnsName
{
    public const string InAddrArpa = "in-addr.arpa.";
    public const string Ip6Arpa = "ip6.arpa.";

    /// <summary>The name with exactly one trailing dot ("." for the root).</summary>
    public static string Fqdn(string name)
    {
        var trimmed = name.TrimEnd('.');
        return trimmed.Length == 0 ? "." : trimmed + ".";
    }

    /// <summary>True when <paramref name="child"/> equals <paramref name="parent"/> or lies below it (case-insensitive, FQDNs).</summary>
    public static bool IsSubDomain(string parent, string child)
    {
        parent = Fqdn(parent);
        child = Fqdn(child);
        if (parent == ".")
        {
            return true;
        }

        return string.Equals(child, parent, StringComparison.OrdinalIgnoreCase)
            || child.EndsWith("." + parent, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary><c>10.43.0.10</c> → <c>10.0.43.10.in-addr.arpa.</c>; IPv6 as nibbles under ip6.arpa.</summary>
    public static string ReverseName(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return string.Join('.', bytes.Reverse().Select(b => b.ToString(CultureInfo.InvariantCulture))) + "." + InAddrArpa;
        }

        var nibbles = new List<string>();
        foreach (var b in bytes.Reverse())
        {
            nibbles.Add((b & 0xf).ToString("x", CultureInfo.InvariantCulture));
            nibbles.Add((b >> 4).ToString("x", CultureInfo.InvariantCulture));
        }

        return string.Join('.', nibbles) + "." + Ip6Arpa;
    }

    /// <summary>
    /// The address a PTR name stands for, or null (CoreDNS's ExtractAddressFromReverse: a complete IPv4 name of four
    /// labels, or a complete IPv6 name of 32 nibbles).
    /// </summary>
    public static IPAddress? AddressFromReverse(string name)
    {
        var lower = Fqdn(name).ToLowerInvariant();
        if (lower.EndsWith("." + InAddrArpa, StringComparison.Ordinal))
        {
            var labels = lower[..^(InAddrArpa.Length + 1)].Split('.');
            Array.Reverse(labels);
            var ip = ParseGoIP(string.Join('.', labels));
            return ip is { AddressFamily: AddressFamily.InterNetwork } ? ip : null;
        }

        if (lower.EndsWith("." + Ip6Arpa, StringComparison.Ordinal))
        {
            var labels = lower[..^(Ip6Arpa.Length + 1)].Split('.');
            if (labels.Length != 32 || labels.Any(l => l.Length != 1 || !Uri.IsHexDigit(l[0])))
            {
                return null;
            }

            var bytes = new byte[16];
            for (var i = 0; i < 16; i++)
            {
                var low = Convert.ToByte(labels[2 * i], 16);
                var high = Convert.ToByte(labels[(2 * i) + 1], 16);
                bytes[15 - i] = (byte)((high << 4) | low);
            }

            return new IPAddress(bytes);
        }

        return null;
    }

    /// <summary>0 outside the reverse zones, 1 under in-addr.arpa., 2 under ip6.arpa. (CoreDNS's IsReverse: a suffix test).</summary>
    public static int ReverseKind(string name)
    {
        var lower = Fqdn(name).ToLowerInvariant();
        return lower.EndsWith("." + InAddrArpa, StringComparison.Ordinal) ? 1
            : lower.EndsWith("." + Ip6Arpa, StringComparison.Ordinal) ? 2
            : 0;
    }

    /// <summary>
    /// Go's net.ParseIP: dotted-quad IPv4 with decimal octets and no leading zeros, or an IPv6 literal
    /// (no zone). Unlike <see cref="IPAddress.TryParse(string?, out IPAddress?)"/>, "1.2.3" or "0x1.2.3.4" are not addresses.
    /// IPv4-mapped IPv6 addresses come back as IPv4 (Go's To4()).
    /// </summary>
    public static IPAddress? ParseGoIP(string text)
    {
        if (text.Contains(':', StringComparison.Ordinal))
        {
            if (text.Contains('%', StringComparison.Ordinal) || !IPAddress.TryParse(text, out var v6)
                || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return null;
            }

            return v6.IsIPv4MappedToIPv6 ? v6.MapToIPv4() : v6;
        }

        var parts = text.Split('.');
        if (parts.Length != 4)
        {
            return null;
        }

        var octets = new byte[4];
        for (var i = 0; i < 4; i++)
        {
            var p = parts[i];
            if (p.Length is 0 or > 3 || (p.Length > 1 && p[0] == '0') || !p.All(char.IsAsciiDigit))
            {
                return null;
            }

            var value = int.Parse(p, CultureInfo.InvariantCulture);
            if (value > 255)
            {
                return null;
            }

            octets[i] = (byte)value;
        }

        return new IPAddress(octets);
    }
}
