using KubeLab.Core.Lab;
using KubeLab.Realize.Multipass;

namespace KubeLab.Core.Tests.Multipass;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class MultipassPlanTests
{
    [Fact]
    public void Dry_run_prints_the_cloud_init_and_every_command_and_runs_nothing()
    {
        using var host = new FakeMultipassHost();
        var (code, output, error) = host.Cli.Run("up", "--driver", "multipass", "--name", "demo", "--ssh-key", host.SshKey, "--dry-run");

        Assert.True(code == 0, error);
        var text = output.Replace(host.Cli.Home, "$KUBELAB_HOME", StringComparison.Ordinal);
        var golden = Path.Combine(AppContext.BaseDirectory, "Golden", "multipass", "dry-run.txt");
        if (Environment.GetEnvironmentVariable("KUBELAB_REGENERATE_GOLDEN") == "1")
        {
            var source = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "Golden", "multipass", "dry-run.txt"));
            File.WriteAllText(source, text);
        }

        Assert.Equal(File.ReadAllText(golden), text);
        Assert.Equal("", host.LogText); // multipass was not run
        Assert.False(host.Cli.Store.Exists("demo"));
    }

    [Fact]
    public void Info_json_is_read_with_multipass_types()
    {
        const string json = """
            {"errors": [], "info": {"vm1": {"state": "Running", "cpu_count": "4", "memory": {"used": 193384448, "total": 8326479872},
             "disks": {"sda1": {"used": "1547599872", "total": "31061065728"}}, "ipv4": ["10.65.94.238", "10.42.0.0", "10.42.0.1"], "release": "Ubuntu 22.04.4 LTS"},
             "vm2": {"state": "Starting", "ipv4": []},
             "old": {"state": "RUNNING", "ipv4": ["10.0.3.4"]}}}
            """;

        var info = MultipassJson.ParseInfo(json);

        Assert.Equal(new MultipassInstance("vm1", "Running", ["10.65.94.238", "10.42.0.0", "10.42.0.1"], 4, 8326479872, "Ubuntu 22.04.4 LTS"), info["vm1"] with { IPv4 = info["vm1"].IPv4 }, new InstanceComparer());
        Assert.False(info["vm2"].IsRunning);
        Assert.Null(info["vm2"].CpuCount); // older releases have no cpu_count
        Assert.True(info["old"].IsRunning);
        Assert.Equal("10.65.94.238", MultipassDriver.NodeAddress(info["vm1"])!.ToString()); // flannel's 10.42.x entries skipped
        Assert.Null(MultipassDriver.NodeAddress(info["vm2"]));
    }

    [Fact]
    public void List_json_is_read_and_bad_json_is_a_clear_error()
    {
        var list = MultipassJson.ParseList("""{"list":[{"name":"vm1","state":"Running","ipv4":["10.65.94.238"],"release":"Ubuntu 22.04 LTS"},{"name":"vm2","state":"Stopped","ipv4":[],"release":"Not Available"}]}""");

        Assert.Equal(["vm1", "vm2"], list.Select(i => i.Name));
        var error = Assert.Throws<KubeLabException>(() => MultipassJson.ParseInfo("Name: vm1\nState: Running"));
        Assert.Contains("`multipass info --format json` printed something that is not JSON", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("4G", 4L << 30)]
    [InlineData("512M", 512L << 20)]
    [InlineData("1.5G", 3L << 29)]
    [InlineData("2GiB", 2L << 30)]
    [InlineData("1073741824", 1L << 30)]
    [InlineData("10", 10L)]
    public void Sizes_follow_multipass_syntax(string text, long bytes) => Assert.Equal(bytes, MultipassSize.Bytes(text));

    [Fact]
    public void Ready_states_come_from_the_nodes_Ready_condition()
    {
        var states = MultipassDriver.ReadyStates("""{"items":[{"metadata":{"name":"vm1"},"status":{"conditions":[{"type":"MemoryPressure","status":"False"},{"type":"Ready","status":"True"}]}},{"metadata":{"name":"vm2"},"status":{"conditions":[{"type":"Ready","status":"Unknown"}]}},{"metadata":{"name":"vm3"}}]}""");

        Assert.Equal("Ready", states["vm1"]);
        Assert.Equal("Unknown", states["vm2"]);
        Assert.Equal("NotReady", states["vm3"]);
    }

    [Fact]
    public void The_kubeconfig_merge_keeps_other_contexts_and_the_file_0600()
    {
        var folder = Path.Combine(Path.GetTempPath(), "kubeconfig-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        try
        {
            var path = Path.Combine(folder, "config");
            File.WriteAllText(path, Kubeconfig.ForLab(K3sYaml, "other", "127.0.94.9"));
            var ours = Kubeconfig.ForLab(K3sYaml, "mp", "127.0.94.1");

            Kubeconfig.Merge(path, ours, "kubelab-mp");

            var merged = Kubeconfig.Load(File.ReadAllText(path), path);
            Assert.Equal(["kubelab-mp", "kubelab-other"], merged.Contexts.Select(c => c.Name).Order(StringComparer.Ordinal));
            Assert.Equal("https://127.0.94.1:6443", merged.Clusters.Single(c => c.Name == "kubelab-mp").ClusterEndpoint.Server);
            Assert.Equal("kubelab-other", merged.CurrentContext);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    internal const string K3sYaml = """
        apiVersion: v1
        clusters:
        - cluster:
            certificate-authority-data: LS0tCg==
            server: https://127.0.0.1:6443
          name: default
        contexts:
        - context:
            cluster: default
            user: default
          name: default
        current-context: default
        kind: Config
        preferences: {}
        users:
        - name: default
          user:
            client-certificate-data: LS0tCg==
            client-key-data: LS0tCg==

        """;

    private sealed class InstanceComparer : IEqualityComparer<MultipassInstance>
    {
        public bool Equals(MultipassInstance? x, MultipassInstance? y) =>
            x is not null && y is not null && x with { IPv4 = [] } == y with { IPv4 = [] } && x.IPv4.SequenceEqual(y.IPv4);

        public int GetHashCode(MultipassInstance obj) => obj.Name.GetHashCode(StringComparison.Ordinal);
    }
}
