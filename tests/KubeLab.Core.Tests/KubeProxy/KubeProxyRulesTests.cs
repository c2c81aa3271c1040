using System.Net;
using KubeLab.Core.KubeProxy;
using KubeLab.Core.Model;

namespace KubeLab.Core.Tests.KubeProxy;

public sealed class KubeProxyRulesTests
{
    private static readonly Node Vm1 = KubeProxyGoldenTests.SeedVm1;

    private static ClusterSnapshot Snapshot(IEnumerable<Service> services, IEnumerable<EndpointSlice> slices, Node? node = null) => new()
    {
        Config = LabConfig.Default("test", 1),
        Nodes = [node ?? Vm1],
        Services = services.ToList(),
        EndpointSlices = slices.ToList(),
    };

    private static Service ClusterIPService(string name, string ip, int port = 80, string? portName = null, Protocol protocol = Protocol.TCP) => new()
    {
        Namespace = "default",
        Name = name,
        ClusterIP = IPAddress.Parse(ip),
        Ports = [new ServicePort { Name = portName, Port = port, TargetPort = PortRef.Of(port), Protocol = protocol }],
    };

    private static EndpointSlice Slice(string service, int port, IEnumerable<string> ips, string? portName = null, string? nodeName = null, Protocol protocol = Protocol.TCP) => new()
    {
        Namespace = "default",
        Name = service + "-abcde",
        ServiceName = service,
        Ports = [new EndpointPort(portName, port, protocol)],
        Endpoints = ips.Select(ip => new Endpoint { Addresses = [IPAddress.Parse(ip)], NodeName = nodeName }).ToList(),
    };

    private static string[] Lines(string rules, string prefix) =>
        rules.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).ToArray();

    [Fact]
    public void Large_cluster_mode_drops_comments_from_endpoint_rules_only()
    {
        // 1001 endpoints in total: just over largeClusterEndpointsThreshold (1000).
        var ips = Enumerable.Range(0, 1001).Select(i => $"10.42.{i / 250}.{(i % 250) + 2}").ToList();
        var snapshot = Snapshot([ClusterIPService("big", "10.43.0.50")], [Slice("big", 8080, ips)]);

        var rules = KubeProxyRules.Generate(snapshot, "vm1", KubeProxyConfig.K3sDefaults);

        var sep = ChainNames.Endpoint("default/big", "tcp", "10.42.0.2:8080");
        Assert.Equal(
        [
            $"-A {sep} -s 10.42.0.2 -j KUBE-MARK-MASQ",
            $"-A {sep} -m tcp -p tcp -j DNAT --to-destination 10.42.0.2:8080",
        ], Lines(rules, $"-A {sep} "));
        var svc = ChainNames.Service("default/big", "tcp");
        var svcRules = Lines(rules, $"-A {svc} ");
        Assert.Equal(1002, svcRules.Length);
        Assert.Equal($"-A {svc} -m comment --comment \"default/big cluster IP\" -m tcp -p tcp -d 10.43.0.50 --dport 80 ! -s 10.42.0.0/16 -j KUBE-MARK-MASQ", svcRules[0]);
        Assert.StartsWith($"-A {svc} -m statistic --mode random --probability 0.0009990010 -j KUBE-SEP-", svcRules[1], StringComparison.Ordinal);
        Assert.Matches($"^-A {svc} -j KUBE-SEP-[A-Z2-7]{{16}}$", svcRules[^1]);
    }

    [Fact]
    public void A_thousand_endpoints_keep_their_comments()
    {
        var ips = Enumerable.Range(0, 1000).Select(i => $"10.42.{i / 250}.{(i % 250) + 2}").ToList();
        var snapshot = Snapshot([ClusterIPService("big", "10.43.0.50")], [Slice("big", 8080, ips)]);

        var rules = KubeProxyRules.Generate(snapshot, "vm1", KubeProxyConfig.K3sDefaults);

        var sep = ChainNames.Endpoint("default/big", "tcp", "10.42.0.2:8080");
        Assert.Contains($"-A {sep} -m comment --comment default/big -s 10.42.0.2 -j KUBE-MARK-MASQ\n", rules);
    }

    [Fact]
    public void Masquerade_all_marks_every_cluster_ip_packet_without_a_source_match()
    {
        var snapshot = Snapshot([ClusterIPService("web", "10.43.0.20")], [Slice("web", 80, ["10.42.0.9"])]);

        var rules = KubeProxyRules.Generate(snapshot, "vm1", KubeProxyConfig.K3sDefaults with { MasqueradeAll = true });

        var svc = ChainNames.Service("default/web", "tcp");
        Assert.Contains($"-A {svc} -m comment --comment \"default/web cluster IP\" -m tcp -p tcp -d 10.43.0.20 --dport 80 -j KUBE-MARK-MASQ\n", rules);
    }

    [Fact]
    public void Headless_and_external_name_services_produce_no_rules()
    {
        var headless = new Service { Namespace = "default", Name = "db", Headless = true, Ports = [new ServicePort { Port = 5432, TargetPort = PortRef.Of(5432) }] };
        var external = new Service { Namespace = "default", Name = "ext", Type = ServiceType.ExternalName, ExternalName = "example.com" };
        var withRules = Snapshot([headless, external], [Slice("db", 5432, ["10.42.0.7"])]);
        var empty = Snapshot([], []);

        Assert.Equal(
            KubeProxyRules.Generate(empty, "vm1", KubeProxyConfig.K3sDefaults),
            KubeProxyRules.Generate(withRules, "vm1", KubeProxyConfig.K3sDefaults));
    }

    [Fact]
    public void Endpoints_are_ordered_as_strings_not_numbers()
    {
        var snapshot = Snapshot([ClusterIPService("web", "10.43.0.20")], [Slice("web", 80, ["10.42.0.9", "10.42.0.10"])]);

        var rules = KubeProxyRules.Generate(snapshot, "vm1", KubeProxyConfig.K3sDefaults);

        var svc = ChainNames.Service("default/web", "tcp");
        var selection = Lines(rules, $"-A {svc} -m comment --comment \"default/web -> ");
        Assert.Contains("10.42.0.10:80", selection[0], StringComparison.Ordinal);
        Assert.Contains("--probability 0.5000000000", selection[0], StringComparison.Ordinal);
        Assert.Contains("10.42.0.9:80", selection[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Udp_ports_match_udp_everywhere_and_named_ports_join_their_slice_port()
    {
        var dns = ClusterIPService("dns", "10.43.0.10", 53, "dns", Protocol.UDP);
        var snapshot = Snapshot([dns], [Slice("dns", 53, ["10.42.0.2"], "dns", "vm1", Protocol.UDP), Slice("dns", 53, ["10.42.0.3"], "dns-tcp")]);

        var rules = KubeProxyRules.Generate(snapshot, "vm1", KubeProxyConfig.K3sDefaults);

        var sep = ChainNames.Endpoint("default/dns:dns", "udp", "10.42.0.2:53");
        Assert.Contains($"-A {sep} -m comment --comment default/dns:dns -m udp -p udp -j DNAT --to-destination 10.42.0.2:53\n", rules);
        Assert.DoesNotContain("10.42.0.3", rules, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_random_fully_masquerade_has_no_flag_and_mark_follows_the_bit()
    {
        var rules = KubeProxyRules.Generate(Snapshot([], []), "vm1", KubeProxyConfig.K3sDefaults with { RandomFully = false, MasqueradeBit = 15 });

        Assert.Contains("-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE\n", rules);
        Assert.Contains("-A KUBE-MARK-MASQ -j MARK --or-mark 0x00008000\n", rules);
        Assert.Contains("-A KUBE-POSTROUTING -m mark ! --mark 0x00008000/0x00008000 -j RETURN\n", rules);
    }

    [Fact]
    public void Liberal_conntrack_removes_the_invalid_drop()
    {
        var rules = KubeProxyRules.Generate(Snapshot([], []), "vm1", KubeProxyConfig.K3sDefaults with { ConntrackTcpLiberal = true });

        Assert.DoesNotContain("INVALID", rules, StringComparison.Ordinal);
    }

    [Fact]
    public void Node_port_addresses_list_each_matching_local_address()
    {
        var config = KubeProxyConfig.K3sDefaults with
        {
            NodePortAddresses = [IPNetwork.Parse("10.65.94.0/24")],
            LocalAddresses = [IPAddress.Loopback, IPAddress.Parse("10.65.94.238"), IPAddress.Parse("192.168.1.5")],
        };

        var rules = KubeProxyRules.Generate(Snapshot([], []), "vm1", config);

        Assert.Equal(
            ["-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -d 10.65.94.238 -j KUBE-NODEPORTS"],
            Lines(rules, "-A KUBE-SERVICES "));
        // 127.0.0.1 is outside nodePortAddresses, so localhost node ports (and KUBE-FIREWALL) are off.
        Assert.DoesNotContain("KUBE-FIREWALL", rules, StringComparison.Ordinal);
    }

    [Fact]
    public void Topology_hints_restrict_cluster_endpoints_to_the_nodes_zone()
    {
        var zoned = Vm1 with { Labels = new Dictionary<string, string> { ["topology.kubernetes.io/zone"] = "a" } };
        var service = ClusterIPService("web", "10.43.0.20") with
        {
            Annotations = new Dictionary<string, string> { ["service.kubernetes.io/topology-mode"] = "Auto" },
        };
        var slice = Slice("web", 80, []) with
        {
            Endpoints =
            [
                new Endpoint { Addresses = [IPAddress.Parse("10.42.0.5")], ZoneHints = ["a"] },
                new Endpoint { Addresses = [IPAddress.Parse("10.42.1.5")], ZoneHints = ["b"] },
            ],
        };

        var rules = KubeProxyRules.Generate(Snapshot([service], [slice], zoned), "vm1", KubeProxyConfig.K3sDefaults);

        Assert.Contains("10.42.0.5:80", rules, StringComparison.Ordinal);
        Assert.DoesNotContain("10.42.1.5", rules, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_node_is_a_not_found_error_naming_the_nodes()
    {
        var error = Assert.Throws<KubeLabException>(() => KubeProxyRules.Generate(Snapshot([], []), "vm9", KubeProxyConfig.K3sDefaults));

        Assert.Equal(2, error.ExitCode);
        Assert.Contains("vm9", error.Message, StringComparison.Ordinal);
        Assert.Contains("vm1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Kube_proxy_configuration_document_overrides_the_k3s_defaults()
    {
        var document = new Dictionary<string, object?>
        {
            ["apiVersion"] = "kubeproxy.config.k8s.io/v1alpha1",
            ["kind"] = "KubeProxyConfiguration",
            ["clusterCIDR"] = "10.244.0.0/16,fd00::/48",
            ["iptables"] = new Dictionary<object, object?> { ["masqueradeAll"] = "true", ["masqueradeBit"] = "12", ["localhostNodePorts"] = false },
            ["nodePortAddresses"] = new List<object?> { "10.65.94.0/24", "fd00::/64" },
            ["detectLocalMode"] = "NodeCIDR",
        };

        var config = KubeProxyConfig.K3sDefaults.WithConfiguration(document);

        Assert.Equal(IPNetwork.Parse("10.244.0.0/16"), config.ClusterCidr);
        Assert.True(config.MasqueradeAll);
        Assert.Equal("0x00001000", config.MasqueradeMark);
        Assert.False(config.LocalhostNodePorts);
        Assert.Equal([IPNetwork.Parse("10.65.94.0/24")], config.NodePortAddresses);
        Assert.Equal(DetectLocalMode.NodeCIDR, config.DetectLocalMode);
    }

    [Fact]
    public void Bad_masquerade_bit_names_the_field()
    {
        var document = new Dictionary<string, object?> { ["iptables"] = new Dictionary<object, object?> { ["masqueradeBit"] = "40" } };

        var error = Assert.Throws<KubeLabException>(() => KubeProxyConfig.K3sDefaults.WithConfiguration(document, "cluster.yaml"));

        Assert.Contains("iptables.masqueradeBit", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, error.ExitCode);
    }

    [Fact]
    public void Normaliser_sorts_services_by_name_and_keeps_the_nodeports_rule_last()
    {
        const string input = """
            *nat
            :KUBE-SERVICES - [0:0]
            :KUBE-NODEPORTS - [0:0]
            :KUBE-SVC-B - [0:0]
            :KUBE-SVC-A - [0:0]
            -A KUBE-SERVICES -m comment --comment "ns2/b:p cluster IP" -j KUBE-SVC-B
            -A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -j KUBE-NODEPORTS
            -A KUBE-SERVICES -m comment --comment "ns1/a:p cluster IP" -j KUBE-SVC-A
            -A KUBE-SVC-B -j X
            -A KUBE-SVC-A -j Y
            COMMIT
            *filter
            COMMIT

            """;

        var output = IptablesNormaliser.Normalise(input.Replace("\r", "", StringComparison.Ordinal));

        Assert.Equal("""
            *filter
            COMMIT
            *nat
            :KUBE-NODEPORTS - [0:0]
            :KUBE-SERVICES - [0:0]
            :KUBE-SVC-A - [0:0]
            :KUBE-SVC-B - [0:0]
            -A KUBE-SERVICES -m comment --comment "ns1/a:p cluster IP" -j KUBE-SVC-A
            -A KUBE-SERVICES -m comment --comment "ns2/b:p cluster IP" -j KUBE-SVC-B
            -A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -j KUBE-NODEPORTS
            -A KUBE-SVC-A -j Y
            -A KUBE-SVC-B -j X
            COMMIT

            """.Replace("\r", "", StringComparison.Ordinal), output);
    }

    [Fact]
    public void Chain_sort_keys_order_kube_proxy_chain_names_as_ordinal_string_comparison_does()
    {
        // Base32 digits sort before letters as characters ('2' < 'A'); a name that is a prefix of another comes first.
        string[] names =
        [
            "KUBE-SVC-AAAAAAAAAAAAAAA2", "KUBE-SVC-AAAAAAAAAAAAAAAA", "KUBE-SVC-7AAAAAAAAAAAAAAA", "KUBE-SVL-2AAAAAAAAAAAAAAA",
            "KUBE-SEP-ZZZZZZZZZZZZZZZZ", "KUBE-EXT-QWERTY234567ABCD", "KUBE-FW-QWERTY234567ABCD", "KUBE-FW-QWERTY234567ABCE",
            "KUBE-POSTROUTING", "KUBE-MARK-MASQ", "KUBE-MARK", "KUBE-", "KUBE-SEP-2222222222222222",
            ChainNames.Endpoint("default/big", "tcp", "10.42.0.2:8080"), ChainNames.Service("default/big", "tcp"),
        ];

        var byKey = names.OrderBy(n => KubeProxyRules.OrdinalKey(n)!.Value).ToArray();

        Assert.Equal(names.Order(StringComparer.Ordinal), byKey);
    }

    [Theory]
    [InlineData("KUBE-SVC-AAAAAAAAAAAAAAAAA")]
    [InlineData("CUSTOM-CHAIN")]
    [InlineData("KUBE-lower-z")]
    [InlineData("KUBE-a b")]
    public void A_chain_name_without_a_sort_key_is_left_to_string_comparison(string chain) =>
        Assert.Null(KubeProxyRules.OrdinalKey(chain));

    [Theory]
    [InlineData("vm2", false, "vm1", true, true)] // a later local copy replaces the first
    [InlineData("vm1", true, "vm2", false, true)] // a later remote copy does not
    [InlineData("vm2", false, "vm2", true, false)] // of remote copies the first stays
    public void An_endpoint_in_two_slices_counts_once_the_first_copy_or_a_later_local_one(string firstNode, bool firstReady, string secondNode, bool secondReady, bool served)
    {
        EndpointSlice Copy(string name, string node, bool ready) => Slice("web", 80, []) with
        {
            Name = name,
            Endpoints = [new Endpoint { Addresses = [IPAddress.Parse("10.42.0.5")], NodeName = node, Ready = ready, Serving = ready }],
        };
        var snapshot = Snapshot([ClusterIPService("web", "10.43.0.10")], [Copy("web-a", firstNode, firstReady), Copy("web-b", secondNode, secondReady)]);

        var rules = KubeProxyRules.Generate(snapshot, "vm1", KubeProxyConfig.K3sDefaults);

        Assert.Equal(served ? 1 : 0, Lines(rules, "-A KUBE-SEP-").Count(l => l.Contains("DNAT --to-destination 10.42.0.5:80", StringComparison.Ordinal)));
        Assert.Equal(served ? 0 : 1, Lines(rules, "-A KUBE-SERVICES").Count(l => l.Contains("has no endpoints", StringComparison.Ordinal)));
    }
}

public sealed class KubeProxyConfigYamlTests
{
    [Fact]
    public void Yaml_document_sets_masquerade_all_and_node_port_addresses()
    {
        var config = KubeProxyConfig.FromYaml("""
            apiVersion: kubeproxy.config.k8s.io/v1alpha1
            kind: KubeProxyConfiguration
            clusterCIDR: 10.244.0.0/16
            iptables:
              masqueradeAll: true
            nodePortAddresses: ["10.65.94.0/24"]
            """);

        Assert.True(config.MasqueradeAll);
        Assert.Equal(System.Net.IPNetwork.Parse("10.244.0.0/16"), config.ClusterCidr);
        Assert.Single(config.NodePortAddresses);
        Assert.True(config.RandomFully);
    }

    [Fact]
    public void Malformed_yaml_is_an_input_error_with_the_source()
    {
        var error = Assert.Throws<KubeLabException>(() => KubeProxyConfig.FromYaml("iptables: [unclosed", "proxy.yaml"));

        Assert.Equal(2, error.ExitCode);
        Assert.StartsWith("proxy.yaml: line ", error.Message, StringComparison.Ordinal);
    }
}
