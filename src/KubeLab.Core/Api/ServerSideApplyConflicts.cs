using System.Text.Json.Nodes;

namespace KubeLab.Core.Api;

/// <summary>
/// Server-side apply's conflicts: the fields another manager owns (its FieldsV1) that the applied configuration also
/// sets, to a value other than the live one. Reported as the API server reports them (apimachinery's
/// managedfields/internal/conflict.go: "Apply failed with 1 conflict: conflict with "manager": .spec.replicas", a
/// FieldManagerConflict cause per field), with fieldpath's path syntax (.field, [key=value], [=value]).
/// </summary>
public static class ServerSideApplyConflicts
{
    /// <summary>A conflicting field: its FieldsV1 keys from the root, and its path as fieldpath prints it.</summary>
    public sealed record FieldPath(IReadOnlyList<string> Keys, string Text);

    /// <summary>The fields both sets own whose value the merge changes.</summary>
    public static IEnumerable<FieldPath> Find(JsonObject theirs, JsonObject mine, JsonNode? live, JsonNode? merged) =>
        Walk(theirs, mine, live, merged, [], "");

    private static IEnumerable<FieldPath> Walk(JsonObject theirs, JsonObject mine, JsonNode? live, JsonNode? merged, List<string> keys, string path)
    {
        foreach (var (key, theirChild) in theirs)
        {
            if (key == "." || theirChild is not JsonObject theirSet || mine[key] is not JsonObject mySet)
            {
                continue;
            }

            var (liveChild, mergedChild, segment) = Step(key, live, merged);
            List<string> childKeys = [.. keys, key];
            if (theirSet.Count == 0 || mySet.Count == 0)
            {
                // a leaf (or an atomic value) for one of them: the whole value is compared
                if (liveChild?.ToJsonString() != mergedChild?.ToJsonString())
                {
                    yield return new FieldPath(childKeys, path + segment);
                }

                continue;
            }

            foreach (var conflict in Walk(theirSet, mySet, liveChild, mergedChild, childKeys, path + segment))
            {
                yield return conflict;
            }
        }
    }

    /// <summary>One FieldsV1 key into the live and merged values, and its fieldpath text.</summary>
    private static (JsonNode? Live, JsonNode? Merged, string Segment) Step(string key, JsonNode? live, JsonNode? merged)
    {
        if (key.StartsWith("f:", StringComparison.Ordinal))
        {
            var field = key[2..];
            return ((live as JsonObject)?[field], (merged as JsonObject)?[field], "." + field);
        }

        JsonNode? Element(JsonNode? list) => (list as JsonArray)?.FirstOrDefault(e => ServerSideApply.Matches(key, e));
        if (key.StartsWith("k:", StringComparison.Ordinal) && JsonNode.Parse(key[2..]) is JsonObject fields)
        {
            // PathElement.String of a key: [name="nginx"], [containerPort=80,protocol="TCP"]
            return (Element(live), Element(merged), "[" + string.Join(",", fields.Select(f => $"{f.Key}={f.Value?.ToJsonString()}")) + "]");
        }

        return (Element(live), Element(merged), "[=" + key[2..] + "]");
    }

    /// <summary>Removes a field from a manager's set, and the parents it leaves empty.</summary>
    public static void Disown(JsonObject set, IReadOnlyList<string> keys)
    {
        if (keys.Count == 0 || set[keys[0]] is not JsonObject child)
        {
            return;
        }

        if (keys.Count == 1)
        {
            set.Remove(keys[0]);
            return;
        }

        Disown(child, keys.Skip(1).ToList());
        if (child.Count == 0)
        {
            set.Remove(keys[0]);
        }
    }

    /// <summary>The 409 for the conflicts, each with the manager entry it conflicts with.</summary>
    public static ApiStatusException Error(IReadOnlyList<(JsonObject Entry, string Path)> conflicts)
    {
        var causes = new JsonArray([.. conflicts.Select(c => (JsonNode)new JsonObject
        {
            ["reason"] = "FieldManagerConflict",
            ["message"] = $"conflict with {Manager(c.Entry)}",
            ["field"] = c.Path,
        })]);
        string message;
        if (conflicts.Count == 1)
        {
            message = $"Apply failed with 1 conflict: conflict with {Manager(conflicts[0].Entry)}: {conflicts[0].Path}";
        }
        else
        {
            // grouped by manager, the managers sorted by their encoded identifier
            var lines = conflicts.GroupBy(c => Identifier(c.Entry), StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                .SelectMany(g => g.Select(c => $"- {c.Path}").Prepend($"conflicts with {Manager(g.First().Entry)}:"));
            message = $"Apply failed with {conflicts.Count} conflicts: {string.Join("\n", lines)}";
        }

        return new ApiStatusException(409, "Conflict", message, new JsonObject { ["causes"] = causes });
    }

    /// <summary>printManager: "name", with `using APIVERSION` for an Update, and the subresource when there is one.</summary>
    private static string Manager(JsonObject entry)
    {
        var text = Quoted(entry["manager"]?.GetValue<string>() ?? "");
        if (entry["subresource"]?.GetValue<string>() is { Length: > 0 } subresource)
        {
            text += $" with subresource {Quoted(subresource)}";
        }

        return entry["operation"]?.GetValue<string>() == "Update" ? $"{text} using {entry["apiVersion"]?.GetValue<string>()}" : text;
    }

    /// <summary>The manager's identifier as the field manager encodes it (manager, operation, apiVersion for an Update).</summary>
    private static string Identifier(JsonObject entry)
    {
        var id = new JsonObject { ["manager"] = entry["manager"]?.DeepClone(), ["operation"] = entry["operation"]?.DeepClone() };
        if (entry["operation"]?.GetValue<string>() == "Update")
        {
            id["apiVersion"] = entry["apiVersion"]?.DeepClone();
        }

        return id.ToJsonString();
    }

    /// <summary>Go's %q of a manager name.</summary>
    private static string Quoted(string value) => System.Text.Json.JsonSerializer.Serialize(value, new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
