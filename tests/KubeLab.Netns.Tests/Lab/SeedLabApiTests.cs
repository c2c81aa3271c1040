namespace KubeLab.Netns.Tests.Lab;

/// <summary>The seed lab's API server on the real kernel: kubectl from this machine, and the kubernetes Service from a pod.</summary>
[Trait("Category", "Netns")]
public sealed class SeedLabApiTests(SeedLabFixture lab) : IClassFixture<SeedLabFixture>
{
    private const string Kubectl = "/usr/lib/google-cloud-sdk/bin/kubectl.1.29";

    private static void RequireRoot() => Skip.IfNot(Environment.IsPrivilegedProcess, "NOT RUN: the netns lab needs root (CI runs these as root)");

    [SkippableFact]
    public void A_pod_reaches_the_api_server_through_the_kubernetes_service_and_is_refused_as_anonymous_as_in_k3s()
    {
        RequireRoot();
        // 10.43.0.1:443 → KUBE-SEP DNAT → vm1 10.65.94.238:6443, where the agent listens inside vm1's namespace; the
        // certificate names kubernetes.default.svc, so curl verifies it with the lab's server CA
        var ca = Path.Combine(lab.Kubelab.Home, lab.Name, "pki", "server-ca.crt");
        var answer = lab.ExecOk("test-pod", "curl", "-s", "-m", "5", "--cacert", ca, "https://kubernetes.default.svc/version");
        Assert.Equal("""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}""", answer.Trim());
    }

    [SkippableFact]
    public void Kubectl_shows_the_cheat_sheets_pods_and_services_from_the_labs_own_api()
    {
        RequireRoot();
        Skip.IfNot(File.Exists(Kubectl), $"NOT RUN: the real kubectl is not at {Kubectl}");
        var pods = Run("get", "pods", "-o", "wide");
        Assert.Matches(@"^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES\n", pods);
        Assert.Matches(@"\ntest-pod\s+1/1\s+Running\s+0\s+\S+\s+10\.42\.1\.4\s+vm2\s+<none>\s+<none>\n", pods);
        var services = Run("get", "svc", "-o", "wide");
        Assert.Matches(@"\nnginx-service\s+ClusterIP\s+10\.43\.180\.238\s+<none>\s+80/TCP\s+\S+\s+app=nginx\n", services);
        var nodes = Run("get", "nodes");
        Assert.Matches(@"\nvm1\s+Ready\s+control-plane,master\s+\S+\s+v1\.29\.5\+k3s1\n", nodes);
    }

    [SkippableFact]
    public void Scaling_through_kubectl_rewrites_the_nodes_kube_svc_chain()
    {
        RequireRoot();
        Skip.IfNot(File.Exists(Kubectl), $"NOT RUN: the real kubectl is not at {Kubectl}");
        try
        {
            Run("scale", "deployment", "nginx-deployment", "--replicas=4");
            var chain = lab.ExecOk("vm1", "iptables", "-t", "nat", "-S", "KUBE-SVC-V2OKYYMBY3REGZOG");
            Assert.Equal(4, chain.Split('\n').Count(l => l.Contains("-j KUBE-SEP-", StringComparison.Ordinal)));
            Assert.Contains("--probability 0.25000000000", chain, StringComparison.Ordinal);
        }
        finally
        {
            Run("scale", "deployment", "nginx-deployment", "--replicas=3");
        }

        var restored = lab.ExecOk("vm1", "iptables", "-t", "nat", "-S", "KUBE-SVC-V2OKYYMBY3REGZOG");
        Assert.Equal(3, restored.Split('\n').Count(l => l.Contains("-j KUBE-SEP-", StringComparison.Ordinal)));
    }

    private string Run(params string[] args) => LabKubectl.Ok(lab.Kubelab, Kubectl, args);
}
