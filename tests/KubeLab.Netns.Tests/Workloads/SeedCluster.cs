using System.Net;
using KubeLab.Core.Model;

namespace KubeLab.Netns.Tests.Workloads;

internal static class SeedCluster
{
    public static ClusterSnapshot Snapshot()
    {
        var config = LabConfig.Default("seed");
        return new ClusterSnapshot
        {
            Config = config,
            Nodes = config.Nodes.Select(n => new Node { Name = n.Name, Role = n.Role, InternalIP = n.InternalIP, PodCidr = n.PodCidr }).ToList(),
            Services =
            [
                new Service
                {
                    Namespace = "kube-system", Name = "kube-dns", ClusterIP = IPAddress.Parse("10.43.0.10"),
                    Ports =
                    [
                        new ServicePort { Name = "dns", Port = 53, Protocol = Protocol.UDP, TargetPort = PortRef.Of(53) },
                        new ServicePort { Name = "dns-tcp", Port = 53, TargetPort = PortRef.Of(53) },
                        new ServicePort { Name = "metrics", Port = 9153, TargetPort = PortRef.Of(9153) },
                    ],
                },
                new Service
                {
                    Namespace = "default", Name = "nginx-service", ClusterIP = IPAddress.Parse("10.43.180.238"),
                    Ports = [new ServicePort { Port = 80, TargetPort = PortRef.Of(80) }],
                },
            ],
            EndpointSlices =
            [
                new EndpointSlice
                {
                    Namespace = "default", Name = "nginx-service-abcde", ServiceName = "nginx-service",
                    Ports = [new EndpointPort(null, 80)],
                    Endpoints = new[] { "10.42.0.8", "10.42.1.2", "10.42.2.2" }.Select(ip => new Endpoint { Addresses = [IPAddress.Parse(ip)] }).ToList(),
                },
            ],
        };
    }
}
