using k8s.Models;
using KubeLab.Core.Api;

namespace KubeLab.Core.Tests.Api;

public class SelectorTests
{
    private static readonly Dictionary<string, string> Nginx = new() { ["app"] = "nginx", ["tier"] = "web", ["version"] = "3" };

    [Theory]
    [InlineData("app=nginx", true)]
    [InlineData("app==nginx", true)]
    [InlineData("app!=nginx", false)]
    [InlineData("app=nginx,tier=db", false)]
    [InlineData("app in (nginx,apache)", true)]
    [InlineData("app notin (nginx,apache)", false)]
    [InlineData("tier", true)]
    [InlineData("!tier", false)]
    [InlineData("missing!=x", true)]
    [InlineData("version>2", true)]
    [InlineData("version<2", false)]
    [InlineData("app in (nginx),tier", true)]
    [InlineData("", true)]
    public void Label_selectors_match_as_the_api_server_matches_them(string selector, bool matches) =>
        Assert.Equal(matches, LabelSelector.Parse(selector).Matches(Nginx));

    [Fact]
    public void A_selector_that_does_not_parse_is_a_bad_request()
    {
        var error = Assert.Throws<ApiStatusException>(() => LabelSelector.Parse("app=(x"));
        Assert.Equal(400, error.Code);
        Assert.StartsWith("unable to parse requirement", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Field_selectors_take_the_fields_the_resource_offers()
    {
        var pods = ApiResources.Find("", "v1", "pods")!;
        var pod = new V1Pod { Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default" }, Spec = new V1PodSpec { NodeName = "vm2" }, Status = new V1PodStatus { Phase = "Running" } };
        Assert.True(FieldSelector.Parse("spec.nodeName=vm2,status.phase=Running", pods).Matches(pod));
        Assert.False(FieldSelector.Parse("spec.nodeName!=vm2", pods).Matches(pod));
        Assert.True(FieldSelector.Parse("metadata.name=web", pods).Matches(pod));
    }

    [Fact]
    public void A_field_the_resource_does_not_offer_is_refused_with_the_api_servers_words()
    {
        var services = ApiResources.Find("", "v1", "services")!;
        var error = Assert.Throws<ApiStatusException>(() => FieldSelector.Parse("spec.clusterIP=10.43.0.1", services));
        Assert.Equal((400, "field label not supported: spec.clusterIP"), (error.Code, error.Message));
    }
}
