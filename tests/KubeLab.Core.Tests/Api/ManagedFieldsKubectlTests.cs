using System.Text.RegularExpressions;

namespace KubeLab.Core.Tests.Api;

/// <summary>
/// metadata.managedFields for the writes that are not server-side apply, read back with the real kubectl
/// (`--show-managed-fields`): kubectl create, client-side apply, label, patch and scale each own what they set, with
/// the API server's defaults, as kube-apiserver v1.29 (k3s v1.29.5) records them; and server-side apply after them
/// conflicts where the real server's field manager conflicts.
/// </summary>
public sealed partial class ManagedFieldsKubectlTests(ApiLab lab) : IClassFixture<ApiLab>
{
    /// <summary>Every entry on one line: manager, operation, subresource, whether it has a time, its fields (JSON, keys sorted).</summary>
    private string Entries(string version, string resource) => lab.KubectlOk(version, "get", resource, "--show-managed-fields", "-o",
        "jsonpath={range .metadata.managedFields[*]}{.manager} {.operation} {.subresource} time={.time} {.fieldsV1}{\"\\n\"}{end}");

    /// <summary>The entries of the clients' writes: without those of the lab's controllers and kubelet (manager "k3s").</summary>
    private string ClientEntries(string version, string resource) =>
        string.Concat(Entries(version, resource).Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("k3s ", StringComparison.Ordinal)).Select(l => l + "\n"));

    /// <summary>The time of each entry as "T" (whole seconds, RFC 3339 UTC, checked), so that the lines can be compared.</summary>
    private static string WithoutTimes(string entries)
    {
        Assert.All(TimeValue().Matches(entries), m => Assert.Matches(@"^time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", m.Value));
        return TimeValue().Replace(entries, "time=T");
    }

    [GeneratedRegex(@"time=\S*")]
    private static partial Regex TimeValue();

    /// <summary>
    /// What `kubectl create deployment NAME --image=nginx` owns on kube-apiserver v1.29: the fields it sent and the ones the
    /// decoder defaulted; "." on what is new as a whole (a label map, rollingUpdate, a container), not on the structs the
    /// empty Deployment already has (spec, strategy, template).
    /// </summary>
    private const string CreatedDeployment =
        """{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:progressDeadlineSeconds":{},"f:replicas":{},"f:revisionHistoryLimit":{},"f:selector":{},"f:strategy":{"f:rollingUpdate":{".":{},"f:maxSurge":{},"f:maxUnavailable":{}},"f:type":{}},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:imagePullPolicy":{},"f:name":{},"f:resources":{},"f:terminationMessagePath":{},"f:terminationMessagePolicy":{}}},"f:dnsPolicy":{},"f:restartPolicy":{},"f:schedulerName":{},"f:securityContext":{},"f:terminationGracePeriodSeconds":{}}}}}""";

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void Kubectl_create_deployment_owns_what_it_sent_and_the_servers_defaults(string version)
    {
        ApiLab.RequireKubectl(version);
        var name = "mf-create-" + ApiLab.Suffix(version);
        lab.KubectlOk(version, "create", "deployment", name, "--image=nginx");
        Assert.Equal($"kubectl-create Update  time=T {CreatedDeployment}\n", WithoutTimes(ClientEntries(version, "deployment/" + name)));

        // as --show-managed-fields prints it in YAML
        var yaml = lab.KubectlOk(version, "get", "deployment", name, "-o", "yaml", "--show-managed-fields");
        Assert.Contains("""
              - apiVersion: apps/v1
                fieldsType: FieldsV1
                fieldsV1:
                  f:metadata:
                    f:labels:
                      .: {}
                      f:app: {}
                  f:spec:
                    f:progressDeadlineSeconds: {}
                    f:replicas: {}
            """.Replace("\r", "", StringComparison.Ordinal), yaml, StringComparison.Ordinal);
        Assert.Contains("    manager: kubectl-create\n    operation: Update\n    time: \"", yaml, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void Label_and_scale_take_the_fields_they_change_and_the_scale_entry_has_no_time(string version)
    {
        ApiLab.RequireKubectl(version);
        var name = "mf-scale-" + ApiLab.Suffix(version);
        lab.KubectlOk(version, "create", "deployment", name, "--image=nginx");
        lab.KubectlOk(version, "label", "deployment", name, "team=blue");
        lab.KubectlOk(version, "scale", "deployment", name, "--replicas=2");
        // kubectl scale sends no fieldManager: the manager is the User-Agent's first part, the binary's name
        var scaler = "kubectl." + version;
        var created = CreatedDeployment.Replace("\"f:replicas\":{},", "", StringComparison.Ordinal);
        Assert.Equal(
            $"{scaler} Update scale time= {{\"f:spec\":{{\"f:replicas\":{{}}}}}}\n"
            + $"kubectl-create Update  time=T {created}\n"
            + "kubectl-label Update  time=T {\"f:metadata\":{\"f:labels\":{\"f:team\":{}}}}\n",
            TimeValue().Replace(ClientEntries(version, "deployment/" + name), m => m.Value == "time=" ? "time=" : "time=T"));

        // a label the same manager changes again stays its own; one another manager changes moves
        lab.KubectlOk(version, "label", "deployment", name, "app=other", "--overwrite");
        var relabelled = Entries(version, "deployment/" + name);
        Assert.Contains("kubectl-label Update  time=2", relabelled, StringComparison.Ordinal);
        Assert.Contains("{\"f:metadata\":{\"f:labels\":{\"f:app\":{},\"f:team\":{}}}}", relabelled, StringComparison.Ordinal);
        Assert.Contains("kubectl-create Update  time=2", relabelled, StringComparison.Ordinal);
        Assert.Contains("{\"f:metadata\":{\"f:labels\":{}},\"f:spec\"", relabelled, StringComparison.Ordinal); // the map itself stays kubectl-create's
    }

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void Kubectl_expose_and_run_own_the_services_and_pods_fields_with_the_servers_defaults(string version)
    {
        ApiLab.RequireKubectl(version);
        var name = "mf-web-" + ApiLab.Suffix(version);
        lab.KubectlOk(version, "create", "deployment", name, "--image=nginx:1.25", "--port=80");
        lab.KubectlOk(version, "expose", "deployment", name, "--port=80");
        Assert.Equal(
            "kubectl-expose Update  time=T {\"f:metadata\":{\"f:labels\":{\".\":{},\"f:app\":{}}},\"f:spec\":{\"f:internalTrafficPolicy\":{},\"f:ports\":{\".\":{},\"k:{\\\"port\\\":80,\\\"protocol\\\":\\\"TCP\\\"}\":{\".\":{},\"f:port\":{},\"f:protocol\":{},\"f:targetPort\":{}}},\"f:selector\":{},\"f:sessionAffinity\":{},\"f:type\":{}}}\n",
            WithoutTimes(Entries(version, "service/" + name)));

        var pod = "mf-run-" + ApiLab.Suffix(version);
        lab.KubectlOk(version, "run", pod, "--image=busybox", "--", "sleep", "3600");
        Assert.Equal(
            "kubectl-run Update  time=T {\"f:metadata\":{\"f:labels\":{\".\":{},\"f:run\":{}}},\"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"" + pod + "\\\"}\":{\".\":{},\"f:args\":{},\"f:image\":{},\"f:imagePullPolicy\":{},\"f:name\":{},\"f:resources\":{},\"f:terminationMessagePath\":{},\"f:terminationMessagePolicy\":{}}},\"f:dnsPolicy\":{},\"f:enableServiceLinks\":{},\"f:restartPolicy\":{},\"f:schedulerName\":{},\"f:securityContext\":{},\"f:terminationGracePeriodSeconds\":{}}}\n",
            WithoutTimes(ClientEntries(version, "pod/" + pod)));
    }

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void A_field_manager_over_128_bytes_is_refused_and_nothing_is_made(string version)
    {
        ApiLab.RequireKubectl(version);
        var name = "mf-long-" + ApiLab.Suffix(version);
        var (code, _, error) = lab.Kubectl(version, "create", "configmap", name, "--from-literal=a=b", "--field-manager=" + new string('m', 129));
        Assert.Equal(1, code);
        Assert.Contains("CreateOptions.meta.k8s.io \"\" is invalid: fieldManager: Too long: must have at most 128 bytes", error, StringComparison.Ordinal);
        Assert.Equal(1, lab.Kubectl(version, "get", "configmap", name).Code);
    }

    private static string Manifest(string name, int replicas) => $"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {name}
        spec:
          replicas: {replicas}
          selector:
            matchLabels:
              app: {name}
          template:
            metadata:
              labels:
                app: {name}
            spec:
              containers:
              - name: nginx
                image: nginx:1.25
                ports:
                - containerPort: 80
        """;

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void Client_side_apply_owns_the_last_applied_annotation_and_its_ports_by_port_and_protocol(string version)
    {
        ApiLab.RequireKubectl(version);
        var name = "mf-csa-" + ApiLab.Suffix(version);
        Assert.Equal($"deployment.apps/{name} created\n", lab.KubectlWithInput(version, Manifest(name, 1), "apply", "-f", "-").Out);
        var entries = WithoutTimes(ClientEntries(version, "deployment/" + name));
        Assert.StartsWith("kubectl-client-side-apply Update  time=T {\"f:metadata\":{\"f:annotations\":{\".\":{},\"f:kubectl.kubernetes.io/last-applied-configuration\":{}}},\"f:spec\":{", entries, StringComparison.Ordinal);
        Assert.Contains("\"f:ports\":{\".\":{},\"k:{\\\"containerPort\\\":80,\\\"protocol\\\":\\\"TCP\\\"}\":{\".\":{},\"f:containerPort\":{},\"f:protocol\":{}}}", entries, StringComparison.Ordinal);
        Assert.Single(entries.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void Server_side_apply_after_client_side_apply_takes_what_kubectl_last_applied_but_conflicts_with_another_writer(string version)
    {
        ApiLab.RequireKubectl(version);
        var name = "mf-ssa-" + ApiLab.Suffix(version);
        lab.KubectlWithInput(version, Manifest(name, 1), "apply", "-f", "-");

        // replicas 1 -> 3: kubectl-client-side-apply owns it, but still at the value it last applied: no conflict
        var upgraded = lab.KubectlWithInput(version, Manifest(name, 3), "apply", "--server-side", "-f", "-");
        Assert.Equal($"deployment.apps/{name} serverside-applied\n", upgraded.Out);
        Assert.Equal("3", lab.KubectlOk(version, "get", "deployment", name, "-o", "jsonpath={.spec.replicas}"));
        // kubectl moved its client-side entry to the appliers; the annotation now holds what was applied server-side
        // (the two appliers sort by their times, then by name: either order is the API server's)
        Assert.Equal(
            "kubectl-last-applied Apply  time=T {\"f:metadata\":{\"f:annotations\":{\"f:kubectl.kubernetes.io/last-applied-configuration\":{}}}}\n"
            + "kubectl Apply  time=T {\"f:spec\":{\"f:replicas\":{},\"f:selector\":{},\"f:template\":{\"f:metadata\":{\"f:labels\":{\"f:app\":{}}},\"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"nginx\\\"}\":{\".\":{},\"f:image\":{},\"f:name\":{},\"f:ports\":{\"k:{\\\"containerPort\\\":80,\\\"protocol\\\":\\\"TCP\\\"}\":{\".\":{},\"f:containerPort\":{}}}}}}}}}\n",
            string.Concat(WithoutTimes(ClientEntries(version, "deployment/" + name)).Split('\n', StringSplitOptions.RemoveEmptyEntries).OrderByDescending(l => l, StringComparer.Ordinal).Select(l => l + "\n")));
        Assert.Equal(
            """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"NAME","namespace":"default"},"spec":{"replicas":3,"selector":{"matchLabels":{"app":"NAME"}},"template":{"metadata":{"labels":{"app":"NAME"}},"spec":{"containers":[{"image":"nginx:1.25","name":"nginx","ports":[{"containerPort":80}]}]}}}}""".Replace("NAME", name, StringComparison.Ordinal) + "\n",
            lab.KubectlOk(version, "get", "deployment", name, "-o", "jsonpath={.metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration}"));

        // kubectl scale takes spec.replicas; applying another count now conflicts with it, in the API server's words
        lab.KubectlOk(version, "scale", "deployment", name, "--replicas=2");
        var conflict = lab.KubectlWithInput(version, Manifest(name, 1), "apply", "--server-side", "-f", "-");
        Assert.Equal(1, conflict.Code);
        Assert.StartsWith($"error: Apply failed with 1 conflict: conflict with \"kubectl.{version}\" with subresource \"scale\" using apps/v1: .spec.replicas\n", conflict.Err, StringComparison.Ordinal);
        Assert.Equal("2", lab.KubectlOk(version, "get", "deployment", name, "-o", "jsonpath={.spec.replicas}"));
    }

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void A_patched_field_conflicts_with_a_later_server_side_apply_by_another_manager(string version)
    {
        ApiLab.RequireKubectl(version);
        var name = "mf-patch-" + ApiLab.Suffix(version);
        lab.KubectlWithInput(version, Manifest(name, 1), "apply", "-f", "-");
        lab.KubectlOk(version, "patch", "deployment", name, "-p", """{"spec":{"replicas":4}}""");
        Assert.Contains("kubectl-patch Update  time=T {\"f:spec\":{\"f:replicas\":{}}}\n", WithoutTimes(Entries(version, "deployment/" + name)), StringComparison.Ordinal);
        Assert.DoesNotContain("\"f:progressDeadlineSeconds\":{},\"f:replicas\"", WithoutTimes(Entries(version, "deployment/" + name)), StringComparison.Ordinal);

        var conflict = lab.KubectlWithInput(version, Manifest(name, 3), "apply", "--server-side", "--field-manager=ci", "-f", "-");
        Assert.Equal(1, conflict.Code);
        Assert.StartsWith("error: Apply failed with 1 conflict: conflict with \"kubectl-patch\" using apps/v1: .spec.replicas\n", conflict.Err, StringComparison.Ordinal);
        // the same value is no conflict: the field is shared
        Assert.Equal($"deployment.apps/{name} serverside-applied\n", lab.KubectlWithInput(version, Manifest(name, 4), "apply", "--server-side", "--field-manager=ci", "-f", "-").Out);
    }
}
