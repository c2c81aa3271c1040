namespace KubeLab.Core.Api;

/// <summary>What a request path names: a discovery document, a collection, one object, or a subresource.</summary>
public abstract record ApiPath
{
    private ApiPath()
    {
    }

    /// <summary>/api, /apis, /api/v1, /apis/apps, /apis/apps/v1.</summary>
    public sealed record Discovery(string? Group, string? Version, bool Legacy) : ApiPath;

    /// <summary>A resource path; <see cref="Resource"/> is null when the group/version serves no such resource.</summary>
    public sealed record Resource(string Group, string Version, string Plural, ApiResource? Served, string? Namespace, string? Name, string? Subresource) : ApiPath;

    /// <summary>Anything else under /api or /apis (the API server answers 404 with a Status).</summary>
    public sealed record Unknown : ApiPath;

    /// <summary>
    /// Parses /api/v1/[namespaces/NS/]RESOURCE[/NAME[/SUB]] and /apis/GROUP/VERSION/…, as the API server's request
    /// info resolver does (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go): "namespaces/NS" alone is the
    /// namespace object itself, and "namespaces/NS/status" its subresource.
    /// </summary>
    public static ApiPath? Parse(string path)
    {
        var parts = path.Trim('/').Split('/');
        if (parts.Length == 0 || parts[0] is not ("api" or "apis"))
        {
            return null;
        }

        var legacy = parts[0] == "api";
        string group;
        string? version;
        int rest;
        if (legacy)
        {
            group = "";
            version = parts.Length > 1 ? parts[1] : null;
            rest = 2;
            if (version is null)
            {
                return new Discovery(null, null, Legacy: true);
            }
        }
        else
        {
            if (parts.Length == 1)
            {
                return new Discovery(null, null, Legacy: false);
            }

            group = parts[1];
            version = parts.Length > 2 ? parts[2] : null;
            rest = 3;
            if (version is null)
            {
                return new Discovery(group, null, Legacy: false);
            }
        }

        var tail = parts.Skip(rest).ToArray();
        if (tail.Length == 0)
        {
            return new Discovery(legacy ? null : group, version, legacy);
        }

        string? ns = null;
        if (tail[0] == "namespaces" && tail.Length >= 3)
        {
            ns = tail[1];
            tail = tail[2..];
            if (tail.Length == 1 && tail[0] == "status" || tail.Length == 1 && tail[0] == "finalize")
            {
                // namespaces/NS/status: the namespace's own subresource
                return new Resource(group, version, "namespaces", ApiResources.Find(group, version, "namespaces"), null, ns, tail[0]);
            }
        }

        if (tail.Length > 3 || tail.Any(p => p.Length == 0))
        {
            return new Unknown();
        }

        var plural = tail[0];
        return new Resource(group, version, plural, ApiResources.Find(group, version, plural), ns,
            tail.Length > 1 ? tail[1] : null, tail.Length > 2 ? tail[2] : null);
    }
}
