namespace KubeLab.Core.Tests.Multipass;

/// <summary>multipass instance names are machine-wide: each lab's VMs are its own, and the dry run needs no key.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class MultipassLabNamesTests : IDisposable
{
    private readonly FakeMultipassHost host = new();

    public void Dispose() => host.Dispose();

    private (int Code, string Out, string Err) Up(string lab, params string[] extra) =>
        host.Cli.Run(["up", "--driver", "multipass", "--name", lab, "--ssh-key", host.SshKey, "--nodes", "2", .. extra]);

    [Fact]
    public void Two_multipass_labs_get_their_own_vms_and_both_keep_the_node_names_vm1_and_vm2()
    {
        var first = Up("a");
        var second = Up("b");

        Assert.True(first.Code == 0, first.Err + first.Out);
        Assert.True(second.Code == 0, second.Err + second.Out);
        Assert.Equal(["a-vm1", "a-vm2", "b-vm1", "b-vm2"], host.Vms());
        // k3s registers each VM under the lab's node name, so `get nodes`, the chain names and `rules --node vm1` are the same in both labs.
        var installs = host.Log().Where(e => e.Argv is ["exec", _, "--", "sh", "-c", ..] && e.Argv[^1].Contains("get.k3s.io", StringComparison.Ordinal)).ToList();
        Assert.Contains(installs, e => e.Argv[1] == "b-vm1" && e.Argv[^1].Contains("K3S_NODE_NAME=vm1 ", StringComparison.Ordinal));
        Assert.Contains(installs, e => e.Argv[1] == "b-vm2" && e.Argv[^1].Contains("K3S_NODE_NAME=vm2 ", StringComparison.Ordinal)
            && e.Argv[^1].Contains($"K3S_URL=https://{host.Address("b-vm1")}:6443", StringComparison.Ordinal));
        Assert.Contains(host.Log(), e => e.Argv is ["exec", "b-vm1", "--", "sudo", "k3s", "kubectl", "get", "nodes", "-o", "json"]);
        var list = host.Cli.Ok("list");
        Assert.Matches($@"(?m)^vm1\s+Running\s+{System.Text.RegularExpressions.Regex.Escape(host.Address("b-vm1"))}\s", list);

        var (code, _, error) = host.Cli.Run("down", "--name", "a");

        Assert.True(code == 0, error);
        Assert.Equal(["b-vm1", "b-vm2"], host.Vms());
    }

    [Fact]
    public void The_default_lab_keeps_the_cheat_sheets_vm_names()
    {
        var (code, output, error) = Up("kubelab");

        Assert.True(code == 0, error + output);
        Assert.Equal(["vm1", "vm2"], host.Vms());
    }

    [Fact]
    public void Dry_run_without_an_ssh_key_shows_the_plan_and_says_the_key_is_missing()
    {
        var missing = Path.Combine(host.Home, "none.pub");

        var (code, output, error) = host.Cli.Run("up", "--driver", "multipass", "--name", "demo", "--ssh-key", missing, "--dry-run");

        Assert.True(code == 0, error);
        Assert.Contains($"# missing: no SSH public key at {missing}", output, StringComparison.Ordinal);
        Assert.Contains("ssh-keygen -t ed25519", output, StringComparison.Ordinal);
        Assert.Contains("  - <your SSH public key: none found, `up` will stop here>", output, StringComparison.Ordinal);
        Assert.Contains("multipass launch -n demo-vm1 ", output, StringComparison.Ordinal);
        Assert.Contains("K3S_NODE_NAME=vm3 ", output, StringComparison.Ordinal);
        Assert.Equal("", host.LogText); // multipass was not run
        Assert.False(host.Cli.Store.Exists("demo"));
    }
}
