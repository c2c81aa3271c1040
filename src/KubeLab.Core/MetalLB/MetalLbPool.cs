using System.Net;
using KubeLab.Core.Model;

namespace KubeLab.Core.MetalLB;

/// <summary>An IPAddressPool as MetalLB's config parser makes it: its prefixes, autoAssign (default true), avoidBuggyIPs.</summary>
public sealed record MetalLbPool(string Name, IReadOnlyList<IPNetwork> Cidrs, bool AutoAssign, bool AvoidBuggyIPs)
{
    /// <summary>
    /// addressPoolFromCR (internal/config/config.go): a pool needs addresses, each a CIDR or a "start-end" range
    /// (summarised into prefixes). The messages are MetalLB's own; its validating webhook returns them.
    /// </summary>
    public static MetalLbPool Parse(V1beta1IPAddressPool pool)
    {
        var name = pool.Metadata.Name;
        if (pool.Spec.Addresses is not { Count: > 0 } addresses)
        {
            throw new FormatException("pool has no prefixes defined");
        }

        var cidrs = new List<IPNetwork>();
        foreach (var address in addresses)
        {
            try
            {
                cidrs.AddRange(ParseAddresses(address));
            }
            catch (FormatException e)
            {
                throw new FormatException($"invalid CIDR \"{address}\" in pool \"{name}\": {e.Message}");
            }
        }

        return new MetalLbPool(name, cidrs, pool.Spec.AutoAssign ?? true, pool.Spec.AvoidBuggyIPs ?? false);
    }

    /// <summary>
    /// The CRD schema's defaults, applied by the API server when it stores a pool (ipaddresspools.metallb.io:
    /// autoAssign default true, avoidBuggyIPs default false): `kubectl get` and `-o yaml` show both.
    /// </summary>
    public static void ApplyDefaults(V1beta1IPAddressPool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        pool.Spec ??= new IPAddressPoolSpec();
        pool.Spec.AutoAssign ??= true;
        pool.Spec.AvoidBuggyIPs ??= false;
    }

    /// <summary>ParseCIDR (internal/config/config.go): Go's net.ParseCIDR, or a range split into prefixes (ipaddr.Summarize).</summary>
    public static IReadOnlyList<IPNetwork> ParseAddresses(string text)
    {
        if (!text.Contains('-', StringComparison.Ordinal))
        {
            // Go's net.ParseCIDR: an address, "/", and a decimal prefix length no longer than the address; host bits may be set
            var slash = text.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0 || !IPAddress.TryParse(text[..slash], out var address) || text[..slash].Contains(':', StringComparison.Ordinal) != (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
                || !int.TryParse(text[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var length)
                || length > (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)
                || text[..slash].Count(c => c == '.') != (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 3 : 0))
            {
                throw new FormatException($"invalid CIDR \"{text}\"");
            }

            if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            {
                throw new FormatException($"invalid CIDR \"{text}\": KubeLab's lab is IPv4 only");
            }

            return [new IPNetwork(Mask(address, length), length)];
        }

        var parts = text.Split('-', 2);
        if (!IPAddress.TryParse(parts[0].Trim(), out var start) || parts[0].Trim().Count(c => c == '.') != 3)
        {
            throw new FormatException($"invalid IP range \"{text}\": invalid start IP \"{parts[0]}\"");
        }

        if (!IPAddress.TryParse(parts[1].Trim(), out var end) || parts[1].Trim().Count(c => c == '.') != 3)
        {
            throw new FormatException($"invalid IP range \"{text}\": invalid end IP \"{parts[1]}\"");
        }

        if (IPMath.Compare(start, end) > 0)
        {
            throw new FormatException($"invalid IP range \"{text}\": start IP \"{start}\" is after the end IP \"{end}\"");
        }

        // the largest aligned prefixes that cover start..end, in order
        var result = new List<IPNetwork>();
        var low = (ulong)IPMath.ToUInt32(start);
        var high = (ulong)IPMath.ToUInt32(end);
        while (low <= high)
        {
            var length = 32;
            while (length > 0)
            {
                var size = 1UL << (32 - length + 1);
                if (low % size != 0 || low + size - 1 > high)
                {
                    break;
                }

                length--;
            }

            result.Add(new IPNetwork(IPMath.FromUInt32((uint)low), length));
            low += 1UL << (32 - length);
        }

        return result;
    }

    private static IPAddress Mask(IPAddress address, int length) =>
        IPMath.FromUInt32(length == 0 ? 0 : IPMath.ToUInt32(address) & (uint.MaxValue << (32 - length)));

    /// <summary>ipConfusesBuggyFirmwares: an IPv4 address ending in .0 or .255.</summary>
    public static bool Buggy(IPAddress ip) => ip.GetAddressBytes()[3] is 0 or 255;

    /// <summary>poolFor: the pool owning <paramref name="ip"/> (skipping buggy addresses of pools that avoid them).</summary>
    public static MetalLbPool? PoolFor(IReadOnlyList<MetalLbPool> pools, IPAddress ip) =>
        pools.FirstOrDefault(p => !(p.AvoidBuggyIPs && Buggy(ip)) && p.Cidrs.Any(c => c.Contains(ip)));
}
