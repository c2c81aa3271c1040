namespace KubeLab.Netns.Tests.Lab;

/// <summary>
/// The cheat sheet's walkthrough typed as it is, with this machine's `kubectl` (the dispatcher at /usr/bin/kubectl,
/// which picks the client matching the server, 1.29 for v1.29.5+k3s1), against an empty lab's own API server.
/// </summary>
[Trait("Category", "Netns")]
public sealed class CheatSheetKubectlTests : IDisposable
{
    private readonly TestLab lab = new();

    private static string Kubectl()
    {
        Skip.IfNot(Environment.IsPrivilegedProcess, "NOT RUN: the netns lab needs root (CI runs these as root)");
        var kubectl = File.Exists("/usr/bin/kubectl") ? "/usr/bin/kubectl" : "/usr/lib/google-cloud-sdk/bin/kubectl.1.29";
        Skip.IfNot(File.Exists(kubectl), "NOT RUN: no kubectl on this machine");
        return kubectl;
    }

    [SkippableFact]
    public void The_cheat_sheets_kubectl_walkthrough_works_verbatim()
    {
        var kubectl = Kubectl();
        lab.Kubelab.Ok("up", "--name", lab.Name);
        var manifest = Path.Combine(lab.Kubelab.Home, "nginx-svc.yaml");
        File.WriteAllText(manifest, lab.Kubelab.Ok("scenarios", "nginx-svc"));

        Assert.Matches(@"^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\nvm1\s+Ready\s+control-plane,master\s+\S+\s+v1\.29\.5\+k3s1\nvm2\s+Ready\s+<none>\s+\S+\s+v1\.29\.5\+k3s1\nvm3\s+Ready\s+<none>\s+\S+\s+v1\.29\.5\+k3s1\n$",
            Ok(kubectl, "get", "nodes"));
        Assert.Equal("pod/test-pod created\n", Ok(kubectl, "run", "test-pod", "--image=nicolaka/netshoot", "--command", "--", "sleep", "infinity"));
        Assert.Equal("deployment.apps/nginx-deployment created\nservice/nginx-service created\n", Ok(kubectl, "apply", "-f", manifest));
        Assert.Equal("deployment \"nginx-deployment\" successfully rolled out\n", Ok(kubectl, "rollout", "status", "deployment/nginx-deployment", "--timeout=60s"));
        Assert.Matches(@"\nnginx-service\s+ClusterIP\s+10\.43\.\d+\.\d+\s+<none>\s+80/TCP\s+\S+\s+app=nginx\n", Ok(kubectl, "get", "svc", "-o", "wide"));
        var pods = Ok(kubectl, "get", "pods", "-o", "wide");
        Assert.Equal(3, pods.Split('\n').Count(l => l.StartsWith("nginx-deployment-", StringComparison.Ordinal) && l.Contains(" Running ", StringComparison.Ordinal)));

        // -it without a terminal: kubectl says so and runs the command all the same, as it does on the real cluster
        var (code, page, error) = Run(kubectl, "exec", "-it", "test-pod", "--", "curl", "http://nginx-service:80/");
        Assert.True(code == 0, error);
        Assert.Contains("<title>Welcome to nginx!</title>", page, StringComparison.Ordinal);
        Assert.Contains("Unable to use a TTY - input is not a terminal or the right kind of file", error, StringComparison.Ordinal);
        Assert.Equal("search default.svc.cluster.local svc.cluster.local cluster.local multipass\nnameserver 10.43.0.10\noptions ndots:5\n",
            Ok(kubectl, "exec", "-it", "test-pod", "--", "cat", "/etc/resolv.conf"));
        var services = Ok(kubectl, "get", "svc", "-A");
        Assert.Matches(@"\nkube-system\s+kube-dns\s+ClusterIP\s+10\.43\.0\.10\s+<none>\s+53/UDP,53/TCP,9153/TCP\s+\S+\n", services);
    }

    private string Ok(string kubectl, params string[] args) => LabKubectl.Ok(lab.Kubelab, kubectl, args);

    private (int Code, string Out, string Err) Run(string kubectl, params string[] args) => LabKubectl.Run(lab.Kubelab, kubectl, null, [.. LabKubectl.Options(lab.Kubelab), .. args]);

    public void Dispose()
    {
        if (Environment.IsPrivilegedProcess)
        {
            lab.Dispose();
        }
    }
}
