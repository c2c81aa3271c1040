using System.Collections.Immutable;
using k8s.Models;
using KubeLab.Core.Control;
using KubeLab.Core.Manifests;

namespace KubeLab.Core.Tests.Control;

/// <summary>
/// What the lab's control plane adds to a pod as k3s v1.29's API server does (the decoder's defaults and the
/// ServiceAccount, Priority and DefaultTolerationSeconds admission plugins), and what the kubelet and containerd report.
/// The same objects read through the real kubectl: <c>StoredObjectsKubectlTests</c>.
/// </summary>
public class PodAdmissionTests
{
    private static V1Pod Pod(ClusterState state, string ns, string name) =>
        state.All<V1Pod>().Single(p => p.Metadata.NamespaceProperty == ns && p.Metadata.Name == name);

    [Theory]
    [InlineData("nginx", "docker.io/library/nginx:latest")]
    [InlineData("nginx:1.25", "docker.io/library/nginx:1.25")]
    [InlineData("nicolaka/netshoot", "docker.io/nicolaka/netshoot:latest")]
    [InlineData("docker.io/nginx", "docker.io/library/nginx:latest")]
    [InlineData("rancher/mirrored-coredns-coredns:1.10.1", "docker.io/rancher/mirrored-coredns-coredns:1.10.1")]
    [InlineData("registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.9")]
    [InlineData("localhost:5000/app", "localhost:5000/app:latest")]
    [InlineData("localhost/app", "localhost/app:latest")]
    [InlineData("nginx@sha256:0000000000000000000000000000000000000000000000000000000000000000", "docker.io/library/nginx@sha256:0000000000000000000000000000000000000000000000000000000000000000")]
    public void Images_are_named_as_containerd_reports_them(string image, string reported) =>
        Assert.Equal(reported, ControlPlane.NormalizedImage(image));

    [Theory]
    [InlineData("", "BestEffort")]
    [InlineData("limits: {cpu: 100m, memory: 64Mi}", "Guaranteed")]
    [InlineData("requests: {cpu: 100m, memory: 64Mi}\n        limits: {cpu: 100m, memory: 64Mi}", "Guaranteed")]
    [InlineData("requests: {cpu: 100m}", "Burstable")]
    [InlineData("requests: {cpu: 50m, memory: 64Mi}\n        limits: {cpu: 100m, memory: 64Mi}", "Burstable")]
    [InlineData("limits: {memory: 64Mi}", "Burstable")]
    public void The_qos_class_follows_the_resources(string resources, string qos)
    {
        var state = ControlPlaneTests.ApplyText(ControlPlaneTests.Bootstrap(), $$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: q}
            spec:
              containers:
              - name: c
                image: nginx
                resources:
                    {{(resources.Length == 0 ? "{}" : resources)}}
            """);
        Assert.Equal(qos, Pod(state, "default", "q").Status.QosClass);
    }

    [Fact]
    public void A_reapplied_pod_keeps_what_admission_added_and_a_changed_label_is_configured()
    {
        const string Pod1 = """
            apiVersion: v1
            kind: Pod
            metadata: {name: p, labels: {a: b}}
            spec:
              containers: [{name: c, image: nginx}]
            """;
        var state = ControlPlaneTests.ApplyText(ControlPlaneTests.Bootstrap(), Pod1);
        var before = Pod(state, "default", "p");
        var volume = Assert.Single(before.Spec.Volumes).Name;
        Assert.StartsWith("kube-api-access-", volume, StringComparison.Ordinal);
        var result = ControlPlane.Apply(state, ManifestReader.Read(Pod1.Replace("a: b", "a: c", StringComparison.Ordinal), "p.yaml"), ControlPlaneTests.Now);
        Assert.Equal(["pod/p configured"], result.Messages);
        var after = Pod(result.State, "default", "p");
        Assert.Equal("c", after.Metadata.Labels["a"]);
        Assert.Equal(volume, Assert.Single(after.Spec.Volumes).Name);
        Assert.Equal(["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"], after.Spec.Tolerations.Select(t => t.Key));
    }

    [Fact]
    public void A_pod_that_tolerates_every_no_execute_taint_gets_no_default_tolerations()
    {
        var state = ControlPlaneTests.ApplyText(ControlPlaneTests.Bootstrap(), """
            apiVersion: v1
            kind: Pod
            metadata: {name: t}
            spec:
              tolerations: [{operator: Exists}]
              containers: [{name: c, image: nginx}]
            """);
        Assert.Equal([""], Pod(state, "default", "t").Spec.Tolerations.Select(t => t.Key ?? ""));
    }

    [Fact]
    public void A_lab_made_before_the_packaged_accounts_gets_them_when_its_pods_are_made_again()
    {
        var state = ControlPlaneTests.Bootstrap();
        Assert.Contains(state.All<V1ServiceAccount>(), a => a.Metadata.Name == "coredns");
        // as an older KubeLab left it: no coredns account, and then the coredns pod is deleted
        state = state with { Objects = state.Objects.Where(o => !(o.Kind == "ServiceAccount" && o.Name == "coredns")).ToImmutableList() };
        var coredns = state.All<V1Pod>().Single(p => p.Metadata.Name.StartsWith("coredns-", StringComparison.Ordinal)).Metadata.Name;
        state = ControlPlane.Delete(state, [new ObjectRef("Pod", "kube-system", coredns)], ControlPlaneTests.Now).State;
        var replacement = state.All<V1Pod>().Single(p => p.Metadata.Name.StartsWith("coredns-", StringComparison.Ordinal));
        Assert.NotEqual(coredns, replacement.Metadata.Name);
        Assert.Equal("coredns", replacement.Spec.ServiceAccountName);
        Assert.Contains(state.All<V1ServiceAccount>(), a => a.Metadata.Name == "coredns" && a.Metadata.NamespaceProperty == "kube-system");

        // any other missing account is refused, in the API server's words
        var error = Assert.Throws<KubeLabException>(() => ControlPlaneTests.ApplyText(state, """
            apiVersion: v1
            kind: Pod
            metadata: {name: s, namespace: kube-system}
            spec:
              serviceAccountName: someone
              containers: [{name: c, image: nginx}]
            """));
        Assert.Contains("pods \"s\" is forbidden: error looking up service account kube-system/someone: serviceaccount \"someone\" not found", error.Message, StringComparison.Ordinal);
    }
}
