using System.Text.RegularExpressions;

namespace KubeLab.Core.Tests.Api;

/// <summary>
/// What the lab's API server stores, read back with the real kubectl as a k3s v1.29.5 server shows it: the decoder's
/// defaults (SetDefaults_*), the pod admission plugins (ServiceAccount, Priority, DefaultTolerationSeconds),
/// metadata.generation and the controllers' observedGeneration, the Deployment's revision annotation and condition
/// times, and the kubelet's status (PodReadyToStartContainers, lastProbeTime null, containerd's image names).
/// </summary>
public sealed partial class StoredObjectsKubectlTests(ApiLab lab) : IClassFixture<ApiLab>
{
    [GeneratedRegex("kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}")]
    private static partial Regex ApiAccessVolume();

    [GeneratedRegex(@"""\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ""")]
    private static partial Regex Time();

    /// <summary>`kubectl run NAME --image=nicolaka/netshoot -- sleep infinity`, its spec as k3s v1.29 stores it (kubectl get -o yaml).</summary>
    private const string RunPodSpec = """
        spec:
          containers:
          - args:
            - sleep
            - infinity
            image: nicolaka/netshoot
            imagePullPolicy: Always
            name: NAME
            resources: {}
            terminationMessagePath: /dev/termination-log
            terminationMessagePolicy: File
            volumeMounts:
            - mountPath: /var/run/secrets/kubernetes.io/serviceaccount
              name: kube-api-access-XXXXX
              readOnly: true
          dnsPolicy: ClusterFirst
          enableServiceLinks: true
          nodeName: NODE
          preemptionPolicy: PreemptLowerPriority
          priority: 0
          restartPolicy: Always
          schedulerName: default-scheduler
          securityContext: {}
          serviceAccount: default
          serviceAccountName: default
          terminationGracePeriodSeconds: 30
          tolerations:
          - effect: NoExecute
            key: node.kubernetes.io/not-ready
            operator: Exists
            tolerationSeconds: 300
          - effect: NoExecute
            key: node.kubernetes.io/unreachable
            operator: Exists
            tolerationSeconds: 300
          volumes:
          - name: kube-api-access-XXXXX
            projected:
              defaultMode: 420
              sources:
              - serviceAccountToken:
                  expirationSeconds: 3607
                  path: token
              - configMap:
                  items:
                  - key: ca.crt
                    path: ca.crt
                  name: kube-root-ca.crt
              - downwardAPI:
                  items:
                  - fieldRef:
                      apiVersion: v1
                      fieldPath: metadata.namespace
                    path: namespace
        status:
          conditions:
          - lastProbeTime: null
            lastTransitionTime: T
            status: "True"
            type: PodReadyToStartContainers
          - lastProbeTime: null
            lastTransitionTime: T
            status: "True"
            type: Initialized
          - lastProbeTime: null
            lastTransitionTime: T
            status: "True"
            type: Ready
          - lastProbeTime: null
            lastTransitionTime: T
            status: "True"
            type: ContainersReady
          - lastProbeTime: null
            lastTransitionTime: T
            status: "True"
            type: PodScheduled
          containerStatuses:
          - containerID: containerd://ID
            image: docker.io/nicolaka/netshoot:latest
        """;

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void A_run_pod_is_stored_with_the_defaults_and_what_admission_adds(string version)
    {
        ApiLab.RequireKubectl(version);
        var name = "stored-run-" + ApiLab.Suffix(version);
        lab.KubectlOk(version, "run", name, "--image=nicolaka/netshoot", "--", "sleep", "infinity");
        var yaml = lab.KubectlOk(version, "get", "pod", name, "-o", "yaml");
        var volume = ApiAccessVolume().Match(yaml);
        Assert.True(volume.Success, yaml);
        Assert.Equal(2, ApiAccessVolume().Matches(yaml).Count(m => m.Value == volume.Value)); // the volume and its mount
        var node = Regex.Match(yaml, @"nodeName: (vm\d)").Groups[1].Value;
        var shown = Regex.Replace(Time().Replace(ApiAccessVolume().Replace(yaml, "kube-api-access-XXXXX"), "T"), "containerd://[0-9a-f]{64}", "containerd://ID");
        var expected = RunPodSpec.Replace("NAME", name, StringComparison.Ordinal).Replace("NODE", node, StringComparison.Ordinal);
        Assert.Contains(expected, shown, StringComparison.Ordinal);
        Assert.Contains("    lastState: {}\n", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("generation:", yaml, StringComparison.Ordinal); // pods have none before v1.33

        var described = lab.KubectlOk(version, "describe", "pod", name);
        Assert.Matches(@"Tolerations:\s+node\.kubernetes\.io/not-ready:NoExecute op=Exists for 300s\n\s+node\.kubernetes\.io/unreachable:NoExecute op=Exists for 300s\n", described);
        Assert.Contains($"/var/run/secrets/kubernetes.io/serviceaccount from {volume.Value} (ro)", described, StringComparison.Ordinal);
        Assert.Matches(@"Service Account:\s+default\n", described);
        Assert.Matches(@"Priority:\s+0\n", described);
        Assert.Matches(@"PodReadyToStartContainers\s+True", described);
    }

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void A_deployment_has_its_defaults_generation_revision_and_condition_times(string version)
    {
        ApiLab.RequireKubectl(version);
        var name = "stored-deploy-" + ApiLab.Suffix(version);
        var created = lab.KubectlOk(version, "create", "deployment", name, "--image=nginx", "-o", "yaml");
        string Field(string path) => lab.KubectlOk(version, "get", "deployment", name, "-o", "jsonpath={" + path + "}");

        var yaml = lab.KubectlOk(version, "get", "deployment", name, "-o", "yaml");
        // Go writes a template's zero creation time as null: in the create's response, a get and the ReplicaSet's
        // template (only there: the object's own time is set)
        var template = $"""
              template:
                metadata:
                  creationTimestamp: null
                  labels:
                    app: {name}
            """.Replace("\r", "", StringComparison.Ordinal);
        Assert.Contains(template, created, StringComparison.Ordinal);
        Assert.Contains(template, yaml, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(yaml, "creationTimestamp: null"));
        Assert.Contains("\n    template:\n      metadata:\n        creationTimestamp: null\n        labels:\n", lab.KubectlOk(version, "get", "rs", "-l", $"app={name}", "-o", "yaml"), StringComparison.Ordinal);
        // kubectl's last-applied annotation is the file's (no null time in it), and applying the file again changes nothing
        var manifest = $"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}-applied\nspec:\n  selector:\n    matchLabels:\n      app: {name}-applied\n  template:\n    metadata:\n      labels:\n        app: {name}-applied\n    spec:\n      containers:\n      - name: nginx\n        image: nginx\n";
        Assert.Equal($"deployment.apps/{name}-applied created\n", lab.KubectlWithInput(version, manifest, "apply", "-f", "-").Out);
        Assert.Equal($"deployment.apps/{name}-applied unchanged\n", lab.KubectlWithInput(version, manifest, "apply", "-f", "-").Out);
        Assert.DoesNotContain("creationTimestamp", lab.KubectlOk(version, "get", "deployment", name + "-applied", "-o", "jsonpath={.metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration}"), StringComparison.Ordinal);
        Assert.Contains("""
              strategy:
                rollingUpdate:
                  maxSurge: 25%
                  maxUnavailable: 25%
                type: RollingUpdate
            """.Replace("\r", "", StringComparison.Ordinal), yaml, StringComparison.Ordinal);
        Assert.Contains("  progressDeadlineSeconds: 600\n", yaml, StringComparison.Ordinal);
        Assert.Contains("  revisionHistoryLimit: 10\n", yaml, StringComparison.Ordinal);
        Assert.Contains("""
                  containers:
                  - image: nginx
                    imagePullPolicy: Always
                    name: nginx
                    resources: {}
                    terminationMessagePath: /dev/termination-log
                    terminationMessagePolicy: File
                  dnsPolicy: ClusterFirst
                  restartPolicy: Always
                  schedulerName: default-scheduler
                  securityContext: {}
                  terminationGracePeriodSeconds: 30
            """.Replace("\r", "", StringComparison.Ordinal), yaml, StringComparison.Ordinal);
        Assert.Equal("1 1 1", $"{Field(".metadata.generation")} {Field(".status.observedGeneration")} {Field(".metadata.annotations.deployment\\.kubernetes\\.io/revision")}");
        Assert.Matches(@"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ){4}$", Field("range .status.conditions[*]}{.lastUpdateTime} {.lastTransitionTime} {end"));
        var describedBefore = lab.KubectlOk(version, "describe", "deployment", name);
        Assert.Matches(@"StrategyType:\s+RollingUpdate\n", describedBefore);
        Assert.Matches(@"RollingUpdateStrategy:\s+25% max unavailable, 25% max surge\n", describedBefore);

        // a new template: the generation and the revision move on, and the rollout is observed
        lab.KubectlOk(version, "set", "image", $"deployment/{name}", "nginx=nginx:1.25");
        Assert.Equal("2 2 2", $"{Field(".metadata.generation")} {Field(".status.observedGeneration")} {Field(".metadata.annotations.deployment\\.kubernetes\\.io/revision")}");
        Assert.Contains("successfully rolled out", lab.KubectlOk(version, "rollout", "status", $"deployment/{name}", "--timeout=20s"), StringComparison.Ordinal);
        // scaling changes the spec too; a label does not
        lab.KubectlOk(version, "scale", $"deployment/{name}", "--replicas=2");
        lab.KubectlOk(version, "label", $"deployment/{name}", "team=blue");
        Assert.Equal("3 3", $"{Field(".metadata.generation")} {Field(".status.observedGeneration")}");
        var rs = lab.KubectlOk(version, "get", "rs", "-l", $"app={name}", "-o", "jsonpath={range .items[*]}{.metadata.generation}/{.status.observedGeneration}/{.spec.replicas} {end}");
        Assert.Equal(["2/2/0", "2/2/2"], rs.Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)); // the old one scaled down, the new one up
        var pod = lab.KubectlOk(version, "get", "pods", "-l", $"app={name}", "-o", "jsonpath={.items[0].metadata.generateName}");
        Assert.Matches($"^{name}-[a-z0-9]+-$", pod);

        // back to the first template: its ReplicaSet becomes revision 3, as the deployment controller renumbers it
        lab.KubectlOk(version, "rollout", "undo", $"deployment/{name}");
        Assert.Contains("successfully rolled out", lab.KubectlOk(version, "rollout", "status", $"deployment/{name}", "--timeout=20s"), StringComparison.Ordinal);
        Assert.Equal("3", Field(".metadata.annotations.deployment\\.kubernetes\\.io/revision"));
        Assert.Matches(@"REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>\n", lab.KubectlOk(version, "rollout", "history", $"deployment/{name}"));
        Assert.Equal("nginx", lab.KubectlOk(version, "get", "deployment", name, "-o", "jsonpath={.spec.template.spec.containers[0].image}"));
    }

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void Priority_classes_and_resources_decide_priority_and_qos(string version)
    {
        ApiLab.RequireKubectl(version);
        var name = "stored-qos-" + ApiLab.Suffix(version);
        var manifest = $$$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: {{{name}}}}
            spec:
              priorityClassName: system-cluster-critical
              automountServiceAccountToken: false
              containers:
              - name: c
                image: nginx:1.25
                resources: {limits: {cpu: 100m, memory: 64Mi}}
            """;
        var (code, _, err) = lab.KubectlWithInput(version, manifest, "apply", "-f", "-");
        Assert.True(code == 0, err);
        string Field(string path) => lab.KubectlOk(version, "get", "pod", name, "-o", "jsonpath={" + path + "}");
        Assert.Equal("2000000000 PreemptLowerPriority Guaranteed", $"{Field(".spec.priority")} {Field(".spec.preemptionPolicy")} {Field(".status.qosClass")}");
        Assert.Equal("{\"cpu\":\"100m\",\"memory\":\"64Mi\"}", Field(".spec.containers[0].resources.requests")); // requests default to limits
        Assert.Equal("", Field(".spec.volumes")); // automount off: no credentials
        Assert.Equal("docker.io/library/nginx:1.25", Field(".status.containerStatuses[0].image"));

        var unknown = manifest.Replace(name, name + "-x", StringComparison.Ordinal).Replace("system-cluster-critical", "gold", StringComparison.Ordinal);
        var refused = lab.KubectlWithInput(version, unknown, "apply", "-f", "-");
        Assert.NotEqual(0, refused.Code);
        Assert.Contains($"pods \"{name}-x\" is forbidden: no PriorityClass with name gold was found", refused.Err, StringComparison.Ordinal);
        Assert.NotEqual(0, lab.Kubectl(version, "get", "pod", name + "-x").Code);

        // a class of one's own is then found; the API server's two are listed as k3s lists them
        var gold = "gold" + ApiLab.Suffix(version);
        try
        {
            lab.KubectlOk(version, "create", "priorityclass", gold, "--value=1000", "--preemption-policy=Never", "--description=team");
            var admitted = unknown.Replace("\"gold\"", gold, StringComparison.Ordinal).Replace(": gold", ": " + gold, StringComparison.Ordinal);
            Assert.Equal(0, lab.KubectlWithInput(version, admitted, "apply", "-f", "-").Code);
            Assert.Equal("1000 Never", lab.KubectlOk(version, "get", "pod", name + "-x", "-o", "jsonpath={.spec.priority} {.spec.preemptionPolicy}"));
            var listed = lab.KubectlOk(version, "get", "priorityclasses");
            Assert.Matches($"^NAME +VALUE +GLOBAL-DEFAULT +AGE\n{gold} +1000 +false +\\d+s\n", listed);
            Assert.Matches("\nsystem-cluster-critical +2000000000 +false +\\S+\nsystem-node-critical +2000001000 +false +\\S+\n$", listed);
            Assert.Equal("PreemptLowerPriority Used for system critical pods that must not be moved from their current node.", lab.KubectlOk(version, "get", "pc", "system-node-critical", "-o", "jsonpath={.preemptionPolicy} {.description}"));
            // the API server writes its own classes: its manager, no kubectl annotation
            Assert.Equal("k3s Update ", lab.KubectlOk(version, "get", "pc", "system-cluster-critical", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields[*].manager} {.metadata.managedFields[*].operation} {.metadata.annotations}"));

            // a pod may not state another policy than its class's
            var stated = admitted.Replace(name + "-x", name + "-y", StringComparison.Ordinal).Replace("  automountServiceAccountToken", "  preemptionPolicy: PreemptLowerPriority\n  automountServiceAccountToken", StringComparison.Ordinal);
            Assert.Contains($"pods \"{name}-y\" is forbidden: the string value of PreemptionPolicy (PreemptLowerPriority) must not be provided in pod spec; priority admission controller computed Never from the given PriorityClass name", lab.KubectlWithInput(version, stated, "apply", "-f", "-").Err, StringComparison.Ordinal);

            // the global default class names itself in a pod that names none
            lab.KubectlOk(version, "patch", "priorityclass", gold, "-p", "{\"globalDefault\":true}");
            lab.KubectlOk(version, "run", name + "-z", "--image=nginx");
            Assert.Equal($"{gold} 1000 Never", lab.KubectlOk(version, "get", "pod", name + "-z", "-o", "jsonpath={.spec.priorityClassName} {.spec.priority} {.spec.preemptionPolicy}"));
        }
        finally
        {
            lab.Kubectl(version, "delete", "priorityclass", gold); // no default class for the other tests' pods
        }
    }

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void A_missing_service_account_refuses_the_pod_and_holds_the_rollout_until_it_exists(string version)
    {
        ApiLab.RequireKubectl(version);
        var account = "nope-" + ApiLab.Suffix(version);
        var pod = "stored-sa-" + ApiLab.Suffix(version);
        var refused = lab.Kubectl(version, "run", pod, "--image=nginx", "--overrides={\"spec\":{\"serviceAccountName\":\"" + account + "\"}}");
        Assert.NotEqual(0, refused.Code);
        Assert.Contains($"Error from server (Forbidden): pods \"{pod}\" is forbidden: error looking up service account default/{account}: serviceaccount \"{account}\" not found", refused.Err, StringComparison.Ordinal);

        // a Deployment whose new template names it: the ReplicaSet controller's create is refused, the old pods stay
        var name = "stored-hold-" + ApiLab.Suffix(version);
        lab.KubectlOk(version, "create", "deployment", name, "--image=nginx", "--replicas=3");
        lab.KubectlOk(version, "patch", "deployment", name, "-p", "{\"spec\":{\"template\":{\"spec\":{\"serviceAccountName\":\"" + account + "\"}}}}");
        string Sets() => lab.KubectlOk(version, "get", "rs", "-l", "app=" + name, "-o", "jsonpath={range .items[*]}{.spec.replicas}/{.status.replicas} {end}");
        Assert.Equal(["1/0", "3/3"], Sets().Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
        // the held ReplicaSet still records what the Deployment wants and may surge to
        Assert.Equal(["3/4", "3/4"], lab.KubectlOk(version, "get", "rs", "-l", "app=" + name, "-o",
            "jsonpath={range .items[*]}{.metadata.annotations.deployment\\.kubernetes\\.io/desired-replicas}/{.metadata.annotations.deployment\\.kubernetes\\.io/max-replicas} {end}").Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("3", lab.KubectlOk(version, "get", "deployment", name, "-o", "jsonpath={.status.availableReplicas}"));
        Assert.Equal("ReplicaSetUpdated", lab.KubectlOk(version, "get", "deployment", name, "-o", "jsonpath={.status.conditions[?(@.type==\"Progressing\")].reason}"));
        var events = lab.KubectlOk(version, "get", "events", "--field-selector", "reason=FailedCreate", "-o", "jsonpath={range .items[*]}{.message}{\"\\n\"}{end}");
        Assert.Contains($"Error creating: pods \"{name}-", events, StringComparison.Ordinal);
        Assert.Contains($"-\" is forbidden: error looking up service account default/{account}: serviceaccount \"{account}\" not found", events, StringComparison.Ordinal);
        var waiting = lab.Kubectl(version, "rollout", "status", "deployment/" + name, "--timeout=2s");
        Assert.NotEqual(0, waiting.Code);
        Assert.Contains($"Waiting for deployment \"{name}\" rollout to finish: 0 out of 3 new replicas have been updated...", waiting.Out, StringComparison.Ordinal);

        lab.KubectlOk(version, "create", "serviceaccount", account);
        Assert.Contains("successfully rolled out", lab.KubectlOk(version, "rollout", "status", "deployment/" + name, "--timeout=20s"), StringComparison.Ordinal);
        Assert.Equal(["0/0", "3/3"], Sets().Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
    }

    [SkippableFact]
    public void The_packaged_components_run_as_their_own_service_accounts()
    {
        ApiLab.RequireKubectl("1.29");
        var accounts = lab.KubectlOk("1.29", "get", "serviceaccounts", "-n", "kube-system", "-o", "jsonpath={range .items[*]}{.metadata.name} {end}");
        foreach (var account in new[] { "coredns", "default", "local-path-provisioner-service-account", "metrics-server" })
        {
            Assert.Contains(account + " ", accounts, StringComparison.Ordinal);
        }

        var pods = lab.KubectlOk("1.29", "get", "pods", "-n", "kube-system", "-o", "jsonpath={range .items[*]}{.spec.serviceAccountName} {end}");
        Assert.All(pods.Split(' ', StringSplitOptions.RemoveEmptyEntries), a => Assert.Contains(a + " ", accounts, StringComparison.Ordinal));
    }

    [SkippableFact]
    public void Endpoints_and_node_leases_are_written_by_k3s_and_nodes_have_an_identity()
    {
        ApiLab.RequireKubectl("1.29");
        Assert.Equal(
            "k3s Update {\"f:metadata\":{\"f:annotations\":{\".\":{},\"f:endpoints.kubernetes.io/last-change-trigger-time\":{}}},\"f:subsets\":{}}",
            lab.KubectlOk("1.29", "get", "endpoints", "nginx-service", "-o", "jsonpath={range .metadata.managedFields[*]}{.manager} {.operation} {.fieldsV1}{end}"));
        var uid = lab.KubectlOk("1.29", "get", "node", "vm1", "-o", "jsonpath={.metadata.uid}");
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", uid);
        Assert.Equal("1", lab.KubectlOk("1.29", "get", "node", "vm1", "-o", "jsonpath={.metadata.resourceVersion}"));
        Assert.Equal($"Node/vm1/{uid}", lab.KubectlOk("1.29", "get", "lease", "vm1", "-n", "kube-node-lease", "-o", "jsonpath={.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}/{.metadata.ownerReferences[0].uid}"));
        var lease = lab.KubectlOk("1.29", "get", "lease", "vm1", "-n", "kube-node-lease", "-o", "jsonpath={range .metadata.managedFields[*]}{.manager} {.operation} {.fieldsV1}{end}");
        Assert.StartsWith("k3s Update {\"f:metadata\":{\"f:ownerReferences\":", lease, StringComparison.Ordinal);
        Assert.EndsWith("\"f:spec\":{\"f:holderIdentity\":{},\"f:leaseDurationSeconds\":{},\"f:renewTime\":{}}}", lease, StringComparison.Ordinal);
        // a metav1.MicroTime: six digits of a second, as a kubelet's renewals carry them
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", lab.KubectlOk("1.29", "get", "lease", "vm1", "-n", "kube-node-lease", "-o", "jsonpath={.spec.renewTime}"));
    }

    [SkippableFact]
    public void A_deleted_node_lease_is_written_again_by_its_kubelet_with_a_new_uid()
    {
        ApiLab.RequireKubectl("1.29");
        const string Fields = "jsonpath={.metadata.uid} {.spec.holderIdentity} {.spec.renewTime}";
        var before = lab.KubectlOk("1.29", "get", "lease", "vm3", "-n", "kube-node-lease", "-o", Fields).Split(' ');
        var listed = lab.KubectlOk("1.29", "get", "--raw", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases?limit=1");
        var revision = System.Text.Json.Nodes.JsonNode.Parse(listed)!["metadata"]!["resourceVersion"]!.GetValue<string>();
        // kubectl delete waits until the uid it deleted is gone: it ends because the kubelet's new lease has another
        Assert.Equal((0, "lease.coordination.k8s.io \"vm3\" deleted\n", ""), lab.Kubectl("1.29", "delete", "lease", "vm3", "-n", "kube-node-lease", "--timeout=20s"));
        var after = lab.KubectlOk("1.29", "get", "lease", "vm3", "-n", "kube-node-lease", "-o", Fields).Split(' ');
        Assert.NotEqual(before[0], after[0]);
        Assert.Equal("vm3", after[1]);
        Assert.Matches(@"\.\d{6}Z$", after[2]);
        Assert.StartsWith("k3s Update ", lab.KubectlOk("1.29", "get", "lease", "vm3", "-n", "kube-node-lease", "-o", "jsonpath={range .metadata.managedFields[*]}{.manager} {.operation} {end}"), StringComparison.Ordinal);
        // a watch from before the delete sees the old lease go and the new one come
        var events = lab.KubectlOk("1.29", "get", "--raw",
            $"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases?watch=1&fieldSelector=metadata.name%3Dvm3&resourceVersion={revision}&timeoutSeconds=1");
        Assert.Matches($"^{{\"type\":\"DELETED\",\"object\":{{.*\"uid\":\"{before[0]}\".*\n{{\"type\":\"ADDED\",\"object\":{{.*\"uid\":\"{after[0]}\".*\n$", events);
        // kubelab's delete waits as kubectl's does: the uid it deleted is gone, though the name is back at once
        Assert.Equal((0, "lease.coordination.k8s.io \"vm3\" deleted\n", ""), lab.Cli.Run("delete", "lease", "vm3", "-n", "kube-node-lease", "--name", lab.Name));
        Assert.NotEqual(after[0], lab.KubectlOk("1.29", "get", "lease", "vm3", "-n", "kube-node-lease", "-o", "jsonpath={.metadata.uid}"));
    }
}
