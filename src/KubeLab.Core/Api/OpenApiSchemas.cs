using System.Collections.Frozen;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;

namespace KubeLab.Core.Api;

/// <summary>
/// The object schemas in the components of /openapi/v3's documents, which `kubectl explain` reads (it finds the
/// schema whose x-kubernetes-group-version-kind names the kind, then follows its properties and references).
/// Built-in kinds: Kubernetes v1.29's definitions (Api/OpenApi/definitions-v1.29.json.gz, made by
/// scripts/openapi-definitions.py: the release's OpenAPI document, with the enum lists a running API server adds),
/// written in OpenAPI v3's form as kube-openapi's builder3 writes them: references point into #/components/schemas/,
/// and a reference that carries a description sits in an allOf. Custom resources: the CRD version's schema with
/// apiVersion, kind and metadata as apiextensions-apiserver's builder sets them, and its list kind.
/// </summary>
public static class OpenApiSchemas
{
    private const string V2Prefix = "#/definitions/";
    private const string V3Prefix = "#/components/schemas/";
    private const string ObjectMeta = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
    private const string ListMeta = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta";

    /// <summary>The meta types every group/version's operations use (delete bodies, Status replies, watch events).</summary>
    private static readonly string[] OperationTypes =
    [
        "io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList",
        "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions",
        "io.k8s.apimachinery.pkg.apis.meta.v1.Patch",
        "io.k8s.apimachinery.pkg.apis.meta.v1.Status",
        "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent",
    ];

    /// <summary>
    /// The definitions, parsed on demand and held weakly: documents are made once per set of served resources and
    /// kept as bytes, so the parsed definitions (about 5 MB) need not stay in the agent's memory between them.
    /// </summary>
    private static readonly WeakReference<Catalogue?> Held = new(null);
    private static readonly Lock Loading = new();

    private static Catalogue Loaded
    {
        get
        {
            lock (Loading)
            {
                if (!Held.TryGetTarget(out var catalogue) || catalogue is null)
                {
                    catalogue = Load();
                    Held.SetTarget(catalogue);
                }

                return catalogue;
            }
        }
    }

    private sealed record Catalogue(JsonDocument Document, FrozenDictionary<string, JsonElement> ByName, FrozenDictionary<string, string> ByKind);

    /// <summary>The name of the built-in schema of a kind (e.g. io.k8s.api.core.v1.Pod), or null.</summary>
    private static string? NameOf(string group, string version, string kind) =>
        Loaded.ByKind.GetValueOrDefault(GvkKey(group, version, kind));

    /// <summary>
    /// The schemas of a group/version's document, by name: its kinds' and their lists', the operations' meta types
    /// and everything they refer to, in order; custom resources' schemas are written from their definitions.
    /// </summary>
    public static void WriteComponents(Utf8JsonWriter writer, IReadOnlyList<ApiResource> resources)
    {
        var catalogue = Loaded;
        var custom = new SortedDictionary<string, Action>(StringComparer.Ordinal);
        var roots = new List<string>(OperationTypes);
        foreach (var resource in resources)
        {
            if (resource.Custom is { } definition)
            {
                var name = CustomName(resource.Group, resource.Version, resource.Kind);
                custom[name] = () => WriteCustom(writer, resource, definition);
                custom[CustomName(resource.Group, resource.Version, definition.Definition.Spec.Names.ListKind ?? resource.ListKind)] =
                    () => WriteCustomList(writer, resource, definition, name);
                roots.Add(ObjectMeta);
                roots.Add(ListMeta);
                continue;
            }

            foreach (var kind in new[] { resource.Kind, resource.ListKind })
            {
                if (NameOf(resource.Group, resource.Version, kind) is { } name)
                {
                    roots.Add(name);
                }
            }
        }

        var names = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(roots);
        while (pending.TryPop(out var name))
        {
            if (names.Add(name) && catalogue.ByName.TryGetValue(name, out var schema))
            {
                foreach (var reference in References(schema))
                {
                    pending.Push(reference);
                }
            }
        }

        writer.WriteStartObject("schemas");
        foreach (var name in names.Union(custom.Keys).Order(StringComparer.Ordinal))
        {
            if (custom.TryGetValue(name, out var write))
            {
                writer.WritePropertyName(name);
                write();
            }
            else if (catalogue.ByName.TryGetValue(name, out var schema))
            {
                writer.WritePropertyName(name);
                WriteV3(writer, schema);
            }
        }

        writer.WriteEndObject();
    }

    /// <summary>apiextensions-apiserver's name for a custom kind's schema: the group reversed, then version and kind.</summary>
    public static string CustomName(string group, string version, string kind) =>
        $"{string.Join('.', group.Split('.').Reverse())}.{version}.{kind}";

    private static Catalogue Load()
    {
        using var stream = typeof(OpenApiSchemas).Assembly.GetManifestResourceStream("KubeLab.Core.Api.OpenApi.definitions-v1.29.json.gz")
            ?? throw new InvalidOperationException("the OpenAPI definitions are not in the assembly");
        using var unzipped = new GZipStream(stream, CompressionMode.Decompress);
        var document = JsonDocument.Parse(unzipped);
        var byName = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var byKind = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var definition in document.RootElement.EnumerateObject())
        {
            byName[definition.Name] = definition.Value;
            if (definition.Value.TryGetProperty("x-kubernetes-group-version-kind", out var gvks))
            {
                foreach (var gvk in gvks.EnumerateArray())
                {
                    // DeleteOptions, WatchEvent and the like name every group; a kind's own schema is the one named for it
                    var key = GvkKey(gvk.GetProperty("group").GetString()!, gvk.GetProperty("version").GetString()!, gvk.GetProperty("kind").GetString()!);
                    if (!byKind.TryGetValue(key, out var existing) || !existing.EndsWith('.' + gvk.GetProperty("kind").GetString(), StringComparison.Ordinal))
                    {
                        byKind[key] = definition.Name;
                    }
                }
            }
        }

        return new Catalogue(document, byName.ToFrozenDictionary(StringComparer.Ordinal), byKind.ToFrozenDictionary(StringComparer.Ordinal));
    }

    private static string GvkKey(string group, string version, string kind) => $"{group}/{version}/{kind}";

    private static IEnumerable<string> References(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name == "$ref" && property.Value.ValueKind == JsonValueKind.String && property.Value.GetString()!.StartsWith(V2Prefix, StringComparison.Ordinal))
                    {
                        yield return property.Value.GetString()![V2Prefix.Length..];
                    }
                    else
                    {
                        foreach (var reference in References(property.Value))
                        {
                            yield return reference;
                        }
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    foreach (var reference in References(item))
                    {
                        yield return reference;
                    }
                }

                break;
        }
    }

    /// <summary>A v2 schema in v3's form: a $ref with siblings (a description) becomes allOf: [{$ref}] beside them.</summary>
    private static void WriteV3(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                // a string $ref is a reference; JSONSchemaProps' "properties" also has a field named $ref, an object
                var reference = element.TryGetProperty("$ref", out var target) && target.ValueKind == JsonValueKind.String
                    ? V3Prefix + target.GetString()![V2Prefix.Length..]
                    : null;
                var wrapped = reference is not null && element.EnumerateObject().Count() > 1;
                if (wrapped)
                {
                    writer.WriteStartArray("allOf");
                    writer.WriteStartObject();
                    writer.WriteString("$ref", reference);
                    writer.WriteEndObject();
                    writer.WriteEndArray();
                }

                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name == "$ref" && reference is not null)
                    {
                        if (!wrapped)
                        {
                            writer.WriteString("$ref", reference);
                        }

                        continue;
                    }

                    writer.WritePropertyName(property.Name);
                    WriteV3(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteV3(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    /// <summary>
    /// A custom kind's schema as apiextensions-apiserver's builder makes it: the version's structural schema, its
    /// metadata a reference to ObjectMeta, apiVersion and kind as TypeMeta's, and the kind's GVK.
    /// </summary>
    private static void WriteCustom(Utf8JsonWriter writer, ApiResource resource, CustomResourceVersion definition)
    {
        var schema = definition.Version.Schema?.OpenAPIV3Schema is { } declared
            ? JsonNode.Parse(KubernetesJson.Serialize(declared))!.AsObject()
            : new JsonObject { ["type"] = "object" };
        if (definition.Version.Schema?.OpenAPIV3Schema is not null)
        {
            var properties = schema["properties"] as JsonObject ?? [];
            schema["properties"] = properties;
            properties["apiVersion"] = TypeMetaProperty("apiVersion");
            properties["kind"] = TypeMetaProperty("kind");
            properties["metadata"] = new JsonObject
            {
                ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = V3Prefix + ObjectMeta }),
                ["description"] = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
            };
        }

        schema["x-kubernetes-group-version-kind"] = new JsonArray(new JsonObject { ["group"] = resource.Group, ["kind"] = resource.Kind, ["version"] = resource.Version });
        CustomResourceSchema.Sorted(schema)!.WriteTo(writer);
    }

    private static void WriteCustomList(Utf8JsonWriter writer, ApiResource resource, CustomResourceVersion definition, string itemName)
    {
        var listKind = definition.Definition.Spec.Names.ListKind ?? resource.ListKind;
        var schema = new JsonObject
        {
            ["description"] = $"{listKind} is a list of {resource.Kind}",
            ["properties"] = new JsonObject
            {
                ["apiVersion"] = TypeMetaProperty("apiVersion"),
                ["items"] = new JsonObject
                {
                    ["description"] = $"List of {resource.Plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md",
                    ["items"] = new JsonObject { ["$ref"] = V3Prefix + itemName },
                    ["type"] = "array",
                },
                ["kind"] = TypeMetaProperty("kind"),
                ["metadata"] = new JsonObject
                {
                    ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = V3Prefix + ListMeta }),
                    ["description"] = "Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
                },
            },
            ["required"] = new JsonArray("items"),
            ["type"] = "object",
            ["x-kubernetes-group-version-kind"] = new JsonArray(new JsonObject { ["group"] = resource.Group, ["kind"] = listKind, ["version"] = resource.Version }),
        };
        schema.WriteTo(writer);
    }

    /// <summary>TypeMeta's apiVersion or kind, as every built-in kind's schema carries it (Pod's).</summary>
    private static JsonNode TypeMetaProperty(string name) =>
        JsonNode.Parse(Loaded.ByName["io.k8s.api.core.v1.Pod"].GetProperty("properties").GetProperty(name).GetRawText())!;
}
