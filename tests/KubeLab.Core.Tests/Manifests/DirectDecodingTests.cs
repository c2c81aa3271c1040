using System.Text;
using System.Text.Json;
using k8s.Models;
using KubeLab.Core.Manifests;

namespace KubeLab.Core.Tests.Manifests;

/// <summary>
/// Services and EndpointSlices are read from their JSON tokens straight into the models (the fast path of
/// `rules -f` on large dumps); what that gives must be what System.Text.Json's deserialiser gives, and anything the
/// direct reader does not know must be left to the deserialiser.
/// </summary>
public sealed class DirectDecodingTests
{
    // Every field the direct reader knows, as kubectl prints them (`kubectl get svc,endpointslices -o json`).
    private const string Service = """
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {
                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{\"a\":\"b\\n\"}\n", "é": "\u00e9"},
                "creationTimestamp": "2026-12-03T08:00:00Z",
                "finalizers": ["service.kubernetes.io/load-balancer-cleanup"],
                "generateName": "web-",
                "generation": 3,
                "labels": {"app": "web", "version": "1.10"},
                "name": "web",
                "namespace": "shop",
                "ownerReferences": [{"apiVersion": "apps/v1", "blockOwnerDeletion": true, "controller": false, "kind": "Deployment", "name": "web", "uid": "u-1"}],
                "resourceVersion": "1234",
                "selfLink": "/api/v1/namespaces/shop/services/web",
                "uid": "0b6c4f3e-8d2a-4c1b-9e7f-000000000001"
            },
            "spec": {
                "allocateLoadBalancerNodePorts": true,
                "clusterIP": "10.43.0.20",
                "clusterIPs": ["10.43.0.20"],
                "externalIPs": ["192.0.2.10"],
                "externalTrafficPolicy": "Local",
                "healthCheckNodePort": 32000,
                "internalTrafficPolicy": "Cluster",
                "ipFamilies": ["IPv4"],
                "ipFamilyPolicy": "SingleStack",
                "loadBalancerClass": "metallb",
                "loadBalancerIP": "192.0.2.20",
                "loadBalancerSourceRanges": ["192.0.2.0/24"],
                "ports": [
                    {"appProtocol": "http", "name": "http", "nodePort": 30080, "port": 80, "protocol": "TCP", "targetPort": "http"},
                    {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 5353}
                ],
                "publishNotReadyAddresses": false,
                "selector": {"app": "web"},
                "sessionAffinity": "None",
                "type": "LoadBalancer"
            },
            "status": {"loadBalancer": {"ingress": [{"ip": "192.0.2.20", "ipMode": "VIP"}, {"hostname": "lb.example"}]}}
        }
        """;

    private const string Slice = """
        {
            "addressType": "IPv4",
            "apiVersion": "discovery.k8s.io/v1",
            "endpoints": [
                {
                    "addresses": ["10.42.0.8"],
                    "conditions": {"ready": true, "serving": true, "terminating": false},
                    "hostname": "web-0",
                    "nodeName": "vm1",
                    "targetRef": {"apiVersion": "v1", "fieldPath": "spec", "kind": "Pod", "name": "web-0", "namespace": "shop", "resourceVersion": "9", "uid": "u-2"},
                    "zone": "z1"
                },
                {"addresses": ["10.42.1.9"], "conditions": {}}
            ],
            "kind": "EndpointSlice",
            "metadata": {"labels": {"kubernetes.io/service-name": "web"}, "name": "web-abc", "namespace": "shop"},
            "ports": [{"appProtocol": "http", "name": "http", "port": 8080, "protocol": "TCP"}, {"port": 53}]
        }
        """;

    [Theory]
    [InlineData(Service, typeof(V1Service))]
    [InlineData(Slice, typeof(V1EndpointSlice))]
    public void Every_field_kubectl_prints_is_read_directly_into_what_the_deserialiser_makes(string json, Type type)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        Assert.True(ManifestReader.TryDecodeDirect(bytes, type, ManifestReader.Options.Value, out var direct));
        var expected = JsonSerializer.Deserialize(bytes, type, ManifestReader.Options.Value);
        Assert.Equal(k8s.KubernetesJson.Serialize(expected), k8s.KubernetesJson.Serialize(direct));
    }

    /// <summary>The seed lab's objects as `kubectl get -o yaml` prints them, every Service and slice of it, both ways.</summary>
    [Fact]
    public void A_dumped_labs_services_and_slices_are_all_read_directly_with_the_same_result()
    {
        using var cli = new Cli.CliHarness();
        cli.Ok("up", "--driver", "none");
        cli.Ok("apply", "-f", "seed");
        var dump = ManifestReader.Read(cli.Ok("get", "svc,endpointslices", "-A", "-o", "json"), "dump.json");
        Assert.Contains(dump, d => d.Object is V1EndpointSlice);
        foreach (var document in dump)
        {
            var bytes = Encoding.UTF8.GetBytes(k8s.KubernetesJson.Serialize(document.Object));
            Assert.True(ManifestReader.TryDecodeDirect(bytes, document.Object.GetType(), ManifestReader.Options.Value, out var direct), document.Where);
            Assert.Equal(k8s.KubernetesJson.Serialize(JsonSerializer.Deserialize(bytes, document.Object.GetType(), ManifestReader.Options.Value)), k8s.KubernetesJson.Serialize(direct));
        }
    }

    [Theory]
    [InlineData("""{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "unknownField": 1}}""")]
    [InlineData("""{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 60}}}}""")]
    [InlineData("""{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "labels": {"version": 1.10}}}""")]
    [InlineData("""{"apiVersion": "v1", "kind": "Service", "metadata": {"name": null}}""")]
    [InlineData("""{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a", "name": "b"}}""")]
    [InlineData("""{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "labels": {"a": "1", "a": "2"}}}""")]
    [InlineData("""{"apiVersion": "v1", "kind": "Service", "metadata": {"na\u006de": "web"}}""")]
    [InlineData("""{"apiVersion": "v1", "kind": "Service", "spec": {"ports": [{"port": "80"}]}}""")]
    [InlineData("""{"apiVersion": "v1", "kind": "Service", "spec": {"ports": [{"port": 80.5}]}}""")]
    [InlineData("""{"apiVersion": "v1", "kind": "Service", "metadata": {"creationTimestamp": "yesterday"}}""")]
    [InlineData("""{"apiVersion": "v1", "kind": "Service", /* a comment */ "metadata": {"name": "web"}}""")]
    public void What_the_direct_reader_does_not_know_is_left_to_the_deserialiser(string json)
    {
        Assert.False(ManifestReader.TryDecodeDirect(Encoding.UTF8.GetBytes(json), typeof(V1Service), ManifestReader.Options.Value, out _));
    }

    /// <summary>The deserialiser's own error, not a different one from the direct reader.</summary>
    [Fact]
    public void A_type_error_in_a_json_service_is_the_deserialisers_error()
    {
        var error = Assert.Throws<KubeLabException>(() => ManifestReader.Read("""{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"ports": [{"port": [80]}]}}""", "svc.json"));
        Assert.Contains("svc.json:1: error decoding Service: spec.ports[0].port", error.Message, StringComparison.Ordinal);
    }
}
