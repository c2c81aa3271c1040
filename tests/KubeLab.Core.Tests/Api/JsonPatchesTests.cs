using System.Text.Json.Nodes;
using KubeLab.Core.Api;

namespace KubeLab.Core.Tests.Api;

public class JsonPatchesTests
{
    private static readonly JsonNode Deployment = JsonNode.Parse("""
        {"metadata":{"name":"web","labels":{"app":"web"},"finalizers":["a"]},
         "spec":{"replicas":1,"template":{"spec":{"containers":[
           {"name":"nginx","image":"nginx:1.25","ports":[{"containerPort":80}]},
           {"name":"sidecar","image":"busybox"}]}}}}
        """)!;

    [Fact]
    public void Merge_patch_replaces_lists_and_deletes_with_null()
    {
        var patched = JsonPatches.Merge(Deployment, JsonNode.Parse("""{"metadata":{"labels":{"app":null,"tier":"web"}},"spec":{"template":{"spec":{"containers":[{"name":"only"}]}}}}"""))!;
        Assert.Equal("""{"tier":"web"}""", patched["metadata"]!["labels"]!.ToJsonString());
        Assert.Equal("""[{"name":"only"}]""", patched["spec"]!["template"]!["spec"]!["containers"]!.ToJsonString());
        Assert.Equal(1, patched["spec"]!["replicas"]!.GetValue<int>());
    }

    [Fact]
    public void Strategic_merge_patch_merges_containers_by_name()
    {
        var patched = JsonPatches.StrategicMerge(Deployment, JsonNode.Parse("""{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.27"}]}}}}"""))!;
        var containers = patched["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        Assert.Equal(2, containers.Count);
        Assert.Equal("nginx:1.27", containers[0]!["image"]!.GetValue<string>());
        Assert.Equal(80, containers[0]!["ports"]![0]!["containerPort"]!.GetValue<int>());
        Assert.Equal("busybox", containers[1]!["image"]!.GetValue<string>());
    }

    [Fact]
    public void Strategic_merge_patch_deletes_an_element_with_the_patch_directive_and_merges_finalizers_as_a_set()
    {
        var patched = JsonPatches.StrategicMerge(Deployment, JsonNode.Parse("""
            {"metadata":{"finalizers":["b","a"]},
             "spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"}],"containers":[{"name":"sidecar","$patch":"delete"}]}}}}
            """))!;
        Assert.Equal("""["a","b"]""", patched["metadata"]!["finalizers"]!.ToJsonString());
        Assert.Equal("nginx", Assert.Single(patched["spec"]!["template"]!["spec"]!["containers"]!.AsArray())!["name"]!.GetValue<string>());
        Assert.Null(patched["spec"]!["template"]!["spec"]!["$setElementOrder/containers"]);
    }

    [Fact]
    public void Json_patch_applies_its_operations_in_order()
    {
        var patched = JsonPatches.JsonPatch(Deployment, JsonNode.Parse("""
            [{"op":"replace","path":"/spec/replicas","value":3},
             {"op":"add","path":"/metadata/labels/tier","value":"web"},
             {"op":"remove","path":"/spec/template/spec/containers/1"},
             {"op":"test","path":"/metadata/name","value":"web"}]
            """)!.AsArray())!;
        Assert.Equal(3, patched["spec"]!["replicas"]!.GetValue<int>());
        Assert.Equal("web", patched["metadata"]!["labels"]!["tier"]!.GetValue<string>());
        Assert.Single(patched["spec"]!["template"]!["spec"]!["containers"]!.AsArray());
    }

    [Fact]
    public void A_json_patch_whose_test_fails_changes_nothing_and_is_invalid()
    {
        var error = Assert.Throws<ApiStatusException>(() => JsonPatches.JsonPatch(Deployment, JsonNode.Parse("""[{"op":"replace","path":"/spec/replicas","value":9},{"op":"test","path":"/metadata/name","value":"other"}]""")!.AsArray()));
        Assert.Equal(422, error.Code);
        Assert.Equal(1, Deployment["spec"]!["replicas"]!.GetValue<int>());
    }
}
