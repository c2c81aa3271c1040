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

    private static JsonObject Deployment(int replicas, string image) => JsonNode.Parse("""
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
         "spec":{"replicas":REPLICAS,"template":{"spec":{"containers":[{"name":"nginx","image":"IMAGE"}]}}}}
        """.Replace("REPLICAS", replicas.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal).Replace("IMAGE", image, StringComparison.Ordinal))!.AsObject();

    [Fact]
    public void A_second_manager_changing_a_field_the_first_owns_is_a_conflict_in_the_api_servers_words()
    {
        var live = ServerSideApply.Apply(null, Deployment(2, "nginx:1.25"), "alice", "apps/v1", "2026-12-03T00:00:00Z");
        var error = Assert.Throws<ApiStatusException>(() => ServerSideApply.Apply(live, Deployment(3, "nginx:1.25"), "bob", "apps/v1", "2026-12-03T00:00:01Z"));
        Assert.Equal((409, "Conflict", "Apply failed with 1 conflict: conflict with \"alice\": .spec.replicas"), (error.Code, error.Reason, error.Message));
        Assert.Equal("""{"causes":[{"reason":"FieldManagerConflict","message":"conflict with \u0022alice\u0022","field":".spec.replicas"}]}""", error.Details!.ToJsonString());

        var both = Assert.Throws<ApiStatusException>(() => ServerSideApply.Apply(live, Deployment(3, "nginx:1.27"), "bob", "apps/v1", "2026-12-03T00:00:01Z"));
        Assert.Equal("Apply failed with 2 conflicts: conflicts with \"alice\":\n- .spec.replicas\n- .spec.template.spec.containers[name=\"nginx\"].image", both.Message);
    }

    [Fact]
    public void The_same_value_is_shared_and_force_takes_the_field_from_its_manager()
    {
        var live = ServerSideApply.Apply(null, Deployment(2, "nginx:1.25"), "alice", "apps/v1", "2026-12-03T00:00:00Z");
        var shared = ServerSideApply.Apply(live, Deployment(2, "nginx:1.25"), "bob", "apps/v1", "2026-12-03T00:00:01Z");
        Assert.Equal(["alice", "bob"], shared["metadata"]!["managedFields"]!.AsArray().Select(e => (string?)e!["manager"]));

        var forced = ServerSideApply.Apply(live, Deployment(3, "nginx:1.25"), "bob", "apps/v1", "2026-12-03T00:00:01Z", force: true);
        Assert.Equal(3, (int?)forced["spec"]!["replicas"]);
        var alice = forced["metadata"]!["managedFields"]!.AsArray().Single(e => (string?)e!["manager"] == "alice")!;
        Assert.Null(alice["fieldsV1"]!["f:spec"]!["f:replicas"]);
        Assert.NotNull(alice["fieldsV1"]!["f:spec"]!["f:template"]); // the image stays alice's (and bob's)
        // alice now changing replicas back conflicts with bob
        var back = Assert.Throws<ApiStatusException>(() => ServerSideApply.Apply(forced, Deployment(2, "nginx:1.25"), "alice", "apps/v1", "2026-12-03T00:00:02Z"));
        Assert.Equal("Apply failed with 1 conflict: conflict with \"bob\": .spec.replicas", back.Message);
    }
}
