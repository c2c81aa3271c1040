namespace KubeLab.Core.Tests.Api;

/// <summary>
/// The real kubectl against a lab's API server: the Events its controllers, scheduler and kubelet record, graceful
/// deletion (Terminating, grace periods, --force), finalizers, the garbage collector's cascades, and `kubectl describe`.
/// </summary>
public sealed class EventsAndDeletionTests(ApiLab lab) : IClassFixture<ApiLab>
{
    private static string Deployment(string name, string image, int replicas, int grace) =>
        $"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels:\n      app: {name}\n"
        + $"  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      terminationGracePeriodSeconds: {grace}\n      containers:\n      - name: main\n        image: {image}\n        command: [\"sleep\", \"infinity\"]\n";

    /// <summary>`kubectl create deployment NAME --image=IMAGE --replicas=N` (protobuf from kubectl 1.33, JSON from 1.29).</summary>
    private void CreateNginxDeployment(string version, string name, string image, int replicas) =>
        Assert.Equal($"deployment.apps/{name} created\n", lab.KubectlOk(version, "create", "deployment", name, $"--image={image}", $"--replicas={replicas}"));

    private string[] PodNames(string selector) =>
        lab.KubectlOk("1.29", "get", "pods", "-l", selector, "-o", "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Polls until <paramref name="condition"/> holds or 20 s have passed.</summary>
    private static bool Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            Thread.Yield();
        }

        return condition();
    }

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void Get_events_shows_what_the_deployment_controller_replicaset_controller_scheduler_and_kubelet_recorded(string version)
    {
        ApiLab.RequireKubectl(version);
        var name = "ev" + ApiLab.Suffix(version);
        CreateNginxDeployment(version, name, "nginx:1.25", 2);
        var rs = lab.KubectlOk(version, "get", "rs", "-l", $"app={name}", "-o", "jsonpath={.items[0].metadata.name}");
        var pods = PodNames($"app={name}");
        Assert.Equal(2, pods.Length);

        var table = lab.KubectlOk(version, "get", "events");
        var lines = table.Split('\n');
        Assert.Matches(@"^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$", lines[0]);
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"^\d+s\s+Normal\s+ScalingReplicaSet\s+deployment/{name}\s+Scaled up replica set {rs} to 2$"));
        foreach (var pod in pods)
        {
            Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"^\d+s\s+Normal\s+SuccessfulCreate\s+replicaset/{rs}\s+Created pod: {pod}$"));
            Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"^\d+s\s+Normal\s+Scheduled\s+pod/{pod}\s+Successfully assigned default/{pod} to vm[123]$"));
            Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"^\d+s\s+Normal\s+Pulled\s+pod/{pod}\s+Container image ""nginx:1.25"" already present on machine$"));
            Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"^\d+s\s+Normal\s+Created\s+pod/{pod}\s+Created container nginx$"));
            Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"^\d+s\s+Normal\s+Started\s+pod/{pod}\s+Started container nginx$"));
        }

        // the kubelet's events name the container and the node; the scheduler's come through events.k8s.io/v1 as notes
        var kubelet = lab.KubectlOk(version, "get", "events", "--field-selector", $"involvedObject.name={pods[0]},reason=Started",
            "-o", "jsonpath={.items[0].involvedObject.fieldPath} {.items[0].source.component} {.items[0].source.host} {.items[0].count}");
        Assert.Matches(@"^spec\.containers\{nginx\} kubelet vm[123] 1$", kubelet);
        var scheduled = lab.KubectlOk(version, "get", "events.v1.events.k8s.io", "--field-selector", $"metadata.name!=x",
            "-o", $"jsonpath={{range .items[?(@.regarding.name==\"{pods[0]}\")]}}{{.reason}}/{{.reportingController}} {{end}}");
        Assert.Contains("Scheduled/default-scheduler", scheduled, StringComparison.Ordinal);

        Assert.Equal($"deployment.apps/{name} scaled\n", lab.KubectlOk(version, "scale", "deployment", name, "--replicas=1"));
        var events = lab.KubectlOk(version, "get", "events", "-o", "jsonpath={range .items[*]}{.reason}: {.message}{\"\\n\"}{end}");
        Assert.Contains($"ScalingReplicaSet: Scaled down replica set {rs} to 1 from 2\n", events, StringComparison.Ordinal);
        Assert.Contains("SuccessfulDelete: Deleted pod: ", events, StringComparison.Ordinal);
        Assert.Contains("Killing: Stopping container nginx\n", events, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void A_deleted_pod_is_terminating_for_its_grace_period_while_its_replicaset_replaces_it()
    {
        ApiLab.RequireKubectl("1.29");
        lab.KubectlWithInput("1.29", Deployment("graceful", "nicolaka/netshoot", 1, 3), "apply", "-f", "-");
        var original = Assert.Single(PodNames("app=graceful"));

        Assert.Equal($"pod \"{original}\" deleted\n", lab.KubectlOk("1.29", "delete", "pod", original, "--wait=false"));
        var table = lab.KubectlOk("1.29", "get", "pods", "-l", "app=graceful");
        Assert.Matches($@"\n{original}\s+1/1\s+Terminating\s+0\s+\d+s\n", table);
        var pods = PodNames("app=graceful");
        Assert.Equal(2, pods.Length);
        var replacement = Assert.Single(pods, p => p != original);
        Assert.Equal("3", lab.KubectlOk("1.29", "get", "pod", original, "-o", "jsonpath={.metadata.deletionGracePeriodSeconds}"));
        Assert.NotEmpty(lab.KubectlOk("1.29", "get", "pod", original, "-o", "jsonpath={.metadata.deletionTimestamp}"));
        // a terminating pod is no longer a ready endpoint
        Assert.True(Eventually(() => PodNames("app=graceful").SequenceEqual([replacement])), "the terminating pod was never removed");
        var events = lab.KubectlOk("1.29", "get", "events", "--field-selector", $"involvedObject.name={original}", "-o", "jsonpath={range .items[*]}{.reason}={.message};{end}");
        Assert.Contains("Killing=Stopping container main;", events, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Kubectl_delete_waits_for_the_grace_period_and_force_deletes_at_once()
    {
        ApiLab.RequireKubectl("1.29");
        lab.KubectlOk("1.29", "run", "slow", "--image=nicolaka/netshoot", "--command", "--", "sleep", "infinity");
        var started = DateTime.UtcNow;
        Assert.Equal("pod \"slow\" deleted\n", lab.KubectlOk("1.29", "delete", "pod", "slow", "--grace-period=2"));
        // deletionTimestamp is stored to the second (metav1.Time), so the 2 s end up to a second early
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(1), "kubectl returned before the grace period had passed");
        Assert.Equal(1, lab.Kubectl("1.29", "get", "pod", "slow").Code);

        lab.KubectlOk("1.29", "run", "forced", "--image=nicolaka/netshoot", "--command", "--", "sleep", "infinity");
        var (code, output, error) = lab.Kubectl("1.29", "delete", "pod", "forced", "--grace-period=0", "--force", "--wait=false");
        Assert.Equal(0, code);
        Assert.Equal("pod \"forced\" force deleted\n", output);
        Assert.StartsWith("Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated.", error, StringComparison.Ordinal);
        Assert.Equal("Error from server (NotFound): pods \"forced\" not found\n", lab.Kubectl("1.29", "get", "pod", "forced").Err);
    }

    [SkippableFact]
    public void A_finalizer_keeps_an_object_until_it_is_removed()
    {
        ApiLab.RequireKubectl("1.29");
        lab.KubectlWithInput("1.29", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kept\n  finalizers: [\"example.com/keep\"]\ndata:\n  a: b\n", "create", "-f", "-");
        Assert.Equal("configmap \"kept\" deleted\n", lab.KubectlOk("1.29", "delete", "configmap", "kept", "--wait=false"));
        Assert.NotEmpty(lab.KubectlOk("1.29", "get", "configmap", "kept", "-o", "jsonpath={.metadata.deletionTimestamp}"));
        lab.KubectlOk("1.29", "patch", "configmap", "kept", "--type=merge", "-p", "{\"metadata\":{\"finalizers\":null}}");
        Assert.Equal("Error from server (NotFound): configmaps \"kept\" not found\n", lab.Kubectl("1.29", "get", "configmap", "kept").Err);
    }

    [SkippableFact]
    public void Deleting_a_deployment_removes_its_replicasets_and_pods_in_the_background()
    {
        ApiLab.RequireKubectl("1.29");
        lab.KubectlOk("1.29", "create", "deployment", "gone", "--image=nginx", "--replicas=2");
        Assert.Equal("deployment.apps \"gone\" deleted\n", lab.KubectlOk("1.29", "delete", "deployment", "gone"));
        Assert.Equal("", lab.KubectlOk("1.29", "get", "rs", "-l", "app=gone", "-o", "name"));
        Assert.True(Eventually(() => PodNames("app=gone").Length == 0), "the deployment's pods were never collected");
    }

    [SkippableFact]
    public void Orphan_propagation_keeps_the_replicaset_without_its_owner_and_foreground_waits_for_the_pods()
    {
        ApiLab.RequireKubectl("1.29");
        lab.KubectlOk("1.29", "create", "deployment", "orphaned", "--image=nginx", "--replicas=1");
        lab.KubectlOk("1.29", "delete", "deployment", "orphaned", "--cascade=orphan");
        Assert.Equal("", lab.KubectlOk("1.29", "get", "rs", "-l", "app=orphaned", "-o", "jsonpath={.items[0].metadata.ownerReferences}"));
        Assert.Single(PodNames("app=orphaned"));

        lab.KubectlWithInput("1.29", Deployment("front", "nicolaka/netshoot", 1, 2), "apply", "-f", "-");
        Assert.Equal("deployment.apps \"front\" deleted\n", lab.KubectlOk("1.29", "delete", "deployment", "front", "--cascade=foreground", "--wait=false"));
        // the owner stays, marked for deletion with the foregroundDeletion finalizer, until its dependents are gone
        Assert.Equal("foregroundDeletion", lab.KubectlOk("1.29", "get", "deployment", "front", "-o", "jsonpath={.metadata.finalizers[*]}"));
        Assert.True(Eventually(() => lab.Kubectl("1.29", "get", "deployment", "front").Code == 1), "the foreground deletion never finished");
        Assert.Empty(PodNames("app=front"));
    }

    [SkippableFact]
    public void A_delete_with_an_unknown_propagation_policy_is_refused_in_the_api_servers_words()
    {
        ApiLab.RequireKubectl("1.29");
        var (code, _, error) = lab.Kubectl("1.29", "delete", "--raw", "/api/v1/namespaces/default/pods/test-pod?propagationPolicy=Sideways");
        Assert.Equal(1, code);
        Assert.Contains("propagationPolicy: Unsupported value: \"Sideways\"", error, StringComparison.Ordinal);
        Assert.Equal("Running", lab.KubectlOk("1.29", "get", "pod", "test-pod", "-o", "jsonpath={.status.phase}"));
    }

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void Describe_shows_a_pod_service_node_and_deployment_with_their_events(string version)
    {
        ApiLab.RequireKubectl(version);
        var name = "desc" + ApiLab.Suffix(version);
        CreateNginxDeployment(version, name, "nginx:1.25", 1);
        var pod = Assert.Single(PodNames($"app={name}"));

        var describedPod = lab.KubectlOk(version, "describe", "pod", pod);
        Assert.Matches($@"Name:\s+{pod}\n", describedPod);
        Assert.Matches(@"Status:\s+Running\n", describedPod);
        Assert.Matches($@"Normal\s+Scheduled\s+\d+s\s+default-scheduler\s+Successfully assigned default/{pod} to vm[123]\n", describedPod);
        Assert.Matches(@"Normal\s+Started\s+\d+s\s+kubelet\s+Started container nginx\n", describedPod);

        var describedDeployment = lab.KubectlOk(version, "describe", "deployment", name);
        Assert.Matches(@"Replicas:\s+1 desired \| 1 updated \| 1 total \| 1 available \| 0 unavailable\n", describedDeployment);
        Assert.Matches($@"Normal\s+ScalingReplicaSet\s+\d+s\s+deployment-controller\s+Scaled up replica set {name}-[a-z0-9]+ to 1\n", describedDeployment);

        var describedService = lab.KubectlOk(version, "describe", "service", "nginx-service");
        Assert.Matches(@"IP:\s+10\.43\.180\.238\n", describedService);
        Assert.Matches(@"Endpoints:\s+10\.42\.\d+\.\d+:80,10\.42\.\d+\.\d+:80,10\.42\.\d+\.\d+:80\n", describedService);

        var describedNode = lab.KubectlOk(version, "describe", "node", "vm2");
        Assert.Matches(@"Name:\s+vm2\n", describedNode);
        Assert.Matches(@"default\s+test-pod\s+", describedNode);
    }
}
