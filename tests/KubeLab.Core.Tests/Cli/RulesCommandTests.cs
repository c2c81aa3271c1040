namespace KubeLab.Core.Tests.Cli;

public sealed class RulesCommandTests : IDisposable
{
    private readonly CliHarness cli = new();

    public RulesCommandTests()
    {
        cli.Ok("up", "--driver", "none");
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
    public void Pod_on_a_missing_node_is_a_clear_error()
    {
        var path = Dump();
        File.WriteAllText(path, File.ReadAllText(path).Replace("nodeName: vm3", "nodeName: vm7", StringComparison.Ordinal));
        var (code, _, error) = cli.Run("rules", "-f", path, "--node", "vm1");
        Assert.Equal(2, code);
        Assert.Contains("node \"vm7\", which is not in the input", error, StringComparison.Ordinal);
    }
}
