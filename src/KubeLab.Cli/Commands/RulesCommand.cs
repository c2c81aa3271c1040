using System.CommandLine;
using KubeLab.Core;
using KubeLab.Core.Control;
using KubeLab.Core.KubeProxy;
using KubeLab.Core.Manifests;
using KubeLab.Core.Model;
using KubeLab.Core.Netfilter;
using KubeLab.Core.NodeRules;
using KubeLab.Realize.Netns;

namespace KubeLab.Cli.Commands;

internal static class RulesCommand
{
    public static Command Create(CliContext context)
    {
        var lab = CommonOptions.Lab();
        var files = CommonOptions.Files();
        files.Description = "work offline from standard objects (Service, EndpointSlice, Node, Pod, KubeProxyConfiguration), e.g. `kubectl get svc,endpointslices,nodes,pods -A -o yaml`";
        var node = new Option<string>("--node") { Description = "the node whose rules to print", Required = true, HelpName = "NODE" };
        var components = new Option<string[]>("--component") { Description = "only these programs' rules: kube-proxy, flannel, kubelet, kube-router (repeatable)", HelpName = "NAME" };
        components.AcceptOnlyFromAmong("kube-proxy", "flannel", "kubelet", "kube-router", "all");
        var noRandomFully = new Option<bool>("--no-random-fully") { Description = "model an iptables older than 1.6.2 (MASQUERADE without --random-fully)" };
        var diff = new Option<bool>("--diff") { Description = "compare what k3s's programs would write now with what the node holds (netns or multipass lab, or --kubeconfig): missing rules, stale chains, rules another program added" };
        var live = new Option<bool>("--live") { Description = "print the node's actual `iptables-save` (netns labs; multipass labs through `multipass exec`) instead of what k3s would write" };
        var kubeconfig = LiveOptions.Kubeconfig();
        var kubeContext = LiveOptions.Context();
        var command = new Command("rules", """
            Print the iptables rules a k3s v1.29.5 node holds, as iptables-restore input.

            kube-proxy's (iptables mode),
            flannel's, kubelet's and kube-router's, with the built-in chains' jumps in a real node's order. The output
            loads with `iptables-restore --noflush` into an empty network namespace.

            Examples:
              kubelab rules --node vm1
              kubelab rules --node vm2 --component kube-proxy
              kubectl get svc,endpointslices,nodes,pods -A -o yaml > cluster.yaml && kubelab rules -f cluster.yaml --node vm1
              kubelab rules --node vm1 --live          # what the kernel of a netns or multipass lab holds now
              kubelab rules --node vm1 --kubeconfig ~/.kube/config   # from a real cluster's objects
              kubelab rules --node vm1 --component kube-proxy --diff   # what kube-proxy would change on the node
            """)
        { lab, files, node, components, noRandomFully, live, diff, kubeconfig, kubeContext };
        command.SetAction(parse =>
        {
            var nodeName = parse.GetValue(node)!;
            var selected = (parse.GetValue(components) ?? []).Aggregate(Component.None, (all, c) => all | ComponentNames.Parse(c));
            if (selected == Component.None)
            {
                selected = Component.All;
            }

            var sources = parse.GetValue(files) ?? [];
            var compare = parse.GetValue(diff);
            if (compare && (parse.GetValue(live) || sources.Length > 0))
            {
                throw KubeLabException.Usage("--diff compares with the node's kernel: it takes a lab (--name) or --kubeconfig, not --live or -f");
            }

            string? actual = null; // the node's iptables-save, for --diff
            ClusterSnapshot snapshot;
            IReadOnlyDictionary<string, object?>? proxyDocument = null;
            var timings = PhaseTimings.FromEnvironment(context.Err);
            if (sources.Length > 0)
            {
                (snapshot, proxyDocument) = ReadOffline(sources, context.In, timings);
            }
            else if (parse.GetValue(kubeconfig) is not null)
            {
                using var cluster = LiveOptions.Open(context, parse.GetValue(lab)!, parse.GetValue(kubeconfig), parse.GetValue(kubeContext))!;
                if (parse.GetValue(live))
                {
                    // A cluster KubeLab did not make: read the node through a short-lived privileged pod.
                    context.Out.Write(cluster.ReadNode(nodeName, ["iptables-save"]));
                    return 0;
                }

                snapshot = cluster.Read().Snapshot;
                snapshot.GetNode(nodeName);
                actual = compare ? cluster.ReadNode(nodeName, ["iptables-save"]) : null;
            }
            else
            {
                var state = context.Load(parse.GetValue(lab)!);
                if (parse.GetValue(live) && context.DriverOf(state) is Realize.Multipass.MultipassDriver multipass)
                {
                    SnapshotBuilder.FromState(state).GetNode(nodeName);
                    context.Out.Write(multipass.NodeState(state.Config.Name, nodeName, "iptables-save"));
                    return 0;
                }

                if (state.Config.Driver == "multipass" && !parse.GetValue(live))
                {
                    using var cluster = LiveOptions.Open(context, parse.GetValue(lab)!, null, null)!;
                    snapshot = cluster.Read().Snapshot;
                    snapshot.GetNode(nodeName);
                    var real = NodeRulesSource.ConfigFor(snapshot, nodeName) with { RandomFully = !parse.GetValue(noRandomFully) };
                    var generated = NodeRuleset.Generate(snapshot, nodeName, real, selected);
                    context.Out.Write(compare && context.DriverOf(state) is Realize.Multipass.MultipassDriver vm
                        ? RulesetDiff.Compare(generated, vm.NodeState(state.Config.Name, nodeName, "iptables-save"), $"node {nodeName}").Text
                        : generated);
                    return 0;
                }

                if (parse.GetValue(live))
                {
                    if (context.DriverOf(state) is not NetnsDriver)
                    {
                        throw KubeLabException.Usage($"--live reads a netns lab's kernel; lab \"{state.Config.Name}\" uses the driver \"{state.Config.Driver}\"");
                    }

                    SnapshotBuilder.FromState(state).GetNode(nodeName);
                    context.Out.Flush();
                    return context.DriverOf(state).Exec(state, nodeName, ["iptables-save"]);
                }

                snapshot = SnapshotBuilder.FromState(state);
                if (compare)
                {
                    snapshot.GetNode(nodeName);
                    actual = context.DriverOf(state) is Realize.Drivers.INodeStateReader reader
                        ? reader.ReadNode(state, nodeName).IptablesSave
                        : throw KubeLabException.Usage($"--diff reads the node's kernel; lab \"{state.Config.Name}\" uses the driver \"{state.Config.Driver}\", which has none");
                }
            }

            snapshot.GetNode(nodeName);
            var config = NodeRulesSource.ConfigFor(snapshot, nodeName) with { RandomFully = !parse.GetValue(noRandomFully) };
            if (proxyDocument is not null)
            {
                config = config.WithConfiguration(proxyDocument);
            }

            selected = Available(snapshot, nodeName, selected, config, context.Err);
            if (actual is null)
            {
                // The rules go out as they are rendered, through a buffered writer: no copy of them as one string.
                using (var output = context.BulkOut())
                {
                    NodeRuleset.Write(output, snapshot, nodeName, config, selected);
                }

                timings.Mark("generate and write");
                return 0;
            }

            var rules = NodeRuleset.Generate(snapshot, nodeName, config, selected);
            context.Out.Write(RulesetDiff.Compare(rules, actual, $"node {nodeName}").Text);
            return 0;
        });
        return command;
    }

    /// <summary>
    /// The snapshot of dumped objects and the last KubeProxyConfiguration among them. Files go through
    /// <see cref="DumpReader"/> (Services and EndpointSlices straight into the model, the input streamed); whatever it
    /// leaves to the general reader (a URL, stdin, a folder, a bad or unusual input) is read again with
    /// <see cref="ManifestSources"/>, so errors are the general reader's, word for word.
    /// </summary>
    internal static (ClusterSnapshot Snapshot, IReadOnlyDictionary<string, object?>? Proxy) ReadOffline(IReadOnlyList<string> sources, TextReader stdin, PhaseTimings? timings = null)
    {
        if (sources.Count > 0 && sources.All(File.Exists) && TryReadDump(sources, timings) is { } dump)
        {
            return (Checked(dump.Snapshot), dump.Proxy);
        }

        var documents = ManifestSources.Read(sources, stdin);
        timings?.Mark("read");
        var proxy = documents.Select(d => d.Object).OfType<KubeProxyConfigurationDocument>().LastOrDefault()?.Fields;
        var snapshot = OfflineSnapshot(documents);
        timings?.Mark("snapshot");
        return (snapshot, proxy);
    }

    private static (ClusterSnapshot Snapshot, IReadOnlyDictionary<string, object?>? Proxy)? TryReadDump(IReadOnlyList<string> files, PhaseTimings? timings)
    {
        try
        {
            var reader = new DumpReader();
            foreach (var file in files)
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
                reader.Read(stream, file);
            }

            timings?.Mark("read (dump reader)");
            var snapshot = reader.Snapshot();
            timings?.Mark("snapshot");
            return (snapshot, reader.ProxyConfiguration?.Fields);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            timings?.Mark($"dump reader gave up ({e.GetType().Name}); the general reader reads again");
            return null;
        }
    }

    /// <summary>
    /// A snapshot from dumped objects. People dump only some nodes, so endpoints and pods on nodes that are not in
    /// the input are kept (kube-proxy does not look their nodes up either); a slice whose Service is missing is refused.
    /// </summary>
    internal static ClusterSnapshot OfflineSnapshot(IReadOnlyList<ManifestDocument> documents)
    {
        var objects = documents.Select(d => d.Object).Where(o => o is not KubeProxyConfigurationDocument).ToList();
        return Checked(SnapshotBuilder.FromObjects(null, null, objects));
    }

    /// <summary>What a dump must hold: Nodes, and the Service of every EndpointSlice.</summary>
    private static ClusterSnapshot Checked(ClusterSnapshot snapshot)
    {
        if (snapshot.Nodes.Count == 0)
        {
            throw KubeLabException.Invalid("no Node objects in the input: the rules depend on the node's address; add the nodes (`kubectl get nodes -o yaml`)");
        }

        var services = snapshot.Services.Select(s => (s.Namespace, s.Name)).ToHashSet();
        foreach (var slice in snapshot.EndpointSlices)
        {
            if (!services.Contains((slice.Namespace, slice.ServiceName)))
            {
                throw KubeLabException.Invalid($"EndpointSlice \"{slice.Namespace}/{slice.Name}\" belongs to Service \"{slice.Namespace}/{slice.ServiceName}\", which is not in the input; add the Service or remove the slice");
            }
        }

        return snapshot;
    }

    /// <summary>
    /// What a dumped node lacks for the selected components: without spec.podCIDR flannel's rules (its masquerade
    /// rules name the node's subnet) are left out, said once on stderr; asked for alone, they are an error.
    /// </summary>
    internal static Component Available(ClusterSnapshot snapshot, string nodeName, Component selected, KubeProxyConfig config, TextWriter err)
    {
        var node = snapshot.GetNode(nodeName);
        if (node.HasPodCidr)
        {
            return selected;
        }

        if (selected.HasFlag(Component.KubeProxy) && config.DetectLocalMode == DetectLocalMode.NodeCIDR)
        {
            throw KubeLabException.Invalid($"Node \"{nodeName}\" has no spec.podCIDR, and kube-proxy's detectLocalMode NodeCIDR needs it (kube-proxy waits for it); set spec.podCIDR or use detectLocalMode ClusterCIDR");
        }

        if (selected == Component.Flannel)
        {
            throw KubeLabException.Invalid($"Node \"{nodeName}\" has no spec.podCIDR: flannel's rules name the node's pod subnet; dump a cluster whose nodes have one (`kubectl get nodes -o yaml`)");
        }

        if (selected.HasFlag(Component.Flannel))
        {
            err.WriteLine($"note: Node \"{nodeName}\" has no spec.podCIDR, so flannel's rules are left out (kube-proxy's, kubelet's and kube-router's do not need it)");
        }

        return selected & ~Component.Flannel;
    }
}
