using System.Collections.Immutable;
using System.Net;
using KubeLab.Core.Cni;
using KubeLab.Core.Model;
using KubeLab.Core.Netfilter;

namespace KubeLab.Core.Trace;

/// <summary>
/// Follows a request through the nodes' actual rules and routes (reference k3s-node-dataplane §5): the pod's
/// veth into cni0, nat PREROUTING (pods) or OUTPUT (the host), every statistic branch to the endpoints, the
/// routing decision, filter FORWARD, nat POSTROUTING, VXLAN to the remote node and its delivery to the pod's veth;
/// then the reply as conntrack undoes the NAT. Before the connection, the resolver's queries to the nameserver.
/// </summary>
public static class Tracer
{
    private const int MaxNodeHops = 8;

    public static TraceResult Trace(TraceRequest request, IReadOnlyDictionary<string, NodeState> nodes, ClusterSnapshot snapshot, IDnsAnswerer dns)
    {
        var target = TraceTarget.Parse(request.Target, request.Protocol);
        var source = ResolveSource(request, nodes, snapshot);
        if (request.Via is not null && source.Kind != SourceKind.Outside)
        {
            throw KubeLabException.Usage($"--via says where an outside client's packet arrives; {source.Description} sends from its own node (use --from-ip IP)");
        }

        var walk = new Walk(nodes, snapshot, request.Via, request.Announcers);
        var notes = new List<string>();

        DnsTrace? dnsTrace = null;
        var destination = target.Address;
        if (destination is null)
        {
            dnsTrace = TraceDns(request, target.Host, source, walk, snapshot, dns);
            if (!dnsTrace.Outcome.Resolved)
            {
                return Result(connection: null, [dnsTrace.Outcome.Summary]);
            }

            destination = dnsTrace.Outcome.Addresses.FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
                ?? dnsTrace.Outcome.Addresses[0];
            if (dnsTrace.Outcome.Addresses.Count > 1)
            {
                notes.Add($"{target.Host} has {dnsTrace.Outcome.Addresses.Count} addresses; the client tries {destination} first");
            }
        }

        var connection = walk.Start(source, destination, target.Port, target.Protocol, request.SourcePort);
        if (NeedsLocalTable(source, destination, nodes) is { } node)
        {
            notes.Add($"{node.Name}: its routes have no local table (`ip route show table all`): which addresses are its own was taken from its interfaces and 127.0.0.0/8");
        }

        return Result(connection, notes);

        TraceResult Result(TracePath? connection, IReadOnlyList<string> resultNotes) => new()
        {
            Request = request,
            SourceKind = source.Kind,
            Source = source.Description,
            SourceNode = source.Node?.Name,
            Host = target.Host,
            Port = target.Port,
            Protocol = target.Protocol,
            Dns = dnsTrace,
            Connection = connection,
            Outcomes = connection?.Outcomes().ToList() ?? [],
            Notes = resultNotes,
        };
    }

    /// <summary>A node whose local table decided this trace (a loopback or own address) but was not given.</summary>
    private static NodeState? NeedsLocalTable(Source source, IPAddress destination, IReadOnlyDictionary<string, NodeState> nodes)
    {
        if (source.Kind == SourceKind.Pod && IPAddress.IsLoopback(destination))
        {
            return null; // the pod's own loopback: no node table is involved
        }

        var node = source.Node ?? nodes.Values.FirstOrDefault(n => n.IsLocalAddress(destination));
        return node is not null && !node.Routes.HasLocalTable && (IPAddress.IsLoopback(destination) || node.IsLocalAddress(destination)) ? node : null;
    }

    internal sealed record Source(SourceKind Kind, string Description, NodeState? Node, Pod? Pod, IPAddress? Address);

    private static Source ResolveSource(TraceRequest request, IReadOnlyDictionary<string, NodeState> nodes, ClusterSnapshot snapshot)
    {
        var from = request.From;
        if (request.FromKind is null or SourceKind.Pod)
        {
            var slash = from.IndexOf('/', StringComparison.Ordinal);
            var pod = slash > 0 ? snapshot.FindPod(from[..slash], from[(slash + 1)..]) : snapshot.FindPod("default", from);
            if (pod is not null)
            {
                if (pod.IP is null || pod.NodeName is null)
                {
                    throw KubeLabException.Invalid($"pod \"{pod.Key}\" has no IP or node yet (phase {pod.Phase}): wait until it is Running");
                }

                if (pod.HostNetwork)
                {
                    return new Source(SourceKind.Node, $"pod {pod.Key} (hostNetwork) on {pod.NodeName}", GetNode(nodes, pod.NodeName), pod, null);
                }

                return new Source(SourceKind.Pod, $"pod {pod.Key} ({pod.IP}) on {pod.NodeName}", GetNode(nodes, pod.NodeName), pod, pod.IP);
            }

            if (request.FromKind == SourceKind.Pod)
            {
                throw KubeLabException.NotFound($"pod \"{from}\" not found (pods: {string.Join(", ", snapshot.Pods.Select(p => p.Key))})");
            }
        }

        if (request.FromKind is null or SourceKind.Node && nodes.TryGetValue(from, out var node))
        {
            return new Source(SourceKind.Node, $"node {from}", node, null, null);
        }

        if (request.FromKind is null or SourceKind.Outside && IPAddress.TryParse(from, out var address))
        {
            return new Source(SourceKind.Outside, $"outside client {address}", null, null, address);
        }

        throw KubeLabException.NotFound(
            $"\"{from}\" is neither a pod (pods: {string.Join(", ", snapshot.Pods.Select(p => p.Key))}) nor a node (nodes: {string.Join(", ", nodes.Keys)}) nor an IP address");
    }

    private static NodeState GetNode(IReadOnlyDictionary<string, NodeState> nodes, string name) =>
        nodes.TryGetValue(name, out var node)
            ? node
            : throw KubeLabException.NotFound($"no rules/routes for node \"{name}\" (have: {string.Join(", ", nodes.Keys)}): pass --rules {name}=FILE --routes {name}=FILE");

    private static DnsTrace TraceDns(TraceRequest request, string host, Source source, Walk walk, ClusterSnapshot snapshot, IDnsAnswerer dns)
    {
        string resolvText;
        if (request.ResolvConf is not null)
        {
            resolvText = request.ResolvConf;
        }
        else if (source.Pod is not null && source.Kind == SourceKind.Pod)
        {
            resolvText = PodFiles.ResolvConf(snapshot.Config, source.Pod); // the file the lab writes for the pod
        }
        else
        {
            throw KubeLabException.Usage($"{source.Description}: to resolve \"{host}\" the trace needs its resolv.conf (--resolv-conf FILE), or give an IP:PORT target");
        }

        var conf = ResolvConf.Parse(resolvText);
        if (conf.Nameservers.Count == 0)
        {
            throw KubeLabException.Invalid($"resolv.conf of {source.Description} has no nameserver line");
        }

        var kind = request.Resolver ?? (source.Pod is null ? ResolverKind.Glibc : ResolverSearch.ForImage(source.Pod.Image));
        var nameserver = conf.Nameservers[0];
        var queryPath = walk.Start(source, nameserver, 53, "udp", 0);
        var reached = queryPath.Outcomes().Any(o => o.Kind == OutcomeKind.Delivered);
        ResolverOutcome outcome;
        var candidates = ResolverSearch.Candidates(host, conf, kind);
        if (!reached)
        {
            outcome = new ResolverOutcome([], null, [], $"no query reaches nameserver {nameserver}:53: the resolver times out (\"connection timed out; no servers could be reached\")");
        }
        else
        {
            outcome = ResolverSearch.Run(host, conf, kind, dns, request.IPv4Only);
        }

        return new DnsTrace
        {
            Name = host,
            Resolver = kind,
            ResolvConf = conf,
            Nameserver = nameserver,
            Candidates = candidates,
            Outcome = outcome,
            QueryPath = queryPath,
        };
    }

    internal sealed record NatRecord(string Node, string Kind, Packet Before, Packet After);

    internal sealed record Flow(Packet Packet, ImmutableList<NatRecord> Nats, ImmutableList<string> Assumptions, string? EndpointChain, int NodeHops);

    /// <summary>The walk over nodes. Each method appends hops to a path and, where the rules branch, forks it.</summary>
    private sealed class Walk(IReadOnlyDictionary<string, NodeState> nodes, ClusterSnapshot snapshot, string? via, IReadOnlyDictionary<string, string>? announcers)
    {
        public TracePath Start(Source source, IPAddress destination, int port, string protocol, int sourcePort)
        {
            var root = new TracePath(null, 1);
            var packet = new Packet
            {
                Source = source.Address ?? IPAddress.Any,
                Destination = destination,
                Protocol = protocol,
                SourcePort = sourcePort,
                DestinationPort = port,
            };
            var flow = new Flow(packet, [], [], null, 0);
            switch (source.Kind)
            {
                case SourceKind.Pod:
                    FromPod(root, source.Node!, source.Pod!, flow);
                    break;
                case SourceKind.Node:
                    FromHost(root, source.Node!, flow);
                    break;
                default:
                    FromOutside(root, flow);
                    break;
            }

            return root;
        }

        private void FromPod(TracePath path, NodeState node, Pod pod, Flow flow)
        {
            var packet = flow.Packet;
            var veth = VethOf(node, pod.IP!) ?? $"veth of {pod.Name}";
            var modelNode = snapshot.FindNode(node.Name);
            path.HopList.Add(new TraceHop
            {
                Kind = HopKind.Send,
                Node = node.Name,
                After = packet,
                Text = IPAddress.IsLoopback(packet.Destination)
                    ? $"{pod.Key} sends {packet} on lo (127.0.0.0/8 is local in the pod's own network namespace)"
                    : $"{pod.Key} sends {packet} from eth0 (its veth peer {veth} is a port of cni0)",
            });
            if (IPAddress.IsLoopback(packet.Destination) || packet.Destination.Equals(pod.IP))
            {
                // The pod's namespace has its own lo and local table: the packet never reaches cni0 or the node's rules.
                Finish(path, flow, new TraceOutcome
                {
                    Kind = OutcomeKind.Delivered,
                    Probability = path.Probability,
                    Node = node.Name,
                    Pod = pod.Key,
                    Address = packet.Destination,
                    Port = packet.DestinationPort,
                    ClientAddressSeen = IPAddress.IsLoopback(packet.Destination) ? packet.Destination : pod.IP,
                    Text = $"stays inside {pod.Key}: {packet.Destination} is local in the pod's network namespace, so the pod's own lo delivers it to whatever listens on port {packet.DestinationPort} in the pod (no node rule sees it)",
                });
                return;
            }

            if (modelNode is { HasPodCidr: true } && modelNode.PodCidr.Contains(packet.Destination) && !packet.Destination.Equals(modelNode.Cni0Address))
            {
                // Same pod subnet: the pod ARPs for the address itself and cni0 switches the frame (br_netfilter still
                // runs the iptables hooks, with physdev set).
                path.HopList.Add(new TraceHop
                {
                    Kind = HopKind.Bridge,
                    Node = node.Name,
                    Text = $"pod route {modelNode.PodCidr} dev eth0: {packet.Destination} is on the pod's own subnet, so cni0 bridges the frame (bridge-nf-call-iptables runs the hooks)",
                });
                var bridged = packet with { InInterface = "cni0", PhysIn = veth, Bridged = true };
                Arrive(path, node, flow with { Packet = bridged });
                return;
            }

            var gateway = modelNode is { HasPodCidr: true } ? modelNode.Cni0Address.ToString() : "the cni0 gateway";
            path.HopList.Add(new TraceHop
            {
                Kind = HopKind.Route,
                Node = node.Name,
                Text = $"pod route: default via {gateway} dev eth0 → the frame goes to cni0's address, so {node.Name} routes it",
            });
            Arrive(path, node, flow with { Packet = packet with { InInterface = "cni0", PhysIn = veth } });
        }

        private void FromOutside(TracePath path, Flow flow)
        {
            var packet = flow.Packet;
            var owner = nodes.Values.FirstOrDefault(n => n.IsLocalAddress(packet.Destination) && !IPAddress.IsLoopback(packet.Destination));
            NodeState? entry;
            string how;
            if (via is not null)
            {
                entry = nodes.TryGetValue(via, out var named)
                    ? named
                    : throw KubeLabException.NotFound($"--via {via}: no node \"{via}\" (nodes: {string.Join(", ", nodes.Keys)})");
                how = $"the outside network routes {packet.Destination} to {entry.Name} (--via)";
            }
            else if (owner is not null)
            {
                entry = owner;
                how = $"{packet.Destination} is {entry.Name}'s address";
            }
            else if (announcers?.GetValueOrDefault(packet.Destination.ToString()) is { } announcer && nodes.TryGetValue(announcer, out var announcing))
            {
                // MetalLB layer 2: the outside network delivers the VIP to the node whose speaker answers ARP for it
                entry = announcing;
                how = $"{packet.Destination} is {ServiceAddress(packet.Destination)}; MetalLB's speaker on {entry.Name} answers ARP for it (layer 2), so the frame goes to {entry.Name}";
            }
            else if (ServiceAddress(packet.Destination) is { } what)
            {
                if (nodes.Count != 1)
                {
                    throw KubeLabException.Usage(
                        $"{packet.Destination} is {what}, which is no node's own address: say where the outside network delivers it with --via NODE (nodes: {string.Join(", ", nodes.Keys)})");
                }

                entry = nodes.Values.First();
                how = $"{packet.Destination} is {what}; the outside network routes it to {entry.Name}, the only node";
            }
            else
            {
                Finish(path, flow, new TraceOutcome
                {
                    Kind = OutcomeKind.Unreachable,
                    Probability = path.Probability,
                    Text = $"an outside client cannot reach {packet.Destination}: it is no node's address nor a Service's (pod IPs are routed only inside the cluster); if the outside network routes it to a node, say which with --via NODE",
                });
                return;
            }

            var device = entry.Routes.Lookup(packet.Source) is { Type: not ("local" or "broadcast") } back ? back.Device ?? "eth0" : "eth0";
            path.HopList.Add(new TraceHop
            {
                Kind = HopKind.Send,
                Node = entry.Name,
                After = packet,
                Text = $"outside client {packet.Source} sends {packet}; {how}: it arrives on {entry.Name} {device}",
            });
            Arrive(path, entry, flow with { Packet = packet with { InInterface = device } });
        }

        /// <summary>What a Service makes of an address kube-proxy writes rules for: "the LoadBalancer IP of ns/name", …</summary>
        private string? ServiceAddress(IPAddress address)
        {
            foreach (var service in snapshot.Services)
            {
                if (service.LoadBalancerIngress.Any(a => a.Equals(address)))
                {
                    return $"the LoadBalancer IP of Service {service.Namespace}/{service.Name}";
                }

                if (service.ExternalIPs.Any(e => IPAddress.TryParse(e, out var ip) && ip.Equals(address)))
                {
                    return $"an external IP of Service {service.Namespace}/{service.Name}";
                }

                if (service.ClusterIP is { } clusterIP && clusterIP.Equals(address))
                {
                    return $"the ClusterIP of Service {service.Namespace}/{service.Name}";
                }
            }

            return null;
        }

        private void FromHost(TracePath path, NodeState node, Flow flow)
        {
            var packet = flow.Packet;
            var route = node.Routes.Lookup(packet.Destination);
            if (route is null && !node.IsLocalAddress(packet.Destination))
            {
                Finish(path, flow, Unreachable(path, node, packet, "no route"));
                return;
            }

            // The source address is chosen from the route before nat OUTPUT runs (so a ClusterIP gets the node IP).
            var device = node.IsLocalAddress(packet.Destination) ? "lo" : route!.Device ?? "lo";
            var src = node.IsLocalAddress(packet.Destination) ? packet.Destination : route!.Source ?? node.AddressOf(device) ?? IPAddress.Any;
            packet = packet with { Source = src, OutInterface = device };
            path.HopList.Add(new TraceHop
            {
                Kind = HopKind.Send,
                Node = node.Name,
                After = packet,
                Rule = route?.Text,
                Line = route?.LineNumber,
                Text = $"a process on {node.Name} connects: {(route is null ? "local address" : $"route \"{route.Text}\"")} picks source {src}, then OUTPUT runs",
            });
            RunHook(path, node, Hooks.Output, flow with { Packet = packet }, (p, f) =>
            {
                var current = f.Packet;
                if (!current.Destination.Equals(flow.Packet.Destination))
                {
                    if (node.IsLocalAddress(current.Destination))
                    {
                        ToHost(p, node, f);
                        return;
                    }

                    var rerouted = node.Routes.Lookup(current.Destination);
                    if (rerouted is null)
                    {
                        Finish(p, f, Unreachable(p, node, current, "no route after DNAT"));
                        return;
                    }

                    p.HopList.Add(RouteHop(node, rerouted, $"rerouted after DNAT: {current.Destination}"));
                    current = current with { OutInterface = rerouted.Device };
                    route = rerouted;
                }
                else if (node.IsLocalAddress(current.Destination))
                {
                    ToHost(p, node, f);
                    return;
                }

                var r = route!;
                RunHook(p, node, Hooks.Postrouting, f with { Packet = current }, (p2, f2) => Egress(p2, node, f2, r));
            });
        }

        private void Arrive(TracePath path, NodeState node, Flow flow)
        {
            if (flow.NodeHops > MaxNodeHops)
            {
                Finish(path, flow, new TraceOutcome
                {
                    Kind = OutcomeKind.Dropped,
                    Probability = path.Probability,
                    Node = node.Name,
                    Text = $"more than {MaxNodeHops} node hops: a routing loop (the kernel would drop it when the TTL runs out)",
                });
                return;
            }

            var arrival = flow.Packet.Destination;
            RunHook(path, node, Hooks.Prerouting, flow, (p, f) =>
            {
                var packet = f.Packet;
                if (node.IsLocalAddress(packet.Destination))
                {
                    ToHost(p, node, f);
                    return;
                }

                var route = node.Routes.Lookup(packet.Destination);
                if (route is null || route.Type is "blackhole" or "unreachable" or "prohibit")
                {
                    Finish(p, f, Unreachable(p, node, packet, route is null ? "no route" : route.Text));
                    return;
                }

                p.HopList.Add(RouteHop(node, route, packet.Destination.Equals(arrival)
                    ? $"route to {packet.Destination}"
                    : $"route to {packet.Destination} (after DNAT)"));
                var outPacket = packet with { OutInterface = route.Device };
                if (!(packet.Bridged && route.Device == "cni0"))
                {
                    outPacket = outPacket with { Bridged = false, PhysOut = null };
                }
                else
                {
                    outPacket = outPacket with { PhysOut = VethOf(node, packet.Destination) };
                }

                RunHook(p, node, Hooks.Forward, f with { Packet = outPacket }, (p2, f2) =>
                    RunHook(p2, node, Hooks.Postrouting, f2, (p3, f3) => Egress(p3, node, f3, route)));
            });
        }

        private void ToHost(TracePath path, NodeState node, Flow flow)
        {
            var packet = flow.Packet with { OutInterface = null };
            RunHook(path, node, Hooks.Input, flow with { Packet = packet }, (p, f) => Finish(p, f, new TraceOutcome
            {
                Kind = OutcomeKind.DeliveredToHost,
                Probability = p.Probability,
                Node = node.Name,
                Address = f.Packet.Destination,
                Port = f.Packet.DestinationPort,
                ClientAddressSeen = f.Packet.Source,
                Masqueraded = f.Nats.Any(n => n.Kind is "SNAT" or "MASQUERADE"),
                EndpointChain = f.EndpointChain,
                Text = $"delivered to a socket of {node.Name} itself ({Packet.Endpoint(f.Packet.Destination, f.Packet.DestinationPort)}): nothing in the lab listens there unless the node runs it",
            }));
        }

        private void Egress(TracePath path, NodeState node, Flow flow, Route route)
        {
            var packet = flow.Packet;
            var device = route.Device ?? "";
            var vxlanPeers = node.Fdb.Where(f => f.Device == device && f.Destination is not null).ToList();
            if (vxlanPeers.Count > 0 || device.StartsWith("flannel.", StringComparison.Ordinal))
            {
                Vxlan(path, node, flow, route);
                return;
            }

            var pod = snapshot.Pods.FirstOrDefault(p => p.IP is not null && p.IP.Equals(packet.Destination) && p.NodeName == node.Name && !p.HostNetwork);
            if (pod is not null && route.Via is null)
            {
                var neighbour = node.Neighbours.FirstOrDefault(n => n.Device == device && n.Address.Equals(packet.Destination));
                var veth = VethOf(node, packet.Destination) ?? $"veth of {pod.Name}";
                var mac = neighbour?.LinkAddress is null ? "" : $" ({neighbour.LinkAddress})";
                path.HopList.Add(new TraceHop
                {
                    Kind = HopKind.Deliver,
                    Node = node.Name,
                    After = packet,
                    Rule = neighbour?.Text,
                    Text = $"{device} → ARP {packet.Destination}{mac} → bridge port {veth} → eth0 of {pod.Key}",
                });
                var masqueraded = flow.Nats.Any(n => n.Kind is "SNAT" or "MASQUERADE");
                Finish(path, flow, new TraceOutcome
                {
                    Kind = OutcomeKind.Delivered,
                    Probability = path.Probability,
                    Node = node.Name,
                    Pod = pod.Key,
                    Address = packet.Destination,
                    Port = packet.DestinationPort,
                    ClientAddressSeen = packet.Source,
                    Masqueraded = masqueraded,
                    EndpointChain = flow.EndpointChain,
                    Text = $"delivered to {pod.Key} ({Packet.Endpoint(packet.Destination, packet.DestinationPort)}) on {node.Name}; it sees the client as {packet.Source}" +
                        (masqueraded ? " (masqueraded)" : ""),
                    Reply = Reply(flow, packet),
                });
                return;
            }

            if (route.Via is null && device.StartsWith("cni", StringComparison.Ordinal))
            {
                Finish(path, flow, Unreachable(path, node, packet, $"no pod has {packet.Destination} on {node.Name}: ARP on {device} gets no answer"));
                return;
            }

            var other = nodes.Values.FirstOrDefault(n => n != node && n.IsLocalAddress(packet.Destination));
            if (other is not null)
            {
                var inDevice = other.Routes.Lookup(packet.Source)?.Device ?? device;
                path.HopList.Add(new TraceHop
                {
                    Kind = HopKind.Underlay,
                    Node = node.Name,
                    After = packet,
                    Rule = route.Text,
                    Line = route.LineNumber,
                    Text = $"leaves {node.Name} on {device}{(route.Via is null ? "" : $" via {route.Via}")} and arrives on {other.Name} {inDevice}",
                });
                Arrive(path, other, NewConnectionOn(flow, packet with { InInterface = inDevice }));
                return;
            }

            path.HopList.Add(new TraceHop
            {
                Kind = HopKind.Underlay,
                Node = node.Name,
                After = packet,
                Rule = route.Text,
                Line = route.LineNumber,
                Text = $"leaves {node.Name} on {device}{(route.Via is null ? "" : $" via {route.Via}")}: outside the lab",
            });
            Finish(path, flow, new TraceOutcome
            {
                Kind = OutcomeKind.LeftLab,
                Probability = path.Probability,
                Node = node.Name,
                Address = packet.Destination,
                Port = packet.DestinationPort,
                ClientAddressSeen = packet.Source,
                Masqueraded = flow.Nats.Any(n => n.Kind is "SNAT" or "MASQUERADE"),
                EndpointChain = flow.EndpointChain,
                Text = $"leaves the lab from {node.Name} toward {Packet.Endpoint(packet.Destination, packet.DestinationPort)} with source {packet.Source}",
                Reply = Reply(flow, packet),
            });
        }

        private void Vxlan(TracePath path, NodeState node, Flow flow, Route route)
        {
            var packet = flow.Packet;
            var device = route.Device!;
            var nextHop = route.Via ?? packet.Destination;
            var neighbour = node.Neighbours.FirstOrDefault(n => n.Device == device && n.Address.Equals(nextHop));
            if (neighbour?.LinkAddress is null)
            {
                Finish(path, flow, Unreachable(path, node, packet,
                    $"no neighbour entry for {nextHop} on {device} (flannel writes a permanent one per remote node; the device has nolearning)"));
                return;
            }

            var fdb = node.Fdb.FirstOrDefault(f => f.Device == device && f.Mac == neighbour.LinkAddress && f.Destination is not null);
            if (fdb is null)
            {
                Finish(path, flow, Unreachable(path, node, packet, $"no bridge fdb entry \"{neighbour.LinkAddress} dev {device} dst …\": VXLAN has no remote for it"));
                return;
            }

            var remoteIp = fdb.Destination!;
            var underlay = node.Routes.Lookup(remoteIp);
            var outerSource = underlay?.Source ?? node.Addresses.FirstOrDefault(a => a.Device == underlay?.Device)?.Address ?? IPAddress.Any;
            var remote = nodes.Values.FirstOrDefault(n => n != node && n.IsLocalAddress(remoteIp));
            path.HopList.Add(new TraceHop
            {
                Kind = HopKind.Encapsulate,
                Node = node.Name,
                Before = packet,
                Rule = $"{neighbour.Text} | {fdb.Text}",
                Text = $"{device}: neighbour {nextHop} is {neighbour.LinkAddress}; fdb sends that MAC to {remoteIp} → VXLAN: outer udp {outerSource} → {remoteIp}:{LabDefaults.VxlanPort} VNI {LabDefaults.VxlanId}, inner {packet with { Mark = 0 }}" +
                    (underlay is null ? "" : $"; the outer packet leaves by \"{underlay.Text}\""),
            });
            if (remote is null)
            {
                Finish(path, flow, new TraceOutcome
                {
                    Kind = OutcomeKind.LeftLab,
                    Probability = path.Probability,
                    Node = node.Name,
                    Address = packet.Destination,
                    Port = packet.DestinationPort,
                    ClientAddressSeen = packet.Source,
                    EndpointChain = flow.EndpointChain,
                    Text = $"VXLAN to {remoteIp}: no node state has that address, so the trace stops here",
                });
                return;
            }

            if (!OuterPacketPasses(path, flow, node, remote, outerSource, remoteIp, underlay?.Device ?? "eth0"))
            {
                return;
            }

            var inner = packet with { InInterface = device, OutInterface = null, PhysIn = null, PhysOut = null, Bridged = false, Mark = 0 };
            path.HopList.Add(new TraceHop
            {
                Kind = HopKind.Decapsulate,
                Node = remote.Name,
                After = inner,
                Text = $"{remote.Name} receives udp :{LabDefaults.VxlanPort} on {remote.Routes.Lookup(outerSource)?.Device ?? "its underlay interface"}; {device} decapsulates (inner destination MAC is its VTEP MAC) and the inner packet enters on {device}",
            });
            Arrive(path, remote, NewConnectionOn(flow, inner));
        }

        /// <summary>
        /// The outer UDP packet is a packet of its own: locally generated on the sender (OUTPUT, POSTROUTING) and
        /// addressed to the receiver (PREROUTING, INPUT). Its walks are summarised in one hop unless a rule stops it.
        /// </summary>
        private bool OuterPacketPasses(TracePath path, Flow flow, NodeState sender, NodeState? receiver, IPAddress outerSource, IPAddress remoteIp, string underlayDevice)
        {
            var outer = new Packet
            {
                Source = outerSource,
                Destination = remoteIp,
                Protocol = "udp",
                DestinationPort = LabDefaults.VxlanPort,
                OutInterface = underlayDevice,
            };
            var walks = new List<(NodeState Node, string Hook, Packet Packet)>
            {
                (sender, Hooks.Output, outer),
                (sender, Hooks.Postrouting, outer),
            };
            if (receiver is not null)
            {
                var inDevice = receiver.Routes.Lookup(outerSource)?.Device ?? "eth0";
                var arriving = outer with { InInterface = inDevice, OutInterface = null };
                walks.Add((receiver, Hooks.Prerouting, arriving));
                walks.Add((receiver, Hooks.Input, arriving));
            }

            var passed = new List<string>();
            foreach (var (node, hook, packet) in walks)
            {
                var outcomes = NetfilterEvaluator.RunHook(node.Rules, hook, packet, node.NetfilterContext);
                var stopped = outcomes.FirstOrDefault(o => o.Verdict != Verdict.Accept);
                if (stopped is not null)
                {
                    AddSteps(path, node, hook, stopped.Steps);
                    Finish(path, flow, new TraceOutcome
                    {
                        Kind = stopped.Verdict == Verdict.Reject ? OutcomeKind.Rejected : OutcomeKind.Dropped,
                        Probability = path.Probability,
                        Node = node.Name,
                        Address = flow.Packet.Destination,
                        Port = flow.Packet.DestinationPort,
                        EndpointChain = flow.EndpointChain,
                        VerdictRule = stopped.VerdictRule?.Text,
                        VerdictLine = stopped.VerdictRule?.LineNumber,
                        Text = $"{node.Name} {hook} stops the VXLAN packet {packet}" + (stopped.VerdictRule is null ? " (chain policy)" : $" (line {stopped.VerdictRule.LineNumber})"),
                    });
                    return false;
                }

                var decided = outcomes[0].VerdictRule;
                passed.Add($"{node.Name} {hook} {(decided is null ? "ACCEPT (policy)" : $"ACCEPT at line {decided.LineNumber}")}");
            }

            path.HopList.Add(new TraceHop
            {
                Kind = HopKind.Underlay,
                Node = sender.Name,
                After = outer,
                Text = $"outer packet {outer}: {string.Join(", ", passed)}",
            });
            return true;
        }

        /// <summary>Another node has its own conntrack table and the skb mark does not cross the wire.</summary>
        private static Flow NewConnectionOn(Flow flow, Packet packet) => flow with
        {
            Packet = packet with { Mark = 0, State = ConnState.New, DnatApplied = false, SnatApplied = false },
            NodeHops = flow.NodeHops + 1,
        };

        private static List<string> Reply(Flow flow, Packet delivered)
        {
            var reply = new List<string>
            {
                $"reply {Packet.Endpoint(delivered.Destination, delivered.DestinationPort)} → {Packet.Endpoint(delivered.Source, delivered.SourcePort)} (conntrack ESTABLISHED: no nat rules run)",
            };
            foreach (var nat in flow.Nats.Reverse())
            {
                reply.Add(nat.Kind is "DNAT" or "REDIRECT"
                    ? $"on {nat.Node}: conntrack undoes the DNAT: source {Packet.Endpoint(nat.After.Destination, nat.After.DestinationPort)} → {Packet.Endpoint(nat.Before.Destination, nat.Before.DestinationPort)}"
                    : $"on {nat.Node}: conntrack undoes the {nat.Kind}: destination {nat.After.Source} → {nat.Before.Source}");
            }

            var first = flow.Nats.FirstOrDefault(n => n.Kind is "DNAT" or "REDIRECT");
            var from = first is null ? delivered.Destination : first.Before.Destination;
            var port = first is null ? delivered.DestinationPort : first.Before.DestinationPort;
            reply.Add($"the client receives the reply from {Packet.Endpoint(from, port)}");
            return reply;
        }

        private static TraceHop RouteHop(NodeState node, Route route, string what) => new()
        {
            Kind = HopKind.Route,
            Node = node.Name,
            Rule = route.Text,
            Line = route.LineNumber,
            Text = $"{what}: \"{route.Text}\" → {(route.Via is null ? "" : $"next hop {route.Via} ")}dev {route.Device}",
        };

        private static TraceOutcome Unreachable(TracePath path, NodeState node, Packet packet, string why) => new()
        {
            Kind = OutcomeKind.Unreachable,
            Probability = path.Probability,
            Node = node.Name,
            Address = packet.Destination,
            Port = packet.DestinationPort,
            Text = $"{node.Name} cannot forward {packet}: {why}",
        };

        private static string? VethOf(NodeState node, IPAddress podIp)
        {
            var neighbour = node.Neighbours.FirstOrDefault(n => n.Address.Equals(podIp) && n.LinkAddress is not null);
            return neighbour is null ? null : node.Fdb.FirstOrDefault(f => f.Mac == neighbour.LinkAddress && f.Master is not null)?.Device;
        }

        private static void Finish(TracePath path, Flow flow, TraceOutcome outcome) =>
            path.Outcome = flow.Assumptions.Count == 0 ? outcome : outcome with { Assumptions = flow.Assumptions };

        /// <summary>Runs one hook; appends the shared steps, forks the path where outcomes differ, and continues each accepted one.</summary>
        private void RunHook(TracePath path, NodeState node, string hook, Flow flow, Action<TracePath, Flow> next)
        {
            var outcomes = NetfilterEvaluator.RunHook(node.Rules, hook, flow.Packet, node.NetfilterContext);
            var shared = outcomes.Count == 1 ? outcomes[0].Steps.Count : CommonPrefix(outcomes);
            path.HopList.Add(new TraceHop
            {
                Kind = HopKind.Hook,
                Node = node.Name,
                Hook = hook,
                Before = flow.Packet,
                Text = $"{node.Name} {hook} (in {flow.Packet.InInterface ?? "-"}, out {flow.Packet.OutInterface ?? "-"}): {flow.Packet}",
            });
            AddSteps(path, node, hook, outcomes[0].Steps.Take(shared));
            foreach (var outcome in outcomes)
            {
                var target = path;
                if (outcomes.Count > 1)
                {
                    target = new TracePath(BranchLabel(outcome, shared), path.Probability * outcome.Probability);
                    path.BranchList.Add(target);
                    AddSteps(target, node, hook, outcome.Steps.Skip(shared));
                }

                var updated = flow with { Packet = outcome.Packet, Assumptions = flow.Assumptions.AddRange(outcome.Assumptions) };
                foreach (var step in outcome.Steps.Where(s => s.Kind == StepKind.Modify && s.Table == "nat" && s.Before is not null && s.After is not null
                    && s.Rule?.Target is "DNAT" or "SNAT" or "MASQUERADE" or "REDIRECT"))
                {
                    var kind = step.Rule?.Target ?? "NAT";
                    updated = updated with { Nats = updated.Nats.Add(new NatRecord(node.Name, kind, step.Before!, step.After!)) };
                    if (kind == "DNAT")
                    {
                        updated = updated with { EndpointChain = step.Chain };
                    }
                }

                switch (outcome.Verdict)
                {
                    case Verdict.Accept:
                        next(target, updated);
                        break;
                    default:
                        Finish(target, updated, new TraceOutcome
                        {
                            Kind = outcome.Verdict == Verdict.Reject ? OutcomeKind.Rejected : OutcomeKind.Dropped,
                            Probability = target.Probability,
                            Node = node.Name,
                            Address = outcome.Packet.Destination,
                            Port = outcome.Packet.DestinationPort,
                            VerdictRule = outcome.VerdictRule?.Text,
                            VerdictLine = outcome.VerdictRule?.LineNumber,
                            EndpointChain = updated.EndpointChain,
                            Text = outcome.Verdict switch
                            {
                                Verdict.Reject => $"{node.Name} {hook} rejects it ({outcome.RejectWith}): the client gets \"connection refused\"",
                                Verdict.Queue => $"{node.Name} {hook} hands it to a userspace queue: not followed",
                                _ => $"{node.Name} {hook} drops it: the client times out",
                            } + (outcome.VerdictRule is null ? " (chain policy)" : $" (line {outcome.VerdictRule.LineNumber})"),
                        });
                        break;
                }
            }
        }

        private static int CommonPrefix(IReadOnlyList<HookOutcome> outcomes)
        {
            var shortest = outcomes.Min(o => o.Steps.Count);
            var n = 0;
            while (n < shortest && outcomes.All(o => ReferenceEquals(o.Steps[n], outcomes[0].Steps[n])))
            {
                n++;
            }

            return n;
        }

        private static string BranchLabel(HookOutcome outcome, int shared)
        {
            var rest = outcome.Steps.Skip(shared).ToList();
            // Name the branch after the chain whose NAT it took (KUBE-SEP-…), else the first chain it jumped to.
            var nat = rest.FirstOrDefault(s => s.Kind == StepKind.Modify && s.Table == "nat" && s.Rule?.Target is "DNAT" or "SNAT" or "MASQUERADE" or "REDIRECT");
            var jump = rest.FirstOrDefault(s => s.Kind == StepKind.Jump && s.Rule?.Target is not null)?.Rule?.Target;
            var label = nat is not null ? $"{nat.Chain}: {nat.Description}" : jump ?? outcome.Verdict.ToString();
            return outcome.Assumptions.Count > 0 ? $"{label} (assuming {string.Join("; ", outcome.Assumptions)})" : label;
        }

        private static void AddSteps(TracePath path, NodeState node, string hook, IEnumerable<RuleStep> steps)
        {
            foreach (var step in steps)
            {
                // An empty built-in chain's policy is noise (raw/mangle on most nodes).
                if (step.Kind == StepKind.Policy && step.Rule is null && node.Rules.FindChain(step.Table, step.Chain)?.Rules.Count == 0)
                {
                    continue;
                }

                path.HopList.Add(new TraceHop
                {
                    Kind = step.Kind switch
                    {
                        StepKind.Policy or StepKind.Terminal => HopKind.Verdict,
                        StepKind.Unknown or StepKind.Note => HopKind.Note,
                        _ => HopKind.Rule,
                    },
                    Node = node.Name,
                    Hook = hook,
                    Table = step.Table,
                    Chain = step.Chain,
                    Rule = step.Rule?.Text,
                    Line = step.Rule?.LineNumber,
                    Before = step.Before,
                    After = step.After,
                    BranchProbability = step.BranchProbability,
                    Text = step.Description,
                });
            }
        }
    }
}
