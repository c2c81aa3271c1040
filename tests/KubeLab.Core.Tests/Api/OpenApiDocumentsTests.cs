using KubeLab.Core.Api;

namespace KubeLab.Core.Tests.Api;

public class OpenApiDocumentsTests
{
    [Fact]
    public void The_root_lists_every_group_version_with_a_hashed_url()
    {
        var paths = OpenApiDocuments.Root()["paths"]!.AsObject();
        Assert.Contains("api/v1", paths.Select(p => p.Key));
        Assert.Contains("apis/apps/v1", paths.Select(p => p.Key));
        Assert.StartsWith("/openapi/v3/apis/apps/v1?hash=", paths["apis/apps/v1"]!["serverRelativeURL"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_patch_operation_names_its_kind_and_takes_field_validation()
    {
        // what kubectl's query-parameter verifier looks for before it lets the server validate
        var document = OpenApiDocuments.GroupVersion("", "v1");
        var patch = document["paths"]!["/api/v1/namespaces/{namespace}/services/{name}"]!["patch"]!;
        Assert.Equal("Service", patch["x-kubernetes-group-version-kind"]!["kind"]!.GetValue<string>());
        Assert.Contains(patch["parameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "fieldValidation" && p["in"]!.GetValue<string>() == "query");
    }
}
