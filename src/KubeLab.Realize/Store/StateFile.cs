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

    public static string Serialize(ClusterState state)
    {
        var config = state.Config;
        var root = new JsonObject
        {
            ["apiVersion"] = ApiVersion,
            ["kind"] = "Lab",
            ["config"] = new JsonObject
            {
                ["name"] = config.Name,
                ["driver"] = config.Driver,
                ["created"] = config.Created.ToString("O", CultureInfo.InvariantCulture),
                ["k3sVersion"] = config.K3sVersion,
                ["clusterCIDR"] = config.ClusterCidr.ToString(),
                ["serviceCIDR"] = config.ServiceCidr.ToString(),
                ["clusterDomain"] = config.ClusterDomain,
                ["clusterDNS"] = config.ClusterDns.ToString(),
                ["underlay"] = config.Underlay.ToString(),
                ["gateway"] = config.Gateway.ToString(),
                ["hostSearchDomain"] = config.HostSearchDomain,
                ["externalVM"] = config.ExternalVm,
                ["nodes"] = new JsonArray(config.Nodes.Select(n => (JsonNode)new JsonObject
                {
                    ["name"] = n.Name,
                    ["role"] = n.Role.ToString(),
                    ["internalIP"] = n.InternalIP.ToString(),
                    ["podCIDR"] = n.PodCidr.ToString(),
                    ["vtepMAC"] = n.VtepMac,
                }).ToArray()),
            },
            ["generation"] = state.Generation,
            ["lastReserved"] = new JsonObject(state.LastReserved.OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["objects"] = new JsonArray(state.Objects.Select(o => JsonNode.Parse(KubernetesJson.Serialize(o.Object))).ToArray()),
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>config.driver alone.</summary>
    public static string DriverOf(string json, string path)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.GetProperty("config").GetProperty("driver").GetString()
                ?? throw KubeLabException.Invalid($"{path}: the lab's state file has no config.driver; remove the lab with `kubelab down` and create it again");
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
            var root = JsonNode.Parse(json)!.AsObject();
            if ((string?)root["apiVersion"] != ApiVersion)
            {
                throw KubeLabException.Invalid($"{path}: not a KubeLab lab file (apiVersion {(string?)root["apiVersion"]}, want {ApiVersion})");
            }

            var c = Field(root, "config", path).AsObject();
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

            var config = new LabConfig
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
                Nodes = Field(c, "nodes", path).AsArray().Select((n, i) => new NodeConfig(
                    Text(n!, "name", $"config.nodes[{i}]."),
                    Parsed(n!, "role", $"config.nodes[{i}].", t => Enum.Parse<NodeRole>(t)),
                    Parsed(n!, "internalIP", $"config.nodes[{i}].", t => IPAddress.Parse(t)),
                    Parsed(n!, "podCIDR", $"config.nodes[{i}].", t => IPNetwork.Parse(t)),
                    Text(n!, "vtepMAC", $"config.nodes[{i}]."))).ToList(),
            };
            var objects = Field(root, "objects", path).AsArray().Select(node =>
            {
                var kind = (string)node!["kind"]!;
                var value = (IKubernetesObject<V1ObjectMeta>)KubeObjects.FromJson(node.ToJsonString(), KubeObjects.TypeOfKind(kind));
                return StoredObject.Of(value);
            }).ToImmutableList();
            return new ClusterState
            {
                Config = config,
                Objects = objects,
                Generation = (long)Field(root, "generation", path),
                LastReserved = Field(root, "lastReserved", path).AsObject().ToImmutableDictionary(kv => kv.Key, kv => (string)kv.Value!, StringComparer.Ordinal),
            };
        }
        catch (Exception e) when (e is JsonException or NullReferenceException or FormatException or InvalidOperationException or ArgumentException)
        {
            throw Damaged(path, e.Message);
        }
    }

    /// <summary>A field the state file must have (a missing one is named, not a NullReferenceException).</summary>
    private static JsonNode Field(JsonNode parent, string name, string path) =>
        parent[name] ?? throw Damaged(path, $"{(parent.GetPath() is "$" ? "" : parent.GetPath().TrimStart('$', '.') + ".")}{name} is missing");

    private static KubeLabException Damaged(string path, string what) =>
        KubeLabException.Invalid($"{path}: the lab's state file is damaged ({what}); remove the lab with `kubelab down` and create it again");
}
