using System.Text.Json.Nodes;

namespace KubeLab.Core.Api;

/// <summary>
/// The three patch formats of PATCH requests: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and Kubernetes's
/// strategic merge patch (k8s.io/apimachinery/pkg/util/strategicpatch: lists with a patchMergeKey are merged element
/// by element, with the $patch, $deleteFromPrimitiveList, $setElementOrder and $retainKeys directives).
/// </summary>
public static class JsonPatches
{
    /// <summary>RFC 7386: objects merge recursively, null deletes, anything else replaces.</summary>
    public static JsonNode? Merge(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                var merged = Merge(result[key], value);
                result.Remove(key);
                result[key] = merged;
            }
        }

        return result;
    }

    /// <summary>
    /// The merge keys of the built-in types' lists (their Go fields' patchMergeKey tags), by field name: containers,
    /// volumes, env… by name, container ports by containerPort, service ports by port, conditions by type.
    /// </summary>
    internal static string? MergeKey(string field, JsonArray elements) => field switch
    {
        "containers" or "initContainers" or "ephemeralContainers" or "volumes" or "env" or "imagePullSecrets" => "name",
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "ports" => elements.OfType<JsonObject>().Any(e => e.ContainsKey("containerPort")) ? "containerPort" : "port",
        "conditions" => "type",
        "ownerReferences" => "uid",
        "hostAliases" or "podIPs" => "ip",
        "topologySpreadConstraints" => "topologyKey",
        "readinessGates" => "conditionType",
        "addresses" => "type",
        _ => null,
    };

    /// <summary>Lists of scalars that merge as sets (patchStrategy:merge without a key).</summary>
    private static bool MergesAsSet(string field) => field is "finalizers";

    public static JsonNode? StrategicMerge(JsonNode? target, JsonNode? patch) => StrategicMergeObject(target, patch);

    private static JsonNode? StrategicMergeObject(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        if (patchObject["$patch"]?.GetValue<string>() == "replace")
        {
            var replaced = (JsonObject)patchObject.DeepClone();
            replaced.Remove("$patch");
            return replaced;
        }

        if (patchObject["$patch"]?.GetValue<string>() == "delete")
        {
            return null;
        }

        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (key.StartsWith("$setElementOrder/", StringComparison.Ordinal) || key is "$retainKeys" or "$patch")
            {
                continue; // ordering hints and retainKeys do not change what is kept here
            }

            if (key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal))
            {
                var field = key["$deleteFromPrimitiveList/".Length..];
                if (result[field] is JsonArray list && value is JsonArray remove)
                {
                    var drop = remove.Select(r => r?.ToJsonString()).ToHashSet();
                    var kept = list.Where(e => !drop.Contains(e?.ToJsonString())).Select(e => e?.DeepClone()).ToArray();
                    result[field] = new JsonArray(kept);
                }

                continue;
            }

            if (value is null)
            {
                result.Remove(key);
                continue;
            }

            JsonNode? merged = value switch
            {
                JsonArray patchList => MergeList(key, result[key] as JsonArray, patchList),
                JsonObject => StrategicMergeObject(result[key], value),
                _ => value.DeepClone(),
            };
            result.Remove(key);
            if (merged is not null)
            {
                result[key] = merged;
            }
        }

        return result;
    }

    private static JsonArray MergeList(string field, JsonArray? target, JsonArray patch)
    {
        if (MergesAsSet(field))
        {
            var union = (target ?? []).Select(e => e?.DeepClone()).ToList();
            foreach (var element in patch)
            {
                if (union.All(u => u?.ToJsonString() != element?.ToJsonString()))
                {
                    union.Add(element?.DeepClone());
                }
            }

            return new JsonArray(union.ToArray());
        }

        var key = MergeKey(field, patch);
        if (key is null || target is null || patch.Any(e => e is not JsonObject))
        {
            // atomic lists are replaced whole; "$patch: replace" elements are dropped from the result
            return new JsonArray(patch.Where(e => e is not JsonObject o || o["$patch"] is null).Select(e => e?.DeepClone()).ToArray());
        }

        if (patch.OfType<JsonObject>().Any(e => e["$patch"]?.GetValue<string>() == "replace"))
        {
            return new JsonArray(patch.OfType<JsonObject>().Where(e => e["$patch"] is null).Select(e => e.DeepClone()).ToArray());
        }

        var result = target.Select(e => e?.DeepClone()).ToList();
        foreach (var element in patch.OfType<JsonObject>())
        {
            var id = element[key]?.ToJsonString();
            var index = result.FindIndex(e => e is JsonObject o && o[key]?.ToJsonString() == id);
            if (element["$patch"]?.GetValue<string>() == "delete")
            {
                if (index >= 0)
                {
                    result.RemoveAt(index);
                }

                continue;
            }

            if (index >= 0)
            {
                result[index] = StrategicMergeObject(result[index], element);
            }
            else
            {
                var added = (JsonObject)element.DeepClone();
                added.Remove("$patch");
                result.Add(added);
            }
        }

        return new JsonArray(result.ToArray());
    }

    /// <summary>RFC 6902: add, remove, replace, move, copy and test, applied in order to a copy.</summary>
    public static JsonNode? JsonPatch(JsonNode? target, JsonArray operations)
    {
        var document = target?.DeepClone();
        foreach (var operation in operations)
        {
            if (operation is not JsonObject op || op["op"]?.GetValue<string>() is not { } kind || op["path"]?.GetValue<string>() is not { } path)
            {
                throw ApiStatusException.BadRequest("the JSON patch has an operation without \"op\" or \"path\"");
            }

            switch (kind)
            {
                case "add":
                    document = Add(document, path, op["value"]?.DeepClone());
                    break;
                case "remove":
                    document = Remove(document, path, out _);
                    break;
                case "replace":
                    document = Remove(document, path, out _);
                    document = Add(document, path, op["value"]?.DeepClone());
                    break;
                case "move":
                    document = Remove(document, From(op), out var moved);
                    document = Add(document, path, moved);
                    break;
                case "copy":
                    document = Add(document, path, Get(document, From(op))?.DeepClone());
                    break;
                case "test":
                    if (Get(document, path)?.ToJsonString() != op["value"]?.ToJsonString())
                    {
                        throw new ApiStatusException(422, "Invalid", $"the server rejected our request due to an error in our request: testing value {path} failed");
                    }

                    break;
                default:
                    throw ApiStatusException.BadRequest($"Unexpected kind: {kind}");
            }
        }

        return document;
    }

    private static string From(JsonObject op) => op["from"]?.GetValue<string>() ?? throw ApiStatusException.BadRequest("the JSON patch's move or copy has no \"from\"");

    private static string[] Pointer(string path) =>
        path.Length == 0 ? [] : path.TrimStart('/').Split('/').Select(p => p.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();

    private static JsonNode? Get(JsonNode? document, string path) => Get(document, Pointer(path), path);

    private static JsonNode? Get(JsonNode? document, string[] parts, string path)
    {
        var node = document;
        foreach (var part in parts)
        {
            node = node switch
            {
                JsonObject o when o.ContainsKey(part) => o[part],
                JsonArray a when int.TryParse(part, out var i) && i >= 0 && i < a.Count => a[i],
                _ => throw new ApiStatusException(422, "Invalid", $"the server rejected our request due to an error in our request: doc is missing path: \"{path}\""),
            };
        }

        return node;
    }

    private static JsonNode? Add(JsonNode? document, string path, JsonNode? value)
    {
        var parts = Pointer(path);
        if (parts.Length == 0)
        {
            return value;
        }

        var parent = Get(document, parts[..^1], path);
        var last = parts[^1];
        switch (parent)
        {
            case JsonObject o:
                o.Remove(last);
                o[last] = value;
                break;
            case JsonArray a when last == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i <= a.Count:
                a.Insert(i, value);
                break;
            default:
                throw new ApiStatusException(422, "Invalid", $"the server rejected our request due to an error in our request: doc is missing path: \"{path}\"");
        }

        return document;
    }

    private static JsonNode? Remove(JsonNode? document, string path, out JsonNode? removed)
    {
        var parts = Pointer(path);
        if (parts.Length == 0)
        {
            throw new ApiStatusException(422, "Invalid", "the server rejected our request due to an error in our request: cannot remove the whole document");
        }

        var parent = Get(document, parts[..^1], path);
        var last = parts[^1];
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(last):
                removed = o[last];
                o.Remove(last);
                break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i < a.Count:
                removed = a[i];
                a.RemoveAt(i);
                break;
            default:
                throw new ApiStatusException(422, "Invalid", $"the server rejected our request due to an error in our request: doc is missing path: \"{path}\"");
        }

        removed = removed?.DeepClone();
        return document;
    }
}
