using k8s.Models;
using KubeLab.Core.Control;
using KubeLab.Core.KubeProxy;

namespace KubeLab.Core.Tests.Control;

/// <summary>
/// The EndpointSlice mirroring controller: hand-made Endpoints of a Service without a selector become EndpointSlices
/// (managed by endpointslicemirroring-controller.k8s.io), which kube-proxy's rules follow.
/// </summary>
public class EndpointSliceMirroringTests
{
    private const string Service = """
        apiVersion: v1
        kind: Service
        metadata:
          name: external-db
        spec:
          ports:
          - name: pg
            port: 5432
            targetPort: 5432
        """;

    private static string Endpoints(params string[] ips) => $"""
        apiVersion: v1
        kind: Endpoints
        metadata:
          name: external-db
          labels:
            team: data
          annotations:
            note: hand-made
            endpoints.kubernetes.io/last-change-trigger-time: "2024-06-11T01:57:04Z"
        subsets:
        - addresses:
        {string.Concat(ips.Select(ip => $"  - ip: {ip}\n"))}  notReadyAddresses:
          - ip: 192.0.2.99
          ports:
          - name: pg
            port: 5432
        """;

    private static IReadOnlyList<V1EndpointSlice> Mirrored(ClusterState state) =>
        state.All<V1EndpointSlice>().Where(s => s.Metadata.Labels?.TryGetValue("kubernetes.io/service-name", out var service) == true && service == "external-db").ToList();

    [Fact]
    public void Endpoints_of_a_service_without_a_selector_are_mirrored_into_a_slice_as_the_controller_makes_it()
    {
        var state = ControlPlaneTests.ApplyText(ControlPlaneTests.Bootstrap(), Service + "\n---\n" + Endpoints("192.0.2.10", "192.0.2.11"));
        var slice = Assert.Single(Mirrored(state));
        var endpoints = state.All<V1Endpoints>().Single(e => e.Metadata.Name == "external-db");
        Assert.StartsWith("external-db-", slice.Metadata.Name, StringComparison.Ordinal);
        Assert.Equal("external-db-", slice.Metadata.GenerateName);
        Assert.Equal(
            new Dictionary<string, string> { ["team"] = "data", ["kubernetes.io/service-name"] = "external-db", ["endpointslice.kubernetes.io/managed-by"] = "endpointslicemirroring-controller.k8s.io" },
            slice.Metadata.Labels);
        Assert.Equal(new Dictionary<string, string> { ["note"] = "hand-made" }, slice.Metadata.Annotations);
        var owner = Assert.Single(slice.Metadata.OwnerReferences);
        Assert.Equal(("v1", "Endpoints", "external-db", endpoints.Metadata.Uid, true, true), (owner.ApiVersion, owner.Kind, owner.Name, owner.Uid, owner.Controller, owner.BlockOwnerDeletion));
        Assert.Equal("IPv4", slice.AddressType);
        Assert.Equal(["pg 5432/TCP"], slice.Ports.Select(p => $"{p.Name} {p.Port}/{p.Protocol}"));
        Assert.Equal(["192.0.2.10 True", "192.0.2.11 True", "192.0.2.99 False"], slice.Endpoints.Select(e => $"{e.Addresses[0]} {e.Conditions.Ready}"));
    }

    [Fact]
    public void Kube_proxys_rules_follow_the_mirrored_endpoints()
    {
        var state = ControlPlaneTests.ApplyText(ControlPlaneTests.Bootstrap(), Service + "\n---\n" + Endpoints("192.0.2.10", "192.0.2.11"));
        var rules = KubeProxyRules.Generate(SnapshotBuilder.FromState(state), "vm1", KubeProxyConfig.K3sDefaults);
        Assert.Contains("-m comment --comment default/external-db:pg -m tcp -p tcp -j DNAT --to-destination 192.0.2.10:5432", rules, StringComparison.Ordinal);
        Assert.Contains("-m comment --comment default/external-db:pg -m tcp -p tcp -j DNAT --to-destination 192.0.2.11:5432", rules, StringComparison.Ordinal);
        Assert.DoesNotContain("192.0.2.99", rules, StringComparison.Ordinal); // not ready

        var name = Assert.Single(Mirrored(state)).Metadata.Name;
        state = ControlPlaneTests.ApplyText(state, Endpoints("192.0.2.12"));
        Assert.Equal(name, Assert.Single(Mirrored(state)).Metadata.Name); // updated in place
        rules = KubeProxyRules.Generate(SnapshotBuilder.FromState(state), "vm1", KubeProxyConfig.K3sDefaults);
        Assert.Contains("--to-destination 192.0.2.12:5432", rules, StringComparison.Ordinal);
        Assert.DoesNotContain("192.0.2.10", rules, StringComparison.Ordinal);
    }

    [Fact]
    public void Skip_mirror_a_selector_or_a_deleted_endpoints_leave_no_mirrored_slice()
    {
        var state = ControlPlaneTests.ApplyText(ControlPlaneTests.Bootstrap(), Service + "\n---\n" + Endpoints("192.0.2.10"));
        Assert.Single(Mirrored(state));
        var skipped = ControlPlaneTests.ApplyText(state, Endpoints("192.0.2.10").Replace("team: data", "endpointslice.kubernetes.io/skip-mirror: \"true\"", StringComparison.Ordinal));
        Assert.Empty(Mirrored(skipped));
        var deleted = ControlPlane.Delete(state, [new ObjectRef("Endpoints", "default", "external-db")], ControlPlaneTests.Now).State;
        Assert.Empty(Mirrored(deleted));
        // with a selector the EndpointSlice controller's slice takes over (empty: no pod matches)
        var selected = ControlPlaneTests.ApplyText(state, Service + "\n  selector:\n    app: db\n");
        var slice = Assert.Single(Mirrored(selected));
        Assert.Equal("endpointslice-controller.k8s.io", slice.Metadata.Labels["endpointslice.kubernetes.io/managed-by"]);
    }

    [Fact]
    public void Endpoints_without_a_service_are_not_mirrored()
    {
        var state = ControlPlaneTests.ApplyText(ControlPlaneTests.Bootstrap(), Endpoints("192.0.2.10"));
        Assert.Empty(Mirrored(state));
    }
}
