using System.Diagnostics;
using KubeLab.Core.Control;
using KubeLab.Core.Tests.Cli;
using KubeLab.Realize.Store;

namespace KubeLab.Core.Tests.Store;

public class LabStoreTests
{
    [Fact]
    public void Ten_concurrent_apply_processes_lose_nothing()
    {
        using var cli = new CliHarness();
        cli.Ok("up", "--driver", "none", "--disable", "servicelb");
        var processes = Enumerable.Range(0, 10).Select(i =>
        {
            var file = Path.Combine(cli.Home, $"pod{i}.yaml");
            File.WriteAllText(file, $"apiVersion: v1\nkind: Pod\nmetadata: {{name: concurrent-{i}}}\nspec: {{containers: [{{name: c, image: busybox}}]}}\n");
            return StartKubelab(cli, "apply", "-f", file);
        }).ToList();
        AllSucceed(processes, "kubelab apply");

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
        // a second store, as another process: it reads the file (the first one answers from what it wrote)
        var reloaded = new LabStore(cli.Home).Load("kubelab");
        Assert.Equal(state.Objects.Count, reloaded.Objects.Count);
        Assert.Equal(state.Objects.Select(o => KubeObjects.ToJson(o.Object)), reloaded.Objects.Select(o => KubeObjects.ToJson(o.Object)));
        Assert.Equal(state.LastReserved, reloaded.LastReserved);
        Assert.Equal(state.Config.Nodes, reloaded.Config.Nodes);
    }

    [Fact]
    public void A_custom_resource_named_like_a_built_in_kind_is_read_back_as_a_custom_resource()
    {
        using var cli = new CliHarness();
        cli.Ok("up", "--driver", "none");
        var custom = new CustomObject { ApiVersion = "example.com/v1", Kind = "Event", Metadata = new k8s.Models.V1ObjectMeta { Name = "e", NamespaceProperty = "default" } };
        cli.Store.Update("kubelab", s => (s with { Objects = s.Objects.Add(new StoredObject(custom.StoredKind, "default", "e", custom)) }, 0));
        var reloaded = new LabStore(cli.Home).Load("kubelab");
        var read = Assert.Single(reloaded.Objects, o => o.Name == "e").Object;
        Assert.Equal("example.com/v1", Assert.IsType<CustomObject>(read).ApiVersion);
        // and the core Events of the same state stay core Events
        Assert.All(reloaded.Objects.Where(o => o.Kind == "Event"), o => Assert.IsType<k8s.Models.Corev1Event>(o.Object));
    }

    [Fact]
    public void Writing_what_was_read_gives_the_same_bytes_and_a_store_sees_another_processs_write()
    {
        using var cli = new CliHarness();
        cli.Ok("up", "--driver", "none", "--disable", "servicelb");
        cli.Ok("apply", "-f", "seed");
        var path = Path.Combine(cli.Home, "kubelab", "state.json");
        var bytes = File.ReadAllBytes(path);
        // objects are written from the text they were read from: an unchanged state is the same file
        var first = new LabStore(cli.Home);
        first.Update("kubelab", s => (s, 0));
        Assert.Equal(bytes, File.ReadAllBytes(path));

        var other = new LabStore(cli.Home);
        other.Update("kubelab", s => (s with { Generation = s.Generation + 1 }, 0));
        Assert.Equal(other.Load("kubelab").Generation, first.Load("kubelab").Generation);
    }

    [Fact]
    public void Concurrent_ups_of_one_lab_all_succeed_with_one_agent()
    {
        using var cli = new CliHarness();
        var name = "c" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
        try
        {
            // two at once: without the lab's lock the second `up` fails ("already exists") or leaks an agent; more would
            // queue each behind an agent start, which a loaded machine stretches towards the lock's 60 s wait
            var processes = Enumerable.Range(0, 2).Select(_ => StartKubelab(cli, "up", "--driver", "none", "--name", name)).ToList();
            AllSucceed(processes, "kubelab up");

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
    public void A_change_the_agent_took_before_its_state_write_was_killed_is_completed_by_the_next_command()
    {
        using var cli = new CliHarness();
        cli.Ok("up", "--driver", "none");
        var folder = Path.Combine(cli.Home, "kubelab");
        var committed = File.ReadAllText(Path.Combine(folder, "state.json"));
        cli.Ok("apply", "-f", "nginx-svc");
        // what a kill between the agent's state (written after the data plane) and state.json (the commit point) leaves
        var served = File.ReadAllText(Path.Combine(folder, "state.json"));
        File.WriteAllText(Path.Combine(folder, "state.json"), committed);
        File.WriteAllText(Path.Combine(folder, "agent-state.json"), served);
        File.SetLastWriteTimeUtc(Path.Combine(folder, "state.json"), DateTime.UtcNow.AddSeconds(-5));

        Assert.Contains("nginx-service", cli.Ok("get", "svc"), StringComparison.Ordinal);
        cli.Ok("apply", "-f", "test-pod");
        var after = File.ReadAllText(Path.Combine(folder, "state.json"));
        Assert.Contains("\"nginx-service\"", after, StringComparison.Ordinal);
        Assert.Contains("\"test-pod\"", after, StringComparison.Ordinal);
        Assert.Equal(Generation(served) + 1, Generation(after));
    }

    private static long Generation(string state) => (long)System.Text.Json.Nodes.JsonNode.Parse(state)!["generation"]!;

    [Theory]
    [InlineData("config", "serviceCIDR", "config.serviceCIDR is missing")]
    [InlineData("config", "clusterDNS", "config.clusterDNS is missing")]
    [InlineData("config", "created", "config.created is missing")]
    [InlineData("config", "underlay", "config.underlay is missing")]
    [InlineData("", "generation", "generation is missing")]
    [InlineData("", "objects", "objects is missing")]
    [InlineData("", "config", "config is missing")]
    public void A_state_file_without_a_field_is_named_as_damaged_with_exit_2(string parent, string field, string expected)
    {
        using var cli = new CliHarness();
        cli.Ok("up", "--driver", "none");
        var path = Path.Combine(cli.Home, "kubelab", "state.json");
        var root = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        (parent == "" ? root : root[parent]!.AsObject()).Remove(field);
        File.WriteAllText(path, root.ToJsonString());

        foreach (var args in new[] { new[] { "get", "nodes" }, ["rules", "--node", "vm1"] })
        {
            var (code, _, error) = cli.Run(args);
            Assert.True(code == 2, $"{string.Join(' ', args)} exited {code}: {error}");
            Assert.Contains($"the lab's state file is damaged ({expected})", error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_node_address_that_is_no_address_is_named_as_damaged_with_exit_2()
    {
        using var cli = new CliHarness();
        cli.Ok("up", "--driver", "none");
        var path = Path.Combine(cli.Home, "kubelab", "state.json");
        var root = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        root["config"]!["nodes"]![0]!["internalIP"] = "ten";
        File.WriteAllText(path, root.ToJsonString());

        var (code, _, error) = cli.Run("get", "pods");
        Assert.Equal(2, code);
        Assert.Contains("config.nodes[0].internalIP: \"ten\" is not valid", error, StringComparison.Ordinal);
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

    /// <summary>This very kubelab as another process, in the test's home and with its private kubeconfig.</summary>
    private static Process StartKubelab(CliHarness cli, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet", [typeof(KubeLab.Cli.Program).Assembly.Location, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["KUBELAB_HOME"] = cli.Home;
        info.Environment["KUBECONFIG"] = Path.Combine(cli.Home, "kube", "config");
        return Process.Start(info)!;
    }

    private static void AllSucceed(IEnumerable<Process> processes, string what)
    {
        foreach (var process in processes)
        {
            var error = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), $"{what} did not finish");
            Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {output} {error.Result}");
            process.Dispose();
        }
    }
}
