using k8s.Models;
using KubeLab.Core.Manifests;

namespace KubeLab.Core.Control;

/// <summary>
/// CustomResourceDefinitions as apiextensions-apiserver handles them: validation (pkg/apis/apiextensions/validation),
/// defaulting, the naming and establishing controllers' status (NamesAccepted, Established, acceptedNames,
/// storedVersions), and the finalizer customresourcecleanup.apiextensions.k8s.io, under which a deleted CRD's
/// custom resources are deleted before it goes. Custom resources whose CRD is gone are removed with it.
/// </summary>
public sealed partial class ControlPlane
{
    public const string CustomResourceCleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io";

    private static bool IsNamespacedObject(string kind, object value) =>
        value is CustomObject custom ? custom.Namespaced : IsNamespaced(kind);

    private void ValidateCustomResourceDefinition(ManifestDocument document, V1CustomResourceDefinition crd)
    {
        var spec = crd.Spec;
        if (spec is null)
        {
            throw Invalid(document, "spec", "Required value");
        }

        if (string.IsNullOrEmpty(spec.Group))
        {
            throw Invalid(document, "spec.group", "Required value");
        }

        if (!spec.Group.Contains('.', StringComparison.Ordinal))
        {
            throw Invalid(document, "spec.group", $"Invalid value: \"{spec.Group}\": should be a domain with at least one dot");
        }

        if (string.IsNullOrEmpty(spec.Names?.Plural))
        {
            throw Invalid(document, "spec.names.plural", "Required value");
        }

        if (string.IsNullOrEmpty(spec.Names.Kind))
        {
            throw Invalid(document, "spec.names.kind", "Required value");
        }

        if (crd.Metadata.Name != $"{spec.Names.Plural}.{spec.Group}")
        {
            throw Invalid(document, "metadata.name", $"Invalid value: \"{crd.Metadata.Name}\": must be spec.names.plural+\".\"+spec.group");
        }

        if (spec.Scope is not ("Cluster" or "Namespaced"))
        {
            throw Invalid(document, "spec.scope", $"Unsupported value: \"{spec.Scope}\": supported values: \"Cluster\", \"Namespaced\"");
        }

        if (spec.Versions is not { Count: > 0 })
        {
            throw Invalid(document, "spec.versions", "Invalid value: []apiextensions.CustomResourceDefinitionVersion(nil): must have exactly one version marked as storage version");
        }

        if (spec.Versions.Count(v => v.Storage) != 1)
        {
            throw Invalid(document, "spec.versions", "Invalid value: []apiextensions.CustomResourceDefinitionVersion{…}: must have exactly one version marked as storage version");
        }

        for (var i = 0; i < spec.Versions.Count; i++)
        {
            if (spec.Versions[i].Schema?.OpenAPIV3Schema is null)
            {
                throw Invalid(document, $"spec.versions[{i}].schema.openAPIV3Schema", "Required value: schemas are required");
            }
        }

        if (Find("CustomResourceDefinition", "", crd.Metadata.Name)?.Object is V1CustomResourceDefinition old && old.Spec.Scope != spec.Scope)
        {
            throw Invalid(document, "spec.scope", $"Invalid value: \"{spec.Scope}\": field is immutable");
        }
    }

    /// <summary>v1 defaulting (singular, listKind, conversion None) and the controllers' status, kept across updates.</summary>
    private void AdmitCustomResourceDefinition(V1CustomResourceDefinition crd, V1CustomResourceDefinition? old)
    {
        var names = crd.Spec.Names;
        names.Singular ??= names.Kind.ToLowerInvariant();
        names.ListKind ??= names.Kind + "List";
        crd.Spec.Conversion ??= new V1CustomResourceConversion { Strategy = "None" };
        var since = old?.Status?.Conditions?.FirstOrDefault()?.LastTransitionTime ?? now.UtcDateTime;
        var stored = (old?.Status?.StoredVersions ?? []).Append(crd.Spec.Versions.First(v => v.Storage).Name).Distinct(StringComparer.Ordinal).ToList();
        crd.Status = new V1CustomResourceDefinitionStatus
        {
            AcceptedNames = new V1CustomResourceDefinitionNames
            {
                Kind = names.Kind,
                ListKind = names.ListKind,
                Plural = names.Plural,
                Singular = names.Singular,
                ShortNames = names.ShortNames,
                Categories = names.Categories,
            },
            Conditions =
            [
                new V1CustomResourceDefinitionCondition { Type = "NamesAccepted", Status = "True", Reason = "NoConflicts", Message = "no conflicts found", LastTransitionTime = since },
                new V1CustomResourceDefinitionCondition { Type = "Established", Status = "True", Reason = "InitialNamesAccepted", Message = "the initial names have been accepted", LastTransitionTime = since },
            ],
            StoredVersions = stored,
        };
        crd.Metadata.Finalizers ??= [];
        if (!crd.Metadata.Finalizers.Contains(CustomResourceCleanupFinalizer))
        {
            crd.Metadata.Finalizers.Add(CustomResourceCleanupFinalizer);
        }
    }

    /// <summary>
    /// The finalizer's work: a CRD being deleted loses its custom resources, then its finalizer, then goes; custom
    /// resources whose CRD is gone (kubelab's own delete takes the CRD at once) go too.
    /// </summary>
    private void ReconcileCustomResources()
    {
        foreach (var stored in objects.Where(o => o.Kind == "CustomResourceDefinition" && o.Object.Metadata.DeletionTimestamp is not null).ToList())
        {
            var crd = (V1CustomResourceDefinition)stored.Object;
            objects.RemoveAll(o => o.Kind == CustomObject.StoredKindOf(crd.Spec.Names.Kind, crd.Spec.Group));
            if (crd.Metadata.Finalizers?.Remove(CustomResourceCleanupFinalizer) == true)
            {
                Touch(crd);
            }

            if (crd.Metadata.Finalizers is not { Count: > 0 } && objects.Contains(stored))
            {
                Drop(stored);
            }
        }

        var defined = All<V1CustomResourceDefinition>().Select(c => CustomObject.StoredKindOf(c.Spec.Names.Kind, c.Spec.Group)).ToHashSet(StringComparer.Ordinal);
        objects.RemoveAll(o => o.Object is CustomObject && !defined.Contains(o.Kind));
    }
}
