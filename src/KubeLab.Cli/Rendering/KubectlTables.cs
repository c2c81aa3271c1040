using System.Globalization;
using KubeLab.Core.Control;
using KubeLab.Core.Model;

namespace KubeLab.Cli.Rendering;

/// <summary>kubectl get's default and wide columns (pkg/printers/internalversion/printers.go).</summary>
public static class KubectlTables
{
    private const string None = "<none>";

    public static string Nodes(IReadOnlyList<Node> nodes, bool wide, DateTimeOffset now)
    {
        var header = new List<string> { "NAME", "STATUS", "ROLES", "AGE", "VERSION" };
        if (wide)
        {
            header.AddRange(["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"]);
        }

        var rows = new List<IReadOnlyList<string>> { header };
        foreach (var node in nodes)
        {
            var roles = node.Labels.Keys.Where(k => k.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal))
                .Select(k => k["node-role.kubernetes.io/".Length..]).Order(StringComparer.Ordinal).ToList();
            var row = new List<string>
            {
                node.Name, node.Ready ? "Ready" : "NotReady", roles.Count == 0 ? None : string.Join(",", roles),
                Age.Since(node.Created, now), node.KubeletVersion,
            };
            if (wide)
            {
                row.AddRange([node.InternalIP.ToString(), None, "Ubuntu 22.04.4 LTS", "(emulated)", "containerd://1.7.15-k3s1"]);
            }

            rows.Add(row);
        }

        return TabWriter.Format(rows);
    }

    public static string Pods(IEnumerable<Pod> pods, bool wide, bool allNamespaces, DateTimeOffset now)
    {
        var header = new List<string>();
        if (allNamespaces)
        {
            header.Add("NAMESPACE");
        }

        header.AddRange(["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
        if (wide)
        {
            header.AddRange(["IP", "NODE", "NOMINATED NODE", "READINESS GATES"]);
        }

        var rows = new List<IReadOnlyList<string>> { header };
        foreach (var pod in pods)
        {
            var row = new List<string>();
            if (allNamespaces)
            {
                row.Add(pod.Namespace);
            }

            var ready = pod.Ready ? pod.Containers.Count : 0;
            var status = pod.Terminating ? "Terminating" : pod.Phase switch
            {
                PodPhase.Succeeded => "Completed",
                PodPhase.Failed => "Error",
                _ => pod.Phase.ToString(),
            };
            row.AddRange([pod.Name, $"{ready}/{pod.Containers.Count}", status, pod.Restarts.ToString(CultureInfo.InvariantCulture), Age.Since(pod.Created, now)]);
            if (wide)
            {
                row.AddRange([pod.IP?.ToString() ?? None, pod.NodeName ?? None, None, None]);
            }

            rows.Add(row);
        }

        return TabWriter.Format(rows);
    }

    public static string Services(IEnumerable<Service> services, bool wide, bool allNamespaces, DateTimeOffset now)
    {
        var header = new List<string>();
        if (allNamespaces)
        {
            header.Add("NAMESPACE");
        }

        header.AddRange(["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]);
        if (wide)
        {
            header.Add("SELECTOR");
        }

        var rows = new List<IReadOnlyList<string>> { header };
        foreach (var service in services)
        {
            var row = new List<string>();
            if (allNamespaces)
            {
                row.Add(service.Namespace);
            }

            row.AddRange([service.Name, service.Type.ToString(), ClusterIP(service), ExternalIP(service), Ports(service), Age.Since(service.Created, now)]);
            if (wide)
            {
                row.Add(Selectors.Format(service.Selector));
            }

            rows.Add(row);
        }

        return TabWriter.Format(rows);
    }

    private static string ClusterIP(Service service) =>
        service.Type == ServiceType.ExternalName ? None : service.Headless ? "None" : service.ClusterIP?.ToString() ?? None;

    /// <summary>getServiceExternalIP: LoadBalancer ingress + external IPs, &lt;pending&gt; for an unserved LoadBalancer.</summary>
    private static string ExternalIP(Service service) => service.Type switch
    {
        ServiceType.ExternalName => service.ExternalName ?? None,
        ServiceType.LoadBalancer when service.LoadBalancerIngress.Count == 0 && service.ExternalIPs.Count == 0 => "<pending>",
        ServiceType.LoadBalancer => string.Join(",", service.LoadBalancerIngress.Select(i => i.ToString()).Concat(service.ExternalIPs)),
        _ => service.ExternalIPs.Count > 0 ? string.Join(",", service.ExternalIPs) : None,
    };

    private static string Ports(Service service) =>
        service.Ports.Count == 0
            ? None
            : string.Join(",", service.Ports.Select(p => p.NodePort > 0
                ? $"{p.Port}:{p.NodePort}/{p.Protocol}"
                : $"{p.Port}/{p.Protocol}"));

    public static string EndpointSlices(IEnumerable<EndpointSlice> slices, bool allNamespaces, DateTimeOffset now)
    {
        var header = new List<string>();
        if (allNamespaces)
        {
            header.Add("NAMESPACE");
        }

        header.AddRange(["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"]);
        var rows = new List<IReadOnlyList<string>> { header };
        foreach (var slice in slices)
        {
            var row = new List<string>();
            if (allNamespaces)
            {
                row.Add(slice.Namespace);
            }

            var ports = slice.Ports.Count == 0 ? "<unset>" : string.Join(",", slice.Ports.Select(p => p.Port.ToString(CultureInfo.InvariantCulture)));
            var addresses = slice.Endpoints.SelectMany(e => e.Addresses).Select(a => a.ToString()).ToList();
            var endpoints = addresses.Count == 0 ? "<unset>"
                : addresses.Count > 3 ? $"{string.Join(",", addresses.Take(3))} + {addresses.Count - 3} more..."
                : string.Join(",", addresses);
            row.AddRange([slice.Name, slice.AddressType, ports, endpoints, Age.Since(slice.Created, now)]);
            rows.Add(row);
        }

        return TabWriter.Format(rows);
    }

    public static string Deployments(IEnumerable<Deployment> deployments, bool wide, bool allNamespaces, DateTimeOffset now)
    {
        var header = new List<string>();
        if (allNamespaces)
        {
            header.Add("NAMESPACE");
        }

        header.AddRange(["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]);
        if (wide)
        {
            header.AddRange(["CONTAINERS", "IMAGES", "SELECTOR"]);
        }

        var rows = new List<IReadOnlyList<string>> { header };
        foreach (var d in deployments)
        {
            var row = new List<string>();
            if (allNamespaces)
            {
                row.Add(d.Namespace);
            }

            row.AddRange([d.Name, $"{d.ReadyReplicas}/{d.Replicas}", d.UpdatedReplicas.ToString(CultureInfo.InvariantCulture),
                d.AvailableReplicas.ToString(CultureInfo.InvariantCulture), Age.Since(d.Created, now)]);
            if (wide)
            {
                row.AddRange([string.Join(",", d.Containers.Select(c => c.Name)), string.Join(",", d.Containers.Select(c => c.Image)), Selectors.Format(d.Selector)]);
            }

            rows.Add(row);
        }

        return TabWriter.Format(rows);
    }

    public static string ReplicaSets(IEnumerable<ReplicaSet> sets, bool wide, bool allNamespaces, DateTimeOffset now)
    {
        var header = new List<string>();
        if (allNamespaces)
        {
            header.Add("NAMESPACE");
        }

        header.AddRange(["NAME", "DESIRED", "CURRENT", "READY", "AGE"]);
        if (wide)
        {
            header.AddRange(["CONTAINERS", "IMAGES", "SELECTOR"]);
        }

        var rows = new List<IReadOnlyList<string>> { header };
        foreach (var rs in sets)
        {
            var row = new List<string>();
            if (allNamespaces)
            {
                row.Add(rs.Namespace);
            }

            var n = rs.Replicas.ToString(CultureInfo.InvariantCulture);
            row.AddRange([rs.Name, n, n, rs.ReadyReplicas.ToString(CultureInfo.InvariantCulture), Age.Since(rs.Created, now)]);
            if (wide)
            {
                row.AddRange([string.Join(",", rs.Containers.Select(c => c.Name)), string.Join(",", rs.Containers.Select(c => c.Image)), Selectors.Format(rs.Selector)]);
            }

            rows.Add(row);
        }

        return TabWriter.Format(rows);
    }
}
