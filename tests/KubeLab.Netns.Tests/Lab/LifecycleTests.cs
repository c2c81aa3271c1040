namespace KubeLab.Netns.Tests.Lab;

/// <summary>up, up again, apply, delete and down on this kernel; the root namespace is left exactly as it was.</summary>
[Trait("Category", "Netns")]
public sealed class LifecycleTests : TestLab
{
    private static IReadOnlyList<string> LabProcesses(string lab) =>
        Directory.GetDirectories("/proc").Select(d => Path.GetFileName(d)!).Where(p => p.All(char.IsAsciiDigit))
            .Select(p =>
            {
                try
                {
                    return File.ReadAllText($"/proc/{p}/cmdline").Replace('\0', ' ');
                }
                catch (IOException)
                {
                    return "";
                }
            })
            .Where(c => c.Contains($"/{lab}", StringComparison.Ordinal) || c.Contains($" {lab} ", StringComparison.Ordinal) || c.Contains($"kl-{lab}.", StringComparison.Ordinal))
            .ToList();

    [SkippableFact]
    public void Down_leaves_nothing_and_the_root_namespace_exactly_as_before()
    {
        Skip.IfNot(Environment.IsPrivilegedProcess, "NOT RUN: the netns lab needs root (CI runs these as root)");
        var before = RootNamespace.State();
        Kubelab.Ok("up", "--name", Name, "-f", "seed");
        Assert.NotEmpty(KubeLab.Realize.Netns.NetnsDriver.ExistingNamespaces(Name));
        Assert.NotEmpty(LabProcesses(Name));
        Kubelab.Ok("down", "--name", Name);
        Assert.Empty(KubeLab.Realize.Netns.NetnsDriver.ExistingNamespaces(Name));
        Assert.Empty(Directory.Exists("/etc/netns") ? Directory.GetDirectories("/etc/netns", $"kl-{Name}.*") : []);
        Assert.Empty(LabProcesses(Name));
        Assert.False(Directory.Exists(Path.Combine(Kubelab.Home, Name)));
        Assert.Equal(before, RootNamespace.State());
    }

    [SkippableFact]
    public void Up_twice_converges_and_up_after_a_crash_rebuilds()
    {
        Skip.IfNot(Environment.IsPrivilegedProcess, "NOT RUN: the netns lab needs root (CI runs these as root)");
        Kubelab.Ok("up", "--name", Name, "-f", "seed");
        Kubelab.Ok("up", "--name", Name);
        Assert.Contains("10.43.180.238", Kubelab.Ok("exec", "--name", Name, "test-pod", "--", "dig", "+short", "nginx-service.default.svc.cluster.local"), StringComparison.Ordinal);
        // a "crash": a node's namespace disappears behind the lab's back
        HostCommand.Check("ip", "netns", "del", $"kl-{Name}.vm3");
        Kubelab.Ok("up", "--name", Name);
        Assert.Contains("Welcome to nginx", Kubelab.Ok("exec", "--name", Name, "test-pod", "--", "curl", "-s", "-m", "5", "http://nginx-service/"), StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Apply_and_delete_update_the_kernel()
    {
        Skip.IfNot(Environment.IsPrivilegedProcess, "NOT RUN: the netns lab needs root (CI runs these as root)");
        Kubelab.Ok("up", "--name", Name);
        Kubelab.Ok("run", "--name", Name, "client", "--image=nicolaka/netshoot", "--command", "--", "sleep", "infinity");
        Kubelab.Ok("apply", "--name", Name, "-f", "nginx-svc");
        Assert.Contains("Welcome to nginx", Kubelab.Ok("exec", "--name", Name, "client", "--", "curl", "-s", "-m", "5", "http://nginx-service/"), StringComparison.Ordinal);
        var chains = Kubelab.Ok("exec", "--name", Name, "vm1", "--", "iptables-save", "-t", "nat");
        Assert.Contains("default/nginx-service cluster IP", chains, StringComparison.Ordinal);
        Kubelab.Ok("delete", "--name", Name, "-f", "nginx-svc");
        var after = Kubelab.Ok("exec", "--name", Name, "vm1", "--", "iptables-save", "-t", "nat");
        Assert.DoesNotContain("nginx-service", after, StringComparison.Ordinal);
        Assert.DoesNotContain(KubeLab.Realize.Netns.NetnsDriver.ExistingNamespaces(Name), n => n.Contains("nginx-deployment", StringComparison.Ordinal));
        var (code, _, error) = Kubelab.Run("exec", "--name", Name, "client", "--", "dig", "+short", "nginx-service.default.svc.cluster.local");
        Assert.Equal(0, code);
        Assert.Equal("", error.Trim());
        // the DNS answer is gone with the service (NXDOMAIN: no output from +short) once CoreDNS's cache lets the
        // record go (its TTL is 5 s): polled with a deadline
        var deadline = DateTime.UtcNow.AddSeconds(15);
        var answer = "";
        do
        {
            answer = Kubelab.Ok("exec", "--name", Name, "client", "--", "dig", "+short", "nginx-service.default.svc.cluster.local").Trim();
        }
        while (answer.Length > 0 && DateTime.UtcNow < deadline);
        Assert.Equal("", answer);
    }

    [Fact]
    public void Up_without_root_fails_at_once_with_what_to_do()
    {
        Skip.If(Environment.IsPrivilegedProcess && !HostCommand.OnPath("setpriv"), "setpriv is needed to drop root for this test");
        var (code, _, error) = Environment.IsPrivilegedProcess
            ? RunAsNobody("up", "--name", Name)
            : Kubelab.Run("up", "--name", Name);
        Assert.Equal(2, code);
        Assert.Contains("needs root", error, StringComparison.Ordinal);
        Assert.Contains("--driver none", error, StringComparison.Ordinal);
        Assert.Empty(KubeLab.Realize.Netns.NetnsDriver.ExistingNamespaces(Name));
    }

    /// <summary>
    /// Runs kubelab as `nobody` from a copy of the build output in a world-readable folder under /tmp, so that the
    /// test does not depend on where the clone lives (a clone under /root or `mktemp -d` is 0700: nobody could not
    /// reach the build output there).
    /// </summary>
    private (int, string, string) RunAsNobody(params string[] args)
    {
        var stage = Path.Combine("/tmp", "kubelab-unprivileged-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(stage);
        try
        {
            var output = Path.GetDirectoryName(typeof(KubeLab.Cli.Program).Assembly.Location)!;
            foreach (var file in Directory.EnumerateFiles(output).Where(f => f.EndsWith(".dll", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal)))
            {
                File.Copy(file, Path.Combine(stage, Path.GetFileName(file)));
            }

            var home = Path.Combine(stage, "home");
            Directory.CreateDirectory(home);
            HostCommand.Check("chmod", "-R", "a+rX", stage);
            HostCommand.Check("chmod", "777", home);
            var dll = Path.Combine(stage, Path.GetFileName(typeof(KubeLab.Cli.Program).Assembly.Location));
            return HostCommand.Run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "env", $"KUBELAB_HOME={home}", $"KUBECONFIG={Path.Combine(home, "kube", "config")}", "HOME=/tmp", "DOTNET_CLI_HOME=/tmp", "dotnet", dll, .. args]);
        }
        finally
        {
            Directory.Delete(stage, recursive: true);
        }
    }
}
