using KubeLab.Realize.Multipass;

namespace KubeLab.Core.Tests.Multipass;

/// <summary>`kubelab up/down --driver multipass` against the stand-in multipass.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class MultipassUpTests : IDisposable
{
    private readonly FakeMultipassHost host = new();

    public void Dispose() => host.Dispose();

    private (int Code, string Out, string Err) Up(params string[] extra) =>
        host.Cli.Run(["up", "--driver", "multipass", "--name", "kubelab", "--ssh-key", host.SshKey, .. extra]);

    [Fact]
    public void Up_launches_every_vm_in_parallel_then_installs_k3s_pinned_and_waits_for_ready()
    {
        var (code, output, error) = Up();

        Assert.True(code == 0, error + output);
        var log = host.Log();
        var launches = log.Where(e => e.Argv is ["launch", ..]).ToList();
        Assert.Equal(["vm1", "vm2", "vm3"], launches.Select(e => e.Argv[2]).Order());
        var cloudInit = Path.Combine(host.Cli.Home, "kubelab", "cloud-init.yaml");
        Assert.Equal(["launch", "-n", "vm1", "-c", "2", "-m", "4G", "-d", "20G", "--cloud-init", cloudInit, "--timeout", "600", "jammy"], launches.Single(e => e.Argv[2] == "vm1").Argv);
        // Overlap: every launch started before the first one finished (each takes 400 ms in the stand-in).
        var firstDone = log.Where(e => e.Event == "launched").Min(e => e.Time);
        Assert.All(launches, l => Assert.True(l.Time < firstDone, $"launch {l.Argv[2]} started at {l.Time:O}, after a launch had finished at {firstDone:O}"));
        var installs = log.Where(e => e.Argv is ["exec", _, "--", "sh", "-c", ..] && e.Argv[^1].Contains("get.k3s.io", StringComparison.Ordinal)).ToList();
        Assert.Contains(installs, e => e.Argv[1] == "vm1" && e.Argv[^1].Contains("INSTALL_K3S_VERSION=v1.29.5+k3s1", StringComparison.Ordinal) && e.Argv[^1].Contains("--disable servicelb", StringComparison.Ordinal));
        Assert.Contains(installs, e => e.Argv[1] == "vm3" && e.Argv[^1].Contains($"K3S_URL=https://{host.Address("vm1")}:6443", StringComparison.Ordinal));
        Assert.Contains(log, e => e.Argv is ["exec", "vm1", "--", "sudo", "k3s", "kubectl", "get", "nodes", "-o", "json"]);
        Assert.Contains("Launching 3 VMs in parallel", output, StringComparison.Ordinal);
        Assert.Contains("Waiting until 3 nodes are Ready", output, StringComparison.Ordinal);
        Assert.Matches(@"✓ Installing k3s v1\.29\.5\+k3s1 server on vm1 \(--disable servicelb\) \(\d+ ms\)", output);
        Assert.Equal(["vm1", "vm2", "vm3"], host.Vms());
    }

    [Fact]
    public void The_token_is_random_0600_and_never_in_output_logs_or_argv()
    {
        var (code, output, error) = Up();

        Assert.True(code == 0, error);
        var tokenFile = MultipassDriver.TokenFile(host.Cli.Store, "kubelab");
        var token = File.ReadAllText(tokenFile).Trim();
        Assert.Matches("^[0-9a-f]{64}$", token); // 256 bits
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tokenFile));
        Assert.DoesNotContain(token, output + error, StringComparison.Ordinal);
        Assert.DoesNotContain(token, host.LogText, StringComparison.Ordinal); // every argv the stand-in saw
        foreach (var file in Directory.GetFiles(Path.Combine(host.Cli.Home, "kubelab")).Where(f => f != tokenFile))
        {
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (FileNotFoundException)
            {
                continue; // SQLite's state.db-wal and -shm come and go with its connections (their content is in state.db, read too)
            }

            Assert.DoesNotContain(token, text, StringComparison.Ordinal);
        }

        // It reached every VM on standard input, as the file k3s reads (K3S_TOKEN_FILE).
        Assert.All(new[] { "vm1", "vm2", "vm3" }, vm => Assert.Equal(token, host.FileInVm(vm, "/etc/rancher/k3s/kubelab-token")));
    }

    [Fact]
    public void The_kubeconfig_is_0600_and_points_at_vm1s_address()
    {
        var (code, _, error) = Up();

        Assert.True(code == 0, error);
        var path = MultipassDriver.KubeconfigFile(host.Cli.Store, "kubelab");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var config = Kubeconfig.Load(File.ReadAllText(path), path);
        Assert.Equal($"https://{host.Address("vm1")}:6443", Assert.Single(config.Clusters).ClusterEndpoint.Server);
        Assert.StartsWith("127.0.94.", host.Address("vm1"), StringComparison.Ordinal);
        Assert.Equal("kubelab-kubelab", config.CurrentContext);
    }

    [Fact]
    public void A_launch_timeout_and_a_late_IPv4_are_waited_out()
    {
        host.Environment["FAKE_MULTIPASS_LAUNCH_TIMEOUT"] = "vm2";
        host.Environment["FAKE_MULTIPASS_BOOT_MS"] = "800";
        host.Environment["FAKE_MULTIPASS_LATE_IP"] = "vm3=1000";

        var (code, output, error) = Up();

        Assert.True(code == 0, error + output);
        Assert.Contains("vm2: multipass stopped waiting after 600 s (exit code 5)", output, StringComparison.Ordinal);
        Assert.True(host.Log().Count(e => e.Argv is ["info", "vm3", ..]) > 2, "info is polled until vm3 has an address");
        Assert.Contains($"vm3 {host.Address("vm3")}", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_node_that_never_becomes_Ready_fails_with_its_name_after_the_deadline_and_the_vms_are_removed()
    {
        host.Environment["FAKE_MULTIPASS_NEVER_READY"] = "vm3";
        host.Timings = host.Timings with { Ready = TimeSpan.FromSeconds(1.5) };

        var (code, _, error) = Up();

        Assert.Equal(1, code);
        Assert.Contains("nodes not Ready after 1.5 s: vm3 is NotReady", error, StringComparison.Ordinal);
        Assert.Empty(host.Vms()); // a failed up removes what it made (--retain keeps it)
        Assert.False(host.Cli.Store.Exists("kubelab"));
    }

    [Fact]
    public void Down_deletes_only_this_labs_vms()
    {
        host.LaunchForeign("vm1-other", "other");
        Assert.Equal(0, Up("--nodes", "2").Code);
        // Someone replaced vm2 by a VM of their own with the same name.
        host.Run("delete", "--purge", "vm2");
        host.LaunchForeign("vm2", null);

        var (code, output, error) = host.Cli.Run("down", "--name", "kubelab");

        Assert.True(code == 0, error);
        Assert.Equal(["vm1-other", "vm2"], host.Vms());
        Assert.Contains("vm2: left alone (no readable /etc/kubelab-lab)", output, StringComparison.Ordinal);
        Assert.Contains(host.Log(), e => e.Argv is ["delete", "--purge", "vm1"]);
        Assert.DoesNotContain(host.Log(), e => e.Argv is ["purge"]); // would purge other people's deleted VMs
    }

    [Fact]
    public void A_vm1_that_is_not_the_labs_stops_up_at_preflight()
    {
        host.LaunchForeign("vm1", "someone-else");

        var (code, _, error) = Up();

        Assert.Equal(2, code);
        Assert.Contains("a multipass VM named \"vm1\" already exists and was not made by lab \"kubelab\"", error, StringComparison.Ordinal);
        Assert.DoesNotContain(host.Log(), e => e.Argv is ["launch", "-n", "vm2", ..]);
        Assert.Equal(["vm1"], host.Vms());
    }

    [Fact]
    public void Missing_multipass_fails_at_preflight_with_what_to_do()
    {
        host.Executable = Path.Combine(host.Home, "no-such-multipass");

        var (code, _, error) = Up();

        Assert.Equal(2, code);
        Assert.Contains("multipass is not installed here", error, StringComparison.Ordinal);
        Assert.Contains("sudo snap install multipass", error, StringComparison.Ordinal);
        Assert.False(host.Cli.Store.Exists("kubelab"));
    }

    [Fact]
    public void A_missing_ssh_key_fails_at_preflight_with_what_to_do()
    {
        var (code, _, error) = host.Cli.Run("up", "--driver", "multipass", "--name", "kubelab", "--ssh-key", Path.Combine(host.Home, "none.pub"));

        Assert.Equal(2, code);
        Assert.Contains("no SSH public key at", error, StringComparison.Ordinal);
        Assert.Contains("ssh-keygen -t ed25519", error, StringComparison.Ordinal);
        Assert.DoesNotContain(host.Log(), e => e.Argv is ["launch", ..]);
    }

    [Theory]
    [InlineData("--nodes", "0", "--nodes: Invalid value: 0: must be between 1 and 200")]
    [InlineData("--memory", "10", "--memory: Invalid memory size value supplied: 10.")]
    [InlineData("--disk", "1M", "--disk: Invalid disk size value supplied: 1M.")]
    [InlineData("--k3s-version", "latest", "--k3s-version: Invalid value: \"latest\"")]
    public void Bad_sizes_and_counts_are_refused_before_anything_runs(string option, string value, string message)
    {
        var (code, _, error) = Up(option, value);

        Assert.Equal(2, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.DoesNotContain(host.Log(), e => e.Argv is ["launch", ..]);
        Assert.False(host.Cli.Store.Exists("kubelab"));
    }

    [Fact]
    public void An_image_multipass_does_not_know_fails_with_its_own_error_and_leaves_nothing()
    {
        var (code, _, error) = Up("--image", "nosuch");

        Assert.Equal(1, code);
        Assert.Contains("launch failed: Unable to find an image matching \"nosuch\"", error, StringComparison.Ordinal);
        Assert.Contains("multipass launch -n vm", error, StringComparison.Ordinal);
        Assert.Empty(host.Vms());
        Assert.False(host.Cli.Store.Exists("kubelab"));
    }

    [Fact]
    public void Multipass_only_options_are_refused_for_other_drivers()
    {
        var (code, _, error) = host.Cli.Run("up", "--driver", "none", "--name", "m", "--memory", "4G");

        Assert.Equal(2, code);
        Assert.Contains("--memory: only for `--driver multipass` (this lab's driver is none)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Node_state_is_read_through_multipass_exec_with_sudo()
    {
        host.Environment["FAKE_MULTIPASS_NODE_STATE"] = host.Home;
        var seedRoutes = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "multipass", "vm1.ip-route"));
        File.WriteAllText(Path.Combine(host.Home, "vm1.ip-route"), seedRoutes);
        Assert.Equal(0, Up("--nodes", "1").Code);

        var state = host.Driver(host.Cli.Store).NodeState("kubelab", "vm1");

        Assert.Equal(seedRoutes, state["ip route"]);
        Assert.Contains(host.Log(), e => e.Argv is ["exec", "vm1", "--", "sudo", "iptables-save"]);
        Assert.Equal(["bridge fdb", "ip neigh", "ip route", "iptables-save"], state.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void List_shows_each_vms_state_and_every_IPv4_multipass_reports()
    {
        Assert.Equal(0, Up("--nodes", "2").Code);

        var output = host.Cli.Ok("list");

        Assert.Contains("Lab kubelab (driver multipass, k3s v1.29.5+k3s1)", output, StringComparison.Ordinal);
        Assert.Matches($@"(?m)^vm1\s+Running\s+{System.Text.RegularExpressions.Regex.Escape(host.Address("vm1"))}\s", output);
        Assert.Matches(@"(?m)^\s{42}10\.42\.\d\.0$", output); // flannel.1's address, as `multipass list` shows it
    }

    [Fact]
    public void Rules_live_prints_the_vms_own_iptables_save()
    {
        host.Environment["FAKE_MULTIPASS_NODE_STATE"] = host.Home;
        const string dump = "*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports\" -j KUBE-NODEPORTS\nCOMMIT\n";
        File.WriteAllText(Path.Combine(host.Home, "vm1.iptables-save"), dump);
        Assert.Equal(0, Up("--nodes", "1").Code);

        var output = host.Cli.Ok("rules", "--node", "vm1", "--live", "--name", "kubelab");

        Assert.Equal(dump, output);
        Assert.Contains(host.Log(), e => e.Argv is ["exec", "vm1", "--", "sudo", "iptables-save"]);
    }
}
