using System.Net;
using k8s.Models;

namespace KubeLab.Core.Control;

/// <summary>
/// kube-controller-manager's EndpointSlice mirroring controller (pkg/controller/endpointslicemirroring): the Endpoints
/// you make for a Service without a selector are mirrored into EndpointSlices managed by
/// endpointslicemirroring-controller.k8s.io, so that kube-proxy (which reads slices only) routes to them.
/// <list type="bullet">
/// <item>Mirrored when the Service exists and has no selector, and the Endpoints has no
/// endpointslice.kubernetes.io/skip-mirror=true label and no leader-election annotation; otherwise its slices go.</item>
/// <item>One slice per address type and set of ports (subsets with the same ports share it), at most 1000 addresses of
/// a subset; addresses that are not IPs are skipped. Ready addresses are ready, notReadyAddresses not ready.</item>
/// <item>The slice: named &lt;endpoints&gt;-&lt;random&gt; (generateName), the Endpoints' labels with
/// kubernetes.io/service-name and the managed-by label, its annotations but the trigger time and
/// last-applied-configuration, owned by the Endpoints (controller, blockOwnerDeletion).</item>
/// </list>
/// </summary>
public sealed partial class ControlPlane
{
    public const string EndpointSliceMirroringController = "endpointslicemirroring-controller.k8s.io";

    private const string SkipMirrorLabel = "endpointslice.kubernetes.io/skip-mirror";

    /// <summary>resourcelock.LeaderElectionRecordAnnotationKey: Endpoints used as a lock are not mirrored.</summary>
    private const string LeaderElectionAnnotation = "control-plane.alpha.kubernetes.io/leader";

    /// <summary>kube-controller-manager's --mirroring-max-endpoints-per-subset default.</summary>
    private const int MaxMirroredEndpointsPerSubset = 1000;

    private void ReconcileEndpointSliceMirroring()
    {
        // the controller's own: an Endpoints owns them (the API server's `kubernetes` slice carries the label and no owner)
        var mirrored = All<V1EndpointSlice>()
            .Where(s => s.Metadata.Labels.Get(EndpointSliceManagedByLabel) == EndpointSliceMirroringController
                && s.Metadata.OwnerReferences?.Any(o => o.Kind == "Endpoints" && o.Controller == true) == true)
            .ToLookup(s => (s.Metadata.NamespaceProperty ?? "", s.Metadata.Labels.Get(EndpointSliceServiceLabel) ?? ""));
        var handled = new HashSet<(string, string)>();
        foreach (var endpoints in All<V1Endpoints>().ToList())
        {
            var ns = endpoints.Metadata.NamespaceProperty ?? "";
            var name = endpoints.Metadata.Name;
            handled.Add((ns, name));
            var existing = mirrored[(ns, name)].ToList();
            var service = Find("Service", ns, name)?.Object as V1Service;
            var mirror = service is not null && service.Spec?.Selector is not { Count: > 0 }
                && endpoints.Metadata.Labels.Get(SkipMirrorLabel) != "true"
                && endpoints.Metadata.Annotations?.ContainsKey(LeaderElectionAnnotation) != true;
            if (!mirror)
            {
                RemoveSlices(existing);
                continue;
            }

            MirrorEndpoints(endpoints, existing);
        }

        // slices of Endpoints that are gone (the garbage collector would take them too: the Endpoints owns them)
        foreach (var group in mirrored.Where(g => !handled.Contains(g.Key)))
        {
            RemoveSlices(group);
        }
    }

    private void RemoveSlices(IEnumerable<V1EndpointSlice> slices)
    {
        foreach (var slice in slices)
        {
            objects.RemoveAll(o => ReferenceEquals(o.Object, slice));
        }
    }

    private void MirrorEndpoints(V1Endpoints endpoints, List<V1EndpointSlice> existing)
    {
        // the desired endpoints by address type and ports, in the order the subsets list them
        var desired = new List<(string Key, string AddressType, List<Discoveryv1EndpointPort> Ports, List<V1Endpoint> Endpoints)>();
        foreach (var subset in endpoints.Subsets ?? [])
        {
            var ports = (subset.Ports ?? []).Select(p => new Discoveryv1EndpointPort
            {
                Name = p.Name ?? "",
                Port = p.Port,
                Protocol = p.Protocol ?? "TCP",
                AppProtocol = p.AppProtocol,
            }).ToList();
            var added = 0;
            foreach (var (address, ready) in (subset.Addresses ?? []).Select(a => (a, true)).Concat((subset.NotReadyAddresses ?? []).Select(a => (a, false))))
            {
                if (added >= MaxMirroredEndpointsPerSubset)
                {
                    break;
                }

                if (!IPAddress.TryParse(address.Ip, out var ip))
                {
                    continue; // not mirrored (the controller records an InvalidIPAddress warning)
                }

                var addressType = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";
                var key = addressType + "/" + KubeObjects.ToJson(ports);
                var group = desired.FirstOrDefault(d => d.Key == key);
                if (group.Key is null)
                {
                    group = (key, addressType, ports, []);
                    desired.Add(group);
                }

                var text = ip.ToString();
                if (group.Endpoints.Any(e => e.Addresses[0] == text))
                {
                    continue; // a set of endpoints: the same address once
                }

                group.Endpoints.Add(new V1Endpoint
                {
                    Addresses = [text],
                    Conditions = new V1EndpointConditions { Ready = ready },
                    TargetRef = address.TargetRef,
                    NodeName = address.NodeName,
                    Hostname = string.IsNullOrEmpty(address.Hostname) ? null : address.Hostname,
                });
                added++;
            }
        }

        var byKey = existing.ToLookup(s => (s.AddressType ?? "IPv4") + "/" + KubeObjects.ToJson(s.Ports ?? []));
        var unwanted = existing.Where(s => desired.All(d => !byKey[d.Key].Contains(s))).ToList();
        foreach (var (key, addressType, ports, wantedEndpoints) in desired)
        {
            var current = byKey[key].ToList();
            unwanted.AddRange(current.Skip(1));
            // recycleSlices: a slice about to be deleted is updated instead of a new one created
            var reuse = current.FirstOrDefault() ?? unwanted.FirstOrDefault();
            if (reuse is not null && current.Count == 0)
            {
                unwanted.Remove(reuse);
            }

            var wanted = MirroredSlice(endpoints, reuse?.Metadata.Name, addressType, ports, wantedEndpoints);
            if (reuse is not null && KubeObjects.ToJson(new object?[] { reuse.Metadata.Labels, reuse.Metadata.Annotations, reuse.AddressType, reuse.Ports, reuse.Endpoints })
                == KubeObjects.ToJson(new object?[] { wanted.Metadata.Labels, wanted.Metadata.Annotations, wanted.AddressType, wanted.Ports, wanted.Endpoints }))
            {
                continue;
            }

            var stored = reuse is null ? null : objects.First(o => ReferenceEquals(o.Object, reuse));
            Store(wanted, stored, "EndpointSlice");
            messages.RemoveAt(messages.Count - 1);
        }

        RemoveSlices(unwanted);
    }

    private V1EndpointSlice MirroredSlice(V1Endpoints endpoints, string? name, string addressType, List<Discoveryv1EndpointPort> ports, List<V1Endpoint> sliceEndpoints)
    {
        var labels = new Dictionary<string, string>(endpoints.Metadata.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [EndpointSliceServiceLabel] = endpoints.Metadata.Name,
            [EndpointSliceManagedByLabel] = EndpointSliceMirroringController,
        };
        var annotations = (endpoints.Metadata.Annotations ?? new Dictionary<string, string>())
            .Where(a => a.Key is not ("endpoints.kubernetes.io/last-change-trigger-time" or LastAppliedAnnotation))
            .ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);
        return new V1EndpointSlice
        {
            ApiVersion = "discovery.k8s.io/v1",
            Kind = "EndpointSlice",
            AddressType = addressType,
            Metadata = new V1ObjectMeta
            {
                Name = name ?? $"{endpoints.Metadata.Name}-{Names.RandomSuffix(random)}",
                GenerateName = $"{endpoints.Metadata.Name}-",
                NamespaceProperty = endpoints.Metadata.NamespaceProperty,
                Labels = labels,
                Annotations = annotations.Count == 0 ? null : annotations,
                OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "Endpoints", Name = endpoints.Metadata.Name, Uid = endpoints.Metadata.Uid, BlockOwnerDeletion = true, Controller = true }],
            },
            Ports = ports,
            Endpoints = sliceEndpoints,
        };
    }
}
