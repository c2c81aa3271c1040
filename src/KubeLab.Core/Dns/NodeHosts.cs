using System.Net;
using KubeLab.Core.Model;

namespace KubeLab.Core.Dns;

/// <summary>One line of the coredns ConfigMap's <c>NodeHosts</c> key: <c>10.65.94.238 vm1</c>.</summary>
public sealed record NodeHost(IPAddress Address, string Name)
{
    public override string ToString() => $"{Address} {Name}";
}

/// <summary>
/// The NodeHosts entries k3s keeps in kube-system/coredns (k3s <c>pkg/node/controller.go</c> updateHosts: one
/// "InternalIP name" line per node). k3s builds the text from a Go map, so its line order is not defined; KubeLab
/// sorts by address, which is the order the seed lab shows (<c>10.65.94.95 vm3</c>, <c>.199 vm2</c>, <c>.238 vm1</c>).
/// </summary>
public static class NodeHosts
{
    public static IReadOnlyList<NodeHost> For(ClusterSnapshot snapshot) =>
        snapshot.Nodes
            .Select(n => new NodeHost(n.InternalIP, n.Name))
            .OrderBy(h => h.Address.GetAddressBytes(), ByteOrder.Instance)
            .ToList();

    /// <summary>The ConfigMap value: one line per node, each ending in a newline.</summary>
    public static string Render(IEnumerable<NodeHost> hosts) => string.Concat(hosts.Select(h => h + "\n"));

    /// <summary>Parses hosts-file text (<c>IP name [alias…]</c>; '#' starts a comment) as CoreDNS's hosts plugin does.</summary>
    public static IReadOnlyList<NodeHost> Parse(string text)
    {
        var hosts = new List<NodeHost>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Split('#')[0];
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2 || DnsName.ParseGoIP(fields[0]) is not { } address)
            {
                continue;
            }

            hosts.AddRange(fields.Skip(1).Select(name => new NodeHost(address, name)));
        }

        return hosts;
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y)
        {
            var a = x ?? [];
            var b = y ?? [];
            if (a.Length != b.Length)
            {
                return a.Length.CompareTo(b.Length);
            }

            for (var i = 0; i < a.Length; i++)
            {
                if (a[i] != b[i])
                {
                    return a[i].CompareTo(b[i]);
                }
            }

            return 0;
        }
    }
}
