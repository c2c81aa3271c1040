using System.Diagnostics;
using System.Globalization;

namespace KubeLab.Netns.Tests.Lab;

/// <summary>
/// Crash consistency (issue 13, item 14 and its Must-show): `up -f seed` and `apply -f seed`, each killed with SIGKILL
/// at random moments and then run again, converge to a working lab (test-pod reaches nginx through nginx-service);
/// `down` then leaves no namespace, process, /etc/netns entry or kubeconfig context, and the root namespace is as it
/// was before.
/// </summary>
[Trait("Category", "Netns")]
public sealed class CrashConsistencyTests : TestLab
{
    /// <summary>
    /// Kills per command; KUBELAB_CRASH_ROUNDS overrides. The stress setting is 20 (about ten minutes on a
    /// loaded two-core machine); the default of 4 keeps CI to a couple of minutes.
    /// </summary>
    private static int Rounds => int.TryParse(Environment.GetEnvironmentVariable("KUBELAB_CRASH_ROUNDS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 4;

    private static void RequireRoot() => Skip.IfNot(Environment.IsPrivilegedProcess, "NOT RUN: the netns lab needs root (CI runs these as root)");

    private void AssertServes(string moment)
    {
        var (code, output, error) = Kubelab.Run("exec", "--name", Name, "test-pod", "--", "curl", "-s", "-m", "5", "http://nginx-service/");
        Assert.True(code == 0 && output.Contains("Welcome to nginx", StringComparison.Ordinal), $"{moment}: curl from test-pod through nginx-service exited {code}: {output}{error}");
    }

    private void AssertDownLeavesNothing(string moment)
    {
        Kubelab.Ok("down", "--name", Name);
        var left = RootNamespace.Leftovers(Name, Kubelab.Home, Kubelab.Kubeconfig);
        Assert.True(left.Count == 0, $"{moment}: down left\n{string.Join('\n', left)}");
    }

    /// <summary>How long an undisturbed run of the command takes here: kills are spread over it.</summary>
    private TimeSpan Timed(params string[] args)
    {
        var clock = Stopwatch.StartNew();
        Kubelab.Ok(args);
        return clock.Elapsed;
    }

    [SkippableFact]
    public void Up_and_apply_killed_at_random_moments_converge_when_run_again_and_down_leaves_nothing()
    {
        RequireRoot();
        var root = RootNamespace.State();
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var kills = new List<string>();

        var up = Timed("up", "--name", Name, "-f", "seed");
        AssertDownLeavesNothing("after an undisturbed up");
        for (var round = 1; round <= Rounds; round++)
        {
            var delay = TimeSpan.FromMilliseconds(random.NextDouble() * up.TotalMilliseconds);
            var moment = $"up -f seed killed after {delay.TotalMilliseconds:0} ms (round {round}, seed {seed})";
            kills.Add(moment + (Kubelab.RunKilledAfter(delay, "up", "--name", Name, "-f", "seed") ? "" : " (finished first)"));
            Kubelab.Ok("up", "--name", Name, "-f", "seed");
            AssertServes(moment);
            AssertDownLeavesNothing(moment);
        }

        Kubelab.Ok("up", "--name", Name, "--disable", "servicelb"); // the seed pins addresses that ServiceLB's pods would take
        var apply = Timed("apply", "--name", Name, "-f", "seed");
        Kubelab.Ok("delete", "--name", Name, "-f", "seed");
        for (var round = 1; round <= Rounds; round++)
        {
            var delay = TimeSpan.FromMilliseconds(random.NextDouble() * apply.TotalMilliseconds);
            var moment = $"apply -f seed killed after {delay.TotalMilliseconds:0} ms (round {round}, seed {seed})";
            kills.Add(moment + (Kubelab.RunKilledAfter(delay, "apply", "--name", Name, "-f", "seed") ? "" : " (finished first)"));
            Kubelab.Ok("apply", "--name", Name, "-f", "seed");
            AssertServes(moment);
            Assert.DoesNotContain("Degraded", Kubelab.Ok("list"), StringComparison.Ordinal);
            if (round < Rounds)
            {
                Kubelab.Ok("delete", "--name", Name, "-f", "seed");
            }
        }

        AssertDownLeavesNothing("after the applies");
        Assert.Equal(root, RootNamespace.State());
        Assert.True(kills.Count(k => !k.EndsWith("(finished first)", StringComparison.Ordinal)) >= Rounds, "most kills should land while kubelab runs:\n" + string.Join('\n', kills));
    }
}
