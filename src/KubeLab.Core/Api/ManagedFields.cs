using System.Globalization;
using System.Text.Json.Nodes;

namespace KubeLab.Core.Api;

/// <summary>
/// metadata.managedFields for the writes that are not server-side apply (create, update, patch, the scale
/// subresource), as kube-apiserver v1.29's field manager records them (k8s.io/apimachinery/pkg/util/managedfields
/// internal: managedFieldsUpdater, stripMetaManager, structuredMergeManager, and structured-merge-diff's
/// Updater.Update): the old and new objects are compared field by field (typed.Compare: a leaf added, removed or
/// changed; a map, list item or pointer struct added or removed as a whole); the fields the request added or changed
/// are taken from every other manager and given to this one (merged into its earlier entry, keyed by manager,
/// operation, apiVersion and subresource), the fields it removed are taken from everyone, and the entry's time is
/// the write's when the request changed anything. Entries are sorted as the API server sorts them (operation, time,
/// manager, apiVersion, subresource). The field sets and their FieldsV1 keys are server-side apply's
/// (<see cref="ServerSideApply"/>: merge keys, k:{…}, v:…, atomic selectors).
/// </summary>
public static class ManagedFields
{
    /// <summary>validation.FieldManagerMaxLength.</summary>
    private const int MaxManagerLength = 128;

    /// <summary>
    /// managerOrUserAgent: the fieldManager query parameter, else the User-Agent up to its first '/', its unprintable
    /// characters dropped, cut at 128 bytes ("kubectl/v1.29.5 (linux/amd64) kubernetes/…" → "kubectl").
    /// </summary>
    public static string ManagerOf(string? fieldManager, string? userAgent)
    {
        if (!string.IsNullOrEmpty(fieldManager))
        {
            return fieldManager;
        }

        var prefix = (userAgent ?? "").Split('/')[0];
        var kept = new System.Text.StringBuilder();
        var bytes = 0;
        foreach (var rune in prefix.EnumerateRunes())
        {
            if (!IsPrint(rune))
            {
                continue;
            }

            if (bytes + rune.Utf8SequenceLength > MaxManagerLength)
            {
                break;
            }

            bytes += rune.Utf8SequenceLength;
            kept.Append(rune.ToString());
        }

        return kept.ToString();
    }

    /// <summary>
    /// validation.ValidateFieldManager for a write's options (CreateOptions, UpdateOptions, PatchOptions): at most 128
    /// bytes, printable characters only; a 422 as the API server words it.
    /// </summary>
    public static void CheckFieldManager(string? fieldManager, string optionsKind)
    {
        if (string.IsNullOrEmpty(fieldManager))
        {
            return;
        }

        var causes = new List<(string Reason, string Message)>();
        if (System.Text.Encoding.UTF8.GetByteCount(fieldManager) > MaxManagerLength)
        {
            causes.Add(("FieldValueTooLong", $"Too long: must have at most {MaxManagerLength} bytes"));
        }

        var position = 0;
        foreach (var rune in fieldManager.EnumerateRunes())
        {
            if (!IsPrint(rune))
            {
                causes.Add(("FieldValueInvalid", $"Invalid value: {GoQuote(fieldManager)}: invalid character U+{rune.Value:X4} (at position {position})"));
            }

            position += rune.Utf8SequenceLength;
        }

        if (causes.Count > 0)
        {
            var details = new JsonObject
            {
                ["group"] = "meta.k8s.io",
                ["kind"] = optionsKind,
                ["causes"] = new JsonArray([.. causes.Select(c => (JsonNode)new JsonObject { ["reason"] = c.Reason, ["message"] = c.Message, ["field"] = "fieldManager" })]),
            };
            throw new ApiStatusException(422, "Invalid", $"{optionsKind}.meta.k8s.io \"\" is invalid: {(causes.Count == 1 ? "" : "[")}{string.Join(", ", causes.Select(c => "fieldManager: " + c.Message))}{(causes.Count == 1 ? "" : "]")}", details);
        }
    }

    /// <summary>Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.</summary>
    private static bool IsPrint(System.Text.Rune rune) => rune.Value == ' ' || System.Text.Rune.GetUnicodeCategory(rune) is not (
        System.Globalization.UnicodeCategory.Control or System.Globalization.UnicodeCategory.Format or System.Globalization.UnicodeCategory.Surrogate
        or System.Globalization.UnicodeCategory.PrivateUse or System.Globalization.UnicodeCategory.OtherNotAssigned or System.Globalization.UnicodeCategory.LineSeparator
        or System.Globalization.UnicodeCategory.ParagraphSeparator or System.Globalization.UnicodeCategory.SpaceSeparator);

    /// <summary>Go's %q of a string: printable characters as they are, the others escaped.</summary>
    private static string GoQuote(string value)
    {
        var quoted = new System.Text.StringBuilder("\"");
        foreach (var rune in value.EnumerateRunes())
        {
            quoted.Append(rune.Value switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\a' => "\\a",
                '\b' => "\\b",
                '\f' => "\\f",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\v' => "\\v",
                _ when IsPrint(rune) => rune.ToString(),
                < 0x80 => $"\\x{rune.Value:x2}",
                < 0x10000 => $"\\u{rune.Value:x4}",
                _ => $"\\U{rune.Value:x8}",
            });
        }

        return quoted.Append('"').ToString();
    }

    /// <summary>
    /// The managed fields after a create (<paramref name="live"/> null), update or patch of the object itself or of
    /// its status subresource, by <paramref name="manager"/>. <paramref name="ignored"/> are the fields the resource's
    /// strategy resets and so no one owns through this endpoint (status on the main resource of kinds that have one).
    /// Null when no manager owns anything.
    /// </summary>
    public static JsonArray? Update(JsonObject? live, JsonObject updated, string manager, string apiVersion, string? subresource, string time, IReadOnlyList<string> ignored)
    {
        var sent = subresource is null ? Decode(updated["metadata"]?["managedFields"]) : null;
        var entries = sent is { Count: > 0 } ? sent : Decode(live?["metadata"]?["managedFields"]) ?? [];

        var before = Comparable(live ?? EmptyObject(updated));
        var after = Comparable(updated);
        var comparison = FieldSets.Compare(before, after);
        comparison.Filter(ignored);

        var changed = new HashSet<string>(comparison.Added, StringComparer.Ordinal);
        changed.UnionWith(comparison.Modified);
        Take(entries, changed, comparison.Removed);
        Record(entries, changed, manager, apiVersion, subresource, time);
        CapUpdateManagers(entries);
        return Encode(entries);
    }

    /// <summary>
    /// The managed fields after the lab's own components (controllers, scheduler, kubelet — one process, "k3s", on a k3s
    /// server) changed an object from <paramref name="before"/> (null: they made it) to <paramref name="after"/>, whose
    /// entries are kept: each changed field goes to the Update entry <paramref name="writeOf"/> names for it — "" the
    /// object itself, "status" its status subresource, null a field their write does not track (set by the API server's
    /// storage: a binding's nodeName, a deletion's timestamp, a strategy's defaults) — as their separate writes would.
    /// </summary>
    public static JsonArray? ComponentUpdate(JsonObject? before, JsonObject after, string manager, string apiVersion, string time, Func<string, string?> writeOf)
    {
        var entries = Decode(after["metadata"]?["managedFields"]) ?? [];
        var comparison = FieldSets.Compare(Comparable(before ?? EmptyObject(after)), Comparable(after));
        var changed = new HashSet<string>(comparison.Added, StringComparer.Ordinal);
        changed.UnionWith(comparison.Modified);
        changed.ExceptWith(StrippedMeta);
        var writes = changed.Select(path => (Path: path, Write: writeOf(path))).Where(w => w.Write is not null).ToLookup(w => w.Write!, w => w.Path);
        Take(entries, [], comparison.Removed.Where(path => writeOf(path) is not null).ToHashSet(StringComparer.Ordinal));
        foreach (var write in writes.OrderBy(w => w.Key, StringComparer.Ordinal))
        {
            var paths = write.ToHashSet(StringComparer.Ordinal);
            Take(entries, paths, []);
            Record(entries, paths, manager, apiVersion, write.Key.Length == 0 ? null : write.Key, time);
            CapUpdateManagers(entries);
        }

        return Encode(entries);
    }

    /// <summary>The changed fields move to the writer: no earlier entry keeps them; the removed ones are no one's.</summary>
    private static void Take(List<Entry> entries, HashSet<string> changed, HashSet<string> removed)
    {
        foreach (var entry in entries)
        {
            entry.Fields.ExceptWith(changed);
            entry.Fields.ExceptWith(removed);
        }

        entries.RemoveAll(e => e.Fields.Count == 0);
    }

    /// <summary>The writer's entry (manager, Update, apiVersion, subresource) gains the changed fields and the write's time.</summary>
    private static void Record(List<Entry> entries, HashSet<string> changed, string manager, string apiVersion, string? subresource, string time)
    {
        changed.ExceptWith(StrippedMeta);
        if (changed.Count == 0)
        {
            return;
        }

        var id = Identifier(manager, "Update", apiVersion, subresource);
        var mine = entries.FirstOrDefault(e => e.Id == id);
        if (mine is null)
        {
            mine = new Entry(manager, "Update", apiVersion, subresource, null, []);
            entries.Add(mine);
        }

        mine.Fields.UnionWith(changed);
        mine.Time = time;
    }

    /// <summary>An entry's time: the write's, to the second (metav1.Time).</summary>
    public static string TimeOf(DateTimeOffset now) => now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    /// <summary>
    /// A write that is not an apply (the API's create, update and patch, and kubelab's own verbs), as the field manager
    /// records it before the object is stored: <see cref="Update"/> for the main resource, whose write resets the status
    /// when <paramref name="resource"/> has a status subresource; the entries as the client model holds them.
    /// </summary>
    public static List<k8s.Models.V1ManagedFieldsEntry>? ForWrite(JsonObject? live, JsonObject updated, string manager, ApiResource? resource, string apiVersion, DateTimeOffset now)
    {
        var hasStatus = resource is not null && ApiDocuments.Subresources(resource).Any(s => s.Name == "status");
        return ToModel(Update(live, updated, manager, apiVersion, null, TimeOf(now), ResetFields(hasStatus)));
    }

    /// <summary>The entries as the KubernetesClient model holds them (null: none).</summary>
    public static List<k8s.Models.V1ManagedFieldsEntry>? ToModel(JsonArray? entries) =>
        entries is null ? null : k8s.KubernetesJson.Deserialize<List<k8s.Models.V1ManagedFieldsEntry>>(entries.ToJsonString());

    /// <summary>DefaultMaxUpdateManagers: the Update entries an object keeps.</summary>
    public const int MaxUpdateManagers = 10;

    /// <summary>The manager the oldest Update entries are merged into beyond <see cref="MaxUpdateManagers"/>.</summary>
    public const string AncientChanges = "ancient-changes";

    /// <summary>
    /// capManagersManager.capUpdateManagers, after every Update (never after an Apply): beyond 10 Update entries, the
    /// oldest (by time to the second, none first, then by their JSON identifier) are merged per apiVersion into one
    /// "ancient-changes" entry — the first of a version waits for a second to join it — that takes the time of the last
    /// entry merged, until 10 remain.
    /// </summary>
    private static void CapUpdateManagers(List<Entry> entries)
    {
        var updaters = entries.Where(e => e.Operation == "Update").ToList();
        if (updaters.Count <= MaxUpdateManagers)
        {
            return;
        }

        updaters.Sort((a, b) => Seconds(a.Time) != Seconds(b.Time)
            ? Seconds(a.Time).CompareTo(Seconds(b.Time))
            : string.CompareOrdinal(a.JsonIdentifier, b.JsonIdentifier));
        var firstOfVersion = new Dictionary<string, Entry>(StringComparer.Ordinal);
        var length = updaters.Count;
        for (var i = 0; i < updaters.Count && length > MaxUpdateManagers; i++)
        {
            var entry = updaters[i];
            if (!firstOfVersion.TryGetValue(entry.ApiVersion, out var first))
            {
                firstOfVersion[entry.ApiVersion] = entry;
                continue;
            }

            var bucketId = Identifier(AncientChanges, "Update", entry.ApiVersion, null);
            var bucket = entries.FirstOrDefault(e => e.Id == bucketId);
            if (bucket is null)
            {
                // the first entry of the version becomes the bucket
                entries.Remove(first);
                bucket = new Entry(AncientChanges, "Update", entry.ApiVersion, null, first.Time, first.Fields);
                entries.Add(bucket);
                firstOfVersion[entry.ApiVersion] = bucket;
            }

            bucket.Fields.UnionWith(entry.Fields);
            bucket.Time = entry.Time;
            entries.Remove(entry);
            length--;
        }
    }

    /// <summary>
    /// The managed fields after a write of the scale subresource (ScaleHandler.ToParent): when it changed the replicas,
    /// spec.replicas is taken from every entry and owned by the manager's scale entry, in the parent's apiVersion and
    /// without a time (ToParent keeps the parent's times, and the parent never had this entry's identifier).
    /// </summary>
    public static JsonArray? Scale(JsonObject live, bool replicasChanged, string manager, string apiVersion)
    {
        var entries = Decode(live["metadata"]?["managedFields"]) ?? [];
        if (!replicasChanged)
        {
            return Encode(entries);
        }

        var replicas = FieldSets.Path("f:spec", "f:replicas");
        foreach (var entry in entries)
        {
            entry.Fields.Remove(replicas);
        }

        entries.RemoveAll(e => e.Fields.Count == 0);
        entries.Add(new Entry(manager, "Update", apiVersion, "scale", null, [replicas]));
        CapUpdateManagers(entries);
        return Encode(entries);
    }

    /// <summary>The identity and bookkeeping fields no manager owns (stripMetaManager's set).</summary>
    private static readonly string[] StrippedMeta =
    [
        FieldSets.Path("f:apiVersion"),
        FieldSets.Path("f:kind"),
        FieldSets.Path("f:metadata"),
        .. new[] { "name", "namespace", "creationTimestamp", "selfLink", "uid", "clusterName", "generation", "managedFields", "resourceVersion" }
            .Select(f => FieldSets.Path("f:metadata", "f:" + f)),
    ];

    /// <summary>The fields the main resource's strategy resets: status, for the kinds that have a status subresource.</summary>
    public static IReadOnlyList<string> ResetFields(bool hasStatusSubresource) => hasStatusSubresource ? [FieldSets.Path("f:status")] : [];

    /// <summary>
    /// The paths of the fields server-side apply may take from a client-side applier without a conflict
    /// (lastAppliedManager.allowedConflictsFromLastApplied): those the last-applied-configuration annotation sets to
    /// the value the object still has. Null when the object has no such annotation.
    /// </summary>
    public static IReadOnlySet<string>? AllowedByLastApplied(JsonObject live)
    {
        if (live["metadata"]?["annotations"]?[LastAppliedAnnotation]?.GetValue<string>() is not { Length: > 0 } text)
        {
            return null;
        }

        JsonObject lastApplied;
        try
        {
            if (JsonNode.Parse(text) is not JsonObject parsed)
            {
                return null;
            }

            lastApplied = parsed;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }

        var set = FieldSets.Compare(null, lastApplied).Added;
        var differing = FieldSets.Compare(lastApplied, Comparable(live)).Modified;
        set.ExceptWith(differing);
        return set;
    }

    public const string LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

    /// <summary>
    /// buildLastApplied: the applied configuration without its own last-applied annotation, as Go's JSON encoder writes
    /// an unstructured object (keys sorted, &lt; &gt; &amp; escaped, a newline at the end).
    /// </summary>
    public static string LastAppliedOf(JsonObject applied)
    {
        var copy = (JsonObject)applied.DeepClone();
        if (copy["metadata"]?["annotations"] is JsonObject annotations)
        {
            annotations.Remove(LastAppliedAnnotation);
            if (annotations.Count == 0)
            {
                ((JsonObject)copy["metadata"]!).Remove("annotations");
            }
        }

        return GoEncoded(copy);
    }

    /// <summary>
    /// An unstructured object as Go's JSON encoder writes it (json.Marshal of a map, then the encoder's newline):
    /// keys sorted, non-ASCII text as is, &lt; &gt; &amp; escaped.
    /// </summary>
    public static string GoEncoded(JsonNode value)
    {
        var text = CustomResourceSchema.Sorted(value)!.ToJsonString(GoText);
        return text.Replace("<", "\\u003c", StringComparison.Ordinal).Replace(">", "\\u003e", StringComparison.Ordinal).Replace("&", "\\u0026", StringComparison.Ordinal) + "\n";
    }

    private static readonly System.Text.Json.JsonSerializerOptions GoText = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The object as the field manager compares it: defaulted as the API server's decoder defaults it, without managedFields.</summary>
    private static JsonObject Comparable(JsonObject value)
    {
        var copy = (JsonObject)value.DeepClone();
        (copy["metadata"] as JsonObject)?.Remove("managedFields");
        ApiDefaults.Apply(copy);
        return copy;
    }

    /// <summary>
    /// What a create is compared with: the kind's empty Go object as the converter renders it (scope.Creater.New), so
    /// that a struct that is not a pointer is there already (spec, a template's metadata and spec, a Deployment's
    /// strategy) and lists that are not omitempty are null (a pod spec's containers), and only what is new under them
    /// is added. A custom resource's empty object has nothing.
    /// </summary>
    private static JsonObject EmptyObject(JsonObject updated)
    {
        var kind = updated["kind"]?.GetValue<string>() ?? "";
        var apiVersion = updated["apiVersion"]?.GetValue<string>() ?? "";
        var builtin = !apiVersion.Contains('.', StringComparison.Ordinal) || apiVersion.Contains(".k8s.io/", StringComparison.Ordinal);
        if (!builtin)
        {
            return [];
        }

        static JsonObject Template() => new()
        {
            ["metadata"] = new JsonObject { ["creationTimestamp"] = null },
            ["spec"] = new JsonObject { ["containers"] = null },
        };
        var empty = new JsonObject { ["metadata"] = new JsonObject { ["creationTimestamp"] = null } };
        JsonObject? spec = kind switch
        {
            "Pod" => new JsonObject { ["containers"] = null },
            "Deployment" => new JsonObject { ["selector"] = null, ["template"] = Template(), ["strategy"] = new JsonObject() },
            "ReplicaSet" => new JsonObject { ["selector"] = null, ["template"] = Template() },
            "DaemonSet" => new JsonObject { ["selector"] = null, ["template"] = Template(), ["updateStrategy"] = new JsonObject() },
            "StatefulSet" => new JsonObject { ["selector"] = null, ["template"] = Template(), ["serviceName"] = "", ["updateStrategy"] = new JsonObject() },
            "Job" => new JsonObject { ["template"] = Template() },
            "Service" or "Namespace" or "Node" or "PersistentVolumeClaim" or "PersistentVolume" or "Ingress" => [],
            _ => updated["spec"] is JsonObject ? [] : null,
        };
        if (spec is not null)
        {
            empty["spec"] = spec;
        }

        if (kind == "Service")
        {
            empty["status"] = new JsonObject { ["loadBalancer"] = new JsonObject() };
        }
        else if (spec is not null || updated["status"] is JsonObject)
        {
            empty["status"] = new JsonObject();
        }

        return empty;
    }

    private sealed class Entry(string manager, string operation, string apiVersion, string? subresource, string? time, HashSet<string> fields)
    {
        public string Manager { get; } = manager;
        public string Operation { get; } = operation;
        public string ApiVersion { get; } = apiVersion;
        public string? Subresource { get; } = subresource;
        public string? Time { get; set; } = time;
        public HashSet<string> Fields { get; } = fields;
        public string Id => Identifier(Manager, Operation, ApiVersion, Subresource);

        /// <summary>BuildManagerIdentifier's own text: the entry as JSON without its fields and time (and apiVersion for an Apply).</summary>
        public string JsonIdentifier =>
            "{" + string.Join(",", new[]
            {
                Manager is { Length: > 0 } ? Quoted("manager", Manager) : null,
                Quoted("operation", Operation),
                Operation == "Apply" ? null : Quoted("apiVersion", ApiVersion),
                Subresource is null ? null : Quoted("subresource", Subresource),
            }.OfType<string>()) + "}";

        private static string Quoted(string key, string value) => $"\"{key}\":{System.Text.Json.JsonSerializer.Serialize(value)}";
    }

    /// <summary>BuildManagerIdentifier: manager, operation, the apiVersion for an Update, and the subresource.</summary>
    private static string Identifier(string manager, string operation, string apiVersion, string? subresource) =>
        $"{manager}\n{operation}\n{(operation == "Apply" ? "" : apiVersion)}\n{subresource}";

    /// <summary>DecodeManagedFields; null when an entry is not one the API server would decode.</summary>
    private static List<Entry>? Decode(JsonNode? managedFields)
    {
        if (managedFields is not JsonArray array)
        {
            return null;
        }

        var entries = new List<Entry>();
        foreach (var node in array)
        {
            if (node is not JsonObject entry
                || entry["operation"]?.GetValue<string>() is not ("Apply" or "Update")
                || entry["apiVersion"]?.GetValue<string>() is not { Length: > 0 }
                || entry["fieldsType"]?.GetValue<string>() != "FieldsV1")
            {
                return null;
            }

            var decoded = new Entry(
                entry["manager"]?.GetValue<string>() ?? "",
                entry["operation"]!.GetValue<string>(),
                entry["apiVersion"]!.GetValue<string>(),
                entry["subresource"]?.GetValue<string>() is { Length: > 0 } s ? s : null,
                entry["time"]?.GetValue<string>(),
                FieldSets.FromFieldsV1(entry["fieldsV1"] as JsonObject));
            entries.RemoveAll(e => e.Id == decoded.Id); // one entry per identifier, the last one read wins
            entries.Add(decoded);
        }

        return entries;
    }

    /// <summary>Entries as the API server encodes them: sorted by operation, time (none first), manager, apiVersion, subresource.</summary>
    public static JsonArray Sorted(IEnumerable<JsonObject> entries)
    {
        static string Text(JsonObject e, string key) => e[key]?.GetValue<string>() ?? "";
        return new JsonArray([.. entries
            .OrderBy(e => Text(e, "operation"), StringComparer.Ordinal)
            .ThenBy(e => Seconds(e["time"]?.GetValue<string>()))
            .ThenBy(e => Text(e, "manager"), StringComparer.Ordinal)
            .ThenBy(e => Text(e, "apiVersion"), StringComparer.Ordinal)
            .ThenBy(e => Text(e, "subresource"), StringComparer.Ordinal)]);
    }

    private static long Seconds(string? time) =>
        time is not null && DateTimeOffset.TryParse(time, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t) ? t.ToUnixTimeSeconds() : 0;

    private static JsonArray? Encode(List<Entry> entries)
    {
        if (entries.Count == 0)
        {
            return null;
        }

        var encoded = new List<JsonObject>();
        foreach (var e in entries)
        {
            // metav1.ManagedFieldsEntry's field order
            var entry = new JsonObject { ["manager"] = e.Manager, ["operation"] = e.Operation, ["apiVersion"] = e.ApiVersion };
            if (e.Time is not null)
            {
                entry["time"] = e.Time;
            }

            entry["fieldsType"] = "FieldsV1";
            entry["fieldsV1"] = FieldSets.ToFieldsV1(e.Fields);
            if (e.Subresource is not null)
            {
                entry["subresource"] = e.Subresource;
            }

            encoded.Add(entry);
        }

        return Sorted(encoded);
    }
}
