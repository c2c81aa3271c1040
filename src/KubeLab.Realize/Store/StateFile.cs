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
                ["disable"] = new JsonArray(config.Disable.Select(d => (JsonNode)JsonValue.Create(d)).ToArray()),
                ["upstreamDNS"] = config.UpstreamDns,
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

            var c = root["config"]!.AsObject();
            var config = new LabConfig
            {
                Name = (string)c["name"]!,
                Driver = (string)c["driver"]!,
                Created = DateTimeOffset.Parse((string)c["created"]!, CultureInfo.InvariantCulture),
                K3sVersion = (string)c["k3sVersion"]!,
                ClusterCidr = IPNetwork.Parse((string)c["clusterCIDR"]!),
                ServiceCidr = IPNetwork.Parse((string)c["serviceCIDR"]!),
                ClusterDomain = (string)c["clusterDomain"]!,
                ClusterDns = IPAddress.Parse((string)c["clusterDNS"]!),
                Underlay = IPNetwork.Parse((string)c["underlay"]!),
                Gateway = IPAddress.Parse((string)c["gateway"]!),
                HostSearchDomain = (string?)c["hostSearchDomain"],
                ExternalVm = (bool?)c["externalVM"] ?? false, // absent in labs made before vm-ext
                // absent in labs made before k3s's add-ons: those ran as the cheat sheet's `k3s server --disable servicelb`
                Disable = c["disable"] is JsonArray disable ? disable.Select(d => (string)d!).ToList() : [K3sAddons.ServiceLB],
                UpstreamDns = (bool?)c["upstreamDNS"] ?? false,
                Nodes = c["nodes"]!.AsArray().Select(n => new NodeConfig(
                    (string)n!["name"]!,
                    Enum.Parse<NodeRole>((string)n["role"]!),
                    IPAddress.Parse((string)n["internalIP"]!),
                    IPNetwork.Parse((string)n["podCIDR"]!),
                    (string)n["vtepMAC"]!)).ToList(),
            };
            var objects = root["objects"]!.AsArray().Select(node =>
            {
                var kind = (string)node!["kind"]!;
                var value = (IKubernetesObject<V1ObjectMeta>)KubeObjects.FromJson(node.ToJsonString(), KubeObjects.TypeOfKind(kind));
                return StoredObject.Of(value);
            }).ToImmutableList();
            return new ClusterState
            {
                Config = config,
                Objects = objects,
                Generation = (long)root["generation"]!,
                LastReserved = root["lastReserved"]!.AsObject().ToImmutableDictionary(kv => kv.Key, kv => (string)kv.Value!, StringComparer.Ordinal),
            };
        }
        catch (Exception e) when (e is JsonException or NullReferenceException or FormatException or InvalidOperationException)
        {
            throw KubeLabException.Invalid($"{path}: the lab's state file is damaged ({e.Message}); remove the lab with `kubelab down` and create it again");
        }
    }
}
