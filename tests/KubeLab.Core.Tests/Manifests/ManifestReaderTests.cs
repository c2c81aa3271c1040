using System.Text;
using k8s.Models;
using KubeLab.Core.Manifests;

namespace KubeLab.Core.Tests.Manifests;

/// <summary>The front door: JSON and YAML as kubectl prints them, and bad input bounded as the API server bounds it.</summary>
public sealed class ManifestReaderTests
{
    // `kubectl get svc,endpointslices -o json` prints "items" before "kind".
    private const string JsonList = """
        {
            "apiVersion": "v1",
            "items": [
                {
                    "apiVersion": "v1",
                    "kind": "Service",
                    "metadata": {"name": "web", "namespace": "default", "labels": {"version": 1.10}},
                    "spec": {"clusterIP": "10.43.0.20", "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": "http"}]}
                },
                {
                    "apiVersion": "discovery.k8s.io/v1",
                    "kind": "EndpointSlice",
                    "metadata": {"name": "web-abc", "namespace": "default", "labels": {"kubernetes.io/service-name": "web"}},
                    "addressType": "IPv4",
                    "endpoints": [{"addresses": ["10.42.0.8"], "conditions": {"ready": true}, "nodeName": "vm1"}],
                    "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]
                }
            ],
            "kind": "List",
            "metadata": {"resourceVersion": ""}
        }
        """;

    private const string YamlList = """
        apiVersion: v1
        items:
        - apiVersion: v1
          kind: Service
          metadata:
            name: web
            namespace: default
            labels: {version: 1.10}
          spec:
            clusterIP: 10.43.0.20
            ports:
            - name: http
              port: 80
              protocol: TCP
              targetPort: http
        - apiVersion: discovery.k8s.io/v1
          kind: EndpointSlice
          metadata:
            name: web-abc
            namespace: default
            labels:
              kubernetes.io/service-name: web
          addressType: IPv4
          endpoints:
          - addresses: [10.42.0.8]
            conditions: {ready: true}
            nodeName: vm1
          ports:
          - {name: http, port: 8080, protocol: TCP}
        kind: List
        metadata:
          resourceVersion: ""
        """;

    [Fact]
    public void A_json_list_and_the_same_yaml_list_give_the_same_objects()
    {
        var json = ManifestReader.Read(JsonList, "dump.json");
        var yaml = ManifestReader.Read(YamlList, "dump.yaml");

        Assert.Equal(["Service", "EndpointSlice"], json.Select(d => d.Kind));
        Assert.Equal(json.Select(d => k8s.KubernetesJson.Serialize(d.Object)), yaml.Select(d => k8s.KubernetesJson.Serialize(d.Object)));
        var service = (V1Service)json[0].Object;
        Assert.Equal("1.10", service.Metadata.Labels["version"]);
        Assert.Equal("http", service.Spec.Ports[0].TargetPort.Value);
        Assert.Equal(8080, ((V1EndpointSlice)yaml[1].Object).Ports[0].Port);
        Assert.Equal(["dump.json:4", "dump.json:10"], json.Select(d => d.Where));
        Assert.Equal(["dump.yaml:3", "dump.yaml:16"], yaml.Select(d => d.Where));
    }

    [Fact]
    public void Json_values_one_after_another_and_yaml_documents_are_each_an_object()
    {
        var json = ManifestReader.Read("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}} {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"b"}}""", "x.json");
        var yaml = ManifestReader.Read("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n", "x.yaml");
        Assert.Equal(["a", "b"], json.Select(d => d.Name));
        Assert.Equal(["a", "b"], yaml.Select(d => d.Name));
    }

    [Fact]
    public void Yaml_anchors_and_aliases_are_expanded()
    {
        var docs = ManifestReader.Read("apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: &l {app: web}, annotations: *l}\nspec: {containers: [{name: c, image: nginx}]}\n", "a.yaml");
        Assert.Equal("web", ((V1Pod)docs[0].Object).Metadata.Annotations["app"]);
    }

    [Fact]
    public void Billion_laughs_in_managed_fields_is_refused_as_excessive_aliasing()
    {
        var text = new StringBuilder("apiVersion: v1\nkind: Service\nmetadata:\n  name: lol\n  managedFields:\n  - a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (var i = 'b'; i <= 'i'; i++)
        {
            var previous = (char)(i - 1);
            text.Append($"    {i}: &{i} [*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous}]\n");
        }

        var error = Assert.Throws<KubeLabException>(() => ManifestReader.Read(text.ToString(), "lol.yaml"));
        Assert.Equal(2, error.ExitCode);
        Assert.Contains("lol.yaml:", error.Message, StringComparison.Ordinal);
        Assert.Contains("document contains excessive aliasing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_large_anchor_aliased_many_times_stops_at_the_request_size_limit()
    {
        var text = new StringBuilder("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  a0: &big ").Append('x', 1024 * 1024).Append('\n');
        for (var i = 1; i <= 200; i++)
        {
            text.Append($"  a{i}: *big\n");
        }

        var error = Assert.Throws<KubeLabException>(() => ManifestReader.Read(text.ToString(), "big.yaml"));
        Assert.Contains("big.yaml:", error.Message, StringComparison.Ordinal);
        Assert.Contains("Request entity too large: limit is 3145728", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("yaml")]
    [InlineData("json")]
    public void A_ten_megabyte_string_is_over_the_request_size_limit(string format)
    {
        var value = new string('x', 10 * 1024 * 1024);
        var text = format == "json"
            ? $"{{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{{\"name\":\"big\"}},\"data\":{{\"a\":\"{value}\"}}}}"
            : $"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: big}}\ndata:\n  a: {value}\n";
        var error = Assert.Throws<KubeLabException>(() => ManifestReader.Read(text, "big"));
        Assert.Contains("Request entity too large: limit is 3145728", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("yaml")]
    [InlineData("json")]
    public void Nesting_fifty_thousand_levels_deep_is_a_clear_error(string format)
    {
        var depth = 50_000;
        var nested = format == "json"
            ? "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"deep\"},\"x\":" + new string('[', depth) + new string(']', depth) + "}"
            : "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\nx: " + new string('[', depth) + new string(']', depth) + "\n";
        var error = Assert.Throws<KubeLabException>(() => ManifestReader.Read(nested, "deep"));
        Assert.Equal(2, error.ExitCode);
        Assert.Contains("exceeded max depth", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Binary_garbage_is_a_clear_error()
    {
        var random = new Random(14);
        var bytes = new byte[64 * 1024];
        random.NextBytes(bytes);
        var error = Assert.Throws<KubeLabException>(() => ManifestReader.Read(Encoding.Latin1.GetString(bytes), "garbage.bin"));
        Assert.Equal(2, error.ExitCode);
        Assert.StartsWith("garbage.bin:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_type_error_names_the_field()
    {
        var error = Assert.Throws<KubeLabException>(() => ManifestReader.Read("apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: [80]}]}\n", "svc.yaml"));
        Assert.Contains("svc.yaml:1: error decoding Service: spec.ports[0].port", error.Message, StringComparison.Ordinal);
    }

    private static string Dump()
    {
        using var cli = new Cli.CliHarness();
        cli.Ok("up", "--driver", "none", "--disable", "servicelb");
        cli.Ok("apply", "-f", "seed");
        return cli.Ok("get", "svc,endpointslices,nodes,pods,deployments", "-A", "-o", "yaml");
    }

    public static TheoryData<string> YamlInputs()
    {
        var data = new TheoryData<string> { "list", "dump" };
        foreach (var group in new[] { "kube-proxy", "kube-proxy-k3s" })
        {
            foreach (var dir in Directory.GetDirectories(Path.Combine(AppContext.BaseDirectory, "Golden", group)).Order(StringComparer.Ordinal))
            {
                data.Add($"{group}/{Path.GetFileName(dir)}");
            }
        }

        foreach (var scenario in Scenarios.Descriptions.Keys)
        {
            data.Add($"scenario/{scenario}");
        }

        return data;
    }

    /// <summary>
    /// kubectl's block YAML is read line by line; anything else goes through YamlDotNet's events. Both must give the
    /// same objects: a trailing `--- &amp;x ~` (an anchored empty document) sends the same text the general way.
    /// </summary>
    [Theory]
    [MemberData(nameof(YamlInputs))]
    public void Block_yaml_reads_the_same_objects_as_the_general_yaml_reader(string input)
    {
        var text = input == "list" ? YamlList + "\n"
            : input == "dump" ? Dump()
            : input.StartsWith("scenario/", StringComparison.Ordinal) ? (Scenarios.TryGet(input["scenario/".Length..], out var s) ? s : throw new InvalidOperationException(input))
            : File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", input, "cluster.yaml"));
        text += "\n# literal blocks, quotes and comments as kubectl prints them\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 'it''s'\n  annotations:\n    a: |\n      {\"x\": 1}\n\n      second: line\n    b: |-\n      no newline\n    c: \"tab\\there \\u00e9\" # comment\ndata:\n  empty: \"\"\n  n: \"007\"\n";

        // Hand-written inputs with flow collections (`{name: x}`) go the general way; kubectl's never have them.
        var block = !System.Text.RegularExpressions.Regex.IsMatch(text, @"[:-] [\{\[][^\]\}]");
        var fast = new List<ManifestDocument>();
        Assert.Equal(block, ManifestReader.TryReadBlockYaml(text, "x.yaml", fast));
        fast = [.. ManifestReader.Read(text, "x.yaml")];
        Assert.False(ManifestReader.TryReadBlockYaml(text + "\n--- &forced ~\n", "x.yaml", []));
        var general = ManifestReader.Read(text + "\n--- &forced ~\n", "x.yaml");

        Assert.Equal(general.Select(d => d.Where), fast.Select(d => d.Where));
        Assert.Equal(general.Select(d => k8s.KubernetesJson.Serialize(d.Object)), fast.Select(d => k8s.KubernetesJson.Serialize(d.Object)));
        var config = (V1ConfigMap)fast[^1].Object;
        Assert.Equal("{\"x\": 1}\n\nsecond: line\n", config.Metadata.Annotations["a"]);
        Assert.Equal("no newline", config.Metadata.Annotations["b"]);
        Assert.Equal("tab\there \u00e9", config.Metadata.Annotations["c"]);
        Assert.Equal("it's", config.Metadata.Name);
    }
}
