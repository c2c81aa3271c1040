using System.CommandLine;
using KubeLab.Core;
using KubeLab.Core.Control;
using KubeLab.Core.Lab;
using KubeLab.Core.Model;
using KubeLab.Core.NodeRules;
using KubeLab.Core.Trace;
using KubeLab.Core.Trace.Render;
using KubeLab.Realize.Drivers;
using KubeLab.Realize.Netns;

namespace KubeLab.Cli.Commands;

internal static class TraceCommand
{
    public static Command Create(CliContext context)
    {
        var lab = CommonOptions.Lab();
        var files = CommonOptions.Files();
        files.Description = "offline: the cluster's objects (`kubectl get svc,endpointslices,nodes,pods -A -o yaml`)";
        var output = new Option<string>("--output", "-o") { Description = "text, json or mermaid", DefaultValueFactory = _ => "text" };
        output.AcceptOnlyFromAmong("text", "json", "mermaid");
        var rules = new Option<string[]>("--rules") { Description = "offline: NODE=FILE with that node's `iptables-save` (repeatable)", HelpName = "NODE=FILE" };
        var routes = new Option<string[]>("--routes") { Description = "offline: NODE=FILE with that node's `ip route show table all` (or `ip route show`; repeatable)", HelpName = "NODE=FILE" };
        var neighbours = new Option<string[]>("--neigh") { Description = "offline: NODE=FILE with that node's `ip neigh show`", HelpName = "NODE=FILE" };
        var fdb = new Option<string[]>("--fdb") { Description = "offline: NODE=FILE with that node's `bridge fdb show`", HelpName = "NODE=FILE" };
        var fromIp = new Option<string?>("--from-ip") { Description = "trace from a client outside the cluster with this address (then TARGET is the only argument)", HelpName = "IP" };
        var resolver = new Option<string?>("--resolver") { Description = "glibc, musl or c-ares (default: from the pod's image)", HelpName = "KIND" };
        resolver.AcceptOnlyFromAmong("glibc", "musl", "c-ares");
        var udp = new Option<bool>("--udp") { Description = "the target is a UDP port (short for --protocol udp)" };
        var protocol = new Option<string?>("--protocol") { Description = "tcp (default), udp or sctp", HelpName = "PROTO" };
        protocol.AcceptOnlyFromAmong("tcp", "udp", "sctp");
        var via = new Option<string?>("--via") { Description = "with --from-ip: the node where the outside network delivers the packet (for a LoadBalancer IP, an external IP or a ClusterIP)", HelpName = "NODE" };
        var verify = new Option<bool>("--verify") { Description = "netns labs: send the request for real and show which branch the kernel took" };
        var runs = new Option<int>("--runs") { Description = "requests sent by --verify", DefaultValueFactory = _ => 30 };
        var kubeconfig = LiveOptions.Kubeconfig();
        var kubeContext = LiveOptions.Context();
        var from = new Argument<string>("FROM") { Description = "a pod (name or ns/name), a node (vm1), or an IP address" };
        var target = new Argument<string?>("TARGET") { Description = "a URL, host:port or IP:port", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("trace", """
            Explain a request's path hop by hop, interpreted from the nodes' actual rules and routes.

            The resolver's search list and each DNS query to kube-dns, then the NAT chains (KUBE-SERVICES → KUBE-SVC →
            KUBE-SEP) with every statistic branch and its probability, masquerading, routing over cni0 or flannel.1,
            the VXLAN hop, the FORWARD verdict, delivery, and the reply through conntrack. netns labs are read from
            their kernel; model-only labs use the generated rules; -f with --rules/--routes reads dumps from any cluster.

            Examples:
              kubelab trace test-pod http://nginx-service:80/
              kubelab trace test-pod http://nginx-service:80/ -o mermaid
              kubelab trace vm3 10.65.94.238:30000
              kubelab trace --from-ip 10.65.94.1 10.65.94.199:30000
              kubelab trace --from-ip 203.0.113.2 --via vm2 10.43.180.238:80
              kubelab trace test-pod http://nginx-service/ --verify
              kubelab trace -f cluster.yaml --rules vm2=vm2.iptables --routes vm2=vm2.routes test-pod http://nginx-service/
            """)
        { lab, files, output, rules, routes, neighbours, fdb, fromIp, via, resolver, udp, protocol, verify, runs, kubeconfig, kubeContext, from, target };
        command.SetAction(parse =>
        {
            var source = parse.GetValue(from)!;
            var destination = parse.GetValue(target);
            if (parse.GetValue(fromIp) is { } ip)
            {
                (source, destination) = (ip, destination ?? source);
            }

            if (destination is null)
            {
                throw KubeLabException.Usage("trace needs FROM and TARGET (e.g. `kubelab trace test-pod http://nginx-service:80/`)");
            }

            if (parse.GetValue(via) is not null && parse.GetValue(fromIp) is null)
            {
                throw KubeLabException.Usage("--via names where an outside client's packet arrives: it needs --from-ip IP");
            }

            var proto = parse.GetValue(protocol);
            if (parse.GetValue(udp))
            {
                proto = proto is null or "udp" ? "udp" : throw KubeLabException.Usage($"--udp and --protocol {proto} contradict each other: give one");
            }

            using var live = (parse.GetValue(files) ?? []).Length > 0 ? null : LiveOptions.Open(context, parse.GetValue(lab)!, parse.GetValue(kubeconfig), parse.GetValue(kubeContext));
            var limits = new List<string>();
            var (snapshot, nodes, state) = live is not null
                ? LiveNodes(context, parse.GetValue(lab)!, live, parse.GetValue(kubeconfig) is null)
                : LoadNodes(context, parse.GetValue(lab)!, parse.GetValue(files) ?? [], parse.GetValue(rules) ?? [],
                    parse.GetValue(routes) ?? [], parse.GetValue(neighbours) ?? [], parse.GetValue(fdb) ?? [], limits);
            var request = new TraceRequest
            {
                From = source,
                Target = destination,
                FromKind = parse.GetValue(fromIp) is null ? null : SourceKind.Outside,
                Protocol = proto,
                Via = parse.GetValue(via),
                Announcers = state is null ? null : KubeLab.Core.MetalLB.L2Speakers.Announcements(state).ToDictionary(a => a.VIP.ToString(), a => a.Node),
                Resolver = parse.GetValue(resolver) switch
                {
                    "glibc" => ResolverKind.Glibc,
                    "musl" => ResolverKind.Musl,
                    "c-ares" => ResolverKind.CAres,
                    _ => null,
                },
            };
            var result = Tracer.Trace(request, nodes, snapshot, new CoreDnsAnswerer(snapshot));
            if (limits.Count > 0)
            {
                result = result with { Notes = [.. result.Notes, .. limits] };
            }

            context.Out.Write(parse.GetValue(output) switch
            {
                "json" => JsonRenderer.Render(result),
                "mermaid" => MermaidRenderer.Render(result),
                _ => TextRenderer.Render(result),
            });
            if (parse.GetValue(verify))
            {
                if (state is null || context.DriverOf(state) is not INodeStateReader reader)
                {
                    throw KubeLabException.Usage("--verify sends real packets, so it needs a netns lab (not a model-only lab or offline files)");
                }

                context.Out.Write(TraceVerifier.Verify(state, reader, result, destination, parse.GetValue(runs)));
            }

            return 0;
        });
        return command;
    }

    private static (ClusterSnapshot Snapshot, IReadOnlyDictionary<string, NodeState> Nodes, ClusterState? State) LoadNodes(
        CliContext context, string lab, string[] files, string[] rules, string[] routes, string[] neighbours, string[] fdb, List<string> limits)
    {
        if (files.Length > 0)
        {
            var snapshot = RulesCommand.ReadOffline(files, context.In).Snapshot;
            var rulesFiles = Pairs(rules, "--rules");
            var routeFiles = Pairs(routes, "--routes");
            var neighbourFiles = Pairs(neighbours, "--neigh");
            var fdbFiles = Pairs(fdb, "--fdb");
            // What the dump says about flannel: a node's subnet (spec.podCIDR) makes its routes, its VtepMAC
            // (flannel.alpha.coreos.com/backend-data) the neighbour and FDB entries of the VXLAN hop to it.
            var withCidr = snapshot.Nodes.Where(n => n.HasPodCidr).ToList();
            var withVtep = withCidr.Where(n => n.VtepMac.Length > 0).ToList();
            var lacking = snapshot.Nodes.Where(n => !withVtep.Contains(n) && !(routeFiles.ContainsKey(n.Name) && neighbourFiles.ContainsKey(n.Name) && fdbFiles.ContainsKey(n.Name))).Select(n => n.Name).ToList();
            if (lacking.Count > 0)
            {
                limits.Add($"no flannel data (spec.podCIDR and the flannel.alpha.coreos.com/backend-data annotation) for {string.Join(", ", lacking)}: their pod subnets and VXLAN peers are unknown, so no VXLAN hop to or from them is explained; give --routes, --neigh and --fdb NODE=FILE to read them from the node");
            }

            string Routes(Node n) => n.HasPodCidr
                ? NodeTables.Routes(snapshot with { Nodes = withCidr }, n.Name) + NodeTables.LocalTableRoutes(snapshot, n.Name)
                : NodeTables.Routes(snapshot with { Nodes = [n], Pods = [] }, n.Name) + NodeTables.LocalTableRoutes(snapshot, n.Name);
            var peers = snapshot with { Nodes = withVtep };
            var nodes = snapshot.Nodes.ToDictionary(n => n.Name, n => NodeState.FromTexts(
                n.Name,
                rulesFiles.TryGetValue(n.Name, out var r) ? File.ReadAllText(r) : OfflineRules(snapshot, n, limits),
                routeFiles.TryGetValue(n.Name, out var rt) ? File.ReadAllText(rt) : Routes(n),
                neighbourFiles.TryGetValue(n.Name, out var ne) ? File.ReadAllText(ne) : withVtep.Contains(n) ? NodeTables.Neighbours(peers, n.Name) : "",
                fdbFiles.TryGetValue(n.Name, out var f) ? File.ReadAllText(f) : withVtep.Contains(n) ? NodeTables.Fdb(peers, n.Name) : "",
                node: n));
            return (snapshot, nodes, null);
        }

        if (rules.Length + routes.Length > 0)
        {
            throw KubeLabException.Usage("--rules and --routes need -f with the cluster's objects (`kubectl get svc,endpointslices,nodes,pods -A -o yaml`)");
        }

        var state = context.Load(lab);
        var model = SnapshotBuilder.FromState(state);
        var states = LabNodeStates.Read(state, model, context.DriverOf(state));
        return (model, states, state);
    }

    /// <summary>A real cluster: objects from its API server, each node's state through multipass or a node reader pod.</summary>
    private static (ClusterSnapshot, IReadOnlyDictionary<string, NodeState>, ClusterState?) LiveNodes(CliContext context, string lab, KubeLab.Realize.Live.LiveCluster live, bool labOwned)
    {
        var snapshot = live.Snapshot();
        var state = labOwned ? context.Load(lab) : null;
        var reader = state is null ? null : context.DriverOf(state) as INodeStateReader;
        var nodes = snapshot.Nodes.ToDictionary(n => n.Name, n =>
        {
            var texts = reader is not null
                ? reader.ReadNode(state!, n.Name)
                : NodeTexts.Parse(live.ReadNode(n.Name, ["sh", "-c", NodeTexts.Script]));
            return NodeState.FromTexts(n.Name, texts.IptablesSave, texts.Routes, texts.Neighbours, texts.Fdb, texts.Addresses, n, deferRules: true);
        });
        return (snapshot, nodes, state);
    }

    /// <summary>The rules k3s would write on a dumped node, without flannel's where the node has no pod CIDR.</summary>
    private static string OfflineRules(ClusterSnapshot snapshot, Node node, List<string> limits)
    {
        var config = NodeRulesSource.ConfigFor(snapshot, node.Name);
        var components = RulesCommand.Available(snapshot, node.Name, Component.All, config, TextWriter.Null);
        if (components != Component.All && !limits.Any(l => l.StartsWith("rules:", StringComparison.Ordinal)))
        {
            limits.Add("rules: nodes without spec.podCIDR get kube-proxy's, kubelet's and kube-router's rules only (flannel's name the node's subnet)");
        }

        return NodeRuleset.Generate(snapshot, node.Name, config, components);
    }

    private static Dictionary<string, string> Pairs(string[] values, string option) => values.Select(v =>
    {
        var parts = v.Split('=', 2);
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            throw KubeLabException.Usage($"{option}: Invalid value: \"{v}\": expected NODE=FILE (e.g. {option} vm1=vm1.txt)");
        }

        if (!File.Exists(parts[1]))
        {
            throw KubeLabException.Invalid($"{option}: the file \"{parts[1]}\" does not exist");
        }

        return (parts[0], parts[1]);
    }).ToDictionary(p => p.Item1, p => p.Item2, StringComparer.Ordinal);
}
