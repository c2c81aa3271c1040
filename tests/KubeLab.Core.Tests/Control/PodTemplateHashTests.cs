using k8s;
using k8s.Models;
using KubeLab.Core.Control;

namespace KubeLab.Core.Tests.Control;

/// <summary>pod-template-hash as Kubernetes v1.29 computes it, checked against names real clusters show.</summary>
public sealed class PodTemplateHashTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Golden", "pod-template-hash");

    private static V1Deployment CheatSheetNginx() =>
        KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(Folder, "nginx-svc.yaml"))).OfType<V1Deployment>().Single();

    [Fact]
    public void Cheat_sheets_nginx_deployment_hashes_to_the_cheat_sheets_7c79c4bf97()
    {
        Assert.Equal("7c79c4bf97", PodTemplateHash.Compute(CheatSheetNginx().Spec.Template));
    }

    [Fact]
    public void Printout_of_the_cheat_sheets_template_is_go_spews()
    {
        Assert.Equal(File.ReadAllText(Path.Combine(Folder, "nginx-svc.printout.txt")).TrimEnd('\n'), PodTemplateHash.Printout(CheatSheetNginx().Spec.Template));
    }

    [Fact]
    public void Seed_lab_names_its_nginx_pods_like_the_cheat_sheet()
    {
        var state = ControlPlaneTests.ApplyScenario(ControlPlaneTests.Bootstrap(), "seed");
        var pods = SnapshotBuilder.FromState(state).Pods.Where(p => p.Labels.GetValueOrDefault("app") == "nginx").ToList();
        Assert.Equal(3, pods.Count);
        Assert.All(pods, p => Assert.Matches("^nginx-deployment-7c79c4bf97-[bcdfghjklmnpqrstvwxz2456789]{5}$", p.Name));
    }

    [Fact]
    public void Any_change_to_the_template_changes_the_hash()
    {
        var template = CheatSheetNginx().Spec.Template;
        var changed = KubeObjects.Clone(template);
        changed.Spec.Containers[0].Image = "nginx:1.25";
        Assert.NotEqual(PodTemplateHash.Compute(template), PodTemplateHash.Compute(changed));
        Assert.Contains("ImagePullPolicy:(v1.PullPolicy)IfNotPresent", PodTemplateHash.Printout(changed), StringComparison.Ordinal);
    }

    [Fact]
    public void Collision_count_is_hashed_as_eight_little_endian_bytes()
    {
        var template = CheatSheetNginx().Spec.Template;
        Assert.NotEqual(PodTemplateHash.Compute(template), PodTemplateHash.Compute(template, 0));
        Assert.NotEqual(PodTemplateHash.Compute(template, 0), PodTemplateHash.Compute(template, 1));
    }

    [Theory]
    [InlineData("170Mi", 178257920L, 0, "170Mi", "BinarySI")]
    [InlineData("100m", 100L, -3, "100m", "DecimalSI")]
    [InlineData("1000m", 1000L, -3, "", "DecimalSI")]
    [InlineData("64Mi", 67108864L, 0, "", "BinarySI")]
    [InlineData("1.5", 15L, -1, "", "DecimalSI")]
    public void Quantities_are_printed_as_parse_quantity_leaves_them(string text, long value, int scale, string cached, string format) =>
        Assert.Equal((value, scale, cached, format), GoSpew.ParseQuantity(text));

    [Fact]
    public void Template_with_probes_resources_and_volumes_prints_every_go_field()
    {
        var template = KubernetesYaml.Deserialize<V1PodTemplateSpec>("""
            metadata: {labels: {app: web}}
            spec:
              containers:
              - name: web
                image: nginx@sha256:0000
                resources: {limits: {memory: 170Mi}, requests: {cpu: 100m}}
                readinessProbe: {httpGet: {port: http}}
                env: [{name: NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}]
              volumes: [{name: cfg, configMap: {name: web}}, {name: tmp}]
            """);
        var printout = PodTemplateHash.Printout(template);
        Assert.Contains("Limits:(v1.ResourceList)map[memory:{i:(resource.int64Amount){value:(int64)178257920 scale:(resource.Scale)0} d:(resource.infDecAmount){Dec:(*inf.Dec)<nil>} s:(string)170Mi Format:(resource.Format)BinarySI}]", printout, StringComparison.Ordinal);
        Assert.Contains("ReadinessProbe:(*v1.Probe){ProbeHandler:(v1.ProbeHandler){Exec:(*v1.ExecAction)<nil> HTTPGet:(*v1.HTTPGetAction){Path:(string)/ Port:(intstr.IntOrString){Type:(intstr.Type)1 IntVal:(int32)0 StrVal:(string)http} Host:(string) Scheme:(v1.URIScheme)HTTP", printout, StringComparison.Ordinal);
        Assert.Contains("FieldRef:(*v1.ObjectFieldSelector){APIVersion:(string)v1 FieldPath:(string)metadata.namespace}", printout, StringComparison.Ordinal);
        Assert.Contains("ConfigMap:(*v1.ConfigMapVolumeSource){LocalObjectReference:(v1.LocalObjectReference){Name:(string)web} Items:([]v1.KeyToPath)<nil> DefaultMode:(*int32)420 Optional:(*bool)<nil>}", printout, StringComparison.Ordinal);
        Assert.Contains("{Name:(string)tmp VolumeSource:(v1.VolumeSource){HostPath:(*v1.HostPathVolumeSource)<nil> EmptyDir:(*v1.EmptyDirVolumeSource){Medium:(v1.StorageMedium) SizeLimit:(*resource.Quantity)<nil>}", printout, StringComparison.Ordinal);
        Assert.Contains("ImagePullPolicy:(v1.PullPolicy)IfNotPresent", printout, StringComparison.Ordinal); // a digest, no tag
    }
}
