using System.Text.Json.Nodes;

namespace KubeLab.Core.Api;

/// <summary>
/// authorization.k8s.io/v1's self reviews, answered for the lab's only user: the admin of k3s's kubeconfig
/// (system:admin in group system:masters), whom kube-apiserver's first authorizer (authorizerfactory.NewPrivilegedGroups)
/// allows everything without a reason. RBAC objects are stored, not enforced, so no other answer is possible.
/// </summary>
public static class AccessReviews
{
    /// <summary>The review as sent, with the API server's empty metadata and its status (registry/authorization/selfsubjectaccessreview).</summary>
    public static JsonObject Answer(ApiResource resource, JsonObject review)
    {
        if (review["spec"] is not JsonObject spec)
        {
            throw ApiStatusException.Invalid(resource, "", [("spec", "FieldValueRequired", "Required value")]);
        }

        JsonObject status;
        switch (resource.Plural)
        {
            case "selfsubjectaccessreviews":
                if (spec["resourceAttributes"] is null == spec["nonResourceAttributes"] is null)
                {
                    throw ApiStatusException.Invalid(resource, "", [("spec.resourceAttributes", "FieldValueInvalid",
                        "Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified")]);
                }

                status = new JsonObject { ["allowed"] = true };
                break;
            case "selfsubjectrulesreviews":
                status = RulesStatus();
                break;
            default:
                throw new ApiStatusException(405, "MethodNotAllowed", $"KubeLab answers only the self reviews ({resource.QualifiedPlural} needs another user than the lab's admin)", new JsonObject());
        }

        return new JsonObject
        {
            ["kind"] = resource.Kind,
            ["apiVersion"] = resource.GroupVersion,
            ["metadata"] = new JsonObject { ["creationTimestamp"] = null },
            ["spec"] = spec.DeepClone(),
            ["status"] = status,
        };
    }

    /// <summary>
    /// The union authorizer's rules: the privileged group's everything, then RBAC's for the groups every authenticated
    /// user has (the bootstrap policy's cluster-admin, system:basic-user, system:discovery, system:public-info-viewer).
    /// </summary>
    private static JsonObject RulesStatus()
    {
        static JsonObject Resource(string[] verbs, string[] groups, string[] resources) => new()
        {
            ["verbs"] = Strings(verbs),
            ["apiGroups"] = Strings(groups),
            ["resources"] = Strings(resources),
        };
        static JsonObject NonResource(string[] verbs, string[] urls) => new() { ["verbs"] = Strings(verbs), ["nonResourceURLs"] = Strings(urls) };
        string[] discovery = ["/livez", "/readyz", "/healthz", "/version", "/version/", "/openapi", "/openapi/*", "/api", "/api/*", "/apis", "/apis/*"];
        string[] publicInfo = ["/livez", "/readyz", "/healthz", "/version", "/version/"];
        return new JsonObject
        {
            ["resourceRules"] = new JsonArray(
                Resource(["*"], ["*"], ["*"]),
                Resource(["*"], ["*"], ["*"]),
                Resource(["create"], ["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
                Resource(["create"], ["authentication.k8s.io"], ["selfsubjectreviews"])),
            ["nonResourceRules"] = new JsonArray(
                NonResource(["*"], ["*"]),
                NonResource(["*"], ["*"]),
                NonResource(["get"], discovery),
                NonResource(["get"], publicInfo)),
            ["incomplete"] = false,
        };
    }

    private static JsonArray Strings(string[] values) => new([.. values.Select(v => (JsonNode)JsonValue.Create(v))]);
}
