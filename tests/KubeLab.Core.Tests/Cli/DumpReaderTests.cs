using System.Collections;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KubeLab.Cli;
using KubeLab.Cli.Commands;
using KubeLab.Core.Control;
using KubeLab.Core.Manifests;
using KubeLab.Core.Model;

namespace KubeLab.Core.Tests.Cli;

/// <summary>
/// `rules -f` and `trace -f` read files with <see cref="DumpReader"/> (Services and EndpointSlices straight into the
/// model) and fall back to <see cref="ManifestReader"/> for anything else: both must give the same snapshot for every
/// input, and the same error for every bad one.
/// </summary>
public sealed class DumpReaderTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("kubelab-dump-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>Every field kind the dump reader reads or checks, values that send an object the general way, escapes and nulls.</summary>
    private const string EveryField = """
        {
            "apiVersion": "v1",
            "items": [
                {
                    "apiVersion": "v1",
                    "kind": "Service",
                    "metadata": {
                        "annotations": {"note": "caf\u00e9 \"quoted\"", "empty": ""},
                        "creationTimestamp": "2026-12-03T08:00:00Z",
                        "deletionGracePeriodSeconds": 30,
                        "deletionTimestamp": "2026-12-03T09:00:00.123456Z",
                        "finalizers": ["service.kubernetes.io/load-balancer-cleanup"],
                        "generateName": "web-",
                        "generation": 3,
                        "labels": {"app": "web"},
                        "name": "web",
                        "namespace": "shop",
                        "ownerReferences": [{"apiVersion": "v1", "blockOwnerDeletion": true, "controller": false, "kind": "Thing", "name": "t", "uid": "u"}],
                        "resourceVersion": "17",
                        "selfLink": "/api/v1/namespaces/shop/services/web",
                        "uid": "0b6c4f3e-8d2a-4c1b-9e7f-000000000001"
                    },
                    "spec": {
                        "allocateLoadBalancerNodePorts": true,
                        "clusterIP": "10.43.0.20",
                        "clusterIPs": ["10.43.0.20"],
                        "externalIPs": ["192.0.2.10"],
                        "externalTrafficPolicy": "Local",
                        "healthCheckNodePort": 31999,
                        "internalTrafficPolicy": "Local",
                        "ipFamilies": ["IPv4"],
                        "ipFamilyPolicy": "SingleStack",
                        "loadBalancerClass": "example.com/lb",
                        "loadBalancerIP": "192.0.2.20",
                        "loadBalancerSourceRanges": ["192.0.2.0/24", "198.51.100.0/24"],
                        "ports": [
                            {"appProtocol": "http", "name": "http", "nodePort": 30080, "port": 80, "protocol": "TCP", "targetPort": 8080},
                            {"name": "named", "port": 81, "protocol": "UDP", "targetPort": "web"},
                            {"name": "", "port": 82, "protocol": "SCTP", "targetPort": "8082"},
                            {"port": 83}
                        ],
                        "publishNotReadyAddresses": true,
                        "selector": {"app": "web"},
                        "sessionAffinity": "ClientIP",
                        "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 600}},
                        "trafficDistribution": "PreferClose",
                        "type": "LoadBalancer"
                    },
                    "status": {
                        "conditions": [{"lastTransitionTime": "2026-12-03T08:00:00Z", "message": "m", "observedGeneration": 3, "reason": "Ready", "status": "True", "type": "Ready"}],
                        "loadBalancer": {"ingress": [{"ip": "192.0.2.30", "ipMode": "VIP"}, {"hostname": "lb.example.com"}, {"ip": "not-an-ip"}]}
                    }
                },
                {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "headless"}, "spec": {"clusterIP": "None", "selector": {}, "ports": [{"port": 53, "protocol": "UDP"}]}},
                {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ext", "namespace": "shop"}, "spec": {"type": "ExternalName", "externalName": "example.com"}},
                {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "bare", "namespace": "shop"}},
                {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "odd-type", "namespace": "shop"}, "spec": {"type": "Weird", "clusterIP": "10.43.0.99"}},
                {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "general-1", "namespace": "shop", "labels": {"version": 1.10}}, "spec": {"clusterIP": "10.43.0.21", "ports": [{"port": 80}]}},
                {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "general-2", "namespace": "shop"}, "spec": {"clusterIP": "10.43.0.22", "selector": null, "ports": [{"port": 80}]}},
                {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "general-3", "namespace": "shop", "unknownField": {"a": [1, 2]}}, "spec": {"clusterIP": "10.43.0.23"}},
                {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "general-4", "namespace": "shop"}, "spec": {"clusterIP": "10.43.0.24", "ports": [{"port": 80, "targetPort": null}]}},
                {"apiVersion": "v1", "kind": "Service", "metadata": {"na\u006de": "general-5", "namespace": "shop"}, "spec": {"clusterIP": "10.43.0.25"}},
                {
                    "addressType": "IPv4",
                    "apiVersion": "discovery.k8s.io/v1",
                    "endpoints": [
                        {
                            "addresses": ["10.42.0.8"],
                            "conditions": {"ready": true, "serving": true, "terminating": false},
                            "deprecatedTopology": {"topology.kubernetes.io/zone": "a"},
                            "hints": {"forZones": [{"name": "a"}, {"name": "b"}], "forNodes": [{"name": "vm1"}]},
                            "hostname": "web-0",
                            "nodeName": "vm1",
                            "targetRef": {"kind": "Pod", "name": "web-0", "namespace": "shop", "uid": "u", "resourceVersion": "1", "apiVersion": "v1", "fieldPath": ""},
                            "zone": "a"
                        },
                        {"addresses": ["10.42.1.9", "not-an-ip"], "conditions": {"ready": false}, "nodeName": "vm2", "targetRef": {"kind": "Pod", "name": "web-1"}},
                        {"addresses": ["10.42.2.7"], "conditions": {"serving": true, "terminating": true}, "targetRef": {"kind": "Node", "name": "vm3"}, "hints": {"forNodes": [{"name": "vm3"}]}},
                        {"addresses": ["10.42.2.8"]},
                        {"addresses": ["10.42.2.9"], "nodeName": "vm1", "targetRef": {"namespace": "other", "kind": "Pod", "name": "web-2"}},
                        {"addresses": ["10.42.2.10"], "nodeName": "v\u006d1", "targetRef": {"name": "we\u0062-3", "namespace": "shop", "kind": "Pod"}},
                        {"addresses": ["10.42.2.11"], "zone": "a", "targetRef": {"kind": "Pod", "name": "wéb-4", "namespace": "shop"}},
                        {"addresses": ["10.42.2.12"], "zone": "é", "targetRef": {"kind": "Pod", "namespace": "shop"}},
                        {"addresses": []}
                    ],
                    "kind": "EndpointSlice",
                    "metadata": {
                        "creationTimestamp": "2026-12-03T08:00:01.5Z",
                        "generateName": "web-",
                        "labels": {"endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io", "kubernetes.io/service-name": "web"},
                        "name": "web-abcde",
                        "namespace": "shop",
                        "ownerReferences": [{"apiVersion": "v1", "blockOwnerDeletion": true, "controller": true, "kind": "Service", "name": "web", "uid": "0b6c4f3e-8d2a-4c1b-9e7f-000000000001"}]
                    },
                    "ports": [{"appProtocol": "http", "name": "http", "port": 8080, "protocol": "TCP"}, {"name": "", "port": 8081, "protocol": "UDP"}, {"name": "noport"}]
                },
                {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": "headless-x", "labels": {"kubernetes.io/service-name": "headless"}}, "addressType": "IPv6", "endpoints": [{"addresses": ["fd00::5"], "targetRef": {"kind": "Pod", "name": "h-0"}}]},
                {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": "general-6", "namespace": "shop", "labels": {"kubernetes.io/service-name": "web"}}, "endpoints": [{"addresses": ["10.42.0.9"], "conditions": {"ready": null}}]},
                {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": "general-7", "namespace": "shop", "labels": {"kubernetes.io/service-name": "web"}}, "endpoints": [{"addresses": ["10.42.0.10"], "newField": 1}], "ports": [{"port": 8080}]},
                {
                    "apiVersion": "v1",
                    "kind": "Node",
                    "metadata": {"name": "vm1", "labels": {"node-role.kubernetes.io/control-plane": "true"}, "annotations": {"flannel.alpha.coreos.com/backend-data": "{\"VtepMAC\":\"aa:bb:cc:dd:ee:01\"}"}},
                    "spec": {"podCIDR": "10.42.0.0/24", "podCIDRs": ["10.42.0.0/24"]},
                    "status": {"addresses": [{"address": "192.168.64.2", "type": "InternalIP"}], "conditions": [{"type": "Ready", "status": "True"}], "nodeInfo": {"kubeletVersion": "v1.29.5+k3s1"}}
                },
                {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "vm2"}, "status": {"addresses": [{"address": "192.168.64.3", "type": "InternalIP"}]}},
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {"name": "web-0", "namespace": "shop", "labels": {"app": "web"}, "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1", "uid": "r", "controller": true}]},
                    "spec": {"nodeName": "vm1", "containers": [{"name": "web", "image": "nginx", "ports": [{"containerPort": 8080, "hostPort": 8080, "protocol": "TCP"}]}]},
                    "status": {"phase": "Running", "podIP": "10.42.0.8", "conditions": [{"type": "Ready", "status": "True"}]}
                },
                {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"}, "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": {"spec": {"containers": [{"name": "web", "image": "nginx"}]}}}},
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "coredns", "namespace": "kube-system"}, "data": {"NodeHosts": "192.168.64.2 vm1\n"}}
            ],
            "kind": "List",
            "metadata": {"resourceVersion": ""}
        }
        """;

    public static TheoryData<string> Inputs()
    {
        var data = new TheoryData<string> { "every-field", "lab-dump" };
        foreach (var group in new[] { "kube-proxy", "kube-proxy-k3s" })
        {
            foreach (var golden in Directory.GetDirectories(Path.Combine(AppContext.BaseDirectory, "Golden", group)).Order(StringComparer.Ordinal))
            {
                data.Add($"{group}/{Path.GetFileName(golden)}");
            }
        }

        foreach (var scenario in Scenarios.Descriptions.Keys)
        {
            data.Add($"scenario/{scenario}");
        }

        return data;
    }

    /// <summary>
    /// Each input as given and as `kubectl get -o json` (a 4-space List), compact JSON objects one after another, a bare
    /// array and kubectl's block YAML: the dump reader's snapshot is the general reader's, field for field.
    /// </summary>
    [Theory]
    [MemberData(nameof(Inputs))]
    public void The_dump_reader_gives_the_general_readers_snapshot(string input)
    {
        var text = input switch
        {
            "every-field" => EveryField,
            "lab-dump" => LabDump(),
            _ when input.StartsWith("scenario/", StringComparison.Ordinal) => Scenarios.TryGet(input["scenario/".Length..], out var s) ? s : throw new InvalidOperationException(input),
            _ => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", input, "cluster.yaml")),
        };
        var items = new JsonArray([.. ManifestReader.Read(text, "input").Select(d => JsonNode.Parse(Serialize(d.Object)))]);
        var list = new JsonObject { ["apiVersion"] = "v1", ["items"] = items, ["kind"] = "List", ["metadata"] = new JsonObject { ["resourceVersion"] = "" } };
        var forms = new Dictionary<string, string>
        {
            ["given"] = text,
            ["list.json"] = list.ToJsonString(new JsonSerializerOptions { WriteIndented = true, IndentSize = 4 }),
            ["objects.json"] = string.Join("\n", items.Select(i => i!.ToJsonString())),
            ["array.json"] = items.ToJsonString(),
            ["list.yaml"] = BlockYaml(list),
        };

        var fastObjects = 0;
        foreach (var (form, content) in forms)
        {
            var path = Path.Combine(dir, form);
            File.WriteAllText(path, content);
            var documents = ManifestSources.Read([path], TextReader.Null);
            Assert.Equal(Outcome(() => RulesCommand.OfflineSnapshot(documents)), Outcome(() => RulesCommand.ReadOffline([path], TextReader.Null).Snapshot));
            var general = Outcome(() => SnapshotBuilder.FromObjects(null, null, documents.Select(d => d.Object).Where(o => o is not KubeProxyConfigurationDocument)));

            var reader = new DumpReader();
            string fast;
            try
            {
                using var stream = File.OpenRead(path);
                reader.Read(stream, path);
                fast = Outcome(reader.Snapshot);
            }
            catch (DumpReader.Miss) when (form == "given")
            {
                continue; // hand-written YAML with flow style: the general reader's (above)
            }

            Assert.Equal(general, fast);

            // read through a window of 64 bytes: JSON objects and YAML lines cut anywhere, the window moved and grown
            var small = new DumpReader { WindowBytes = 64 };
            using (var stream = File.OpenRead(path))
            {
                small.Read(stream, path);
            }

            Assert.Equal(general, Outcome(small.Snapshot));
            Assert.Equal(reader.Decoded, small.Decoded);
            var kinds = items.Select(i => (string)i!["kind"]!).ToList();
            fastObjects += kinds.Count - reader.Decoded;
            if (input is "every-field" or "lab-dump")
            {
                // every Service and EndpointSlice was read field by field, but the seven written to go the general way
                // (a number for a label, nulls, unknown fields, an escaped name), which the
                // other forms, written from KubernetesClient's objects, no longer have
                var expected = kinds.Count(k => k is not ("Service" or "EndpointSlice")) + (input == "every-field" && form == "given" ? 7 : 0);
                var slow = items.Where(i => (string)i!["kind"]! is "Service" or "EndpointSlice")
                    .Select(i => DumpReader.WhyGeneral(Encoding.UTF8.GetBytes(i!.ToJsonString())) is { } why ? $"{i!["metadata"]!["name"]}: {why}" : null).OfType<string>();
                Assert.True(expected == reader.Decoded, $"{form}: {reader.Decoded} objects decoded the general way, expected {expected}: {string.Join("\n", slow)}");
            }
        }

        Assert.True(fastObjects > 0 || !items.Any(i => (string)i!["kind"]! is "Service" or "EndpointSlice"), "no Service or EndpointSlice was read by the dump reader");
    }

    public static TheoryData<string> BadInputs() =>
    [
        "billion-laughs.yaml", "big.json", "big-item.json", "big.yaml", "deep.json", "deep.yaml", "garbage.bin", "truncated.json",
        "trailing-comma.json", "comment-in-item.json", "port-type.json", "port-string.json", "port-overflow.json",
        "generation-type.json", "timestamp.json", "protocol.json", "no-name.json", "slice-label.json", "slice-service.json",
        "slice-protocol.json", "ready-type.json", "items-not-list.json", "no-kind.json", "unknown-kind.json", "no-nodes.json",
        "node-address.json", "invalid-utf8.json", "scalar.json", "empty.json",
    ];

    private static byte[] BadInput(string name)
    {
        var big = new string('x', 10 * 1024 * 1024);
        const string Node = "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"vm1\"},\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"192.168.64.2\"}]}}";
        static string Service(string spec, string name = "\"web\"") => $"{{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{{\"name\":{name}}},\"spec\":{spec}}}";
        static string Slice(string rest) => $"{{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\",\"metadata\":{{\"name\":\"web-a\",\"labels\":{{\"kubernetes.io/service-name\":\"web\"}}}}{rest}}}";
        static string List(params string[] items) => $"{{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[{string.Join(",", items)}]}}";
        var text = name switch
        {
            "billion-laughs.yaml" => Laughs(),
            "big.json" => $"{{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{{\"name\":\"big\"}},\"data\":{{\"a\":\"{big}\"}}}}",
            "big-item.json" => List(Node, $"{{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{{\"name\":\"big\",\"annotations\":{{\"a\":\"{big}\"}}}}}}"),
            "big.yaml" => $"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  a: {big}\n",
            "deep.json" => List(Node, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"deep\"},\"x\":" + new string('[', 50_000) + new string(']', 50_000) + "}"),
            "deep.yaml" => "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\nx: " + new string('[', 50_000) + new string(']', 50_000) + "\n",
            "garbage.bin" => null,
            "truncated.json" => List(Node, Service("{\"clusterIP\":\"10.43.0.2\"}"))[..^5],
            "trailing-comma.json" => List(Node, Service("{\"clusterIP\":\"10.43.0.2\",}")),
            "comment-in-item.json" => List(Node, Service("{\"clusterIP\":\"10.43.0.2\" /* c */}")),
            "port-type.json" => List(Node, Service("{\"ports\":[{\"port\":[80]}]}")),
            "port-string.json" => List(Node, Service("{\"ports\":[{\"port\":\"80\"}]}")),
            "port-overflow.json" => List(Node, Service("{\"ports\":[{\"port\":8000000000}]}")),
            "generation-type.json" => List(Node, "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"web\",\"generation\":\"x\"}}"),
            "timestamp.json" => List(Node, "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"web\",\"creationTimestamp\":\"yesterday\"}}"),
            "protocol.json" => List(Node, Service("{\"ports\":[{\"port\":80,\"protocol\":\"ICMP\"}]}")),
            "no-name.json" => List(Node, Service("{\"clusterIP\":\"10.43.0.2\"}", "\"\"")),
            "slice-label.json" => List(Node, Service("{}"), "{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":\"x\"},\"endpoints\":[]}"),
            "slice-service.json" => List(Node, Slice(",\"endpoints\":[]")),
            "slice-protocol.json" => List(Node, Service("{}"), Slice(",\"ports\":[{\"port\":80,\"protocol\":\"tcp\"}]")),
            "ready-type.json" => List(Node, Service("{}"), Slice(",\"endpoints\":[{\"addresses\":[\"10.42.0.8\"],\"conditions\":{\"ready\":\"yes\"}}]")),
            "items-not-list.json" => "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"x\"},\"items\":[" + Node + "]}",
            "no-kind.json" => List(Node, "{\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"x\"}}"),
            "unknown-kind.json" => List(Node, "{\"apiVersion\":\"v1\",\"kind\":\"Gadget\",\"metadata\":{\"name\":\"x\"}}"),
            "no-nodes.json" => List(Service("{}")),
            "node-address.json" => List("{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"vm1\"}}"),
            "invalid-utf8.json" => List(Node, Service("{}", "\"w\u0001b\"")),
            "scalar.json" => "42",
            "empty.json" => "",
            _ => throw new ArgumentException(name),
        };
        if (text is null)
        {
            var bytes = new byte[64 * 1024];
            new Random(14).NextBytes(bytes);
            return bytes;
        }

        // invalid-utf8.json: a byte that is never UTF-8 in the Service's name
        return [.. Encoding.UTF8.GetBytes(text).Select(b => b == 1 ? (byte)0xFF : b)];
    }

    private static string Laughs()
    {
        var laughs = new StringBuilder("apiVersion: v1\nkind: Service\nmetadata:\n  name: lol\n  managedFields:\n  - a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (var i = 'b'; i <= 'i'; i++)
        {
            var p = (char)(i - 1);
            laughs.Append(CultureInfo.InvariantCulture, $"    {i}: &{i} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n");
        }

        return laughs.ToString();
    }

    /// <summary>Bad input: the command's error is the general reader's, word for word (the dump reader gives up and the general reader reads again).</summary>
    [Theory]
    [MemberData(nameof(BadInputs))]
    public void A_bad_dump_gets_the_general_readers_error(string name)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllBytes(path, BadInput(name));
        var general = Outcome(() => RulesCommand.OfflineSnapshot(ManifestSources.Read([path], TextReader.Null)));
        Assert.Equal(general, Outcome(() => RulesCommand.ReadOffline([path], TextReader.Null).Snapshot));
        Assert.StartsWith("error 2: ", general, StringComparison.Ordinal);
    }

    private string LabDump()
    {
        using var cli = new CliHarness();
        cli.Ok("up", "--driver", "none", "--disable", "servicelb");
        cli.Ok("apply", "-f", "seed");
        return cli.Ok("get", "svc,endpointslices,nodes,pods,deployments,configmaps", "-A", "-o", "yaml");
    }

    private static string Serialize(object value) => value is KubeProxyConfigurationDocument proxy
        ? JsonSerializer.Serialize(new Dictionary<string, object?>(proxy.Fields) { ["apiVersion"] = "kubeproxy.config.k8s.io/v1alpha1", ["kind"] = "KubeProxyConfiguration" })
        : k8s.KubernetesJson.Serialize(value);

    /// <summary>A snapshot written out field by field (or the error), to compare two snapshots whole.</summary>
    internal static string Outcome(Func<ClusterSnapshot> read)
    {
        try
        {
            var text = new StringBuilder("snapshot ");
            Describe(text, read());
            return text.ToString();
        }
        catch (KubeLabException e)
        {
            return $"error {e.ExitCode}: {e.Message}";
        }
    }

    private static void Describe(StringBuilder text, object? value)
    {
        switch (value)
        {
            case null:
                text.Append("null");
                break;
            case string s:
                text.Append(JsonSerializer.Serialize(s));
                break;
            case IPAddress or IPNetwork or DateTimeOffset or Enum or bool or int or long or double or PortRef:
                text.Append(CultureInfo.InvariantCulture, $"{value}");
                break;
            case IDictionary map:
                text.Append('{');
                foreach (DictionaryEntry entry in map)
                {
                    text.Append(CultureInfo.InvariantCulture, $"{entry.Key}=");
                    Describe(text, entry.Value);
                    text.Append(',');
                }

                text.Append('}');
                break;
            case IEnumerable list:
                text.Append('[');
                foreach (var item in list)
                {
                    Describe(text, item);
                    text.Append(',');
                }

                text.Append(']');
                break;
            default:
                text.Append(value.GetType().Name).Append('(');
                foreach (var property in value.GetType().GetProperties().Where(p => p.GetIndexParameters().Length == 0))
                {
                    text.Append(property.Name).Append('=');
                    try
                    {
                        Describe(text, property.GetValue(value));
                    }
                    catch (System.Reflection.TargetInvocationException e)
                    {
                        text.Append('!').Append(e.InnerException?.GetType().Name); // a derived property without its data (LabConfig.Server without a server)
                    }
                    text.Append(' ');
                }

                text.Append(')');
                break;
        }
    }

    /// <summary>kubectl's YAML: block style, two-space indentation, sequences at their key's indentation, strings double-quoted.</summary>
    private static string BlockYaml(JsonNode node)
    {
        var text = new StringBuilder();
        Yaml(text, node, 0, inSequence: false);
        return text.ToString();
    }

    private static void Yaml(StringBuilder text, JsonNode? node, int indent, bool inSequence)
    {
        var pad = new string(' ', indent);
        switch (node)
        {
            case JsonObject obj when obj.Count > 0:
                var first = true;
                foreach (var (key, value) in obj)
                {
                    if (!(first && inSequence))
                    {
                        text.Append(pad);
                    }

                    first = false;
                    text.Append(JsonSerializer.Serialize(key));
                    if (value is JsonObject { Count: > 0 } or JsonArray { Count: > 0 })
                    {
                        text.Append(":\n");
                        Yaml(text, value, value is JsonObject ? indent + 2 : indent, inSequence: false);
                    }
                    else
                    {
                        text.Append(": ");
                        Yaml(text, value, indent + 2, inSequence: false);
                    }
                }

                break;
            case JsonObject:
                text.Append("{}\n");
                break;
            case JsonArray array when array.Count > 0:
                foreach (var item in array)
                {
                    text.Append(pad).Append("- ");
                    Yaml(text, item, indent + 2, inSequence: item is JsonObject { Count: > 0 });
                }

                break;
            case JsonArray:
                text.Append("[]\n");
                break;
            default:
                // JSON's strings are YAML's double-quoted scalars (without \b and \f, which the inputs do not have)
                text.Append(node?.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) ?? "null").Append('\n');
                break;
        }
    }
}
