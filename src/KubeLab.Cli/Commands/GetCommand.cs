using System.CommandLine;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using KubeLab.Cli.Rendering;
using KubeLab.Core;
using KubeLab.Core.Control;
using JsonPathTemplate = KubeLab.Core.Api.JsonPathTemplate;

namespace KubeLab.Cli.Commands;

internal static class GetCommand
{
    public static Command Create(CliContext context)
    {
        var lab = CommonOptions.Lab();
        var ns = CommonOptions.Namespace();
        var all = new Option<bool>("--all-namespaces", "-A") { Description = "list across all namespaces" };
        var output = new Option<string?>("--output", "-o") { Description = "wide, yaml, json, name, jsonpath=TEMPLATE or custom-columns=NAME:PATH,…", HelpName = "FORMAT" };
        output.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string?>();
            if (value is not null and not ("wide" or "yaml" or "json" or "name") && !value.StartsWith("jsonpath=", StringComparison.Ordinal) && !value.StartsWith("custom-columns=", StringComparison.Ordinal))
            {
                // kubectl's wording, with the formats KubeLab has
                result.AddError($"error: unable to match a printer suitable for the output format \"{value}\", allowed formats are: custom-columns,json,jsonpath,name,wide,yaml");
            }
        });
        var types = new Argument<string>("TYPE") { HelpName = "TYPE", Description = "nodes, pods, svc, endpointslices, deployments, replicasets, configmaps, namespaces, … (comma-separated for several; a lab whose agent runs has every resource its API server serves)" };
        types.CompletionSources.Add(_ => ResourceTypes.Names.Where(n => !n.Contains('.', StringComparison.Ordinal)).Order().Select(n => new System.CommandLine.Completions.CompletionItem(n)));
        var names = new Argument<string[]>("NAME") { Arity = ArgumentArity.ZeroOrMore };
        var selector = new Option<string?>("--selector", "-l") { Description = "label selector: k=v, k!=v, 'k in (a,b)', k, !k (comma-separated)", HelpName = "SELECTOR" };
        var fieldSelector = new Option<string?>("--field-selector") { Description = "metadata.name, metadata.namespace; for pods also spec.nodeName, status.phase (=, ==, !=)", HelpName = "SELECTOR" };
        var noHeaders = new Option<bool>("--no-headers") { Description = "print the table without its header" };
        var showLabels = new Option<bool>("--show-labels") { Description = "add a LABELS column" };
        var showManagedFields = new Option<bool>("--show-managed-fields") { Description = "keep the managedFields when printing objects in JSON or YAML format" };
        var kubeconfig = LiveOptions.Kubeconfig();
        var kubeContext = LiveOptions.Context();
        var command = new Command("get", """
            Display objects in kubectl's columns.

            `-o wide`, `-o yaml`, `-o json` and `-o name` as kubectl prints them. A lab whose agent runs answers through
            its API server, as it answers kubectl.

            Examples:
              kubelab get nodes
              kubelab get pods -o wide
              kubelab get svc -o wide
              kubelab get svc -A
              kubelab get endpointslices
              kubelab get pods -l app=nginx --show-labels
              kubelab get pods --field-selector spec.nodeName=vm1 --no-headers
              kubelab get all
              kubelab get ep nginx-service
              kubelab get leases,ipaddresspools -A
              kubelab get pod/test-pod svc/nginx-service
              kubelab get svc,endpointslices,nodes,pods -A -o yaml > cluster.yaml   # input for `rules -f`
              kubelab get pods -A --kubeconfig ~/.kube/config --context prod        # any cluster's API server
            """)
        { lab, ns, all, output, selector, fieldSelector, noHeaders, showLabels, showManagedFields, types, names, kubeconfig, kubeContext };
        command.SetAction(parse =>
        {
            var timings = PhaseTimings.FromEnvironment(context.Err);
            using var live = LiveOptions.Open(context, parse.GetValue(lab)!, parse.GetValue(kubeconfig), parse.GetValue(kubeContext));
            using var labApi = live is null ? LiveOptions.LabApi(context, parse.GetValue(lab)!) : null;
            timings.Mark("open");
            // the lab's API server, or any other (a multipass lab's k3s, --kubeconfig) with aggregated discovery (v1.26+)
            if ((labApi ?? (live?.DiscoveredOrNone().Count > 0 ? live : null)) is { } api)
            {
                // the API server answers, as it answers kubectl: its discovery, lists, selectors and Tables
                return GetThroughApi.Run(context, api, timings, new GetThroughApi.Request(
                    parse.GetValue(types)!, parse.GetValue(names) ?? [], parse.GetValue(ns) ?? api.DefaultNamespace, parse.GetValue(all), parse.GetValue(output),
                    parse.GetValue(selector), parse.GetValue(fieldSelector), parse.GetValue(noHeaders), parse.GetValue(showLabels), parse.GetValue(showManagedFields)));
            }

            var read = live?.Read();
            var state = read?.State ?? context.Load(parse.GetValue(lab)!);
            var snapshot = read?.Snapshot ?? SnapshotBuilder.FromState(state);
            // a lab whose agent died has no API server to say so: kubelab says it, and shows the nodes as the node
            // lifecycle controller would once kubelets stop posting status (NotReady, their pods no longer Ready)
            var agentProblem = read is null ? LabHealth.Degraded(context, state) : null;
            if (agentProblem is not null)
            {
                context.Err.WriteLine($"warning: {agentProblem}");
                snapshot = snapshot with
                {
                    Nodes = [.. snapshot.Nodes.Select(n => n with { Ready = false })],
                    Pods = [.. snapshot.Pods.Select(p => p with { Ready = false })],
                };
            }

            IEnumerable<V1Node> Nodes() => agentProblem is null
                ? read?.Nodes ?? NodeObjects.For(state)
                : NodeObjects.For(state).Select(n => NodeObjects.Unreachable(n, context.Now().UtcDateTime));
            var (kinds, wantedByKind) = Requested(parse.GetValue(types)!, parse.GetValue(names) ?? []);
            var wanted = wantedByKind.Values.SelectMany(n => n).Distinct().ToArray();
            var allNamespaces = parse.GetValue(all);
            var namespaceName = parse.GetValue(ns) ?? live?.DefaultNamespace ?? "default";
            var format = parse.GetValue(output);
            var now = context.Now();
            var labelSelector = parse.GetValue(selector) is { } l ? LabelSelector.Parse(l) : null;
            var fieldMatches = GetFilters.FieldSelector(parse.GetValue(fieldSelector), kinds);
            var labelsByKind = new Dictionary<string, IReadOnlyDictionary<string, IDictionary<string, string>?>>(StringComparer.Ordinal);
            IReadOnlyDictionary<string, IDictionary<string, string>?> LabelsOf(string kind) =>
                labelsByKind.TryGetValue(kind, out var found) ? found : labelsByKind[kind] = GetFilters.Labels(kind switch
                {
                    "Node" => Nodes().Cast<IKubernetesObject<V1ObjectMeta>>(),
                    "Namespace" => NamespaceObjects(state),
                    "Endpoints" => state.Objects.Where(o => o.Kind == "Service").Select(o => o.Object),
                    _ => state.Objects.Where(o => o.Kind == kind).Select(o => o.Object),
                });

            bool Selected(string objectNamespace, string name, string kind, IEnumerable<(string Field, string Value)>? fields = null) =>
                (!ControlPlane.IsNamespaced(kind) || allNamespaces || objectNamespace == namespaceName)
                && (!wantedByKind.TryGetValue(kind, out var only) || only.Count == 0 || only.Contains(name))
                && (labelSelector is null || labelSelector.Matches(LabelsOf(kind).GetValueOrDefault($"{(ControlPlane.IsNamespaced(kind) ? objectNamespace : "")}/{name}") is { } labels ? labels.AsReadOnly() : null))
                && (fields ?? [("metadata.name", name), ("metadata.namespace", objectNamespace)]).All(f => fieldMatches(f.Field, f.Value));

            if (PrintsObjects(format))
            {
                var items = new List<object>();
                foreach (var kind in kinds)
                {
                    var objects = kind == "Node"
                        ? Nodes().Cast<IKubernetesObject<V1ObjectMeta>>()
                        : kind == "Namespace"
                            ? NamespaceObjects(state)
                            : state.Objects.Where(o => o.Kind == kind).Select(o => o.Object);
                    // as the API server lists them: by namespace, then name (its storage keys' order)
                    items.AddRange(objects.OrderBy(o => o.Metadata.NamespaceProperty ?? "", StringComparer.Ordinal).ThenBy(o => o.Metadata.Name, StringComparer.Ordinal).Where(o => Selected(o.Metadata.NamespaceProperty ?? "", o.Metadata.Name, kind, o is V1Pod pod
                        ? [("metadata.name", pod.Metadata.Name), ("metadata.namespace", pod.Metadata.NamespaceProperty ?? ""), ("spec.nodeName", pod.Spec?.NodeName ?? ""), ("status.phase", pod.Status?.Phase ?? "")]
                        : null)));
                }

                MissingNames(wanted, items.Cast<IKubernetesObject<V1ObjectMeta>>().Select(o => o.Metadata.Name), kinds);
                return PrintObjects(context, items, wanted.Length == 1 && kinds.Count == 1 && items.Count == 1, format!, parse.GetValue(noHeaders), parse.GetValue(showManagedFields),
                    item => KubeObjects.ResourceName(((IKubernetesObject<V1ObjectMeta>)item).Kind, ((IKubernetesObject<V1ObjectMeta>)item).Metadata.Name),
                    kinds.All(k => !ControlPlane.IsNamespaced(k)) || allNamespaces ? "No resources found" : $"No resources found in {namespaceName} namespace.");
            }

            var wide = format == "wide";
            var printed = 0;
            var prefix = kinds.Count > 1;
            foreach (var kind in kinds)
            {
                string Name(string name) => prefix ? KubeObjects.ResourceName(kind, name) : name;
                string? table = kind switch
                {
                    "Node" => Table(snapshot.Nodes.Where(n => Selected("", n.Name, kind)).Select(n => n with { Name = Name(n.Name) }).ToList(), list => KubectlTables.Nodes(list, wide, now)),
                    "Pod" => Table(snapshot.Pods.Where(p => Selected(p.Namespace, p.Name, kind, GetFilters.Fields(p))).Select(p => p with { Name = Name(p.Name) }).ToList(), list => KubectlTables.Pods(list, wide, allNamespaces, now)),
                    "Service" => Table(snapshot.Services.Where(s => Selected(s.Namespace, s.Name, kind)).Select(s => s with { Name = Name(s.Name) }).ToList(), list => KubectlTables.Services(list, wide, allNamespaces, now)),
                    "EndpointSlice" => Table(snapshot.EndpointSlices.Where(s => Selected(s.Namespace, s.Name, kind)).Select(s => s with { Name = Name(s.Name) }).ToList(), list => KubectlTables.EndpointSlices(list, allNamespaces, now)),
                    "Deployment" => Table(snapshot.Deployments.Where(d => Selected(d.Namespace, d.Name, kind)).Select(d => d with { Name = Name(d.Name) }).ToList(), list => KubectlTables.Deployments(list, wide, allNamespaces, now)),
                    "ReplicaSet" => Table(snapshot.ReplicaSets.Where(r => Selected(r.Namespace, r.Name, kind)).Select(r => r with { Name = Name(r.Name) }).ToList(), list => KubectlTables.ReplicaSets(list, wide, allNamespaces, now)),
                    "ConfigMap" => Table(state.All<V1ConfigMap>().Where(c => Selected(c.Metadata.NamespaceProperty, c.Metadata.Name, kind)).ToList(), list => TabWriter.Format(
                        [(allNamespaces ? ["NAMESPACE", "NAME", "DATA", "AGE"] : ["NAME", "DATA", "AGE"]),
                         .. list.Select(c => (IReadOnlyList<string>)[.. allNamespaces ? new[] { c.Metadata.NamespaceProperty } : [], Name(c.Metadata.Name), (c.Data?.Count ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture), Age.Since(new DateTimeOffset(DateTime.SpecifyKind(c.Metadata.CreationTimestamp ?? default, DateTimeKind.Utc)), now)])])),
                    "Namespace" => Table(NamespaceObjects(state).Where(o => Selected("", o.Metadata.Name, kind)).ToList(), list => TabWriter.Format(
                        [["NAME", "STATUS", "AGE"], .. list.Select(n => (IReadOnlyList<string>)[Name(n.Metadata.Name), "Active", Age.Since(new DateTimeOffset(DateTime.SpecifyKind(n.Metadata.CreationTimestamp ?? default, DateTimeKind.Utc)), now)])])),
                    "DaemonSet" => ServedTable("daemonsets", state.All<V1DaemonSet>().Where(d => Selected(d.Metadata.NamespaceProperty, d.Metadata.Name, kind)).ToList(), Name, wide, allNamespaces, now),
                    "Job" => ServedTable("jobs", state.All<V1Job>().Where(j => Selected(j.Metadata.NamespaceProperty, j.Metadata.Name, kind)).ToList(), Name, wide, allNamespaces, now),
                    "Endpoints" => GetFilters.Endpoints(snapshot.EndpointSlices, snapshot.Services.Where(s => Selected(s.Namespace, s.Name, kind)).Select(s => s with { Name = Name(s.Name) }).ToList(), allNamespaces, now),
                    "Event" => Table(state.All<Corev1Event>().Where(e => Selected(e.Metadata.NamespaceProperty, e.Metadata.Name, kind))
                        .OrderBy(e => e.Metadata.NamespaceProperty, StringComparer.Ordinal).ThenBy(e => e.Metadata.Name, StringComparer.Ordinal).ToList(), list => TabWriter.Format(
                        [(allNamespaces ? ["NAMESPACE", "LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"] : ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]),
                         .. list.Select(e => KubeLab.Core.Api.TablePrinters.Cells("events", e, now) is var c
                            ? (IReadOnlyList<string>)[.. allNamespaces ? new[] { e.Metadata.NamespaceProperty } : [], $"{c[0]}", $"{c[1]}", $"{c[2]}", $"{c[3]}", $"{c[6]}"]
                            : [])])),
                    _ => null,
                };
                if (table is null)
                {
                    continue;
                }

                if (parse.GetValue(noHeaders) || parse.GetValue(showLabels))
                {
                    var nameColumn = allNamespaces && ControlPlane.IsNamespaced(kind) ? 1 : 0;
                    table = GetFilters.Retabulate(table, parse.GetValue(noHeaders), parse.GetValue(showLabels)
                        ? row => GetFilters.LabelsColumn(LabelsOf(kind).GetValueOrDefault(
                            $"{(nameColumn == 1 ? row[0] : ControlPlane.IsNamespaced(kind) ? namespaceName : "")}/{row[nameColumn][(row[nameColumn].IndexOf('/', StringComparison.Ordinal) + 1)..]}")?.AsReadOnly())
                        : null);
                }

                if (printed++ > 0 && !parse.GetValue(noHeaders))
                {
                    context.Out.WriteLine();
                }

                context.Out.Write(table);
            }

            if (printed == 0)
            {
                MissingNames(wanted, [], kinds);
                context.Err.WriteLine(kinds.All(k => !ControlPlane.IsNamespaced(k)) || allNamespaces
                    ? "No resources found"
                    : $"No resources found in {namespaceName} namespace.");
            }

            return 0;
        });
        return command;
    }

    /// <summary>Whether an output format prints the objects (yaml, json, name, jsonpath=, custom-columns=), not kubectl's table.</summary>
    internal static bool PrintsObjects(string? format) =>
        format is "yaml" or "json" or "name"
        || format?.StartsWith("jsonpath=", StringComparison.Ordinal) == true
        || format?.StartsWith("custom-columns=", StringComparison.Ordinal) == true;

    /// <summary>
    /// kubectl's printers of objects: -o yaml and json (the object when one was named, else a v1 List; managedFields
    /// only when asked), name, jsonpath= (applied to the object or the List) and custom-columns=. The items are typed
    /// objects or the API server's JSON.
    /// </summary>
    internal static int PrintObjects(CliContext context, IReadOnlyList<object> items, bool single, string format, bool noHeaders, bool showManagedFields, Func<object, string> resourceName, string noResources)
    {
        if (format.StartsWith("jsonpath=", StringComparison.Ordinal))
        {
            // kubectl applies the template to the object, or to the List of them.
            var jsonPath = JsonPathTemplate.Parse(Unquote(format["jsonpath=".Length..]));
            context.Out.Write(jsonPath.Execute(JsonNode.Parse(ObjectPrinter.Json(items, single))));
            return 0;
        }

        if (format.StartsWith("custom-columns=", StringComparison.Ordinal))
        {
            var columns = CustomColumns(format["custom-columns=".Length..]);
            if (items.Count == 0)
            {
                context.Err.WriteLine(noResources);
                return 0;
            }

            var rows = new List<IReadOnlyList<string>>();
            if (!noHeaders)
            {
                rows.Add([.. columns.Select(c => c.Header)]);
            }

            foreach (var item in items)
            {
                var node = JsonNode.Parse(KubeObjects.ToJson(item));
                // several values of one column are joined by ","; none is "<none>" (kubectl's custom-columns printer)
                rows.Add([.. columns.Select(c => c.Path.Values(node) is { Count: > 0 } v ? string.Join(',', v) : "<none>")]);
            }

            context.Out.Write(TabWriter.Format(rows));
            return 0;
        }

        if (format is "yaml" or "json" && !showManagedFields)
        {
            // kubectl 1.21+ prints JSON and YAML without managedFields unless asked (OmitManagedFieldsPrinter)
            items = [.. items.Select(WithoutManagedFields)];
        }

        context.Out.Write(format switch
        {
            "name" => string.Concat(items.Select(o => resourceName(o) + "\n")),
            "json" => ObjectPrinter.Json(items, single),
            _ => ObjectPrinter.Yaml(items, single),
        });
        return 0;
    }

    /// <summary>
    /// The kinds and names asked for: `TYPE[,TYPE…] [NAME…]`, or kubectl's `TYPE/NAME …` form (each argument names
    /// its own type), with kubectl's `all` category (pods, services, deployments, replicasets: what a lab has of it).
    /// </summary>
    private static (List<string> Kinds, Dictionary<string, HashSet<string>> Names) Requested(string type, string[] names)
    {
        var wanted = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var kinds = new List<string>();
        if (type.Contains('/', StringComparison.Ordinal))
        {
            foreach (var argument in names.Prepend(type))
            {
                var slash = argument.IndexOf('/', StringComparison.Ordinal);
                if (slash <= 0 || slash == argument.Length - 1)
                {
                    throw KubeLabException.Usage($"error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubelab get resource/<resource_name>' instead of 'kubelab get resource resource/<resource_name>'");
                }

                var kind = ResourceTypes.Kind(argument[..slash]);
                if (!kinds.Contains(kind))
                {
                    kinds.Add(kind);
                }

                (wanted.TryGetValue(kind, out var set) ? set : wanted[kind] = new HashSet<string>(StringComparer.Ordinal)).Add(argument[(slash + 1)..]);
            }

            return (kinds, wanted);
        }

        foreach (var t in type.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var kind in t == "all" ? ["Pod", "Service", "DaemonSet", "Deployment", "ReplicaSet", "Job"] : new[] { ResourceTypes.Kind(t) })
            {
                if (!kinds.Contains(kind))
                {
                    kinds.Add(kind);
                }
            }
        }

        foreach (var kind in kinds)
        {
            wanted[kind] = names.ToHashSet(StringComparer.Ordinal);
        }

        return (kinds, wanted);
    }

    /// <summary>kubectl's custom-columns spec: HEADER:PATH pairs, each path relaxed to a template ("{.spec.nodeName}"); several values joined by ",".</summary>
    private static List<(string Header, JsonPathTemplate Path)> CustomColumns(string spec)
    {
        var columns = new List<(string, JsonPathTemplate)>();
        foreach (var column in spec.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = column.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw KubeLabException.Usage($"error: unexpected custom-columns spec: {column}, expected <header>:<json-path-expr>");
            }

            var path = column[(colon + 1)..].Trim();
            path = path.StartsWith('{') ? path[1..^1] : path;
            path = path.StartsWith('.') || path.StartsWith('[') ? path : "." + path;
            columns.Add((column[..colon], JsonPathTemplate.Parse("{" + path + "}")));
        }

        return columns;
    }

    private static object WithoutManagedFields(object value)
    {
        switch (value)
        {
            case JsonObject json when json["metadata"] is JsonObject { } metadata && metadata.ContainsKey("managedFields"):
                var copy = (JsonObject)json.DeepClone();
                copy["metadata"]!.AsObject().Remove("managedFields");
                return copy;
            case IKubernetesObject<V1ObjectMeta> typed when typed.Metadata?.ManagedFields is not null:
                var clone = KubeObjects.Clone(typed);
                clone.Metadata.ManagedFields = null;
                return clone;
            default:
                return value;
        }
    }

    private static string Unquote(string template) =>
        template.Length >= 2 && template[0] is '\'' or '"' && template[^1] == template[0] ? template[1..^1] : template;

    private static string? Table<T>(IReadOnlyList<T> items, Func<IReadOnlyList<T>, string> render) => items.Count == 0 ? null : render(items);

    /// <summary>kubectl's printout of the API server's Table for a kind: its columns upper-cased, the wide ones with -o wide.</summary>
    private static string? ServedTable<T>(string resource, IReadOnlyList<T> items, Func<string, string> name, bool wide, bool allNamespaces, DateTimeOffset now)
        where T : k8s.IKubernetesObject<V1ObjectMeta> => Table(items, list =>
    {
        var columns = KubeLab.Core.Api.TablePrinters.Columns(resource).Select((c, i) => (c, i)).Where(c => wide || c.c.Priority == 0).ToList();
        return TabWriter.Format(
            [[.. allNamespaces ? new[] { "NAMESPACE" } : [], .. columns.Select(c => c.c.Name.ToUpperInvariant())],
             .. list.Select(item => KubeLab.Core.Api.TablePrinters.Cells(resource, item, now) is var cells
                ? (IReadOnlyList<string>)[.. allNamespaces ? new[] { item.Metadata.NamespaceProperty } : [], .. columns.Select(c => c.i == 0 ? name(item.Metadata.Name) : Convert.ToString(cells[c.i], System.Globalization.CultureInfo.InvariantCulture) ?? "")]
                : [])]);
    });

    private static void MissingNames(string[] wanted, IEnumerable<string> found, IReadOnlyList<string> kinds)
    {
        var missing = wanted.Except(found).ToList();
        if (missing.Count > 0)
        {
            throw KubeLabException.NotFound($"Error from server (NotFound): {ControlPlane.Plural(kinds[0])} \"{missing[0]}\" not found");
        }
    }

    /// <summary>The built-in namespaces as the cluster made them (or as a client changed them) and the users' own.</summary>
    private static IEnumerable<IKubernetesObject<V1ObjectMeta>> NamespaceObjects(ClusterState state) => Core.Api.ApiObjects.Namespaces(state);
}
