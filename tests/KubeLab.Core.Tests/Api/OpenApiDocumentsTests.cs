using System.Security.Cryptography;
using System.Text.Json.Nodes;
using k8s.Models;
using KubeLab.Core.Api;

namespace KubeLab.Core.Tests.Api;

public class OpenApiDocumentsTests
{
    private static JsonObject Served(string group, string version, IReadOnlyList<ApiResource>? served = null) =>
        JsonNode.Parse(OpenApiDocuments.Serialized(group, version, served).Json)!.AsObject();

    private static JsonObject Schemas(JsonObject document) => document["components"]!["schemas"]!.AsObject();

    /// <summary>Every "$ref" string in a node (JSONSchemaProps' field named "$ref" is an object, not a reference).</summary>
    private static IEnumerable<string> References(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Key == "$ref" && p.Value is JsonValue v && v.TryGetValue<string>(out var target) ? [target] : References(p.Value)),
        JsonArray a => a.SelectMany(References),
        _ => [],
    };

    [Fact]
    public void The_root_lists_every_group_version_with_the_hash_of_the_bytes_it_serves()
    {
        var paths = OpenApiDocuments.Root()["paths"]!.AsObject();
        Assert.Contains("api/v1", paths.Select(p => p.Key));
        var (json, hash) = OpenApiDocuments.Serialized("apps", "v1");
        Assert.Equal(Convert.ToHexString(SHA512.HashData(json)), hash);
        Assert.Equal($"/openapi/v3/apis/apps/v1?hash={hash}", paths["apis/apps/v1"]!["serverRelativeURL"]!.GetValue<string>());
    }

    [Fact]
    public void Every_patch_operation_names_its_kind_and_takes_field_validation()
    {
        // what kubectl's query-parameter verifier looks for before it lets the server validate
        var document = Served("", "v1");
        var patch = document["paths"]!["/api/v1/namespaces/{namespace}/services/{name}"]!["patch"]!;
        Assert.Equal("Service", patch["x-kubernetes-group-version-kind"]!["kind"]!.GetValue<string>());
        Assert.Contains(patch["parameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "fieldValidation" && p["in"]!.GetValue<string>() == "query");
    }

    [Fact]
    public void A_group_versions_schemas_are_its_kinds_their_lists_and_everything_they_refer_to()
    {
        var schemas = Schemas(Served("apps", "v1"));
        foreach (var name in new[] { "io.k8s.api.apps.v1.Deployment", "io.k8s.api.apps.v1.DeploymentList", "io.k8s.api.core.v1.PodSpec", "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions" })
        {
            Assert.True(schemas.ContainsKey(name), name);
        }

        Assert.False(schemas.ContainsKey("io.k8s.api.apps.v1.ControllerRevision")); // not served by the lab
        Assert.False(schemas.ContainsKey("io.k8s.api.batch.v1.Job"));
        Assert.Equal("""[{"group":"apps","kind":"Deployment","version":"v1"}]""", schemas["io.k8s.api.apps.v1.Deployment"]!["x-kubernetes-group-version-kind"]!.ToJsonString());
        // each reference is into the document's own schemas, and resolves
        var references = References(schemas).Distinct().ToList();
        Assert.NotEmpty(references);
        Assert.All(references, r => Assert.StartsWith("#/components/schemas/", r, StringComparison.Ordinal));
        Assert.All(references, r => Assert.True(schemas.ContainsKey(r["#/components/schemas/".Length..]), r));
    }

    [Fact]
    public void A_reference_with_a_description_sits_in_an_all_of_and_a_bare_one_stays_a_reference()
    {
        var pod = Schemas(Served("", "v1"))["io.k8s.api.core.v1.Pod"]!["properties"]!;
        Assert.Equal(
            """{"allOf":[{"$ref":"#/components/schemas/io.k8s.api.core.v1.PodSpec"}],"description":"Specification of the desired behavior of the pod. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status"}""",
            pod["spec"]!.ToJsonString());
        var containerStatus = Schemas(Served("", "v1"))["io.k8s.api.core.v1.ContainerStatus"]!["properties"]!;
        Assert.Equal("""{"$ref":"#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity"}""", containerStatus["allocatedResources"]!["additionalProperties"]!.ToJsonString());
    }

    [Fact]
    public void Enum_fields_carry_the_values_a_running_server_adds()
    {
        var type = Schemas(Served("", "v1"))["io.k8s.api.core.v1.ServiceSpec"]!["properties"]!["type"]!;
        Assert.Equal("""["ClusterIP","ExternalName","LoadBalancer","NodePort"]""", type["enum"]!.ToJsonString());
        Assert.Contains("\n\nPossible enum values:\n - `\"ClusterIP\"` means a service will only be accessible inside the cluster, via the cluster IP.", type["description"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_definitions_document_keeps_json_schema_props_field_named_ref()
    {
        var props = Schemas(Served("apiextensions.k8s.io", "v1"))["io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps"]!["properties"]!;
        Assert.Equal("""{"type":"string"}""", props["$ref"]!.ToJsonString());
    }

    [Fact]
    public void A_custom_kinds_schema_is_its_definitions_with_the_api_servers_type_and_object_meta()
    {
        var crd = new V1CustomResourceDefinition
        {
            Metadata = new V1ObjectMeta { Name = "widgets.example.com", Uid = "u1", ResourceVersion = "7" },
            Spec = new V1CustomResourceDefinitionSpec
            {
                Group = "example.com",
                Scope = "Namespaced",
                Names = new V1CustomResourceDefinitionNames { Kind = "Widget", ListKind = "WidgetList", Plural = "widgets", Singular = "widget" },
                Versions =
                [
                    new V1CustomResourceDefinitionVersion
                    {
                        Name = "v1", Served = true, Storage = true,
                        Schema = new V1CustomResourceValidation
                        {
                            OpenAPIV3Schema = new V1JSONSchemaProps
                            {
                                Type = "object",
                                Properties = new Dictionary<string, V1JSONSchemaProps> { ["spec"] = new() { Type = "object", Description = "What it should be." } },
                            },
                        },
                    },
                ],
            },
        };
        var resource = new ApiResource("example.com", "v1", "widgets", "widget", "Widget", true, [], ["get"], []) { Custom = new CustomResourceVersion(crd, crd.Spec.Versions[0]) };
        var schemas = Schemas(Served("example.com", "v1", [.. ApiResources.Served, resource]));
        var widget = schemas["com.example.v1.Widget"]!;
        Assert.Equal(["apiVersion", "kind", "metadata", "spec"], widget["properties"]!.AsObject().Select(p => p.Key));
        Assert.Equal("#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", widget["properties"]!["metadata"]!["allOf"]![0]!["$ref"]!.GetValue<string>());
        Assert.Equal("""[{"group":"example.com","kind":"Widget","version":"v1"}]""", widget["x-kubernetes-group-version-kind"]!.ToJsonString());
        var list = schemas["com.example.v1.WidgetList"]!;
        Assert.Equal("WidgetList is a list of Widget", list["description"]!.GetValue<string>());
        Assert.Equal("#/components/schemas/com.example.v1.Widget", list["properties"]!["items"]!["items"]!["$ref"]!.GetValue<string>());
        Assert.All(References(schemas).Distinct(), r => Assert.True(schemas.ContainsKey(r["#/components/schemas/".Length..]), r));
    }
}
