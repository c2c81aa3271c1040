using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using KubeLab.Core.Model;

namespace KubeLab.Core.Api;

/// <summary>
/// The API server's documents as JSON: /version, discovery (legacy and aggregated), lists, Tables and watch
/// events. Pure: objects and the time in, JSON out.
/// </summary>
public static class ApiDocuments
{
    /// <summary>Media type parameters of aggregated discovery as kube-apiserver v1.29 answers them (client-go reads the format from them).</summary>
    public const string AggregatedV2Beta1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

    /// <summary>
    /// k3s v1.29.5+k3s1's /version. gitCommit is k3s's release commit as `k3s --version` prints it (4e53a323…); buildDate
    /// is the release day (the hour is not known); Go 1.21.9 per k3s-io/k3s#10108.
    /// </summary>
    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "29",
        ["gitVersion"] = LabDefaults.K3sVersion,
        ["gitCommit"] = "4e53a32306759581f4ed938bcd18b6fa20b83230",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2024-05-22T00:00:00Z",
        ["goVersion"] = "go1.21.9",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    public static JsonObject ApiVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    /// <param name="served">the resources served (the built-in ones and the CRDs'; <see cref="CustomResources.Served"/>), by default the built-in ones.</param>
    public static JsonObject ApiGroupList(IReadOnlyList<ApiResource>? served = null) => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray(CustomResources.Groups(served ?? ApiResources.Served).Select(g => (JsonNode)Group(g, served)).ToArray()),
    };

    public static JsonObject Group(string group, IReadOnlyList<ApiResource>? served = null)
    {
        var versions = CustomResources.Versions(served ?? ApiResources.Served, group);
        JsonObject GroupVersion(string version) => new() { ["groupVersion"] = $"{group}/{version}", ["version"] = version };
        return new JsonObject
        {
            ["name"] = group,
            ["versions"] = new JsonArray(versions.Select(v => (JsonNode)GroupVersion(v)).ToArray()),
            ["preferredVersion"] = GroupVersion(versions[0]),
        };
    }

    /// <summary>/api/v1 or /apis/G/V: an APIResourceList with the subresources the lab serves.</summary>
    public static JsonObject ResourceList(string group, string version, IReadOnlyList<ApiResource>? served = null)
    {
        var resources = new JsonArray();
        foreach (var r in (served ?? ApiResources.Served).Where(r => r.Group == group && r.Version == version).OrderBy(r => r.Plural, StringComparer.Ordinal))
        {
            var entry = new JsonObject
            {
                ["name"] = r.Plural,
                ["singularName"] = r.Singular,
                ["namespaced"] = r.Namespaced,
                ["kind"] = r.Kind,
                ["verbs"] = Strings(r.Verbs),
            };
            if (r.ShortNames.Count > 0)
            {
                entry["shortNames"] = Strings(r.ShortNames);
            }

            if (r.Categories.Count > 0)
            {
                entry["categories"] = Strings(r.Categories);
            }

            resources.Add(entry);
            foreach (var (sub, kind, verbs) in Subresources(r))
            {
                resources.Add(new JsonObject
                {
                    ["name"] = $"{r.Plural}/{sub}",
                    ["singularName"] = "",
                    ["namespaced"] = r.Namespaced,
                    ["kind"] = kind,
                    ["verbs"] = Strings(verbs),
                });
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }

    /// <summary>The subresources a resource offers (as discovery lists them).</summary>
    public static IEnumerable<(string Name, string Kind, string[] Verbs)> Subresources(ApiResource resource)
    {
        string[] readWrite = ["get", "patch", "update"];
        if (resource.Custom is not null)
        {
            foreach (var sub in CustomResources.Subresources(resource))
            {
                yield return sub;
            }

            yield break;
        }

        switch (resource.Plural)
        {
            case "pods":
                yield return ("attach", "PodAttachOptions", ["create", "get"]);
                yield return ("exec", "PodExecOptions", ["create", "get"]);
                yield return ("log", "Pod", ["get"]);
                yield return ("portforward", "PodPortForwardOptions", ["create", "get"]);
                yield return ("status", "Pod", readWrite);
                break;
            case "deployments" or "replicasets" or "statefulsets":
                yield return ("scale", "Scale", readWrite);
                yield return ("status", resource.Kind, readWrite);
                break;
            case "services" or "nodes" or "namespaces" or "daemonsets" or "jobs" or "customresourcedefinitions":
                yield return ("status", resource.Kind, readWrite);
                break;
        }
    }

    /// <summary>
    /// Aggregated discovery (apidiscovery.k8s.io/v2beta1, what kubectl 1.27+ asks first): every group with its
    /// resources in one document; <paramref name="legacy"/> is /api's, the core group alone.
    /// </summary>
    public static JsonObject AggregatedDiscovery(bool legacy, IReadOnlyList<ApiResource>? served = null)
    {
        served ??= ApiResources.Served;
        var groups = legacy ? [""] : CustomResources.Groups(served);
        var items = new JsonArray();
        foreach (var group in groups)
        {
            var versions = new JsonArray();
            foreach (var version in CustomResources.Versions(served, group))
            {
                versions.Add(new JsonObject { ["version"] = version, ["resources"] = AggregatedResources(served, group, version), ["freshness"] = "Current" });
            }

            var metadata = new JsonObject { ["creationTimestamp"] = null };
            if (group.Length > 0)
            {
                metadata["name"] = group;
            }

            items.Add(new JsonObject
            {
                ["metadata"] = metadata,
                ["versions"] = versions,
            });
        }

        return new JsonObject
        {
            ["kind"] = "APIGroupDiscoveryList",
            ["apiVersion"] = "apidiscovery.k8s.io/v2beta1",
            ["metadata"] = new JsonObject(),
            ["items"] = items,
        };
    }

    private static JsonArray AggregatedResources(IReadOnlyList<ApiResource> served, string group, string version)
    {
        var resources = new JsonArray();
        {
            foreach (var r in served.Where(r => r.Group == group && r.Version == version).OrderBy(r => r.Plural, StringComparer.Ordinal))
            {
                var entry = new JsonObject
                {
                    ["resource"] = r.Plural,
                    ["responseKind"] = new JsonObject { ["group"] = r.Group, ["version"] = r.Version, ["kind"] = r.Kind },
                    ["scope"] = r.Namespaced ? "Namespaced" : "Cluster",
                    ["singularResource"] = r.Singular,
                    ["verbs"] = Strings(r.Verbs),
                };
                if (r.ShortNames.Count > 0)
                {
                    entry["shortNames"] = Strings(r.ShortNames);
                }

                if (r.Categories.Count > 0)
                {
                    entry["categories"] = Strings(r.Categories);
                }

                var subresources = Subresources(r).Select(s => (JsonNode)new JsonObject
                {
                    ["subresource"] = s.Name,
                    ["responseKind"] = new JsonObject { ["group"] = s.Kind == "Scale" ? "autoscaling" : r.Group, ["version"] = "v1", ["kind"] = s.Kind },
                    ["verbs"] = Strings(s.Verbs),
                }).ToArray();
                if (subresources.Length > 0)
                {
                    entry["subresources"] = new JsonArray(subresources);
                }

                resources.Add(entry);
            }
        }

        return resources;
    }

    /// <summary>An object as the API server writes it: with its kind and apiVersion.</summary>
    public static JsonObject Object(IKubernetesObject<V1ObjectMeta> value, ApiResource resource)
    {
        var json = JsonNode.Parse(KubernetesJson.Serialize(value))!.AsObject();
        // kind and apiVersion first, as the API server encodes them
        json.Remove("kind");
        json.Remove("apiVersion");
        var ordered = new JsonObject { ["kind"] = resource.Kind, ["apiVersion"] = resource.GroupVersion };
        foreach (var (key, node) in json.ToList())
        {
            json.Remove(key);
            ordered[key] = node;
        }

        return ordered;
    }

    /// <summary>A list (PodList, …): items without kind and apiVersion, as the API server lists them.</summary>
    public static JsonObject List(ApiResource resource, IEnumerable<IKubernetesObject<V1ObjectMeta>> items, long resourceVersion)
    {
        var array = new JsonArray();
        foreach (var item in items)
        {
            var json = Object(item, resource);
            json.Remove("kind");
            json.Remove("apiVersion");
            array.Add(json);
        }

        return new JsonObject
        {
            ["kind"] = resource.ListKind,
            ["apiVersion"] = resource.GroupVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            ["items"] = array,
        };
    }

    /// <summary>How much of each object a Table row embeds (the includeObject parameter).</summary>
    public enum IncludeObject { None, Metadata, Object }

    /// <summary>
    /// A meta.k8s.io/v1 Table, what `kubectl get` asks for and prints as it comes: the printers' columns and cells,
    /// each row with its object (by default as PartialObjectMetadata).
    /// </summary>
    public static JsonObject Table(ApiResource resource, IEnumerable<IKubernetesObject<V1ObjectMeta>> items, long? resourceVersion, DateTimeOffset now, IncludeObject include, bool columnDefinitions = true)
    {
        var table = new JsonObject { ["kind"] = "Table", ["apiVersion"] = "meta.k8s.io/v1" };
        var metadata = new JsonObject();
        if (resourceVersion is { } rv)
        {
            metadata["resourceVersion"] = rv.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        table["metadata"] = metadata;
        table["columnDefinitions"] = columnDefinitions
            ? new JsonArray((resource.Custom is null ? TablePrinters.Columns(resource.Plural) : CustomResources.Columns(resource)).Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name,
                ["type"] = c.Type,
                ["format"] = c.Format,
                ["description"] = c.Description,
                ["priority"] = c.Priority,
            }).ToArray())
            : null;
        var rows = new JsonArray();
        foreach (var item in items)
        {
            var row = new JsonObject
            {
                ["cells"] = new JsonArray((resource.Custom is null ? TablePrinters.Cells(resource.Plural, item, now) : CustomResources.Cells(resource, item, now)).Select(Cell).ToArray()),
            };
            var conditions = resource.Custom is null ? TablePrinters.RowConditions(resource.Plural, item) : [];
            if (conditions.Count > 0)
            {
                row["conditions"] = new JsonArray(conditions.Select(c => (JsonNode)new JsonObject
                {
                    ["type"] = c.Type,
                    ["status"] = c.Status,
                    ["reason"] = c.Reason,
                    ["message"] = c.Message,
                }).ToArray());
            }

            switch (include)
            {
                case IncludeObject.Object:
                    row["object"] = Object(item, resource);
                    break;
                case IncludeObject.Metadata:
                    row["object"] = new JsonObject
                    {
                        ["kind"] = "PartialObjectMetadata",
                        ["apiVersion"] = "meta.k8s.io/v1",
                        ["metadata"] = JsonNode.Parse(KubernetesJson.Serialize(item.Metadata)),
                    };
                    break;
            }

            rows.Add(row);
        }

        table["rows"] = rows;
        return table;
    }

    private static JsonNode? Cell(object? value) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        bool b => JsonValue.Create(b),
        double d => JsonValue.Create(d),
        JsonNode node => node.DeepClone(),
        _ => JsonValue.Create(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)),
    };

    public static JsonObject WatchEvent(string type, JsonNode @object) => new() { ["type"] = type, ["object"] = @object };

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
}
