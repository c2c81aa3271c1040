using k8s;
using k8s.Models;

namespace KubeLab.Core.Api;

public static partial class TablePrinters
{
    /// <summary>
    /// printStorageClass: NAME with " (default)" for the default class (GA or beta annotation), RECLAIMPOLICY
    /// (Delete unless set), VOLUMEBINDINGMODE (Immediate unless set), ALLOWVOLUMEEXPANSION as a boolean cell.
    /// </summary>
    /// <summary>printPriorityClass (v1.29: no PreemptionPolicy column yet): VALUE as an integer cell, GLOBAL-DEFAULT as a boolean.</summary>
    private static object?[] PriorityClass(V1PriorityClass pc, DateTimeOffset now) =>
        [Name(pc), (long)(pc.Value ?? 0), pc.GlobalDefault ?? false, Age(pc, now)];

    private static object?[] StorageClass(V1StorageClass sc, DateTimeOffset now)
    {
        var annotations = sc.Metadata?.Annotations ?? new Dictionary<string, string>();
        var isDefault = (annotations.TryGetValue("storageclass.kubernetes.io/is-default-class", out var ga) && ga == "true")
            || (annotations.TryGetValue("storageclass.beta.kubernetes.io/is-default-class", out var beta) && beta == "true");
        return
        [
            isDefault ? Name(sc) + " (default)" : Name(sc),
            sc.Provisioner ?? "",
            sc.ReclaimPolicy ?? "Delete",
            sc.VolumeBindingMode ?? "Immediate",
            sc.AllowVolumeExpansion ?? false,
            Age(sc, now),
        ];
    }

    private static object?[] RoleBinding(V1RoleBinding rb, DateTimeOffset now) => Binding(rb, rb.RoleRef, rb.Subjects, now);

    private static object?[] ClusterRoleBinding(V1ClusterRoleBinding crb, DateTimeOffset now) => Binding(crb, crb.RoleRef, crb.Subjects, now);

    /// <summary>printRoleBinding / printClusterRoleBinding: ROLE "Kind/name", AGE, then USERS, GROUPS, SERVICEACCOUNTS ("namespace/name") joined with ", ".</summary>
    private static object?[] Binding(IKubernetesObject<V1ObjectMeta> binding, V1RoleRef? roleRef, IList<Rbacv1Subject>? subjects, DateTimeOffset now)
    {
        subjects ??= [];
        return
        [
            Name(binding),
            (roleRef?.Kind ?? "") + "/" + (roleRef?.Name ?? ""),
            Age(binding, now),
            string.Join(", ", subjects.Where(s => s.Kind == "User").Select(s => s.Name)),
            string.Join(", ", subjects.Where(s => s.Kind == "Group").Select(s => s.Name)),
            string.Join(", ", subjects.Where(s => s.Kind == "ServiceAccount").Select(s => (s.NamespaceProperty ?? "") + "/" + s.Name)),
        ];
    }
}
