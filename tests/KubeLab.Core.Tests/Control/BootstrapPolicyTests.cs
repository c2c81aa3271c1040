using k8s;
using k8s.Models;
using KubeLab.Core.Control;
using KubeLab.Core.Manifests;
using KubeLab.Core.Model;

namespace KubeLab.Core.Tests.Control;

/// <summary>
/// kube-apiserver v1.29's bootstrap RBAC policy and the RBAC of k3s's packaged manifests in a fresh lab: who writes them,
/// what the clusterrole-aggregation controller makes of admin, edit and view, and add-ons left out by --disable.
/// </summary>
public sealed class BootstrapPolicyTests
{
    private static readonly DateTimeOffset Now = new(2024, 6, 11, 1, 57, 4, TimeSpan.Zero);

    private static ClusterState Lab(params string[] disable) => ControlPlane.Bootstrap(LabConfig.Default("rbac") with { Disable = disable }, Now);

    private static T Get<T>(ClusterState state, string name, string ns = "")
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        state.All<T>().Single(o => o.Metadata.Name == name && (o.Metadata.NamespaceProperty ?? "") == ns);

    private static string Managers(IKubernetesObject<V1ObjectMeta> value) =>
        string.Join(", ", (value.Metadata.ManagedFields ?? []).Select(e => $"{e.Manager} {e.Operation}"));

    [Fact]
    public void The_policy_has_v1_29s_roles_and_bindings_and_one_binding_per_controller_role()
    {
        var documents = BootstrapPolicy.Documents();
        Assert.Equal(
            "ClusterRole 63, ClusterRoleBinding 44, Role 7, RoleBinding 7",
            string.Join(", ", documents.GroupBy(d => d.Kind).Select(g => $"{g.Key} {g.Count()}")));
        var controllers = documents.Select(d => d.Object).OfType<V1ClusterRole>().Where(r => r.Metadata.Name.StartsWith("system:controller:", StringComparison.Ordinal)).ToList();
        Assert.Equal(32, controllers.Count);
        Assert.Contains(controllers, r => r.Metadata.Name == "system:controller:legacy-service-account-token-cleaner");
        foreach (var role in controllers)
        {
            var binding = documents.Select(d => d.Object).OfType<V1ClusterRoleBinding>().Single(b => b.Metadata.Name == role.Metadata.Name);
            Assert.Equal(role.Metadata.Name, binding.RoleRef.Name);
            var subject = Assert.Single(binding.Subjects);
            Assert.Equal(("ServiceAccount", role.Metadata.Name["system:controller:".Length..], "kube-system"), (subject.Kind, subject.Name, subject.NamespaceProperty));
        }

        Assert.All(documents.Select(d => ((IKubernetesObject<V1ObjectMeta>)d.Object).Metadata), metadata =>
        {
            Assert.Equal("rbac-defaults", metadata.Labels["kubernetes.io/bootstrapping"]);
            Assert.Equal(new Dictionary<string, string> { ["rbac.authorization.kubernetes.io/autoupdate"] = "true" }, metadata.Annotations);
        });
    }

    [Fact]
    public void The_api_servers_objects_are_its_own_updates_without_kubectls_annotation()
    {
        var state = Lab();
        foreach (var value in new IKubernetesObject<V1ObjectMeta>[]
        {
            Get<V1ClusterRole>(state, "cluster-admin"), Get<V1ClusterRole>(state, "admin"), Get<V1ClusterRoleBinding>(state, "system:basic-user"),
            Get<V1Role>(state, "extension-apiserver-authentication-reader", "kube-system"), Get<V1RoleBinding>(state, "system:controller:bootstrap-signer", "kube-public"),
        })
        {
            Assert.False(value.Metadata.Annotations.ContainsKey(ControlPlane.LastAppliedAnnotation), value.Metadata.Name);
            Assert.Equal("k3s Update", Managers(value));
        }

        // the packaged manifests' objects are the deploy controller's, the chart's Helm's, helm-controller's bindings k3s's
        Assert.Equal("deploy@vm1 Update", Managers(Get<V1ClusterRole>(state, "system:coredns")));
        Assert.Equal("deploy@vm1 Update", Managers(Get<V1RoleBinding>(state, "metrics-server-auth-reader", "kube-system")));
        Assert.Equal("deploy@vm1 Update", Managers(Get<V1ClusterRoleBinding>(state, "kube-apiserver-kubelet-admin")));
        Assert.Equal("helm_v3 Update", Managers(Get<V1ClusterRole>(state, "traefik-kube-system")));
        var helm = Get<V1ClusterRoleBinding>(state, "helm-kube-system-traefik");
        Assert.Equal("k3s Update", Managers(helm));
        Assert.Equal(("cluster-admin", "helm-traefik"), (helm.RoleRef.Name, Assert.Single(helm.Subjects).Name));
    }

    [Fact]
    public void Admin_edit_and_view_take_the_rules_of_the_roles_labelled_for_them()
    {
        var state = Lab();
        var view = Get<V1ClusterRole>(state, "view").Rules;
        var edit = Get<V1ClusterRole>(state, "edit").Rules;
        var admin = Get<V1ClusterRole>(state, "admin").Rules;
        var toView = Get<V1ClusterRole>(state, "system:aggregate-to-view").Rules;
        var toEdit = Get<V1ClusterRole>(state, "system:aggregate-to-edit").Rules;
        var toAdmin = Get<V1ClusterRole>(state, "system:aggregate-to-admin").Rules;
        var metrics = Assert.Single(Get<V1ClusterRole>(state, "system:aggregated-metrics-reader").Rules);
        // selector by selector, the matching roles in name order, every rule once
        Assert.Equal(Json([.. toView, metrics]), Json(view));
        Assert.Equal(Json([.. toEdit, metrics, .. toView]), Json(edit));
        Assert.Equal(Json([.. edit, .. toAdmin]), Json(admin));
        Assert.Equal((11, 24, 26), (view.Count, edit.Count, admin.Count));
    }

    [Fact]
    public void Disabled_addons_leave_their_rbac_out_and_view_without_metrics()
    {
        var state = Lab("coredns", "traefik", "local-storage", "metrics-server");
        var names = state.All<V1ClusterRole>().Select(r => r.Metadata.Name).ToHashSet();
        Assert.DoesNotContain("system:coredns", names);
        Assert.DoesNotContain("traefik-kube-system", names);
        Assert.DoesNotContain("local-path-provisioner-role", names);
        Assert.DoesNotContain("system:aggregated-metrics-reader", names);
        Assert.Contains("k3s-cloud-controller-manager", names);
        Assert.Equal(63 + 3, names.Count); // the policy's, system:k3s-controller, clustercidrs-node and the cloud controller's
        Assert.Equal(10, Get<V1ClusterRole>(state, "view").Rules.Count);
        Assert.DoesNotContain(state.All<V1ClusterRoleBinding>(), b => b.Metadata.Name.StartsWith("helm-kube-system-", StringComparison.Ordinal));
        // the policy's seven and the cloud controller's; metrics-server-auth-reader is the ninth of a default lab
        Assert.Equal(8, state.All<V1RoleBinding>().Count());
        Assert.Equal(9, Lab().All<V1RoleBinding>().Count());
    }

    [Fact]
    public void A_labelled_cluster_role_joins_view_edit_and_admin_and_leaves_them_when_deleted()
    {
        var state = ControlPlane.Apply(Lab(), ManifestReader.Read("""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              name: crontabs-view
              labels:
                rbac.authorization.k8s.io/aggregate-to-view: "true"
            rules:
            - apiGroups: [stable.example.com]
              resources: [crontabs]
              verbs: [get, list, watch]
            """, "crontabs.yaml"), Now, recordLastApplied: false).State;
        foreach (var name in new[] { "view", "edit", "admin" })
        {
            var role = Get<V1ClusterRole>(state, name);
            Assert.Contains(role.Rules, r => r.Resources.SequenceEqual(["crontabs"]));
            // the aggregation controller's write (k3s), after the API server's own
            Assert.Equal("k3s Update", Managers(role));
            Assert.Equal(state.Generation.ToString(System.Globalization.CultureInfo.InvariantCulture), role.Metadata.ResourceVersion);
        }

        var deleted = ControlPlane.Delete(state, [new ObjectRef("ClusterRole", "", "crontabs-view")], Now).State;
        Assert.All(new[] { "view", "edit", "admin" }, name =>
            Assert.DoesNotContain(Get<V1ClusterRole>(deleted, name).Rules, r => r.Resources.SequenceEqual(["crontabs"])));
        Assert.Equal(11, Get<V1ClusterRole>(deleted, "view").Rules.Count);
    }

    [Fact]
    public void A_lab_made_before_the_rbac_objects_keeps_working_without_them()
    {
        var rbac = new HashSet<string> { "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding" };
        var fresh = Lab();
        var old = fresh with { Objects = fresh.Objects.RemoveAll(o => rbac.Contains(o.Kind)) };
        var result = ControlPlane.Apply(old, ManifestReader.Read("""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              name: crontabs-view
              labels:
                rbac.authorization.k8s.io/aggregate-to-view: "true"
            rules:
            - apiGroups: [stable.example.com]
              resources: [crontabs]
              verbs: [get]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata:
              name: read-crontabs
            roleRef:
              apiGroup: rbac.authorization.k8s.io
              kind: ClusterRole
              name: view
            subjects:
            - kind: ServiceAccount
              name: default
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              selector:
                matchLabels: {app: web}
              template:
                metadata:
                  labels: {app: web}
                spec:
                  containers:
                  - name: nginx
                    image: nginx
            """, "old-lab.yaml"), Now);
        Assert.Equal(["clusterrole.rbac.authorization.k8s.io/crontabs-view created", "rolebinding.rbac.authorization.k8s.io/read-crontabs created", "deployment.apps/web created"], result.Messages);
        Assert.Equal(["crontabs-view"], result.State.All<V1ClusterRole>().Select(r => r.Metadata.Name));
        Assert.Single(result.State.All<V1Pod>(), p => p.Metadata.Name.StartsWith("web-", StringComparison.Ordinal));
    }

    [Fact]
    public void Starting_a_lab_made_before_the_rbac_objects_writes_them_as_a_new_lab_has_them()
    {
        var rbac = new HashSet<string> { "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding" };
        var fresh = Lab();
        var old = fresh with { Objects = fresh.Objects.RemoveAll(o => rbac.Contains(o.Kind)) };
        var restored = ControlPlane.RestoreStartupObjects(old, Now);
        string Summary(ClusterState state) => string.Join("\n", state.Objects.Where(o => rbac.Contains(o.Kind)).Select(o =>
            $"{o.Key} {Managers(o.Object)} {KubeObjects.ToJson(o.Object.Metadata.Labels ?? new Dictionary<string, string>())} {o.Object.Metadata.Annotations?.Count ?? 0}"
            + (o.Object is V1ClusterRole role ? " " + KubeObjects.ToJson(role.Rules ?? []) : "")).Order(StringComparer.Ordinal));
        Assert.Equal(Summary(fresh), Summary(restored));
        Assert.Same(restored, ControlPlane.RestoreStartupObjects(restored, Now));
        // an object the lab has is left as it is
        var mine = ControlPlane.Apply(old, ManifestReader.Read("""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              name: view
            rules:
            - apiGroups: [""]
              resources: [pods]
              verbs: [get]
            """, "view.yaml"), Now).State;
        var view = Get<V1ClusterRole>(ControlPlane.RestoreStartupObjects(mine, Now), "view");
        Assert.Null(view.AggregationRule);
        Assert.Equal("kubectl-client-side-apply Update", Managers(view));
    }

    [Fact]
    public void A_write_without_rbac_keeps_the_rbac_objects_and_the_garbage_collector_still_takes_an_owned_one()
    {
        var state = ControlPlane.Apply(Lab(), ManifestReader.Read("""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: web
            """, "web.yaml"), Now, recordLastApplied: false, graceful: true).State;
        var owner = Get<V1ConfigMap>(state, "web", "default");
        state = ControlPlane.Apply(state, ManifestReader.Read($$"""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata:
              name: web-reader
              ownerReferences:
              - {apiVersion: v1, kind: ConfigMap, name: web, uid: {{owner.Metadata.Uid}}}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
            subjects:
            - {kind: ServiceAccount, name: default}
            """, "web-reader.yaml"), Now, recordLastApplied: false, graceful: true).State;
        var before = state.Objects.Where(o => o.Object is V1ClusterRole or V1RoleBinding).ToList();
        var after = ControlPlane.Apply(state, ManifestReader.Read("""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: other
            """, "other.yaml"), Now, recordLastApplied: false, graceful: true).State;
        Assert.Equal(before, after.Objects.Where(o => o.Object is V1ClusterRole or V1RoleBinding), ReferenceEqualityComparer.Instance);
        var deleted = ControlPlane.Delete(after, [new ObjectRef("ConfigMap", "default", "web")], Now, options: new DeleteOptions()).State;
        Assert.DoesNotContain(deleted.All<V1RoleBinding>(), b => b.Metadata.Name == "web-reader");
        Assert.Equal(9, deleted.All<V1RoleBinding>().Count());
    }

    [Fact]
    public void The_system_objects_are_read_by_the_block_yaml_reader_not_the_general_one()
    {
        // every kubelab up reads them: block YAML (no flow collections) is read about ten times faster
        using var stream = typeof(BootstrapPolicy).Assembly.GetManifestResourceStream("KubeLab.Core.Control.BootstrapPolicy.yaml")!;
        using var reader = new StreamReader(stream);
        Assert.True(ManifestReader.TryReadBlockYaml(reader.ReadToEnd(), "policy", []));
        Assert.True(ManifestReader.TryReadBlockYaml(SystemObjects.Manifest(LabConfig.Default("rbac")), "system objects", []));
    }

    private static string Json(IEnumerable<V1PolicyRule> rules) => KubeObjects.ToJson(rules.ToList());
}
