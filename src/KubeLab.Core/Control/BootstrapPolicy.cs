using k8s.Models;
using KubeLab.Core.Manifests;

namespace KubeLab.Core.Control;

/// <summary>
/// kube-apiserver v1.29's bootstrap RBAC policy (BootstrapPolicy.yaml, the data of kubernetes/kubernetes
/// plugin/pkg/auth/authorizer/rbac/bootstrappolicy's testdata): the ClusterRoles, the controllers' roles and their
/// bindings, the ClusterRoleBindings and the Roles and RoleBindings of kube-system and kube-public that the API server's
/// rbac/bootstrap-roles post-start hook creates on every k3s server. They are the API server's own objects: written by
/// manager "k3s" (k3s's client) with an Update, stored as sent (no last-applied-configuration: no kubectl applied
/// them), each with the label and annotation the hook puts on them.
/// </summary>
public static class BootstrapPolicy
{
    public const string BootstrappingLabel = "kubernetes.io/bootstrapping";
    public const string AutoupdateAnnotation = "rbac.authorization.kubernetes.io/autoupdate";
    private const string ControllerRolePrefix = "system:controller:";
    private const string Source = "<kube-apiserver bootstrap RBAC policy>";

    /// <summary>The file's text, read once per process.</summary>
    private static readonly Lazy<string> Text = new(() =>
    {
        using var stream = typeof(BootstrapPolicy).Assembly.GetManifestResourceStream("KubeLab.Core.Control.BootstrapPolicy.yaml")
            ?? throw new InvalidOperationException("the bootstrap RBAC policy is not embedded in KubeLab.Core");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    /// <summary>
    /// The policy's documents in the order the hook creates them (ClusterRoles, the controllers' roles, then the
    /// bindings, then the namespaced Roles and RoleBindings), new objects on every call: applying them changes them.
    /// </summary>
    public static IReadOnlyList<ManifestDocument> Documents()
    {
        var read = ManifestReader.Read(Text.Value, Source);
        var documents = new List<ManifestDocument>(read.Count + 40);
        var controllerBindings = new List<ManifestDocument>();
        foreach (var document in read)
        {
            documents.Add(document);
            if (document.Object is V1ClusterRole role && role.Metadata.Name.StartsWith(ControllerRolePrefix, StringComparison.Ordinal))
            {
                controllerBindings.Add(ControllerBinding(document, role.Metadata.Name));
            }
        }

        // controller_policy.go binds each controller's role to the kube-system ServiceAccount named after it, after the
        // policy's own ClusterRoleBindings
        var firstRole = documents.FindIndex(d => d.Kind == "Role");
        documents.InsertRange(firstRole < 0 ? documents.Count : firstRole, controllerBindings);
        foreach (var document in documents)
        {
            var metadata = ((k8s.IKubernetesObject<V1ObjectMeta>)document.Object).Metadata;
            metadata.Labels = new Dictionary<string, string> { [BootstrappingLabel] = "rbac-defaults" }
                .Concat(metadata.Labels ?? new Dictionary<string, string>())
                .ToDictionary(StringComparer.Ordinal);
            metadata.Annotations = new Dictionary<string, string> { [AutoupdateAnnotation] = "true" };
        }

        return documents;
    }

    private static ManifestDocument ControllerBinding(ManifestDocument role, string name) => role with
    {
        Kind = "ClusterRoleBinding",
        Object = new V1ClusterRoleBinding
        {
            ApiVersion = "rbac.authorization.k8s.io/v1",
            Kind = "ClusterRoleBinding",
            Metadata = new V1ObjectMeta { Name = name },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = name },
            Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = name[ControllerRolePrefix.Length..], NamespaceProperty = "kube-system" }],
        },
    };
}
