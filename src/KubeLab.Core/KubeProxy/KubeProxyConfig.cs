using System.Globalization;
using System.Net;
using KubeLab.Core.Model;

namespace KubeLab.Core.KubeProxy;

/// <summary>How kube-proxy tells pod traffic from other traffic (KubeProxyConfiguration detectLocalMode).</summary>
public enum DetectLocalMode { ClusterCIDR, NodeCIDR, BridgeInterface, InterfaceNamePrefix }

/// <summary>
/// The kube-proxy settings that change the iptables text, with k3s v1.29's values as defaults: k3s runs
/// kube-proxy with <c>--cluster-cidr=10.42.0.0/16</c> and no masquerade-all or node-port-address flags.
/// </summary>
public sealed record KubeProxyConfig
{
    /// <summary>clusterCIDR; null means none (then the ClusterCIDR detector does not exist).</summary>
    public IPNetwork? ClusterCidr { get; init; } = LabDefaults.ClusterCidr;
    public DetectLocalMode DetectLocalMode { get; init; } = DetectLocalMode.ClusterCIDR;
    /// <summary>detectLocal.bridgeInterface (BridgeInterface mode).</summary>
    public string? BridgeInterface { get; init; }
    /// <summary>detectLocal.interfaceNamePrefix (InterfaceNamePrefix mode).</summary>
    public string? InterfaceNamePrefix { get; init; }
    public bool MasqueradeAll { get; init; }
    public int MasqueradeBit { get; init; } = 14;
    public bool LocalhostNodePorts { get; init; } = true;
    /// <summary>nodePortAddresses: CIDRs; empty means every local address.</summary>
    public IReadOnlyList<IPNetwork> NodePortAddresses { get; init; } = [];
    /// <summary>iptables ≥ 1.6.2 supports MASQUERADE --random-fully (k3s bundles 1.8.x).</summary>
    public bool RandomFully { get; init; } = true;
    /// <summary>net.netfilter.nf_conntrack_tcp_be_liberal read non-zero at start-up: no INVALID drop (v1.29).</summary>
    public bool ConntrackTcpLiberal { get; init; }
    /// <summary>The node IP kube-proxy checks against loadBalancerSourceRanges; null: the node's InternalIP.</summary>
    public IPAddress? NodeIP { get; init; }
    /// <summary>The node's interface addresses (for nodePortAddresses); null: 127.0.0.1 and the node IP.</summary>
    public IReadOnlyList<IPAddress>? LocalAddresses { get; init; }
    /// <summary>
    /// The mark as written in the restore text. Null: kube-proxy's own formatting of 1 &lt;&lt; MasqueradeBit
    /// (Go <c>%#08x</c>: <c>0x00004000</c>); the upstream unit tests inject <c>0x4000</c>.
    /// </summary>
    public string? MasqueradeMarkText { get; init; }
    /// <summary>largeClusterEndpointsThreshold in proxier.go: above it, endpoint rules carry no comments.</summary>
    public int LargeClusterEndpointsThreshold { get; init; } = 1000;

    /// <summary>k3s v1.29.5+k3s1 defaults.</summary>
    public static KubeProxyConfig K3sDefaults { get; } = new();

    /// <summary>
    /// The fake environment of kube-proxy's unit tests (proxier_test.go NewFakeProxier): local detector
    /// 10.0.0.0/8, mark 0x4000, no --random-fully, node IP 192.168.0.2, interfaces 127.0.0.1 and 192.168.0.2.
    /// </summary>
    public static KubeProxyConfig UpstreamTest { get; } = new()
    {
        ClusterCidr = IPNetwork.Parse("10.0.0.0/8"),
        RandomFully = false,
        MasqueradeMarkText = "0x4000",
        NodeIP = IPAddress.Parse("192.168.0.2"),
        LocalAddresses = [IPAddress.Loopback, IPAddress.Parse("192.168.0.2")],
    };

    /// <summary>The masquerade mark as kube-proxy writes it.</summary>
    public string MasqueradeMark =>
        MasqueradeMarkText ?? "0x" + (1u << MasqueradeBit).ToString("x8", CultureInfo.InvariantCulture);

    /// <summary>
    /// Reads a <c>kubeproxy.config.k8s.io/v1alpha1</c> KubeProxyConfiguration YAML (or JSON) document and
    /// applies it over this configuration (see <see cref="WithConfiguration"/>).
    /// </summary>
    public KubeProxyConfig WithYaml(string yaml, string source = "KubeProxyConfiguration")
    {
        object? parsed;
        try
        {
            parsed = new YamlDotNet.Serialization.DeserializerBuilder().Build().Deserialize<object>(yaml);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw KubeLabException.Invalid($"{source}: line {e.Start.Line}: {e.Message}");
        }

        return AsMap(parsed) is { } map
            ? WithConfiguration(map, source)
            : throw KubeLabException.Invalid($"{source}: a KubeProxyConfiguration must be a mapping (apiVersion: kubeproxy.config.k8s.io/v1alpha1, kind: KubeProxyConfiguration)");
    }

    /// <summary>k3s defaults with a KubeProxyConfiguration YAML document applied.</summary>
    public static KubeProxyConfig FromYaml(string yaml, string source = "KubeProxyConfiguration") => K3sDefaults.WithYaml(yaml, source);

    /// <summary>
    /// Applies a parsed <c>kubeproxy.config.k8s.io/v1alpha1</c> KubeProxyConfiguration (YAML or JSON
    /// deserialised to dictionaries, lists and scalars) over this configuration. Unknown fields are ignored,
    /// as kube-proxy's lenient decoding does; bad values name the field.
    /// </summary>
    public KubeProxyConfig WithConfiguration(IReadOnlyDictionary<string, object?> document, string source = "KubeProxyConfiguration")
    {
        var config = this;
        if (document.ContainsKey("clusterCIDR"))
        {
            // Empty: no cluster CIDR, so the ClusterCIDR detector does nothing (kube-proxy's no-op detector).
            var cidrs = Text(Get(document, "clusterCIDR"));
            // A dual-stack list is comma-separated; the IPv4 proxier uses the IPv4 entry.
            var v4 = cidrs.Split(',', StringSplitOptions.TrimEntries).FirstOrDefault(c => !c.Contains(':', StringComparison.Ordinal));
            config = config with { ClusterCidr = string.IsNullOrEmpty(v4) ? null : ParseCidr(v4, source, "clusterCIDR") };
        }

        if (Get(document, "detectLocalMode") is { } mode && Text(mode) is { Length: > 0 } modeText)
        {
            config = config with
            {
                DetectLocalMode = Enum.TryParse<DetectLocalMode>(modeText, ignoreCase: false, out var parsed)
                    ? parsed
                    : throw KubeLabException.Invalid($"{source}: detectLocalMode: Unsupported value: \"{modeText}\": supported values: \"ClusterCIDR\", \"NodeCIDR\", \"BridgeInterface\", \"InterfaceNamePrefix\""),
            };
        }

        if (AsMap(Get(document, "detectLocal")) is { } detectLocal)
        {
            if (Get(detectLocal, "bridgeInterface") is { } bridge)
            {
                config = config with { BridgeInterface = Text(bridge) };
            }

            if (Get(detectLocal, "interfaceNamePrefix") is { } prefix)
            {
                config = config with { InterfaceNamePrefix = Text(prefix) };
            }
        }

        var iptables = AsMap(Get(document, "iptables"));
        if (Get(iptables, "masqueradeAll") is { } all)
        {
            config = config with { MasqueradeAll = Bool(all, source, "iptables.masqueradeAll") };
        }

        if (Get(iptables, "masqueradeBit") is { } bit)
        {
            var value = int.TryParse(Text(bit), NumberStyles.Integer, CultureInfo.InvariantCulture, out var b) && b is >= 0 and <= 31
                ? b
                : throw KubeLabException.Invalid($"{source}: iptables.masqueradeBit: Invalid value: {Text(bit)}: must be within the range [0, 31]");
            config = config with { MasqueradeBit = value };
        }

        if (Get(iptables, "localhostNodePorts") is { } localhost)
        {
            config = config with { LocalhostNodePorts = Bool(localhost, source, "iptables.localhostNodePorts") };
        }

        if (Get(document, "nodePortAddresses") is IEnumerable<object?> addresses)
        {
            var list = new List<IPNetwork>();
            var i = 0;
            foreach (var entry in addresses)
            {
                var text = Text(entry);
                if (!text.Contains(':', StringComparison.Ordinal))
                {
                    list.Add(ParseCidr(text, source, $"nodePortAddresses[{i}]"));
                }

                i++;
            }

            config = config with { NodePortAddresses = list };
        }

        return config;
    }

    private static object? Get(IReadOnlyDictionary<string, object?>? map, string key) =>
        map is not null && map.TryGetValue(key, out var value) ? value : null;

    private static IReadOnlyDictionary<string, object?>? AsMap(object? value) => value switch
    {
        IReadOnlyDictionary<string, object?> map => map,
        IDictionary<object, object?> map => map.ToDictionary(kv => Text(kv.Key), kv => kv.Value),
        IDictionary<string, object?> map => map.ToDictionary(kv => kv.Key, kv => kv.Value),
        _ => null,
    };

    private static string Text(object? value) => Convert.ToString(value, CultureInfo.InvariantCulture)?.Trim() ?? "";

    private static bool Bool(object value, string source, string field) => value switch
    {
        bool b => b,
        _ when bool.TryParse(Text(value), out var b) => b,
        _ => throw KubeLabException.Invalid($"{source}: {field}: Invalid value: \"{Text(value)}\": must be true or false"),
    };

    private static IPNetwork ParseCidr(string text, string source, string field) =>
        IPNetwork.TryParse(text, out var network) && text.Contains('/', StringComparison.Ordinal)
            ? network
            : throw KubeLabException.Invalid($"{source}: {field}: Invalid value: \"{text}\": must be a valid CIDR (e.g. 10.42.0.0/16)");
}
