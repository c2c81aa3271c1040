using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using KubeLab.Core;
using KubeLab.Core.Control;
using KubeLab.Core.Lab;
using KubeLab.Core.Model;
using KubeLab.Realize.Drivers;
using KubeLab.Realize.Store;

namespace KubeLab.Realize.Multipass;

/// <summary>
/// The real lab: one multipass VM per node, k3s server on vm1 and agents on the others, as the seed's deploy.sh
/// did, but launched in parallel, pinned, waited for (never a fixed sleep) and removable. What it made is
/// recorded in the lab's folder (vms.json, token, kubeconfig) and marked inside each VM (/etc/kubelab-lab),
/// and `down` deletes a VM only when both say it is this lab's.
/// </summary>
public sealed class MultipassDriver(LabStore store, IMultipass multipass, MultipassTimings? timings = null) : ILabDriver, INodeInspector, INodeStateReader
{
    private readonly MultipassTimings times = timings ?? MultipassTimings.FromEnvironment();
    private string currentLab = "";

    public string Name => "multipass";

    public MultipassOptions Options { get; set; } = new();

    /// <summary>--ssh-key; by default ~/.ssh/id_ed25519.pub, then ~/.ssh/id_rsa.pub.</summary>
    public string? SshKeyPath { get; set; }

    /// <summary>--kubeconfig-merge: also add the lab to this file (~/.kube/config) as context kubelab-&lt;lab&gt;.</summary>
    public string? MergeKubeconfigInto { get; set; }

    public IMultipass Multipass => multipass;

    public static string KubeconfigFile(LabStore store, string lab) => Path.Combine(store.LabDir(lab), "kubeconfig");

    public static string TokenFile(LabStore store, string lab) => Path.Combine(store.LabDir(lab), "token");

    public static string CloudInitFile(LabStore store, string lab) => Path.Combine(store.LabDir(lab), "cloud-init.yaml");

    private static string RecordFile(LabStore store, string lab) => Path.Combine(store.LabDir(lab), "vms.json");

    public void Preflight(LabConfig config)
    {
        Options.Validate();
        if (multipass.Version() is null)
        {
            throw KubeLabException.Usage(
                $"multipass is not installed here (`{multipass.Executable} version` could not run): install it (`sudo snap install multipass`, see https://multipass.run/install) or set {MultipassCli.EnvironmentVariable} to its path; `kubelab up --driver netns` needs no VMs");
        }

        ReadPublicKey();
        var names = config.Nodes.Select(n => MultipassPlan.VmName(config.Name, n.Name)).ToList();
        var existing = multipass.Info(names);
        var recorded = Recorded(config.Name);
        foreach (var (name, _) in existing.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (!recorded.Contains(name) || Marker(name) != config.Name)
            {
                throw KubeLabException.Conflict(
                    $"a multipass VM named \"{name}\" already exists and was not made by lab \"{config.Name}\": remove it yourself if you no longer need it (`multipass delete --purge {name}`), or keep it and run this lab on another host");
            }
        }
    }

    /// <summary>The public key cloud-init gives user ubuntu.</summary>
    public string ReadPublicKey()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var candidates = SshKeyPath is not null
            ? [SshKeyPath]
            : new[] { "id_ed25519.pub", "id_rsa.pub", "id_ecdsa.pub" }.Select(f => Path.Combine(home, ".ssh", f)).ToArray();
        var path = candidates.FirstOrDefault(File.Exists)
            ?? throw KubeLabException.Usage(
                $"no SSH public key at {string.Join(" or ", candidates)}: the VMs' cloud-init gives it to user ubuntu; create one with `ssh-keygen -t ed25519` or pass `--ssh-key PATH` to a .pub file");
        var key = File.ReadAllText(path).Trim();
        if (!key.StartsWith("ssh-", StringComparison.Ordinal) && !key.StartsWith("ecdsa-", StringComparison.Ordinal) && !key.StartsWith("sk-", StringComparison.Ordinal))
        {
            throw KubeLabException.Usage($"{path}: not an SSH public key (expected a line such as \"ssh-ed25519 AAAA... user@host\"); pass the .pub file with `--ssh-key`");
        }

        return key;
    }

    /// <summary>`up --dry-run`: the cloud-init and every command, nothing run; without an SSH key the plan says so and shows a placeholder.</summary>
    public string Plan(LabConfig config)
    {
        string key;
        string? missing = null;
        try
        {
            key = ReadPublicKey();
        }
        catch (KubeLabException e) when (e.ExitCode == 2)
        {
            missing = e.Message;
            key = "<your SSH public key: none found, `up` will stop here>";
        }

        return MultipassPlan.DryRun(config, Options, MultipassPlan.CloudInit(config.Name, key), CloudInitFile(store, config.Name), TokenFile(store, config.Name), KubeconfigFile(store, config.Name), missing);
    }

    public void Up(ClusterState state, IStepReporter steps)
    {
        var config = state.Config;
        var lab = config.Name;
        currentLab = lab;
        var names = config.Nodes.Select(n => n.Name).ToList();
        var vms = names.Select(n => MultipassPlan.VmName(lab, n)).ToList();
        var server = config.Server.Name;
        var serverVm = MultipassPlan.VmName(lab, server);
        var agents = names.Where(n => n != server).ToList();
        Directory.CreateDirectory(store.LabDir(lab));
        File.WriteAllText(CloudInitFile(store, lab), MultipassPlan.CloudInit(lab, ReadPublicKey()));
        Record(lab, vms); // before launching: a crash half-way still leaves `down` knowing what was asked for
        var token = Token(lab);

        steps.Step($"Launching {vms.Count} VMs in parallel ({string.Join(", ", vms)}: {Options.Cpus} CPUs, {Options.Memory} memory, {Options.Disk} disk, {Options.Image})", () => LaunchAll(vms, steps));
        var addresses = steps.Step($"Waiting until every VM is Running with an IPv4 (up to {Seconds(times.Boot)})", () => WaitForAddresses(vms));
        steps.Info($"   {string.Join(", ", vms.Select(n => $"{n} {addresses[n]}"))}");
        var serverIP = addresses[serverVm].ToString();
        steps.Step($"Installing k3s {Options.K3sVersion} server on {serverVm} (--disable servicelb)", () => Install(serverVm, token, MultipassPlan.InstallServer(Options, serverVm, server)));
        if (agents.Count > 0)
        {
            var agentVms = agents.Select(a => MultipassPlan.VmName(lab, a)).ToList();
            steps.Step($"Joining {agents.Count} agents in parallel ({string.Join(", ", agentVms)}) to https://{serverIP}:{LabDefaults.ApiServerPort}", () =>
                Parallel(agents, agent => Install(MultipassPlan.VmName(lab, agent), token, MultipassPlan.InstallAgent(Options, MultipassPlan.VmName(lab, agent), agent, serverIP))));
        }

        steps.Step($"Waiting until {names.Count} nodes are Ready (up to {Seconds(times.Ready)})", () => WaitForReady(serverVm, names));
        steps.Step("Writing the kubeconfig", () => WriteKubeconfig(lab, serverVm, serverIP));
        steps.Info($"   kubeconfig: {KubeconfigFile(store, lab)} (export KUBECONFIG={KubeconfigFile(store, lab)}){(MergeKubeconfigInto is null ? "" : $"; context kubelab-{lab} in {MergeKubeconfigInto}")}");
    }

    public void Sync(ClusterState before, ClusterState after, IStepReporter steps)
    {
        // k3s makes the data plane itself; the real objects go through the API server (Live/).
    }

    public void Down(string lab, IStepReporter steps)
    {
        var recorded = Recorded(lab);
        if (recorded.Count == 0 && store.Exists(lab))
        {
            recorded = store.Load(lab).Config.Nodes.Select(n => MultipassPlan.VmName(lab, n.Name)).ToHashSet(StringComparer.Ordinal);
        }

        if (recorded.Count == 0)
        {
            return;
        }

        steps.Step($"Deleting lab \"{lab}\"'s VMs (only those whose {MultipassPlan.MarkerPath} names the lab)", () =>
        {
            var existing = multipass.Info([.. recorded.Order(StringComparer.Ordinal)]);
            var owned = new List<string>();
            foreach (var name in existing.Keys.Order(StringComparer.Ordinal))
            {
                var marker = Marker(name);
                if (marker == lab)
                {
                    owned.Add(name);
                }
                else
                {
                    steps.Info($"   {name}: left alone ({(marker is null ? $"no readable {MultipassPlan.MarkerPath}" : $"its {MultipassPlan.MarkerPath} says \"{marker}\"")}); delete it yourself if it is yours: `multipass delete --purge {name}`");
                }
            }

            if (owned.Count > 0)
            {
                var result = multipass.DeleteAndPurge(owned);
                if (!result.Ok)
                {
                    throw Failed(MultipassPlan.DeleteAndPurge(owned), result);
                }
            }
        });
    }

    public int Exec(ClusterState state, string target, IReadOnlyList<string> command)
    {
        var server = MultipassPlan.VmName(state.Config.Name, state.Config.Server.Name);
        var isNode = state.Config.Nodes.Any(n => n.Name == target);
        IReadOnlyList<string> args = isNode
            ? ["exec", MultipassPlan.VmName(state.Config.Name, target), "--", .. command]
            // Pod exec through kubectl inside the server VM (the API's exec websocket is not wired yet).
            : ["exec", server, "--", "sudo", "k3s", "kubectl", "exec", "-n", target.Split('/')[0], target.Split('/')[1], "--", .. command];
        var info = new ProcessStartInfo(multipass.Executable, args) { UseShellExecute = false };
        using var process = Process.Start(info) ?? throw KubeLabException.Host($"cannot start `{multipass.Executable}`");
        process.WaitForExit();
        return process.ExitCode;
    }

    public (string State, IReadOnlyList<string> IPv4) Inspect(ClusterState state, string node) =>
        multipass.Info([MultipassPlan.VmName(state.Config.Name, node)]).TryGetValue(MultipassPlan.VmName(state.Config.Name, node), out var vm) ? (vm.State, vm.IPv4) : ("Deleted", []);

    public NodeTexts ReadNode(ClusterState state, string node)
    {
        var lab = state.Config.Name;
        return new(NodeState(lab, node, "iptables-save"), NodeState(lab, node, "ip route"), NodeState(lab, node, "ip neigh"), NodeState(lab, node, "bridge fdb"), null);
    }

    /// <summary>Runs a command on a node (VM) through `multipass exec`; pods are reached through the API server instead.</summary>
    public (int ExitCode, string Output, string Error) Capture(ClusterState state, string target, IReadOnlyList<string> command)
    {
        if (!state.Config.Nodes.Any(n => n.Name == target))
        {
            throw KubeLabException.Usage($"{target}: on a multipass lab only nodes are reached through multipass; pods through `kubelab exec` (the API server)");
        }

        var result = multipass.Exec(MultipassPlan.VmName(state.Config.Name, target), ["sudo", .. command]);
        return (result.ExitCode, result.StandardOutput, result.StandardError);
    }

    /// <summary>The node's iptables-save, ip route, ip neigh and bridge fdb, read with sudo inside the VM.</summary>
    public IReadOnlyDictionary<string, string> NodeState(string lab, string node) =>
        MultipassPlan.NodeState(MultipassPlan.VmName(lab, node)).ToDictionary(s => s.What, s => NodeState(lab, node, s.What), StringComparer.Ordinal);

    /// <summary>One of <see cref="MultipassPlan.NodeState"/>'s dumps ("iptables-save", "ip route", "ip neigh", "bridge fdb") of node <paramref name="node"/> of <paramref name="lab"/>.</summary>
    public string NodeState(string lab, string node, string what)
    {
        var vm = MultipassPlan.VmName(lab, node);
        var command = MultipassPlan.NodeState(vm).Single(s => s.What == what).Command;
        var output = multipass.Exec(vm, command.Args.Skip(3).ToList());
        return output.Ok ? output.StandardOutput : throw Failed(command, output);
    }

    private void LaunchAll(IReadOnlyList<string> names, IStepReporter steps)
    {
        var existing = multipass.Info(names);
        var toLaunch = names.Where(n => !existing.ContainsKey(n)).ToList();
        var cloudInit = CloudInitFile(store, currentLab);
        var results = new System.Collections.Concurrent.ConcurrentDictionary<string, MultipassResult>();
        Parallel(toLaunch, name => results[name] = multipass.Launch(name, Options.Cpus, Options.Memory, Options.Disk, cloudInit, Options.LaunchTimeoutSeconds, Options.Image));
        foreach (var name in toLaunch)
        {
            var result = results[name];
            if (result.ExitCode == MultipassResult.TimeoutExitCode)
            {
                steps.Info($"   {name}: multipass stopped waiting after {Options.LaunchTimeoutSeconds} s (exit code 5); the VM usually keeps booting: checking again");
            }
            else if (!result.Ok)
            {
                throw Failed(MultipassPlan.Launch(Options, name, cloudInit), result);
            }
        }
    }

    private Dictionary<string, IPAddress> WaitForAddresses(IReadOnlyList<string> names)
    {
        var deadline = Stopwatch.StartNew();
        IReadOnlyDictionary<string, MultipassInstance> last = new Dictionary<string, MultipassInstance>();
        while (true)
        {
            last = multipass.Info(names);
            var ready = names.Where(n => last.TryGetValue(n, out var vm) && vm.IsRunning && NodeAddress(vm) is not null).ToList();
            if (ready.Count == names.Count)
            {
                return names.ToDictionary(n => n, n => NodeAddress(last[n])!);
            }

            if (deadline.Elapsed >= times.Boot)
            {
                var late = names.Except(ready).Select(n => last.TryGetValue(n, out var vm)
                    ? $"{n} is {vm.State}{(vm.IPv4.Count == 0 ? " without an IPv4" : "")}"
                    : $"{n} does not exist");
                throw KubeLabException.Timeout(
                    $"VMs not ready after {Seconds(times.Boot)}: {string.Join("; ", late)}. Look with `multipass info {string.Join(' ', names.Except(ready))}`; `kubelab down` removes the lab");
            }

            Thread.Sleep(times.Poll);
        }
    }

    /// <summary>The VM's own address: the first IPv4 outside the cluster CIDR (flannel.1 and cni0 add 10.42.x entries).</summary>
    internal static IPAddress? NodeAddress(MultipassInstance vm) =>
        vm.IPv4.Select(a => IPAddress.TryParse(a, out var ip) ? ip : null)
            .FirstOrDefault(ip => ip is not null && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !LabDefaults.ClusterCidr.Contains(ip));

    private void Install(string node, string token, HostCommand install)
    {
        var write = MultipassPlan.WriteToken(node, TokenFile(store, currentLab));
        var written = multipass.Exec(node, write.Args.Skip(3).ToList(), token);
        if (!written.Ok)
        {
            throw Failed(write, written);
        }

        var result = multipass.Exec(node, install.Args.Skip(3).ToList());
        if (!result.Ok)
        {
            throw Failed(install, result);
        }
    }

    private void WaitForReady(string server, IReadOnlyList<string> names)
    {
        var deadline = Stopwatch.StartNew();
        var command = MultipassPlan.GetNodes(server);
        var state = new Dictionary<string, string>();
        var lastError = "";
        while (true)
        {
            var result = multipass.Exec(server, command.Args.Skip(3).ToList());
            if (result.Ok)
            {
                state = ReadyStates(result.StandardOutput);
                if (names.All(n => state.GetValueOrDefault(n) == "Ready"))
                {
                    return;
                }
            }
            else
            {
                lastError = result.StandardError.Trim();
            }

            if (deadline.Elapsed >= times.Ready)
            {
                var late = names.Where(n => state.GetValueOrDefault(n) != "Ready")
                    .Select(n => state.TryGetValue(n, out var s) ? $"{n} is {s}" : $"{n} has not registered");
                throw KubeLabException.Timeout(
                    $"nodes not Ready after {Seconds(times.Ready)}: {string.Join("; ", late)}{(lastError.Length > 0 ? $" (last error: {lastError})" : "")}. Look with `multipass exec {server} -- sudo k3s kubectl describe nodes` and `multipass exec <node> -- sudo journalctl -u k3s-agent`");
            }

            Thread.Sleep(times.Poll);
        }
    }

    /// <summary>Each node's Ready condition from `kubectl get nodes -o json`: "Ready", "NotReady" or "Unknown".</summary>
    internal static Dictionary<string, string> ReadyStates(string json)
    {
        var states = new Dictionary<string, string>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(json);
        if (!document.RootElement.TryGetProperty("items", out var items))
        {
            return states;
        }

        foreach (var item in items.EnumerateArray())
        {
            var name = item.GetProperty("metadata").GetProperty("name").GetString() ?? "";
            var status = "NotReady";
            if (item.TryGetProperty("status", out var s) && s.TryGetProperty("conditions", out var conditions))
            {
                foreach (var condition in conditions.EnumerateArray())
                {
                    if (condition.GetProperty("type").GetString() == "Ready")
                    {
                        status = condition.GetProperty("status").GetString() switch { "True" => "Ready", "Unknown" => "Unknown", _ => "NotReady" };
                    }
                }
            }

            states[name] = status;
        }

        return states;
    }

    private void WriteKubeconfig(string lab, string server, string serverIP)
    {
        var read = MultipassPlan.ReadKubeconfig(server);
        var result = multipass.Exec(server, read.Args.Skip(3).ToList());
        if (!result.Ok)
        {
            throw Failed(read, result);
        }

        var text = Kubeconfig.ForLab(result.StandardOutput, lab, serverIP);
        SecretFile.Write(KubeconfigFile(store, lab), text);
        if (MergeKubeconfigInto is not null)
        {
            Kubeconfig.Merge(MergeKubeconfigInto, text, $"kubelab-{lab}");
        }
    }

    /// <summary>The lab's join token: 256 random bits, 0600 in the lab's folder, made once.</summary>
    private string Token(string lab)
    {
        var path = TokenFile(store, lab);
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        SecretFile.Write(path, token + "\n");
        return token;
    }

    private string? Marker(string node)
    {
        var read = MultipassPlan.ReadMarker(node);
        var result = multipass.Exec(node, read.Args.Skip(3).ToList());
        return result.Ok ? result.StandardOutput.Trim() : null;
    }

    private void Record(string lab, IReadOnlyList<string> names) =>
        File.WriteAllText(RecordFile(store, lab), JsonSerializer.Serialize(new Dictionary<string, object> { ["vms"] = names, ["image"] = Options.Image, ["k3sVersion"] = Options.K3sVersion }) + "\n");

    private HashSet<string> Recorded(string lab)
    {
        var path = RecordFile(store, lab);
        if (!File.Exists(path))
        {
            return [];
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.TryGetProperty("vms", out var vms)
            ? vms.EnumerateArray().Select(v => v.GetString()).OfType<string>().ToHashSet(StringComparer.Ordinal)
            : [];
    }

    /// <summary>One thread per item (launches block for minutes; the thread pool would start them late).</summary>
    private static void Parallel(IReadOnlyList<string> items, Action<string> action)
    {
        var tasks = items.Select(item => Task.Factory.StartNew(() => action(item), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        try
        {
            Task.WaitAll(tasks);
        }
        catch (AggregateException e) when (e.InnerExceptions.FirstOrDefault() is KubeLabException first)
        {
            throw first;
        }
    }

    private KubeLabException Failed(HostCommand command, MultipassResult result) =>
        KubeLabException.Host(
            $"this multipass command failed with exit code {result.ExitCode}:\n{new HostCommand(multipass.Executable, command.Args).ToShell()}\n{result.StandardError.Trim()}");

    private static string Seconds(TimeSpan span) => span.TotalSeconds >= 120 ? $"{span.TotalMinutes:0} min" : $"{span.TotalSeconds:0.#} s";
}
