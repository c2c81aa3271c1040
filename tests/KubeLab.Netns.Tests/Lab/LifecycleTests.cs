namespace KubeLab.Netns.Tests.Lab;

/// <summary>up, up again, apply, delete and down on this kernel; the root namespace is left exactly as it was.</summary>
[Trait("Category", "Netns")]
public sealed class LifecycleTests : IDisposable
{
    private readonly KubelabProcess kubelab = new(KubelabProcess.NewHome());
    private readonly string name = KubelabProcess.NewLabName();

    public void Dispose()
    {
        kubelab.Run("down", "--name", name);
        foreach (var ns in KubeLab.Realize.Netns.NetnsDriver.ExistingNamespaces(name))
        {
            HostCommand.Run("ip", ["netns", "del", ns]);
        }

        if (Directory.Exists(kubelab.Home))
        {
            Directory.Delete(kubelab.Home, recursive: true);
        }
    }

    private static string RootState()
    {
        static string Sorted(string text) => string.Join('\n', text.Split('\n').Where(l => !l.StartsWith('#')).Order(StringComparer.Ordinal));
        return string.Join("\n--\n",
            Sorted(HostCommand.Check("ip", "-o", "link", "show")).Replace("\\", "", StringComparison.Ordinal),
            Sorted(HostCommand.Check("ip", "-o", "addr", "show")),
            Sorted(HostCommand.Check("ip", "route", "show", "table", "all")),
            Sorted(HostCommand.Check("ip", "neigh", "show", "nud", "permanent")),
            Sorted(HostCommand.Check("iptables-save")),
            Sorted(HostCommand.Check("sysctl", "net.ipv4.ip_forward", "net.ipv4.conf.all.route_localnet", "net.bridge.bridge-nf-call-iptables")));
    }

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
        var before = RootState();
        kubelab.Ok("up", "--name", name, "-f", "seed");
        Assert.NotEmpty(KubeLab.Realize.Netns.NetnsDriver.ExistingNamespaces(name));
        Assert.NotEmpty(LabProcesses(name));
        kubelab.Ok("down", "--name", name);
        Assert.Empty(KubeLab.Realize.Netns.NetnsDriver.ExistingNamespaces(name));
        Assert.Empty(Directory.Exists("/etc/netns") ? Directory.GetDirectories("/etc/netns", $"kl-{name}.*") : []);
        Assert.Empty(LabProcesses(name));
        Assert.False(Directory.Exists(Path.Combine(kubelab.Home, name)));
        Assert.Equal(before, RootState());
    }

    [SkippableFact]
    public void Up_twice_converges_and_up_after_a_crash_rebuilds()
    {
        Skip.IfNot(Environment.IsPrivilegedProcess, "NOT RUN: the netns lab needs root (CI runs these as root)");
        kubelab.Ok("up", "--name", name, "-f", "seed");
        kubelab.Ok("up", "--name", name);
        Assert.Contains("10.43.180.238", kubelab.Ok("exec", "--name", name, "test-pod", "--", "dig", "+short", "nginx-service.default.svc.cluster.local"), StringComparison.Ordinal);
        // a "crash": a node's namespace disappears behind the lab's back
        HostCommand.Check("ip", "netns", "del", $"kl-{name}.vm3");
        kubelab.Ok("up", "--name", name);
        Assert.Contains("Welcome to nginx", kubelab.Ok("exec", "--name", name, "test-pod", "--", "curl", "-s", "-m", "5", "http://nginx-service/"), StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Apply_and_delete_update_the_kernel()
    {
        Skip.IfNot(Environment.IsPrivilegedProcess, "NOT RUN: the netns lab needs root (CI runs these as root)");
        kubelab.Ok("up", "--name", name);
        kubelab.Ok("run", "--name", name, "client", "--image=nicolaka/netshoot", "--command", "--", "sleep", "infinity");
        kubelab.Ok("apply", "--name", name, "-f", "nginx-svc");
        Assert.Contains("Welcome to nginx", kubelab.Ok("exec", "--name", name, "client", "--", "curl", "-s", "-m", "5", "http://nginx-service/"), StringComparison.Ordinal);
        var chains = kubelab.Ok("exec", "--name", name, "vm1", "--", "iptables-save", "-t", "nat");
        Assert.Contains("default/nginx-service cluster IP", chains, StringComparison.Ordinal);
        kubelab.Ok("delete", "--name", name, "-f", "nginx-svc");
        var after = kubelab.Ok("exec", "--name", name, "vm1", "--", "iptables-save", "-t", "nat");
        Assert.DoesNotContain("nginx-service", after, StringComparison.Ordinal);
        Assert.DoesNotContain(KubeLab.Realize.Netns.NetnsDriver.ExistingNamespaces(name), n => n.Contains("nginx-deployment", StringComparison.Ordinal));
        var (code, _, error) = kubelab.Run("exec", "--name", name, "client", "--", "dig", "+short", "nginx-service.default.svc.cluster.local");
        Assert.Equal(0, code);
        Assert.Equal("", error.Trim());
        // the DNS answer is gone with the service (NXDOMAIN: no output from +short)
        Assert.Equal("", kubelab.Ok("exec", "--name", name, "client", "--", "dig", "+short", "nginx-service.default.svc.cluster.local").Trim());
    }

    [Fact]
    public void Up_without_root_fails_at_once_with_what_to_do()
    {
        Skip.If(Environment.IsPrivilegedProcess && !HostCommand.OnPath("setpriv"), "setpriv is needed to drop root for this test");
        var (code, _, error) = Environment.IsPrivilegedProcess
            ? RunAsNobody("up", "--name", name)
            : kubelab.Run("up", "--name", name);
        Assert.Equal(2, code);
        Assert.Contains("needs root", error, StringComparison.Ordinal);
        Assert.Contains("--driver none", error, StringComparison.Ordinal);
        Assert.Empty(KubeLab.Realize.Netns.NetnsDriver.ExistingNamespaces(name));
    }

    private (int, string, string) RunAsNobody(params string[] args)
    {
        Directory.CreateDirectory(kubelab.Home);
        HostCommand.Check("chmod", "777", kubelab.Home);
        var dll = typeof(KubeLab.Cli.Program).Assembly.Location;
        return HostCommand.Run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "env", $"KUBELAB_HOME={kubelab.Home}", "HOME=/tmp", "DOTNET_CLI_HOME=/tmp", "dotnet", dll, .. args]);
    }
}
