using System.Buffers;
using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using KubeLab.Core;
using KubeLab.Core.Control;
using KubeLab.Core.Model;

namespace KubeLab.Realize.Store;

/// <summary>The on-disk form of a lab: config, allocator memory and every object as Kubernetes JSON.</summary>
internal static class StateFile
{
    public const string ApiVersion = "kubelab.io/v1alpha1";

    /// <summary>
    /// The file: config and allocator memory indented, then one object a line. Objects are written from their cached
    /// encodings (<see cref="KubeObjects.Encoded"/>), so a write encodes only the objects the change made.
    /// </summary>
    public static byte[] SerializeUtf8(ClusterState state)
    {
        var config = state.Config;
        var buffer = new ArrayBufferWriter<byte>(64 * 1024 + state.Objects.Count * 1024);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("apiVersion", ApiVersion);
            writer.WriteString("kind", "Lab");
            writer.WritePropertyName("config");
            WriteConfig(writer, config);
            writer.WriteNumber("generation", state.Generation);
            writer.WritePropertyName("lastReserved");
            WriteLastReserved(writer, state.LastReserved);
            writer.WritePropertyName("objects");
            writer.WriteStartArray();
            foreach (var o in state.Objects)
            {
                writer.WriteRawValue(KubeObjects.Encoded(o.Object), skipInputValidation: true);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The lab's config as the file writes it (the database keeps the same text).</summary>
    public static string ConfigJson(LabConfig config)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteConfig(writer, config);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteConfig(Utf8JsonWriter writer, LabConfig config)
    {
        writer.WriteStartObject();
        writer.WriteString("name", config.Name);
        writer.WriteString("driver", config.Driver);
        writer.WriteString("created", config.Created.ToString("O", CultureInfo.InvariantCulture));
        writer.WriteString("k3sVersion", config.K3sVersion);
        writer.WriteString("clusterCIDR", config.ClusterCidr.ToString());
        writer.WriteString("serviceCIDR", config.ServiceCidr.ToString());
        writer.WriteString("clusterDomain", config.ClusterDomain);
        writer.WriteString("clusterDNS", config.ClusterDns.ToString());
        writer.WriteString("underlay", config.Underlay.ToString());
        writer.WriteString("gateway", config.Gateway.ToString());
        writer.WriteString("hostSearchDomain", config.HostSearchDomain);
        writer.WriteBoolean("externalVM", config.ExternalVm);
        writer.WriteStartArray("disable");
        foreach (var d in config.Disable)
        {
            writer.WriteStringValue(d);
        }

        writer.WriteEndArray();
        writer.WriteBoolean("upstreamDNS", config.UpstreamDns);
        if (config.RootCaCertificate is { } rootCa)
        {
            writer.WriteString("rootCA", rootCa);
        }

        writer.WritePropertyName("nodes");
        writer.WriteStartArray();
        foreach (var n in config.Nodes)
        {
            writer.WriteStartObject();
            writer.WriteString("name", n.Name);
            writer.WriteString("role", n.Role.ToString());
            writer.WriteString("internalIP", n.InternalIP.ToString());
            writer.WriteString("podCIDR", n.PodCidr.ToString());
            writer.WriteString("vtepMAC", n.VtepMac);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>host-local's last reserved address per node, as the file writes it.</summary>
    public static string LastReservedJson(ImmutableDictionary<string, string> lastReserved)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteLastReserved(writer, lastReserved);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteLastReserved(Utf8JsonWriter writer, ImmutableDictionary<string, string> lastReserved)
    {
        writer.WriteStartObject();
        foreach (var (node, ip) in lastReserved.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            writer.WriteString(node, ip);
        }

        writer.WriteEndObject();
    }

    /// <summary>config.driver alone.</summary>
    public static string DriverOf(string json, string path)
    {
        try
        {
            // the same words as a whole read's (a missing field is named)
            using var document = JsonDocument.Parse(json);
            var config = Element(document.RootElement, "config", path);
            return config.TryGetProperty("driver", out var driver) && driver.ValueKind == JsonValueKind.String
                ? driver.GetString()!
                : throw Damaged(path, "config.driver is missing");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw KubeLabException.Invalid($"{path}: the lab's state file is damaged ({e.Message}); remove the lab with `kubelab down` and create it again");
        }
    }

    public static ClusterState Deserialize(string json, string path)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var apiVersion = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("apiVersion", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            if (apiVersion != ApiVersion)
            {
                throw KubeLabException.Invalid($"{path}: not a KubeLab lab file (apiVersion {apiVersion}, want {ApiVersion})");
            }

            return new ClusterState
            {
                Config = ReadConfig(Element(root, "config", path), path),
                Objects = ReadObjects(Element(root, "objects", path)),
                Generation = Element(root, "generation", path).GetInt64(),
                LastReserved = ReadLastReserved(Element(root, "lastReserved", path)),
            };
        }
        catch (Exception e) when (e is JsonException or NullReferenceException or FormatException or InvalidOperationException or KeyNotFoundException or ArgumentException)
        {
            throw Damaged(path, e.Message);
        }
    }

    /// <summary>The lab's config from its JSON (a missing or bad field is named with its path).</summary>
    public static LabConfig ReadConfig(JsonElement element, string path)
    {
        try
        {
            // the config is read as a tree (its fields are few, and a missing one is named with its path)
            var header = new JsonObject { ["config"] = JsonNode.Parse(element.GetRawText()) };
            var c = Field(header, "config", path).AsObject();
            string Text(JsonNode parent, string name, string where) =>
                Field(parent, name, path).GetValueKind() == JsonValueKind.String ? (string)parent[name]! : throw Damaged(path, $"{where}{name} is not a string");
            T Parsed<T>(JsonNode parent, string name, string where, Func<string, T> parse)
            {
                var text = Text(parent, name, where);
                try
                {
                    return parse(text);
                }
                catch (Exception e) when (e is FormatException or ArgumentException)
                {
                    throw Damaged(path, $"{where}{name}: \"{text}\" is not valid ({e.Message})");
                }
            }

            return new LabConfig
            {
                Name = Text(c, "name", "config."),
                Driver = Text(c, "driver", "config."),
                Created = Parsed(c, "created", "config.", t => DateTimeOffset.Parse(t, CultureInfo.InvariantCulture)),
                K3sVersion = Text(c, "k3sVersion", "config."),
                ClusterCidr = Parsed(c, "clusterCIDR", "config.", t => IPNetwork.Parse(t)),
                ServiceCidr = Parsed(c, "serviceCIDR", "config.", t => IPNetwork.Parse(t)),
                ClusterDomain = Text(c, "clusterDomain", "config."),
                ClusterDns = Parsed(c, "clusterDNS", "config.", t => IPAddress.Parse(t)),
                Underlay = Parsed(c, "underlay", "config.", t => IPNetwork.Parse(t)),
                Gateway = Parsed(c, "gateway", "config.", t => IPAddress.Parse(t)),
                HostSearchDomain = (string?)c["hostSearchDomain"],
                ExternalVm = (bool?)c["externalVM"] ?? false, // absent in labs made before vm-ext
                // absent in labs made before k3s's add-ons: those ran as the cheat sheet's `k3s server --disable servicelb`
                Disable = c["disable"] is JsonArray disable ? disable.Select(d => (string)d!).ToList() : [K3sAddons.ServiceLB],
                UpstreamDns = (bool?)c["upstreamDNS"] ?? false,
                RootCaCertificate = (string?)c["rootCA"], // absent in labs made before kube-root-ca.crt, and for multipass
                Nodes = Field(c, "nodes", path).AsArray().Select((n, i) => new NodeConfig(
                    Text(n!, "name", $"config.nodes[{i}]."),
                    Parsed(n!, "role", $"config.nodes[{i}].", t => Enum.Parse<NodeRole>(t)),
                    Parsed(n!, "internalIP", $"config.nodes[{i}].", t => IPAddress.Parse(t)),
                    Parsed(n!, "podCIDR", $"config.nodes[{i}].", t => IPNetwork.Parse(t)),
                    Text(n!, "vtepMAC", $"config.nodes[{i}]."))).ToList(),
            };
        }
        catch (Exception e) when (e is JsonException or NullReferenceException or FormatException or InvalidOperationException or KeyNotFoundException or ArgumentException)
        {
            throw Damaged(path, e.Message);
        }
    }

    public static ImmutableDictionary<string, string> ReadLastReserved(JsonElement element) =>
        element.EnumerateObject()
            .ToImmutableDictionary(p => p.Name, p => p.Value.GetString() ?? throw new FormatException($"lastReserved.{p.Name} is not a string"), StringComparer.Ordinal);

    /// <summary>Each object decoded from its own text, which is remembered as its encoding (the next write reuses it).</summary>
    private static ImmutableList<StoredObject> ReadObjects(JsonElement array)
    {
        var objects = ImmutableList.CreateBuilder<StoredObject>();
        foreach (var element in array.EnumerateArray())
        {
            var kind = element.GetProperty("kind").GetString()!;
            var apiVersion = element.TryGetProperty("apiVersion", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
            objects.Add(StoredObject.Of(ReadObject(kind, apiVersion, element.GetRawText())));
        }

        return objects.ToImmutable();
    }

    /// <summary>An object decoded from its text, which is remembered as its encoding when it is one line (as written).</summary>
    public static IKubernetesObject<V1ObjectMeta> ReadObject(string kind, string apiVersion, string text)
    {
        var value = (IKubernetesObject<V1ObjectMeta>)KubeObjects.FromJson(text, TypeOf(kind, apiVersion));
        if (!text.Contains('\n', StringComparison.Ordinal))
        {
            KubeObjects.RememberEncoding(value, text); // one line: as the store writes it (older files were indented)
        }

        return value;
    }

    /// <summary>A field the state file must have (a missing one is named, not a NullReferenceException).</summary>
    private static JsonNode Field(JsonNode parent, string name, string path) =>
        parent[name] ?? throw Damaged(path, $"{(parent.GetPath() is "$" ? "" : parent.GetPath().TrimStart('$', '.') + ".")}{name} is missing");

    public static KubeLabException Damaged(string path, string what) =>
        KubeLabException.Invalid($"{path}: the lab's state file is damaged ({what}); remove the lab with `kubelab down` and create it again");

    /// <summary>
    /// The model of a stored object: a built-in kind's type when its apiVersion is that kind's group, else a custom
    /// resource (a CRD may name its kind like a built-in one: `Event` in example.com is not the core Event).
    /// </summary>
    private static Type TypeOf(string kind, string apiVersion)
    {
        var type = KubeObjects.TypeOfKind(kind);
        var group = apiVersion.Contains('/', StringComparison.Ordinal) ? apiVersion[..apiVersion.IndexOf('/', StringComparison.Ordinal)] : "";
        return type != typeof(CustomObject) && apiVersion.Length > 0 && group != KubeObjects.GroupOfKind(kind) ? typeof(CustomObject) : type;
    }

    private static JsonElement Element(JsonElement root, string name, string path) =>
        root.TryGetProperty(name, out var value) ? value : throw Damaged(path, $"{name} is missing");
}
