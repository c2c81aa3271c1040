using System.Text.Json;
using System.Text.Json.Nodes;

namespace KubeLab.Core.Api;

/// <summary>
/// Server-side apply (`kubectl apply --server-side`, PATCH with application/apply-patch+yaml) as the API server's
/// field manager does it for one manager: the applied configuration is merged into the live object with the
/// built-in types' merge keys, the fields the manager applied before and no longer applies are removed, and the
/// manager's set of fields is recorded in metadata.managedFields in the FieldsV1 format (f:field, k:{merge key},
/// v:value, "." for a list element itself). Pure: JSON in, JSON out.
/// A field another manager owns is a conflict (409, structured-merge-diff's merge.Conflicts in the API server's
/// wording) when the configuration would change its value; the same value makes it shared. With force
/// (`--force-conflicts`) the applier takes the conflicting fields from their managers.
/// </summary>
public static class ServerSideApply
{
    /// <summary>The live object after applying <paramref name="applied"/> for <paramref name="manager"/>.</summary>
    /// <param name="allowed">
    /// Conflicting fields (their FieldsV1 paths, <see cref="FieldSets"/>) taken without a conflict: when every conflict is
    /// one of them the apply is forced, else only the others are reported (lastAppliedManager's upgrade from client-side
    /// apply).
    /// </param>
    public static JsonObject Apply(JsonObject? live, JsonObject applied, string manager, string apiVersion, string time, bool force = false, IReadOnlySet<string>? allowed = null)
    {
        var fields = FieldSet(applied);
        var merged = live is null
            ? (JsonObject)applied.DeepClone()
            : (JsonObject)JsonPatches.StrategicMerge(live, applied)!;
        var previous = ManagedEntries(live).FirstOrDefault(e => Is(e, manager, "Apply"))?["fieldsV1"] as JsonObject;
        if (previous is not null)
        {
            // prune: what no other manager (applier or updater) owns, nor anything below it (addBackOwnedItems)
            var others = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in ManagedEntries(live).Where(e => !Is(e, manager, "Apply")))
            {
                others.UnionWith(FieldSets.FromFieldsV1(entry["fieldsV1"] as JsonObject));
            }

            RemoveDropped(merged, previous, fields, "", others);
        }

        var entries = ManagedEntries(live).Where(e => !Is(e, manager, "Apply")).Select(e => (JsonObject)e.DeepClone()).ToList();
        var conflicts = entries
            .SelectMany(e => e["fieldsV1"] is JsonObject owned ? ServerSideApplyConflicts.Find(owned, fields, live, merged).Select(path => (Entry: e, Path: path)) : [])
            .ToList();
        var blocking = conflicts.Where(c => allowed?.Contains(FieldSets.Path([.. c.Path.Keys])) != true).ToList();
        if (blocking.Count > 0 && !force)
        {
            throw ServerSideApplyConflicts.Error(blocking.Select(c => (c.Entry, c.Path.Text)).ToList());
        }

        foreach (var (entry, path) in conflicts)
        {
            ServerSideApplyConflicts.Disown((JsonObject)entry["fieldsV1"]!, path.Keys);
        }

        entries.RemoveAll(e => e["fieldsV1"] is JsonObject { Count: 0 });
        entries.Add(new JsonObject
        {
            ["manager"] = manager,
            ["operation"] = "Apply",
            ["apiVersion"] = apiVersion,
            ["time"] = time,
            ["fieldsType"] = "FieldsV1",
            ["fieldsV1"] = fields,
        });
        var metadata = merged["metadata"] as JsonObject ?? [];
        merged["metadata"] = metadata;
        metadata["managedFields"] = ManagedFields.Sorted(entries);
        return merged;
    }

    private static bool Is(JsonObject entry, string manager, string operation) =>
        entry["manager"]?.GetValue<string>() == manager && entry["operation"]?.GetValue<string>() == operation;

    private static IEnumerable<JsonObject> ManagedEntries(JsonObject? value) =>
        (value?["metadata"]?["managedFields"] as JsonArray)?.OfType<JsonObject>() ?? [];

    /// <summary>
    /// The fields a configuration sets, as FieldsV1. The identity and bookkeeping of an object (apiVersion, kind,
    /// metadata.name, namespace, uid, resourceVersion, managedFields…) and its status are no one's.
    /// </summary>
    public static JsonObject FieldSet(JsonObject applied)
    {
        var set = new JsonObject();
        foreach (var (key, value) in applied)
        {
            if (key is "apiVersion" or "kind" or "status")
            {
                continue;
            }

            if (key == "metadata" && value is JsonObject metadata)
            {
                var owned = new JsonObject();
                foreach (var (field, v) in metadata)
                {
                    if (field is "labels" or "annotations" or "finalizers" or "ownerReferences" or "generateName")
                    {
                        owned["f:" + field] = Fields(field, v);
                    }
                }

                if (owned.Count > 0)
                {
                    set["f:metadata"] = owned;
                }

                continue;
            }

            set["f:" + key] = Fields(key, value);
        }

        return set;
    }

    private static JsonObject Fields(string field, JsonNode? value)
    {
        switch (value)
        {
            case JsonObject obj when !IsAtomic(field):
                var set = new JsonObject();
                foreach (var (key, v) in obj)
                {
                    set["f:" + key] = Fields(key, v);
                }

                return set;
            case JsonArray list when ListKey(field, list) is { } keys:
                var items = new JsonObject();
                foreach (var element in list.OfType<JsonObject>())
                {
                    var item = new JsonObject { ["."] = new JsonObject() };
                    foreach (var (key, v) in element)
                    {
                        item["f:" + key] = Fields(key, v);
                    }

                    items[ElementKey(keys, element)] = item;
                }

                return items;
            case JsonArray list when field is "finalizers":
                var values = new JsonObject();
                foreach (var element in list)
                {
                    values["v:" + element?.ToJsonString()] = new JsonObject();
                }

                return values;
            default:
                return []; // a scalar, or an atomic struct or list: owned whole
        }
    }

    /// <summary>
    /// What the built-in types mark atomic, owned whole: label selectors (+structType=atomic) and a Service's
    /// selector map (+mapType=atomic).
    /// </summary>
    internal static bool IsAtomic(string field) => field is "selector";

    /// <summary>
    /// The keys of the built-in types' associative lists (+listType=map, +listMapKey): the strategic merge keys
    /// (<see cref="JsonPatches.MergeKey"/>), with ports keyed by their number and protocol together as the API server
    /// keys them.
    /// </summary>
    internal static string[]? ListKey(string field, JsonArray list) => JsonPatches.MergeKey(field, list) switch
    {
        null => null,
        var key when field == "ports" => [key, "protocol"],
        var key => [key],
    };

    /// <summary>k:{"containerPort":80,"protocol":"TCP"}: the key fields in order, protocol defaulted as the API server defaults it.</summary>
    internal static string ElementKey(string[] keys, JsonObject element)
    {
        var key = new JsonObject();
        foreach (var k in keys)
        {
            key[k] = element[k]?.DeepClone() ?? (k == "protocol" ? JsonValue.Create("TCP") : null);
        }

        return "k:" + key.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    /// <summary>Removes from <paramref name="value"/> what <paramref name="before"/> owned and <paramref name="now"/> does not.</summary>
    private static bool OwnedByOthers(string path, HashSet<string> others) =>
        others.Contains(path) || others.Any(o => FieldSets.IsUnder(o, path));

    private static string Child(string path, string key) => FieldSets.Child(path, key);

    private static void RemoveDropped(JsonObject value, JsonObject before, JsonObject now, string path, HashSet<string> others)
    {
        foreach (var (key, owned) in before)
        {
            if (key == "." || owned is not JsonObject ownedChildren)
            {
                continue;
            }

            var stillOwned = now[key] as JsonObject;
            if (key.StartsWith("f:", StringComparison.Ordinal))
            {
                var field = key[2..];
                if (stillOwned is null && !OwnedByOthers(Child(path, key), others))
                {
                    value.Remove(field);
                }
                else if (ownedChildren.Count > 0)
                {
                    switch (value[field])
                    {
                        case JsonObject child:
                            RemoveDropped(child, ownedChildren, stillOwned ?? [], Child(path, key), others);
                            break;
                        case JsonArray list:
                            RemoveDroppedElements(list, ownedChildren, stillOwned ?? [], Child(path, key), others);
                            break;
                    }
                }
            }
        }
    }

    private static void RemoveDroppedElements(JsonArray list, JsonObject before, JsonObject now, string path, HashSet<string> others)
    {
        for (var i = list.Count - 1; i >= 0; i--)
        {
            var element = list[i];
            var id = before.Select(kv => kv.Key).FirstOrDefault(k => Matches(k, element));
            if (id is null)
            {
                continue;
            }

            var stillOwned = now[id] as JsonObject;
            if (stillOwned is null && !OwnedByOthers(Child(path, id), others))
            {
                list.RemoveAt(i);
            }
            else if (element is JsonObject obj && before[id] is JsonObject ownedChildren)
            {
                RemoveDropped(obj, ownedChildren, stillOwned ?? [], Child(path, id), others);
            }
        }
    }

    internal static bool Matches(string id, JsonNode? element)
    {
        if (id.StartsWith("v:", StringComparison.Ordinal))
        {
            return element?.ToJsonString() == JsonNode.Parse(id[2..])?.ToJsonString();
        }

        if (!id.StartsWith("k:", StringComparison.Ordinal) || element is not JsonObject obj || JsonNode.Parse(id[2..]) is not JsonObject key)
        {
            return false;
        }

        return key.All(kv => (obj[kv.Key]?.ToJsonString() ?? (kv.Key == "protocol" ? "\"TCP\"" : null)) == kv.Value?.ToJsonString());
    }
}
