using System.Text.Json.Nodes;
using KubeLab.Core.Api;

namespace KubeLab.Core.Tests.Api;

/// <summary>The field manager's bookkeeping for writes that are not server-side apply (<see cref="ManagedFields"/>), JSON in, JSON out.</summary>
public sealed class ManagedFieldsTests
{
    private static readonly System.Text.Json.JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static JsonObject Object(string json) => JsonNode.Parse(json)!.AsObject();

    private static string Lines(JsonArray? entries) => string.Concat((entries ?? []).Select(e =>
        $"{e!["manager"]} {e["operation"]} {e["subresource"]} {e["time"]} {e["fieldsV1"]!.ToJsonString(Relaxed)}\n"));

    [Theory]
    [InlineData(null, "kubectl/v1.29.5 (linux/amd64) kubernetes/59755ff", "kubectl")]
    [InlineData("kubectl-label", "kubectl/v1.29.5 (linux/amd64) kubernetes/59755ff", "kubectl-label")]
    [InlineData(null, "OpenAPI-Generator/22.6.0/python", "OpenAPI-Generator")]
    [InlineData(null, "my\tclient/1.0", "myclient")]
    [InlineData(null, null, "")]
    public void The_manager_is_the_field_manager_else_the_user_agents_first_part_without_unprintable_characters(string? fieldManager, string? userAgent, string manager) =>
        Assert.Equal(manager, ManagedFields.ManagerOf(fieldManager, userAgent));

    [Fact]
    public void A_manager_taken_from_the_user_agent_is_cut_at_128_bytes() =>
        Assert.Equal(new string('a', 128), ManagedFields.ManagerOf(null, new string('a', 200) + "/1.0"));

    [Fact]
    public void A_field_manager_over_128_bytes_or_with_unprintable_characters_is_invalid_in_the_api_servers_words()
    {
        var tooLong = Assert.Throws<ApiStatusException>(() => ManagedFields.CheckFieldManager(new string('m', 129), "CreateOptions"));
        Assert.Equal(422, tooLong.Code);
        Assert.Equal("CreateOptions.meta.k8s.io \"\" is invalid: fieldManager: Too long: must have at most 128 bytes", tooLong.Message);
        var unprintable = Assert.Throws<ApiStatusException>(() => ManagedFields.CheckFieldManager("ci\u0001bot", "PatchOptions"));
        Assert.Equal("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Invalid value: \"ci\\x01bot\": invalid character U+0001 (at position 2)", unprintable.Message);
        ManagedFields.CheckFieldManager("kubectl-client-side-apply", "CreateOptions");
        ManagedFields.CheckFieldManager(new string('m', 128), "UpdateOptions");
    }

    [Fact]
    public void A_created_config_map_owns_its_data_map_and_each_key()
    {
        var created = Object("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"default"},"data":{"a":"1","b":"2"}}""");
        Assert.Equal(
            "kubectl-create Update  2026-12-03T10:00:00Z {\"f:data\":{\".\":{},\"f:a\":{},\"f:b\":{}}}\n",
            Lines(ManagedFields.Update(null, created, "kubectl-create", "v1", null, "2026-12-03T10:00:00Z", [])));
    }

    [Fact]
    public void A_changed_field_moves_to_the_writer_a_removed_one_is_no_ones_and_a_no_op_changes_nothing()
    {
        var live = Object("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","managedFields":[{"manager":"a","operation":"Update","apiVersion":"v1","time":"2026-12-03T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{".":{},"f:x":{},"f:y":{}}}}]},"data":{"x":"1","y":"2"}}""");
        var updated = Object("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"x":"9"}}""");
        Assert.Equal(
            "a Update  2026-12-03T10:00:00Z {\"f:data\":{}}\nb Update  2026-12-03T11:00:00Z {\"f:data\":{\"f:x\":{}}}\n",
            Lines(ManagedFields.Update(live, updated, "b", "v1", null, "2026-12-03T11:00:00Z", [])));

        var same = Object("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"x":"1","y":"2"}}""");
        Assert.Equal(
            "a Update  2026-12-03T10:00:00Z {\"f:data\":{\".\":{},\"f:x\":{},\"f:y\":{}}}\n",
            Lines(ManagedFields.Update(live, same, "b", "v1", null, "2026-12-03T11:00:00Z", [])));
    }

    [Fact]
    public void Status_is_no_ones_on_the_main_resource_of_a_kind_with_a_status_subresource()
    {
        var created = Object("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"ports":[{"port":80}],"selector":{"app":"x"}},"status":{"loadBalancer":{"ingress":[{"ip":"1.2.3.4"}]}}}""");
        Assert.Equal(
            "kubectl-expose Update  T {\"f:spec\":{\"f:internalTrafficPolicy\":{},\"f:ports\":{\".\":{},\"k:{\\\"port\\\":80,\\\"protocol\\\":\\\"TCP\\\"}\":{\".\":{},\"f:port\":{},\"f:protocol\":{},\"f:targetPort\":{}}},\"f:selector\":{},\"f:sessionAffinity\":{},\"f:type\":{}}}\n",
            Lines(ManagedFields.Update(null, created, "kubectl-expose", "v1", null, "T", ManagedFields.ResetFields(true))));
    }

    [Fact]
    public void A_scale_that_changes_the_replicas_takes_them_from_every_entry_into_one_without_a_time()
    {
        var live = Object("""{"metadata":{"managedFields":[{"manager":"kubectl-create","operation":"Update","apiVersion":"apps/v1","time":"2026-12-03T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:replicas":{},"f:selector":{}}}},{"manager":"hpa","operation":"Update","apiVersion":"apps/v1","fieldsType":"FieldsV1","subresource":"scale","fieldsV1":{"f:spec":{"f:replicas":{}}}}]}}""");
        Assert.Equal(
            "kubectl Update scale  {\"f:spec\":{\"f:replicas\":{}}}\nkubectl-create Update  2026-12-03T10:00:00Z {\"f:spec\":{\"f:selector\":{}}}\n",
            Lines(ManagedFields.Scale(live, replicasChanged: true, "kubectl", "apps/v1")));
        Assert.Equal(2, ManagedFields.Scale(live, replicasChanged: false, "kubectl", "apps/v1")!.Count);
    }

    [Fact]
    public void Sent_managed_fields_replace_the_live_ones_on_an_update_of_the_object_itself()
    {
        var live = Object("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","managedFields":[{"manager":"a","operation":"Update","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:x":{}}}}]},"data":{"x":"1"}}""");
        var sent = Object("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","managedFields":[{"manager":"z","operation":"Apply","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:x":{}}}}]},"data":{"x":"1"}}""");
        Assert.Equal("z Apply   {\"f:data\":{\"f:x\":{}}}\n", Lines(ManagedFields.Update(live, sent, "b", "v1", null, "T", [])));
    }

    /// <summary>A ConfigMap whose key kN was written by manager mN at 10:00:0N, one Update entry each.</summary>
    private static JsonObject WrittenByManagers(int count, string apiVersion = "v1")
    {
        var entries = Enumerable.Range(0, count).Select(i =>
            $$"""{"manager":"m{{i}}","operation":"Update","apiVersion":"{{apiVersion}}","time":"2026-12-03T10:00:{{i:00}}Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:k{{i}}":{}""" + "}}}");
        var data = Enumerable.Range(0, count).Select(i => $"\"k{i}\":\"{i}\"");
        return Object($$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","managedFields":[{{{string.Join(",", entries)}}}]},"data":{{{{string.Join(",", data)}}}}}""");
    }

    [Fact]
    public void An_eleventh_update_manager_merges_the_two_oldest_into_ancient_changes_with_the_later_ones_time()
    {
        var live = WrittenByManagers(10);
        var updated = (JsonObject)live.DeepClone();
        updated["data"]!["new"] = "x";
        Assert.Equal(
            "ancient-changes Update  2026-12-03T10:00:01Z {\"f:data\":{\"f:k0\":{},\"f:k1\":{}}}\n"
            + string.Concat(Enumerable.Range(2, 8).Select(i => $"m{i} Update  2026-12-03T10:00:{i:00}Z {{\"f:data\":{{\"f:k{i}\":{{}}}}}}\n"))
            + "writer Update  2026-12-03T11:00:00Z {\"f:data\":{\"f:new\":{}}}\n",
            Lines(ManagedFields.Update(live, updated, "writer", "v1", null, "2026-12-03T11:00:00Z", [])));
    }

    [Fact]
    public void Ten_update_managers_are_kept_and_ancient_changes_takes_in_the_oldest_once_it_exists()
    {
        var ten = WrittenByManagers(9);
        var updated = (JsonObject)ten.DeepClone();
        updated["data"]!["new"] = "x";
        Assert.Equal(10, ManagedFields.Update(ten, updated, "writer", "v1", null, "2026-12-03T11:00:00Z", [])!.Count);

        var capped = WrittenByManagers(10);
        var again = (JsonObject)capped.DeepClone();
        again["data"]!["new"] = "x";
        capped["metadata"]!["managedFields"] = ManagedFields.Update(capped, again, "writer", "v1", null, "2026-12-03T11:00:00Z", []);
        capped["data"] = again["data"]!.DeepClone();
        var third = (JsonObject)capped.DeepClone();
        third["data"]!["other"] = "y";
        var lines = Lines(ManagedFields.Update(capped, third, "late", "v1", null, "2026-12-03T12:00:00Z", [])).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(10, lines.Length);
        Assert.Equal("ancient-changes Update  2026-12-03T10:00:02Z {\"f:data\":{\"f:k0\":{},\"f:k1\":{},\"f:k2\":{}}}", lines[0]);
    }

    [Fact]
    public void Apply_entries_do_not_count_against_the_cap_and_versions_merge_into_their_own_bucket()
    {
        var live = WrittenByManagers(10);
        var managed = (JsonArray)live["metadata"]!["managedFields"]!;
        managed[0]!["apiVersion"] = "v2"; // m0 alone in its version: it stays as it is
        managed.Add(JsonNode.Parse("""{"manager":"ssa","operation":"Apply","apiVersion":"v1","time":"2026-12-03T09:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:s":{}}}}"""));
        live["data"]!["s"] = "s";
        var updated = (JsonObject)live.DeepClone();
        updated["data"]!["new"] = "x";
        var lines = Lines(ManagedFields.Update(live, updated, "writer", "v1", null, "2026-12-03T11:00:00Z", [])).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            ["ssa Apply  2026-12-03T09:00:00Z {\"f:data\":{\"f:s\":{}}}",
             "m0 Update  2026-12-03T10:00:00Z {\"f:data\":{\"f:k0\":{}}}",
             "ancient-changes Update  2026-12-03T10:00:02Z {\"f:data\":{\"f:k1\":{},\"f:k2\":{}}}"],
            lines[..3]);
        Assert.Equal(11, lines.Length);
    }
}
