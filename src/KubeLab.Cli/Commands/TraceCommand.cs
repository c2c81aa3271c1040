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
        var routes = new Option<string[]>("--routes") { Description = "offline: NODE=FILE with that node's `ip route show` (repeatable)", HelpName = "NODE=FILE" };
        var neighbours = new Option<string[]>("--neigh") { Description = "offline: NODE=FILE with that node's `ip neigh show`", HelpName = "NODE=FILE" };
        var fdb = new Option<string[]>("--fdb") { Description = "offline: NODE=FILE with that node's `bridge fdb show`", HelpName = "NODE=FILE" };
        var fromIp = new Option<string?>("--from-ip") { Description = "trace from a client outside the cluster with this address (then TARGET is the only argument)", HelpName = "IP" };
        var resolver = new Option<string?>("--resolver") { Description = "glibc, musl or c-ares (default: from the pod's image)", HelpName = "KIND" };
        resolver.AcceptOnlyFromAmong("glibc", "musl", "c-ares");
        var udp = new Option<bool>("--udp") { Description = "the target is a UDP port" };
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
              kubelab trace test-pod http://nginx-service/ --verify
              kubelab trace -f cluster.yaml --rules vm2=vm2.iptables --routes vm2=vm2.routes test-pod http://nginx-service/
            """)
        { lab, files, output, rules, routes, neighbours, fdb, fromIp, resolver, udp, verify, runs, kubeconfig, kubeContext, from, target };
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

            using var live = (parse.GetValue(files) ?? []).Length > 0 ? null : LiveOptions.Open(context, parse.GetValue(lab)!, parse.GetValue(kubeconfig), parse.GetValue(kubeContext));
            var (snapshot, nodes, state) = live is not null
                ? LiveNodes(context, parse.GetValue(lab)!, live, parse.GetValue(kubeconfig) is null)
                : LoadNodes(context, parse.GetValue(lab)!, parse.GetValue(files) ?? [], parse.GetValue(rules) ?? [],
                    parse.GetValue(routes) ?? [], parse.GetValue(neighbours) ?? [], parse.GetValue(fdb) ?? []);
            var request = new TraceRequest
            {
                From = source,
                Target = destination,
                FromKind = parse.GetValue(fromIp) is null ? null : SourceKind.Outside,
                Protocol = parse.GetValue(udp) ? "udp" : null,
                Resolver = parse.GetValue(resolver) switch
                {
                    "glibc" => ResolverKind.Glibc,
                    "musl" => ResolverKind.Musl,
                    "c-ares" => ResolverKind.CAres,
                    _ => null,
                },
            };
            var result = Tracer.Trace(request, nodes, snapshot, new CoreDnsAnswerer(snapshot));
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
        CliContext context, string lab, string[] files, string[] rules, string[] routes, string[] neighbours, string[] fdb)
    {
        if (files.Length > 0)
        {
            var snapshot = RulesCommand.OfflineSnapshot(ManifestSources.Read(files, context.In));
            var rulesFiles = Pairs(rules, "--rules");
            var routeFiles = Pairs(routes, "--routes");
            var neighbourFiles = Pairs(neighbours, "--neigh");
            var fdbFiles = Pairs(fdb, "--fdb");
            var nodes = snapshot.Nodes.ToDictionary(n => n.Name, n => NodeState.FromTexts(
                n.Name,
                rulesFiles.TryGetValue(n.Name, out var r) ? File.ReadAllText(r) : NodeRuleset.Generate(snapshot, n.Name, NodeRulesSource.ConfigFor(snapshot, n.Name)),
                routeFiles.TryGetValue(n.Name, out var rt) ? File.ReadAllText(rt) : NodeTables.Routes(snapshot, n.Name) + NodeTables.LocalTableRoutes(snapshot, n.Name),
                neighbourFiles.TryGetValue(n.Name, out var ne) ? File.ReadAllText(ne) : NodeTables.Neighbours(snapshot, n.Name),
                fdbFiles.TryGetValue(n.Name, out var f) ? File.ReadAllText(f) : NodeTables.Fdb(snapshot, n.Name),
                node: n));
            return (snapshot, nodes, null);
        }

        if (rules.Length + routes.Length > 0)
        {
            throw KubeLabException.Usage("--rules and --routes need -f with the cluster's objects (`kubectl get svc,endpointslices,nodes,pods -A -o yaml`)");
        }

        var state = context.Load(lab);
        var model = SnapshotBuilder.FromState(state);
        var driver = context.DriverOf(state);
        var states = model.Nodes.ToDictionary(n => n.Name, n =>
        {
            if (driver is INodeStateReader reader)
            {
                var texts = reader.ReadNode(state, n.Name);
                return NodeState.FromTexts(n.Name, texts.IptablesSave, texts.Routes, texts.Neighbours, texts.Fdb, texts.Addresses, n, deferRules: true);
            }

            return NodeState.FromTexts(n.Name, NodeRuleset.Generate(model, n.Name, NodeRulesSource.ConfigFor(model, n.Name)),
                NodeTables.Routes(model, n.Name) + NodeTables.LocalTableRoutes(model, n.Name), NodeTables.Neighbours(model, n.Name), NodeTables.Fdb(model, n.Name), NodeTables.Addresses(model, n.Name), n);
        });
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
