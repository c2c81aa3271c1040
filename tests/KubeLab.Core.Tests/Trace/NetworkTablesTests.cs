using System.Net;
using KubeLab.Core.Trace;

namespace KubeLab.Core.Tests.Trace;

public class NetworkTablesTests
{
    private static readonly string GoldenRoute = File.ReadAllText(Path.Combine(SeedLab.GoldenDir("seed-golden"), "vm1.ip-route"));

    [Fact]
    public void Golden_vm1_routes_pick_cni0_for_the_local_subnet_and_flannel_for_remote_ones()
    {
        var table = RouteTable.Parse(GoldenRoute);
        Assert.Equal(4, table.Routes.Count);
        var local = table.Lookup(IPAddress.Parse("10.42.0.8"))!;
        Assert.Equal("cni0", local.Device);
        Assert.Equal("kernel", local.Protocol);
        Assert.Equal("link", local.Scope);
        Assert.Equal("10.42.0.1", local.Source!.ToString());
        var remote = table.Lookup(IPAddress.Parse("10.42.2.2"))!;
        Assert.Equal("flannel.1", remote.Device);
        Assert.Equal("10.42.2.0", remote.Via!.ToString());
        Assert.True(remote.OnLink);
        var outside = table.Lookup(IPAddress.Parse("8.8.8.8"))!;
        Assert.Equal("10.65.94.1", outside.Via!.ToString());
        Assert.Equal(100, outside.Metric);
        Assert.Equal("dhcp", outside.Protocol);
    }

    [Fact]
    public void Longest_prefix_then_lowest_metric_and_local_table_first()
    {
        var table = RouteTable.Parse("default via 10.0.0.1 dev a metric 200\ndefault via 10.0.0.2 dev b metric 100\n10.1.0.0/16 dev c\n10.1.2.0/24 dev d\nlocal 10.1.2.3 dev lo proto kernel scope host src 10.1.2.3\n");
        Assert.Equal("b", table.Lookup(IPAddress.Parse("1.1.1.1"))!.Device);
        Assert.Equal("d", table.Lookup(IPAddress.Parse("10.1.2.9"))!.Device);
        Assert.Equal("c", table.Lookup(IPAddress.Parse("10.1.3.9"))!.Device);
        Assert.Equal("local", table.Lookup(IPAddress.Parse("10.1.2.3"))!.Type);
    }

    [Fact]
    public void Neighbours_fdb_and_addresses_are_read()
    {
        var neighbour = Assert.Single(NetworkTables.ParseNeighbours("10.42.1.0 dev flannel.1 lladdr 8E:D6:C1:35:7C:97 PERMANENT\n"));
        Assert.Equal("8e:d6:c1:35:7c:97", neighbour.LinkAddress);
        Assert.Equal("PERMANENT", neighbour.State);
        var fdb = NetworkTables.ParseFdb("8e:d6:c1:35:7c:97 dev flannel.1 dst 10.65.94.199 self permanent\n86:86:9c:7e:bf:fc dev vethe61f9a43 master cni0 \n");
        Assert.Equal("10.65.94.199", fdb[0].Destination!.ToString());
        Assert.Equal("cni0", fdb[1].Master);
        var addresses = NetworkTables.ParseAddresses(
            "2: ens3    inet 10.65.94.199/24 metric 100 brd 10.65.94.255 scope global dynamic ens3\\       valid_lft 3000sec\n" +
            "5: cni0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP\n    link/ether 3e:07:f3:33:7f:da brd ff:ff:ff:ff:ff:ff\n    inet 10.42.1.1/24 brd 10.42.1.255 scope global cni0\n");
        Assert.Equal(["ens3 10.65.94.199/24", "cni0 10.42.1.1/24"], addresses.Select(a => $"{a.Device} {a.Address}/{a.PrefixLength}"));
    }

    [Fact]
    public void Bad_neighbour_line_names_the_line()
    {
        var error = Assert.Throws<KubeLabException>(() => NetworkTables.ParseNeighbours("10.42.1.0 dev flannel.1 lladdr aa:bb:cc:dd:ee:ff PERMANENT\nbogus dev x\n", "vm1 neigh"));
        Assert.StartsWith("vm1 neigh:2: \"bogus\" is not an address", error.Message, StringComparison.Ordinal);
    }
}
