using k8s.Models;

namespace KubeLab.Core.Control;

/// <summary>
/// The mutating admission plugins a k3s v1.29 API server runs on every new pod (kube-apiserver's default plugins,
/// plugin/pkg/admission): ServiceAccount (the pod's service account, and its API credentials as the projected
/// kube-api-access-xxxxx volume mounted read-only in every container), Priority (the priority of the pod's
/// PriorityClass, 0 without one, and its preemption policy) and DefaultTolerationSeconds (the node lifecycle's
/// not-ready and unreachable taints tolerated for 300 s). What they add is what `kubectl get pod -o yaml` and
/// `kubectl describe pod` show on k3s.
/// </summary>
public sealed partial class ControlPlane
{
    /// <summary>Where the ServiceAccount plugin mounts the pod's credentials (serviceaccount.DefaultAPITokenMountPath).</summary>
    public const string ServiceAccountMountPath = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>The projected volume's name prefix (ServiceAccountVolumeName in the plugin).</summary>
    private const string ApiAccessVolumePrefix = "kube-api-access-";

    /// <summary>
    /// The built-in PriorityClasses every cluster has (pkg/apis/scheduling SystemPriorityClasses), which the API server
    /// creates at every start; a lab made before KubeLab stored them finds them here.
    /// </summary>
    private static readonly Dictionary<string, int> SystemPriorityClasses = new(StringComparer.Ordinal)
    {
        ["system-node-critical"] = 2000001000,
        ["system-cluster-critical"] = 2000000000,
    };

    /// <summary>The admission of a new pod; the reason it is refused (403 Forbidden), or null.</summary>
    private string? AdmitPod(V1Pod pod)
    {
        var spec = pod.Spec;

        // Priority: the named class's value and preemption policy; without a name, the global default class (the
        // smallest value of several) names itself, or else priority 0
        var classes = All<V1PriorityClass>();
        V1PriorityClass? chosen;
        if (string.IsNullOrEmpty(spec.PriorityClassName))
        {
            chosen = classes.Where(c => c.GlobalDefault == true).OrderBy(c => c.Value).FirstOrDefault();
            spec.PriorityClassName = chosen?.Metadata.Name;
        }
        else
        {
            chosen = classes.FirstOrDefault(c => c.Metadata.Name == spec.PriorityClassName)
                ?? (SystemPriorityClasses.TryGetValue(spec.PriorityClassName, out var system) ? new V1PriorityClass { Value = system } : null);
            if (chosen is null)
            {
                return $"pods \"{NameForErrors(pod)}\" is forbidden: no PriorityClass with name {spec.PriorityClassName} was found";
            }
        }

        var priority = chosen?.Value ?? 0;
        if (spec.Priority is { } given && given != priority)
        {
            return $"pods \"{NameForErrors(pod)}\" is forbidden: the integer value of priority ({given}) must not be provided in pod spec; priority admission controller computed {priority} from the given PriorityClass name";
        }

        var preemption = chosen?.PreemptionPolicy ?? "PreemptLowerPriority";
        if (spec.PreemptionPolicy is { } policy && policy != preemption)
        {
            return $"pods \"{NameForErrors(pod)}\" is forbidden: the string value of PreemptionPolicy ({policy}) must not be provided in pod spec; priority admission controller computed {preemption} from the given PriorityClass name";
        }

        spec.Priority = priority;
        spec.PreemptionPolicy = preemption;

        // ServiceAccount: the default account, which must exist, and its token, the cluster's CA and the namespace, unless
        // automount is off
        if (string.IsNullOrEmpty(spec.ServiceAccountName))
        {
            spec.ServiceAccountName = "default";
        }

        spec.ServiceAccount = spec.ServiceAccountName; // the v1 API's deprecated serviceAccount mirrors it
        var account = All<V1ServiceAccount>().FirstOrDefault(a => a.Metadata.NamespaceProperty == pod.Metadata.NamespaceProperty && a.Metadata.Name == spec.ServiceAccountName);
        if (account is null && pod.Metadata.NamespaceProperty == "kube-system" && SystemObjects.PackagedAccounts.Contains(spec.ServiceAccountName))
        {
            // a lab made before KubeLab wrote the packaged manifests' accounts: k3s's deploy controller applies its
            // manifests again at every start, so on k3s they would exist; made here when first needed
            account = new V1ServiceAccount { ApiVersion = "v1", Kind = "ServiceAccount", Metadata = new V1ObjectMeta { Name = spec.ServiceAccountName, NamespaceProperty = "kube-system" } };
            Store(account, existing: null, "ServiceAccount");
            messages.RemoveAt(messages.Count - 1);
        }

        if (account is null)
        {
            return $"pods \"{NameForErrors(pod)}\" is forbidden: error looking up service account {pod.Metadata.NamespaceProperty}/{spec.ServiceAccountName}: serviceaccount \"{spec.ServiceAccountName}\" not found";
        }

        if (spec.AutomountServiceAccountToken ?? account.AutomountServiceAccountToken ?? true)
        {
            MountApiAccess(pod);
        }

        // DefaultTolerationSeconds: unless the pod already tolerates the taint (or every NoExecute taint)
        foreach (var taint in new[] { "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable" })
        {
            if (spec.Tolerations?.Any(t => (string.IsNullOrEmpty(t.Key) || t.Key == taint) && (string.IsNullOrEmpty(t.Effect) || t.Effect == "NoExecute")) != true)
            {
                spec.Tolerations ??= [];
                spec.Tolerations.Add(new V1Toleration { Key = taint, OperatorProperty = "Exists", Effect = "NoExecute", TolerationSeconds = 300 });
            }
        }

        return null;
    }

    /// <summary>The projected volume with the pod's token, kube-root-ca.crt and namespace, mounted read-only in every container that has nothing there.</summary>
    private void MountApiAccess(V1Pod pod)
    {
        var spec = pod.Spec;
        var containers = (spec.InitContainers ?? []).Concat(spec.Containers ?? []).ToList();
        if (containers.All(c => c.VolumeMounts?.Any(m => m.MountPath == ServiceAccountMountPath) == true))
        {
            return;
        }

        var volume = spec.Volumes?.FirstOrDefault(v => v.Name.StartsWith(ApiAccessVolumePrefix, StringComparison.Ordinal) && v.Projected is not null);
        if (volume is null)
        {
            // the plugin names it with a random suffix; here it is reproducible from the pod and the write
            var suffix = Names.RandomSuffix(new Random(unchecked((int)(StableHash($"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}") ^ generation))));
            volume = new V1Volume
            {
                Name = ApiAccessVolumePrefix + suffix,
                Projected = new V1ProjectedVolumeSource
                {
                    DefaultMode = 420,
                    Sources =
                    [
                        new V1VolumeProjection { ServiceAccountToken = new V1ServiceAccountTokenProjection { ExpirationSeconds = 3607, Path = "token" } },
                        new V1VolumeProjection
                        {
                            ConfigMap = new V1ConfigMapProjection { Name = RootCaConfigMapName, Items = [new V1KeyToPath { Key = "ca.crt", Path = "ca.crt" }] },
                        },
                        new V1VolumeProjection
                        {
                            DownwardAPI = new V1DownwardAPIProjection
                            {
                                Items = [new V1DownwardAPIVolumeFile { Path = "namespace", FieldRef = new V1ObjectFieldSelector { ApiVersion = "v1", FieldPath = "metadata.namespace" } }],
                            },
                        },
                    ],
                },
            };
            spec.Volumes ??= [];
            spec.Volumes.Add(volume);
        }

        foreach (var container in containers.Where(c => c.VolumeMounts?.Any(m => m.MountPath == ServiceAccountMountPath) != true))
        {
            container.VolumeMounts ??= [];
            container.VolumeMounts.Add(new V1VolumeMount { Name = volume.Name, ReadOnlyProperty = true, MountPath = ServiceAccountMountPath });
        }
    }

    /// <summary>
    /// What admission added to a pod, kept through a re-apply of its manifest: kubectl apply patches the live pod, so
    /// the fields its configuration never named (the service account, its volume and mounts, priority, the default
    /// tolerations) stay as the API server made them.
    /// </summary>
    private static void KeepAdmitted(V1Pod live, V1Pod applied)
    {
        var (was, spec) = (live.Spec, applied.Spec);
        if (string.IsNullOrEmpty(spec.ServiceAccountName))
        {
            spec.ServiceAccountName = was.ServiceAccountName;
            spec.ServiceAccount = was.ServiceAccount;
        }

        spec.Priority ??= was.Priority;
        spec.PreemptionPolicy ??= was.PreemptionPolicy;
        foreach (var toleration in was.Tolerations ?? [])
        {
            if (toleration.TolerationSeconds == 300 && spec.Tolerations?.Any(t => t.Key == toleration.Key && t.Effect == toleration.Effect) != true)
            {
                spec.Tolerations ??= [];
                spec.Tolerations.Add(toleration);
            }
        }

        if (was.Volumes?.FirstOrDefault(v => v.Name.StartsWith(ApiAccessVolumePrefix, StringComparison.Ordinal)) is not { } access
            || spec.Volumes?.Any(v => v.Name == access.Name) == true)
        {
            return;
        }

        spec.Volumes ??= [];
        spec.Volumes.Add(access);
        var liveContainers = (was.InitContainers ?? []).Concat(was.Containers ?? []).ToList();
        foreach (var container in (spec.InitContainers ?? []).Concat(spec.Containers ?? []))
        {
            var mount = liveContainers.FirstOrDefault(c => c.Name == container.Name)?.VolumeMounts?.FirstOrDefault(m => m.Name == access.Name);
            if (mount is not null && container.VolumeMounts?.Any(m => m.MountPath == mount.MountPath) != true)
            {
                container.VolumeMounts ??= [];
                container.VolumeMounts.Add(mount);
            }
        }
    }

    /// <summary>
    /// The name admission errors give a pod: a generated name is made after mutating admission, so a pod created with
    /// generateName (every controller's) is named by its prefix ("web-5d4f7c9b8-").
    /// </summary>
    private static string NameForErrors(V1Pod pod) => string.IsNullOrEmpty(pod.Metadata.GenerateName) ? pod.Metadata.Name ?? "" : pod.Metadata.GenerateName;
}
