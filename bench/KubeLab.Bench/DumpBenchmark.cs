using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KubeLab.Core.Control;
using KubeLab.Core.Manifests;
using KubeLab.Core.Model;
using KubeLab.Core.Trace;

namespace KubeLab.Bench;

/// <summary>
/// The front door at scale (issue 14): <c>dumps write DIR N</c> writes the dump of a cluster with N Services × 10
/// endpoints on 3 nodes as `kubectl get svc,endpointslices,nodes -A -o json` and `-o yaml` print it (a List, 4-space
/// JSON, kubectl's block YAML); <c>dumps read DIR</c> times reading both in-process; <c>dumps trace DIR SAVE</c> times
/// parsing a node's iptables-save and tracing to the last Service. bench/dumps/run.sh runs the whole commands.
/// </summary>
internal static class DumpBenchmark
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static int Run(string[] args)
    {
        switch (args.ElementAtOrDefault(1))
        {
            case "write":
                Write(args[2], args.Length > 3 ? int.Parse(args[3], Inv) : 10_000);
                return 0;
            case "read":
                Read(args[2]);
                return 0;
            case "trace":
                Trace(args[2], args[3]);
                return 0;
            case "parse-only":
                for (var i = 0; i < 3; i++)
                {
                    var watch = Stopwatch.StartNew();
                    var parser = new YamlDotNet.Core.Parser(new StringReader(File.ReadAllText(Path.Combine(args[2], "cluster.yaml"))));
                    var events = 0;
                    while (parser.MoveNext())
                    {
                        events++;
                    }

                    Console.WriteLine(string.Create(Inv, $"YamlDotNet parser alone: {events} events in {watch.Elapsed.TotalMilliseconds:F0} ms"));
                }

                return 0;
            default:
                Console.WriteLine("usage: KubeLab.Bench dumps write DIR [SERVICES] | read DIR | trace DIR IPTABLES-SAVE");
                return 2;
        }
    }

    private static void Write(string dir, int services)
    {
        Directory.CreateDirectory(dir);
        var items = new JsonArray();
        var next = 0u;
        for (var s = 0; s < services; s++)
        {
            var name = "svc-" + s.ToString(Inv);
            var ip = IPMath.Add(IPAddress.Parse("10.43.0.0"), s + 16).ToString();
            items.Add(new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Service",
                ["metadata"] = Meta(name, s, new JsonObject { ["app"] = name }),
                ["spec"] = new JsonObject
                {
                    ["clusterIP"] = ip,
                    ["clusterIPs"] = new JsonArray(ip),
                    ["internalTrafficPolicy"] = "Cluster",
                    ["ipFamilies"] = new JsonArray("IPv4"),
                    ["ipFamilyPolicy"] = "SingleStack",
                    ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = 80, ["protocol"] = "TCP", ["targetPort"] = 8080 }),
                    ["selector"] = new JsonObject { ["app"] = name },
                    ["sessionAffinity"] = "None",
                    ["type"] = "ClusterIP",
                },
                ["status"] = new JsonObject { ["loadBalancer"] = new JsonObject() },
            });
            var endpoints = new JsonArray();
            for (var e = 0; e < 10; e++, next++)
            {
                var pod = $"{name}-{e.ToString(Inv)}";
                endpoints.Add(new JsonObject
                {
                    ["addresses"] = new JsonArray(IPMath.Add(IPAddress.Parse("10.64.0.0"), next + 1).ToString()),
                    ["conditions"] = new JsonObject { ["ready"] = true, ["serving"] = true, ["terminating"] = false },
                    ["nodeName"] = "vm" + ((next % 3) + 1).ToString(Inv),
                    ["targetRef"] = new JsonObject { ["kind"] = "Pod", ["name"] = pod, ["namespace"] = "bench", ["uid"] = Uid(next + 1_000_000) },
                });
            }

            items.Add(new JsonObject
            {
                ["addressType"] = "IPv4",
                ["apiVersion"] = "discovery.k8s.io/v1",
                ["endpoints"] = endpoints,
                ["kind"] = "EndpointSlice",
                ["metadata"] = Meta(name + "-abcde", s + 500_000, new JsonObject
                {
                    ["endpointslice.kubernetes.io/managed-by"] = "endpointslice-controller.k8s.io",
                    ["kubernetes.io/service-name"] = name,
                }),
                ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = 8080, ["protocol"] = "TCP" }),
            });
        }

        var config = LabConfig.Default("bench", 3);
        foreach (var node in NodeObjects.For(new ClusterState { Config = config }))
        {
            items.Add(JsonNode.Parse(k8s.KubernetesJson.Serialize(node)));
        }

        var list = new JsonObject { ["apiVersion"] = "v1", ["items"] = items, ["kind"] = "List", ["metadata"] = new JsonObject { ["resourceVersion"] = "" } };
        File.WriteAllText(Path.Combine(dir, "cluster.json"), list.ToJsonString(new JsonSerializerOptions { WriteIndented = true, IndentSize = 4 }) + "\n");
        var yaml = new StringBuilder();
        Yaml(yaml, list, 0, inSequence: false);
        File.WriteAllText(Path.Combine(dir, "cluster.yaml"), yaml.ToString());
        Console.WriteLine(string.Create(Inv, $"wrote {dir}/cluster.json ({new FileInfo(Path.Combine(dir, "cluster.json")).Length} bytes) and cluster.yaml ({new FileInfo(Path.Combine(dir, "cluster.yaml")).Length} bytes): {services} Services, {services * 10} endpoints, 3 nodes"));
    }

    private static JsonObject Meta(string name, long n, JsonObject labels) => new()
    {
        ["creationTimestamp"] = "2026-12-03T08:00:00Z",
        ["labels"] = labels,
        ["name"] = name,
        ["namespace"] = "bench",
        ["resourceVersion"] = (1000 + n).ToString(Inv),
        ["uid"] = Uid(n),
    };

    private static string Uid(long n) => $"0b6c4f3e-8d2a-4c1b-9e7f-{n.ToString("x12", Inv)}";

    /// <summary>kubectl's YAML: block style, two-space indentation, sequences at the key's indentation, keys in order.</summary>
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
                    text.Append(Scalar(key));
                    if (value is JsonObject { Count: > 0 })
                    {
                        text.Append(":\n");
                        Yaml(text, value, indent + 2, inSequence: false);
                    }
                    else if (value is JsonArray { Count: > 0 })
                    {
                        text.Append(":\n");
                        Yaml(text, value, indent, inSequence: false);
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
                    if (item is JsonObject { Count: > 0 })
                    {
                        Yaml(text, item, indent + 2, inSequence: true);
                    }
                    else
                    {
                        Yaml(text, item, indent + 2, inSequence: false);
                    }
                }

                break;
            case JsonArray:
                text.Append("[]\n");
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                text.Append(Scalar(value.GetValue<string>())).Append('\n');
                break;
            default:
                text.Append(node?.ToJsonString() ?? "null").Append('\n');
                break;
        }
    }

    private static string Scalar(string s) =>
        s.Length == 0 || s.Any(c => c is ':' or '#' or '"' or '\'' or '{' or '[' or ',' or '&' or '*' or '!' or '|' or '>' or '%' or '@' or '`')
            || s is "true" or "false" or "null" || double.TryParse(s, NumberStyles.Float, Inv, out _)
            ? "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'"
            : s;

    private static void Read(string dir)
    {
        // The dump reader of `rules -f` (streamed, straight into the model): the first, cold read and the median of 3 after it.
        Console.WriteLine("DumpReader: format | first read ms | read ms (median of 3) | allocated MB");
        foreach (var file in new[] { "cluster.json", "cluster.yaml" })
        {
            var path = Path.Combine(dir, file);
            var times = new List<double>();
            long allocated = 0;
            for (var i = 0; i < 4; i++)
            {
                GC.Collect();
                var before = GC.GetAllocatedBytesForCurrentThread();
                var watch = Stopwatch.StartNew();
                var reader = new DumpReader();
                using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
                {
                    reader.Read(stream, file);
                }

                reader.Snapshot();
                watch.Stop();
                Console.WriteLine(string.Create(Inv, $"  {watch.Elapsed.TotalMilliseconds:F0} ms, {reader.Decoded} objects decoded the general way"));
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                times.Add(watch.Elapsed.TotalMilliseconds);
            }

            var first = times[0];
            times = [.. times.Skip(1).Order()];
            Console.WriteLine(string.Create(Inv, $"{file} | {first:F0} | {times[1]:F0} | {allocated / 1048576.0:F0}"));
        }

        Console.WriteLine("ManifestReader: format | bytes | objects | read ms (median of 3) | allocated MB");
        foreach (var file in new[] { "cluster.json", "cluster.yaml" })
        {
            var path = Path.Combine(dir, file);
            var times = new List<double>();
            var count = 0;
            long allocated = 0;
            for (var i = 0; i < 4; i++)
            {
                GC.Collect();
                var before = GC.GetAllocatedBytesForCurrentThread();
                var watch = Stopwatch.StartNew();
                count = ManifestReader.Read(File.ReadAllBytes(path), file).Count; // as `kubelab rules -f` reads a file
                watch.Stop();
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                if (i > 0)
                {
                    times.Add(watch.Elapsed.TotalMilliseconds);
                }
            }

            times.Sort();
            Console.WriteLine(string.Create(Inv, $"{file} | {new FileInfo(path).Length} | {count} | {times[1]:F0} | {allocated / 1048576.0:F0}"));
        }
    }

    private static void Trace(string dir, string save)
    {
        var snapshot = SnapshotBuilder.FromObjects(null, null, ManifestReader.Read(File.ReadAllText(Path.Combine(dir, "cluster.json")), "cluster.json").Select(d => d.Object));
        var node = snapshot.GetNode("vm1");
        var text = File.ReadAllText(save);
        var routes = KubeLab.Core.Lab.NodeTables.Routes(snapshot, "vm1") + KubeLab.Core.Lab.NodeTables.LocalTableRoutes(snapshot, "vm1");
        var parses = new List<double>();
        NodeState? state = null;
        for (var i = 0; i < 3; i++)
        {
            var watch = Stopwatch.StartNew();
            state = NodeState.FromTexts("vm1", text, routes, node: node, deferRules: true);
            parses.Add(watch.Elapsed.TotalMilliseconds);
        }

        var nodes = new Dictionary<string, NodeState> { ["vm1"] = state! };
        var last = snapshot.Services.OrderBy(s => IPMath.ToUInt32(s.ClusterIP!)).Last();
        var request = new TraceRequest { From = "vm1", FromKind = SourceKind.Node, Target = $"{last.ClusterIP}:80" };
        var dns = new CoreDnsAnswerer(snapshot); // built once per command, as `kubelab trace` does (an IP target asks no DNS)
        var first = Stopwatch.StartNew();
        var result = Tracer.Trace(request, nodes, snapshot, dns);
        var firstMs = first.Elapsed.TotalMilliseconds;
        var traces = new List<double>();
        for (var i = 0; i < 21; i++)
        {
            var watch = Stopwatch.StartNew();
            result = Tracer.Trace(request, nodes, snapshot, dns);
            traces.Add(watch.Elapsed.TotalMilliseconds);
        }

        parses.Sort();
        traces.Sort();
        Console.WriteLine(string.Create(Inv,
            $"iptables-save {text.Length} chars: parse (rules read on use) median {parses[1]:F0} ms; first trace {firstMs:F1} ms; trace median of 21 {traces[10]:F2} ms, max {traces[^1]:F2} ms; {result.Outcomes.Count} outcomes to {last.Namespace}/{last.Name} {last.ClusterIP}"));
    }
}
