namespace KubeLab.Core.Tests.Cli;

public sealed class RulesCommandTests : IDisposable
{
    private readonly CliHarness cli = new();

    public RulesCommandTests()
    {
        cli.Ok("up", "--driver", "none", "--disable", "servicelb");
        cli.Ok("apply", "-f", "seed");
    }

    public void Dispose() => cli.Dispose();

    private string Dump()
    {
        var path = Path.Combine(cli.Home, "cluster.yaml");
        File.WriteAllText(path, cli.Ok("get", "svc,endpointslices,nodes,pods", "-A", "-o", "yaml"));
        return path;
    }

    [Fact]
    public void Rules_of_vm1_contain_the_seeds_chains_and_probabilities()
    {
        var rules = cli.Ok("rules", "--node", "vm1");
        Assert.Contains("-A KUBE-SERVICES -m comment --comment \"default/nginx-service cluster IP\" -m tcp -p tcp -d 10.43.180.238 --dport 80 -j KUBE-SVC-V2OKYYMBY3REGZOG\n", rules, StringComparison.Ordinal);
        Assert.Contains("-A KUBE-SVC-V2OKYYMBY3REGZOG -m comment --comment \"default/nginx-service -> 10.42.0.8:80\" -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-LNMZPQ2U2A5TEEGP\n", rules, StringComparison.Ordinal);
        Assert.Contains("-A KUBE-SVC-V2OKYYMBY3REGZOG -m comment --comment \"default/nginx-service -> 10.42.1.2:80\" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-3Y75O4B4KDVD7TMA\n", rules, StringComparison.Ordinal);
        Assert.Contains("-A KUBE-SVC-V2OKYYMBY3REGZOG -m comment --comment \"default/nginx-service -> 10.42.2.2:80\" -j KUBE-SEP-Z33JJVRDNG7R4HVW\n", rules, StringComparison.Ordinal);
        Assert.Contains("-A KUBE-SVC-NPX46M4PTMTKRN6Y -m comment --comment \"default/kubernetes:https -> 10.65.94.238:6443\" -j KUBE-SEP-5MZSX7EQJ56C6NAG\n", rules, StringComparison.Ordinal);
        Assert.Contains("-A FLANNEL-POSTRTG", rules, StringComparison.Ordinal);
    }

    [Fact]
    public void Offline_rules_from_a_get_dump_equal_the_labs()
    {
        var path = Dump();
        Assert.Equal(cli.Ok("rules", "--node", "vm2"), cli.Ok("rules", "-f", path, "--node", "vm2"));
    }

    [Fact]
    public void Component_narrows_the_output_and_no_random_fully_drops_the_flag()
    {
        var proxy = cli.Ok("rules", "--node", "vm1", "--component", "kube-proxy", "--no-random-fully");
        Assert.DoesNotContain("FLANNEL", proxy, StringComparison.Ordinal);
        Assert.DoesNotContain("KUBE-ROUTER", proxy, StringComparison.Ordinal);
        Assert.DoesNotContain("--random-fully", proxy, StringComparison.Ordinal);
        Assert.Contains("-j MASQUERADE\n", proxy, StringComparison.Ordinal);
        var flannel = cli.Ok("rules", "--node", "vm1", "--component", "flannel");
        Assert.DoesNotContain("KUBE-SVC", flannel, StringComparison.Ordinal);
        Assert.Contains("-A FLANNEL-POSTRTG -s 10.42.0.0/24 -d 10.42.0.0/16 -m comment --comment \"flanneld masq\" -j RETURN", flannel, StringComparison.Ordinal);
    }

    [Fact]
    public void Kube_proxy_configuration_document_overrides_the_defaults()
    {
        var path = Dump();
        File.AppendAllText(path, "---\napiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\niptables:\n  masqueradeAll: true\n");
        var rules = cli.Ok("rules", "-f", path, "--node", "vm1", "--component", "kube-proxy");
        Assert.Contains("-A KUBE-SVC-V2OKYYMBY3REGZOG -m comment --comment \"default/nginx-service cluster IP\" -m tcp -p tcp -d 10.43.180.238 --dport 80 -j KUBE-MARK-MASQ\n", rules, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_node_is_a_clear_error()
    {
        var (code, _, error) = cli.Run("rules", "--node", "vm9");
        Assert.Equal(2, code);
        Assert.Contains("node \"vm9\" not found (nodes: vm1, vm2, vm3)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Endpoint_slice_without_its_service_is_a_clear_error()
    {
        var path = Path.Combine(cli.Home, "slice.yaml");
        File.WriteAllText(path, cli.Ok("get", "endpointslices,nodes", "-A", "-o", "yaml"));
        var (code, _, error) = cli.Run("rules", "-f", path, "--node", "vm1");
        Assert.Equal(2, code);
        Assert.Contains("belongs to Service \"default/kubernetes\", which is not in the input", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Endpoint_slice_without_the_service_name_label_is_a_clear_error()
    {
        var path = Dump();
        File.AppendAllText(path, "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: stray, namespace: default}\naddressType: IPv4\nendpoints: []\n");
        var (code, _, error) = cli.Run("rules", "-f", path, "--node", "vm1");
        Assert.Equal(2, code);
        Assert.Contains("EndpointSlice \"default/stray\": metadata.labels: Required value: label \"kubernetes.io/service-name\"", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Input_without_nodes_is_a_clear_error()
    {
        var path = Path.Combine(cli.Home, "svc.yaml");
        File.WriteAllText(path, cli.Ok("get", "svc,endpointslices", "-A", "-o", "yaml"));
        var (code, _, error) = cli.Run("rules", "-f", path, "--node", "vm1");
        Assert.Equal(2, code);
        Assert.Contains("no Node objects in the input", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Pods_and_endpoints_on_nodes_missing_from_the_dump_are_accepted()
    {
        var path = Dump();
        File.WriteAllText(path, File.ReadAllText(path).Replace("nodeName: vm3", "nodeName: vm7", StringComparison.Ordinal));
        var rules = cli.Ok("rules", "-f", path, "--node", "vm1", "--component", "kube-proxy");
        Assert.Contains("-A KUBE-SEP-Z33JJVRDNG7R4HVW -m comment --comment default/nginx-service -m tcp -p tcp -j DNAT --to-destination 10.42.2.2:80\n", rules, StringComparison.Ordinal);
    }

    [Fact]
    public void A_node_without_pod_cidr_or_flannel_annotations_gets_kube_proxys_rules_and_one_note()
    {
        var path = Dump();
        var text = string.Join("\n", File.ReadAllText(path).Split('\n')
            .Where(l => !l.Contains("podCIDR", StringComparison.Ordinal) && !l.Contains(".0/24", StringComparison.Ordinal) && !l.Contains("flannel.alpha.coreos.com", StringComparison.Ordinal)));
        File.WriteAllText(path, text);
        var proxy = cli.Ok("rules", "-f", path, "--node", "vm1", "--component", "kube-proxy");
        Assert.Equal(cli.Ok("rules", "--node", "vm1", "--component", "kube-proxy"), proxy);

        var (code, all, error) = cli.Run("rules", "-f", path, "--node", "vm1");
        Assert.Equal(0, code);
        Assert.DoesNotContain("FLANNEL", all, StringComparison.Ordinal);
        Assert.Contains("-A KUBE-SERVICES", all, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("note: Node \"vm1\" has no spec.podCIDR, so flannel's rules are left out", error, StringComparison.Ordinal);

        var (flannelCode, _, flannelError) = cli.Run("rules", "-f", path, "--node", "vm1", "--component", "flannel");
        Assert.Equal(2, flannelCode);
        Assert.Contains("Node \"vm1\" has no spec.podCIDR", flannelError, StringComparison.Ordinal);
    }

    [Fact]
    public void A_service_with_empty_metadata_is_a_clear_error()
    {
        var path = Dump();
        File.AppendAllText(path, "---\napiVersion: v1\nkind: Service\nmetadata:\nspec: {ports: [{port: 80}]}\n");
        var (code, _, error) = cli.Run("rules", "-f", path, "--node", "vm1");
        Assert.Equal(2, code);
        Assert.Contains("Service \"\" is invalid: metadata.name: Required value: name or generateName is required", error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_icmp_service_port_is_the_api_servers_unsupported_value()
    {
        var path = Dump();
        File.AppendAllText(path, "---\napiVersion: v1\nkind: Service\nmetadata: {name: ping, namespace: default}\nspec: {clusterIP: 10.43.0.99, ports: [{port: 7, protocol: ICMP}]}\n");
        var (code, _, error) = cli.Run("rules", "-f", path, "--node", "vm1");
        Assert.Equal(2, code);
        Assert.Contains("Service \"default/ping\" is invalid: spec.ports[0].protocol: Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", \"UDP\"", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_from_a_json_list_equal_rules_from_the_yaml_dump()
    {
        var yaml = Dump();
        var json = Path.Combine(cli.Home, "cluster.json");
        File.WriteAllText(json, cli.Ok("get", "svc,endpointslices,nodes,pods", "-A", "-o", "json"));
        Assert.Equal(cli.Ok("rules", "-f", yaml, "--node", "vm2"), cli.Ok("rules", "-f", json, "--node", "vm2"));
    }

    [Fact]
    public void Diff_needs_a_node_kernel_to_compare_with()
    {
        var (code, _, error) = cli.Run("rules", "--node", "vm1", "--diff");
        Assert.Equal(2, code);
        Assert.Contains("uses the driver \"none\", which has none", error, StringComparison.Ordinal);
        var (fileCode, _, fileError) = cli.Run("rules", "-f", Dump(), "--node", "vm1", "--diff");
        Assert.Equal(2, fileCode);
        Assert.Contains("--diff compares with the node's kernel", fileError, StringComparison.Ordinal);
    }
}
