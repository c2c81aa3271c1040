using System.Diagnostics;
using KubeLab.Core.Tests.Cli;

namespace KubeLab.Core.Tests.Store;

public class LabStoreTests
{
    [Fact]
    public void Ten_concurrent_apply_processes_lose_nothing()
    {
        using var cli = new CliHarness();
        cli.Ok("up", "--driver", "none", "--disable", "servicelb");
        var kubelab = typeof(KubeLab.Cli.Program).Assembly.Location;
        var processes = Enumerable.Range(0, 10).Select(i =>
        {
            var file = Path.Combine(cli.Home, $"pod{i}.yaml");
            File.WriteAllText(file, $"apiVersion: v1\nkind: Pod\nmetadata: {{name: concurrent-{i}}}\nspec: {{containers: [{{name: c, image: busybox}}]}}\n");
            var info = new ProcessStartInfo("dotnet", [kubelab, "apply", "-f", file]) { RedirectStandardOutput = true, RedirectStandardError = true };
            info.Environment["KUBELAB_HOME"] = cli.Home;
            info.Environment["KUBECONFIG"] = Path.Combine(cli.Home, "kube", "config");
            return Process.Start(info)!;
        }).ToList();
        foreach (var process in processes)
        {
            var error = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "kubelab apply did not finish");
            Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {output} {error.Result}");
            process.Dispose();
        }

        var names = cli.Ok("get", "pods", "-o", "name").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"pod/concurrent-{i}").Order(), names.Order());
        var ips = cli.Ok("get", "pods", "-o", "wide").Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[5]).ToList();
        Assert.Equal(10, ips.Distinct().Count());
        Assert.Empty(Directory.GetFiles(Path.Combine(cli.Home, "kubelab"), "*.tmp"));
    }

    [Fact]
    public void A_failing_change_writes_nothing()
    {
        using var cli = new CliHarness();
        cli.Ok("up", "--driver", "none", "--disable", "servicelb");
        var path = Path.Combine(cli.Home, "kubelab", "state.json");
        var before = File.ReadAllBytes(path);
        Assert.Throws<InvalidOperationException>(() => cli.Store.Update<int>("kubelab", _ => throw new InvalidOperationException("boom")));
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void State_round_trips_through_the_file()
    {
        using var cli = new CliHarness();
        cli.Ok("up", "--driver", "none", "--disable", "servicelb");
        cli.Ok("apply", "-f", "seed");
        var state = cli.Store.Load("kubelab");
        var again = cli.Store.Update("kubelab", s => (s, 0));
        Assert.Equal(0, again);
        var reloaded = cli.Store.Load("kubelab");
        Assert.Equal(state.Objects.Count, reloaded.Objects.Count);
        Assert.Equal(state.LastReserved, reloaded.LastReserved);
        Assert.Equal(state.Config.Nodes, reloaded.Config.Nodes);
    }

    [Fact]
    public void Concurrent_ups_of_one_lab_all_succeed_with_one_agent()
    {
        using var cli = new CliHarness();
        var name = "c" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
        var kubelab = typeof(KubeLab.Cli.Program).Assembly.Location;
        try
        {
            // two at once: without the lab's lock the second `up` fails ("already exists") or leaks an agent; more would
            // queue each behind an agent start, which a loaded machine stretches towards the lock's 60 s wait
            var processes = Enumerable.Range(0, 2).Select(_ =>
            {
                var info = new ProcessStartInfo("dotnet", [kubelab, "up", "--driver", "none", "--name", name]) { RedirectStandardOutput = true, RedirectStandardError = true };
                info.Environment["KUBELAB_HOME"] = cli.Home;
                info.Environment["KUBECONFIG"] = Path.Combine(cli.Home, "kube", "config");
                return Process.Start(info)!;
            }).ToList();
            foreach (var process in processes)
            {
                var error = process.StandardError.ReadToEndAsync();
                var output = process.StandardOutput.ReadToEnd();
                Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "kubelab up did not finish");
                Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {output} {error.Result}");
                process.Dispose();
            }

            Assert.Single(AgentsOf(Path.Combine(cli.Home, name)));
        }
        finally
        {
            cli.ApiServer = true; // the real none driver, which stops the agent
            cli.Run("down", "--name", name);
        }

        Assert.Empty(AgentsOf(Path.Combine(cli.Home, name)));
    }

    [Fact]
    public void A_damaged_lab_does_not_stop_list_or_down_all_for_the_others()
    {
        using var cli = new CliHarness();
        var good = "g" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
        var bad = "b" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
        cli.Ok("up", "--driver", "none", "--name", good);
        Directory.CreateDirectory(Path.Combine(cli.Home, bad));
        File.WriteAllText(Path.Combine(cli.Home, bad, "state.json"), "{\"apiVersion\": \"kubelab.io/v1alpha1\", \"config\": ");
        Directory.CreateDirectory(Path.Combine(cli.Home, "Not A Lab"));
        File.WriteAllText(Path.Combine(cli.Home, "Not A Lab", "state.json"), "{}");

        var (code, output, error) = cli.Run("list");
        Assert.Equal(1, code);
        Assert.Contains($"Lab {good} (driver none", output, StringComparison.Ordinal);
        Assert.Contains($"Lab {bad}: ", error, StringComparison.Ordinal);
        Assert.Contains("state file is damaged", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Not A Lab", output + error, StringComparison.Ordinal);

        var down = cli.Run("down", "--all");
        Assert.True(down.Code == 0, $"down --all exited {down.Code}: {down.Out}{down.Err}");
        Assert.Contains($"Deleted lab \"{good}\".", down.Out, StringComparison.Ordinal);
        Assert.Contains($"Deleted lab \"{bad}\".", down.Out, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(cli.Home, good)));
        Assert.False(Directory.Exists(Path.Combine(cli.Home, bad)));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_lab_is_its_owners_alone_state_file_0600_in_a_0700_folder()
    {
        using var cli = new CliHarness();
        cli.Ok("up", "--driver", "none", "--disable", "servicelb");
        cli.Ok("apply", "-f", "seed");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(cli.Home, "kubelab")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(cli.Home, "kubelab", "state.json")));
    }

    /// <summary>The agents whose command line names this lab folder.</summary>
    private static List<int> AgentsOf(string labDir) =>
        Directory.GetDirectories("/proc").Select(d => Path.GetFileName(d)!).Where(p => p.All(char.IsAsciiDigit)).Select(int.Parse)
            .Where(pid =>
            {
                try
                {
                    var argv = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
                    return argv.Contains("agent") && argv.Contains(labDir) && KubeLab.Realize.Netns.LabProcesses.Alive(pid);
                }
                catch (IOException)
                {
                    return false;
                }
            })
            .ToList();
}
