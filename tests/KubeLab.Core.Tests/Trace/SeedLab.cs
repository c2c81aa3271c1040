using System.Net;
using KubeLab.Core.Model;
using KubeLab.Core.Trace;

namespace KubeLab.Core.Tests.Trace;

/// <summary>The seed's cluster as a snapshot, and the node dumps in Golden/trace/&lt;case&gt;/.</summary>
internal static class SeedLab
{
    public static string GoldenDir(string name) => Path.Combine(AppContext.BaseDirectory, "Golden", "trace", name);

    public static ClusterSnapshot Snapshot(bool withExtraServices = false)
    {
        var config = LabConfig.Default("seed");
        var nodes = config.Nodes.Select(n => new Node { Name = n.Name, Role = n.Role, InternalIP = n.InternalIP, PodCidr = n.PodCidr, VtepMac = n.VtepMac }).ToList();
        var pods = new List<Pod>
        {
            Pod("kube-system", "coredns-6799fbcd5-k7xwq", "10.42.0.2", "vm1", "rancher/mirrored-coredns-coredns:1.10.1"),
            Pod("default", "nginx-deployment-7c79c4bf97-gk7cj", "10.42.0.8", "vm1", "nginx"),
            Pod("default", "nginx-deployment-7c79c4bf97-5j5bv", "10.42.1.2", "vm2", "nginx"),
            Pod("default", "test-pod", "10.42.1.4", "vm2", "nicolaka/netshoot"),
            Pod("default", "nginx-deployment-7c79c4bf97-4fdl4", "10.42.2.2", "vm3", "nginx"),
        };
        var services = new List<Service>
        {
            Service("default", "kubernetes", "10.43.0.1", new ServicePort { Name = "https", Port = 443, TargetPort = PortRef.Of(6443) }),
            Service("kube-system", "kube-dns", "10.43.0.10",
                new ServicePort { Name = "dns", Protocol = Protocol.UDP, Port = 53, TargetPort = PortRef.Of(53) },
                new ServicePort { Name = "dns-tcp", Port = 53, TargetPort = PortRef.Of(53) },
                new ServicePort { Name = "metrics", Port = 9153, TargetPort = PortRef.Of(9153) }),
            Service("default", "nginx-service", "10.43.180.238", new ServicePort { Port = 80, TargetPort = PortRef.Of(80) }),
        };
        if (withExtraServices)
        {
            pods.Add(Pod("default", "web-0", "10.42.0.10", "vm1", "nginx"));
            pods.Add(Pod("default", "web-1", "10.42.2.5", "vm3", "nginx"));
            pods.Add(Pod("default", "web-local-0", "10.42.0.11", "vm1", "nginx"));
            pods.Add(Pod("default", "web-local-1", "10.42.1.7", "vm2", "nginx"));
            services.Add(Service("default", "web", "10.43.10.10", new ServicePort { Port = 80, TargetPort = PortRef.Of(8080), NodePort = 30080 }) with { Type = ServiceType.NodePort });
            services.Add(Service("default", "web-local", "10.43.10.11", new ServicePort { Port = 80, TargetPort = PortRef.Of(8080), NodePort = 30081 })
                with
            { Type = ServiceType.NodePort, ExternalTrafficPolicy = TrafficPolicy.Local });
            services.Add(Service("default", "empty", "10.43.10.12", new ServicePort { Port = 80, TargetPort = PortRef.Of(80) }));
        }

        return new ClusterSnapshot { Config = config, Nodes = nodes, Pods = pods, Services = services };
    }

    public static IReadOnlyDictionary<string, NodeState> Nodes(string goldenCase, ClusterSnapshot snapshot)
    {
        var dir = GoldenDir(goldenCase);
        return snapshot.Nodes.ToDictionary(n => n.Name, n => NodeState.FromTexts(
            n.Name,
            File.ReadAllText(Path.Combine(dir, $"{n.Name}.iptables-save")),
            File.ReadAllText(Path.Combine(dir, $"{n.Name}.ip-route")),
            File.ReadAllText(Path.Combine(dir, $"{n.Name}.ip-neigh")),
            File.ReadAllText(Path.Combine(dir, $"{n.Name}.bridge-fdb")),
            node: n));
    }

    public static TraceResult Trace(string goldenCase, string from, string target, string? protocol = null, SourceKind? kind = null)
    {
        var snapshot = Snapshot(goldenCase != "seed");
        return Tracer.Trace(new TraceRequest { From = from, Target = target, Protocol = protocol, FromKind = kind },
            Nodes(goldenCase, snapshot), snapshot, new SnapshotDnsAnswerer(snapshot));
    }

    private static Pod Pod(string ns, string name, string ip, string node, string image) => new()
    {
        Namespace = ns,
        Name = name,
        IP = IPAddress.Parse(ip),
        NodeName = node,
        Containers = [new Container { Name = name.Split('-')[0], Image = image }],
    };

    private static Service Service(string ns, string name, string ip, params ServicePort[] ports) => new()
    {
        Namespace = ns,
        Name = name,
        ClusterIP = IPAddress.Parse(ip),
        Ports = ports,
    };
}
