using System.Diagnostics;
using KubeLab.Core;
using KubeLab.Core.Cni;
using KubeLab.Core.Control;
using KubeLab.Core.Lab;
using KubeLab.Core.MetalLB;
using KubeLab.Core.Model;
using KubeLab.Realize.Drivers;
using KubeLab.Realize.Store;

namespace KubeLab.Realize.Netns;

/// <summary>How a netns lab gets each node's iptables: the full ruleset at build, kube-proxy's and kube-router's resync on change.</summary>
public interface INodeRulesSource
{
    /// <summary>The node's whole ruleset (kube-proxy, flannel, kubelet, kube-router) as iptables-restore input.</summary>
    string Full(ClusterSnapshot snapshot, string node);

    /// <summary>What the node's programs restore on a sync from <paramref name="before"/> to <paramref name="after"/> (--noflush): kube-proxy's rules and kube-router's pod firewall chains.</summary>
    string Resync(ClusterSnapshot before, ClusterSnapshot after, string node);
}

/// <summary>
/// The embedded lab: the cluster's data plane on this kernel. One network namespace plays the multipass
/// host, one each node, one each pod; veths, bridges, VXLAN, routes and iptables are real, and a lab agent
/// serves the pods' DNS and HTTP. Everything is named "kl-&lt;lab&gt;.…" and nothing touches the root
/// namespace's links, routes, sysctls or iptables.
/// </summary>
public sealed class NetnsDriver(LabStore store, INodeRulesSource rules, IAgentLauncher agents, ICommandRunner? runner = null, LabRegistry? registry = null)
    : ILabDriver, INodeInspector, INodeStateReader, IAgentHealth
{
    private readonly ICommandRunner run = runner ?? new ProcessCommandRunner();
    private readonly LabRegistry labs = registry ?? LabRegistry.Machine;

    public string Name => "netns";

    public bool ServesApi => true;

    public const string EtcNetns = "/etc/netns";

    public void Preflight(LabConfig config)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw KubeLabException.Usage("the netns driver needs Linux (network namespaces); use `--driver none` for a model-only lab, or `--driver multipass` for VMs");
        }

        if (!Environment.IsPrivilegedProcess)
        {
            throw KubeLabException.Usage("the netns driver needs root to create network namespaces: run `sudo kubelab up`, or use `kubelab up --driver none` for a model-only lab");
        }

        foreach (var tool in new[] { "ip", "bridge", "iptables-restore", "iptables-save", "sysctl" })
        {
            if (!OnPath(tool))
            {
                throw KubeLabException.Usage($"the netns driver needs `{tool}`: install it with `apt-get install iproute2 iptables procps`");
            }
        }

        labs.EnsureNotOwnedByOther(config.Name, store.Home, "build");
    }

    public void Up(ClusterState state, IStepReporter steps)
    {
        var lab = state.Config.Name;
        labs.Claim(lab, store.Home); // before anything of the lab's prefix is touched: another home's lab stays whole
        if (ExistingNamespaces(lab).Count > 0 || agents.IsRunning(store.LabDir(lab)))
        {
            steps.Step("Removing what is left of an earlier run", () => Teardown(lab));
        }

        var snapshot = SnapshotBuilder.FromState(state);
        var config = state.Config;
        var pods = NetnsPlan.LabPods(snapshot);
        steps.Step($"Creating the host bridge {NetnsNames.HostBridge} and {config.Nodes.Count} nodes (ens3, flannel.1 VXLAN, routes)", () =>
        {
            RunAll(NetnsPlan.Underlay(config));
            foreach (var node in config.Nodes)
            {
                RunAll(NetnsPlan.Node(config, node, pods.Any(p => p.NodeName == node.Name)));
                WriteNodeFiles(config, node);
            }

            if (config.ExternalVm)
            {
                RunAll(NetnsPlan.ExternalVm(config));
            }
        });
        steps.Step($"Creating {pods.Count} pod sandboxes (veth on cni0, eth0, routes, resolv.conf)", () => AddPods(config, pods));
        steps.Step("Loading each node's iptables (kube-proxy, flannel, kubelet, kube-router)", () =>
        {
            ForEachConcurrently(config.Nodes, node => Restore(NetnsNames.Node(lab, node.Name), rules.Full(snapshot, node.Name)));
        });
        if (config.ExternalVm)
        {
            steps.Step("Announcing LoadBalancer VIPs on VLAN 100 (MetalLB's L2 speakers)", () => Announce(config, [], L2Speakers.Announcements(state)));
        }

        steps.Step("Starting the lab agent (CoreDNS, nginx)", () => agents.Start(store.LabDir(lab), lab, state));
        steps.Step("Checking DNS through kube-dns (10.43.0.10) from a pod", () => Check(snapshot));
    }

    public void Sync(ClusterState before, ClusterState after, IStepReporter steps)
    {
        var lab = after.Config.Name;
        var config = after.Config;
        var old = SnapshotBuilder.FromState(before);
        var now = SnapshotBuilder.FromState(after);
        // The diff is taken against what the kernel has, not only against `before`: a change killed midway (SIGKILL
        // between creating pod sandboxes and the state write) leaves sandboxes `before` does not list, or lacks some
        // it lists. A sandbox is adopted only when `before` lists its pod; any other pod namespace of the lab's prefix
        // is a leftover and is removed (its veth pair goes with it), and a listed pod without its sandbox is made
        // again, so a rerun converges to `after` instead of failing on "File exists".
        var existing = ExistingNamespaces(lab).ToHashSet(StringComparer.Ordinal);
        var oldPods = NetnsPlan.LabPods(old).Where(p => existing.Contains(PodNetns(lab, p))).ToDictionary(Identity);
        var newPods = NetnsPlan.LabPods(now).ToDictionary(Identity);
        var adopted = oldPods.Values.Select(p => PodNetns(lab, p)).ToHashSet(StringComparer.Ordinal);
        var leftovers = existing.Where(ns => !adopted.Contains(ns) && !IsMachineNamespace(config, ns)).ToList();
        var missing = NetnsPlan.LabPods(old).Where(p => !existing.Contains(PodNetns(lab, p))).ToList();
        var removed = oldPods.Keys.Except(newPods.Keys).Select(k => oldPods[k]).ToList();
        var added = newPods.Keys.Except(oldPods.Keys).Select(k => newPods[k]).ToList();
        if (leftovers.Count > 0 || missing.Count > 0)
        {
            steps.Step($"Removing what an interrupted change left ({leftovers.Count} pod sandboxes no state lists, {missing.Count} missing)", () =>
            {
                run.Run(HostCommand.NetnsBatch("del", leftovers, force: true), check: false);
                foreach (var ns in leftovers)
                {
                    DeleteEtcNetns(ns);
                }

                // a missing sandbox's host veth outlives its namespace while a process still holds that namespace
                foreach (var group in missing.GroupBy(p => p.NodeName!).Where(g => existing.Contains(NetnsNames.Node(lab, g.Key))))
                {
                    run.Run(new HostCommand("ip", ["-n", NetnsNames.Node(lab, group.Key), "-force", "-batch", "-"],
                        string.Concat(group.Select(p => $"link del {PodFiles.HostVethName(lab, p)}\n"))), check: false);
                }
            });
        }

        if (removed.Count > 0)
        {
            steps.Step($"Removing {removed.Count} pod sandboxes", () => RemovePods(config, removed));
        }

        if (added.Count > 0)
        {
            steps.Step($"Creating {added.Count} pod sandboxes", () =>
            {
                foreach (var node in config.Nodes.Where(n => added.Any(p => p.NodeName == n.Name) && !oldPods.Values.Any(p => p.NodeName == n.Name)))
                {
                    if (!HasLink(NetnsNames.Node(lab, node.Name), NetnsNames.PodBridge))
                    {
                        run.Run(HostCommand.IpBatch(NetnsNames.Node(lab, node.Name), NetnsPlan.Cni0(node)));
                    }
                }

                AddPods(config, added);
            });
        }

        steps.Step("Syncing kube-proxy's and kube-router's rules on every node (one iptables-restore each)", () =>
        {
            ForEachConcurrently(config.Nodes, node => Restore(NetnsNames.Node(lab, node.Name), rules.Resync(old, now, node.Name)));
        });
        if (config.ExternalVm)
        {
            steps.Step("Announcing LoadBalancer VIPs on VLAN 100 (MetalLB's L2 speakers)", () => Announce(config, L2Speakers.Announcements(before), L2Speakers.Announcements(after)));
        }

        steps.Step("Updating the lab agent (DNS records, nginx)", () => agents.Update(store.LabDir(lab), lab, after));
    }

    public string? AgentProblem(string lab) => agents.Problem(store.LabDir(lab));

    public bool ChangesNeedAgent => true;

    public void Down(string lab, IStepReporter steps)
    {
        labs.EnsureNotOwnedByOther(lab, store.Home, "remove");
        steps.Step($"Removing lab \"{lab}\"'s namespaces, links and processes", () => Teardown(lab));
        labs.Release(lab, store.Home);
    }

    /// <summary>The other KUBELAB_HOME that owns <paramref name="lab"/>'s kernel objects, or null when none does.</summary>
    public string? OtherOwner(string lab) => labs.OtherOwner(lab, store.Home);

    /// <summary>The labs this home owns on this machine, whether or not their folders are still there.</summary>
    public IReadOnlyList<string> OwnedLabs() => labs.LabsOf(store.Home);

    /// <summary>The namespace that plays a machine that is not a node: the host (the underlay's) or vm-ext; null otherwise.</summary>
    public static string? MachineNamespace(LabConfig config, string target) => target switch
    {
        NetnsNames.HostMachine => NetnsNames.Underlay(config.Name),
        NetnsNames.ExternalVmMachine when config.ExternalVm => NetnsNames.ExternalVm(config.Name),
        _ => null,
    };

    public int Exec(ClusterState state, string target, IReadOnlyList<string> command)
    {
        var lab = state.Config.Name;
        var isNode = state.Config.Nodes.Any(n => n.Name == target);
        var machine = isNode ? null : MachineNamespace(state.Config, target);
        var netns = isNode
            ? NetnsNames.Node(lab, target)
            : machine ?? NetnsNames.Pod(lab, target.Split('/')[0], target.Split('/')[1]);
        if (!ExistingNamespaces(lab).Contains(netns))
        {
            throw KubeLabException.NotFound($"{target}: its network namespace {netns} does not exist (no address yet, or the lab is down); `kubelab up --name {lab}` rebuilds the lab");
        }

        if (ExecutableLookup.Check(command[0], Environment.GetEnvironmentVariable("PATH")) is var (code, message))
        {
            // runc's words for a failed exec, then kubectl's line for a non-zero exit of the remote command
            Console.Error.WriteLine($"OCI runtime exec failed: exec failed: unable to start container process: {message}: unknown");
            Console.Error.WriteLine($"command terminated with exit code {code}");
            return code;
        }

        // `ip netns exec` also bind-mounts /etc/netns/<ns>/resolv.conf and hosts for the command; NetnsExec adds the
        // hostname, the pod's view of namespace ids and the node's /run/flannel.
        var argv = machine is not null
            ? NetnsExec.MachineArgv(netns, target, command)
            : NetnsExec.Argv(netns, ExecHostname(state, target), !isNode, isNode ? RunFlannelDir(lab, target) : null, command);
        var info = new ProcessStartInfo(argv[0], argv.Skip(1)) { UseShellExecute = false };
        using var process = Process.Start(info) ?? throw KubeLabException.Host("cannot start `ip netns exec`");
        process.WaitForExit();
        return process.ExitCode;
    }

    public NodeTexts ReadNode(ClusterState state, string node)
    {
        var ns = NetnsNames.Node(state.Config.Name, node);
        if (!ExistingNamespaces(state.Config.Name).Contains(ns))
        {
            throw KubeLabException.NotFound($"node {node}: its namespace {ns} does not exist; `kubelab up --name {state.Config.Name}` rebuilds the lab");
        }

        return new NodeTexts(
            run.Run(HostCommand.InNetns(ns, "iptables-save")).StandardOutput,
            // the main table plus the local table's unicast routes (where the lab keeps ens3's connected route)
            run.Run(HostCommand.Ip(ns, "route", "show")).StandardOutput
                + run.Run(HostCommand.Ip(ns, "route", "show", "table", "local", "type", "unicast")).StandardOutput,
            run.Run(HostCommand.Ip(ns, "neigh", "show")).StandardOutput,
            run.Run(new HostCommand("bridge", ["-n", ns, "fdb", "show"])).StandardOutput,
            run.Run(HostCommand.Ip(ns, "-o", "addr", "show")).StandardOutput);
    }

    public (int ExitCode, string Output, string Error) Capture(ClusterState state, string target, IReadOnlyList<string> command)
    {
        var lab = state.Config.Name;
        var netns = state.Config.Nodes.Any(n => n.Name == target)
            ? NetnsNames.Node(lab, target)
            : MachineNamespace(state.Config, target) ?? NetnsNames.Pod(lab, target.Split('/')[0], target.Split('/')[1]);
        var result = run.Run(HostCommand.InNetns(netns, command[0], [.. command.Skip(1)]), check: false);
        return (result.ExitCode, result.StandardOutput, result.StandardError);
    }

    public (string State, IReadOnlyList<string> IPv4) Inspect(ClusterState state, string node)
    {
        var netns = MachineNamespace(state.Config, node) ?? NetnsNames.Node(state.Config.Name, node);
        var result = run.Run(HostCommand.Ip(netns, "-4", "-o", "addr", "show"), check: false);
        if (result.ExitCode != 0)
        {
            return ("Deleted", []);
        }

        // "2: ens3    inet 10.65.94.238/24 scope global noprefixroute ens3 ..." → ens3 first, as multipass lists it
        var addresses = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(w => w.Length > 3 && w[2] == "inet" && w[1] != "lo")
            .OrderBy(w => w[1] == NetnsNames.NodeUplink ? 0 : w[1] == NetnsNames.Vxlan ? 1 : 2)
            .Select(w => w[3].Split('/')[0])
            .ToList();
        return ("Running", addresses);
    }

    private static string Identity(Pod pod) => $"{pod.Namespace}/{pod.Name}/{pod.IP}/{pod.NodeName}";

    private static string PodNetns(string lab, Pod pod) => NetnsNames.Pod(lab, pod.Namespace, pod.Name);

    /// <summary>The namespaces that play machines (the host, the nodes, vm-ext) rather than pods.</summary>
    private static bool IsMachineNamespace(LabConfig config, string ns) =>
        ns == NetnsNames.Underlay(config.Name) || ns == NetnsNames.ExternalVm(config.Name) || config.Nodes.Any(n => ns == NetnsNames.Node(config.Name, n.Name));

    private void AddPods(LabConfig config, IReadOnlyList<Pod> pods)
    {
        var lab = config.Name;
        if (pods.Count == 0)
        {
            return;
        }

        run.Run(NetnsPlan.AddPodNamespaces(config, pods)); // one process for all of them, not one each
        foreach (var pod in pods)
        {
            WritePodFiles(config, pod, NetnsNames.Pod(lab, pod.Namespace, pod.Name));
        }

        foreach (var group in pods.GroupBy(p => p.NodeName!))
        {
            var node = config.Nodes.First(n => n.Name == group.Key);
            var sandboxes = group.Select(p => NetnsPlan.Pod(config, node, p)).ToList();
            run.Run(HostCommand.IpBatch(NetnsNames.Node(lab, node.Name), sandboxes.SelectMany(s => s.NodeLines)));
            ForEachConcurrently([NetnsPlan.PinCni0Mac(NetnsNames.Node(lab, node.Name)), .. sandboxes.SelectMany(s => s.PodCommands)], command => run.Run(command));
        }

        if (run is ProcessCommandRunner)
        {
            // as the bridge plugin does once eth0 has its address: neighbours that knew the pod's IP at an old MAC
            // (a pod re-created with its pinned IP) learn the new one now rather than after their entry goes stale
            NetnsThread.WarmUpRuntime();
            foreach (var group in pods.GroupBy(p => p.NodeName!))
            {
                WaitForwarding(NetnsNames.Node(lab, group.Key), group.Select(p => PodFiles.HostVethName(lab, p)).ToList());
            }

            ForEachConcurrently(pods, pod => GratuitousArp.Announce(NetnsNames.Pod(lab, pod.Namespace, pod.Name), "eth0", pod.IP!));
        }
    }

    /// <summary>
    /// Waits (up to 2 s) until cni0 forwards on every new veth: the kernel moves a bridge port to forwarding when it
    /// sees the carrier, which its link watcher may report up to a second after eth0 came up, and cni0 drops what
    /// arrives before.
    /// </summary>
    private void WaitForwarding(string nodeNetns, IReadOnlyList<string> veths)
    {
        var deadline = DateTime.UtcNow.AddSeconds(2);
        while (true)
        {
            var ports = run.Run(new HostCommand("bridge", ["-n", nodeNetns, "link", "show"]), check: false).StandardOutput.Split('\n');
            if (veths.All(veth => ports.Any(line => line.Contains($" {veth}@", StringComparison.Ordinal) && line.Contains(" state forwarding ", StringComparison.Ordinal)))
                || DateTime.UtcNow > deadline)
            {
                return;
            }

            Thread.Sleep(10);
        }
    }

    private void RemovePods(LabConfig config, IReadOnlyList<Pod> pods)
    {
        var namespaces = pods.Select(p => NetnsNames.Pod(config.Name, p.Namespace, p.Name)).ToList();
        run.Run(HostCommand.NetnsBatch("del", namespaces, force: true), check: false); // the veth pairs go with them
        foreach (var ns in namespaces)
        {
            DeleteEtcNetns(ns);
        }
    }

    /// <summary>A node's files: the VM's resolv.conf and hosts (mounted over /etc by `ip netns exec`) and flannel's subnet.env.</summary>
    private void WriteNodeFiles(LabConfig config, NodeConfig node)
    {
        var folder = Path.Combine(EtcNetns, NetnsNames.Node(config.Name, node.Name));
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "resolv.conf"), NodeFiles.ResolvConf(config));
        File.WriteAllText(Path.Combine(folder, "hosts"), NodeFiles.Hosts(node));
        var run = RunFlannelDir(config.Name, node.Name);
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, Path.GetFileName(NodeFiles.SubnetEnvPath)), NodeFiles.SubnetEnv(config, node));
    }

    /// <summary>Where a node's /run/flannel lives on this machine: &lt;lab folder&gt;/nodes/&lt;node&gt;/run/flannel.</summary>
    public string RunFlannelDir(string lab, string node) => Path.Combine(store.LabDir(lab), "nodes", node, "run", "flannel");

    /// <summary>The kubelet sets a pod's hostname to spec.hostname, else its name; a node's is the VM's name.</summary>
    private static string ExecHostname(ClusterState state, string target)
    {
        if (!target.Contains('/', StringComparison.Ordinal))
        {
            return target;
        }

        var (ns, name) = (target.Split('/')[0], target.Split('/')[1]);
        return (state.Find("Pod", ns, name)?.Object as k8s.Models.V1Pod)?.Spec?.Hostname ?? name;
    }

    /// <summary>kubelet's resolv.conf and hosts, which `ip netns exec` mounts over /etc for the pod's commands.</summary>
    private static void WritePodFiles(LabConfig config, Pod pod, string ns)
    {
        var folder = Path.Combine(EtcNetns, ns);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "resolv.conf"), PodFiles.ResolvConf(config, pod));
        File.WriteAllText(Path.Combine(folder, "hosts"), PodFiles.Hosts(pod));
    }

    private static void DeleteEtcNetns(string ns) => DeleteFolder(Path.Combine(EtcNetns, ns));

    /// <summary>Deletes a folder that may already be gone (or go while it is deleted).</summary>
    private static void DeleteFolder(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private void Restore(string netns, string text) =>
        run.Run(new HostCommand("ip", ["netns", "exec", netns, "iptables-restore", "--noflush"], text));

    /// <summary>
    /// The speakers' ARP answers (proxy neighbour entries), then, as MetalLB's speaker does when it takes a VIP over,
    /// a gratuitous ARP from the node that now announces it: vm-ext and the other nodes move their neighbour entry for
    /// the VIP to that node's MAC at once instead of sending to the old node until the entry goes stale.
    /// </summary>
    private void Announce(LabConfig config, IReadOnlyList<L2Announcement> before, IReadOnlyList<L2Announcement> after)
    {
        RunAll(NetnsPlan.Announce(config, before, after));
        if (run is ProcessCommandRunner)
        {
            NetnsThread.WarmUpRuntime();
            foreach (var taken in L2Speakers.Taken(before, after))
            {
                GratuitousArp.AnnounceVip(NetnsNames.Node(config.Name, taken.Node), NetnsNames.ExternalUplink, taken.VIP);
            }
        }
    }

    private void RunAll(IEnumerable<HostCommand> commands)
    {
        foreach (var command in commands)
        {
            run.Run(command);
        }
    }

    /// <summary>
    /// Work on different namespaces (each node's iptables-restore, each pod's ip -batch), a few at a time: most of each
    /// one's cost is a process start and a wait, and the kernel keeps each namespace's tables apart. The first failure
    /// is rethrown as itself.
    /// </summary>
    private static void ForEachConcurrently<T>(IReadOnlyCollection<T> items, Action<T> action)
    {
        try
        {
            Parallel.ForEach(items, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, action);
        }
        catch (AggregateException e)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }

    /// <summary>Host commands at once; more than the cores, since they mostly wait (fork, exec, netlink).</summary>
    private static readonly int Concurrency = Math.Max(4, Environment.ProcessorCount * 2);

    private bool HasLink(string netns, string link) => run.Run(HostCommand.Ip(netns, "link", "show", link), check: false).ExitCode == 0;

    /// <summary>A DNS query through the kube-dns service from inside the lab (never from the root namespace).</summary>
    private void Check(ClusterSnapshot snapshot)
    {
        var lab = snapshot.Config.Name;
        var client = NetnsPlan.LabPods(snapshot).FirstOrDefault(p => p.Namespace != "kube-system") is { } pod
            ? NetnsNames.Pod(lab, pod.Namespace, pod.Name)
            : NetnsNames.Node(lab, snapshot.Config.Nodes[^1].Name);
        var expected = snapshot.FindService("default", "kubernetes")?.ClusterIP?.ToString() ?? "10.43.0.1";
        var name = $"kubernetes.default.svc.{snapshot.Config.ClusterDomain}";
        var deadline = DateTime.UtcNow.AddSeconds(15);
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            var result = run.Run(HostCommand.InNetns(client, "dig", "+short", "+time=1", "+tries=1", $"@{snapshot.Config.ClusterDns}", name), check: false);
            last = (result.StandardOutput + result.StandardError).Trim();
            if (result.ExitCode == 0 && last == expected)
            {
                return;
            }

            Thread.Sleep(100);
        }

        throw KubeLabException.Timeout($"the lab does not answer DNS: `ip netns exec {client} dig +short @{snapshot.Config.ClusterDns} {name}` gave \"{last}\", expected {expected}; see the agent's log {Path.Combine(store.LabDir(lab), AgentLauncher.LogFileName)}");
    }

    /// <summary>
    /// Stops the lab's processes and deletes its namespaces and files, from the lab's prefix alone: the agent by its
    /// recorded pid, then every process left in the lab's namespaces or carrying the lab's marker (an nginx whose
    /// agent died, an agent whose pid file is lost), by process id, before the namespaces are unmounted (after that
    /// `ip netns` no longer lists a namespace its processes keep alive).
    /// </summary>
    internal void Teardown(string lab)
    {
        agents.Stop(store.LabDir(lab), lab);
        var namespaces = ExistingNamespaces(lab);
        var links = LabProcesses.NamespaceLinks(run, [.. namespaces.Select(ns => Path.Combine(NetnsRun, ns))]);
        LabProcesses.End(LabProcesses.Find(lab, store.LabDir(lab), links));
        if (namespaces.Count > 0)
        {
            // one process for all of them; -force: a namespace that is already gone does not stop the rest
            run.Run(HostCommand.NetnsBatch("del", namespaces, force: true), check: false);
        }

        foreach (var ns in namespaces)
        {
            DeleteEtcNetns(ns);
        }

        if (Directory.Exists(EtcNetns))
        {
            foreach (var folder in Directory.GetDirectories(EtcNetns, NetnsNames.LabPrefix(lab) + "*"))
            {
                DeleteFolder(folder);
            }
        }

        DeleteFolder(Path.Combine(store.LabDir(lab), "nodes"));

        // the nginx workers' html/ and temp/ of the lab's pods, kept outside the 0700 lab folder
        if (Directory.Exists(Workloads.NginxWorkload.ServedRoot))
        {
            foreach (var folder in Directory.GetDirectories(Workloads.NginxWorkload.ServedRoot, NetnsNames.LabPrefix(lab) + "*"))
            {
                DeleteFolder(folder);
            }
        }

        // the mount point NetnsExec made for nodes' /run/flannel, if it is still empty (a real flannel host's is not)
        // and no lab's namespaces are left: another lab's `exec` on a node makes it and mounts on it, and removed under
        // it, that mount failed ("mount: /run/flannel: mount point does not exist"; seen once in CI with labs in
        // parallel). A lab's exec needs its namespaces, so while any exist the folder stays.
        if (Directory.Exists("/run/flannel") && !Directory.EnumerateFileSystemEntries("/run/flannel").Any()
            && !(Directory.Exists(NetnsRun) && Directory.EnumerateFiles(NetnsRun, NetnsNames.Prefix + "*").Any()))
        {
            Directory.Delete("/run/flannel");
        }
    }

    private const string NetnsRun = "/var/run/netns";

    /// <summary>The lab's namespaces, by prefix, from /var/run/netns (works without the lab's state).</summary>
    public static IReadOnlyList<string> ExistingNamespaces(string lab)
    {
        return Directory.Exists(NetnsRun)
            ? Directory.GetFiles(NetnsRun).Select(Path.GetFileName).OfType<string>().Where(n => NetnsNames.BelongsTo(n, lab))
                .OrderByDescending(n => n.Count(c => c == '.')) // pods first, then nodes, then the underlay
                .ToList()
            : [];
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").Split(':')
            .Append("/usr/sbin").Append("/sbin")
            .Any(dir => File.Exists(Path.Combine(dir, tool)));
}
