using k8s.Models;

namespace KubeLab.Core.Api;

public static partial class TablePrinters
{
    private const string NodeRolePrefix = "node-role.kubernetes.io/";
    private const string NodeRoleLabel = "kubernetes.io/role";

    /// <summary>
    /// printNode: STATUS from the Ready condition ("Ready", "NotReady", "Unknown" without one) plus
    /// ",SchedulingDisabled" when cordoned; ROLES from findNodeRoles; VERSION; then the wide columns, with
    /// "&lt;none&gt;" for a missing address and "&lt;unknown&gt;" for missing node info.
    /// </summary>
    private static object?[] Node(V1Node node, DateTimeOffset now)
    {
        var statuses = new List<string>();
        // Go fills a map by condition type, so the last Ready condition wins.
        if ((node.Status?.Conditions ?? []).LastOrDefault(c => c.Type == "Ready") is { } ready)
        {
            statuses.Add(ready.Status == "True" ? "Ready" : "NotReady");
        }
        else
        {
            statuses.Add("Unknown");
        }

        if (node.Spec?.Unschedulable == true)
        {
            statuses.Add("SchedulingDisabled");
        }

        var roles = string.Join(",", NodeRoles(node.Metadata?.Labels));
        var info = node.Status?.NodeInfo;
        return
        [
            Name(node),
            string.Join(",", statuses),
            roles.Length == 0 ? None : roles,
            Age(node, now),
            info?.KubeletVersion ?? "",
            NodeAddress(node, "InternalIP"),
            NodeAddress(node, "ExternalIP"),
            OrUnknown(info?.OsImage),
            OrUnknown(info?.KernelVersion),
            OrUnknown(info?.ContainerRuntimeVersion),
        ];
    }

    /// <summary>findNodeRoles: "node-role.kubernetes.io/&lt;role&gt;" keys and "kubernetes.io/role=&lt;role&gt;", as a sorted set.</summary>
    internal static IReadOnlyList<string> NodeRoles(IDictionary<string, string>? labels)
    {
        var roles = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in labels ?? new Dictionary<string, string>())
        {
            if (key.StartsWith(NodeRolePrefix, StringComparison.Ordinal))
            {
                if (key.Length > NodeRolePrefix.Length)
                {
                    roles.Add(key[NodeRolePrefix.Length..]);
                }
            }
            else if (key == NodeRoleLabel && value.Length > 0)
            {
                roles.Add(value);
            }
        }

        return [.. roles];
    }

    /// <summary>getNodeInternalIP / getNodeExternalIP: the first address of that type.</summary>
    private static string NodeAddress(V1Node node, string type) =>
        (node.Status?.Addresses ?? []).FirstOrDefault(a => a.Type == type)?.Address ?? None;

    private static string OrUnknown(string? value) => string.IsNullOrEmpty(value) ? "<unknown>" : value;

    /// <summary>printNamespace: the phase (the API server sets Active when it creates a namespace).</summary>
    private static object?[] Namespace(V1Namespace ns, DateTimeOffset now) =>
        [Name(ns), ns.Status?.Phase ?? "Active", Age(ns, now)];

    /// <summary>
    /// printEvent: LAST SEEN (lastTimestamp, else first seen; a series' last observation), TYPE, REASON, OBJECT
    /// ("kind/name" in lower case kind), SUBOBJECT, SOURCE, MESSAGE (trimmed), FIRST SEEN (firstTimestamp, else
    /// eventTime), COUNT (a series' count; 1 for a singleton without count), NAME.
    /// </summary>
    private static object?[] Event(Corev1Event e, DateTimeOffset now)
    {
        var firstSeen = HumanDuration.ToOffset(e.FirstTimestamp) is not null
            ? HumanDuration.Since(e.FirstTimestamp, now)
            : HumanDuration.Since(e.EventTime, now);
        var lastSeen = HumanDuration.ToOffset(e.LastTimestamp) is not null ? HumanDuration.Since(e.LastTimestamp, now) : firstSeen;
        long count = e.Count ?? 0;
        if (e.Series is not null)
        {
            lastSeen = HumanDuration.Since(e.Series.LastObservedTime, now);
            count = e.Series.Count ?? 0;
        }
        else if (count == 0)
        {
            count = 1;
        }

        var involved = e.InvolvedObject ?? new V1ObjectReference();
        var kind = (involved.Kind ?? "").ToLowerInvariant();
        var target = string.IsNullOrEmpty(involved.Name) ? kind : kind + "/" + involved.Name;
        return
        [
            lastSeen,
            e.Type ?? "",
            e.Reason ?? "",
            target,
            involved.FieldPath ?? "",
            EventSource(e),
            (e.Message ?? "").Trim(),
            firstSeen,
            count,
            Name(e),
        ];
    }

    /// <summary>formatEventSource: component (else reportingController), then ", host" (else reportingInstance) when there is one.</summary>
    private static string EventSource(Corev1Event e)
    {
        var component = FirstNonEmpty(e.Source?.Component, e.ReportingComponent);
        var instance = FirstNonEmpty(e.Source?.Host, e.ReportingInstance);
        return instance.Length == 0 ? component : component + ", " + instance;
    }

    private static string FirstNonEmpty(string? a, string? b) => !string.IsNullOrEmpty(a) ? a : b ?? "";

    /// <summary>printLease: the holder identity, "" when nobody holds it.</summary>
    private static object?[] Lease(V1Lease lease, DateTimeOffset now) =>
        [Name(lease), lease.Spec?.HolderIdentity ?? "", Age(lease, now)];

    /// <summary>printConfigMap: DATA counts data and binaryData keys.</summary>
    private static object?[] ConfigMap(V1ConfigMap cm, DateTimeOffset now) =>
        [Name(cm), (long)((cm.Data?.Count ?? 0) + (cm.BinaryData?.Count ?? 0)), Age(cm, now)];

    /// <summary>
    /// printSecret: TYPE (the API server defaults it to Opaque), DATA counts data keys (the API server has merged
    /// stringData into data).
    /// </summary>
    private static object?[] Secret(V1Secret secret, DateTimeOffset now) =>
        [Name(secret), secret.Type ?? "Opaque", (long)(secret.Data?.Count ?? 0), Age(secret, now)];

    /// <summary>printServiceAccount: SECRETS counts the secrets it references.</summary>
    private static object?[] ServiceAccount(V1ServiceAccount sa, DateTimeOffset now) =>
        [Name(sa), (long)(sa.Secrets?.Count ?? 0), Age(sa, now)];
}
