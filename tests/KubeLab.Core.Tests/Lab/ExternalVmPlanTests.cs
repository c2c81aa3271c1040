using System.Net;
using KubeLab.Core.Control;
using KubeLab.Core.Lab;
using KubeLab.Core.MetalLB;
using KubeLab.Core.Model;

namespace KubeLab.Core.Tests.Lab;

public class ExternalVmPlanTests
{
    private static readonly LabConfig Config = LabConfig.Default("t") with { ExternalVm = true };

    [Fact]
    public void Every_command_of_a_lab_with_vm_ext_works_inside_the_labs_namespaces()
    {
        var snapshot = SnapshotBuilder.FromState(ControlPlane.Bootstrap(Config, DateTimeOffset.UnixEpoch));
        foreach (var command in NetnsPlan.Full(snapshot))
        {
            // only `ip netns add kl-t.…` runs in the root namespace; everything else names a lab namespace
            var args = command.Args;
            var inLab = args is ["netns", "add", var added] ? added.StartsWith("kl-t.", StringComparison.Ordinal)
                : args is ["-n", var ns, ..] ? ns.StartsWith("kl-t.", StringComparison.Ordinal)
                : args is ["netns", "exec", var exec, ..] ? exec.StartsWith("kl-t.", StringComparison.Ordinal)
                : args is ["-batch", "-"] && command.Stdin!.Split('\n', StringSplitOptions.RemoveEmptyEntries).All(l => l.StartsWith("netns add kl-t.", StringComparison.Ordinal));
            Assert.True(inLab, command.ToShell());
        }
    }

    [Fact]
    public void Vm_ext_and_the_nodes_get_the_cheat_sheets_vlan_100_addresses()
    {
        var plan = NetnsPlan.Describe(NetnsPlan.Full(SnapshotBuilder.FromState(ControlPlane.Bootstrap(Config, DateTimeOffset.UnixEpoch))));
        Assert.Contains("addr add 10.123.123.254/24 dev mpqemubr0.100", plan, StringComparison.Ordinal);
        Assert.Contains("addr add 10.123.123.1/24 dev ens3.100", plan, StringComparison.Ordinal);
        Assert.Contains("addr add 10.123.123.3/24 dev ens3.100", plan, StringComparison.Ordinal);
        Assert.Contains("addr add 10.123.123.4/24 dev ens3.100", plan, StringComparison.Ordinal);
        // vm-ext has no route but its VLAN's: no default, nothing toward 10.65.94.0/24
        var vmExt = NetnsPlan.ExternalVm(Config).Last().Stdin!;
        Assert.DoesNotContain("route", vmExt, StringComparison.Ordinal);
        var four = LabConfig.Default("t", 4);
        Assert.Equal("10.123.123.13", four.ExternalIPOf(four.Nodes[3]).ToString()); // vm4: past the cheat sheet's three, below the pool
    }

    [Fact]
    public void A_moving_vip_is_withdrawn_from_the_old_node_and_proxied_on_the_new_one()
    {
        var vip = IPAddress.Parse("10.123.123.100");
        var commands = NetnsPlan.Announce(Config, [new L2Announcement("default/s", vip, "vm1")], [new L2Announcement("default/s", vip, "vm3")]);
        Assert.Equal(["kl-t.vm1", "kl-t.vm3"], commands.Select(c => c.Args[1]));
        Assert.Equal("neigh del proxy 10.123.123.100 dev ens3.100\nroute del 10.123.123.100/32 dev lo table 100\n", commands[0].Stdin);
        Assert.Equal("neigh replace proxy 10.123.123.100 dev ens3.100\nroute replace 10.123.123.100/32 dev lo table 100\n", commands[1].Stdin);
        Assert.Empty(NetnsPlan.Announce(Config with { ExternalVm = false }, [], [new L2Announcement("default/s", vip, "vm1")]));
    }
}
