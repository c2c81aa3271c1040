namespace KubeLab.Core.Tests.Api;

/// <summary>
/// kube-controller-manager's root-ca-cert-publisher as a lab runs it: every namespace has the ConfigMap
/// kube-root-ca.crt whose ca.crt is the lab's server CA (what verifies https://kubernetes.default.svc from a pod).
/// </summary>
public sealed class RootCaConfigMapTests(ApiLab lab) : IClassFixture<ApiLab>
{
    private const string Description = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

    private string ServerCa => File.ReadAllText(Path.Combine(lab.LabDir, "pki", "server-ca.crt"));

    private string Published(string ns) => lab.KubectlOk("1.29", "get", "configmap", "kube-root-ca.crt", "-n", ns, "-o", "jsonpath={.data.ca\\.crt}");

    [SkippableFact]
    public void Every_namespace_has_kube_root_ca_crt_with_the_labs_server_ca()
    {
        ApiLab.RequireKubectl("1.29");
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", ServerCa, StringComparison.Ordinal);
        Assert.Equal(
            "configmap/kube-root-ca.crt default\nconfigmap/kube-root-ca.crt kube-node-lease\nconfigmap/kube-root-ca.crt kube-public\nconfigmap/kube-root-ca.crt kube-system\n",
            lab.KubectlOk("1.29", "get", "configmaps", "-A", "--field-selector", "metadata.name=kube-root-ca.crt", "-o", "jsonpath={range .items[*]}configmap/{.metadata.name} {.metadata.namespace}{\"\\n\"}{end}"));
        foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
        {
            Assert.Equal(ServerCa, Published(ns));
        }

        Assert.Equal(Description, lab.KubectlOk("1.29", "get", "configmap", "kube-root-ca.crt", "-o", "jsonpath={.metadata.annotations.kubernetes\\.io/description}"));
    }

    [SkippableFact]
    public void A_new_namespace_gets_it_and_a_deleted_or_changed_one_is_published_again()
    {
        ApiLab.RequireKubectl("1.29");
        lab.KubectlOk("1.29", "create", "namespace", "ca-team");
        Assert.Equal(ServerCa, Published("ca-team"));

        Assert.Equal("configmap \"kube-root-ca.crt\" deleted\n", lab.KubectlOk("1.29", "delete", "configmap", "kube-root-ca.crt", "-n", "ca-team"));
        Assert.Equal(ServerCa, Published("ca-team"));

        lab.KubectlOk("1.29", "patch", "configmap", "kube-root-ca.crt", "-n", "ca-team", "--type=merge", "-p", "{\"data\":{\"ca.crt\":\"not a CA\",\"extra\":\"x\"}}");
        Assert.Equal(ServerCa, Published("ca-team"));
        Assert.Equal("ca.crt", lab.KubectlOk("1.29", "get", "configmap", "kube-root-ca.crt", "-n", "ca-team", "-o", "go-template={{range $k, $v := .data}}{{$k}}{{end}}"));
    }
}
