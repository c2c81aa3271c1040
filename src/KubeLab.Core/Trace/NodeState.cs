using System.Net;
using KubeLab.Core.Model;
using KubeLab.Core.Netfilter;

namespace KubeLab.Core.Trace;

/// <summary>
/// What the tracer knows about one node: its parsed rules, routes, neighbours, bridge FDB and addresses, all read
/// from the texts the node's own tools print (so a real node's dumps work as well as generated ones).
/// </summary>
public sealed record NodeState
{
    public required string Name { get; init; }
    public required Ruleset Rules { get; init; }
    public required RouteTable Routes { get; init; }
    public IReadOnlyList<Neighbour> Neighbours { get; init; } = [];
    public IReadOnlyList<FdbEntry> Fdb { get; init; } = [];
    public IReadOnlyList<InterfaceAddress> Addresses { get; init; } = [];

    /// <summary>
    /// Builds a node's state from its tools' output. <paramref name="ipAddr"/> (<c>ip -o addr show</c>) is optional:
    /// without it the addresses are the <c>src</c> of the routes plus, when <paramref name="node"/> is given, its
    /// InternalIP and the flannel.1 / cni0 addresses flannel and the bridge plugin assign. With
    /// <paramref name="deferRules"/> each rule's matches are read on first use (see <see cref="Ruleset.Parse"/>).
    /// </summary>
    public static NodeState FromTexts(string name, string iptablesSave, string ipRoute, string? ipNeigh = null, string? bridgeFdb = null,
        string? ipAddr = null, Node? node = null, bool deferRules = false)
    {
        var routes = RouteTable.Parse(ipRoute, $"{name}: ip route");
        var addresses = ipAddr is null ? DeriveAddresses(routes, node) : NetworkTables.ParseAddresses(ipAddr, $"{name}: ip addr");
        return new NodeState
        {
            Name = name,
            Rules = Ruleset.Parse(iptablesSave, $"{name}: iptables-save", deferRules),
            Routes = routes,
            Neighbours = ipNeigh is null ? [] : NetworkTables.ParseNeighbours(ipNeigh, $"{name}: ip neigh"),
            Fdb = bridgeFdb is null ? [] : NetworkTables.ParseFdb(bridgeFdb, $"{name}: bridge fdb"),
            Addresses = addresses,
        };
    }

    private static List<InterfaceAddress> DeriveAddresses(RouteTable routes, Node? node)
    {
        var result = new List<InterfaceAddress>();
        void Add(string device, IPAddress address, int prefix)
        {
            if (!result.Any(a => a.Device == device && a.Address.Equals(address)))
            {
                result.Add(new InterfaceAddress(device, address, prefix));
            }
        }

        foreach (var route in routes.Routes.Where(r => r.Source is not null && r.Device is not null))
        {
            Add(route.Device!, route.Source!, route.Destination.PrefixLength == 0 ? 32 : route.Destination.PrefixLength);
        }

        if (node is not null)
        {
            var underlay = routes.Routes.FirstOrDefault(r => r.Destination.PrefixLength == 0)?.Device ?? "eth0";
            Add(underlay, node.InternalIP, 24);
            if (node.HasPodCidr)
            {
                Add("flannel.1", node.FlannelAddress, 32);
                Add("cni0", node.Cni0Address, node.PodCidr.PrefixLength);
            }
        }

        return result;
    }

    /// <summary>The node's own addresses, the local table's <c>local</c> routes, and 127.0.0.0/8 (lo's local route).</summary>
    public bool IsLocalAddress(IPAddress address) =>
        IPAddress.IsLoopback(address) || Addresses.Any(a => a.Address.Equals(address))
        || Routes.Routes.Any(r => r.Type == "local" && r.Destination.Contains(address) && r.Destination.BaseAddress.AddressFamily == address.AddressFamily);

    public IPAddress? AddressOf(string device) => Addresses.FirstOrDefault(a => a.Device == device)?.Address;

    public NetfilterContext NetfilterContext => new()
    {
        LocalAddresses = Addresses.Select(a => a.Address).ToList(),
        InterfaceAddress = AddressOf,
    };
}
