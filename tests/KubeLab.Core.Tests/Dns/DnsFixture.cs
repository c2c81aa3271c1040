using System.Net;
using KubeLab.Core.Dns;
using KubeLab.Core.Model;

namespace KubeLab.Core.Tests.Dns;

/// <summary>The seed cluster (vm1..vm3, kube-dns, nginx-service with three pods, test-pod) plus a few DNS shapes.</summary>
internal static class DnsFixture
{
    public const uint Serial = 1700000000;

    public static IPAddress IP(string text) => IPAddress.Parse(text);

    public static ClusterSnapshot Seed()
    {
        var config = LabConfig.Default("seed");
        var nodes = config.Nodes.Select(n => new Node { Name = n.Name, Role = n.Role, InternalIP = n.InternalIP, PodCidr = n.PodCidr }).ToList();
        ServicePort Port(string? name, int port, Protocol protocol = Protocol.TCP) =>
            new() { Name = name, Port = port, Protocol = protocol, TargetPort = PortRef.Of(port) };
        Endpoint Ep(string ip, string? hostname = null, bool ready = true) =>
            new() { Addresses = [IP(ip)], Hostname = hostname, Ready = ready };

        return new ClusterSnapshot
        {
            Config = config,
            Nodes = nodes,
            Pods =
            [
                new Pod
                {
                    Namespace = "kube-system", Name = "coredns-6799fbcd5-9ln42", IP = IP("10.42.0.2"), NodeName = "vm1",
                    Labels = new Dictionary<string, string> { ["k8s-app"] = "kube-dns" },
                },
                new Pod { Namespace = "default", Name = "test-pod", IP = IP("10.42.1.4"), NodeName = "vm2" },
                new Pod { Namespace = "apps", Name = "lonely", IP = IP("10.42.2.9"), NodeName = "vm3" },
            ],
            Services =
            [
                new Service { Namespace = "default", Name = "kubernetes", ClusterIP = IP("10.43.0.1"), Ports = [Port("https", 443)] },
                new Service
                {
                    Namespace = "kube-system", Name = "kube-dns", ClusterIP = IP("10.43.0.10"),
                    Ports = [Port("dns", 53, Protocol.UDP), Port("dns-tcp", 53), Port("metrics", 9153)],
                },
                new Service { Namespace = "default", Name = "nginx-service", ClusterIP = IP("10.43.180.238"), Ports = [Port(null, 80)] },
                new Service { Namespace = "default", Name = "web", Headless = true, Ports = [Port("http", 80), Port("metrics", 9090)] },
                new Service { Namespace = "default", Name = "empty-headless", Headless = true, Ports = [Port("http", 80)] },
                new Service { Namespace = "default", Name = "portless", Headless = true },
                new Service { Namespace = "default", Name = "ext", Type = ServiceType.ExternalName, ExternalName = "example.com" },
                new Service
                {
                    Namespace = "default", Name = "alias", Type = ServiceType.ExternalName,
                    ExternalName = "nginx-service.default.svc.cluster.local",
                },
            ],
            EndpointSlices =
            [
                new EndpointSlice
                {
                    Namespace = "kube-system", Name = "kube-dns-abcde", ServiceName = "kube-dns",
                    Ports = [new EndpointPort("dns", 53, Protocol.UDP), new EndpointPort("dns-tcp", 53), new EndpointPort("metrics", 9153)],
                    Endpoints = [Ep("10.42.0.2")],
                },
                new EndpointSlice
                {
                    Namespace = "default", Name = "nginx-service-xyz12", ServiceName = "nginx-service",
                    Ports = [new EndpointPort(null, 80)],
                    Endpoints = [Ep("10.42.0.8"), Ep("10.42.1.2"), Ep("10.42.2.2")],
                },
                new EndpointSlice
                {
                    Namespace = "default", Name = "web-1a2b3", ServiceName = "web",
                    Ports = [new EndpointPort("http", 8080), new EndpointPort("metrics", 9090)],
                    Endpoints = [Ep("10.42.0.20", "web-0"), Ep("10.42.1.20"), Ep("10.42.2.20", "web-2", ready: false)],
                },
                new EndpointSlice
                {
                    Namespace = "default", Name = "empty-headless-q", ServiceName = "empty-headless",
                    Ports = [new EndpointPort("http", 80)],
                    Endpoints = [Ep("10.42.2.30", ready: false)],
                },
                new EndpointSlice
                {
                    Namespace = "default", Name = "portless-p", ServiceName = "portless",
                    Endpoints = [Ep("10.42.1.40")],
                },
            ],
        };
    }

    public static CoreDnsZone Zone() => new(Seed(), new CoreDnsOptions { Serial = Serial });

    public static DnsAnswerSet Ask(string name, DnsRecordType type) => Zone().Answer(new DnsQuestion(name, type));

    public static string[] Lines(IEnumerable<DnsRecord> records) => records.Select(r => r.ToString()).ToArray();
}
