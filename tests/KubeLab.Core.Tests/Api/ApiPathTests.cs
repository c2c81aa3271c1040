using KubeLab.Core.Api;

namespace KubeLab.Core.Tests.Api;

public class ApiPathTests
{
    [Theory]
    [InlineData("/api/v1/namespaces/default/pods", "", "pods", "default", null, null)]
    [InlineData("/api/v1/namespaces/default/pods/test-pod/log", "", "pods", "default", "test-pod", "log")]
    [InlineData("/api/v1/pods", "", "pods", null, null, null)]
    [InlineData("/api/v1/nodes/vm1", "", "nodes", null, "vm1", null)]
    [InlineData("/api/v1/namespaces/kube-system", "", "namespaces", null, "kube-system", null)]
    [InlineData("/api/v1/namespaces/kube-system/status", "", "namespaces", null, "kube-system", "status")]
    [InlineData("/apis/apps/v1/namespaces/default/deployments/web/scale", "apps", "deployments", "default", "web", "scale")]
    public void Resource_paths_name_resource_namespace_name_and_subresource(string path, string group, string plural, string? ns, string? name, string? sub)
    {
        var target = Assert.IsType<ApiPath.Resource>(ApiPath.Parse(path));
        Assert.Equal((group, plural, ns, name, sub), (target.Group, target.Plural, target.Namespace, target.Name, target.Subresource));
        Assert.NotNull(target.Served);
    }

    [Fact]
    public void A_resource_the_group_does_not_serve_is_named_but_not_served()
    {
        var target = Assert.IsType<ApiPath.Resource>(ApiPath.Parse("/apis/apps/v1/namespaces/default/widgets"));
        Assert.Null(target.Served);
    }

    [Theory]
    [InlineData("/api", null, null, true)]
    [InlineData("/apis", null, null, false)]
    [InlineData("/api/v1", null, "v1", true)]
    [InlineData("/apis/apps", "apps", null, false)]
    [InlineData("/apis/apps/v1", "apps", "v1", false)]
    public void Discovery_paths_are_recognised(string path, string? group, string? version, bool legacy)
    {
        var target = Assert.IsType<ApiPath.Discovery>(ApiPath.Parse(path));
        Assert.Equal((group, version, legacy), (target.Group, target.Version, target.Legacy));
    }

    [Fact]
    public void Paths_outside_the_api_are_not_api_paths() => Assert.Null(ApiPath.Parse("/metrics"));
}
