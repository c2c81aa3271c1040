using System.Net;
using k8s.Models;
using KubeLab.Core.Manifests;
using KubeLab.Core.Model;

namespace KubeLab.Core.Control;

public sealed partial class ControlPlane
{
    /// <summary>Admission for Services: keep or allocate the cluster IP and node ports.</summary>
    private void AdmitService(ManifestDocument document, V1Service service, V1Service? old)
    {
        var spec = service.Spec;
        spec.Type ??= "ClusterIP";
        spec.SessionAffinity ??= "None";
        spec.InternalTrafficPolicy ??= "Cluster";
        if (spec.Type is "NodePort" or "LoadBalancer")
        {
            spec.ExternalTrafficPolicy ??= "Cluster";
        }

        foreach (var port in spec.Ports ?? [])
        {
            port.Protocol ??= "TCP";
            port.TargetPort ??= (IntOrString)port.Port;
        }

        if (spec.Type == "ExternalName")
        {
            spec.ClusterIP = null;
            spec.ClusterIPs = null;
            return;
        }

        spec.IpFamilies ??= ["IPv4"];
        spec.IpFamilyPolicy ??= "SingleStack";
        if (spec.ClusterIP == "None")
        {
            spec.ClusterIPs = ["None"];
        }
        else
        {
            var oldIP = old?.Spec?.ClusterIP;
            if (string.IsNullOrEmpty(spec.ClusterIP))
            {
                spec.ClusterIP = string.IsNullOrEmpty(oldIP) || oldIP == "None" ? AllocateClusterIP() : oldIP;
            }
            else if (!string.IsNullOrEmpty(oldIP) && oldIP != spec.ClusterIP)
            {
                throw Invalid(document, "spec.clusterIPs[0]", $"Invalid value: []string{{\"{spec.ClusterIP}\"}}: may not change once set");
            }
            else if (oldIP != spec.ClusterIP && ClusterIPInUse(IPAddress.Parse(spec.ClusterIP), service))
            {
                throw Invalid(document, "spec.clusterIPs",
                    $"Invalid value: []string{{\"{spec.ClusterIP}\"}}: failed to allocate IP {spec.ClusterIP}: provided IP is already allocated");
            }

            spec.ClusterIPs = [spec.ClusterIP];
        }

        if (spec.Type is "NodePort" or "LoadBalancer")
        {
            var ports = spec.Ports ?? [];
            for (var i = 0; i < ports.Count; i++)
            {
                var port = ports[i];
                if (port.NodePort is null or 0)
                {
                    // patchAllocatedValues: old node ports are matched by port name
                    var previous = old?.Spec?.Ports?.FirstOrDefault(p => (p.Name ?? "") == (port.Name ?? ""))?.NodePort;
                    port.NodePort = previous is > 0 ? previous : AllocateNodePort(service);
                }
                else if (NodePortInUse(port.NodePort.Value, port.Protocol, service))
                {
                    throw Invalid(document, $"spec.ports[{i}].nodePort", $"Invalid value: {port.NodePort}: provided port is already allocated");
                }
            }

            if (spec.Type == "LoadBalancer")
            {
                // k3s's ServiceLB is disabled in the seed (--disable servicelb): only MetalLB, when installed
                // (ReconcileLoadBalancers), assigns an ingress address; otherwise EXTERNAL-IP stays <pending> unless
                // status is given. An update keeps the stored status, as the API server's service strategy
                // (PrepareForUpdate) does: status is written through the status subresource.
                service.Status = old?.Status ?? service.Status ?? new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus() };
                if (spec.ExternalTrafficPolicy == "Local" && spec.HealthCheckNodePort is null or 0)
                {
                    spec.HealthCheckNodePort = old?.Spec?.HealthCheckNodePort is > 0 ? old.Spec.HealthCheckNodePort : AllocateNodePort(service);
                }
            }
        }
    }

    private bool ClusterIPInUse(IPAddress ip, V1Service self) => All<V1Service>().Any(s =>
        !(s.Metadata.Name == self.Metadata.Name && s.Metadata.NamespaceProperty == self.Metadata.NamespaceProperty)
        && s.Spec?.ClusterIP == ip.ToString());

    private bool NodePortInUse(int nodePort, string protocol, V1Service self) => All<V1Service>().Any(s =>
        !(s.Metadata.Name == self.Metadata.Name && s.Metadata.NamespaceProperty == self.Metadata.NamespaceProperty)
        && ((s.Spec?.Ports ?? []).Any(p => p.NodePort == nodePort && p.Protocol == protocol) || s.Spec?.HealthCheckNodePort == nodePort));

    /// <summary>
    /// Random, as the API server allocates; from the upper part of the range first, because since
    /// v1.26 the lower band (min(max(16, size/16), 256) addresses) is kept for static assignment.
    /// </summary>
    private string AllocateClusterIP()
    {
        var size = IPMath.Size(config.ServiceCidr);
        var reserved = Math.Min(Math.Max(16, size / 16), 256);
        var used = All<V1Service>().Select(s => s.Spec?.ClusterIP).Where(ip => ip is not null && ip != "None").ToHashSet(StringComparer.Ordinal);
        for (var attempt = 0; attempt < 4096; attempt++)
        {
            var offset = reserved + (uint)random.NextInt64(0, size - reserved - 1);
            var candidate = IPMath.Add(config.ServiceCidr.BaseAddress, offset).ToString();
            if (offset > 0 && !used.Contains(candidate))
            {
                return candidate;
            }
        }

        for (uint offset = 1; offset < size - 1; offset++)
        {
            var candidate = IPMath.Add(config.ServiceCidr.BaseAddress, offset).ToString();
            if (!used.Contains(candidate))
            {
                return candidate;
            }
        }

        throw KubeLabException.Conflict($"Internal error occurred: failed to allocate a serviceIP: range is full ({config.ServiceCidr})");
    }

    private int AllocateNodePort(V1Service self)
    {
        var used = All<V1Service>().SelectMany(s => (s.Spec?.Ports ?? []).Select(p => p.NodePort ?? 0).Append(s.Spec?.HealthCheckNodePort ?? 0))
            .Concat((self.Spec?.Ports ?? []).Select(p => p.NodePort ?? 0))
            .ToHashSet();
        const int count = LabDefaults.NodePortMax - LabDefaults.NodePortMin + 1;
        var start = random.Next(count);
        for (var i = 0; i < count; i++)
        {
            var candidate = LabDefaults.NodePortMin + (start + i) % count;
            if (!used.Contains(candidate))
            {
                return candidate;
            }
        }

        throw KubeLabException.Conflict("Internal error occurred: failed to allocate a nodePort: range is full (30000-32767)");
    }
}
