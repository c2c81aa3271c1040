using k8s.Models;

namespace KubeLab.Core.Control;

/// <summary>
/// kube-controller-manager's root-ca-cert-publisher (pkg/controller/certificates/rootcacertpublisher/publisher.go):
/// every namespace that is not being deleted has the ConfigMap `kube-root-ca.crt` whose `ca.crt` is the CA that
/// signs the API server's certificate (k3s passes its server-ca.crt as --root-ca-file), with the publisher's
/// description annotation; it is made again when deleted, and its data and annotation are put back when changed.
/// </summary>
public sealed partial class ControlPlane
{
    public const string RootCaConfigMapName = "kube-root-ca.crt";

    private const string DescriptionAnnotation = "kubernetes.io/description";

    private const string RootCaDescription = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. "
        + "No other usage is guaranteed across distributions of Kubernetes clusters.";

    /// <summary>
    /// The lab's state with its API server's CA (the PEM of the lab's server CA): kept in the config, and published in
    /// every namespace at once. The same state when it already has that CA.
    /// </summary>
    public static ClusterState PublishRootCa(ClusterState state, string rootCaPem, DateTimeOffset now)
    {
        if (state.Config.RootCaCertificate == rootCaPem)
        {
            return state;
        }

        var plane = new ControlPlane(state with { Config = state.Config with { RootCaCertificate = rootCaPem } }, now);
        plane.Reconcile();
        return plane.Result().State;
    }

    private void ReconcileRootCaConfigMaps()
    {
        if (config.RootCaCertificate is not { } ca)
        {
            return; // a lab whose API server is not the lab's own (multipass: k3s publishes them itself)
        }

        var namespaces = BuiltinNamespaces
            .Concat(objects.Where(o => o.Kind == "Namespace" && o.Object.Metadata.DeletionTimestamp is null).Select(o => o.Name))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        foreach (var ns in namespaces)
        {
            var existing = Find("ConfigMap", ns, RootCaConfigMapName);
            if (existing?.Object is V1ConfigMap map
                && map.Data is { Count: 1 } data && data.TryGetValue("ca.crt", out var published) && published == ca
                && map.Metadata.Annotations?.TryGetValue(DescriptionAnnotation, out var description) == true && description.Length > 0)
            {
                continue;
            }

            if (existing?.Object.Metadata.DeletionTimestamp is not null)
            {
                continue; // being deleted (a finalizer holds it): made again once it is gone
            }

            var annotations = existing?.Object.Metadata.Annotations is { } kept ? new Dictionary<string, string>(kept, StringComparer.Ordinal) : new Dictionary<string, string>(StringComparer.Ordinal);
            annotations[DescriptionAnnotation] = RootCaDescription;
            var configMap = existing?.Object is V1ConfigMap current ? KubeObjects.Clone(current) : new V1ConfigMap
            {
                ApiVersion = "v1",
                Kind = "ConfigMap",
                Metadata = new V1ObjectMeta { Name = RootCaConfigMapName, NamespaceProperty = ns },
            };
            configMap.Metadata.Annotations = annotations;
            configMap.Data = new Dictionary<string, string> { ["ca.crt"] = ca };
            Store(configMap, existing, "ConfigMap");
            messages.RemoveAt(messages.Count - 1); // nothing is reported: no client asked for it
        }
    }
}
