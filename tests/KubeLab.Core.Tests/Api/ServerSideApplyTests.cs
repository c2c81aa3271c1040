using System.Text.Json.Nodes;
using KubeLab.Core.Api;

namespace KubeLab.Core.Tests.Api;

public class ServerSideApplyTests
{
    [Fact]
    public void A_services_fields_are_keyed_by_port_and_protocol_its_selector_is_atomic_and_finalizers_are_a_set()
    {
        var applied = JsonNode.Parse("""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"web","finalizers":["a/b"]},
             "spec":{"selector":{"app":"web"},"ports":[{"port":53,"protocol":"UDP"},{"port":80}]}}
            """)!.AsObject();
        Assert.Equal(
            """{"f:metadata":{"f:finalizers":{"v:\u0022a/b\u0022":{}}},"f:spec":{"f:selector":{},"f:ports":{"k:{\u0022port\u0022:53,\u0022protocol\u0022:\u0022UDP\u0022}":{".":{},"f:port":{},"f:protocol":{}},"k:{\u0022port\u0022:80,\u0022protocol\u0022:\u0022TCP\u0022}":{".":{},"f:port":{}}}}}""",
            ServerSideApply.FieldSet(applied).ToJsonString());
    }

    [Fact]
    public void Fields_another_writer_set_stay_when_the_manager_drops_its_own()
    {
        var first = JsonNode.Parse("""{"metadata":{"name":"c","labels":{"a":"1","b":"2"}},"data":{"x":"1"}}""")!.AsObject();
        var live = ServerSideApply.Apply(null, first, "m", "v1", "2026-12-03T00:00:00Z");
        live["metadata"]!["labels"]!["other"] = "kept"; // set by another writer, not by the manager
        var again = ServerSideApply.Apply(live, JsonNode.Parse("""{"metadata":{"name":"c","labels":{"a":"1"}}}""")!.AsObject(), "m", "v1", "2026-12-03T00:00:01Z");
        Assert.Equal(["a=1", "other=kept"], again["metadata"]!["labels"]!.AsObject().Select(kv => $"{kv.Key}={kv.Value}").Order(StringComparer.Ordinal));
        Assert.Null(again["data"]);
        Assert.Equal("2026-12-03T00:00:01Z", (string?)Assert.Single(again["metadata"]!["managedFields"]!.AsArray())!["time"]);
    }
}
