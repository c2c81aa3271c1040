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
        var before = cli.Store.Export("kubelab");
        var files = StoreFiles(cli);
        Assert.Throws<InvalidOperationException>(() => cli.Store.Update<int>("kubelab", _ => throw new InvalidOperationException("boom")));
        Assert.Equal(before, cli.Store.Export("kubelab"));
        Assert.Equal(files, StoreFiles(cli));
    }

    [Fact]
    public void State_round_trips_through_the_database()
    {
        using var cli = new CliHarness();
        cli.Ok("up", "--driver", "none", "--disable", "servicelb");
        cli.Ok("apply", "-f", "seed");
        var state = cli.Store.Load("kubelab");
        var again = cli.Store.Update("kubelab", s => (s, 0));
        Assert.Equal(0, again);
        // a second store, as another process: it reads the database (the first one answers from what it wrote)
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
    public void An_unchanged_state_writes_nothing_and_a_store_sees_another_processs_commit()
    {
        using var cli = new CliHarness();
        cli.Ok("up", "--driver", "none", "--disable", "servicelb");
        cli.Ok("apply", "-f", "seed");
        var files = StoreFiles(cli);
        var first = new LabStore(cli.Home);
        first.Update("kubelab", s => (s, 0));
        Assert.Equal(files, StoreFiles(cli));

        var other = new LabStore(cli.Home);
        other.Update("kubelab", s => (s with { Generation = s.Generation + 1 }, 0));
        Assert.Equal(other.Load("kubelab").Generation, first.Load("kubelab").Generation);
    }

    [Fact]
    public void A_commit_writes_the_rows_of_what_changed_and_nothing_else()
    {
        using var cli = new CliHarness();
        cli.Ok("up", "--driver", "none", "--disable", "servicelb");
        cli.Ok("apply", "-f", "seed");
        var store = new LabStore(cli.Home);
        var state = store.Load("kubelab");
        var pod = state.Objects.First(o => o.Kind == "Pod");
        var changed = KubeObjects.CopyOfStored(pod.Object);
        changed.Metadata.Labels["changed"] = "yes";
        var added = new k8s.Models.V1ConfigMap { ApiVersion = "v1", Kind = "ConfigMap", Metadata = new k8s.Models.V1ObjectMeta { Name = "added", NamespaceProperty = "default" } };
        var gone = state.Objects.First(o => o.Kind == "Service" && o.Name == "nginx-service");
        var kept = state.Objects.Replace(pod, StoredObject.Of(changed)).Remove(gone);
        // a new object goes before the Events, where the control plane puts it
        var next = state with { Generation = state.Generation + 1, Objects = kept.Insert(kept.FindIndex(o => o.Kind == "Event"), StoredObject.Of(added)) };
        store.Update("kubelab", _ => (next, 0));

        var rows = Rows(cli);
        // the changed pod and the new ConfigMap were written by this commit; every other row is as an earlier commit left it
        Assert.Equal([$"Pod/{pod.Namespace}/{pod.Name}", "ConfigMap/default/added"], rows.Where(r => r.Revision == next.Generation).Select(r => r.Key));
        Assert.All(rows.Where(r => r.Revision != next.Generation), r => Assert.True(r.Revision < next.Generation, $"{r.Key} has revision {r.Revision}"));
        Assert.DoesNotContain(rows, r => r.Key == "Service/default/nginx-service");
        // the changed pod kept its place in the list, and another process reads the list as it was committed
        var reloaded = new LabStore(cli.Home).Load("kubelab");
        Assert.Equal(next.Objects.Select(o => o.Key), reloaded.Objects.Select(o => o.Key));
        Assert.Equal("yes", reloaded.Find("Pod", pod.Namespace, pod.Name)!.Object.Metadata.Labels["changed"]);
        Assert.Equal(next.Generation, reloaded.Generation);
    }

    [Fact]
    public void A_change_that_reorders_the_objects_is_read_back_in_its_order()
    {
        using var cli = new CliHarness();
        cli.Ok("up", "--driver", "none", "--disable", "servicelb");
        var store = new LabStore(cli.Home);
        var state = store.Load("kubelab");
        var first = state.Objects[0];
        var next = state with { Generation = state.Generation + 1, Objects = state.Objects.RemoveAt(0).Add(first) };
        store.Update("kubelab", _ => (next, 0));

        Assert.Equal(next.Objects.Select(o => o.Key), new LabStore(cli.Home).Load("kubelab").Objects.Select(o => o.Key));
    }

    [Fact]
    public void Revisions_never_go_back_when_the_store_is_opened_again()
    {
        using var cli = new CliHarness();
        cli.Ok("up", "--driver", "none", "--disable", "servicelb");
        cli.Ok("apply", "-f", "nginx-svc");
        var before = new LabStore(cli.Home).Load("kubelab");
        var newest = before.Objects.Max(o => long.Parse(o.Object.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture));
        // a new process (as after an agent restart or a reboot) reads the revision counter back and goes on from it
        cli.Ok("apply", "-f", "test-pod");
        var after = new LabStore(cli.Home).Load("kubelab");
        Assert.True(after.Generation > before.Generation, $"generation {before.Generation} -> {after.Generation}");
        var pod = after.Find("Pod", "default", "test-pod")!.Object;
        Assert.True(long.Parse(pod.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture) > newest, $"test-pod's resourceVersion {pod.Metadata.ResourceVersion} is not above {newest}");
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_lab_made_before_the_database_is_moved_into_it_once()
    {
        using var cli = new CliHarness();
        cli.Ok("up", "--driver", "none", "--disable", "servicelb");
        cli.Ok("apply", "-f", "seed");
        var before = cli.Store.Export("kubelab");
        var legacy = ToLegacy(cli, before);

        Assert.Contains("test-pod", cli.Ok("get", "pods"), StringComparison.Ordinal);
        Assert.False(File.Exists(legacy));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(cli.Home, "kubelab", "state.db")));
        Assert.Equal(before, cli.Store.Export("kubelab"));
        cli.Ok("delete", "pod", "test-pod");
        Assert.DoesNotContain("test-pod", cli.Ok("get", "pods"), StringComparison.Ordinal);
    }

    [Fact]
    public void Down_removes_the_database()
    {
        using var cli = new CliHarness();
        cli.Ok("up", "--driver", "none", "--disable", "servicelb");
        Assert.True(File.Exists(Path.Combine(cli.Home, "kubelab", "state.db")));
        cli.Ok("down");
        Assert.False(Directory.Exists(Path.Combine(cli.Home, "kubelab")));
        Assert.Empty(new LabStore(cli.Home).List());
    }

    [Fact]
    public void A_store_answers_from_what_it_committed_after_a_checkpoint_and_reads_a_lab_made_again_by_another_process()
    {
        using var cli = new CliHarness();
        cli.Ok("up", "--driver", "none", "--disable", "servicelb");
        var store = new LabStore(cli.Home);
        var state = store.Load("kubelab");
        // 6 MB in one commit: past SQLite's automatic checkpoint (1000 pages), which writes state.db itself
        var big = Enumerable.Range(0, 300).Select(i => StoredObject.Of(new k8s.Models.V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = new k8s.Models.V1ObjectMeta { Name = $"big-{i}", NamespaceProperty = "default" },
            Data = new Dictionary<string, string> { ["text"] = new string('x', 20_000) },
        }));
        var written = File.GetLastWriteTimeUtc(Path.Combine(cli.Home, "kubelab", "state.db"));
        var committed = store.Update("kubelab", s => s with { Generation = s.Generation + 1, Objects = s.Objects.InsertRange(s.Objects.FindIndex(o => o.Kind == "Event"), big) } is var next ? (next, next) : default);
        Assert.NotEqual(written, File.GetLastWriteTimeUtc(Path.Combine(cli.Home, "kubelab", "state.db")));
        Assert.Same(committed, store.Load("kubelab"));

        // another process removes the lab and makes one of the same name
        var other = new LabStore(cli.Home);
        other.Delete("kubelab");
        other.Create(state with { Generation = 1 });
        Assert.Equal(1, store.Load("kubelab").Generation);
        Assert.DoesNotContain(store.Load("kubelab").Objects, o => o.Name == "big-0");
    }

    /// <summary>
    /// A lab of a name no other test or user lab has: `down` of a damaged lab removes kernel objects by the name
    /// alone, so the default name could reach a lab "kubelab" that a user runs on this machine.
    /// </summary>
    private static string DamagedLab(CliHarness cli)
    {
        var name = "dmg" + Guid.NewGuid().ToString("N")[..8];
        cli.Ok("up", "--driver", "none", "--name", name);
        var folder = Path.Combine(cli.Home, name);
        foreach (var file in Directory.GetFiles(folder, "state.db*"))
        {
            File.Delete(file);
        }

        File.WriteAllText(Path.Combine(folder, "state.db"), "not a database, and longer than SQLite's 100-byte header: " + new string('x', 100));
        return name;
    }

    [Fact]
    public void A_database_that_is_no_database_is_named_as_damaged_with_exit_2()
    {
        using var cli = new CliHarness();
        var name = DamagedLab(cli);
        var folder = Path.Combine(cli.Home, name);

        var (code, _, error) = cli.Run("get", "nodes", "--name", name);
        Assert.True(code == 2, $"get nodes exited {code}: {error}");
        Assert.Contains($"{Path.Combine(folder, "state.db")}: the lab's state file is damaged (", error, StringComparison.Ordinal);
        var down = cli.Run("down", "--name", name);
        Assert.True(down.Code == 0, $"down exited {down.Code}: {down.Err}");
        Assert.False(Directory.Exists(folder));
    }

    /// <summary>
    /// CI failed on this once: a lab of the same name, built by another KUBELAB_HOME, ran on the machine, and `down`
    /// of this home's damaged lab refused because its netns leftovers by name were the other home's. This home's lab
    /// cannot own them (up refuses a name another home owns): down removes this home's folder and leaves them.
    /// </summary>
    [Fact]
    public void Down_of_a_damaged_lab_leaves_the_namespaces_of_another_homes_lab_of_that_name()
    {
        using var cli = new CliHarness();
        var name = DamagedLab(cli);
        var registry = new KubeLab.Realize.Netns.LabRegistry(Path.Combine(cli.Home, "registry"));
        var otherHome = Path.Combine(cli.Home, "other-home");
        registry.Claim(name, otherHome);
        var commands = new RecordingRunner();
        cli.Drivers = (driver, store) => driver == "netns"
            ? new KubeLab.Realize.Netns.NetnsDriver(store, new KubeLab.Realize.Netns.NodeRulesSource(), new KubeLab.Realize.Netns.AgentLauncher(["true"]), commands, registry)
            : null;

        var down = cli.Run("down", "--name", name);

        Assert.True(down.Code == 0, $"down exited {down.Code}: {down.Err}");
        Assert.Contains($"note: the namespaces kl-{name}.… belong to the lab of that name in {otherHome}; they stay", down.Err, StringComparison.Ordinal);
        Assert.Empty(commands.Commands);
        Assert.Equal(otherHome, registry.Owner(name));
        Assert.False(Directory.Exists(Path.Combine(cli.Home, name)));
    }

    private sealed class RecordingRunner : KubeLab.Realize.Netns.ICommandRunner
    {
        public List<KubeLab.Core.Lab.HostCommand> Commands { get; } = [];

        public KubeLab.Realize.Netns.CommandResult Run(KubeLab.Core.Lab.HostCommand command, bool check = true)
        {
            Commands.Add(command);
            return new(0, "", "");
        }
    }

    /// <summary>
    /// SIGKILL while `kubelab apply` commits one change of 200 objects (about 500 KB): half of the rounds kill the process
    /// as soon as its commit starts writing the database's log, the others at a random moment of the command. Each time
    /// the lab holds all of the change or none of it, the database is intact, and the next command completes it.
    /// </summary>
    [Fact]
    public void An_apply_killed_during_its_commit_leaves_the_state_before_it_or_after_it()
    {
        using var cli = new CliHarness();
        cli.Ok("up", "--driver", "none", "--disable", "servicelb");
        var wal = Path.Combine(cli.Home, "kubelab", "state.db-wal");
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var untouched = TimeSpan.Zero;
        var outcomes = new List<string>();
        for (var round = 0; round < 6; round++)
        {
            var file = Path.Combine(cli.Home, $"many-{round}.yaml");
            File.WriteAllText(file, string.Join("---\n", Enumerable.Range(0, 200).Select(i =>
                $"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: many-{round}-{i}}}\ndata: {{text: {new string('x', 2000)}}}\n")));
            var before = new LabStore(cli.Home).Load("kubelab");
            if (round == 0)
            {
                // an undisturbed run first: how long the command takes here
                var clock = Stopwatch.StartNew();
                AllSucceed([StartKubelab(cli, "apply", "-f", file)], "kubelab apply");
                untouched = clock.Elapsed;
                continue;
            }

            var log = WalStamp(wal);
            var delay = TimeSpan.FromMilliseconds(random.NextDouble() * untouched.TotalMilliseconds);
            using var process = StartKubelab(cli, "apply", "-f", file);
            var clockOfRound = Stopwatch.StartNew();
            var atCommit = round % 2 == 1;
            // polled without sleeping: the log changes for the first time when the commit writes its pages
            while (!process.HasExited && clockOfRound.Elapsed < TimeSpan.FromMinutes(1) && (atCommit ? WalStamp(wal) == log : clockOfRound.Elapsed < delay))
            {
            }

            var killed = !process.HasExited;
            process.Kill();
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(1)), "the killed apply did not exit");

            var after = new LabStore(cli.Home).Load("kubelab");
            var created = after.Objects.Count(o => o.Kind == "ConfigMap" && o.Name.StartsWith($"many-{round}-", StringComparison.Ordinal));
            var moment = $"round {round} (seed {seed}): {(atCommit ? "killed when the commit began writing" : $"killed after {delay.TotalMilliseconds:0} ms")}{(killed ? "" : ", finished first")}";
            Assert.True(created is 0 or 200, $"{moment}: {created} of the 200 ConfigMaps were stored");
            Assert.Equal(created == 0 ? before.Generation : before.Generation + 1, after.Generation);
            Assert.Equal("ok", IntegrityCheck(cli));
            outcomes.Add($"{moment}: {(created == 0 ? "before" : "after")}");

            cli.Ok("apply", "-f", file);
            Assert.Equal(200, new LabStore(cli.Home).Load("kubelab").Objects.Count(o => o.Kind == "ConfigMap" && o.Name.StartsWith($"many-{round}-", StringComparison.Ordinal)));
        }

        Assert.True(outcomes.Count(o => !o.Contains("finished first", StringComparison.Ordinal)) >= 3, "most kills should land while kubelab runs:\n" + string.Join('\n', outcomes));
    }

    private static (long Length, DateTime Written) WalStamp(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? (info.Length, info.LastWriteTimeUtc) : default;
    }

    private static string IntegrityCheck(CliHarness cli)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(cli.Home, "kubelab", "state.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        return (string)command.ExecuteScalar()!;
    }

    /// <summary>The lab's database files and their bytes.</summary>
    private static Dictionary<string, string> StoreFiles(CliHarness cli) =>
        Directory.GetFiles(Path.Combine(cli.Home, "kubelab"), "state.db*").Where(f => !f.EndsWith("-shm", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexString(File.ReadAllBytes(f)));

    private sealed record Row(string Key, long Revision);

    /// <summary>The objects table as stored, read with SQLite directly.</summary>
    private static List<Row> Rows(CliHarness cli)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(cli.Home, "kubelab", "state.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT kind, namespace, name, revision FROM objects ORDER BY class, id";
        using var reader = command.ExecuteReader();
        var rows = new List<Row>();
        while (reader.Read())
        {
            rows.Add(new Row(reader.GetString(1) == "" ? $"{reader.GetString(0)}/{reader.GetString(2)}" : $"{reader.GetString(0)}/{reader.GetString(1)}/{reader.GetString(2)}", reader.GetInt64(3)));
        }

        return rows;
    }

    /// <summary>Makes the lab one of before the database: its state as state.json, no state.db. Returns the file's path.</summary>
    private static string ToLegacy(CliHarness cli, string state)
    {
        var folder = Path.Combine(cli.Home, "kubelab");
        foreach (var file in Directory.GetFiles(folder, "state.db*"))
        {
            File.Delete(file);
        }

        var path = Path.Combine(folder, "state.json");
        File.WriteAllText(path, state);
        return path;
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
        var committed = cli.Store.Export("kubelab");
        cli.Ok("apply", "-f", "nginx-svc");
        // what a kill between the agent's state (written after the data plane) and the store's commit leaves: the store
        // as before the change (made again from the state before it), the agent's state a generation ahead and newer
        var served = cli.Store.Export("kubelab");
        ToLegacy(cli, committed);
        new LabStore(cli.Home).Load("kubelab"); // moved into a database again
        foreach (var file in Directory.GetFiles(folder, "state.db*"))
        {
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddSeconds(-5));
        }

        File.WriteAllText(Path.Combine(folder, "agent-state.json"), served);

        Assert.Contains("nginx-service", cli.Ok("get", "svc"), StringComparison.Ordinal);
        cli.Ok("apply", "-f", "test-pod");
        var after = cli.Store.Export("kubelab");
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
        var path = ToLegacy(cli, cli.Store.Export("kubelab")); // a lab's state.json is read once, to move it into the database
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
        var path = ToLegacy(cli, cli.Store.Export("kubelab"));
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
    public void A_lab_is_its_owners_alone_database_and_its_log_0600_in_a_0700_folder()
    {
        using var cli = new CliHarness();
        cli.Ok("up", "--driver", "none", "--disable", "servicelb");
        cli.Ok("apply", "-f", "seed");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(cli.Home, "kubelab")));
        var files = Directory.GetFiles(Path.Combine(cli.Home, "kubelab"), "state.db*");
        Assert.Contains(Path.Combine(cli.Home, "kubelab", "state.db"), files);
        Assert.All(files, f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f)));
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
