namespace KubeLab.Core.Tests.Api;

/// <summary>
/// `kubectl auth can-i` against a lab: SelfSubjectAccessReview and SelfSubjectRulesReview answered for the lab's admin
/// (system:masters, allowed everything), as JSON from kubectl 1.29 and as protobuf from kubectl 1.33.
/// </summary>
public sealed class AccessReviewTests(ApiLab lab) : IClassFixture<ApiLab>
{
    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void Auth_can_i_says_yes_to_the_labs_admin(string version)
    {
        ApiLab.RequireKubectl(version);
        Assert.Equal("yes\n", lab.KubectlOk(version, "auth", "can-i", "create", "pods"));
        Assert.Equal("yes\n", lab.KubectlOk(version, "auth", "can-i", "delete", "secrets", "-n", "kube-system"));
        Assert.Equal("yes\n", lab.KubectlOk(version, "auth", "can-i", "get", "/healthz"));
    }

    [SkippableTheory]
    [MemberData(nameof(ApiLab.Versions), MemberType = typeof(ApiLab))]
    public void Auth_can_i_list_shows_everything_allowed_first(string version)
    {
        ApiLab.RequireKubectl(version);
        var rules = lab.KubectlOk(version, "auth", "can-i", "--list").Split('\n');
        Assert.Equal("Resources                                       Non-Resource URLs   Resource Names   Verbs", rules[0]);
        Assert.Equal("*.*                                             []                  []               [*]", rules[1]);
        Assert.Contains("selfsubjectaccessreviews.authorization.k8s.io   []                  []               [create]", rules);
    }

    [SkippableFact]
    public void A_review_is_answered_with_the_spec_it_asked_and_allowed_status()
    {
        ApiLab.RequireKubectl("1.29");
        const string review = """{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","spec":{"resourceAttributes":{"verb":"get","resource":"pods","namespace":"default"}}}""";
        // --validate=false: a review has no PATCH operation for kubectl's OpenAPI v3 check, which then wants /openapi/v2 as protobuf
        var answer = lab.KubectlWithInput("1.29", review, "create", "--validate=false", "-f", "-", "-o", "json");
        Assert.True(answer.Code == 0, answer.Err);
        Assert.Contains("\"allowed\": true", answer.Out, StringComparison.Ordinal);
        Assert.Contains("\"resource\": \"pods\"", answer.Out, StringComparison.Ordinal);
        Assert.Contains("{\"name\":\"selfsubjectaccessreviews\",\"singularName\":\"selfsubjectaccessreview\",\"namespaced\":false,\"kind\":\"SelfSubjectAccessReview\",\"verbs\":[\"create\"]}",
            lab.KubectlOk("1.29", "get", "--raw", "/apis/authorization.k8s.io/v1"), StringComparison.Ordinal);
    }
}
