using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using KubeLab.Core.Model;

namespace KubeLab.Core.KubeProxy;

/// <summary>
/// The iptables-restore input kube-proxy v1.29 (iptables mode, IPv4) writes on a full sync
/// (pkg/proxy/iptables/proxier.go syncProxyRules), in the normalised order kube-proxy's own unit tests
/// compare (proxier_test.go sortIPTablesRules): chains KUBE-NODEPORTS, KUBE-SERVICES, then the other
/// chains in ordinal order, each chain's rules together. The text is valid <c>iptables-restore --noflush</c>
/// input with the same meaning as kube-proxy's (whose service order is Go map order, i.e. random).
/// Not included, as in kube-proxy's restore input: the jumps from built-in chains (kube-proxy adds those
/// with separate iptables -I calls; see NodeRuleset) and stale-chain deletions (a fresh node has none).
/// </summary>
public static partial class KubeProxyRules
{
    private static readonly byte[] Commit = "COMMIT\n"u8.ToArray();

    private const string NodePortsComment = "\"kubernetes service nodeports; NOTE: this must be the last rule in this chain\"";

    public static string Generate(ClusterSnapshot snapshot, string nodeName, KubeProxyConfig config)
    {
        var segments = Segments(Tables(snapshot, nodeName, config));
        var total = 0;
        foreach (var segment in segments)
        {
            total += Encoding.UTF8.GetCharCount(segment.Span);
        }

        return string.Create(total, segments, static (span, segments) =>
        {
            var position = 0;
            foreach (var segment in segments)
            {
                position += Encoding.UTF8.GetChars(segment.Span, span[position..]);
            }
        });
    }

    /// <summary>
    /// The same rules as <see cref="Generate"/> by table, as the writer made them: each table's chains and its rules as
    /// blocks of whole lines in UTF-8 (the writer's buffers and per-chain blocks as they are: a 10,000-Service node's
    /// 32 MB are neither copied into one string nor scanned again for their chain names).
    /// </summary>
    public static IReadOnlyList<RestoreTable> Tables(ClusterSnapshot snapshot, string nodeName, KubeProxyConfig config)
    {
        var node = snapshot.GetNode(nodeName);
        var ports = ServicePortInfo.Collect(snapshot, nodeName);
        var writer = new Writer(config, node, ports);
        foreach (var port in ports)
        {
            writer.WriteServicePort(port);
        }

        return writer.Finish();
    }

    /// <summary>
    /// One table of the restore input: the chains it declares (":NAME - [0:0]", in this order) and its rules, each
    /// piece whole lines ending in "\n", in order.
    /// </summary>
    public sealed record RestoreTable(string Name, IReadOnlyList<string> Chains, IReadOnlyList<ReadOnlyMemory<byte>> Rules);

    /// <summary>The restore text of <paramref name="tables"/> in pieces, in order.</summary>
    private static List<ReadOnlyMemory<byte>> Segments(IReadOnlyList<RestoreTable> tables)
    {
        var segments = new List<ReadOnlyMemory<byte>>();
        foreach (var table in tables)
        {
            var header = new LineBuffer(32 + (table.Chains.Count * 32));
            header.Write("*" + table.Name);
            foreach (var chain in table.Chains)
            {
                header.Write(":" + chain, "-", "[0:0]");
            }

            segments.Add(header.AsMemory());
            segments.AddRange(table.Rules);
            segments.Add(Commit);
        }

        return segments;
    }

    /// <summary>One sync's buffers: the fixed chains and one block per per-service nat chain.</summary>
    private sealed class Writer
    {
        private readonly KubeProxyConfig _config;
        private readonly Node _node;
        private readonly string _mark;
        private readonly bool _largeCluster;
        private readonly bool _localhostNodePorts;
        private readonly IPAddress _nodeIP;
        private readonly string[]? _ifLocal;
        private readonly string[]? _ifNotLocal;

        private readonly LineBuffer _filterNodePorts = new();
        private readonly LineBuffer _filterServices = new();
        private readonly LineBuffer _filterExternalServices = new();
        private readonly LineBuffer _filterProxyFirewall = new();
        private readonly LineBuffer _natNodePorts = new();
        private readonly LineBuffer _natServices;
        private readonly LineBuffer _natChains;
        private readonly List<ChainBlock> _blocks;

        public Writer(KubeProxyConfig config, Node node, List<ServicePortInfo> ports)
        {
            _config = config;
            _node = node;
            _mark = config.MasqueradeMark;
            var totalEndpoints = 0;
            foreach (var port in ports)
            {
                totalEndpoints += port.Endpoints.Count;
            }

            // proxier.go: largeClusterMode = totalEndpoints > largeClusterEndpointsThreshold (1000).
            _largeCluster = totalEndpoints > config.LargeClusterEndpointsThreshold;
            _localhostNodePorts = config.LocalhostNodePorts && NodePortAddressesContainLoopback(config);
            _nodeIP = config.NodeIP ?? node.InternalIP;
            (_ifLocal, _ifNotLocal) = LocalDetector(config, node);
            _natServices = new LineBuffer(Math.Max(256, ports.Count * 128));
            // Roughly the size of the per-service chains (measured: about 280 characters per endpoint without
            // comments, 380 with), so that the arena is not regrown.
            _natChains = new LineBuffer(Math.Max(1024, (ports.Count * 500) + (totalEndpoints * (_largeCluster ? 300 : 400))));
            _blocks = new List<ChainBlock>(Math.Max(4, (ports.Count * 2) + totalEndpoints + 2));

            Begin(ChainNames.PostRouting);
            _natChains.Write("-A", ChainNames.PostRouting, "-m", "mark", "!", "--mark", _mark + "/" + _mark, "-j", "RETURN");
            // Clear the mark so that re-traversal through netfilter does not masquerade again.
            _natChains.Write("-A", ChainNames.PostRouting, "-j", "MARK", "--xor-mark", _mark);
            if (config.RandomFully)
            {
                _natChains.Write("-A", ChainNames.PostRouting, "-m", "comment", "--comment", "\"kubernetes service traffic requiring SNAT\"", "-j", "MASQUERADE", "--random-fully");
            }
            else
            {
                _natChains.Write("-A", ChainNames.PostRouting, "-m", "comment", "--comment", "\"kubernetes service traffic requiring SNAT\"", "-j", "MASQUERADE");
            }

            End();
            Begin(ChainNames.MarkMasq);
            _natChains.Write("-A", ChainNames.MarkMasq, "-j", "MARK", "--or-mark", _mark);
            End();
        }

        private int _blockStart;
        private string _blockChain = "";

        private void Begin(string chain)
        {
            _blockChain = chain;
            _blockStart = _natChains.Length;
        }

        // Whether every block's chain has an ordinal key (kube-proxy's names always do).
        private bool _allKeyed = true;

        private void End()
        {
            var key = OrdinalKey(_blockChain);
            _allKeyed &= key is not null;
            _blocks.Add(new ChainBlock(_blockChain, key.GetValueOrDefault(), _blockStart, _natChains.Length - _blockStart));
        }

        public void WriteServicePort(ServicePortInfo svc)
        {
            var n = svc.Name;
            var p = svc.Protocol;
            var port = svc.Port.Port.ToString(CultureInfo.InvariantCulture);
            var hash = ChainNames.PortProtoHash(n, p);
            var clusterPolicyChain = "KUBE-SVC-" + hash;
            var localPolicyChain = "KUBE-SVL-" + hash;
            var externalTrafficChain = "KUBE-EXT-" + hash;
            var fwChain = "KUBE-FW-" + hash;

            var (clusterEndpoints, localEndpoints, allLocallyReachable, hasEndpoints) = EndpointCategories.For(svc, _node);
            var usesClusterPolicyChain = clusterEndpoints.Count > 0 && svc.UsesClusterEndpoints;
            var usesLocalPolicyChain = localEndpoints.Count > 0 && svc.UsesLocalEndpoints;

            var internalTrafficChain = clusterPolicyChain;
            var hasInternalEndpoints = hasEndpoints;
            if (svc.InternalPolicyLocal)
            {
                internalTrafficChain = localPolicyChain;
                hasInternalEndpoints &= localEndpoints.Count > 0;
            }

            var externalPolicyChain = clusterPolicyChain;
            var hasExternalEndpoints = hasEndpoints;
            if (svc.ExternalPolicyLocal)
            {
                externalPolicyChain = localPolicyChain;
                hasExternalEndpoints &= localEndpoints.Count > 0;
            }

            // Based on hasEndpoints, not hasExternalEndpoints: the EXT chain still short-circuits pod and
            // host traffic when there are no local endpoints.
            var usesExternalTrafficChain = hasEndpoints && svc.ExternallyAccessible;
            var usesFWChain = hasEndpoints && svc.LoadBalancerVips.Count > 0 && svc.SourceRanges.Count > 0;
            var loadBalancerTrafficChain = usesFWChain ? fwChain : externalTrafficChain;

            string internalFilterTarget = "", internalFilterComment = "", externalFilterTarget = "", externalFilterComment = "";
            if (!hasEndpoints)
            {
                internalFilterTarget = externalFilterTarget = "REJECT";
                internalFilterComment = externalFilterComment = "\"" + n + " has no endpoints\"";
            }
            else
            {
                if (!hasInternalEndpoints)
                {
                    internalFilterTarget = "DROP";
                    internalFilterComment = "\"" + n + " has no local endpoints\"";
                }

                if (!hasExternalEndpoints)
                {
                    externalFilterTarget = "DROP";
                    externalFilterComment = "\"" + n + " has no local endpoints\"";
                }
            }

            // Capture the cluster IP.
            if (hasInternalEndpoints)
            {
                _natServices.Write("-A", ChainNames.Services, "-m", "comment", "--comment", "\"" + n + " cluster IP\"", "-m", p, "-p", p, "-d", svc.ClusterIP, "--dport", port, "-j", internalTrafficChain);
            }
            else
            {
                _filterServices.Write("-A", ChainNames.Services, "-m", "comment", "--comment", internalFilterComment, "-m", p, "-p", p, "-d", svc.ClusterIP, "--dport", port, "-j", internalFilterTarget);
            }

            // Capture external IPs.
            foreach (var externalIP in svc.ExternalIPs)
            {
                if (hasEndpoints)
                {
                    _natServices.Write("-A", ChainNames.Services, "-m", "comment", "--comment", "\"" + n + " external IP\"", "-m", p, "-p", p, "-d", externalIP, "--dport", port, "-j", externalTrafficChain);
                }

                if (!hasExternalEndpoints)
                {
                    _filterExternalServices.Write("-A", ChainNames.ExternalServices, "-m", "comment", "--comment", externalFilterComment, "-m", p, "-p", p, "-d", externalIP, "--dport", port, "-j", externalFilterTarget);
                }
            }

            // Capture load-balancer ingress.
            foreach (var vip in svc.LoadBalancerVips)
            {
                if (hasEndpoints)
                {
                    _natServices.Write("-A", ChainNames.Services, "-m", "comment", "--comment", "\"" + n + " loadbalancer IP\"", "-m", p, "-p", p, "-d", vip, "--dport", port, "-j", loadBalancerTrafficChain);
                }

                if (usesFWChain)
                {
                    _filterProxyFirewall.Write("-A", ChainNames.ProxyFirewall, "-m", "comment", "--comment", "\"" + n + " traffic not accepted by " + fwChain + "\"", "-m", p, "-p", p, "-d", vip, "--dport", port, "-j", "DROP");
                }
            }

            if (!hasExternalEndpoints)
            {
                foreach (var vip in svc.LoadBalancerVips)
                {
                    _filterExternalServices.Write("-A", ChainNames.ExternalServices, "-m", "comment", "--comment", externalFilterComment, "-m", p, "-p", p, "-d", vip, "--dport", port, "-j", externalFilterTarget);
                }
            }

            // Capture node ports (not subject to loadBalancerSourceRanges).
            if (svc.NodePort != 0)
            {
                var nodePort = svc.NodePort.ToString(CultureInfo.InvariantCulture);
                if (hasEndpoints)
                {
                    _natNodePorts.Write("-A", ChainNames.NodePorts, "-m", "comment", "--comment", n, "-m", p, "-p", p, "--dport", nodePort, "-j", externalTrafficChain);
                }

                if (!hasExternalEndpoints)
                {
                    _filterExternalServices.Write("-A", ChainNames.ExternalServices, "-m", "comment", "--comment", externalFilterComment, "-m", "addrtype", "--dst-type", "LOCAL", "-m", p, "-p", p, "--dport", nodePort, "-j", externalFilterTarget);
                }
            }

            // Health-check node port: always TCP, whether or not there are endpoints.
            if (svc.HealthCheckNodePort != 0)
            {
                _filterNodePorts.Write("-A", ChainNames.NodePorts, "-m", "comment", "--comment", "\"" + n + " health check node port\"", "-m", "tcp", "-p", "tcp", "--dport", svc.HealthCheckNodePort.ToString(CultureInfo.InvariantCulture), "-j", "ACCEPT");
            }

            // The internal chain's masquerade rule is its first rule; it is written into the SVC or SVL
            // block below. Per-service chains are emitted as blocks in ordinal name order later.
            string[]? masqueradeRule = null;
            if (hasInternalEndpoints)
            {
                if (_config.MasqueradeAll)
                {
                    masqueradeRule = ["-A", internalTrafficChain, "-m", "comment", "--comment", "\"" + n + " cluster IP\"", "-m", p, "-p", p, "-d", svc.ClusterIP, "--dport", port, "-j", ChainNames.MarkMasq];
                }
                else if (_ifNotLocal is not null)
                {
                    masqueradeRule = ["-A", internalTrafficChain, "-m", "comment", "--comment", "\"" + n + " cluster IP\"", "-m", p, "-p", p, "-d", svc.ClusterIP, "--dport", port, _ifNotLocal[0], _ifNotLocal[1], _ifNotLocal[2], "-j", ChainNames.MarkMasq];
                }
            }

            if (usesExternalTrafficChain)
            {
                Begin(externalTrafficChain);
                if (!svc.ExternalPolicyLocal)
                {
                    _natChains.Write("-A", externalTrafficChain, "-m", "comment", "--comment", "\"masquerade traffic for " + n + " external destinations\"", "-j", ChainNames.MarkMasq);
                }
                else
                {
                    if (_ifLocal is not null)
                    {
                        _natChains.Write("-A", externalTrafficChain, "-m", "comment", "--comment", "\"pod traffic for " + n + " external destinations\"", _ifLocal[0], _ifLocal[1], "-j", clusterPolicyChain);
                    }

                    _natChains.Write("-A", externalTrafficChain, "-m", "comment", "--comment", "\"masquerade LOCAL traffic for " + n + " external destinations\"", "-m", "addrtype", "--src-type", "LOCAL", "-j", ChainNames.MarkMasq);
                    _natChains.Write("-A", externalTrafficChain, "-m", "comment", "--comment", "\"route LOCAL traffic for " + n + " external destinations\"", "-m", "addrtype", "--src-type", "LOCAL", "-j", clusterPolicyChain);
                }

                if (hasExternalEndpoints)
                {
                    _natChains.Write("-A", externalTrafficChain, "-j", externalPolicyChain);
                }

                End();
            }

            if (usesFWChain)
            {
                Begin(fwChain);
                var comment = "\"" + n + " loadbalancer IP\"";
                var allowFromNode = false;
                for (var i = 0; i < svc.SourceRanges.Count; i++)
                {
                    _natChains.Write("-A", fwChain, "-m", "comment", "--comment", comment, "-s", svc.SourceRanges[i], "-j", externalTrafficChain);
                    allowFromNode |= _nodeIP.AddressFamily == AddressFamily.InterNetwork && svc.SourceRangeNetworks[i].Contains(_nodeIP);
                }

                // VIP-like load balancers: traffic from this node to the VIP loops back with the VIP as source.
                if (allowFromNode)
                {
                    foreach (var vip in svc.LoadBalancerVips)
                    {
                        _natChains.Write("-A", fwChain, "-m", "comment", "--comment", comment, "-s", vip, "-j", externalTrafficChain);
                    }
                }

                // Packets that reach the end were not DNATed and are dropped by KUBE-PROXY-FIREWALL.
                _natChains.Write("-A", fwChain, "-m", "comment", "--comment", "\"other traffic to " + n + " will be dropped by KUBE-PROXY-FIREWALL\"");
                End();
            }

            if (usesClusterPolicyChain)
            {
                Begin(clusterPolicyChain);
                if (masqueradeRule is not null && internalTrafficChain == clusterPolicyChain)
                {
                    _natChains.Write(masqueradeRule);
                }

                WriteServiceToEndpointRules(n, svc, clusterPolicyChain, clusterEndpoints);
                End();
            }

            if (usesLocalPolicyChain)
            {
                Begin(localPolicyChain);
                if (masqueradeRule is not null && internalTrafficChain == localPolicyChain)
                {
                    _natChains.Write(masqueradeRule);
                }

                WriteServiceToEndpointRules(n, svc, localPolicyChain, localEndpoints);
                End();
            }

            foreach (var ep in allLocallyReachable)
            {
                var chain = ep.ChainName;
                Begin(chain);
                if (_largeCluster)
                {
                    _natChains.Write("-A", chain, "-s", ep.IP, "-j", ChainNames.MarkMasq);
                    if (svc.StickySeconds > 0)
                    {
                        _natChains.Write("-A", chain, "-m", "recent", "--name", chain, "--set", "-m", p, "-p", p, "-j", "DNAT", "--to-destination", ep.Endpoint);
                    }
                    else
                    {
                        _natChains.Write("-A", chain, "-m", p, "-p", p, "-j", "DNAT", "--to-destination", ep.Endpoint);
                    }
                }
                else
                {
                    _natChains.Write("-A", chain, "-m", "comment", "--comment", n, "-s", ep.IP, "-j", ChainNames.MarkMasq);
                    if (svc.StickySeconds > 0)
                    {
                        _natChains.Write("-A", chain, "-m", "comment", "--comment", n, "-m", "recent", "--name", chain, "--set", "-m", p, "-p", p, "-j", "DNAT", "--to-destination", ep.Endpoint);
                    }
                    else
                    {
                        _natChains.Write("-A", chain, "-m", "comment", "--comment", n, "-m", p, "-p", p, "-j", "DNAT", "--to-destination", ep.Endpoint);
                    }
                }

                End();
            }
        }

        /// <summary>proxier.go writeServiceToEndpointRules: affinity checks first, then the statistic chain.</summary>
        private void WriteServiceToEndpointRules(string n, ServicePortInfo svc, string chain, List<EndpointInfo> endpoints)
        {
            if (svc.StickySeconds > 0)
            {
                var seconds = svc.StickySeconds.ToString(CultureInfo.InvariantCulture);
                foreach (var ep in endpoints)
                {
                    if (_largeCluster)
                    {
                        _natChains.Write("-A", chain, "-m", "recent", "--name", ep.ChainName, "--rcheck", "--seconds", seconds, "--reap", "-j", ep.ChainName);
                    }
                    else
                    {
                        _natChains.Write("-A", chain, "-m", "comment", "--comment", "\"" + n + " -> " + ep.Endpoint + "\"", "-m", "recent", "--name", ep.ChainName, "--rcheck", "--seconds", seconds, "--reap", "-j", ep.ChainName);
                    }
                }
            }

            var count = endpoints.Count;
            for (var i = 0; i < count; i++)
            {
                var ep = endpoints[i];
                var last = i == count - 1;
                if (_largeCluster)
                {
                    if (last)
                    {
                        _natChains.Write("-A", chain, "-j", ep.ChainName);
                    }
                    else
                    {
                        _natChains.Write("-A", chain, "-m", "statistic", "--mode", "random", "--probability", Probability(count - i), "-j", ep.ChainName);
                    }
                }
                else
                {
                    var comment = "\"" + n + " -> " + ep.Endpoint + "\"";
                    if (last)
                    {
                        _natChains.Write("-A", chain, "-m", "comment", "--comment", comment, "-j", ep.ChainName);
                    }
                    else
                    {
                        _natChains.Write("-A", chain, "-m", "comment", "--comment", comment, "-m", "statistic", "--mode", "random", "--probability", Probability(count - i), "-j", ep.ChainName);
                    }
                }
            }
        }

        public List<RestoreTable> Finish()
        {
            // The final KUBE-SERVICES rule(s) send local destinations to KUBE-NODEPORTS.
            if (_config.NodePortAddresses.Count == 0 || _config.NodePortAddresses.Any(c => c.PrefixLength == 0))
            {
                if (_localhostNodePorts)
                {
                    _natServices.Write("-A", ChainNames.Services, "-m", "comment", "--comment", NodePortsComment, "-m", "addrtype", "--dst-type", "LOCAL", "-j", ChainNames.NodePorts);
                }
                else
                {
                    _natServices.Write("-A", ChainNames.Services, "-m", "comment", "--comment", NodePortsComment, "-m", "addrtype", "--dst-type", "LOCAL", "!", "-d", "127.0.0.0/8", "-j", ChainNames.NodePorts);
                }
            }
            else
            {
                foreach (var ip in NodePortAddressIPs())
                {
                    _natServices.Write("-A", ChainNames.Services, "-m", "comment", "--comment", NodePortsComment, "-d", ip, "-j", ChainNames.NodePorts);
                }
            }

            if (_allKeyed)
            {
                _blocks.Sort(static (a, b) => a.Key.CompareTo(b.Key));
            }
            else
            {
                _blocks.Sort(static (a, b) => string.CompareOrdinal(a.Chain, b.Chain));
            }

            var filterForward = new LineBuffer();
            if (!_config.ConntrackTcpLiberal)
            {
                // v1.29: dropped only when nf_conntrack_tcp_be_liberal is off (kubernetes#117924).
                filterForward.Write("-A", ChainNames.Forward, "-m", "conntrack", "--ctstate", "INVALID", "-j", "DROP");
            }

            filterForward.Write("-A", ChainNames.Forward, "-m", "comment", "--comment", "\"kubernetes forwarding rules\"", "-m", "mark", "--mark", _mark + "/" + _mark, "-j", "ACCEPT");
            filterForward.Write("-A", ChainNames.Forward, "-m", "comment", "--comment", "\"kubernetes forwarding conntrack rule\"", "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT");

            List<string> filterChains = [ChainNames.NodePorts, ChainNames.Services, ChainNames.ExternalServices];
            var filterFirewall = new LineBuffer();
            if (_localhostNodePorts)
            {
                filterChains.Add(ChainNames.Firewall);
                filterFirewall.WriteRaw("-A KUBE-FIREWALL -m comment --comment \"block incoming localnet connections\" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP");
            }

            filterChains.Add(ChainNames.Forward);
            filterChains.Add(ChainNames.ProxyFirewall);
            LineBuffer[] filterRules = [_filterNodePorts, _filterServices, _filterExternalServices, filterFirewall, filterForward, _filterProxyFirewall];

            var natChains = new List<string>(2 + _blocks.Count) { ChainNames.NodePorts, ChainNames.Services };
            var natRules = new List<ReadOnlyMemory<byte>>(2 + _blocks.Count) { _natNodePorts.AsMemory(), _natServices.AsMemory() };
            foreach (var block in _blocks)
            {
                natChains.Add(block.Chain);
                natRules.Add(_natChains.Memory(block.Start, block.Length));
            }

            return
            [
                new RestoreTable("filter", filterChains, [.. filterRules.Select(b => b.AsMemory())]),
                new RestoreTable("nat", natChains, natRules),
            ];
        }

        /// <summary>The local addresses inside nodePortAddresses (loopback only with localhost node ports).</summary>
        private IEnumerable<string> NodePortAddressIPs()
        {
            var local = _config.LocalAddresses ?? [IPAddress.Loopback, _nodeIP];
            // Go collects them in a map (random order); KubeLab sorts numerically.
            return local
                .Where(ip => ip.AddressFamily == AddressFamily.InterNetwork)
                .Where(ip => _localhostNodePorts || !IPAddress.IsLoopback(ip))
                .Where(ip => _config.NodePortAddresses.Any(c => c.Contains(ip)))
                .Distinct()
                .OrderBy(IPMath.ToUInt32)
                .Select(ip => ip.ToString());
        }
    }

    private readonly record struct ChainBlock(string Chain, UInt128 Key, int Start, int Length);

    /// <summary>
    /// A number in the order string.CompareOrdinal gives the chain names, for "KUBE-" and up to 20 more characters from
    /// '-' to 'k' (all of kube-proxy's nat chains: KUBE-SVC-, -SVL-, -SEP-, -EXT- or -FW- and 16 base32 characters,
    /// KUBE-POSTROUTING, KUBE-MARK-MASQ): 6 bits a character, 0 past the end so that a prefix comes first. Null for
    /// any other name. Sorting ~120,000 chains by these keys skips the "KUBE-SEP-" every string comparison reads.
    /// </summary>
    internal static UInt128? OrdinalKey(string chain)
    {
        const string prefix = "KUBE-";
        const int characters = 20;
        if (!chain.StartsWith(prefix, StringComparison.Ordinal) || chain.Length > prefix.Length + characters)
        {
            return null;
        }

        UInt128 key = 0;
        for (var i = 0; i < characters; i++)
        {
            var index = prefix.Length + i;
            var value = 0;
            if (index < chain.Length)
            {
                value = chain[index] - ('-' - 1);
                if (value is < 1 or > 63)
                {
                    return null;
                }
            }

            key = (key << 6) | (uint)value;
        }

        return key;
    }

    private static readonly string?[] ProbabilityCache = new string?[1024];

    /// <summary>
    /// proxier.go probability: fmt.Sprintf("%0.10f", 1.0/float64(n)), cached for small n as kube-proxy's
    /// precomputedProbabilities does.
    /// </summary>
    internal static string Probability(int n)
    {
        if (n >= ProbabilityCache.Length)
        {
            return (1.0 / n).ToString("F10", CultureInfo.InvariantCulture);
        }

        return ProbabilityCache[n] ??= (1.0 / n).ToString("F10", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Effective localhost node ports (proxier.go NewProxier): the option is on, and nodePortAddresses is
    /// empty (all addresses) or contains an IPv4 loopback address.
    /// </summary>
    internal static bool NodePortAddressesContainLoopback(KubeProxyConfig config) =>
        config.NodePortAddresses.Count == 0
        || config.NodePortAddresses.Any(c => c.Contains(IPAddress.Loopback) || IPAddress.IsLoopback(c.BaseAddress));

    /// <summary>
    /// pkg/proxy/util/iptables/traffic.go: the local-traffic detector's IfLocal / IfNotLocal arguments, or
    /// nulls when none is implemented (ClusterCIDR mode without a cluster CIDR).
    /// </summary>
    private static (string[]? IfLocal, string[]? IfNotLocal) LocalDetector(KubeProxyConfig config, Node node) =>
        config.DetectLocalMode switch
        {
            DetectLocalMode.ClusterCIDR when config.ClusterCidr is { } cidr && cidr.BaseAddress.AddressFamily == AddressFamily.InterNetwork =>
                (["-s", cidr.ToString()], ["!", "-s", cidr.ToString()]),
            DetectLocalMode.NodeCIDR => (["-s", node.PodCidr.ToString()], ["!", "-s", node.PodCidr.ToString()]),
            DetectLocalMode.BridgeInterface when !string.IsNullOrEmpty(config.BridgeInterface) =>
                (["-i", config.BridgeInterface], ["!", "-i", config.BridgeInterface]),
            DetectLocalMode.InterfaceNamePrefix when !string.IsNullOrEmpty(config.InterfaceNamePrefix) =>
                (["-i", config.InterfaceNamePrefix + "+"], ["!", "-i", config.InterfaceNamePrefix + "+"]),
            _ => (null, null),
        };
}
