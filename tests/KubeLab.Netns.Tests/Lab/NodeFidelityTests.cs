using System.Diagnostics;

namespace KubeLab.Netns.Tests.Lab;

/// <summary>
/// The seed lab seen from inside its nodes and pods, compared with what a real k3s v1.29.5 node and pod show:
/// MTU, addresses, link details, hostnames, the node's own files and resolver.
/// </summary>
[Trait("Category", "Netns")]
public sealed class NodeFidelityTests(SeedLabFixture lab) : IClassFixture<SeedLabFixture>
{
    private static void RequireRoot() => Skip.IfNot(Environment.IsPrivilegedProcess, "NOT RUN: the netns lab needs root (CI runs these as root)");

    [SkippableFact]
    public void Pod_eth0_has_flannels_mtu_the_subnets_broadcast_and_the_node_as_netnsid_0()
    {
        RequireRoot();
        var eth0 = lab.ExecOk("test-pod", "ip", "addr", "show", "eth0");
        Assert.Matches(@"^\d+: eth0@if\d+: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP group default qlen 1000\n", eth0);
        Assert.Matches(@"\n    link/ether [0-9a-f:]{17} brd ff:ff:ff:ff:ff:ff link-netnsid 0\n", eth0);
        Assert.Contains("\n    inet 10.42.1.4/24 brd 10.42.1.255 scope global eth0\n", eth0, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Cni0_has_the_subnets_broadcast_and_flannel_1_has_no_queue_length()
    {
        RequireRoot();
        Assert.Contains("\n    inet 10.42.0.1/24 brd 10.42.0.255 scope global cni0\n", lab.ExecOk("vm1", "ip", "addr", "show", "cni0"), StringComparison.Ordinal);
        var flannel = lab.ExecOk("vm1", "ip", "link", "show", "flannel.1");
        Assert.Matches(@"^\d+: flannel\.1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN mode DEFAULT group default \n", flannel);
        Assert.DoesNotContain("qlen", flannel, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Tracepath_from_a_pod_to_a_pod_on_another_node_finds_pmtu_1450()
    {
        RequireRoot();
        Skip.IfNot(File.Exists("/usr/bin/tracepath") || File.Exists("/bin/tracepath"), "NOT RUN: tracepath is not installed (apt-get install iputils-tracepath)");
        var path = lab.ExecOk("test-pod", "tracepath", "-n", "10.42.0.8");
        Assert.Contains(" 1?: [LOCALHOST]                      pmtu 1450\n", path, StringComparison.Ordinal);
        Assert.Matches(@"\n 3:  10\.42\.0\.8 +[0-9.]+ms reached\n", path);
        Assert.Contains("     Resume: pmtu 1450 hops 3 back 3 \n", path, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Tcp_from_a_pod_announces_mss_1410()
    {
        RequireRoot();
        using var capture = Process.Start(new ProcessStartInfo("ip",
            ["netns", "exec", $"kl-{lab.Name}.default.test-pod", "timeout", "15", "tcpdump", "-i", "eth0", "-n", "-l", "-c", "2", "tcp[tcpflags] & tcp-syn != 0"])
        { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (capture.StandardError.Peek() < 0 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20); // polls for "listening on eth0" with a deadline
        }

        Assert.Equal("200", lab.ExecOk("test-pod", "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://10.42.0.8/"));
        Assert.True(capture.WaitForExit(TimeSpan.FromSeconds(15)));
        var packets = capture.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, packets.Length);
        Assert.All(packets, p => Assert.Contains("options [mss 1410,", p, StringComparison.Ordinal)); // SYN and SYN-ACK
    }

    [SkippableFact]
    public void Same_node_ping_larger_than_the_mtu_is_fragmented_and_answered()
    {
        RequireRoot();
        Skip.IfNot(File.Exists("/usr/bin/ping") || File.Exists("/bin/ping"), "NOT RUN: ping is not installed (apt-get install iputils-ping)");
        // test-pod and 10.42.1.2 (nginx) are both on vm2: 2000 bytes leave eth0 in two fragments of at most 1450.
        Assert.Contains("1 packets transmitted, 1 received", lab.ExecOk("test-pod", "ping", "-c", "1", "-W", "2", "-s", "2000", "10.42.1.2"), StringComparison.Ordinal);
        var refused = lab.Exec("test-pod", "ping", "-c", "1", "-W", "2", "-M", "do", "-s", "1423", "10.42.1.2"); // 1423 + 28 = 1451
        Assert.NotEqual(0, refused.Code);
        Assert.Contains("ping: local error: message too long, mtu=1450", refused.Out + refused.Err, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Hostname_is_the_pods_name_in_a_pod_and_the_nodes_name_on_a_node()
    {
        RequireRoot();
        Assert.Equal("test-pod\n", lab.ExecOk("test-pod", "hostname"));
        Assert.Equal("vm2\n", lab.ExecOk("vm2", "hostname"));
        Assert.Equal(Environment.MachineName, System.Net.Dns.GetHostName()); // this machine's own name is untouched
    }

    [SkippableFact]
    public void Node_has_flannels_subnet_env()
    {
        RequireRoot();
        Assert.Equal("FLANNEL_NETWORK=10.42.0.0/16\nFLANNEL_SUBNET=10.42.2.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n",
            lab.ExecOk("vm3", "cat", "/run/flannel/subnet.env"));
    }

    [SkippableFact]
    public void Node_resolves_through_systemd_resolveds_stub_like_a_multipass_vm()
    {
        RequireRoot();
        var resolv = lab.ExecOk("vm1", "cat", "/etc/resolv.conf");
        Assert.StartsWith("# This is /run/systemd/resolve/stub-resolv.conf managed by man:systemd-resolved(8).\n", resolv, StringComparison.Ordinal);
        Assert.EndsWith("\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch multipass\n", resolv, StringComparison.Ordinal);
        Assert.Equal("10.65.94.199\n", lab.ExecOk("vm1", "dig", "+short", "+search", "vm2"));
        Assert.Contains("\n127.0.1.1 vm1 vm1\n127.0.0.1 localhost\n", lab.ExecOk("vm1", "cat", "/etc/hosts"), StringComparison.Ordinal);
    }
}
