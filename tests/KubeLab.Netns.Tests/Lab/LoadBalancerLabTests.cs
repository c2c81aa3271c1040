namespace KubeLab.Netns.Tests.Lab;

/// <summary>
/// The LB chapter on this kernel: the host and vm-ext as outside clients, MetalLB's VIP answered by exactly one
/// node's ARP, kube-proxy's LoadBalancer chains in the node's iptables, and `down` removing vm-ext and VLAN 100.
/// </summary>
[Trait("Category", "Netns")]
public sealed class LoadBalancerLabTests : TestLab
{
    private string Local
    {
        get
        {
            var path = Path.Combine(Kubelab.Home, "local.yaml");
            Directory.CreateDirectory(Kubelab.Home);
            File.WriteAllText(path, """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: nginx-lbl2
                spec:
                  replicas: 1
                  selector:
                    matchLabels:
                      app: nginx-lbl2
                  template:
                    metadata:
                      labels:
                        app: nginx-lbl2
                    spec:
                      containers:
                      - name: nginx
                        image: nginx:latest
                        ports:
                        - containerPort: 80
                ---
                apiVersion: v1
                kind: Service
                metadata:
                  name: nginx-mlb-l2-service
                  annotations:
                    metallb.universe.tf/address-pool: external-pool
                spec:
                  selector:
                    app: nginx-lbl2
                  ports:
                    - protocol: TCP
                      port: 80
                      targetPort: 80
                  type: LoadBalancer
                  externalTrafficPolicy: Local
                  loadBalancerIP: 10.123.123.100
                """);
            return path;
        }
    }

    /// <summary>The nginx-lbl2 pods' access log lines (the lab's real nginx writes them in the lab's folder), oldest first.</summary>
    private List<string> AccessLogLines() =>
        Directory.GetDirectories(Path.Combine(Kubelab.Home, Name, "nginx"), $"kl-{Name}.default.nginx-lbl2-*")
            .Select(d => Path.Combine(d, "access.log")).Where(File.Exists)
            .SelectMany(f => File.ReadAllLines(f).Select(l => (Time: File.GetLastWriteTimeUtc(f), Line: l)))
            .OrderBy(x => x.Time).Select(x => x.Line).ToList();

    private string Exec(string target, params string[] command)
    {
        var (code, output, error) = Kubelab.Run(["exec", "--name", Name, target, "--", .. command]);
        Assert.True(code == 0, $"exec {target} -- {string.Join(' ', command)} exited {code}: {error}");
        return output;
    }

    [SkippableFact]
    public void Vm_ext_reaches_the_metallb_vip_through_the_one_node_that_answers_arp_and_down_removes_it_all()
    {
        Skip.IfNot(Environment.IsPrivilegedProcess, "NOT RUN: the netns lab needs root (CI runs these as root)");
        Kubelab.Ok("up", "--name", Name, "--vm-ext", "-f", "seed", "-f", "nodeport", "-f", "metallb-l2");

        // exec host: the underlay's namespace, which holds mpqemubr0 10.65.94.1 (not the root namespace)
        Assert.Contains("inet 10.65.94.1/24", Exec("host", "ip", "-4", "addr", "show", "mpqemubr0"), StringComparison.Ordinal);
        Assert.Contains("Welcome to nginx", Exec("host", "curl", "-s", "-m", "5", "http://10.65.94.199:30000/"), StringComparison.Ordinal);

        // vm-ext: only VLAN 100, no route to the node network
        Assert.Equal("10.123.123.0/24 dev ens3.100 proto kernel scope link src 10.123.123.4", Exec("vm-ext", "ip", "route", "show").Trim());
        Assert.NotEqual(0, Kubelab.Run("exec", "--name", Name, "vm-ext", "--", "curl", "-s", "-m", "2", "http://10.65.94.199:30000/").Code);

        var services = Kubelab.Ok("get", "--name", Name, "svc");
        Assert.Matches(@"nginx-mlb-l2-service\s+LoadBalancer\s+10\.43\.\d+\.\d+\s+10\.123\.123\.100\s+80:3\d{4}/TCP", services);
        for (var i = 0; i < 20; i++)
        {
            Assert.Contains("Welcome to nginx", Exec("vm-ext", "curl", "-s", "-m", "5", "http://10.123.123.100/"), StringComparison.Ordinal);
        }

        // the VIP is at exactly one node's MAC, and no node has it as an address
        var neighbour = Exec("vm-ext", "ip", "neigh", "show", "10.123.123.100");
        var mac = System.Text.RegularExpressions.Regex.Match(neighbour, "lladdr ([0-9a-f:]{17})").Groups[1].Value;
        Assert.NotEqual("", mac);
        var owners = new[] { "vm1", "vm2", "vm3" }.Where(n => Exec(n, "ip", "link", "show", "ens3.100").Contains(mac, StringComparison.Ordinal)).ToList();
        Assert.Single(owners);
        foreach (var node in new[] { "vm1", "vm2", "vm3" })
        {
            Assert.DoesNotContain("10.123.123.100", Exec(node, "ip", "-4", "addr", "show"), StringComparison.Ordinal);
            // kube-proxy's load-balancer rule for the VIP is in every node's kernel
            Assert.Contains("-A KUBE-SERVICES -d 10.123.123.100/32 -p tcp -m comment --comment \"default/nginx-mlb-l2-service loadbalancer IP\" -m tcp --dport 80 -j KUBE-EXT-",
                Exec(node, "iptables-save", "-t", "nat"), StringComparison.Ordinal);
        }

        // the announcing node is the one the speaker election names, and the only one with the proxy entry
        Assert.Contains("10.123.123.100", Exec(owners[0], "ip", "neigh", "show", "proxy"), StringComparison.Ordinal);

        // externalTrafficPolicy Cluster: kube-proxy masquerades, so nginx sees a node's address, never vm-ext's
        Assert.All(AccessLogLines(), line => Assert.StartsWith("10.42.", line, StringComparison.Ordinal));

        // trace from vm-ext enters at the announcing node and reaches the three endpoints a third each
        var trace = Kubelab.Ok("trace", "--name", Name, "--from-ip", "10.123.123.4", "10.123.123.100:80");
        Assert.Contains($"MetalLB's speaker on {owners[0]} answers ARP for it (layer 2)", trace, StringComparison.Ordinal);
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Count(trace, @"branch \d/3 \(33\.33%\)"));

        // externalTrafficPolicy Local with one endpoint: the speaker on that endpoint's node takes the VIP over
        Kubelab.Ok("apply", "--name", Name, "-f", Local);
        var podNode = System.Text.RegularExpressions.Regex.Match(Kubelab.Ok("get", "--name", Name, "pods", "-l", "app=nginx-lbl2", "-o", "wide"), @"\s(vm\d)\s").Groups[1].Value;
        foreach (var node in new[] { "vm1", "vm2", "vm3" })
        {
            Assert.Equal(node == podNode, Exec(node, "ip", "neigh", "show", "proxy").Contains("10.123.123.100", StringComparison.Ordinal));
        }

        // no flush of vm-ext's neighbours: the new speaker's gratuitous ARP moved the VIP to its node's MAC
        Assert.Contains("Welcome to nginx", Exec("vm-ext", "curl", "-s", "-m", "5", "http://10.123.123.100/"), StringComparison.Ordinal);
        // ... and with Local, no masquerade: nginx's access log shows vm-ext's own address
        Assert.StartsWith("10.123.123.4 - - ", AccessLogLines().Last(), StringComparison.Ordinal);
        Assert.Contains(Exec(podNode, "ip", "link", "show", "ens3.100").Split("link/ether ")[1][..17], Exec("vm-ext", "ip", "neigh", "show", "10.123.123.100"), StringComparison.Ordinal);

        Kubelab.Ok("down", "--name", Name);
        Assert.Empty(KubeLab.Realize.Netns.NetnsDriver.ExistingNamespaces(Name));
        Assert.DoesNotContain("v100-", HostCommand.Check("ip", "-o", "link", "show"), StringComparison.Ordinal);
        Assert.DoesNotContain("mpqemubr0.100", HostCommand.Check("ip", "-o", "link", "show"), StringComparison.Ordinal);
    }

    /// <summary>The MAC of <paramref name="node"/>'s ens3.100, the interface its speaker answers ARP on.</summary>
    private string VlanMac(string node) => Exec(node, "ip", "link", "show", "ens3.100").Split("link/ether ")[1][..17];

    [SkippableFact]
    public void The_node_that_takes_a_vip_over_sends_gratuitous_arp_and_vm_ext_moves_to_its_mac_without_sending_anything()
    {
        Skip.IfNot(Environment.IsPrivilegedProcess, "NOT RUN: the netns lab needs root (CI runs these as root)");
        var path = Path.Combine(Kubelab.Home, "garp.yaml");
        Directory.CreateDirectory(Kubelab.Home);
        File.WriteAllText(path, """
            apiVersion: v1
            kind: Pod
            metadata: {name: garp-vm1, labels: {app: garp}}
            spec: {nodeName: vm1, terminationGracePeriodSeconds: 0, containers: [{name: nginx, image: nginx:latest}]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: garp-vm2, labels: {app: garp}}
            spec: {nodeName: vm2, terminationGracePeriodSeconds: 0, containers: [{name: nginx, image: nginx:latest}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: garp}
            spec:
              type: LoadBalancer
              externalTrafficPolicy: Local
              loadBalancerIP: 10.123.123.101
              selector: {app: garp}
              ports: [{port: 80}]
            """);
        Kubelab.Ok("up", "--name", Name, "--vm-ext", "--disable", "servicelb,traefik", "-f", "metallb-l2", "-f", path);

        // ETP Local: only vm1 and vm2 have an endpoint; the election picks one of them
        var owner = new[] { "vm1", "vm2" }.Single(n => Exec(n, "ip", "neigh", "show", "proxy").Contains("10.123.123.101", StringComparison.Ordinal));
        var heir = owner == "vm1" ? "vm2" : "vm1";
        Assert.Contains("Welcome to nginx", Exec("vm-ext", "curl", "-s", "-m", "5", "http://10.123.123.101/"), StringComparison.Ordinal);
        Assert.Contains($"lladdr {VlanMac(owner)}", Exec("vm-ext", "ip", "neigh", "show", "10.123.123.101"), StringComparison.Ordinal);

        // the owner's endpoint vanishes: the other node's speaker takes the VIP and announces it; vm-ext sends nothing
        Kubelab.Ok("delete", "--name", Name, "pod", $"garp-{owner}");
        Assert.Contains("10.123.123.101", Exec(heir, "ip", "neigh", "show", "proxy"), StringComparison.Ordinal);
        Assert.DoesNotContain("10.123.123.101", Exec(owner, "ip", "neigh", "show", "proxy"), StringComparison.Ordinal);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        var neighbour = "";
        while (DateTime.UtcNow < deadline && !(neighbour = Exec("vm-ext", "ip", "neigh", "show", "10.123.123.101")).Contains($"lladdr {VlanMac(heir)}", StringComparison.Ordinal))
        {
            Thread.Yield();
        }

        Assert.Contains($"lladdr {VlanMac(heir)}", neighbour, StringComparison.Ordinal);
        Assert.Contains($"announcing from node \"{heir}\" with protocol \"layer2\"", Kubelab.Ok("get", "--name", Name, "events"), StringComparison.Ordinal);
        Assert.Contains("Welcome to nginx", Exec("vm-ext", "curl", "-s", "-m", "5", "http://10.123.123.101/"), StringComparison.Ordinal);
    }
}
