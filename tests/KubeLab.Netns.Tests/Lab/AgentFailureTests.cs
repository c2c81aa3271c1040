using System.Globalization;
using System.Text.RegularExpressions;
using KubeLab.Realize.Netns;

namespace KubeLab.Netns.Tests.Lab;

/// <summary>
/// A lab whose agent dies (issue 13, item 9): kubelab says so itself (the API server died with the agent), `up`
/// repairs it on the same API port, and nothing restarts it behind the user's back.
/// </summary>
[Trait("Category", "Netns")]
public sealed class AgentFailureTests : TestLab
{
    /// <summary>Cycles of the up/kill stress loop; KUBELAB_AGENT_CYCLES overrides (20 is the issue's setting and the default).</summary>
    private static int Cycles => int.TryParse(Environment.GetEnvironmentVariable("KUBELAB_AGENT_CYCLES"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 20;

    private static void RequireRoot() => Skip.IfNot(Environment.IsPrivilegedProcess, "NOT RUN: the netns lab needs root (CI runs these as root)");

    private string LabDir => Path.Combine(Kubelab.Home, Name);

    private int AgentPid() => int.Parse(File.ReadAllText(Path.Combine(LabDir, AgentLauncher.PidFileName)).Trim(), CultureInfo.InvariantCulture);

    /// <summary>SIGKILL to the lab's agent by the pid in the lab's folder, then waits until it is gone.</summary>
    private int KillAgent()
    {
        var agent = AgentPid();
        HostCommand.Check("kill", "-9", agent.ToString(CultureInfo.InvariantCulture));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (LabProcesses.Alive(agent) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
        }

        Assert.False(LabProcesses.Alive(agent), $"agent {agent} survived SIGKILL");
        return agent;
    }

    private string ApiServer() => File.ReadAllLines(Kubelab.Kubeconfig).Single(l => l.Contains("server: https://127.0.0.1:", StringComparison.Ordinal)).Trim();

    [SkippableFact]
    public void A_killed_agent_shows_the_lab_degraded_until_up_restarts_it_on_the_same_API_port()
    {
        RequireRoot();
        Kubelab.Ok("up", "--name", Name, "-f", "seed");
        var server = ApiServer();
        var agent = KillAgent();

        var list = Kubelab.Ok("list");
        Assert.Contains($"Lab {Name} (driver netns", list, StringComparison.Ordinal);
        Assert.Contains($"is Degraded (agent not running: process {agent} has exited", list, StringComparison.Ordinal);
        Assert.Contains($"`kubelab up --name {Name}` restarts the agent", list, StringComparison.Ordinal);

        var (code, nodes, warning) = Kubelab.Run("get", "nodes", "--name", Name);
        Assert.Equal(0, code);
        Assert.Equal(["vm1 NotReady", "vm2 NotReady", "vm3 NotReady"],
            nodes.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(2))));
        Assert.Contains("agent not running", warning, StringComparison.Ordinal);
        // as the node lifecycle controller leaves a node whose kubelet stopped posting status
        var yaml = Kubelab.Ok("get", "node", "vm1", "--name", Name, "-o", "yaml");
        Assert.Contains("message: Kubelet stopped posting node status.", yaml, StringComparison.Ordinal);
        Assert.Contains("reason: NodeStatusUnknown", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("status: \"True\"", yaml, StringComparison.Ordinal);
        // and tainted as that controller taints it: unreachable NoExecute (with the time) and NoSchedule
        var taints = Kubelab.Ok("get", "node", "vm1", "--name", Name, "-o", "jsonpath={range .spec.taints[*]}{.key}:{.effect}:{.timeAdded}{\"\\n\"}{end}");
        Assert.True(Regex.IsMatch(taints, @"^node\.kubernetes\.io/unreachable:NoExecute:\d{4}-\d\d-\d\dT[0-9:]+Z\nnode\.kubernetes\.io/unreachable:NoSchedule:\n$"), taints);
        Assert.Contains("0/1     Running", Kubelab.Ok("get", "pods", "--name", Name), StringComparison.Ordinal);

        // a change is refused, says what to do, and starts no agent
        var apply = Kubelab.Run("apply", "--name", Name, "-f", "nodeport");
        Assert.Equal(1, apply.Code);
        Assert.Contains($"`kubelab up --name {Name}` restarts it", apply.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("nginx-np-svc", Kubelab.Ok("get", "svc", "--name", Name), StringComparison.Ordinal);
        Assert.Equal(agent, AgentPid());
        Assert.Contains("Degraded", Kubelab.Ok("list"), StringComparison.Ordinal);

        Kubelab.Ok("up", "--name", Name);
        Assert.NotEqual(agent, AgentPid());
        Assert.Equal(server, ApiServer());
        Assert.DoesNotContain("Degraded", Kubelab.Ok("list"), StringComparison.Ordinal);
        var (_, repaired, quiet) = Kubelab.Run("get", "nodes", "--name", Name);
        Assert.Equal(3, repaired.Split('\n').Count(l => l.Contains(" Ready ", StringComparison.Ordinal)));
        Assert.DoesNotContain("unreachable", Kubelab.Ok("get", "node", "vm1", "--name", Name, "-o", "yaml"), StringComparison.Ordinal);
        Assert.Equal("", quiet);
        var kubectl = LabKubectl.Run(Kubelab, "kubectl", null, [.. LabKubectl.Options(Kubelab), "--context", $"kubelab-{Name}", "get", "nodes", "--no-headers"]);
        Assert.True(kubectl.Code == 0, kubectl.Err);
        Assert.Equal(3, kubectl.Out.Split('\n').Count(l => l.Contains(" Ready ", StringComparison.Ordinal)));
        Assert.Contains("Welcome to nginx", Kubelab.Ok("exec", "--name", Name, "test-pod", "--", "curl", "-s", "-m", "5", "http://nginx-service/"), StringComparison.Ordinal);
    }

    /// <summary>
    /// The stress loop that found "the lab agent did not become ready" (~3 in 70 ups under load: up read the agent's
    /// pid file between its truncation and its write, and an agent whose API port was taken while it was down failed
    /// to bind): up, kill the agent, up again, as many cycles as <see cref="Cycles"/>; every up succeeds.
    /// </summary>
    [SkippableFact]
    public void Up_after_killing_the_agent_always_becomes_ready()
    {
        RequireRoot();
        Kubelab.Ok("up", "--name", Name);
        var failures = new List<string>();
        for (var cycle = 1; cycle <= Cycles; cycle++)
        {
            KillAgent();
            var (code, output, error) = Kubelab.Run("up", "--name", Name);
            if (code != 0)
            {
                failures.Add($"cycle {cycle}: up exited {code}: {output}{error}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.DoesNotContain("Degraded", Kubelab.Ok("list"), StringComparison.Ordinal);
    }
}
