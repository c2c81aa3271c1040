using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace KubeLab.Core.Api;

/// <summary>
/// A custom resource checked against its version's structural schema, as apiextensions-apiserver does before storing
/// it: defaults filled in (structural defaulting), fields the schema does not declare pruned (unless
/// x-kubernetes-preserve-unknown-fields), then validation of types, enums and required fields with kube-openapi's
/// wording ("spec.replicas in body must be of type integer: \"string\""). apiVersion, kind and metadata are the
/// API server's. Pruned fields are reported for fieldValidation (Strict refuses them, Warn warns).
/// </summary>
public static class CustomResourceSchema
{
    /// <summary>Defaults, prunes and validates <paramref name="body"/> in place; returns the pruned fields' paths.</summary>
    public static IReadOnlyList<string> Apply(ApiResource resource, JsonObject body)
    {
        var schema = resource.Custom?.Version.Schema?.OpenAPIV3Schema;
        var pruned = new List<string>();
        if (schema is null)
        {
            return pruned;
        }

        // metadata is ObjectMeta, whatever the schema says (schemaobjectmeta.GetObjectMetaWithOptions): the fields it
        // does not have are unknown fields too, and come first
        pruned.AddRange(UnknownMetadata(body["metadata"]));

        var errors = new List<(string Field, string Type, string Message)>();
        var root = Schema(schema);
        foreach (var (key, value) in body.ToList())
        {
            if (key is "apiVersion" or "kind" or "metadata")
            {
                continue;
            }

            if (Property(root, key) is { } child)
            {
                Walk(value, child, key, pruned, errors, body, key);
            }
            else if (!PreservesUnknown(root))
            {
                body.Remove(key);
                pruned.Add(key);
            }
        }

        Defaults(root, body, "", pruned, errors);
        Required(root, body, "", errors, skipMeta: true);
        if (errors.Count > 0)
        {
            throw ApiStatusException.Invalid(resource, body["metadata"]?["name"]?.GetValue<string>() ?? "", errors);
        }

        return pruned;
    }

    /// <summary>
    /// The value with every object's keys in order, as the API server encodes a custom resource (Go's encoding/json
    /// writes an unstructured object's maps sorted by key).
    /// </summary>
    public static JsonNode? Sorted(JsonNode? value) => value switch
    {
        JsonObject o => new JsonObject(o.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, Sorted(kv.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Sorted)]),
        _ => value?.DeepClone(),
    };

    /// <summary>The schema as JSON (the model's own JSON names: properties, x-kubernetes-…).</summary>
    private static JsonObject Schema(V1JSONSchemaProps schema) => JsonNode.Parse(KubernetesJson.Serialize(schema))!.AsObject();

    private static JsonObject? Property(JsonObject schema, string key) =>
        schema["properties"]?[key] as JsonObject ?? (schema["additionalProperties"] as JsonObject);

    private static bool PreservesUnknown(JsonObject schema) =>
        schema["x-kubernetes-preserve-unknown-fields"]?.GetValueKind() == JsonValueKind.True;

    private static void Walk(JsonNode? value, JsonObject schema, string path, List<string> pruned, List<(string, string, string)> errors, JsonNode parent, string key)
    {
        if (value is null)
        {
            if (schema["nullable"]?.GetValueKind() != JsonValueKind.True)
            {
                // pruning drops a null where the schema does not allow it and a default fills it (structural defaulting)
                if (schema["default"] is { } fallback && parent is JsonObject o)
                {
                    o[key] = fallback.DeepClone();
                }
                else
                {
                    errors.Add((path, "FieldValueInvalid", $"Invalid value: \"null\": {path} in body must be of type {Type(schema) ?? "object"}: \"null\""));
                }
            }

            return;
        }

        var type = Type(schema);
        var intOrString = schema["x-kubernetes-int-or-string"]?.GetValueKind() == JsonValueKind.True;
        var actual = TypeOf(value);
        if (intOrString ? actual is not ("integer" or "string") : type is not null && !Fits(type, actual))
        {
            var expected = intOrString ? "integer,string" : type!;
            errors.Add((path, "FieldValueTypeInvalid", $"Invalid value: \"{actual}\": {path} in body must be of type {expected}: \"{actual}\""));
            return;
        }

        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, value)))
        {
            errors.Add((path, "FieldValueNotSupported", $"Unsupported value: {Quote(value)}: supported values: {string.Join(", ", allowed.Select(Quote))}"));
        }

        switch (value)
        {
            case JsonObject o:
                if (schema["properties"] is JsonObject || schema["additionalProperties"] is JsonObject || !PreservesUnknown(schema))
                {
                    foreach (var (k, v) in o.ToList())
                    {
                        var childPath = $"{path}.{k}";
                        if (Property(schema, k) is { } child)
                        {
                            Walk(v, child, childPath, pruned, errors, o, k);
                        }
                        else if (!PreservesUnknown(schema) && schema["x-kubernetes-embedded-resource"]?.GetValueKind() != JsonValueKind.True)
                        {
                            o.Remove(k);
                            pruned.Add(childPath);
                        }
                    }
                }

                Defaults(schema, o, path, pruned, errors);
                Required(schema, o, path, errors, skipMeta: false);
                break;
            case JsonArray a when schema["items"] is JsonObject items:
                for (var i = 0; i < a.Count; i++)
                {
                    Walk(a[i], items, $"{path}[{i}]", pruned, errors, a, i.ToString(CultureInfo.InvariantCulture));
                }

                break;
        }
    }

    /// <summary>Structural defaulting: a missing property with a default gets it (then it is checked like any value).</summary>
    private static void Defaults(JsonObject schema, JsonObject value, string path, List<string> pruned, List<(string, string, string)> errors)
    {
        if (schema["properties"] is not JsonObject properties)
        {
            return;
        }

        foreach (var (key, property) in properties)
        {
            if (!value.ContainsKey(key) && property?["default"] is { } fallback)
            {
                value[key] = fallback.DeepClone();
                Walk(value[key], property.AsObject(), path.Length == 0 ? key : $"{path}.{key}", pruned, errors, value, key);
            }
        }
    }

    private static void Required(JsonObject schema, JsonObject value, string path, List<(string, string, string)> errors, bool skipMeta)
    {
        foreach (var name in (schema["required"] as JsonArray ?? []).Select(n => n?.GetValue<string>()).OfType<string>())
        {
            if (skipMeta && name is "apiVersion" or "kind" or "metadata")
            {
                continue;
            }

            if (!value.ContainsKey(name))
            {
                errors.Add((path.Length == 0 ? name : $"{path}.{name}", "FieldValueRequired", "Required value"));
            }
        }
    }

    private static string? Type(JsonObject schema) => schema["type"]?.GetValue<string>();

    private static string TypeOf(JsonNode value) => value.GetValueKind() switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Number => value.ToJsonString().Contains('.', StringComparison.Ordinal) || value.ToJsonString().Contains('e', StringComparison.OrdinalIgnoreCase) ? "number" : "integer",
        _ => "null",
    };

    /// <summary>An integer is a number too (kube-openapi's type check).</summary>
    private static bool Fits(string type, string actual) => type == actual || (type == "number" && actual == "integer");

    private static string Quote(JsonNode? value) => value?.GetValueKind() == JsonValueKind.String ? $"\"{value.GetValue<string>()}\"" : value?.ToJsonString() ?? "null";

    /// <summary>The fields of a custom resource's metadata that ObjectMeta does not have ("metadata.lables"), as strict decoding names them.</summary>
    public static IReadOnlyList<string> UnknownMetadata(JsonNode? metadata) =>
        metadata is JsonObject fields
            ? [.. Manifests.StrictDecoder.Check(JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["metadata"] = fields.DeepClone() }), typeof(MetadataOnly)).Unknown.Select(u => u.Text)]
            : [];

    /// <summary>An object's metadata alone, for the strict decoder: ObjectMeta's fields are what metadata may hold.</summary>
    private sealed class MetadataOnly
    {
        [System.Text.Json.Serialization.JsonPropertyName("metadata")]
        public V1ObjectMeta? Metadata { get; set; }
    }
}
