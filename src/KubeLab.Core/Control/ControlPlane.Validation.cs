using System.Net;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using KubeLab.Core.Manifests;
using KubeLab.Core.Model;

namespace KubeLab.Core.Control;

public sealed partial class ControlPlane
{
    private static readonly string[] ServiceTypes = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];

    private void Validate(ManifestDocument document)
    {
        var value = (IKubernetesObject<V1ObjectMeta>)document.Object;
        if (value.Metadata is null || string.IsNullOrEmpty(value.Metadata.Name))
        {
            throw Invalid(document, "metadata.name", "Required value: name or generateName is required");
        }

        var name = value.Metadata.Name;
        var nameProblem = document.Kind switch
        {
            "Service" => Names.ValidateDns1035Label(name),
            "Namespace" => Names.ValidateDns1123Label(name),
            "Role" or "ClusterRole" or "RoleBinding" or "ClusterRoleBinding" => Names.ValidatePathSegmentName(name),
            _ => Names.ValidateSubdomain(name),
        };
        if (nameProblem is not null)
        {
            throw Invalid(document, "metadata.name", $"Invalid value: \"{name}\": {nameProblem}");
        }

        ValidateLabelsAndAnnotations(document, value.Metadata);
        if (IsNamespacedObject(document.Kind, value))
        {
            var ns = string.IsNullOrEmpty(value.Metadata.NamespaceProperty) ? "default" : value.Metadata.NamespaceProperty;
            if (!NamespaceExists(ns) && !pendingNamespaces.Contains(ns))
            {
                throw KubeLabException.NotFound(
                    $"{document.Where}: Error from server (NotFound): error when creating \"{document.Source}\": namespaces \"{ns}\" not found; create it first (kind: Namespace) or put it in the same file before the objects that use it");
            }
        }

        switch (document.Object)
        {
            case V1Namespace:
                pendingNamespaces.Add(name);
                break;
            case V1Service service:
                ValidateService(document, service);
                break;
            case V1Pod pod:
                ValidatePodSpec(document, pod.Spec, "spec");
                ValidatePin(document, pod.Spec?.NodeName, pod.Metadata.Annotations.Get(PodIPAnnotation), "metadata.annotations[" + PodIPAnnotation + "]");
                break;
            case V1Deployment deployment:
                ValidateWorkload(document, deployment.Spec?.Replicas, deployment.Spec?.Selector, deployment.Spec?.Template);
                ValidatePlacement(document, deployment);
                break;
            case V1ReplicaSet replicaSet:
                ValidateWorkload(document, replicaSet.Spec?.Replicas, replicaSet.Spec?.Selector, replicaSet.Spec?.Template);
                break;
            case V1DaemonSet daemonSet:
                ValidateWorkload(document, null, daemonSet.Spec?.Selector, daemonSet.Spec?.Template);
                break;
            case V1Job job:
                ValidateJob(document, job);
                ValidatePlacement(document, job);
                break;
            case V1EndpointSlice slice:
                ValidateEndpointSlice(document, slice);
                break;
            case MetalLB.V1beta1IPAddressPool pool:
                ValidateAddressPool(document, pool);
                break;
            case V1Secret secret:
                ValidateSecret(document, secret);
                break;
            case V1CustomResourceDefinition crd:
                ValidateCustomResourceDefinition(document, crd);
                break;
            case V1Role role:
                ValidateRules(document, role.Rules, namespaced: true);
                break;
            case V1ClusterRole clusterRole:
                ValidateRules(document, clusterRole.Rules, namespaced: false);
                break;
            case V1RoleBinding binding:
                ValidateBinding(document, binding.RoleRef, binding.Subjects, namespaced: true);
                break;
            case V1ClusterRoleBinding binding:
                ValidateBinding(document, binding.RoleRef, binding.Subjects, namespaced: false);
                break;
            case V1Node:
                throw KubeLabException.Invalid(
                    $"{document.Where}: Node \"{name}\": the lab's nodes come from its topology; use `kubelab up --nodes N` (Node objects are read only by `kubelab rules -f`)");
            case KubeProxyConfigurationDocument:
                throw KubeLabException.Invalid(
                    $"{document.Where}: KubeProxyConfiguration is read by `kubelab rules -f`, not applied to a lab (the lab runs k3s's kube-proxy defaults)");
        }
    }

    /// <summary>
    /// MetalLB's validating webhook (ipaddresspoolvalidationwebhook.metallb.io) parses the whole config with the new
    /// pool: each address a CIDR or range (addressPoolFromCR), no prefix overlapping another pool's (config.go). kubectl
    /// shows its denial as Forbidden.
    /// </summary>
    private void ValidateAddressPool(ManifestDocument document, MetalLB.V1beta1IPAddressPool pool)
    {
        static KubeLabException Denied(ManifestDocument document, string why) => KubeLabException.Invalid(
            $"{document.Where}: Error from server (Forbidden): error when creating \"{document.Source}\": admission webhook \"ipaddresspoolvalidationwebhook.metallb.io\" denied the request: {why}");

        MetalLB.MetalLbPool parsed;
        try
        {
            parsed = MetalLB.MetalLbPool.Parse(pool);
        }
        catch (FormatException e)
        {
            throw Denied(document, e.Message);
        }

        var ns = string.IsNullOrEmpty(pool.Metadata.NamespaceProperty) ? "default" : pool.Metadata.NamespaceProperty;
        foreach (var other in All<MetalLB.V1beta1IPAddressPool>().Where(o => !(o.Metadata.Name == pool.Metadata.Name && o.Metadata.NamespaceProperty == ns)))
        {
            MetalLB.MetalLbPool otherParsed;
            try
            {
                otherParsed = MetalLB.MetalLbPool.Parse(other);
            }
            catch (FormatException)
            {
                continue;
            }

            foreach (var cidr in parsed.Cidrs)
            {
                // IPNetwork is a struct: FirstOrDefault of none would be 0.0.0.0/0
                if (otherParsed.Cidrs.Where(m => m.Contains(cidr.BaseAddress) || cidr.Contains(m.BaseAddress)).Select(m => (IPNetwork?)m).FirstOrDefault() is { } overlap)
                {
                    throw Denied(document, $"CIDR \"{cidr}\" in pool \"{pool.Metadata.Name}\" overlaps with already defined CIDR \"{overlap}\"");
                }
            }
        }
    }

    private readonly HashSet<string> pendingNamespaces = new(StringComparer.Ordinal);

    private bool NamespaceExists(string ns) =>
        BuiltinNamespaces.Contains(ns) || objects.Any(o => o.Kind == "Namespace" && o.Name == ns);

    private void ValidateService(ManifestDocument document, V1Service service)
    {
        var spec = service.Spec ?? throw Invalid(document, "spec", "Required value");
        var type = spec.Type ?? "ClusterIP";
        if (!ServiceTypes.Contains(type))
        {
            throw Invalid(document, "spec.type", $"Unsupported value: \"{type}\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"");
        }

        // pkg/apis/core/validation ValidateService: sessionAffinity, externalIPs, externalTrafficPolicy, ipFamilies
        if (spec.SessionAffinity is { } affinity && affinity is not ("ClientIP" or "None"))
        {
            throw Invalid(document, "spec.sessionAffinity", $"Unsupported value: \"{affinity}\": supported values: \"ClientIP\", \"None\"");
        }

        for (var i = 0; i < (spec.ExternalIPs?.Count ?? 0); i++)
        {
            var externalIP = spec.ExternalIPs![i];
            // Go's net.ParseIP: dotted quads or IPv6 text only (.NET would also take "5" or "1.2")
            if (!IPAddress.TryParse(externalIP, out var parsed)
                || (parsed.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? externalIP.Count(c => c == '.') != 3 : !externalIP.Contains(':', StringComparison.Ordinal)))
            {
                throw Invalid(document, $"spec.externalIPs[{i}]", $"Invalid value: \"{externalIP}\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
            }
        }

        var externallyAccessible = type is "NodePort" or "LoadBalancer" || spec.ExternalIPs?.Count > 0;
        if (spec.ExternalTrafficPolicy is { } etp)
        {
            if (!externallyAccessible && etp is not ("Cluster" or "Local"))
            {
                throw Invalid(document, "spec.externalTrafficPolicy", $"Invalid value: \"{etp}\": may only be set for externally-accessible services");
            }

            if (etp is not ("Cluster" or "Local"))
            {
                throw Invalid(document, "spec.externalTrafficPolicy", $"Unsupported value: \"{etp}\": supported values: \"Cluster\", \"Local\"");
            }
        }

        for (var i = 0; i < (spec.IpFamilies?.Count ?? 0); i++)
        {
            var family = spec.IpFamilies![i];
            if (family is not ("IPv4" or "IPv6"))
            {
                throw Invalid(document, $"spec.ipFamilies[{i}]", $"Unsupported value: \"{family}\": supported values: \"IPv4\", \"IPv6\"");
            }

            if (family == "IPv6")
            {
                // the lab's service CIDR is IPv4 only (the registry's "not configured on this cluster")
                throw Invalid(document, $"spec.ipFamilies[{i}]", $"Invalid value: \"{family}\": not configured on this cluster");
            }
        }

        if (type == "ExternalName")
        {
            if (string.IsNullOrEmpty(spec.ExternalName))
            {
                throw Invalid(document, "spec.externalName", "Required value");
            }

            // a trailing dot is allowed (an absolute name), as ValidateService strips it before checking
            if (Names.ValidateSubdomain(spec.ExternalName.TrimEnd('.')) is { } problem)
            {
                throw Invalid(document, "spec.externalName", $"Invalid value: \"{spec.ExternalName}\": {problem}");
            }

            return;
        }

        var headless = spec.ClusterIP == "None";
        var ports = spec.Ports ?? [];
        if (ports.Count == 0 && !headless)
        {
            throw Invalid(document, "spec.ports", "Required value");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var portProtocols = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ports.Count; i++)
        {
            var port = ports[i];
            var field = $"spec.ports[{i}]";
            if (ports.Count > 1 && string.IsNullOrEmpty(port.Name))
            {
                throw Invalid(document, field + ".name", "Required value");
            }

            if (!string.IsNullOrEmpty(port.Name))
            {
                if (Names.ValidateDns1123Label(port.Name) is { } problem)
                {
                    throw Invalid(document, field + ".name", $"Invalid value: \"{port.Name}\": {problem}");
                }

                if (!names.Add(port.Name))
                {
                    throw Invalid(document, field + ".name", $"Duplicate value: \"{port.Name}\"");
                }
            }

            if (port.Port is < 1 or > 65535)
            {
                throw Invalid(document, field + ".port", $"Invalid value: {port.Port}: must be between 1 and 65535, inclusive");
            }

            var protocol = port.Protocol ?? "TCP";
            if (protocol is not ("TCP" or "UDP" or "SCTP"))
            {
                throw Invalid(document, field + ".protocol", $"Unsupported value: \"{protocol}\": supported values: \"SCTP\", \"TCP\", \"UDP\"");
            }

            if (!portProtocols.Add($"{port.Port}/{protocol}"))
            {
                throw Invalid(document, field, $"Duplicate value: core.ServicePort{{Name:\"{port.Name}\", Protocol:\"{protocol}\", Port:{port.Port}}}");
            }

            ValidateTargetPort(document, field + ".targetPort", port.TargetPort?.Value);
            if (port.NodePort is { } nodePort && nodePort != 0)
            {
                if (type == "ClusterIP")
                {
                    throw Invalid(document, field + ".nodePort", "Forbidden: may not be used when `type` is 'ClusterIP'");
                }

                if (nodePort is < LabDefaults.NodePortMin or > LabDefaults.NodePortMax)
                {
                    throw Invalid(document, field + ".nodePort",
                        $"Invalid value: {nodePort}: provided port is not in the valid range. The range of valid ports is {LabDefaults.NodePortMin}-{LabDefaults.NodePortMax}");
                }
            }
        }

        if (!headless && !string.IsNullOrEmpty(spec.ClusterIP))
        {
            if (!IPAddress.TryParse(spec.ClusterIP, out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            {
                throw Invalid(document, "spec.clusterIPs[0]", $"Invalid value: \"{spec.ClusterIP}\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
            }

            // the allocator's range leaves out the network and broadcast addresses
            if (!config.ServiceCidr.Contains(ip) || ip.Equals(config.ServiceCidr.BaseAddress) || ip.Equals(Broadcast(config.ServiceCidr)))
            {
                throw Invalid(document, "spec.clusterIPs",
                    $"Invalid value: []string{{\"{spec.ClusterIP}\"}}: failed to allocate IP {spec.ClusterIP}: the provided IP ({spec.ClusterIP}) is not in the valid range. The range of valid IPs is {config.ServiceCidr}");
            }
        }
    }

    private static readonly Regex IanaServiceName = new("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", RegexOptions.CultureInvariant);

    private static void ValidateTargetPort(ManifestDocument document, string field, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        if (int.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var number))
        {
            if (number is < 1 or > 65535)
            {
                throw Invalid(document, field, $"Invalid value: {number}: must be between 1 and 65535, inclusive");
            }
        }
        else if (value.Length > 15 || !IanaServiceName.IsMatch(value) || value.Contains("--", StringComparison.Ordinal) || !value.Any(char.IsAsciiLetter))
        {
            throw Invalid(document, field, $"Invalid value: \"{value}\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-), at most 15 characters, at least one letter");
        }
    }

    private void ValidatePodSpec(ManifestDocument document, V1PodSpec? spec, string prefix)
    {
        if (spec?.Containers is not { Count: > 0 } containers)
        {
            throw Invalid(document, prefix + ".containers", "Required value");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < containers.Count; i++)
        {
            var c = containers[i];
            var field = $"{prefix}.containers[{i}]";
            if (string.IsNullOrEmpty(c.Name))
            {
                throw Invalid(document, field + ".name", "Required value");
            }

            if (Names.ValidateDns1123Label(c.Name) is { } problem)
            {
                throw Invalid(document, field + ".name", $"Invalid value: \"{c.Name}\": {problem}");
            }

            if (!names.Add(c.Name))
            {
                throw Invalid(document, field + ".name", $"Duplicate value: \"{c.Name}\"");
            }

            if (string.IsNullOrEmpty(c.Image))
            {
                throw Invalid(document, field + ".image", "Required value");
            }

            var ports = c.Ports ?? [];
            for (var p = 0; p < ports.Count; p++)
            {
                if (ports[p].ContainerPort is < 1 or > 65535)
                {
                    throw Invalid(document, $"{field}.ports[{p}].containerPort", $"Invalid value: {ports[p].ContainerPort}: must be between 1 and 65535, inclusive");
                }

                if (!string.IsNullOrEmpty(ports[p].Name))
                {
                    ValidateTargetPort(document, $"{field}.ports[{p}].name", ports[p].Name);
                }
            }
        }

        if (!string.IsNullOrEmpty(spec.NodeName) && !config.Nodes.Any(n => n.Name == spec.NodeName))
        {
            throw Invalid(document, prefix + ".nodeName",
                $"Invalid value: \"{spec.NodeName}\": no such node in lab \"{config.Name}\" (nodes: {string.Join(", ", config.Nodes.Select(n => n.Name))})");
        }
    }

    private void ValidatePin(ManifestDocument document, string? nodeName, string? ip, string field)
    {
        if (string.IsNullOrEmpty(ip))
        {
            return;
        }

        if (!IPAddress.TryParse(ip, out var address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            throw Invalid(document, field, $"Invalid value: \"{ip}\": must be a valid IPv4 address");
        }

        var node = config.Nodes.FirstOrDefault(n => n.PodCidr.Contains(address));
        if (node is null)
        {
            throw Invalid(document, field, $"Invalid value: \"{ip}\": not inside any node's pod CIDR ({string.Join(", ", config.Nodes.Select(n => $"{n.Name} {n.PodCidr}"))})");
        }

        if (!string.IsNullOrEmpty(nodeName) && nodeName != node.Name)
        {
            throw Invalid(document, field, $"Invalid value: \"{ip}\": belongs to {node.Name}'s pod CIDR {node.PodCidr}, but the pod is placed on {nodeName}");
        }
    }

    private void ValidateWorkload(ManifestDocument document, int? replicas, V1LabelSelector? selector, V1PodTemplateSpec? template)
    {
        if (replicas is < 0)
        {
            throw Invalid(document, "spec.replicas", $"Invalid value: {replicas}: must be greater than or equal to 0");
        }

        if (selector?.MatchLabels is not { Count: > 0 } && selector?.MatchExpressions is not { Count: > 0 })
        {
            throw Invalid(document, "spec.selector", "Required value");
        }

        var labels = template?.Metadata?.Labels ?? new Dictionary<string, string>();
        if (!Selectors.Matches(selector, labels))
        {
            var shown = string.Join(", ", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"\"{l.Key}\":\"{l.Value}\""));
            throw Invalid(document, "spec.template.metadata.labels",
                $"Invalid value: map[string]string{{{shown}}}: `selector` does not match template `labels`");
        }

        ValidatePodSpec(document, template?.Spec, "spec.template.spec");
    }

    /// <summary>batch/v1 validation (pkg/apis/batch/validation): a template, and restartPolicy OnFailure or Never.</summary>
    private void ValidateJob(ManifestDocument document, V1Job job)
    {
        if (job.Spec?.Template is null)
        {
            throw Invalid(document, "spec.template", "Required value");
        }

        var restart = job.Spec.Template.Spec?.RestartPolicy;
        if (string.IsNullOrEmpty(restart))
        {
            throw Invalid(document, "spec.template.spec.restartPolicy", "Required value: valid values: \"OnFailure\", \"Never\"");
        }

        if (restart is not ("OnFailure" or "Never"))
        {
            throw Invalid(document, "spec.template.spec.restartPolicy", $"Unsupported value: \"{restart}\": supported values: \"OnFailure\", \"Never\"");
        }

        ValidatePodSpec(document, job.Spec.Template.Spec, "spec.template.spec");
    }

    private void ValidatePlacement(ManifestDocument document, k8s.IKubernetesObject<V1ObjectMeta> deployment)
    {
        var field = $"metadata.annotations[{PlacementAnnotation}]";
        foreach (var (node, ip) in Placement(deployment))
        {
            if (!config.Nodes.Any(n => n.Name == node))
            {
                throw Invalid(document, field, $"Invalid value: \"{node}\": no such node in lab \"{config.Name}\"");
            }

            ValidatePin(document, node, ip, field);
        }
    }

    private static IPAddress Broadcast(IPNetwork network)
    {
        var bytes = network.BaseAddress.GetAddressBytes();
        for (var bit = network.PrefixLength; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] |= (byte)(0x80 >> (bit % 8));
        }

        return new IPAddress(bytes);
    }

    private const int LabelValueMaxLength = 63;
    private const int TotalAnnotationSizeLimitB = 256 * 1024;

    // apimachinery's ValidateLabels / ValidateAnnotations (IsValidLabelValue, TotalAnnotationSizeLimitB)
    private static void ValidateLabelsAndAnnotations(ManifestDocument document, V1ObjectMeta metadata)
    {
        foreach (var (_, value) in metadata.Labels ?? new Dictionary<string, string>())
        {
            if (value.Length > LabelValueMaxLength)
            {
                throw Invalid(document, "metadata.labels", $"Invalid value: \"{value}\": must be no more than {LabelValueMaxLength} characters");
            }

            if (value.Length > 0 && !LabelValue().IsMatch(value))
            {
                throw Invalid(document, "metadata.labels",
                    $"Invalid value: \"{value}\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
            }
        }

        var size = (metadata.Annotations ?? new Dictionary<string, string>()).Sum(a => (long)a.Key.Length + a.Value.Length);
        if (size > TotalAnnotationSizeLimitB)
        {
            throw Invalid(document, "metadata.annotations", $"Too long: must have at most {TotalAnnotationSizeLimitB} bytes");
        }
    }

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();

    private static void ValidateEndpointSlice(ManifestDocument document, V1EndpointSlice slice)
    {
        // pkg/apis/discovery/validation: IPv4 addresses, port numbers
        for (var i = 0; i < (slice.Endpoints?.Count ?? 0); i++)
        {
            var addresses = slice.Endpoints![i].Addresses ?? [];
            for (var a = 0; a < addresses.Count; a++)
            {
                if (!IPAddress.TryParse(addresses[a], out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || addresses[a].Count(c => c == '.') != 3)
                {
                    throw Invalid(document, $"endpoints[{i}].addresses[{a}]", $"Invalid value: \"{addresses[a]}\": must be a valid IPv4 address");
                }
            }
        }

        for (var i = 0; i < (slice.Ports?.Count ?? 0); i++)
        {
            if (slice.Ports![i].Port is { } port && port is < 1 or > 65535)
            {
                throw Invalid(document, $"ports[{i}].port", $"Invalid value: {port}: must be between 1 and 65535, inclusive");
            }
        }

        if (slice.Metadata.Labels?.ContainsKey(EndpointSliceServiceLabel) != true)
        {
            throw Invalid(document, "metadata.labels",
                $"Required value: label \"{EndpointSliceServiceLabel}\" names the Service this EndpointSlice belongs to; kube-proxy ignores slices without it");
        }

        if (slice.AddressType != "IPv4")
        {
            throw Invalid(document, "addressType", $"Unsupported value: \"{slice.AddressType}\": KubeLab labs are IPv4 only: supported values: \"IPv4\"");
        }
    }

    /// <summary>The pinned placements of a Deployment's replicas, in order.</summary>
    internal static IReadOnlyList<(string Node, string? IP)> Placement(k8s.IKubernetesObject<V1ObjectMeta> owner)
    {
        var text = owner.Metadata.Annotations.Get(PlacementAnnotation);
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(entry => entry.Split('=', 2) is [var node, var ip] ? (node, (string?)ip) : (entry, null))
            .ToList();
    }

    private static KubeLabException Invalid(ManifestDocument document, string field, string detail) =>
        KubeLabException.Invalid(
            $"{document.Where}: The {KubeObjects.QualifiedKind(document.Kind)} \"{document.Name}\" is invalid: {field}: {detail}");
}
