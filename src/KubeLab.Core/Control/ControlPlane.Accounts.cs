using System.Text;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using KubeLab.Core.Manifests;

namespace KubeLab.Core.Control;

/// <summary>
/// Secrets, ServiceAccounts and the RBAC kinds: stored as the API server stores them (its defaulting and validation,
/// pkg/apis/core/validation ValidateSecret, pkg/apis/rbac/validation), not enforced (every request is the admin's),
/// and the service account controller's `default` ServiceAccount in every namespace
/// (pkg/controller/serviceaccount/serviceaccounts_controller.go).
/// </summary>
public sealed partial class ControlPlane
{
    private const string ConfigKeyMessage = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

    /// <summary>1 MiB: the API server's limit on a Secret's data (core.MaxSecretSize).</summary>
    private const int MaxSecretSize = 1024 * 1024;

    [GeneratedRegex("^[-._a-zA-Z0-9]+$")]
    private static partial Regex ConfigKey();

    /// <summary>
    /// The conversion of stringData into data (pkg/apis/core/v1/conversion.go: stringData wins over data, and is
    /// never stored) and SetDefaults_Secret's type Opaque.
    /// </summary>
    private static void AdmitSecret(V1Secret secret)
    {
        if (secret.StringData is { Count: > 0 } strings)
        {
            secret.Data ??= new Dictionary<string, byte[]>();
            foreach (var (key, value) in strings)
            {
                secret.Data[key] = Encoding.UTF8.GetBytes(value);
            }
        }

        secret.StringData = null;
        if (string.IsNullOrEmpty(secret.Type))
        {
            secret.Type = "Opaque";
        }
    }

    private void ValidateSecret(ManifestDocument document, V1Secret secret)
    {
        var keys = (secret.Data?.Keys ?? []).Concat(secret.StringData?.Keys ?? []).Distinct(StringComparer.Ordinal).ToList();
        foreach (var key in keys)
        {
            if (!ConfigKey().IsMatch(key))
            {
                throw Invalid(document, $"data[{key}]", $"Invalid value: \"{key}\": {ConfigKeyMessage}");
            }
        }

        var size = (secret.Data?.Values.Sum(v => (long)v.Length) ?? 0) + (secret.StringData?.Values.Sum(v => (long)Encoding.UTF8.GetByteCount(v)) ?? 0);
        if (size > MaxSecretSize)
        {
            throw Invalid(document, "data", $"Too long: must have at most {MaxSecretSize} bytes");
        }

        bool Has(string key) => keys.Contains(key, StringComparer.Ordinal);
        switch (secret.Type)
        {
            case "kubernetes.io/service-account-token" when secret.Metadata.Annotations?.ContainsKey("kubernetes.io/service-account.name") != true:
                throw Invalid(document, "metadata.annotations[kubernetes.io/service-account.name]", "Required value");
            case "kubernetes.io/dockerconfigjson" when !Has(".dockerconfigjson"):
                throw Invalid(document, "data[.dockerconfigjson]", "Required value");
            case "kubernetes.io/dockercfg" when !Has(".dockercfg"):
                throw Invalid(document, "data[.dockercfg]", "Required value");
            case "kubernetes.io/basic-auth" when !Has("username") && !Has("password"):
                throw Invalid(document, "data[username]", "Required value");
            case "kubernetes.io/ssh-auth" when !Has("ssh-privatekey"):
                throw Invalid(document, "data[ssh-privatekey]", "Required value");
            case "kubernetes.io/tls" when !Has("tls.key"):
                throw Invalid(document, "data[tls.key]", "Required value");
            case "kubernetes.io/tls" when !Has("tls.crt"):
                throw Invalid(document, "data[tls.crt]", "Required value");
        }

        // ValidateSecretUpdate: the type never changes; an immutable Secret keeps its data and stays immutable
        if (Find("Secret", NamespaceOf(secret), secret.Metadata.Name)?.Object is V1Secret old)
        {
            var type = string.IsNullOrEmpty(secret.Type) ? "Opaque" : secret.Type;
            if (type != old.Type)
            {
                throw Invalid(document, "type", $"Invalid value: \"{type}\": field is immutable");
            }

            if (old.Immutable == true)
            {
                if (secret.Immutable != true)
                {
                    throw Invalid(document, "immutable", "Forbidden: field is immutable when `immutable` is set");
                }

                var copy = KubeObjects.Clone(secret);
                AdmitSecret(copy);
                if (KubeObjects.ToJson(copy.Data ?? new Dictionary<string, byte[]>()) != KubeObjects.ToJson(old.Data ?? new Dictionary<string, byte[]>()))
                {
                    throw Invalid(document, "data", "Forbidden: field is immutable when `immutable` is set");
                }
            }
        }
    }

    /// <summary>ValidatePolicyRule: every rule names its verbs, and resources or non-resource URLs.</summary>
    private void ValidateRules(ManifestDocument document, IList<V1PolicyRule>? rules, bool namespaced)
    {
        for (var i = 0; i < (rules?.Count ?? 0); i++)
        {
            var rule = rules![i];
            if (rule.Verbs is not { Count: > 0 })
            {
                throw Invalid(document, $"rules[{i}].verbs", "Required value: verbs must contain at least one value");
            }

            if (rule.NonResourceURLs is { Count: > 0 })
            {
                if (namespaced)
                {
                    throw Invalid(document, $"rules[{i}].nonResourceURLs", "Invalid value: []string{" + string.Join(", ", rule.NonResourceURLs.Select(u => $"\"{u}\"")) + "}: namespaced rules cannot apply to non-resource URLs");
                }

                if (rule.ApiGroups is { Count: > 0 } || rule.Resources is { Count: > 0 } || rule.ResourceNames is { Count: > 0 })
                {
                    throw Invalid(document, $"rules[{i}].nonResourceURLs", "Invalid value: []string{" + string.Join(", ", rule.NonResourceURLs.Select(u => $"\"{u}\"")) + "}: rules cannot apply to both regular resources and non-resource URLs");
                }

                continue;
            }

            if (rule.ApiGroups is not { Count: > 0 })
            {
                throw Invalid(document, $"rules[{i}].apiGroups", "Required value: resource rules must supply at least one api group");
            }

            if (rule.Resources is not { Count: > 0 })
            {
                throw Invalid(document, $"rules[{i}].resources", "Required value: resource rules must supply at least one resource");
            }
        }
    }

    /// <summary>ValidateRoleBinding / ValidateClusterRoleBinding, and the update's immutable roleRef.</summary>
    private void ValidateBinding(ManifestDocument document, V1RoleRef? roleRef, IList<Rbacv1Subject>? subjects, bool namespaced)
    {
        // rbac/v1 defaults.go: an empty apiGroup is RBAC's; a subject's is "" for a ServiceAccount, RBAC's for the others
        if (roleRef is not null && string.IsNullOrEmpty(roleRef.ApiGroup))
        {
            roleRef.ApiGroup = "rbac.authorization.k8s.io";
        }

        foreach (var subject in subjects ?? [])
        {
            if (subject.ApiGroup is null or "" && subject.Kind is "User" or "Group")
            {
                subject.ApiGroup = "rbac.authorization.k8s.io";
            }
        }

        if (roleRef?.ApiGroup != "rbac.authorization.k8s.io")
        {
            throw Invalid(document, "roleRef.apiGroup", $"Unsupported value: \"{roleRef?.ApiGroup}\": supported values: \"rbac.authorization.k8s.io\"");
        }

        if (namespaced ? roleRef.Kind is not ("Role" or "ClusterRole") : roleRef.Kind != "ClusterRole")
        {
            throw Invalid(document, "roleRef.kind", $"Unsupported value: \"{roleRef.Kind}\": supported values: {(namespaced ? "\"Role\", \"ClusterRole\"" : "\"ClusterRole\"")}");
        }

        if (string.IsNullOrEmpty(roleRef.Name))
        {
            throw Invalid(document, "roleRef.name", "Required value");
        }

        for (var i = 0; i < (subjects?.Count ?? 0); i++)
        {
            var subject = subjects![i];
            if (string.IsNullOrEmpty(subject.Name))
            {
                throw Invalid(document, $"subjects[{i}].name", "Required value");
            }

            switch (subject.Kind)
            {
                case "ServiceAccount" when !namespaced && string.IsNullOrEmpty(subject.NamespaceProperty):
                    throw Invalid(document, $"subjects[{i}].namespace", "Required value");
                case "ServiceAccount" or "User" or "Group":
                    break;
                default:
                    throw Invalid(document, $"subjects[{i}].kind", $"Unsupported value: \"{subject.Kind}\": supported values: \"ServiceAccount\", \"User\", \"Group\"");
            }
        }

        var value = (IKubernetesObject<V1ObjectMeta>)document.Object;
        var existing = Find(document.Kind, namespaced ? NamespaceOf(value) : "", value.Metadata.Name)?.Object;
        var oldRef = existing switch
        {
            V1RoleBinding rb => rb.RoleRef,
            V1ClusterRoleBinding crb => crb.RoleRef,
            _ => null,
        };
        if (oldRef is not null && (oldRef.ApiGroup != roleRef.ApiGroup || oldRef.Kind != roleRef.Kind || oldRef.Name != roleRef.Name))
        {
            throw Invalid(document, "roleRef", $"Invalid value: rbac.RoleRef{{APIGroup:\"{roleRef.ApiGroup}\", Kind:\"{roleRef.Kind}\", Name:\"{roleRef.Name}\"}}: cannot change roleRef");
        }
    }

    /// <summary>
    /// The service account controller: every namespace that is not being deleted has a ServiceAccount named
    /// `default` (made again when it is deleted). Nothing is reported: no client asked for it.
    /// </summary>
    private void ReconcileServiceAccounts()
    {
        var namespaces = BuiltinNamespaces
            .Concat(objects.Where(o => o.Kind == "Namespace" && o.Object.Metadata.DeletionTimestamp is null).Select(o => o.Name))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        foreach (var ns in namespaces)
        {
            if (Find("ServiceAccount", ns, "default") is not null)
            {
                continue;
            }

            var account = new V1ServiceAccount
            {
                ApiVersion = "v1",
                Kind = "ServiceAccount",
                Metadata = new V1ObjectMeta { Name = "default", NamespaceProperty = ns },
            };
            Store(account, existing: null, "ServiceAccount");
            messages.RemoveAt(messages.Count - 1);
        }
    }
}
