using System.Text.Json.Nodes;

namespace KubeLab.Core.Api;

/// <summary>
/// A failure the API server reports as a metav1.Status: HTTP code, reason, message and details, in
/// k8s.io/apimachinery/pkg/api/errors' wording.
/// </summary>
public sealed class ApiStatusException(int code, string reason, string message, JsonObject? details = null) : Exception(message)
{
    public int Code { get; } = code;
    public string Reason { get; } = reason;
    public JsonObject? Details { get; } = details;

    public static ApiStatusException BadRequest(string message) => new(400, "BadRequest", message);

    /// <summary>errors.NewNotFound: `pods "x" not found`.</summary>
    public static ApiStatusException NotFound(ApiResource resource, string name) =>
        new(404, "NotFound", $"{resource.QualifiedPlural} \"{name}\" not found", DetailsFor(resource, name));

    /// <summary>The API server's answer for a group/version/resource it does not serve.</summary>
    public static ApiStatusException NoSuchResource() => new(404, "NotFound", "the server could not find the requested resource", new JsonObject());

    public static ApiStatusException MethodNotAllowed() => new(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", new JsonObject());

    public static ApiStatusException Unauthorized() => new(401, "Unauthorized", "Unauthorized");

    /// <summary>410: a watch or list from a resourceVersion whose history is no longer kept.</summary>
    public static ApiStatusException Gone(string message) => new(410, "Expired", message);

    /// <summary>errors.NewInvalid: the details name the Kind (not the resource), which kubectl prints as "The Service "x" is invalid".</summary>
    public static ApiStatusException Invalid(ApiResource resource, string name, IReadOnlyList<(string Field, string Type, string Message)> causes)
    {
        var details = new JsonObject { ["name"] = name };
        if (resource.Group.Length > 0)
        {
            details["group"] = resource.Group;
        }

        details["kind"] = resource.Kind;
        details["causes"] = new JsonArray(causes.Select(c => (JsonNode)new JsonObject { ["reason"] = c.Type, ["message"] = c.Message, ["field"] = c.Field }).ToArray());
        var kind = resource.Group.Length == 0 ? resource.Kind : $"{resource.Kind}.{resource.Group}";
        var summary = string.Join(", ", causes.Select(c => $"{c.Field}: {c.Message}"));
        var message = causes.Count == 1 ? $"{kind} \"{name}\" is invalid: {summary}" : $"{kind} \"{name}\" is invalid: [{summary}]";
        return new ApiStatusException(422, "Invalid", message, details);
    }

    /// <summary>StatusDetails for an object of a resource: name, group (if any) and the resource's plural as kind.</summary>
    public static JsonObject DetailsFor(ApiResource resource, string name)
    {
        var details = new JsonObject { ["name"] = name };
        if (resource.Group.Length > 0)
        {
            details["group"] = resource.Group;
        }

        details["kind"] = resource.Plural;
        return details;
    }

    /// <summary>The Status object, with the members in the order the API server writes them.</summary>
    public JsonObject ToStatus()
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = Message,
            ["reason"] = Reason,
        };
        if (Details is not null)
        {
            status["details"] = Details.DeepClone();
        }

        status["code"] = Code;
        return status;
    }
}
