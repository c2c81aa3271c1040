using System.Text.RegularExpressions;
using KubeLab.Realize.Netns;

namespace KubeLab.Netns.Tests.Lab;

/// <summary>
/// A pod deleted and applied again gets its pinned IP back with a new MAC; its node learns the new MAC at once from
/// the gratuitous ARP the CNI bridge plugin sends (issue 13, item 18), so traffic does not go to the old one.
/// </summary>
[Trait("Category", "Netns")]
public sealed partial class PodRecreationTests : TestLab
{
    [GeneratedRegex(@"lladdr ([0-9a-f:]{17})")]
    private static partial Regex NeighbourMac();

    [GeneratedRegex(@"link/ether ([0-9a-f:]{17})")]
    private static partial Regex LinkMac();

    private string Vm1NeighbourMac(string ip)
    {
        var entry = HostCommand.Check("ip", "-n", $"kl-{Name}.vm1", "neigh", "show", ip, "dev", "cni0");
        return NeighbourMac().Match(entry) is { Success: true } match ? match.Groups[1].Value : $"(no entry: \"{entry.Trim()}\")";
    }

    private string PodMac(string ip)
    {
        var ns = NetnsDriver.ExistingNamespaces(Name)
            .First(n => n.Count(c => c == '.') == 2 && HostCommand.Run("ip", ["-n", n, "-o", "-4", "addr", "show", "dev", "eth0"]).Stdout.Contains($" {ip}/", StringComparison.Ordinal));
        return LinkMac().Match(HostCommand.Check("ip", "-n", ns, "link", "show", "eth0")).Groups[1].Value;
    }

    [SkippableFact]
    public void After_delete_and_apply_vm1_knows_the_recreated_pods_new_mac_at_once()
    {
        Skip.IfNot(Environment.IsPrivilegedProcess, "NOT RUN: the netns lab needs root (CI runs these as root)");
        Kubelab.Ok("up", "--name", Name, "-f", "seed");
        Assert.Equal("200", Kubelab.Ok("exec", "--name", Name, "test-pod", "--", "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "5", "http://10.42.0.8/"));
        var before = PodMac("10.42.0.8");
        Assert.Equal(before, Vm1NeighbourMac("10.42.0.8")); // vm1's cni0 learnt it for the request

        Kubelab.Ok("delete", "--name", Name, "-f", "seed");
        // cni0 keeps its entries when the removed veth did not carry its (lowest) MAC, and flushes them when its MAC
        // changes: about one cycle in three kept the old MAC in the issue's runs. The entry as it was makes that case certain.
        HostCommand.Check("ip", "-n", $"kl-{Name}.vm1", "neigh", "replace", "10.42.0.8", "lladdr", before, "dev", "cni0", "nud", "reachable");
        Kubelab.Ok("apply", "--name", Name, "-f", "seed");
        var after = PodMac("10.42.0.8");
        Assert.NotEqual(before, after);
        // the new MAC, or no entry when adding the veths changed cni0's MAC (which flushes its entries): never the old one
        Assert.NotEqual(before, Vm1NeighbourMac("10.42.0.8"));
        Assert.Equal("200", Kubelab.Ok("exec", "--name", Name, "test-pod", "--", "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "3", "http://10.42.0.8/"));
    }

    [SkippableFact]
    public void A_gratuitous_arp_from_a_pods_eth0_updates_the_bridges_entry_for_its_ip()
    {
        Skip.IfNot(Environment.IsPrivilegedProcess, "NOT RUN: needs root (network namespaces)");
        using var node = new ScratchNamespace("kl-garp");
        using var pod = new ScratchNamespace("kl-garp");
        node.Exec(null, "ip", "link", "add", "cni0", "type", "bridge");
        node.Exec(null, "ip", "addr", "add", "10.42.0.1/24", "dev", "cni0");
        node.Exec(null, "ip", "link", "set", "cni0", "up");
        node.Exec(null, "ip", "link", "add", "vethgarp", "type", "veth", "peer", "name", "eth0", "netns", pod.Name);
        node.Exec(null, "ip", "link", "set", "vethgarp", "master", "cni0");
        node.Exec(null, "ip", "link", "set", "vethgarp", "up");
        pod.Exec(null, "ip", "addr", "add", "10.42.0.8/24", "dev", "eth0");
        pod.Exec(null, "ip", "link", "set", "eth0", "up");
        var mac = LinkMac().Match(pod.Exec(null, "ip", "link", "show", "eth0")).Groups[1].Value;
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!node.Exec(null, "bridge", "link", "show").Contains(" state forwarding ", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10); // polls until cni0 forwards on the port
        }

        // the entry an earlier pod of that IP left, at another MAC
        node.Exec(null, "ip", "neigh", "replace", "10.42.0.8", "lladdr", "02:00:00:00:00:01", "dev", "cni0", "nud", "reachable");
        GratuitousArp.Announce(pod.Name, "eth0", System.Net.IPAddress.Parse("10.42.0.8"));

        var entry = "";
        deadline = DateTime.UtcNow.AddSeconds(5);
        while (!(entry = node.Exec(null, "ip", "neigh", "show", "10.42.0.8", "dev", "cni0")).Contains(mac, StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10); // polls until the kernel has processed the frame
        }

        Assert.Contains($"lladdr {mac} ", entry, StringComparison.Ordinal);
    }

    [Fact]
    public void The_announcement_is_an_arp_request_for_the_pods_own_ip_to_broadcast()
    {
        var frame = GratuitousArp.Frame([0x0a, 0x58, 0x0a, 0x2a, 0x00, 0x08], System.Net.IPAddress.Parse("10.42.0.8"));
        Assert.Equal(
            "ffffffffffff" + "0a580a2a0008" + "0806" + "0001" + "0800" + "06" + "04" + "0001" + "0a580a2a0008" + "0a2a0008" + "ffffffffffff" + "0a2a0008",
            Convert.ToHexString(frame).ToLowerInvariant());
    }
}
