namespace KubeLab.Core.Tests.Api;

/// <summary>
/// The RBAC objects of a fresh lab read with the real kubectl as a k3s v1.29.5 server shows them: kube-apiserver's
/// bootstrap policy (ClusterRoles with admin, edit and view aggregated, ClusterRoleBindings, the Roles and RoleBindings
/// of kube-system and kube-public) and the packaged manifests' (CoreDNS, local-path-provisioner, metrics-server, the
/// cloud controller, Traefik's chart and helm-controller). Stored, not enforced: the admin may still do everything.
/// </summary>
public sealed class RbacKubectlTests(ApiLab lab) : IClassFixture<ApiLab>
{
    public static TheoryData<string> Versions => new() { "1.29", "1.33" };

    private string Names(string version, params string[] args) =>
        lab.KubectlOk(version, [.. args, "-o", "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}"]);

    /// <summary>The first <paramref name="count"/> columns of kubectl's table, one space apart.</summary>
    private static string Columns(string table, int count) => string.Join('\n', table.TrimEnd('\n').Split('\n')
        .Select(line => string.Join(' ', line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(count))));

    [SkippableTheory]
    [MemberData(nameof(Versions))]
    public void A_fresh_lab_lists_the_policys_and_the_packaged_components_rbac(string version)
    {
        ApiLab.RequireKubectl(version);
        // the seed lab runs without ServiceLB: every other add-on's RBAC is there
        var roles = Names(version, "get", "clusterroles").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(63 + 8, roles.Length);
        Assert.Equal(64, Names(version, "get", "clusterroles", "-l", "kubernetes.io/bootstrapping=rbac-defaults").Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        foreach (var name in new[] { "system:k3s-controller", "clustercidrs-node", "k3s-cloud-controller-manager", "system:coredns", "local-path-provisioner-role", "system:aggregated-metrics-reader", "system:metrics-server", "traefik-kube-system" })
        {
            Assert.Contains(name, roles);
        }

        Assert.Equal(44 + 12, Names(version, "get", "clusterrolebindings").Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(
            """
            NAMESPACE NAME
            kube-public system:controller:bootstrap-signer
            kube-system extension-apiserver-authentication-reader
            kube-system system::leader-locking-kube-controller-manager
            kube-system system::leader-locking-kube-scheduler
            kube-system system:controller:bootstrap-signer
            kube-system system:controller:cloud-provider
            kube-system system:controller:token-cleaner
            """,
            Columns(lab.KubectlOk(version, "get", "roles", "-A"), 2));
        Assert.Equal(
            """
            NAMESPACE NAME ROLE
            kube-public system:controller:bootstrap-signer Role/system:controller:bootstrap-signer
            kube-system k3s-cloud-controller-manager-authentication-reader Role/extension-apiserver-authentication-reader
            kube-system metrics-server-auth-reader Role/extension-apiserver-authentication-reader
            kube-system system::extension-apiserver-authentication-reader Role/extension-apiserver-authentication-reader
            kube-system system::leader-locking-kube-controller-manager Role/system::leader-locking-kube-controller-manager
            kube-system system::leader-locking-kube-scheduler Role/system::leader-locking-kube-scheduler
            kube-system system:controller:bootstrap-signer Role/system:controller:bootstrap-signer
            kube-system system:controller:cloud-provider Role/system:controller:cloud-provider
            kube-system system:controller:token-cleaner Role/system:controller:token-cleaner
            """,
            Columns(lab.KubectlOk(version, "get", "rolebindings", "-A"), 3));
    }

    [SkippableTheory]
    [MemberData(nameof(Versions))]
    public void Admin_holds_the_rules_aggregated_from_admin_edit_view_and_metrics(string version)
    {
        ApiLab.RequireKubectl(version);
        var admin = lab.KubectlOk(version, "get", "clusterrole", "admin", "-o", "yaml");
        Assert.Contains("""
            aggregationRule:
              clusterRoleSelectors:
              - matchLabels:
                  rbac.authorization.k8s.io/aggregate-to-admin: "true"
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              annotations:
                rbac.authorization.kubernetes.io/autoupdate: "true"
            """, admin, StringComparison.Ordinal);
        Assert.DoesNotContain("last-applied-configuration", admin, StringComparison.Ordinal);
        // system:aggregate-to-admin's own rule, system:aggregate-to-edit's, system:aggregate-to-view's and metrics-server's
        Assert.Contains("""
            - apiGroups:
              - authorization.k8s.io
              resources:
              - localsubjectaccessreviews
              verbs:
              - create
            """, admin, StringComparison.Ordinal);
        Assert.Contains("""
            - apiGroups:
              - ""
              resources:
              - serviceaccounts
              verbs:
              - impersonate
            """, admin, StringComparison.Ordinal);
        Assert.Contains("""
            - apiGroups:
              - ""
              resources:
              - bindings
              - events
              - limitranges
              - namespaces/status
              - pods/log
              - pods/status
              - replicationcontrollers/status
              - resourcequotas
              - resourcequotas/status
              verbs:
              - get
              - list
              - watch
            """, admin, StringComparison.Ordinal);
        Assert.Contains("""
            - apiGroups:
              - metrics.k8s.io
              resources:
              - pods
              - nodes
              verbs:
              - get
              - list
              - watch
            """, admin, StringComparison.Ordinal);
        Assert.Equal("26 24 11", string.Join(' ', new[] { "admin", "edit", "view" }.Select(name =>
            lab.KubectlOk(version, "get", "clusterrole", name, "-o", "jsonpath={range .rules[*]}x{end}").Length)));
        Assert.Equal("k3s Update", lab.KubectlOk(version, "get", "clusterrole", "admin", "-o", "jsonpath={range .metadata.managedFields[*]}{.manager} {.operation}{end}"));
    }

    [SkippableTheory]
    [MemberData(nameof(Versions))]
    public void Cluster_admin_is_bound_to_system_masters(string version)
    {
        ApiLab.RequireKubectl(version);
        var lines = lab.KubectlOk(version, "get", "clusterrolebinding", "cluster-admin", "-o", "wide").TrimEnd('\n').Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"^NAME +ROLE +AGE +USERS +GROUPS +SERVICEACCOUNTS$", lines[0]);
        Assert.Matches(@"^cluster-admin +ClusterRole/cluster-admin +\d+s +system:masters *$", lines[1]);
        Assert.Equal(
            "rbac-defaults true k3s Update",
            lab.KubectlOk(version, "get", "clusterrolebinding", "cluster-admin", "-o",
                "jsonpath={.metadata.labels.kubernetes\\.io/bootstrapping} {.metadata.annotations.rbac\\.authorization\\.kubernetes\\.io/autoupdate} {.metadata.managedFields[0].manager} {.metadata.managedFields[0].operation}"));
        Assert.Matches(
            @"^system:controller:job-controller +ClusterRole/system:controller:job-controller +\d+s +kube-system/job-controller *$",
            lab.KubectlOk(version, "get", "clusterrolebinding", "system:controller:job-controller", "-o", "wide").TrimEnd('\n').Split('\n')[1]);
    }

    [SkippableFact]
    public void Kube_system_roles_and_the_coredns_role_carry_their_rules()
    {
        ApiLab.RequireKubectl("1.29");
        Assert.Equal(
            "[extension-apiserver-authentication] [configmaps] [get list watch]",
            lab.KubectlOk("1.29", "get", "role", "-n", "kube-system", "extension-apiserver-authentication-reader", "-o",
                "jsonpath={range .rules[*]}{.resourceNames} {.resources} {.verbs}{end}").Replace("\"", "", StringComparison.Ordinal).Replace(",", " ", StringComparison.Ordinal));
        var coredns = lab.KubectlOk("1.29", "get", "clusterrole", "system:coredns", "-o", "yaml");
        Assert.Contains("""
            rules:
            - apiGroups:
              - ""
              resources:
              - endpoints
              - services
              - pods
              - namespaces
              verbs:
              - list
              - watch
            - apiGroups:
              - discovery.k8s.io
              resources:
              - endpointslices
              verbs:
              - list
              - watch
            """, coredns, StringComparison.Ordinal);
        Assert.Equal(
            "deploy@vm1",
            lab.KubectlOk("1.29", "get", "clusterrole", "system:coredns", "-o", "jsonpath={.metadata.managedFields[*].manager}"));
        Assert.Equal(
            "helm_v3 Helm",
            lab.KubectlOk("1.29", "get", "clusterrole", "traefik-kube-system", "-o", "jsonpath={.metadata.managedFields[*].manager} {.metadata.labels.app\\.kubernetes\\.io/managed-by}"));
    }

    [SkippableFact]
    public void Rbac_is_stored_not_enforced_so_the_admin_can_still_do_everything()
    {
        ApiLab.RequireKubectl("1.29");
        Assert.Equal("yes\n", lab.KubectlOk("1.29", "auth", "can-i", "*", "*"));
        Assert.Equal("yes\n", lab.KubectlOk("1.29", "auth", "can-i", "delete", "clusterroles"));
    }
}
