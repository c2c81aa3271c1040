using System.Diagnostics;
using KubeLab.Core.Tests.Cli;

namespace KubeLab.Core.Tests.Store;

public class LabStoreTests
{
    [Fact]
    public void Ten_concurrent_apply_processes_lose_nothing()
    {
        using var cli = new CliHarness();
        cli.Ok("up", "--driver", "none");
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
        cli.Ok("up", "--driver", "none");
        var path = Path.Combine(cli.Home, "kubelab", "state.json");
        var before = File.ReadAllBytes(path);
        Assert.Throws<InvalidOperationException>(() => cli.Store.Update<int>("kubelab", _ => throw new InvalidOperationException("boom")));
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void State_round_trips_through_the_file()
    {
        using var cli = new CliHarness();
        cli.Ok("up", "--driver", "none");
        cli.Ok("apply", "-f", "seed");
        var state = cli.Store.Load("kubelab");
        var again = cli.Store.Update("kubelab", s => (s, 0));
        Assert.Equal(0, again);
        var reloaded = cli.Store.Load("kubelab");
        Assert.Equal(state.Objects.Count, reloaded.Objects.Count);
        Assert.Equal(state.LastReserved, reloaded.LastReserved);
        Assert.Equal(state.Config.Nodes, reloaded.Config.Nodes);
    }
}
