using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using KubeLab.Cli.Rendering;
using KubeLab.Core;
using KubeLab.Core.Control;
using KubeLab.Core.Model;

namespace KubeLab.Cli.Commands;

/// <summary>kubectl get's selectors and table options (-l, --field-selector, --no-headers, --show-labels) and the Endpoints table.</summary>
internal static partial class GetFilters
{
    /// <summary>The fields the API server's field selectors take for every kind, and for pods (pkg/registry/core/pod: PodToSelectableFields).</summary>
    private static readonly string[] CommonFields = ["metadata.name", "metadata.namespace"];
    private static readonly string[] PodFields = ["metadata.name", "metadata.namespace", "spec.nodeName", "status.phase"];

    public static Func<string, string?, bool> FieldSelector(string? text, IReadOnlyList<string> kinds)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (_, _) => true;
        }

        var requirements = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(r =>
        {
            var negate = r.Contains("!=", StringComparison.Ordinal);
            var parts = r.Split(negate ? "!=" : r.Contains("==", StringComparison.Ordinal) ? "==" : "=", 2);
            if (parts.Length != 2)
            {
                throw KubeLabException.Usage($"error: invalid field selector: '{r}'");
            }

            var field = parts[0].Trim();
            var supported = kinds.All(k => k == "Pod") ? PodFields : CommonFields;
            if (!supported.Contains(field))
            {
                throw KubeLabException.Usage($"Error from server (BadRequest): Unable to find \"{ControlPlane.Plural(kinds[0])}\" that match label selector \"\", field selector \"{text}\": field label not supported: {field}");
            }

            return (Field: field, Value: parts[1].Trim(), Negate: negate);
        }).ToList();
        return (field, value) => requirements.Where(r => r.Field == field).All(r => (value == r.Value) != r.Negate);
    }

    /// <summary>Fields of a pod a field selector can name.</summary>
    public static IEnumerable<(string Field, string Value)> Fields(Pod pod) =>
    [
        ("metadata.name", pod.Name), ("metadata.namespace", pod.Namespace), ("spec.nodeName", pod.NodeName ?? ""), ("status.phase", pod.Phase.ToString()),
    ];

    /// <summary>kubectl's LABELS column: k=v sorted by key, comma-separated, or &lt;none&gt;.</summary>
    public static string LabelsColumn(IReadOnlyDictionary<string, string>? labels) =>
        labels is null || labels.Count == 0 ? "<none>" : string.Join(',', labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));

    /// <summary>
    /// Re-tabulates a kubectl table without its header (--no-headers: the widths come from the rows alone, as
    /// kubectl's tabwriter sees them) and with a LABELS column (--show-labels).
    /// </summary>
    public static string Retabulate(string table, bool noHeaders, Func<IReadOnlyList<string>, string>? labelsOf)
    {
        var rows = table.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => (IReadOnlyList<string>)CellGap().Split(l.TrimEnd())).ToList();
        if (labelsOf is not null)
        {
            rows = [[.. rows[0], "LABELS"], .. rows.Skip(1).Select(r => (IReadOnlyList<string>)[.. r, labelsOf(r)])];
        }

        return TabWriter.Format(noHeaders ? rows.Skip(1).ToList() : rows);
    }

    // kubectl's tabwriter pads every cell but the last with at least 3 blanks; no cell holds 3 blanks in a row.
    [GeneratedRegex(" {3,}")]
    private static partial Regex CellGap();

    /// <summary>
    /// `kubectl get endpoints`: NAME, ENDPOINTS (ip:port of ready addresses, port by port, at most 3 then
    /// "+ N more..."; &lt;none&gt; when empty; kubectl's formatEndpoints), AGE. Endpoints mirror the slices of a service.
    /// </summary>
    public static string? Endpoints(IReadOnlyList<KubeLab.Core.Model.EndpointSlice> slices, IReadOnlyList<KubeLab.Core.Model.Service> services, bool allNamespaces, DateTimeOffset now)
    {
        if (services.Count == 0)
        {
            return null;
        }

        var rows = new List<IReadOnlyList<string>> { allNamespaces ? ["NAMESPACE", "NAME", "ENDPOINTS", "AGE"] : ["NAME", "ENDPOINTS", "AGE"] };
        foreach (var service in services)
        {
            var mine = slices.Where(s => s.Namespace == service.Namespace && s.ServiceName == service.Name).ToList();
            var list = new List<string>();
            var count = 0;
            foreach (var slice in mine)
            {
                var addresses = slice.Endpoints.Where(e => e.Ready).SelectMany(e => e.Addresses).OrderBy(a => a.ToString(), StringComparer.Ordinal).ToList();
                var ports = slice.Ports.Count == 0 ? [null] : slice.Ports.Select(p => (int?)p.Port).ToList();
                foreach (var port in ports)
                {
                    foreach (var address in addresses)
                    {
                        if (list.Count < 3)
                        {
                            list.Add(port is null ? address.ToString() : new IPEndPoint(address, port.Value).ToString());
                        }

                        count++;
                    }
                }
            }

            var endpoints = list.Count == 0 ? "<none>" : string.Join(',', list) + (count > 3 ? $" + {count - 3} more..." : "");
            var created = mine.Count > 0 ? mine.Min(s => s.Created) : service.Created;
            rows.Add([.. allNamespaces ? new[] { service.Namespace } : [], service.Name, endpoints, Age.Since(created, now)]);
        }

        return TabWriter.Format(rows);
    }

    /// <summary>The labels of the objects of a kind, by namespace/name.</summary>
    public static IReadOnlyDictionary<string, IDictionary<string, string>?> Labels(IEnumerable<IKubernetesObject<V1ObjectMeta>> objects) =>
        objects.GroupBy(o => $"{o.Metadata.NamespaceProperty}/{o.Metadata.Name}", StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IDictionary<string, string>?)g.First().Metadata.Labels, StringComparer.Ordinal);

    public static string Count(int n) => n.ToString(CultureInfo.InvariantCulture);
}
