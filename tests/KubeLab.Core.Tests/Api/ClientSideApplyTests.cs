using System.Text.Json.Nodes;
using k8s.Models;
using KubeLab.Core.Api;

namespace KubeLab.Core.Tests.Api;

public class ClientSideApplyTests
{
    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    [Fact]
    public void The_annotation_is_the_object_with_sorted_keys_and_an_empty_annotations_map_as_kubectl_writes_it()
    {
        // what kubectl 1.29 stored for this Service (read back from a lab it applied to)
        var service = new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = new V1ObjectMeta { Name = "s1", NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" } },
            Spec = new V1ServiceSpec { Selector = new Dictionary<string, string> { ["app"] = "web" }, Ports = [new V1ServicePort { Port = 80, TargetPort = 8080 }] },
        };
        Assert.Equal(
            """{"apiVersion":"v1","kind":"Service","metadata":{"annotations":{},"labels":{"a":"1","b":"2"},"name":"s1","namespace":"default"},"spec":{"ports":[{"port":80,"targetPort":8080}],"selector":{"app":"web"}}}""" + "\n",
            ClientSideApply.LastApplied(service));
        var modified = ClientSideApply.Modified(service);
        Assert.Equal(ClientSideApply.LastApplied(service), modified["metadata"]!["annotations"]![KubeLab.Core.Control.ControlPlane.LastAppliedAnnotation]!.GetValue<string>());
        Assert.Equal("""{"b":"2","a":"1"}""", modified["metadata"]!["labels"]!.ToJsonString());
    }

    [Fact]
    public void Only_what_differs_is_patched_and_what_the_server_or_others_set_is_left_alone()
    {
        var original = Json("""{"spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.25"}]}}}}""");
        var current = Json("""{"spec":{"replicas":5,"progressDeadlineSeconds":600,"template":{"spec":{"dnsPolicy":"ClusterFirst","containers":[{"name":"web","image":"nginx:1.25","imagePullPolicy":"IfNotPresent"}]}}}}""");
        // nothing changed in the file: the scale another writer made stays different, and is set back, as kubectl does
        Assert.Equal("""{"spec":{"replicas":2}}""", ClientSideApply.Patch(original, original, current, strategic: true).ToJsonString());
        var modified = Json("""{"spec":{"replicas":5,"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.27"}]}}}}""");
        Assert.Equal("""{"spec":{"template":{"spec":{"containers":[{"image":"nginx:1.27","name":"web"}]}}}}""", ClientSideApply.Patch(original, modified, current, strategic: true).ToJsonString());
        Assert.Empty(ClientSideApply.Patch(modified, modified, Json("""{"spec":{"replicas":5,"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.27","imagePullPolicy":"IfNotPresent"}]}}}}"""), strategic: true));
    }

    [Fact]
    public void What_the_previous_apply_set_and_this_one_leaves_out_is_removed()
    {
        var original = Json("""{"metadata":{"labels":{"app":"web","tier":"front"}},"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"y"}],"hostname":"h"}}""");
        var modified = Json("""{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"a","image":"x"}]}}""");
        var current = Json("""{"metadata":{"labels":{"app":"web","tier":"front","added-by":"someone"}},"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"y"},{"name":"c","image":"z"}],"hostname":"h","nodeName":"vm2"}}""");
        Assert.Equal(
            """{"metadata":{"labels":{"tier":null}},"spec":{"hostname":null,"containers":[{"name":"b","$patch":"delete"}]}}""",
            ClientSideApply.Patch(original, modified, current, strategic: true).ToJsonString());
        // the server's strategic merge of that patch keeps what others added (the label, container c, nodeName)
        var merged = JsonPatches.StrategicMerge(current, ClientSideApply.Patch(original, modified, current, strategic: true))!;
        Assert.True(JsonNode.DeepEquals(Json("""{"metadata":{"labels":{"app":"web","added-by":"someone"}},"spec":{"containers":[{"name":"a","image":"x"},{"name":"c","image":"z"}],"nodeName":"vm2"}}"""), merged), merged.ToJsonString());
    }

    [Fact]
    public void A_json_merge_patch_replaces_a_list_that_differs_whole()
    {
        var current = Json("""{"spec":{"addresses":["10.0.0.1/32"],"autoAssign":true}}""");
        var modified = Json("""{"spec":{"addresses":["10.0.0.1/32","10.0.0.2/32"]}}""");
        Assert.Equal("""{"spec":{"addresses":["10.0.0.1/32","10.0.0.2/32"]}}""", ClientSideApply.Patch(null, modified, current, strategic: false).ToJsonString());
    }
}
