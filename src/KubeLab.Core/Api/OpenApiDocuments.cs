using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using KubeLab.Core.Model;

namespace KubeLab.Core.Api;

/// <summary>
/// The OpenAPI v3 documents kubectl reads before it writes: /openapi/v3 lists one document per group/version, and
/// each document's paths carry the operations with `x-kubernetes-group-version-kind` and their query parameters.
/// kubectl's default --validate=strict asks whether the PATCH operation of the object's kind takes the
/// `fieldValidation` parameter (k8s.io/cli-runtime query_param_verifier_v3.go); when it does, the server validates.
/// The components carry the object schemas `kubectl explain` reads (<see cref="OpenApiSchemas"/>).
/// </summary>
public static class OpenApiDocuments
{
    public static IEnumerable<(string Group, string Version)> GroupVersions => GroupVersionsOf(ApiResources.Served);

    public static IEnumerable<(string Group, string Version)> GroupVersionsOf(IReadOnlyList<ApiResource> served) =>
        served.Select(r => (r.Group, r.Version)).Distinct();

    /// <summary>"api/v1" or "apis/apps/v1": the key of a group/version in the root document.</summary>
    public static string Key(string group, string version) => group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";

    public static JsonObject Root(IReadOnlyList<ApiResource>? served = null)
    {
        var paths = new JsonObject();
        foreach (var (group, version) in GroupVersionsOf(served ?? ApiResources.Served))
        {
            var key = Key(group, version);
            paths[key] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{key}?hash={Serialized(group, version, served).Hash}" };
        }

        return new JsonObject { ["paths"] = paths };
    }

    /// <summary>
    /// A group/version's document as served, and its hash as the API server puts it in serverRelativeURL and the
    /// ETag (SHA-512 of the bytes, upper-case hex; clients cache by it). Made once per set of resources: the
    /// schemas make a document of up to 1.5 MB.
    /// </summary>
    public static (byte[] Json, string Hash) Serialized(string group, string version, IReadOnlyList<ApiResource>? served = null)
    {
        var resources = (served ?? ApiResources.Served).Where(r => r.Group == group && r.Version == version).OrderBy(r => r.Plural, StringComparer.Ordinal).ToList();
        var key = string.Join('|', resources.Select(r => r.Custom is { } c ? $"{r.Plural}:{c.Definition.Metadata.Uid}:{c.Definition.Metadata.ResourceVersion}" : r.Plural).Prepend($"{group}/{version}"));
        if (Documents.TryGetValue(key, out var cached))
        {
            return cached;
        }

        if (Documents.Count > 64)
        {
            Documents.Clear(); // custom resources' definitions changed many times; start over
        }

        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in GroupVersion(group, version, served))
            {
                if (name == "components")
                {
                    writer.WriteStartObject(name);
                    OpenApiSchemas.WriteComponents(writer, resources);
                    writer.WriteEndObject();
                    continue;
                }

                writer.WritePropertyName(name);
                value!.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        var json = buffer.ToArray();
        Interlocked.Increment(ref builds);
        return Documents[key] = (json, Convert.ToHexString(SHA512.HashData(json)));
    }

    /// <summary>How many documents were made (the server gives the memory of making them back afterwards).</summary>
    public static long Builds => Interlocked.Read(ref builds);

    private static long builds;

    private static readonly ConcurrentDictionary<string, (byte[] Json, string Hash)> Documents = new(StringComparer.Ordinal);

    /// <summary>A group/version's document without its schemas (<see cref="Serialized"/> adds them).</summary>
    public static JsonObject GroupVersion(string group, string version, IReadOnlyList<ApiResource>? served = null)
    {
        var paths = new JsonObject();
        foreach (var resource in (served ?? ApiResources.Served).Where(r => r.Group == group && r.Version == version).OrderBy(r => r.Plural, StringComparer.Ordinal))
        {
            var prefix = group.Length == 0 ? $"/api/{version}" : $"/apis/{group}/{version}";
            var collection = resource.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{resource.Plural}" : $"{prefix}/{resource.Plural}";
            var gvk = new JsonObject { ["group"] = group, ["kind"] = resource.Kind, ["version"] = version };
            var collectionItem = new JsonObject();
            if (resource.Verbs.Contains("list"))
            {
                collectionItem["get"] = Operation($"list{resource.Kind}", "list", gvk, ["fieldSelector", "labelSelector", "limit", "continue", "resourceVersion", "timeoutSeconds", "watch"]);
            }

            if (resource.Verbs.Contains("create"))
            {
                collectionItem["post"] = Operation($"create{resource.Kind}", "post", gvk, ["dryRun", "fieldManager", "fieldValidation"]);
            }

            if (resource.Verbs.Contains("deletecollection"))
            {
                collectionItem["delete"] = Operation($"deletecollection{resource.Kind}", "deletecollection", gvk, ["dryRun", "fieldSelector", "labelSelector", "propagationPolicy"]);
            }

            collectionItem["parameters"] = PathParameters(resource.Namespaced, named: false);
            paths[collection] = collectionItem;

            if (!resource.Verbs.Contains("get"))
            {
                continue; // create-only resources (the access reviews) have no object path
            }

            var item = new JsonObject
            {
                ["get"] = Operation($"read{resource.Kind}", "get", gvk, []),
                ["put"] = Operation($"replace{resource.Kind}", "put", gvk, ["dryRun", "fieldManager", "fieldValidation"]),
                ["delete"] = Operation($"delete{resource.Kind}", "delete", gvk, ["dryRun", "gracePeriodSeconds", "propagationPolicy"]),
                ["patch"] = Operation($"patch{resource.Kind}", "patch", gvk, ["dryRun", "fieldManager", "fieldValidation", "force"]),
                ["parameters"] = PathParameters(resource.Namespaced, named: true),
            };
            paths[$"{collection}/{{name}}"] = item;
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = LabDefaults.K3sVersion },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = new JsonObject() },
        };
    }

    private static JsonObject Operation(string id, string action, JsonObject gvk, IReadOnlyList<string> query) => new()
    {
        ["tags"] = new JsonArray(),
        ["operationId"] = id,
        ["parameters"] = new JsonArray(query.Select(name => (JsonNode)new JsonObject
        {
            ["name"] = name,
            ["in"] = "query",
            ["schema"] = new JsonObject { ["type"] = name is "limit" or "timeoutSeconds" or "gracePeriodSeconds" ? "integer" : name is "watch" or "force" ? "boolean" : "string", ["uniqueItems"] = true },
        }).ToArray()),
        ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
        ["x-kubernetes-action"] = action,
        ["x-kubernetes-group-version-kind"] = gvk.DeepClone(),
    };

    private static JsonArray PathParameters(bool namespaced, bool named)
    {
        var parameters = new JsonArray();
        if (named)
        {
            parameters.Add(new JsonObject { ["name"] = "name", ["in"] = "path", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true } });
        }

        if (namespaced)
        {
            parameters.Add(new JsonObject { ["name"] = "namespace", ["in"] = "path", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true } });
        }

        parameters.Add(new JsonObject { ["name"] = "pretty", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true } });
        return parameters;
    }
}
