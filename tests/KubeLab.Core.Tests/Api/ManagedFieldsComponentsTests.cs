using System.Text.RegularExpressions;

namespace KubeLab.Core.Tests.Api;

/// <summary>
/// metadata.managedFields of the lab's own writers, read back with the real kubectl (`--show-managed-fields`) as a k3s
/// v1.29 server shows them: the controllers, scheduler and kubelet as "k3s" (the object itself, and its status through
/// the status subresource), the packaged manifests as "deploy@vm1" and Traefik's chart as "helm_v3" (klipper-helm's
/// binary), `kubelab up -f` as
/// kubectl's client-side apply; and the API server's cap of 10 Update entries.
/// </summary>
public sealed partial class ManagedFieldsComponentsTests(ApiLab lab) : IClassFixture<ApiLab>
{
    /// <summary>Every entry on one line: manager, operation, subresource, its fields (JSON, keys sorted), times checked and left out.</summary>
    private string Entries(string version, params string[] target)
    {
        var lines = lab.KubectlOk(version, ["get", .. target, "--show-managed-fields", "-o",
            "jsonpath={range .metadata.managedFields[*]}{.manager} {.operation} {.subresource} time={.time} {.fieldsV1}{\"\\n\"}{end}"]);
        Assert.All(TimeValue().Matches(lines), m => Assert.Matches(@"^time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ $", m.Value));
        var entries = lines.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => (Line: line, Time: TimeValue().Match(line).Value, Manager: line[..line.IndexOf(' ', StringComparison.Ordinal)])).ToList();
        // the API server orders the entries by time (to the second), then by manager
        Assert.Equal(entries.OrderBy(e => e.Time, StringComparer.Ordinal).ThenBy(e => e.Manager, StringComparer.Ordinal).Select(e => e.Line), entries.Select(e => e.Line));
        // compared in manager order: the server's when the writes fall within one second, whichever second the controllers' took
        return string.Concat(entries.OrderBy(e => e.Manager, StringComparer.Ordinal).Select(e => TimeValue().Replace(e.Line, "") + "\n"));
    }

    /// <summary>The managers of the entries, in <see cref="Entries"/>'s order (by manager): "manager operation subresource" each.</summary>
    private string Managers(string version, params string[] target) =>
        string.Join(",", Entries(version, target).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => string.Join(' ', l.Split(' ')[..3]).TrimEnd()));

    [GeneratedRegex(@"time=\S* ")]
    private static partial Regex TimeValue();

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void The_packaged_components_are_the_deploy_controllers_and_helms_and_the_api_servers_own_objects_k3s(string version)
    {
        ApiLab.RequireKubectl(version);
        Assert.Equal("deploy@vm1 Update,k3s Update status", Managers(version, "deployment", "coredns", "-n", "kube-system"));
        Assert.Equal("deploy@vm1 Update", Managers(version, "service", "kube-dns", "-n", "kube-system"));
        Assert.Equal("deploy@vm1 Update", Managers(version, "configmap", "coredns", "-n", "kube-system"));
        Assert.Equal("helm_v3 Update,k3s Update status", Managers(version, "deployment", "traefik", "-n", "kube-system"));
        Assert.Equal("helm_v3 Update", Managers(version, "service", "traefik", "-n", "kube-system"));
        Assert.Equal("k3s Update", Managers(version, "service", "kubernetes"));
        // the root-ca-cert-publisher's ConfigMap: its data and description, nothing of the stripped identity
        Assert.Equal(
            "k3s Update  {\"f:data\":{\".\":{},\"f:ca.crt\":{}},\"f:metadata\":{\"f:annotations\":{\".\":{},\"f:kubernetes.io/description\":{}}}}\n",
            Entries(version, "configmap", "kube-root-ca.crt"));
    }

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void Objects_kubelab_up_applies_are_kubectl_client_side_applys_and_their_status_the_controllers(string version)
    {
        ApiLab.RequireKubectl(version);
        Assert.Equal("kubectl-client-side-apply Update", Managers(version, "service", "nginx-service"));
        Assert.Equal("k3s Update status,kubectl-client-side-apply Update", Managers(version, "deployment", "nginx-deployment"));
        // what kubectl apply's create sends (the seed pins the cluster IP) and the API server's defaults
        Assert.Equal(
            "kubectl-client-side-apply Update  {\"f:metadata\":{\"f:annotations\":{\".\":{},\"f:kubectl.kubernetes.io/last-applied-configuration\":{}}},"
            + "\"f:spec\":{\"f:clusterIP\":{},\"f:internalTrafficPolicy\":{},\"f:ports\":{\".\":{},\"k:{\\\"port\\\":80,\\\"protocol\\\":\\\"TCP\\\"}\":{\".\":{},\"f:port\":{},\"f:protocol\":{},\"f:targetPort\":{}}},"
            + "\"f:selector\":{},\"f:sessionAffinity\":{},\"f:type\":{}}}\n",
            Entries(version, "service", "nginx-service"));
    }

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void A_deployments_status_its_replica_set_and_pods_are_written_by_k3s(string version)
    {
        ApiLab.RequireKubectl(version);
        var name = "mfc-" + ApiLab.Suffix(version);
        lab.KubectlOk(version, "create", "deployment", name, "--image=nginx");
        var deployment = Entries(version, "deployment", name).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, deployment.Length);
        Assert.Equal(
            "k3s Update status {\"f:metadata\":{\"f:annotations\":{\".\":{},\"f:deployment.kubernetes.io/revision\":{}}},"
            + "\"f:status\":{\"f:availableReplicas\":{},\"f:conditions\":{\".\":{},"
            + "\"k:{\\\"type\\\":\\\"Available\\\"}\":{\".\":{},\"f:lastTransitionTime\":{},\"f:lastUpdateTime\":{},\"f:message\":{},\"f:reason\":{},\"f:status\":{},\"f:type\":{}},"
            + "\"k:{\\\"type\\\":\\\"Progressing\\\"}\":{\".\":{},\"f:lastTransitionTime\":{},\"f:lastUpdateTime\":{},\"f:message\":{},\"f:reason\":{},\"f:status\":{},\"f:type\":{}}},"
            + "\"f:observedGeneration\":{},\"f:readyReplicas\":{},\"f:replicas\":{},\"f:updatedReplicas\":{}}}",
            deployment[0]);
        Assert.StartsWith("kubectl-create Update  {\"f:metadata\":{\"f:labels\"", deployment[1], StringComparison.Ordinal);

        // the deployment controller makes the ReplicaSet (owner reference by uid) and the replicaset controller its status
        var replicaSet = lab.KubectlOk(version, "get", "replicaset", "-l", "app=" + name, "-o", "jsonpath={.items[0].metadata.name}");
        var uid = lab.KubectlOk(version, "get", "deployment", name, "-o", "jsonpath={.metadata.uid}");
        var sets = Entries(version, "replicaset", replicaSet).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, sets.Length);
        Assert.StartsWith("k3s Update  {\"f:metadata\":{\"f:annotations\":", sets[0], StringComparison.Ordinal);
        Assert.Contains($"\"f:ownerReferences\":{{\".\":{{}},\"k:{{\\\"uid\\\":\\\"{uid}\\\"}}\":{{\".\":{{}},\"f:apiVersion\":{{}},\"f:blockOwnerDeletion\":{{}},\"f:controller\":{{}},\"f:kind\":{{}},\"f:name\":{{}},\"f:uid\":{{}}}}}}", sets[0], StringComparison.Ordinal);
        Assert.DoesNotContain("f:status", sets[0], StringComparison.Ordinal);
        Assert.StartsWith("k3s Update status {\"f:status\":{\"f:availableReplicas\":{},\"f:fullyLabeledReplicas\":{},\"f:observedGeneration\":{},\"f:readyReplicas\":{},\"f:replicas\":{}}}", sets[1], StringComparison.Ordinal);

        var pod = lab.KubectlOk(version, "get", "pod", "-l", "app=" + name, "-o", "jsonpath={.items[0].metadata.name}");
        Assert.Equal("k3s Update,k3s Update status", Managers(version, "pod", pod));
    }

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void The_kubelets_status_of_a_pod_leaves_the_bindings_node_name_and_pod_scheduled_condition_untracked(string version)
    {
        ApiLab.RequireKubectl(version);
        var pod = "mfk-" + ApiLab.Suffix(version);
        lab.KubectlOk(version, "run", pod, "--image=busybox", "--", "sleep", "3600");
        var ip = lab.KubectlOk(version, "get", "pod", pod, "-o", "jsonpath={.status.podIP}");
        var entries = Entries(version, "pod", pod).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, entries.Length);
        static string Condition(string type) => $"\"k:{{\\\"type\\\":\\\"{type}\\\"}}\":{{\".\":{{}},\"f:lastProbeTime\":{{}},\"f:lastTransitionTime\":{{}},\"f:status\":{{}},\"f:type\":{{}}}}";
        Assert.Equal(
            "k3s Update status {\"f:status\":{\"f:conditions\":{" + Condition("ContainersReady") + "," + Condition("Initialized") + "," + Condition("PodReadyToStartContainers") + "," + Condition("Ready") + "},"
            + "\"f:containerStatuses\":{},\"f:hostIP\":{},\"f:hostIPs\":{},\"f:phase\":{},\"f:podIP\":{},"
            + $"\"f:podIPs\":{{\".\":{{}},\"k:{{\\\"ip\\\":\\\"{ip}\\\"}}\":{{\".\":{{}},\"f:ip\":{{}}}}}},\"f:startTime\":{{}}}}}}",
            entries[0]);
        Assert.StartsWith("kubectl-run Update  {\"f:metadata\":", entries[1], StringComparison.Ordinal);
        Assert.DoesNotContain("f:nodeName", entries[1], StringComparison.Ordinal);
    }

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void Eleven_update_managers_leave_ten_entries_the_two_oldest_merged_into_ancient_changes(string version)
    {
        ApiLab.RequireKubectl(version);
        var name = "mfcap-" + ApiLab.Suffix(version);
        lab.KubectlOk(version, "create", "configmap", name, "--from-literal=a=b");
        for (var i = 1; i <= 10; i++)
        {
            lab.KubectlOk(version, "label", "configmap", name, $"k{i}=v", $"--field-manager=m{i}");
        }

        var entries = Entries(version, "configmap", name).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(10, entries.Length);
        // the oldest by time (then by identifier): kubectl-create's entry and m1's, merged
        Assert.Contains("ancient-changes Update  {\"f:data\":{\".\":{},\"f:a\":{}},\"f:metadata\":{\"f:labels\":{\".\":{},\"f:k1\":{}}}}", entries);
        Assert.Equal(
            ["ancient-changes", .. Enumerable.Range(2, 9).Select(i => $"m{i}").Order(StringComparer.Ordinal)],
            entries.Select(l => l.Split(' ')[0]).Order(StringComparer.Ordinal).ToArray());
    }
}
