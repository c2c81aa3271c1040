using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using KubeLab.Core.Control;
using KubeLab.Core.Manifests;

namespace KubeLab.Core.Api;

/// <summary>
/// The resources the lab's CustomResourceDefinitions define, served as apiextensions-apiserver serves them: each
/// served version of an established definition is a resource (discovery, OpenAPI paths, storage, watch), listed
/// after the built-in ones; a resource the lab already serves with its own type (MetalLB's IPAddressPool and
/// L2Advertisement) keeps that type when its CRD is applied. Tables follow the CRD's additionalPrinterColumns
/// (apiextensions-apiserver pkg/registry/customresource/tableconvertor: Name, then each column's JSONPath value,
/// or Age when the version lists none).
/// </summary>
public static class CustomResources
{
    /// <summary>The verbs apiextensions-apiserver's discovery lists for every custom resource, in its order.</summary>
    private static readonly string[] Verbs = ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"];

    public static IReadOnlyList<ApiResource> Of(ClusterState? state)
    {
        if (state is null)
        {
            return [];
        }

        return [.. state.All<V1CustomResourceDefinition>().Where(Established).SelectMany(Defined)];
    }

    /// <summary>The resources one CRD defines: each served version the lab does not already serve with its own type.</summary>
    private static IEnumerable<ApiResource> Defined(V1CustomResourceDefinition crd)
    {
        var names = crd.Spec.Names;
        foreach (var version in crd.Spec.Versions.Where(v => v.Served))
        {
            if (ApiResources.Find(crd.Spec.Group, version.Name, names.Plural) is not null)
            {
                continue; // served with the lab's own type
            }

            yield return new ApiResource(crd.Spec.Group, version.Name, names.Plural, names.Singular ?? names.Kind.ToLowerInvariant(), names.Kind,
                crd.Spec.Scope == "Namespaced", [.. names.ShortNames ?? []], Verbs, [.. names.Categories ?? []])
            {
                Custom = new CustomResourceVersion(crd, version),
            };
        }
    }

    /// <summary>The built-in resources and the custom ones.</summary>
    public static IReadOnlyList<ApiResource> Served(ClusterState? state) =>
        Of(state) is { Count: > 0 } custom ? [.. ApiResources.Served, .. custom] : ApiResources.Served;

    public static ApiResource? Find(ClusterState? state, string group, string version, string plural) =>
        Of(state).FirstOrDefault(r => r.Group == group && r.Version == version && r.Plural == plural);

    /// <summary>The built-in groups in their order, then the CRDs' groups by name (the aggregator's order for equal priorities).</summary>
    public static IReadOnlyList<string> Groups(IReadOnlyList<ApiResource> served) =>
        [.. ApiResources.Groups, .. served.Select(r => r.Group).Where(g => g.Length > 0 && !ApiResources.Groups.Contains(g)).Distinct().Order(StringComparer.Ordinal)];

    /// <summary>
    /// The versions of a group, the preferred one first (the API server sorts them by Kubernetes version priority:
    /// GA, then beta, then alpha, higher numbers first).
    /// </summary>
    public static IReadOnlyList<string> Versions(IReadOnlyList<ApiResource> served, string group) =>
        [.. served.Where(r => r.Group == group).Select(r => r.Version).Distinct().OrderBy(VersionRank).ThenBy(v => v, StringComparer.Ordinal)];

    /// <summary>version.CompareKubeAwareVersionStrings as a sort key: v2 before v1 before v1beta2 before v1beta1 before v1alpha1 before others.</summary>
    private static (int Stability, int Major, int Minor) VersionRank(string version)
    {
        var match = System.Text.RegularExpressions.Regex.Match(version, "^v([0-9]+)(?:(alpha|beta)([0-9]+))?$");
        if (!match.Success)
        {
            return (3, 0, 0);
        }

        var major = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var stability = match.Groups[2].Value switch { "" => 0, "beta" => 1, _ => 2 };
        var minor = match.Groups[3].Success && match.Groups[3].Value.Length > 0 ? int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture) : 0;
        return (stability, -major, -minor);
    }

    /// <summary>
    /// Objects read from files with kinds KubeLab has no type for (<see cref="Manifests.ManifestReader"/>'s custom
    /// mode), checked as kubectl and the API server would take them, before anything is sent: the kind must be served
    /// by one of the lab's established CRDs (else kubectl's REST mapper's error), and the CRD's schema defaults, prunes
    /// and validates the object, with strict field validation refusing what it pruned. The documents come back as the
    /// API server hands them to the control plane: the stored kind ("Policy.verbs.example.com"), the schema's result,
    /// the scope; other documents as they were.
    /// </summary>
    /// <remarks>A CRD earlier in the documents defines its kinds for the documents after it (the lab establishes a CRD as it stores it).</remarks>
    public static IReadOnlyList<ManifestDocument> Admit(ClusterState state, IReadOnlyList<ManifestDocument> documents)
    {
        if (!documents.Any(d => d.Object is CustomObject))
        {
            return documents;
        }

        var served = Of(state).ToList();
        var admitted = new List<ManifestDocument>();
        foreach (var document in documents)
        {
            var defined = DefinedBy(document);
            served.RemoveAll(r => defined.Any(d => d.Group == r.Group && d.Version == r.Version && d.Plural == r.Plural));
            served.AddRange(defined);

            admitted.Add(document.Object is CustomObject custom ? Admit(Resolve(served, document), document, custom) : document);
        }

        return admitted;
    }

    /// <summary>
    /// The resources a CRD read from a file defines (none for another document, or for a CRD without names or versions:
    /// the control plane's validation says what it lacks).
    /// </summary>
    public static IReadOnlyList<ApiResource> DefinedBy(ManifestDocument document) =>
        document.Object is V1CustomResourceDefinition { Spec: { Group: not null, Names: { Kind: not null, Plural: not null }, Versions: not null } } crd
            ? [.. Defined(crd)]
            : [];

    /// <summary>
    /// Where <c>delete -f</c> finds a document's object in the lab's store: a custom resource by its stored kind, in
    /// its namespace ("default" when it names none) or, cluster-scoped, in none; any other document as it names itself.
    /// </summary>
    public static ObjectRef Target(ClusterState state, ManifestDocument document)
    {
        if (document.Object is not CustomObject custom)
        {
            return new ObjectRef(document.Kind, string.IsNullOrEmpty(document.Namespace) ? "default" : document.Namespace, document.Name);
        }

        var resource = Resolve(Of(state), document);
        return new ObjectRef(custom.StoredKind, resource.Namespaced ? (string.IsNullOrEmpty(document.Namespace) ? "default" : document.Namespace) : "", document.Name);
    }

    /// <summary>
    /// The resource that serves a document's kind and version: kubectl's mapping error when none does, or the lab's
    /// API server's 405 when it serves it without storing it (a StatefulSet).
    /// </summary>
    private static ApiResource Resolve(IReadOnlyList<ApiResource> served, ManifestDocument document)
    {
        if (served.FirstOrDefault(r => r.GroupVersion == document.ApiVersion && r.Kind == document.Kind) is { } resource)
        {
            return resource;
        }

        throw ApiResources.Served.FirstOrDefault(r => r.GroupVersion == document.ApiVersion && r.Kind == document.Kind) is { } builtIn
            ? KubeLabException.Invalid($"{document.Where}: Error from server (MethodNotAllowed): {ApiResources.NotStored(builtIn)}")
            : NotServed(document);
    }

    /// <summary>kubectl's error for an object whose kind the server does not serve (its REST mapper found no match), with the file and line.</summary>
    public static KubeLabException NotServed(ManifestDocument document) => KubeLabException.Invalid(
        $"{document.Where}: resource mapping not found for name: \"{document.Name}\" namespace: \"{document.Namespace}\" from \"{(document.Source == "<stdin>" ? "STDIN" : document.Source)}\": " +
        $"no matches for kind \"{document.Kind}\" in version \"{document.ApiVersion}\"\nensure CRDs are installed first");

    private static ManifestDocument Admit(ApiResource resource, ManifestDocument document, CustomObject custom)
    {
        var body = JsonNode.Parse(KubernetesJson.Serialize(custom))!.AsObject();
        IReadOnlyList<string> pruned;
        try
        {
            pruned = CustomResourceSchema.Apply(resource, body);
        }
        catch (ApiStatusException e)
        {
            throw KubeLabException.Invalid($"{document.Where}: The {e.Message}");
        }

        if (custom.UnknownMetadata.Count + pruned.Count > 0)
        {
            throw KubeLabException.Invalid($"{document.Where}: {StrictDecoder.UnknownFieldsMessage(resource.Kind, resource.Version, [.. custom.UnknownMetadata, .. pruned])}");
        }

        var admitted = KubernetesJson.Deserialize<CustomObject>(CustomResourceSchema.Sorted(body)!.ToJsonString());
        admitted.Namespaced = resource.Namespaced;
        if (!resource.Namespaced)
        {
            admitted.Metadata.NamespaceProperty = null;
        }

        return document with { Kind = admitted.StoredKind, Object = admitted };
    }

    private static bool Established(V1CustomResourceDefinition crd) =>
        crd.Status?.Conditions?.Any(c => c.Type == "Established" && c.Status == "True") == true;

    /// <summary>The subresources a version enables (status, scale), as discovery lists them.</summary>
    public static IEnumerable<(string Name, string Kind, string[] Verbs)> Subresources(ApiResource resource)
    {
        var sub = resource.Custom?.Version.Subresources;
        if (sub?.Scale is not null)
        {
            yield return ("scale", "Scale", ["get", "patch", "update"]);
        }

        if (sub?.Status is not null)
        {
            yield return ("status", resource.Kind, ["get", "patch", "update"]);
        }
    }

    /// <summary>serveDefaultColumnsIfEmpty: the version's columns, or Age from metadata.creationTimestamp.</summary>
    private static IReadOnlyList<V1CustomResourceColumnDefinition> PrinterColumns(ApiResource resource) =>
        resource.Custom?.Version.AdditionalPrinterColumns is { Count: > 0 } columns
            ? [.. columns]
            : [new V1CustomResourceColumnDefinition { Name = "Age", Type = "date", JsonPath = ".metadata.creationTimestamp", Description = SwaggerDoc.Of("ObjectMeta.creationTimestamp") }];

    public static IReadOnlyList<TableColumn> Columns(ApiResource resource) => Columns(PrinterColumns(resource));

    /// <summary>The table's columns for a version's printer columns: Name, then each of them.</summary>
    public static IReadOnlyList<TableColumn> Columns(IReadOnlyList<V1CustomResourceColumnDefinition> printerColumns) =>
    [
        new("Name", "string", "name", 0, SwaggerDoc.Of("ObjectMeta.name")),
        .. printerColumns.Select(c => new TableColumn(c.Name, c.Type, c.Format ?? "", c.Priority ?? 0,
            string.IsNullOrEmpty(c.Description) ? $"Custom resource definition column (in JSONPath format): {c.JsonPath}" : c.Description)),
    ];

    /// <summary>The row: the name, then each column's first JSONPath result as its type wants it (nil when absent or of another type).</summary>
    public static IReadOnlyList<object?> Cells(ApiResource resource, IKubernetesObject<V1ObjectMeta> value, DateTimeOffset now) =>
        Cells(PrinterColumns(resource), value, now);

    public static IReadOnlyList<object?> Cells(IReadOnlyList<V1CustomResourceColumnDefinition> printerColumns, IKubernetesObject<V1ObjectMeta> value, DateTimeOffset now)
    {
        var json = JsonNode.Parse(KubernetesJson.Serialize(value));
        var cells = new List<object?> { value.Metadata?.Name ?? "" };
        foreach (var column in printerColumns)
        {
            var path = column.JsonPath.StartsWith('{') ? column.JsonPath : "{" + column.JsonPath + "}";
            JsonNode? found;
            try
            {
                found = JsonPathTemplate.Parse(path).Results(json).FirstOrDefault();
            }
            catch (KubeLabException)
            {
                found = null;
            }

            cells.Add(found is null ? null : Cell(column.Type, found, now));
        }

        return cells;
    }

    /// <summary>cellForJSONValue; a string column prints any value as the JSONPath printer does.</summary>
    private static object? Cell(string type, JsonNode value, DateTimeOffset now)
    {
        var kind = value.GetValueKind();
        return type switch
        {
            "string" => JsonPathTemplate.PrintValue(value),
            "integer" when kind == JsonValueKind.Number => (long)value.GetValue<double>(),
            "number" when kind == JsonValueKind.Number => value.GetValue<double>(),
            "boolean" when kind is JsonValueKind.True or JsonValueKind.False => value.GetValue<bool>(),
            "date" when kind == JsonValueKind.String => DateTimeOffset.TryParse(value.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
                ? HumanDuration.Since(t.UtcDateTime, now)
                : "<invalid>",
            _ => null,
        };
    }
}
