using KubeLab.Core.Model;

namespace KubeLab.Core.Tests.Model;

public class LabConfigTests
{
    [Fact]
    public void Default_lab_has_the_seed_nodes_and_pod_cidrs()
    {
        var config = LabConfig.Default("seed");
        Assert.Equal(["vm1", "vm2", "vm3"], config.Nodes.Select(n => n.Name));
        Assert.Equal(["10.65.94.238", "10.65.94.199", "10.65.94.95"], config.Nodes.Select(n => n.InternalIP.ToString()));
        Assert.Equal(["10.42.0.0/24", "10.42.1.0/24", "10.42.2.0/24"], config.Nodes.Select(n => n.PodCidr.ToString()));
        Assert.Equal(NodeRole.Server, config.Nodes[0].Role);
    }

    [Fact]
    public void Vtep_mac_is_locally_administered_unicast()
    {
        var mac = LabConfig.VtepMacFor("seed", 0);
        var first = Convert.ToByte(mac[..2], 16);
        Assert.Equal(2, first & 0x03);
    }
}
