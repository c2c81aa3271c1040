using System.Net;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using KubeLab.Core.KubeProxy;
using KubeLab.Core.Model;
using YamlDotNet.Serialization;

namespace KubeLab.Core.Tests.KubeProxy;

/// <summary>
/// A golden folder: <c>cluster.yaml</c> (standard Service, EndpointSlice and optional Node and
/// KubeProxyConfiguration documents) and the expected output. A small test-only loader until the
/// manifest reader lands; set KUBELAB_REGENERATE_GOLDEN=1 to rewrite expected files.
/// </summary>
internal sealed partial record GoldenCase(string Name, string Directory, ClusterSnapshot Snapshot, string NodeName, KubeProxyConfig Config)
{
    /// <summary>kube-proxy's unit tests: node "test-hostname" with IP 192.168.0.2.</summary>
    public const string UpstreamNodeName = "test-hostname";

    public static string GoldenRoot => Path.Combine(AppContext.BaseDirectory, "Golden");

    /// <summary>The source tree's Golden folder (for regeneration), found from the test binary upwards.</summary>
    public static string SourceGoldenRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "KubeLab.Core.Tests.csproj")))
            {
                dir = dir.Parent;
            }

            return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("KubeLab.Core.Tests.csproj not found above " + AppContext.BaseDirectory), "Golden");
        }
    }

    public static bool Regenerate => Environment.GetEnvironmentVariable("KUBELAB_REGENERATE_GOLDEN") == "1";

    public static IEnumerable<object[]> CasesIn(string group) =>
        System.IO.Directory.GetDirectories(Path.Combine(GoldenRoot, group))
            .Select(Path.GetFileName)
            .Order(StringComparer.Ordinal)
            .Select(name => new object[] { name! });

    public static GoldenCase Load(string group, string name, KubeProxyConfig baseConfig, Node defaultNode)
    {
        var dir = Path.Combine(GoldenRoot, group, name);
        var text = File.ReadAllText(Path.Combine(dir, "cluster.yaml"));
        var services = new List<Service>();
        var slices = new List<EndpointSlice>();
        var nodes = new List<Node>();
        var pods = new List<Pod>();
        var config = baseConfig;
        string? nodeName = null;
        foreach (var document in DocumentSeparator().Split(text))
        {
            if (string.IsNullOrWhiteSpace(document) || !document.Contains("kind:", StringComparison.Ordinal))
            {
                continue;
            }

            if (document.Contains("kind: KubeProxyConfiguration", StringComparison.Ordinal))
            {
                config = config.WithYaml(document, $"{name}/cluster.yaml");
                var map = (Dictionary<object, object?>)new DeserializerBuilder().Build().Deserialize<object>(document)!;
                if (map.TryGetValue("hostnameOverride", out var host) && host is string h)
                {
                    nodeName = h;
                }

                continue;
            }

            foreach (var obj in KubernetesYaml.LoadAllFromString(document))
            {
                switch (obj)
                {
                    case V1Service s:
                        services.Add(ToService(s));
                        break;
                    case V1EndpointSlice e:
                        slices.Add(ToSlice(e));
                        break;
                    case V1Node n:
                        nodes.Add(ToNode(n));
                        break;
                    case V1Pod p:
                        pods.Add(ToPod(p));
                        break;
                    default:
                        throw new InvalidDataException($"{name}/cluster.yaml: unsupported object {obj.GetType().Name}");
                }
            }
        }

        nodeName ??= defaultNode.Name;
        if (nodes.All(n => n.Name != nodeName))
        {
            nodes.Insert(0, defaultNode with { Name = nodeName });
        }

        var snapshot = new ClusterSnapshot
        {
            Config = LabConfig.Default("golden", 1),
            Nodes = nodes,
            Pods = pods,
            Services = services,
            EndpointSlices = slices,
        };
        return new GoldenCase(name, dir, snapshot, nodeName, config);
    }

    /// <summary>Compares with the expected file, or rewrites it when regenerating.</summary>
    public void AssertMatches(string fileName, string actual, string group)
    {
        if (Regenerate)
        {
            File.WriteAllText(Path.Combine(SourceGoldenRoot, group, Name, fileName), actual);
            return;
        }

        var expected = File.ReadAllText(Path.Combine(Directory, fileName));
        Assert.Equal(expected, actual);
    }

    [GeneratedRegex(@"^---[^\n]*$", RegexOptions.Multiline)]
    private static partial Regex DocumentSeparator();

    private static Service ToService(V1Service s)
    {
        var spec = s.Spec;
        var headless = spec.ClusterIP == "None";
        return new Service
        {
            Namespace = s.Metadata.NamespaceProperty ?? "default",
            Name = s.Metadata.Name,
            Type = Enum.Parse<ServiceType>(spec.Type ?? "ClusterIP"),
            ClusterIP = headless || string.IsNullOrEmpty(spec.ClusterIP) ? null : IPAddress.Parse(spec.ClusterIP),
            Headless = headless,
            Ports = (spec.Ports ?? []).Select(p => new ServicePort
            {
                Name = p.Name,
                Protocol = ProtocolNames.Parse(p.Protocol),
                Port = p.Port,
                TargetPort = p.TargetPort is null ? PortRef.Of(p.Port)
                    : int.TryParse(p.TargetPort.Value, out var number) ? PortRef.Of(number) : PortRef.Named(p.TargetPort.Value),
                NodePort = p.NodePort ?? 0,
            }).ToList(),
            Selector = spec.Selector is null ? null : new Dictionary<string, string>(spec.Selector),
            SessionAffinityClientIP = spec.SessionAffinity == "ClientIP",
            SessionAffinityTimeoutSeconds = spec.SessionAffinityConfig?.ClientIP?.TimeoutSeconds ?? 10800,
            ExternalTrafficPolicy = spec.ExternalTrafficPolicy == "Local" ? TrafficPolicy.Local : TrafficPolicy.Cluster,
            InternalTrafficPolicy = spec.InternalTrafficPolicy == "Local" ? TrafficPolicy.Local : TrafficPolicy.Cluster,
            ExternalIPs = spec.ExternalIPs?.ToList() ?? [],
            LoadBalancerIngress = (s.Status?.LoadBalancer?.Ingress ?? [])
                .Where(i => !string.IsNullOrEmpty(i.Ip)).Select(i => IPAddress.Parse(i.Ip)).ToList(),
            LoadBalancerSourceRanges = spec.LoadBalancerSourceRanges?.ToList() ?? [],
            HealthCheckNodePort = spec.HealthCheckNodePort ?? 0,
            ExternalName = spec.ExternalName,
            Annotations = s.Metadata.Annotations is null ? new Dictionary<string, string>() : new Dictionary<string, string>(s.Metadata.Annotations),
        };
    }

    private static EndpointSlice ToSlice(V1EndpointSlice e) => new()
    {
        Namespace = e.Metadata.NamespaceProperty ?? "default",
        Name = e.Metadata.Name,
        ServiceName = e.Metadata.Labels?.TryGetValue("kubernetes.io/service-name", out var svc) == true ? svc
            : throw new InvalidDataException($"EndpointSlice {e.Metadata.Name} has no kubernetes.io/service-name label"),
        AddressType = e.AddressType,
        Ports = (e.Ports ?? []).Select(p => new EndpointPort(p.Name, p.Port ?? 0, ProtocolNames.Parse(p.Protocol))).ToList(),
        Endpoints = (e.Endpoints ?? []).Select(ep => new Endpoint
        {
            Addresses = ep.Addresses.Select(IPAddress.Parse).ToList(),
            Ready = ep.Conditions?.Ready ?? true,
            Serving = ep.Conditions?.Serving ?? true,
            Terminating = ep.Conditions?.Terminating ?? false,
            NodeName = ep.NodeName,
            Zone = ep.Zone,
            ZoneHints = ep.Hints?.ForZones?.Select(z => z.Name).ToList(),
        }).ToList(),
    };

    private static Pod ToPod(V1Pod p) => new()
    {
        Namespace = p.Metadata.NamespaceProperty ?? "default",
        Name = p.Metadata.Name,
        NodeName = p.Spec?.NodeName,
        HostNetwork = p.Spec?.HostNetwork ?? false,
        IP = string.IsNullOrEmpty(p.Status?.PodIP) ? null : IPAddress.Parse(p.Status.PodIP),
    };

    private static Node ToNode(V1Node n) => new()
    {
        Name = n.Metadata.Name,
        InternalIP = IPAddress.Parse(n.Status?.Addresses?.FirstOrDefault(a => a.Type == "InternalIP")?.Address ?? "192.168.0.2"),
        PodCidr = IPNetwork.Parse(n.Spec?.PodCIDR ?? "10.0.0.0/24"),
        Labels = n.Metadata.Labels is null ? new Dictionary<string, string>() : new Dictionary<string, string>(n.Metadata.Labels),
    };
}
