namespace KubeLab.Core.Tests.Cli;

/// <summary>Bad input gets a clear error, exit code 2, and changes nothing.</summary>
public sealed class BadInputTests : IDisposable
{
    private readonly CliHarness cli = new();

    public BadInputTests() => cli.Ok("up", "--driver", "none", "--disable", "servicelb");

    public void Dispose() => cli.Dispose();

    private string Rejected(string yaml, params string[] expected)
    {
        var path = Path.Combine(cli.Home, "input.yaml");
        File.WriteAllText(path, yaml);
        var before = cli.Store.Export("kubelab");
        var (code, output, error) = cli.Run("apply", "-f", path);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        foreach (var text in expected)
        {
            Assert.Contains(text, error, StringComparison.Ordinal);
        }

        Assert.Equal(before, cli.Store.Export("kubelab"));
        return error;
    }

    private const string GoodPod = "apiVersion: v1\nkind: Pod\nmetadata: {name: good}\nspec: {containers: [{name: c, image: busybox}]}\n---\n";

    [Fact]
    public void Malformed_yaml_names_file_and_line() =>
        Rejected(GoodPod + "apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\n   oops: [\n", "input.yaml:", "error parsing YAML", "line 10");

    [Fact]
    public void A_kind_the_lab_does_not_serve_gets_kubectls_mapping_error() =>
        Rejected(GoodPod + "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\n",
            "input.yaml:6: resource mapping not found for name: \"web\" namespace: \"\" from \"" + Path.Combine(cli.Home, "input.yaml") +
            "\": no matches for kind \"Ingress\" in version \"networking.k8s.io/v1\"\nensure CRDs are installed first\n");

    [Fact]
    public void A_crd_without_versions_defines_no_kind_for_the_objects_after_it() =>
        Rejected("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: ws.example.com}\nspec: {group: example.com, scope: Namespaced, names: {kind: W, plural: ws}}\n---\n" +
            "apiVersion: example.com/v1\nkind: W\nmetadata: {name: w}\n",
            "input.yaml:6: resource mapping not found for name: \"w\" namespace: \"\"");

    /// <summary>`up -f` of a bad manifest: exit 2 and no lab; the error.</summary>
    private string UpRejected(string yaml)
    {
        var path = Path.Combine(cli.Home, "bad.yaml");
        File.WriteAllText(path, yaml);
        var (code, _, error) = cli.Run("up", "--driver", "none", "--name", "other", "-f", path);
        Assert.Equal(2, code);
        Assert.DoesNotContain("other", cli.Store.List());
        return error;
    }

    [Fact]
    public void Up_with_a_kind_kubelab_has_no_type_for_lists_the_kinds_it_has()
    {
        var error = UpRejected("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\n");
        Assert.StartsWith($"{Path.Combine(cli.Home, "bad.yaml")}:1: no matches for kind \"Ingress\" in version \"networking.k8s.io/v1\"; supported kinds: ", error, StringComparison.Ordinal);
        Assert.Contains("Deployment (apps/v1)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_service_name_uses_the_api_servers_dns1035_message() =>
        Rejected(GoodPod + "apiVersion: v1\nkind: Service\nmetadata: {name: Web_1}\nspec: {ports: [{port: 80}]}\n",
            "The Service \"Web_1\" is invalid: metadata.name: Invalid value: \"Web_1\": a DNS-1035 label must consist of lower case alphanumeric characters");

    [Fact]
    public void Invalid_pod_name_uses_the_dns1123_subdomain_message() =>
        Rejected("apiVersion: v1\nkind: Pod\nmetadata: {name: -x}\nspec: {containers: [{name: c, image: busybox}]}\n",
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters");

    [Fact]
    public void Selector_that_does_not_match_the_template() =>
        Rejected("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: other}}
                spec: {containers: [{name: c, image: nginx}]}
            """, "The Deployment.apps \"web\" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"other\"}: `selector` does not match template `labels`");

    [Fact]
    public void Duplicate_service_ports() =>
        Rejected("apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{name: a, port: 80}, {name: b, port: 80}]}\n",
            "spec.ports[1]: Duplicate value: core.ServicePort{Name:\"b\", Protocol:\"TCP\", Port:80}");

    [Fact]
    public void Cluster_ip_outside_the_service_cidr() =>
        Rejected("apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {clusterIP: 10.44.0.5, ports: [{port: 80}]}\n",
            "spec.clusterIPs: Invalid value: []string{\"10.44.0.5\"}: failed to allocate IP 10.44.0.5: the provided IP (10.44.0.5) is not in the valid range. The range of valid IPs is 10.43.0.0/16");

    [Fact]
    public void Cluster_ip_already_allocated_to_kube_dns() =>
        Rejected("apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {clusterIP: 10.43.0.10, ports: [{port: 80}]}\n",
            "failed to allocate IP 10.43.0.10: provided IP is already allocated");

    [Fact]
    public void Node_port_outside_the_range() =>
        Rejected("apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {type: NodePort, ports: [{port: 80, nodePort: 80}]}\n",
            "The Service \"web\" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767");

    [Fact]
    public void Node_port_already_taken()
    {
        cli.Ok("apply", "-f", "nodeport");
        Rejected("apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {type: NodePort, ports: [{port: 80, nodePort: 30000}]}\n",
            "spec.ports[0].nodePort: Invalid value: 30000: provided port is already allocated");
    }

    [Fact]
    public void Node_name_of_a_node_that_does_not_exist() =>
        Rejected("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {nodeName: vm9, containers: [{name: c, image: busybox}]}\n",
            "spec.nodeName: Invalid value: \"vm9\": no such node in lab \"kubelab\" (nodes: vm1, vm2, vm3)");

    [Fact]
    public void Pod_cidr_exhausted_applies_none_of_the_file()
    {
        var pods = string.Join("---\n", Enumerable.Range(0, 254).Select(i => $"apiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}}}\nspec: {{nodeName: vm2, containers: [{{name: c, image: busybox}}]}}\n"));
        Rejected(pods, "no IP addresses available in range set: 10.42.1.1-10.42.1.254", "vm2");
        Assert.Contains("No resources found", cli.Run("get", "pods").Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Namespace_that_does_not_exist() =>
        Rejected("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec: {containers: [{name: c, image: busybox}]}\n",
            "namespaces \"shop\" not found");

    [Fact]
    public void A_file_with_one_bad_object_applies_none_of_its_objects()
    {
        Rejected(GoodPod + "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {type: Bogus, ports: [{port: 80}]}\n",
            "spec.type: Unsupported value: \"Bogus\"");
        Assert.Contains("No resources found in default namespace.", cli.Run("get", "pods").Err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lab_that_does_not_exist()
    {
        var (code, _, error) = cli.Run("apply", "-f", "seed", "--name", "ghost");
        Assert.Equal(2, code);
        Assert.Contains("lab \"ghost\" not found (labs: kubelab)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_does_not_exist_and_is_no_scenario()
    {
        var (code, _, error) = cli.Run("apply", "-f", "/nonexistent.yaml");
        Assert.Equal(2, code);
        Assert.Contains("does not exist, and it is not a built-in scenario (nginx-svc, test-pod, seed, nodeport, metallb-l2)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lab_name_that_is_too_long()
    {
        var (code, _, error) = cli.Run("up", "--driver", "none", "--name", "a-lab-name-that-is-far-too-long");
        Assert.Equal(2, code);
        Assert.Contains("a lab name must be at most 20 characters", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Up_of_an_existing_lab_with_another_driver()
    {
        var (code, _, error) = cli.Run("up", "--driver", "netns");
        Assert.Equal(2, code);
        Assert.Contains("already exists with driver \"none\"", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_option_is_bad_usage()
    {
        var (code, _, error) = cli.Run("get", "pods", "--frobnicate");
        Assert.Equal(2, code);
        Assert.Contains("--frobnicate", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Up_with_a_bad_manifest_creates_no_lab() =>
        Assert.Contains("The Service \"Bad_1\" is invalid: metadata.name",
            UpRejected("apiVersion: v1\nkind: Service\nmetadata: {name: Bad_1}\nspec: {ports: [{port: 80}]}\n"), StringComparison.Ordinal);
}
