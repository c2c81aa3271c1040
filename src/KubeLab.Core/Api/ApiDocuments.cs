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

    /// <summary>An object as a response carries it (a pod template's <c>"creationTimestamp": null</c> too, see <see cref="Control.GoJsonShape"/>).</summary>
    public static JsonObject Served(IKubernetesObject<V1ObjectMeta> value, ApiResource resource) =>
        Control.GoJsonShape.Served(() => Object(value, resource));

    /// <summary>The object's JSON as a response carries it (see <see cref="Served"/>).</summary>
    public static string ServedJson(IKubernetesObject<V1ObjectMeta> value) =>
        Control.GoJsonShape.Served(() => KubernetesJson.Serialize(value));

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
            var json = Served(item, resource);
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
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(16 * 1024);
        WriteTable(buffer, resource, items, resourceVersion, now, include, columnDefinitions);
        return JsonNode.Parse(buffer.WrittenSpan)!.AsObject();
    }

    /// <summary>
    /// <see cref="Table"/> written straight to UTF-8 (what a list answers with, into the response's pipe): no JSON
    /// tree per row, and each row's object metadata from its cached encoding.
    /// </summary>
    public static void WriteTable(System.Buffers.IBufferWriter<byte> buffer, ApiResource resource, IEnumerable<IKubernetesObject<V1ObjectMeta>> items, long? resourceVersion, DateTimeOffset now, IncludeObject include, bool columnDefinitions = true)
    {
        using (var w = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("kind", "Table");
            w.WriteString("apiVersion", "meta.k8s.io/v1");
            w.WriteStartObject("metadata");
            if (resourceVersion is { } rv)
            {
                w.WriteString("resourceVersion", rv.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            w.WriteEndObject();
            if (columnDefinitions)
            {
                w.WriteStartArray("columnDefinitions");
                foreach (var c in resource.Custom is null ? TablePrinters.Columns(resource.Plural) : CustomResources.Columns(resource))
                {
                    w.WriteStartObject();
                    w.WriteString("name", c.Name);
                    w.WriteString("type", c.Type);
                    w.WriteString("format", c.Format);
                    w.WriteString("description", c.Description);
                    w.WriteNumber("priority", c.Priority);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }
            else
            {
                w.WriteNull("columnDefinitions");
            }

            w.WriteStartArray("rows");
            foreach (var item in items)
            {
                w.WriteStartObject();
                w.WriteStartArray("cells");
                foreach (var cell in resource.Custom is null ? TablePrinters.Cells(resource.Plural, item, now) : CustomResources.Cells(resource, item, now))
                {
                    WriteCell(w, cell);
                }

                w.WriteEndArray();
                var conditions = resource.Custom is null ? TablePrinters.RowConditions(resource.Plural, item) : [];
                if (conditions.Count > 0)
                {
                    w.WriteStartArray("conditions");
                    foreach (var c in conditions)
                    {
                        w.WriteStartObject();
                        w.WriteString("type", c.Type);
                        w.WriteString("status", c.Status);
                        w.WriteString("reason", c.Reason);
                        w.WriteString("message", c.Message);
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                }

                switch (include)
                {
                    case IncludeObject.Object:
                        w.WritePropertyName("object");
                        Served(item, resource).WriteTo(w);
                        break;
                    case IncludeObject.Metadata:
                        w.WriteStartObject("object");
                        w.WriteString("kind", "PartialObjectMetadata");
                        w.WriteString("apiVersion", "meta.k8s.io/v1");
                        w.WritePropertyName("metadata");
                        w.WriteRawValue(MetadataJson.GetValue(item, i => KubernetesJson.Serialize(i.Metadata)), skipInputValidation: true);
                        w.WriteEndObject();
                        break;
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }
    }

    /// <summary>A stored object's metadata as JSON, once per instance (stored objects are not changed in place).</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IKubernetesObject<V1ObjectMeta>, string> MetadataJson = [];

    private static void WriteCell(System.Text.Json.Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null:
                w.WriteNullValue();
                break;
            case string s:
                w.WriteStringValue(s);
                break;
            case int i:
                w.WriteNumberValue(i);
                break;
            case long l:
                w.WriteNumberValue(l);
                break;
            case bool b:
                w.WriteBooleanValue(b);
                break;
            case double d:
                w.WriteNumberValue(d);
                break;
            case JsonNode node:
                node.WriteTo(w);
                break;
            default:
                w.WriteStringValue(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
                break;
        }
    }

    public static JsonObject WatchEvent(string type, JsonNode @object) => new() { ["type"] = type, ["object"] = @object };

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
}
