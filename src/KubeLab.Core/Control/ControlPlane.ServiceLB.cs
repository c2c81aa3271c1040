using System.Globalization;
using k8s.Models;

namespace KubeLab.Core.Control;

public sealed partial class ControlPlane
{
    public const string ServiceLBImage = "rancher/klipper-lb:v0.4.7";
    private const string SvcNameLabel = "svccontroller.k3s.cattle.io/svcname";
    private const string SvcNamespaceLabel = "svccontroller.k3s.cattle.io/svcnamespace";
    private const string NodeSelectorLabel = "svccontroller.k3s.cattle.io/nodeselector";
    /// <summary>The cloud-provider service controller's client name, which k3s's ServiceLB records its events as.</summary>
    private const string ServiceLBController = "service-controller";

    private const string ServiceLBAccount = "svclb";

    private bool ServiceLBRuns() => K3sAddons.Enabled(config, K3sAddons.ServiceLB) && !MetalLbInstalled();

    /// <summary>
    /// k3s v1.29.5's ServiceLB (pkg/cloudprovider/servicelb.go newDaemonSet/deployDaemonSet): every LoadBalancer Service
    /// without a loadBalancerClass gets a DaemonSet <c>svclb-&lt;service, at most 48 characters&gt;-&lt;first 8 of its
    /// uid&gt;</c> in kube-system, one klipper-lb container per port (<c>lb-&lt;proto&gt;-&lt;port&gt;</c>, hostPort =
    /// port, the SRC_PORT, SRC_RANGES, DEST_PROTO, DEST_PORT, DEST_IPS environment), owned through wrangler's objectset
    /// annotations (not ownerReferences), and an AppliedDaemonSet event. A Service that goes away or stops being a
    /// LoadBalancer loses its DaemonSet (DeletedDaemonSet). With `--disable servicelb` k3s deletes them all; with MetalLB
    /// installed the lab leaves LoadBalancers to MetalLB (on k3s both would answer: MetalLB's docs ask for --disable servicelb).
    /// </summary>
    private void ReconcileServiceLoadBalancers()
    {
        var runs = ServiceLBRuns();
        var services = runs
            ? All<V1Service>().Where(s => s.Spec?.Type == "LoadBalancer" && string.IsNullOrEmpty(s.Spec.LoadBalancerClass) && s.Metadata.DeletionTimestamp is null && s.Metadata.Uid is { Length: >= 8 }).ToList()
            : [];
        var wanted = services.ToDictionary(ServiceLBName, s => s, StringComparer.Ordinal);
        foreach (var stale in All<V1DaemonSet>().Where(d => d.Metadata.NamespaceProperty == "kube-system"
            && d.Metadata.Labels?.ContainsKey(NodeSelectorLabel) == true && !wanted.ContainsKey(d.Metadata.Name)).ToList())
        {
            var owner = All<V1Service>().FirstOrDefault(s => s.Metadata.Name == stale.Metadata.Labels.Get(SvcNameLabel) && s.Metadata.NamespaceProperty == stale.Metadata.Labels.Get(SvcNamespaceLabel));
            objects.RemoveAll(o => ReferenceEquals(o.Object, stale));
            RemoveDependents(StoredObject.Of(stale));
            if (owner is not null)
            {
                Record(owner, "Normal", "DeletedDaemonSet", $"Deleted LoadBalancer DaemonSet kube-system/{stale.Metadata.Name}", ServiceLBController);
            }
        }

        if (wanted.Count > 0 && Find("ServiceAccount", "kube-system", ServiceLBAccount) is null)
        {
            // servicelb.go: the controller makes the ServiceAccount its pods run as
            Store(new V1ServiceAccount { ApiVersion = "v1", Kind = "ServiceAccount", Metadata = new V1ObjectMeta { Name = ServiceLBAccount, NamespaceProperty = "kube-system" } }, existing: null, "ServiceAccount");
            messages.RemoveAt(messages.Count - 1);
        }

        foreach (var (name, service) in wanted)
        {
            var ds = NewServiceLBDaemonSet(name, service);
            Api.ApiDefaults.Store(ds); // stored as the API server decodes what the controller sends
            var existing = Find("DaemonSet", "kube-system", name);
            if (existing?.Object is V1DaemonSet current)
            {
                if (KubeObjects.ToJson(current.Spec) != KubeObjects.ToJson(ds.Spec))
                {
                    current.Spec = ds.Spec;
                    current.Metadata.Generation = (current.Metadata.Generation ?? 1) + 1;
                    Touch(current);
                    Record(service, "Normal", "AppliedDaemonSet", $"Applied LoadBalancer DaemonSet kube-system/{name}", ServiceLBController);
                }

                continue;
            }

            ds.Metadata.Generation = 1;
            Store(ds, existing: null, "DaemonSet");
            messages.RemoveAt(messages.Count - 1); // kubectl reports the Service, not what its controllers make
            Record(service, "Normal", "AppliedDaemonSet", $"Applied LoadBalancer DaemonSet kube-system/{name}", ServiceLBController);
        }
    }

    /// <summary>
    /// servicelb.go getStatus/podIPs/filterByIPFamily: the InternalIPs of the nodes whose svclb pod is Ready (with
    /// externalTrafficPolicy Local, only nodes with a ready endpoint), sorted as strings — "10.65.94.199" before
    /// "10.65.94.238" before "10.65.94.95" — then UpdatedLoadBalancer, or UnAvailableLoadBalancer when none is left.
    /// </summary>
    private void ReconcileServiceLoadBalancerStatus()
    {
        if (!ServiceLBRuns())
        {
            return;
        }

        foreach (var service in All<V1Service>().Where(s => s.Spec?.Type == "LoadBalancer" && string.IsNullOrEmpty(s.Spec.LoadBalancerClass) && s.Metadata.Uid is { Length: >= 8 }).ToList())
        {
            HashSet<string>? readyNodes = null;
            if (service.Spec.ExternalTrafficPolicy == "Local")
            {
                readyNodes = All<V1EndpointSlice>()
                    .Where(e => e.Metadata.NamespaceProperty == service.Metadata.NamespaceProperty && e.Metadata.Labels.Get("kubernetes.io/service-name") == service.Metadata.Name)
                    .SelectMany(e => e.Endpoints ?? [])
                    .Where(e => e.TargetRef?.Kind == "Pod" && e.Conditions?.Ready == true && e.NodeName is not null)
                    .Select(e => e.NodeName).ToHashSet(StringComparer.Ordinal);
            }

            var ips = All<V1Pod>()
                .Where(p => p.Metadata.NamespaceProperty == "kube-system" && p.Metadata.DeletionTimestamp is null
                    && p.Metadata.Labels.Get(SvcNameLabel) == service.Metadata.Name && p.Metadata.Labels.Get(SvcNamespaceLabel) == service.Metadata.NamespaceProperty
                    && !string.IsNullOrEmpty(p.Spec?.NodeName) && !string.IsNullOrEmpty(p.Status?.PodIP)
                    && p.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true
                    && (readyNodes is null || readyNodes.Contains(p.Spec.NodeName)))
                .Select(p => config.Nodes.FirstOrDefault(n => n.Name == p.Spec.NodeName)?.InternalIP.ToString())
                .OfType<string>().Distinct().Order(StringComparer.Ordinal).ToList();
            var previous = (service.Status?.LoadBalancer?.Ingress ?? []).Select(i => i.Ip ?? i.Hostname ?? "").ToList();
            if (previous.SequenceEqual(ips))
            {
                continue;
            }

            service.Status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus { Ingress = ips.Count == 0 ? null : ips.Select(ip => new V1LoadBalancerIngress { Ip = ip }).ToList() } };
            Touch(service);
            if (ips.Count == 0)
            {
                Record(service, "Warning", "UnAvailableLoadBalancer", "There are no available nodes for LoadBalancer", ServiceLBController);
            }
            else
            {
                // Eventf("%v -> %v") of two []string
                Record(service, "Normal", "UpdatedLoadBalancer", $"Updated LoadBalancer with new IPs: [{string.Join(' ', previous)}] -> [{string.Join(' ', ips)}]", ServiceLBController);
            }
        }
    }

    /// <summary>servicelb.go generateName: the Service's name cut to 48 characters (not at a trailing '-') and its uid's first 8.</summary>
    public static string ServiceLBName(V1Service service)
    {
        var name = service.Metadata.Name;
        if (name.Length > 48)
        {
            var trim = 48;
            while (name[trim - 1] == '-')
            {
                trim--;
            }

            name = name[..trim];
        }

        return $"svclb-{name}-{service.Metadata.Uid[..8]}";
    }

    private static V1DaemonSet NewServiceLBDaemonSet(string name, V1Service service)
    {
        var local = service.Spec.ExternalTrafficPolicy == "Local";
        var ranges = service.Spec.LoadBalancerSourceRanges is { Count: > 0 } given ? string.Join(',', given) : "0.0.0.0/0";
        var containers = (service.Spec.Ports ?? []).Select(port =>
        {
            var portName = $"lb-{port.Protocol.ToLowerInvariant()}-{port.Port}";
            List<V1EnvVar> env =
            [
                new() { Name = "SRC_PORT", Value = port.Port.ToString(CultureInfo.InvariantCulture) },
                new() { Name = "SRC_RANGES", Value = ranges },
                new() { Name = "DEST_PROTO", Value = port.Protocol },
            ];
            if (local)
            {
                env.Add(new() { Name = "DEST_PORT", Value = (port.NodePort ?? 0).ToString(CultureInfo.InvariantCulture) });
                // the PodHostIPs gate is beta and on in v1.29: getHostIPsFieldPath gives status.hostIPs
                env.Add(new() { Name = "DEST_IPS", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "status.hostIPs" } } });
            }
            else
            {
                env.Add(new() { Name = "DEST_PORT", Value = port.Port.ToString(CultureInfo.InvariantCulture) });
                env.Add(new() { Name = "DEST_IPS", Value = string.Join(',', service.Spec.ClusterIPs ?? [service.Spec.ClusterIP]) });
            }

            return new V1Container
            {
                Name = portName,
                Image = ServiceLBImage,
                ImagePullPolicy = "IfNotPresent",
                Ports = [new V1ContainerPort { Name = portName, ContainerPort = port.Port, HostPort = port.Port, Protocol = port.Protocol }],
                Env = env,
                SecurityContext = new V1SecurityContext { Capabilities = new V1Capabilities { Add = ["NET_ADMIN"] } },
            };
        }).ToList();
        return new V1DaemonSet
        {
            ApiVersion = "apps/v1",
            Kind = "DaemonSet",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = "kube-system",
                Labels = new Dictionary<string, string>
                {
                    [NodeSelectorLabel] = "false",
                    [SvcNameLabel] = service.Metadata.Name,
                    [SvcNamespaceLabel] = service.Metadata.NamespaceProperty,
                },
                // wrangler's apply.WithOwner: the owner as annotations
                Annotations = new Dictionary<string, string>
                {
                    ["objectset.rio.cattle.io/id"] = "svccontroller",
                    ["objectset.rio.cattle.io/owner-gvk"] = "/v1, Kind=Service",
                    ["objectset.rio.cattle.io/owner-name"] = service.Metadata.Name,
                    ["objectset.rio.cattle.io/owner-namespace"] = service.Metadata.NamespaceProperty,
                },
            },
            Spec = new V1DaemonSetSpec
            {
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta
                    {
                        Labels = new Dictionary<string, string>
                        {
                            ["app"] = name,
                            [SvcNameLabel] = service.Metadata.Name,
                            [SvcNamespaceLabel] = service.Metadata.NamespaceProperty,
                        },
                    },
                    Spec = new V1PodSpec
                    {
                        PriorityClassName = service.Metadata.Annotations.Get("svccontroller.k3s.cattle.io/priorityclassname") ?? "system-node-critical",
                        ServiceAccountName = ServiceLBAccount,
                        AutomountServiceAccountToken = false,
                        SecurityContext = new V1PodSecurityContext { Sysctls = [new V1Sysctl { Name = "net.ipv4.ip_forward", Value = "1" }] },
                        Tolerations =
                        [
                            new V1Toleration { Key = "node-role.kubernetes.io/master", OperatorProperty = "Exists", Effect = "NoSchedule" },
                            new V1Toleration { Key = "node-role.kubernetes.io/control-plane", OperatorProperty = "Exists", Effect = "NoSchedule" },
                            new V1Toleration { Key = "CriticalAddonsOnly", OperatorProperty = "Exists" },
                        ],
                        Containers = containers,
                    },
                },
                UpdateStrategy = new V1DaemonSetUpdateStrategy
                {
                    Type = "RollingUpdate",
                    RollingUpdate = new V1RollingUpdateDaemonSet { MaxUnavailable = 1, MaxSurge = 0 },
                },
                RevisionHistoryLimit = 10,
            },
        };
    }
}
