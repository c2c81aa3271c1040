using System.Text.Json;
using System.Text.Json.Nodes;
using KubeLab.Cli.Rendering;
using KubeLab.Core;
using KubeLab.Core.Api;
using KubeLab.Core.Control;
using KubeLab.Realize.Live;

namespace KubeLab.Cli.Commands;

/// <summary>
/// `kubelab get` against the lab's own API server, as kubectl get works: the types are resolved through the server's
/// discovery (every resource it serves, custom ones too; `all` is its "all" category), lists and objects come from
/// the server with the selectors applied there, and tables are the server's Tables printed by kubectl's rules
/// (columns of priority 0, all with -o wide; NAMESPACE with -A; kind/name when several kinds; LABELS with
/// --show-labels). Other formats print the objects the server returned.
/// </summary>
internal static class GetThroughApi
{
    /// <summary>What kubectl get asks for when it prints a table (it falls back to JSON when a server has no Tables).</summary>
    private const string TableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

    public sealed record Request(
        string Types,
        IReadOnlyList<string> Names,
        string Namespace,
        bool AllNamespaces,
        string? Format,
        string? LabelSelector,
        string? FieldSelector,
        bool NoHeaders,
        bool ShowLabels,
        bool ShowManagedFields);

    public static int Run(CliContext context, LiveCluster api, PhaseTimings timings, Request request)
    {
        var wanted = Requested(api.Resources(), request.Types, request.Names);
        timings.Mark("discovery");
        if (request.AllNamespaces && wanted.Any(w => w.Names.Count > 0))
        {
            throw KubeLabException.Usage("error: a resource cannot be retrieved by name across all namespaces");
        }

        var errors = new List<KubeLabException>();
        var allNamespaced = !request.AllNamespaces && wanted.All(w => w.Resource.Namespaced);
        var noResources = allNamespaced ? $"No resources found in {request.Namespace} namespace." : "No resources found";
        int code;
        if (GetCommand.PrintsObjects(request.Format))
        {
            var items = new List<object>();
            foreach (var (resource, names) in wanted)
            {
                foreach (var answer in Fetch(api, resource, names, request, "application/json", errors))
                {
                    items.AddRange(answer["items"] is JsonArray list ? list.Select(i => Item(i!.AsObject(), resource)) : [answer]);
                }
            }

            // one object named (of one kind) prints as itself, or only its error; anything else as a List (kubectl's
            // single item implied)
            var implied = wanted.Count == 1 && wanted[0].Names.Count == 1;
            code = implied && errors.Count > 0 ? 0 : GetCommand.PrintObjects(context, items, implied && items.Count == 1, request.Format!, request.NoHeaders, request.ShowManagedFields,
                item => KubeObjects.ResourceName(Text(item, "kind"), Text(item, "metadata", "name"), KubeObjects.GroupOf(Text(item, "apiVersion"))), noResources);
        }
        else
        {
            code = PrintTables(context, api, wanted, request, errors, noResources);
        }

        timings.Mark("lists and printing");
        if (errors.Count == 0)
        {
            return code;
        }

        // kubectl prints what it found, then every error
        foreach (var error in errors.SkipLast(1))
        {
            context.Err.WriteLine(error.Message);
        }

        throw errors[^1];
    }

    private static int PrintTables(CliContext context, LiveCluster api, IReadOnlyList<(ApiResource Resource, List<string> Names)> wanted, Request request, List<KubeLabException> errors, string noResources)
    {
        var wide = request.Format == "wide";
        var withKind = wanted.Select(w => w.Resource).Distinct().Count() > 1;
        var written = false;
        foreach (var (resource, names) in wanted)
        {
            var withNamespace = request.AllNamespaces && resource.Namespaced;
            JsonArray? columns = null;
            var rows = new List<IReadOnlyList<string>>();
            foreach (var table in Fetch(api, resource, names, request, TableAccept, errors))
            {
                if (table["kind"]?.GetValue<string>() != "Table")
                {
                    throw KubeLabException.Host($"the API server at {api.Server} answered a list of {resource.QualifiedPlural} without the Table kubectl asks for");
                }

                columns ??= table["columnDefinitions"]!.AsArray();
                foreach (var row in table["rows"]?.AsArray() ?? [])
                {
                    var cells = row!["cells"]!.AsArray();
                    var metadata = row["object"]?["metadata"];
                    var line = new List<string>();
                    if (withNamespace)
                    {
                        line.Add(metadata?["namespace"]?.GetValue<string>() ?? "");
                    }

                    for (var i = 0; i < cells.Count && i < columns.Count; i++)
                    {
                        if (wide || Priority(columns[i]!) == 0)
                        {
                            // kind/name when several kinds print (kubectl's --show-kind)
                            line.Add(i == 0 && withKind ? KubeObjects.ResourceName(resource.Kind, Cell(cells[i]), resource.Group) : Cell(cells[i]));
                        }
                    }

                    if (request.ShowLabels)
                    {
                        line.Add(GetFilters.LabelsColumn(metadata?["labels"] is JsonObject labels
                            ? labels.ToDictionary(l => l.Key, l => l.Value?.GetValue<string>() ?? "", StringComparer.Ordinal)
                            : null));
                    }

                    rows.Add(line);
                }
            }

            if (rows.Count == 0)
            {
                continue;
            }

            if (!request.NoHeaders)
            {
                rows.Insert(0, [
                    .. withNamespace ? ["NAMESPACE"] : Array.Empty<string>(),
                    .. columns!.Where(c => wide || Priority(c!) == 0).Select(c => c!["name"]!.GetValue<string>().ToUpperInvariant()),
                    .. request.ShowLabels ? ["LABELS"] : Array.Empty<string>()]);
            }

            // a blank line between the kinds' tables, unless they have no headers (kubectl's separator)
            if (written && !request.NoHeaders)
            {
                context.Out.WriteLine();
            }

            context.Out.Write(TabWriter.Format(rows));
            written = true;
        }

        if (!written && errors.Count == 0)
        {
            context.Err.WriteLine(noResources);
        }

        return 0;
    }

    /// <summary>
    /// The server's answers for one resource: its list (in the namespace, or all; with the selectors), or each named
    /// object. A name the server does not have is kubectl's error, kept for the end while the others print.
    /// </summary>
    private static List<JsonObject> Fetch(LiveCluster api, ApiResource resource, IReadOnlyList<string> names, Request request, string accept, List<KubeLabException> errors)
    {
        var ns = resource.Namespaced && !request.AllNamespaces ? request.Namespace : null;
        if (names.Count == 0)
        {
            var collection = LiveCluster.ResourcePath(resource.GroupVersion, resource.Plural, ns, null);
            var query = string.Join('&', new[] { ("labelSelector", request.LabelSelector), ("fieldSelector", request.FieldSelector) }
                .Where(q => !string.IsNullOrEmpty(q.Item2))
                .Select(q => $"{q.Item1}={Uri.EscapeDataString(q.Item2!)}"));
            return [api.Get(query.Length == 0 ? collection : $"{collection}?{query}", accept, $"list {resource.QualifiedPlural}")];
        }

        var answers = new List<JsonObject>();
        foreach (var name in names)
        {
            try
            {
                answers.Add(api.Get(LiveCluster.ResourcePath(resource.GroupVersion, resource.Plural, ns, name), accept, $"get {resource.QualifiedPlural} \"{name}\""));
            }
            catch (KubeLabException e) when (e.Kind == FailureKind.NotFound)
            {
                errors.Add(e);
            }
        }

        return answers;
    }

    /// <summary>
    /// kubectl's arguments: `TYPE[,TYPE…] [NAME…]` or `TYPE/NAME …`, each type a resource's plural, singular, short
    /// name or kind, optionally with its group (deployments.apps); `all` is the category.
    /// </summary>
    private static List<(ApiResource Resource, List<string> Names)> Requested(IReadOnlyList<ApiResource> served, string types, IReadOnlyList<string> names)
    {
        var wanted = new List<(ApiResource Resource, List<string> Names)>();
        void Add(ApiResource resource, string? name)
        {
            var index = wanted.FindIndex(w => w.Resource == resource);
            if (index < 0)
            {
                wanted.Add((resource, []));
                index = wanted.Count - 1;
            }

            if (name is not null)
            {
                wanted[index].Names.Add(name);
            }
        }

        if (types.Contains('/', StringComparison.Ordinal))
        {
            foreach (var argument in names.Prepend(types))
            {
                var slash = argument.IndexOf('/', StringComparison.Ordinal);
                if (slash <= 0 || slash == argument.Length - 1)
                {
                    throw KubeLabException.Usage("error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubelab get resource/<resource_name>' instead of 'kubelab get resource resource/<resource_name>'");
                }

                Add(Resolve(served, argument[..slash]), argument[(slash + 1)..]);
            }

            return wanted;
        }

        foreach (var type in types.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var resource in type == "all" ? served.Where(r => r.Categories.Contains("all")) : [Resolve(served, type)])
            {
                Add(resource, null);
            }
        }

        foreach (var (_, list) in wanted)
        {
            list.AddRange(names);
        }

        return wanted;
    }

    /// <summary>A type as kubectl names it (plural, singular, short name or kind; RESOURCE.GROUP), among the server's resources.</summary>
    internal static ApiResource Resolve(IReadOnlyList<ApiResource> served, string type)
    {
        var name = type.ToLowerInvariant();
        static bool Names(ApiResource r, string n) =>
            r.Plural == n || r.Singular == n || r.ShortNames.Contains(n) || r.Kind.Equals(n, StringComparison.OrdinalIgnoreCase);
        if (served.FirstOrDefault(r => Names(r, name)) is { } plain)
        {
            return plain;
        }

        // RESOURCE.GROUP or RESOURCE.VERSION.GROUP
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && served.FirstOrDefault(r => Names(r, name[..dot]) && (r.Group == name[(dot + 1)..] || $"{r.Version}.{r.Group}" == name[(dot + 1)..])) is { } qualified
            ? qualified
            : throw KubeLabException.Usage($"error: the server doesn't have a resource type \"{type}\"");
    }

    /// <summary>A list's item as kubectl prints it: with the kind and apiVersion the list's items have (the printers sort the keys).</summary>
    private static JsonObject Item(JsonObject item, ApiResource resource)
    {
        item["apiVersion"] ??= resource.GroupVersion;
        item["kind"] ??= resource.Kind;
        return item;
    }

    private static long Priority(JsonNode column) => column["priority"]?.GetValue<long>() ?? 0;

    /// <summary>A cell as Go's fmt prints the decoded value: text as it is, numbers and booleans in their JSON form, null as &lt;nil&gt;.</summary>
    private static string Cell(JsonNode? cell) => cell switch
    {
        null => "<nil>",
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        _ => cell.ToJsonString(),
    };

    private static string Text(object item, params string[] path)
    {
        JsonNode? node = item as JsonObject;
        foreach (var key in path)
        {
            node = node?[key];
        }

        return node?.GetValue<string>() ?? "";
    }
}
