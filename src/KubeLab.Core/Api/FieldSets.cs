using System.Text.Json.Nodes;

namespace KubeLab.Core.Api;

/// <summary>
/// structured-merge-diff's field sets (fieldpath.Set) for the field manager: a set of paths, each path the FieldsV1
/// keys from the object's root ("f:spec", "k:{\"name\":\"nginx\"}", "v:\"x\""), kept as one string with the keys
/// joined by a newline (no key holds one: keys and values are JSON-encoded). FieldsV1 writes a path that is a member
/// and has members below it with a "." key.
/// </summary>
internal static class FieldSets
{
    private const char Separator = '\n';

    public static string Path(params string[] keys) => string.Join(Separator, keys);

    public static string Child(string path, string key) => path.Length == 0 ? key : path + Separator + key;

    /// <summary>Whether <paramref name="path"/> lies below <paramref name="parent"/>.</summary>
    public static bool IsUnder(string path, string parent) => path.StartsWith(parent + Separator, StringComparison.Ordinal);

    public static HashSet<string> FromFieldsV1(JsonObject? fields)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        if (fields is not null)
        {
            Read(fields, "", set);
        }

        return set;
    }

    private static void Read(JsonObject node, string path, HashSet<string> set)
    {
        foreach (var (key, child) in node)
        {
            if (key == ".")
            {
                set.Add(path);
                continue;
            }

            var childPath = Child(path, key);
            if (child is JsonObject { Count: > 0 } children)
            {
                Read(children, childPath, set);
            }
            else
            {
                set.Add(childPath);
            }
        }
    }

    /// <summary>FieldsV1 of a set: keys sorted as PathElement orders them (fields, then keys, then values: f: &lt; k: &lt; v:).</summary>
    public static JsonObject ToFieldsV1(IEnumerable<string> set)
    {
        var root = new Node();
        foreach (var path in set)
        {
            var node = root;
            foreach (var key in path.Split(Separator))
            {
                node = node.Children.TryGetValue(key, out var next) ? next : node.Children[key] = new Node();
            }

            node.Member = true;
        }

        return root.ToJson();
    }

    private sealed class Node
    {
        public SortedDictionary<string, Node> Children { get; } = new(StringComparer.Ordinal);
        public bool Member { get; set; }

        public JsonObject ToJson()
        {
            var json = new JsonObject();
            if (Member && Children.Count > 0)
            {
                json["."] = new JsonObject();
            }

            foreach (var (key, child) in Children)
            {
                json[key] = child.ToJson();
            }

            return json;
        }
    }

    /// <summary>typed.Comparison: the fields the right side added, removed and changed.</summary>
    public sealed class Comparison
    {
        public HashSet<string> Added { get; } = new(StringComparer.Ordinal);
        public HashSet<string> Modified { get; } = new(StringComparer.Ordinal);
        public HashSet<string> Removed { get; } = new(StringComparer.Ordinal);

        /// <summary>FilterFields: drops the ignored paths and everything below them.</summary>
        public void Filter(IReadOnlyList<string> ignored)
        {
            bool Under(string path) => ignored.Any(i => path == i || IsUnder(path, i));
            Added.RemoveWhere(Under);
            Modified.RemoveWhere(Under);
            Removed.RemoveWhere(Under);
        }
    }

    /// <summary>
    /// TypedValue.Compare of two objects (null: nothing): leaves (scalars, atomic maps and lists, and maps or lists
    /// empty on both sides) are added, removed or modified; a map or list item that is not a leaf is added or removed as
    /// a whole when one side lacks it. A null value is there (the empty Go object's `containers: null`), a missing one
    /// is not.
    /// </summary>
    public static Comparison Compare(JsonObject? lhs, JsonObject rhs)
    {
        var comparison = new Comparison();
        Walk("", lhs, lhs is not null, rhs, true, "", comparison);
        return comparison;
    }

    private static void Walk(string field, JsonNode? lhs, bool lhsThere, JsonNode? rhs, bool rhsThere, string path, Comparison c)
    {
        var shape = rhs ?? lhs;
        var sameShape = lhs is null || rhs is null || lhs.GetType() == rhs.GetType();
        switch (shape)
        {
            case JsonObject when sameShape && !ServerSideApply.IsAtomic(field) && !(IsEmpty(lhs) && IsEmpty(rhs)):
                var left = lhs as JsonObject;
                var right = rhs as JsonObject;
                foreach (var key in Keys(left).Union(Keys(right)))
                {
                    Walk(key, left?[key], left?.ContainsKey(key) == true, right?[key], right?.ContainsKey(key) == true, Child(path, "f:" + key), c);
                }

                break;
            case JsonArray when sameShape && !(IsEmpty(lhs) && IsEmpty(rhs)) && ItemKeys(field, lhs as JsonArray, rhs as JsonArray) is { } id:
                var before = Items(lhs as JsonArray, id);
                var after = Items(rhs as JsonArray, id);
                foreach (var key in before.Keys.Union(after.Keys))
                {
                    Walk("", before.GetValueOrDefault(key), before.ContainsKey(key), after.GetValueOrDefault(key), after.ContainsKey(key), Child(path, key), c);
                }

                break;
            default:
                Leaf(lhs, lhsThere, rhs, rhsThere, path, c);
                return;
        }

        // a map or list that is not a leaf: added or removed as a whole
        if (!lhsThere)
        {
            c.Added.Add(path);
        }
        else if (!rhsThere)
        {
            c.Removed.Add(path);
        }
    }

    private static void Leaf(JsonNode? lhs, bool lhsThere, JsonNode? rhs, bool rhsThere, string path, Comparison c)
    {
        if (!lhsThere)
        {
            c.Added.Add(path);
        }
        else if (!rhsThere)
        {
            c.Removed.Add(path);
        }
        else if (!JsonNode.DeepEquals(lhs, rhs))
        {
            c.Modified.Add(path);
        }
    }

    private static IEnumerable<string> Keys(JsonObject? value) => value?.Select(kv => kv.Key) ?? [];

    private static bool IsEmpty(JsonNode? value) => value switch
    {
        null => true,
        JsonObject o => o.Count == 0,
        JsonArray a => a.Count == 0,
        _ => false,
    };

    /// <summary>How a list's items are told apart: by their merge keys, as a set of values (finalizers), or not at all (atomic: null).</summary>
    private static Func<JsonNode?, string?>? ItemKeys(string field, JsonArray? lhs, JsonArray? rhs)
    {
        if (field == "finalizers")
        {
            return item => item is JsonValue ? "v:" + item.ToJsonString() : null;
        }

        // the merge key depends on the items only for ports (a container's by containerPort, a Service's by port)
        var sample = rhs is { Count: > 0 } ? rhs : lhs ?? rhs ?? [];
        return ServerSideApply.ListKey(field, sample) is { } keys
            ? item => item is JsonObject o ? ServerSideApply.ElementKey(keys, o) : null
            : null;
    }

    /// <summary>The list's items by their keys, the first of duplicates kept (indexListPathElements).</summary>
    private static Dictionary<string, JsonNode?> Items(JsonArray? list, Func<JsonNode?, string?> id)
    {
        var items = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var item in list ?? [])
        {
            if (id(item) is { } key)
            {
                items.TryAdd(key, item);
            }
        }

        return items;
    }
}
