using System.Globalization;
using System.Text;
using KubeLab.Cli;
using KubeLab.Cli.Commands;
using KubeLab.Core.Manifests;

namespace KubeLab.Core.Tests.Cli;

/// <summary>
/// The dump reader reads kubectl's block YAML from the bytes into tokens (no JSON written and read again). Each input
/// here is read three ways: by the dump reader, by <see cref="ManifestReader"/>'s block reader (which writes each object
/// as JSON), and by the general reader. Where the block reader takes the input, the dump reader must take it too, with
/// the same objects token for token (each object's tokens written as JSON are the block reader's JSON, byte for byte)
/// and the same snapshot; where it does not (anchors, flow style, folded scalars…), the dump reader must leave the input
/// to the general reader. `rules -f` gives the general reader's snapshot or error either way.
/// </summary>
public sealed class DumpReaderYamlTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("kubelab-dump-yaml-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private const string Node = """
        apiVersion: v1
        kind: Node
        metadata:
          name: vm1
        spec:
          podCIDR: 10.42.0.0/24
        status:
          addresses:
          - address: 192.168.64.2
            type: InternalIP
        """;

    private const string Service = """
        apiVersion: v1
        kind: Service
        metadata:
          creationTimestamp: "2026-12-03T08:00:00Z"
          labels:
            app: web
          name: web
          namespace: shop
          uid: 0b6c4f3e-8d2a-4c1b-9e7f-000000000001
        spec:
          clusterIP: 10.43.0.20
          clusterIPs:
          - 10.43.0.20
          ports:
          - name: http
            port: 80
            protocol: TCP
            targetPort: 8080
          selector:
            app: web
          type: ClusterIP
        status:
          loadBalancer: {}
        """;

    private const string Slice = """
        addressType: IPv4
        apiVersion: discovery.k8s.io/v1
        endpoints:
        - addresses:
          - 10.42.0.8
          conditions:
            ready: true
            serving: true
            terminating: false
          nodeName: vm1
          targetRef:
            kind: Pod
            name: web-0
            namespace: shop
        kind: EndpointSlice
        metadata:
          creationTimestamp: 2026-12-03T08:00:01Z
          labels:
            kubernetes.io/service-name: web
          name: web-abcde
          namespace: shop
        ports:
        - name: http
          port: 8080
          protocol: TCP
        """;

    /// <summary>A List as `kubectl get -o yaml` prints it: items at column 0, each item's lines indented under its `- `.</summary>
    private static string List(params string[] items)
    {
        var text = new StringBuilder("apiVersion: v1\nitems:\n");
        foreach (var item in items)
        {
            var lines = item.ReplaceLineEndings("\n").Split('\n');
            text.Append("- ").Append(lines[0]).Append('\n');
            foreach (var line in lines.Skip(1))
            {
                text.Append(line.Length == 0 ? "" : "  " + line).Append('\n');
            }
        }

        return text.Append("kind: List\nmetadata:\n  resourceVersion: \"\"\n").ToString();
    }

    /// <summary>A List with its items indented under `items:` (as yq prints it).</summary>
    private static string Indented(string list)
    {
        var start = list.IndexOf("\nitems:\n", StringComparison.Ordinal) + "\nitems:\n".Length;
        var end = list.IndexOf("kind: List\n", StringComparison.Ordinal);
        var items = string.Join('\n', list[start..end].Split('\n').Select(l => l.Length == 0 ? l : "  " + l));
        return list[..start] + items + list[end..];
    }

    private static string Docs(params string[] documents) => string.Join("\n---\n", documents) + "\n";

    public static TheoryData<string> Inputs() => new(Names);

    private static readonly string[] Names =
    [
        "list", "multi-doc", "multi-doc-leading-separator", "comments-and-blank-lines", "crlf", "quoted-scalars",
        "quoted-keys", "block-scalars", "empty-values", "numbers-and-keywords", "label-number", "unknown-field",
        "non-ascii", "nbsp-after-value", "invalid-utf8", "timestamps", "two-lists", "list-in-multi-doc", "empty-list",
        "items-indented", "items-not-list", "bom",
        // outside the block subset: the general reader's
        "flow-mapping", "flow-sequence", "anchors", "merge-key", "folded-scalar", "multi-line-plain", "tags",
        "document-end", "tab-indent", "octal-number", "top-level-sequence", "deep",
    ];

    private static byte[] Input(string name)
    {
        var service = Service;
        var slice = Slice;
        var text = name switch
        {
            "list" => List(Node, service, slice),
            "multi-doc" => Docs(Node, service, slice),
            "multi-doc-leading-separator" => "---\n" + Docs(Node, service, slice) + "---\n",
            "comments-and-blank-lines" => "# dumped by hand\n\n" + List(
                Node,
                service.Replace("  name: web\n", "  name: web # the name\n\n  # a comment line\n", StringComparison.Ordinal),
                slice.Replace("- addresses:\n", "# before\n- addresses:   # after\n", StringComparison.Ordinal)),
            "crlf" => List(Node, service, slice).ReplaceLineEndings("\r\n"),
            "quoted-scalars" => List(
                Node,
                service.Replace("  name: web\n", "  name: 'web'\n  annotations:\n    a: \"caf\\u00e9 \\\"q\\\" \\t\\x41\\U0001F600 \\\\ \\/\"\n    b: 'it''s # not a comment'\n    c: \"\"\n    d: ''\n", StringComparison.Ordinal)
                    .Replace("targetPort: 8080", "targetPort: \"8080\"", StringComparison.Ordinal),
                slice.Replace("nodeName: vm1", "nodeName: \"vm1\"", StringComparison.Ordinal)),
            "quoted-keys" => List(Node, service.Replace("  name: web\n", "  \"name\": web\n  'namespace': shop\n", StringComparison.Ordinal), slice),
            "block-scalars" => List(
                Node,
                service.Replace("  name: web\n", "  name: web\n  annotations:\n    clip: |\n      line 1\n\n      line 3\n    strip: |-\n      kept\n        deeper\n    keep: |+\n      kept\n\n    last: x\n", StringComparison.Ordinal),
                slice),
            "empty-values" => List(
                Node,
                service.Replace("  type: ClusterIP\n", "  type: ClusterIP\n  externalIPs: []\n  sessionAffinityConfig: {}\n", StringComparison.Ordinal)
                    .Replace("  loadBalancer: {}\n", "  loadBalancer:\n", StringComparison.Ordinal),
                slice.Replace("  nodeName: vm1\n", "  nodeName: ~\n  hostname:\n", StringComparison.Ordinal)),
            "numbers-and-keywords" => List(
                Node,
                service.Replace("  type: ClusterIP\n", "  type: ClusterIP\n  publishNotReadyAddresses: True\n  healthCheckNodePort: 0\n", StringComparison.Ordinal),
                slice.Replace("ready: true", "ready: TRUE", StringComparison.Ordinal).Replace("terminating: false", "terminating: False", StringComparison.Ordinal)),
            "label-number" => List(Node, service.Replace("    app: web\n  name", "    app: web\n    version: 1.10\n  name", StringComparison.Ordinal), slice),
            "unknown-field" => List(Node, service.Replace("  uid:", "  somethingNew:\n    a:\n    - 1\n  uid:", StringComparison.Ordinal), slice),
            "non-ascii" => List(Node, service.Replace("    app: web\n  name", "    app: web\n  annotations:\n    note: été à Zürich ✓\n  name", StringComparison.Ordinal), slice),
            "nbsp-after-value" => List(Node, service.Replace("  type: ClusterIP\n", "  type: ClusterIP\n  loadBalancerClass: \u00A0\n", StringComparison.Ordinal), slice),
            "invalid-utf8" => List(Node, service.Replace("    app: web\n  name", "    app: web\n  annotations:\n    bad: a\u0001b\n    worse: \"\u0001\\u00e9\"\n  name", StringComparison.Ordinal), slice),
            "timestamps" => List(Node, service.Replace("\"2026-12-03T08:00:00Z\"", "2026-12-03T08:00:00.123456Z", StringComparison.Ordinal), slice.Replace("2026-12-03T08:00:01Z", "'2026-12-03T09:00:01+01:00'", StringComparison.Ordinal)),
            "two-lists" => List(Node) + "---\n" + List(service, slice),
            "list-in-multi-doc" => Docs(Node, List(service), slice),
            "empty-list" => "apiVersion: v1\nitems: []\nkind: List\n---\n" + List(Node, service, slice),
            "items-indented" => Indented(List(Node, service, slice)),
            "items-not-list" => List(Node, service, slice).Replace("kind: List", "kind: Service", StringComparison.Ordinal),
            "bom" => "\uFEFF" + List(Node, service, slice),
            "flow-mapping" => List(Node, service.Replace("  labels:\n    app: web\n", "  labels: {app: web}\n", StringComparison.Ordinal), slice),
            "flow-sequence" => List(Node, service.Replace("  clusterIPs:\n  - 10.43.0.20\n", "  clusterIPs: [10.43.0.20]\n", StringComparison.Ordinal), slice),
            "anchors" => List(Node, service.Replace("  selector:\n    app: web\n", "  selector: &sel\n    app: web\n", StringComparison.Ordinal), slice),
            "merge-key" => List(Node, service.Replace("  selector:\n    app: web\n", "  selector:\n    <<: {app: web}\n", StringComparison.Ordinal), slice),
            "folded-scalar" => List(Node, service.Replace("  name: web\n", "  name: web\n  annotations:\n    f: >\n      folded\n      text\n", StringComparison.Ordinal), slice),
            "multi-line-plain" => List(Node, service.Replace("  name: web\n", "  name: web\n  annotations:\n    m: first\n      second\n", StringComparison.Ordinal), slice),
            "tags" => List(Node, service.Replace("  name: web\n", "  name: !!str web\n", StringComparison.Ordinal), slice),
            "document-end" => Docs(Node, service) + "...\n",
            "tab-indent" => List(Node, service.Replace("  type: ClusterIP\n", "\ttype: ClusterIP\n", StringComparison.Ordinal), slice),
            "octal-number" => List(Node, service.Replace("port: 80\n", "port: 0o120\n", StringComparison.Ordinal), slice),
            "top-level-sequence" => "- " + Node.Replace("\n", "\n  ", StringComparison.Ordinal) + "\n",
            "deep" => List(Node, service.Replace("  uid:", "  x:\n" + string.Concat(Enumerable.Range(1, 250).Select(i => new string(' ', 2 * i + 2) + "a:\n")) + "  uid:", StringComparison.Ordinal), slice),
            _ => throw new ArgumentException(name),
        };

        // invalid-utf8: \u0001 stands for a byte that is never UTF-8
        return [.. Encoding.UTF8.GetBytes(text).Select(b => b == 1 ? (byte)0xFF : b)];
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Block_yaml_is_read_from_the_bytes_with_the_block_readers_objects_and_snapshot(string name)
    {
        var bytes = Input(name);
        var path = Path.Combine(dir, name + ".yaml");
        File.WriteAllBytes(path, bytes);

        // the block reader of ManifestReader: each object as the JSON it writes, or null when it leaves the input to YamlDotNet
        var text = Encoding.UTF8.GetString(bytes);
        var blockObjects = new JsonSink();
        List<(string, string?, string?)>? expected;
        try
        {
            expected = ManifestReader.TryReadBlockYaml(text.TrimStart('\uFEFF'), path, blockObjects) ? blockObjects.Objects : null;
        }
        catch (KubeLabException)
        {
            expected = null; // items in a document that is not a List
        }

        // the inputs from "flow-mapping" on are outside the block subset; so is a List whose kind is not a List (an error)
        var outside = Names.SkipWhile(i => i != "flow-mapping").Append("items-not-list");
        Assert.True(expected is null == outside.Contains(name), $"{name}: the block reader {(expected is null ? "leaves" : "takes")} it");
        foreach (var window in new[] { 1 << 20, 64 })
        {
            var reader = new DumpReader { WindowBytes = window, Objects = [] };
            string fast;
            try
            {
                using var stream = File.OpenRead(path);
                reader.Read(stream, path);
                fast = DumpReaderTests.Outcome(reader.Snapshot);
            }
            catch (DumpReader.Miss)
            {
                Assert.True(expected is null, $"{name} (window {window}): the dump reader left to the general reader an input the block reader takes");
                continue;
            }

            Assert.True(expected is not null, $"{name} (window {window}): the dump reader took an input the block reader leaves to YamlDotNet");
            Assert.Equal(expected, reader.Objects);
            var general = DumpReaderTests.Outcome(() => RulesCommand.OfflineSnapshot(ManifestSources.Read([path], TextReader.Null)));
            if (general.StartsWith("snapshot ", StringComparison.Ordinal))
            {
                Assert.Equal(general, fast);
            }
        }

        // the command: the general reader's snapshot or error, whichever reader read it
        Assert.Equal(
            DumpReaderTests.Outcome(() => RulesCommand.OfflineSnapshot(ManifestSources.Read([path], TextReader.Null))),
            DumpReaderTests.Outcome(() => RulesCommand.ReadOffline([path], TextReader.Null).Snapshot));
    }

    /// <summary>The inputs that kubectl writes are read by the dump reader, and their Services and EndpointSlices field by field.</summary>
    [Theory]
    [InlineData("list", 1)]
    [InlineData("multi-doc", 1)]
    [InlineData("crlf", 1)]
    [InlineData("quoted-scalars", 1)]
    [InlineData("block-scalars", 1)]
    [InlineData("two-lists", 1)]
    [InlineData("label-number", 2)]
    [InlineData("unknown-field", 2)]
    public void Services_and_slices_in_block_yaml_are_read_field_by_field(string name, int decoded)
    {
        var reader = new DumpReader();
        reader.Read(new MemoryStream(Input(name)), name);
        var snapshot = reader.Snapshot();
        Assert.Equal(decoded, reader.Decoded); // the Node, and the Service with a number for a label or an unknown field
        Assert.Equal("web", Assert.Single(snapshot.Services).Name);
        Assert.Equal("10.42.0.8", Assert.Single(Assert.Single(snapshot.EndpointSlices).Endpoints).Addresses[0].ToString());
    }

    [Fact]
    public void Quoted_and_block_scalars_in_yaml_keep_their_values()
    {
        var reader = new DumpReader();
        reader.Read(new MemoryStream(Input("block-scalars")), "b");
        var annotations = Assert.Single(reader.Snapshot().Services).Annotations;
        Assert.Equal("line 1\n\nline 3\n", annotations["clip"]);
        Assert.Equal("kept\n  deeper", annotations["strip"]);
        Assert.Equal("kept\n\n", annotations["keep"]);

        reader = new DumpReader();
        reader.Read(new MemoryStream(Input("quoted-scalars")), "q");
        annotations = Assert.Single(reader.Snapshot().Services).Annotations;
        Assert.Equal("café \"q\" \tA\U0001F600 \\ /", annotations["a"]);
        Assert.Equal("it's # not a comment", annotations["b"]);
        Assert.Equal(1, reader.Decoded);
    }

    /// <summary>A dump of many objects goes through the window in pieces: every Service is there, in order.</summary>
    [Fact]
    public void A_large_yaml_list_is_read_through_a_small_window()
    {
        var services = Enumerable.Range(0, 300).Select(i => Service.Replace("name: web\n", string.Create(CultureInfo.InvariantCulture, $"name: web-{i}\n"), StringComparison.Ordinal)).ToArray();
        var bytes = Encoding.UTF8.GetBytes(List([Node, .. services]));
        var reader = new DumpReader { WindowBytes = 256 };
        reader.Read(new MemoryStream(bytes), "big");
        Assert.Equal(Enumerable.Range(0, 300).Select(i => $"web-{i}"), reader.Snapshot().Services.Select(s => s.Name));
        Assert.Equal(1, reader.Decoded);
    }

    private sealed class JsonSink : ManifestReader.DocumentSink
    {
        public List<(string, string?, string?)> Objects { get; } = [];

        public override int Count => Objects.Count;

        public override void Add(ReadOnlySpan<byte> json, string source, int line, string? apiVersion, string? kind) => Objects.Add((Encoding.UTF8.GetString(json), apiVersion, kind));

        public override void Truncate(int count) => Objects.RemoveRange(count, Objects.Count - count);
    }
}
