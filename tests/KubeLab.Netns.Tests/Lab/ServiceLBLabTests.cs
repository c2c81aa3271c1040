namespace KubeLab.Netns.Tests.Lab;

/// <summary>
/// k3s's add-ons on this kernel, as a default k3s server (no --disable) runs them: traefik behind ServiceLB, whose
/// svclb pods' host ports are the CNI portmap plugin's chains in each node's nat table and whose klipper-lb rules are
/// loaded in the pods themselves; the host reaches traefik's empty 404 on every node's address.
/// </summary>
[Trait("Category", "Netns")]
public sealed class ServiceLBLabTests : TestLab
{
    private string Exec(string target, params string[] command)
    {
        var (code, output, error) = Kubelab.Run(["exec", "--name", Name, target, "--", .. command]);
        Assert.True(code == 0, $"exec {target} -- {string.Join(' ', command)} exited {code}: {error}");
        return output;
    }

    [SkippableFact]
    public void The_host_reaches_traefik_on_every_node_address_through_servicelb()
    {
        Skip.IfNot(Environment.IsPrivilegedProcess, "NOT RUN: the netns lab needs root (CI runs these as root)");
        Kubelab.Ok("up", "--name", Name);

        var services = Kubelab.Ok("get", "--name", Name, "svc", "-A");
        Assert.Matches(@"kube-system   traefik          LoadBalancer   10\.43\.\d+\.\d+ +10\.65\.94\.199,10\.65\.94\.238,10\.65\.94\.95   80:3\d{4}/TCP,443:3\d{4}/TCP", services);
        Assert.Matches(@"kube-system   metrics-server   ClusterIP      10\.43\.\d+\.\d+ +<none> +443/TCP", services);

        foreach (var address in new[] { "10.65.94.238", "10.65.94.199", "10.65.94.95" })
        {
            var reply = Exec("host", "curl", "-s", "-i", "-m", "5", $"http://{address}:80/");
            Assert.StartsWith("HTTP/1.1 404 Not Found\r\n", reply, StringComparison.Ordinal);
            Assert.EndsWith("\r\n\r\n404 page not found\n", reply, StringComparison.Ordinal);
        }

        // each node: the portmap plugin's entry rules and its svclb pod's DNAT chain, as iptables-save prints them
        foreach (var (node, podIP) in new[] { ("vm1", "10.42.0.8"), ("vm2", "10.42.1.2"), ("vm3", "10.42.2.2") })
        {
            var nat = Exec(node, "iptables-save", "-t", "nat");
            Assert.Contains("-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT\n", nat, StringComparison.Ordinal);
            Assert.Contains("-A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT\n", nat, StringComparison.Ordinal);
            Assert.Contains("-A POSTROUTING -m comment --comment \"CNI portfwd requiring masquerade\" -j CNI-HOSTPORT-MASQ\n", nat, StringComparison.Ordinal);
            Assert.Contains("-A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE\n", nat, StringComparison.Ordinal);
            Assert.Matches($@"-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment ""dnat name: \\""cbr0\\"" id: \\""[0-9a-f]{{64}}\\"""" -m multiport --dports 80,443 -j CNI-DN-[0-9a-f]{{21}}\n", nat);
            Assert.Matches($@"-A CNI-DN-[0-9a-f]{{21}} -p tcp -m tcp --dport 80 -j DNAT --to-destination {podIP.Replace(".", "\\.", StringComparison.Ordinal)}:80\n", nat);
            // kube-proxy's loadbalancer IP rules for the node addresses come first in PREROUTING
            Assert.Contains("-m comment --comment \"kube-system/traefik:web loadbalancer IP\" -m tcp --dport 80 -j KUBE-EXT-", nat, StringComparison.Ordinal);
            // the hostPort itself: from the node to its own svclb pod's port 80, which klipper-lb forwards to traefik's ClusterIP
            Assert.Equal("404 page not found\n", Exec(node, "curl", "-s", "-m", "5", $"http://{podIP}:80/"));
        }

        var svclb = Kubelab.Ok("get", "--name", Name, "pods", "-A", "-o", "wide").Split('\n')
            .First(l => l.Contains(" svclb-traefik-", StringComparison.Ordinal) && l.Contains(" vm2 ", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var pod = Kubelab.Run("exec", "--name", Name, "-n", "kube-system", svclb, "--", "iptables-save", "-t", "nat");
        Assert.Equal(0, pod.Code);
        Assert.Matches(@"-A PREROUTING ! -s 10\.43\.\d+\.\d+/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10\.43\.\d+\.\d+:80\n", pod.Out);
        Assert.Equal("1\n", Kubelab.Run("exec", "--name", Name, "-n", "kube-system", svclb, "--", "cat", "/proc/sys/net/ipv4/ip_forward").Out);
    }

    [SkippableFact]
    public void Disable_servicelb_and_traefik_leave_their_pods_and_chains_out()
    {
        Skip.IfNot(Environment.IsPrivilegedProcess, "NOT RUN: the netns lab needs root (CI runs these as root)");
        Kubelab.Ok("up", "--name", Name, "--disable", "servicelb", "--disable", "traefik,metrics-server");

        var pods = Kubelab.Ok("get", "--name", Name, "pods", "-A");
        Assert.DoesNotContain("svclb-", pods, StringComparison.Ordinal);
        Assert.DoesNotContain("traefik", pods, StringComparison.Ordinal);
        Assert.DoesNotContain("metrics-server", pods, StringComparison.Ordinal);
        Assert.Contains("local-path-provisioner-", pods, StringComparison.Ordinal);
        var nat = Exec("vm2", "iptables-save", "-t", "nat");
        Assert.DoesNotContain("CNI-HOSTPORT", nat, StringComparison.Ordinal);
        Assert.DoesNotContain("traefik", nat, StringComparison.Ordinal);
        Assert.Contains("\"kube-system/kube-dns:dns cluster IP\"", nat, StringComparison.Ordinal);
        Assert.NotEqual(0, Kubelab.Run("exec", "--name", Name, "host", "--", "curl", "-s", "-m", "2", "http://10.65.94.199:80/").Code);
    }
}
