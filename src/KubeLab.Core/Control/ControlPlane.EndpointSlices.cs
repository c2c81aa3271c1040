using k8s.Models;

namespace KubeLab.Core.Control;

public sealed partial class ControlPlane
{
    public const string EndpointSliceServiceLabel = "kubernetes.io/service-name";
    public const string EndpointSliceManagedByLabel = "endpointslice.kubernetes.io/managed-by";
    public const string EndpointSliceController = "endpointslice-controller.k8s.io";

    /// <summary>
    /// The EndpointSlice controller: for every Service with a selector, one slice named
    /// "&lt;service&gt;-&lt;random&gt;" listing the matching pods that have an address, with named
    /// target ports resolved through each pod's container ports.
    /// </summary>
    private void ReconcileEndpointSlices()
    {
        // Looked up once, not once per service (a big lab has hundreds of services and pods): this loop changes only the
        // current service's own slices, so neither index goes stale while it runs.
        var podsByNamespace = All<V1Pod>().ToLookup(p => p.Metadata.NamespaceProperty, StringComparer.Ordinal);
        var slicesByService = All<V1EndpointSlice>()
            .Where(s => s.Metadata.Labels.Get(EndpointSliceManagedByLabel) == EndpointSliceController)
            .ToLookup(s => (s.Metadata.NamespaceProperty, s.Metadata.Labels.Get(EndpointSliceServiceLabel)));
        foreach (var service in All<V1Service>().ToList())
        {
            var ns = service.Metadata.NamespaceProperty;
            var managed = slicesByService[(ns, service.Metadata.Name)].ToList();
            if (service.Spec.Selector is not { Count: > 0 } selector || service.Spec.Type == "ExternalName")
            {
                foreach (var slice in managed)
                {
                    objects.RemoveAll(o => ReferenceEquals(o.Object, slice));
                }

                continue;
            }

            var pods = podsByNamespace[ns].Where(p => Selectors.Matches(selector, p.Metadata.Labels)
                && p.Status?.PodIP is not null
                && p.Status.Phase is not ("Succeeded" or "Failed")).ToList();
            var servicePorts = service.Spec.Ports ?? [];
            var ports = new List<Discoveryv1EndpointPort>();
            var endpoints = new List<V1Endpoint>();
            foreach (var pod in pods)
            {
                var resolved = servicePorts.Select(sp => ResolveTargetPort(sp, pod)).ToList();
                if (resolved.Any(p => p is null))
                {
                    continue; // a named targetPort this pod does not declare
                }

                if (ports.Count == 0)
                {
                    ports.AddRange(servicePorts.Select((sp, i) => new Discoveryv1EndpointPort
                    {
                        Name = sp.Name ?? "",
                        Port = resolved[i],
                        Protocol = sp.Protocol ?? "TCP",
                    }));
                }

                var ready = pod.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;
                var terminating = pod.Metadata.DeletionTimestamp is not null;
                endpoints.Add(new V1Endpoint
                {
                    Addresses = [pod.Status.PodIP],
                    Conditions = new V1EndpointConditions
                    {
                        Ready = (ready && !terminating) || service.Spec.PublishNotReadyAddresses == true,
                        Serving = ready,
                        Terminating = terminating,
                    },
                    NodeName = pod.Spec.NodeName,
                    Hostname = !string.IsNullOrEmpty(pod.Spec.Hostname) && pod.Spec.Subdomain == service.Metadata.Name ? pod.Spec.Hostname : null,
                    TargetRef = new V1ObjectReference { Kind = "Pod", Name = pod.Metadata.Name, NamespaceProperty = ns, Uid = pod.Metadata.Uid },
                });
            }

            var existing = managed.FirstOrDefault();
            foreach (var extra in managed.Skip(1))
            {
                objects.RemoveAll(o => ReferenceEquals(o.Object, extra));
            }

            var wanted = new V1EndpointSlice
            {
                ApiVersion = "discovery.k8s.io/v1",
                Kind = "EndpointSlice",
                AddressType = "IPv4",
                Metadata = new V1ObjectMeta
                {
                    Name = existing?.Metadata.Name ?? $"{service.Metadata.Name}-{Names.RandomSuffix(random)}",
                    GenerateName = $"{service.Metadata.Name}-",
                    NamespaceProperty = ns,
                    Labels = new Dictionary<string, string>(service.Metadata.Labels ?? new Dictionary<string, string>())
                    {
                        [EndpointSliceServiceLabel] = service.Metadata.Name,
                        [EndpointSliceManagedByLabel] = EndpointSliceController,
                    },
                    OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "Service", Name = service.Metadata.Name, Uid = service.Metadata.Uid, BlockOwnerDeletion = true, Controller = true }],
                },
                Ports = ports.Count == 0 ? null : ports,
                Endpoints = endpoints,
            };
            if (existing is not null && KubeObjects.ToJson(existing.Endpoints ?? []) == KubeObjects.ToJson(wanted.Endpoints)
                && KubeObjects.ToJson(existing.Ports ?? []) == KubeObjects.ToJson(wanted.Ports ?? []))
            {
                continue;
            }

            var stored = existing is null ? null : objects.First(o => ReferenceEquals(o.Object, existing));
            Store(wanted, stored, "EndpointSlice");
            messages.RemoveAt(messages.Count - 1);
        }
    }

    private static int? ResolveTargetPort(V1ServicePort servicePort, V1Pod pod)
    {
        var target = servicePort.TargetPort?.Value;
        if (string.IsNullOrEmpty(target))
        {
            return servicePort.Port;
        }

        if (int.TryParse(target, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        return pod.Spec.Containers.SelectMany(c => c.Ports ?? [])
            .FirstOrDefault(p => p.Name == target && (p.Protocol ?? "TCP") == (servicePort.Protocol ?? "TCP"))?.ContainerPort;
    }
}
