namespace KubeLab.Core.Tests.Cli;

/// <summary>
/// Objects the API server rejects are rejected with its words (exit 2, nothing changed): the decoder's
/// (encoding/json, strict field validation), kubectl's, and pkg/apis/core/validation's messages.
/// </summary>
public sealed class ApiServerRejectionTests : IDisposable
{
    private readonly CliHarness cli = new();

    public ApiServerRejectionTests() => cli.Ok("up", "--driver", "none");

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

        Assert.DoesNotContain("k8s.Models", error, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", error, StringComparison.Ordinal);
        Assert.Equal(before, cli.Store.Export("kubelab"));
        return error;
    }

    [Fact]
    public void Unknown_field_is_named_by_its_path_as_strict_field_validation_does() =>
        Rejected("apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  prots: [{port: 80}]\n",
            "input.yaml:6: Service in version \"v1\" cannot be handled as a Service: strict decoding error: unknown field \"spec.prots\"");

    [Fact]
    public void Unknown_field_in_a_list_item_carries_the_items_index() =>
        Rejected("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  containers:
                  - name: c
                    image: nginx
                    imagePullPolicyy: Always
            """,
            "input.yaml:12: Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"spec.template.spec.containers[0].imagePullPolicyy\"");

    [Fact]
    public void Port_as_a_string_is_the_json_decoders_type_error() =>
        Rejected("apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: \"80\"}]}\n",
            "input.yaml:4: Service in version \"v1\" cannot be handled as a Service: json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32");

    [Fact]
    public void Replicas_as_a_string_is_the_json_decoders_type_error() =>
        Rejected("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              replicas: "1"
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec: {containers: [{name: c, image: nginx}]}
            """,
            "input.yaml:5: Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32");

    [Fact]
    public void Label_value_that_is_a_number_is_the_json_decoders_type_error() =>
        Rejected("apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {tier: 1}}\nspec: {containers: [{name: c, image: busybox}]}\n",
            "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string");

    [Fact]
    public void List_whose_items_are_not_a_list_is_kubectls_decode_error() =>
        Rejected("apiVersion: v1\nkind: List\nitems: 5\n",
            "input.yaml:3: unable to decode \"", "json: cannot unmarshal number into Go struct field decodeList.items of type []json.RawMessage");
}

public sealed class ApiServerValidationTests : IDisposable
{
    private readonly CliHarness cli = new();

    public ApiServerValidationTests() => cli.Ok("up", "--driver", "none");

    public void Dispose() => cli.Dispose();

    private const string Svc = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n";

    [Theory]
    [InlineData(Svc + "spec: {clusterIP: 10.43.0.0, ports: [{port: 80}]}\n", "spec.clusterIPs: Invalid value: []string{\"10.43.0.0\"}: failed to allocate IP 10.43.0.0: the provided IP (10.43.0.0) is not in the valid range. The range of valid IPs is 10.43.0.0/16")]
    [InlineData(Svc + "spec: {clusterIP: 10.43.255.255, ports: [{port: 80}]}\n", "failed to allocate IP 10.43.255.255: the provided IP (10.43.255.255) is not in the valid range")]
    [InlineData(Svc + "spec: {externalIPs: [x], ports: [{port: 80}]}\n", "spec.externalIPs[0]: Invalid value: \"x\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")]
    [InlineData(Svc + "spec: {sessionAffinity: Maybe, ports: [{port: 80}]}\n", "spec.sessionAffinity: Unsupported value: \"Maybe\": supported values: \"ClientIP\", \"None\"")]
    [InlineData(Svc + "spec: {type: NodePort, externalTrafficPolicy: Sideways, ports: [{port: 80}]}\n", "spec.externalTrafficPolicy: Unsupported value: \"Sideways\": supported values: \"Cluster\", \"Local\"")]
    [InlineData(Svc + "spec: {ipFamilies: [IPv6], ports: [{port: 80}]}\n", "spec.ipFamilies[0]: Invalid value: \"IPv6\": not configured on this cluster")]
    [InlineData(Svc + "spec: {type: ExternalName, externalName: \"not a name\"}\n", "spec.externalName: Invalid value: \"not a name\": a lowercase RFC 1123 subdomain must consist of")]
    [InlineData("apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: s, labels: {kubernetes.io/service-name: web}}\naddressType: IPv4\nendpoints: [{addresses: [999.1.1.1]}]\n", "endpoints[0].addresses[0]: Invalid value: \"999.1.1.1\": must be a valid IPv4 address")]
    [InlineData("apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: s, labels: {kubernetes.io/service-name: web}}\naddressType: IPv4\nendpoints: [{addresses: [x]}]\n", "endpoints[0].addresses[0]: Invalid value: \"x\": must be a valid IPv4 address")]
    [InlineData("apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: s, labels: {kubernetes.io/service-name: web}}\naddressType: IPv4\nendpoints: []\nports: [{port: -1}]\n", "ports[0].port: Invalid value: -1: must be between 1 and 65535, inclusive")]
    [InlineData("apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {a: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}}\nspec: {containers: [{name: c, image: busybox}]}\n", "metadata.labels: Invalid value: \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\": must be no more than 63 characters")]
    public void Object_the_api_server_rejects_is_rejected_in_its_words(string yaml, string expected)
    {
        var path = Path.Combine(cli.Home, "input.yaml");
        File.WriteAllText(path, yaml);
        var before = cli.Store.Export("kubelab");
        var (code, output, error) = cli.Run("apply", "-f", path);
        Assert.Equal((2, ""), (code, output));
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Equal(before, cli.Store.Export("kubelab"));
    }

    [Fact]
    public void Annotations_over_256_KiB_in_total_are_too_long()
    {
        var path = Path.Combine(cli.Home, "big.yaml");
        File.WriteAllText(path, $"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n  annotations:\n    a: {new string('x', 140_000)}\n    b: {new string('y', 140_000)}\n");
        var (code, _, error) = cli.Run("apply", "-f", path);
        Assert.Equal(2, code);
        Assert.Contains("metadata.annotations: Too long: must have at most 262144 bytes", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_label_on_a_builtin_namespace_is_kept_with_its_uid_and_every_namespace_carries_its_name_label()
    {
        var uid = cli.Ok("get", "ns", "default", "-o", "jsonpath={.metadata.uid}");
        var path = Path.Combine(cli.Home, "labelled-ns.yaml");
        File.WriteAllText(path, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: default\n  labels: {team: a}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: team-b}\n");

        Assert.Equal("namespace/default configured\nnamespace/team-b created\n", cli.Ok("apply", "-f", path));

        Assert.Equal(uid, cli.Ok("get", "ns", "default", "-o", "jsonpath={.metadata.uid}"));
        // made when the lab was, to the second as the API server keeps time
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", cli.Ok("get", "ns", "default", "-o", "jsonpath={.metadata.creationTimestamp}"));
        Assert.Equal("kubernetes.io/metadata.name=default,team=a", cli.Ok("get", "ns", "default", "-o", "jsonpath={.metadata.labels}") switch
        {
            var json => string.Join(',', System.Text.Json.JsonSerializer.Deserialize<SortedDictionary<string, string>>(json)!.Select(l => $"{l.Key}={l.Value}")),
        });
        Assert.Equal("{\"kubernetes.io/metadata.name\":\"team-b\"}", cli.Ok("get", "ns", "team-b", "-o", "jsonpath={.metadata.labels}"));
    }

    [Fact]
    public void Applying_the_default_namespace_configures_it_and_it_is_listed_once()
    {
        var path = Path.Combine(cli.Home, "ns.yaml");
        File.WriteAllText(path, "apiVersion: v1\nkind: Namespace\nmetadata: {name: default}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: kube-system}\n");
        Assert.Equal("namespace/default configured\nnamespace/kube-system configured\n", cli.Ok("apply", "-f", path));
        var names = cli.Ok("get", "ns", "-o", "name").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(names.Distinct().Count(), names.Length);
        Assert.Single(names, n => n == "namespace/default");
    }
}
