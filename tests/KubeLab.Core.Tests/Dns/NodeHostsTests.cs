using System.Net;
using KubeLab.Core.Dns;

namespace KubeLab.Core.Tests.Dns;

public class NodeHostsTests
{
    [Fact]
    public void NodeHosts_of_the_seed_are_the_lines_k3s_wrote()
    {
        Assert.Equal("10.65.94.95 vm3\n10.65.94.199 vm2\n10.65.94.238 vm1\n", NodeHosts.Render(NodeHosts.For(DnsFixture.Seed())));
    }

    [Fact]
    public void Parse_reads_hosts_lines_with_aliases_and_comments()
    {
        var hosts = NodeHosts.Parse("10.65.94.95 vm3\n# comment\n\n10.65.94.1 gw gateway # the bridge\nnot-an-ip x\n");
        Assert.Equal(["10.65.94.95 vm3", "10.65.94.1 gw", "10.65.94.1 gateway"], hosts.Select(h => h.ToString()));
    }

    [Theory]
    [InlineData("10.43.0.10", "10.0.43.10.in-addr.arpa.")]
    [InlineData("fd00::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.")]
    public void Reverse_names_round_trip(string ip, string name)
    {
        Assert.Equal(name, DnsName.ReverseName(IPAddress.Parse(ip)));
        Assert.Equal(IPAddress.Parse(ip), DnsName.AddressFromReverse(name));
    }
}
