using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using KubeLab.Core.Api;
using KubeLab.Server.Streaming;
using Microsoft.AspNetCore.Http;

namespace KubeLab.Server;

/// <summary>
/// Answers API requests as kube-apiserver v1.29 does: authentication first (401 for anonymous requests, as k3s
/// runs with --anonymous-auth=false), then discovery, reads (get, list, watch, as JSON or as a Table) and the
/// Status errors with the API server's codes, reasons and wording.
/// </summary>
internal sealed class ApiHandler(ClusterFeed feed, string advertisedAddress, Func<DateTimeOffset> clock, ILabWriter? writer, IPodRuntime? pods = null)
{
    private readonly ApiWrites? writes = writer is null ? null : new ApiWrites(feed, writer, clock);
    private readonly PodStreaming streaming = new(feed, pods, writer is null ? null : (container, code) => MainProcessExited(writer, clock, container, code));

    /// <summary>The kubelet's report of an attached main process's end, committed like any other change.</summary>
    private static void MainProcessExited(ILabWriter writer, Func<DateTimeOffset> clock, Streaming.PodContainer container, int code) =>
        writer.Commit(state => KubeLab.Core.Control.ControlPlane.ContainerExited(state, container.Namespace, container.Pod, container.Container, code, clock()).State);

    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    public async Task HandleAsync(HttpContext http)
    {
        try
        {
            if (http.Connection.ClientCertificate is null)
            {
                throw ApiStatusException.Unauthorized();
            }

            await RouteAsync(http);
        }
        catch (ApiStatusException e)
        {
            if (!http.Response.HasStarted)
            {
                await WriteJsonAsync(http, e.ToStatus(), e.Code);
            }
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
        }
    }

    private async Task RouteAsync(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "/";
        switch (path.TrimEnd('/'))
        {
            case "/version":
                await WriteJsonAsync(http, ApiDocuments.Version());
                return;
            case "/healthz" or "/livez" or "/readyz":
                await WriteTextAsync(http, "ok", 200);
                return;
            case "/openapi/v3":
                var made = OpenApiDocuments.Builds;
                await WriteJsonAsync(http, OpenApiDocuments.Root(Served));
                if (OpenApiDocuments.Builds != made)
                {
                    // making the documents parsed 3 MB of definitions: give that memory back to the machine now (once
                    // per set of served resources), or the agent keeps its high-water mark of about 15 MB
                    GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                }

                return;
        }

        if (path.StartsWith("/openapi/v3/", StringComparison.Ordinal))
        {
            var key = path["/openapi/v3/".Length..].TrimEnd('/');
            var served = Served;
            var match = OpenApiDocuments.GroupVersionsOf(served).FirstOrDefault(gv => OpenApiDocuments.Key(gv.Group, gv.Version) == key);
            if (match.Version is null)
            {
                await WriteTextAsync(http, "404 page not found\n", 404);
                return;
            }

            await WriteOpenApiAsync(http, key, OpenApiDocuments.Serialized(match.Group, match.Version, served));
            return;
        }

        var target = ApiPath.Parse(path);
        if (target is ApiPath.Resource { Served: null } custom)
        {
            // a resource a CustomResourceDefinition defines (established now)
            target = custom with { Served = CustomResources.Find(feed.Current, custom.Group, custom.Version, custom.Plural) };
        }

        switch (target)
        {
            case null or ApiPath.Unknown:
                await WriteTextAsync(http, "404 page not found\n", 404);
                return;
            case ApiPath.Discovery discovery:
                await DiscoveryAsync(http, discovery);
                return;
            case ApiPath.Resource resource:
                await ResourceAsync(http, resource);
                return;
        }
    }

    /// <summary>The built-in resources and those of the lab's CustomResourceDefinitions, now.</summary>
    private IReadOnlyList<ApiResource> Served => CustomResources.Served(feed.Current);

    private async Task DiscoveryAsync(HttpContext http, ApiPath.Discovery target)
    {
        var served = Served;
        var accept = http.Request.Headers.Accept.ToString();
        if (target.Version is null && target.Group is null)
        {
            if (accept.Contains("g=apidiscovery.k8s.io", StringComparison.Ordinal) && accept.Contains("v=v2beta1", StringComparison.Ordinal))
            {
                await WriteJsonAsync(http, ApiDocuments.AggregatedDiscovery(target.Legacy, served), contentType: ApiDocuments.AggregatedV2Beta1);
                return;
            }

            await WriteJsonAsync(http, target.Legacy ? ApiDocuments.ApiVersions(advertisedAddress) : ApiDocuments.ApiGroupList(served));
            return;
        }

        if (target.Version is null)
        {
            if (!CustomResources.Groups(served).Contains(target.Group!))
            {
                await WriteTextAsync(http, "404 page not found\n", 404);
                return;
            }

            var group = ApiDocuments.Group(target.Group!, served);
            var document = new JsonObject { ["kind"] = "APIGroup", ["apiVersion"] = "v1" };
            foreach (var (key, value) in group.ToList())
            {
                group.Remove(key);
                document[key] = value;
            }

            await WriteJsonAsync(http, document);
            return;
        }

        var groupName = target.Group ?? "";
        if (!served.Any(r => r.Group == groupName && r.Version == target.Version))
        {
            await WriteTextAsync(http, "404 page not found\n", 404);
            return;
        }

        await WriteJsonAsync(http, ApiDocuments.ResourceList(groupName, target.Version, served));
    }

    private async Task ResourceAsync(HttpContext http, ApiPath.Resource target)
    {
        if (target.Served is not { } resource)
        {
            throw ApiStatusException.NoSuchResource();
        }

        if (target.Namespace is not null && !resource.Namespaced)
        {
            throw ApiStatusException.NoSuchResource();
        }

        if (target.Subresource is not null && !ApiDocuments.Subresources(resource).Any(s => s.Name == target.Subresource))
        {
            throw ApiStatusException.NoSuchResource();
        }

        if (PodStreaming.Handles(resource, target.Subresource))
        {
            await streaming.HandleAsync(http, target, resource);
            return;
        }

        if (!HttpMethods.IsGet(http.Request.Method))
        {
            await WriteAsync(http, target, resource);
            return;
        }

        var query = http.Request.Query;
        var asTable = WantsTable(http.Request.Headers.Accept.ToString());
        var include = query["includeObject"].ToString() switch
        {
            "None" => ApiDocuments.IncludeObject.None,
            "Object" => ApiDocuments.IncludeObject.Object,
            _ => ApiDocuments.IncludeObject.Metadata,
        };

        if (target.Name is not null)
        {
            var (items, _) = feed.List(resource);
            var found = items.FirstOrDefault(o => o.Metadata.Name == target.Name && (!resource.Namespaced || o.Metadata.NamespaceProperty == target.Namespace))
                ?? throw ApiStatusException.NotFound(resource, target.Name);
            if (target.Subresource == "scale")
            {
                await WriteJsonAsync(http, ApiWrites.Scale(found));
                return;
            }

            if (asTable && target.Subresource is null)
            {
                await WriteJsonAsync(http, ApiDocuments.Table(resource, [found], null, clock(), include), contentType: TableContentType);
                return;
            }

            await WriteBytesAsync(http, ObjectJson.Object(found, resource));
            return;
        }

        var labels = LabelSelector.Parse(query["labelSelector"]);
        var fields = FieldSelector.Parse(query["fieldSelector"], resource);
        bool Selected(IKubernetesObject<V1ObjectMeta> o) =>
            (target.Namespace is null || o.Metadata.NamespaceProperty == target.Namespace) && labels.Matches(o.Metadata.Labels) && fields.Matches(o);

        if (query["watch"].ToString() is "true" or "1")
        {
            await WatchAsync(http, resource, Selected, asTable, include);
            return;
        }

        var (all, revision) = feed.List(resource);
        var selected = all.Where(Selected).ToList();
        if (!asTable)
        {
            http.Response.StatusCode = 200;
            http.Response.ContentType = "application/json";
            http.Response.Headers.CacheControl = "no-cache, private";
            await ObjectJson.WriteListAsync(http.Response.BodyWriter, resource, selected, revision, http.RequestAborted);
            return;
        }

        http.Response.StatusCode = 200;
        http.Response.ContentType = TableContentType;
        http.Response.Headers.CacheControl = "no-cache, private";
        // written into the response's pipe (pooled buffers), not into one large array first
        ApiDocuments.WriteTable(http.Response.BodyWriter, resource, selected, revision, clock(), include);
        http.Response.BodyWriter.Write("\n"u8);
        await http.Response.BodyWriter.FlushAsync(http.RequestAborted);
    }

    /// <summary>POST, PUT, PATCH and DELETE: decoded, checked and handed to the control plane through the lab's writer.</summary>
    private async Task WriteAsync(HttpContext http, ApiPath.Resource target, ApiResource resource)
    {
        if (writes is null)
        {
            throw ApiStatusException.MethodNotAllowed();
        }

        var method = http.Request.Method;
        var query = http.Request.Query;
        if (resource.Group == "authorization.k8s.io" && HttpMethods.IsPost(method) && target.Name is null)
        {
            // reviews are answered, not stored
            var bytes = await ReadBodyBytesAsync(http);
            var review = KubernetesProtobuf.IsEnvelope(bytes)
                ? KubernetesProtobuf.Decode(bytes) // kubectl 1.30+ sends reviews as protobuf
                : ApiWrites.ParseJson(Encoding.UTF8.GetString(bytes)) as JsonObject ?? throw ApiStatusException.BadRequest("the request body must be a JSON object");
            await WriteJsonAsync(http, AccessReviews.Answer(resource, review), 201);
            return;
        }

        var dryRun = query["dryRun"].ToString() == "All";
        var ns = resource.Namespaced ? target.Namespace : null;
        if (resource.Namespaced && ns is null && !(HttpMethods.IsDelete(method) && target.Name is null))
        {
            throw ApiStatusException.NoSuchResource(); // writes of namespaced objects go through /namespaces/NS/
        }

        var fieldValidation = query["fieldValidation"].ToString();
        var manager = ManagedFields.ManagerOf(query["fieldManager"], http.Request.Headers.UserAgent); // who the write's managedFields entry names
        if (!HttpMethods.IsDelete(method))
        {
            ManagedFields.CheckFieldManager(query["fieldManager"], HttpMethods.IsPost(method) ? "CreateOptions" : HttpMethods.IsPut(method) ? "UpdateOptions" : "PatchOptions");
        }

        var warnings = new List<string>();
        ApiWrites.Warnings.Value = warnings;
        (int Code, JsonNode Body) result;
        if (HttpMethods.IsDelete(method))
        {
            var body = await ReadBodyBytesAsync(http);
            var text = KubernetesProtobuf.IsMediaType(http.Request.ContentType ?? "") && body.Length > 0
                ? KubernetesProtobuf.Decode(body).ToJsonString() // client-go's typed Delete sends its DeleteOptions as protobuf
                : Encoding.UTF8.GetString(body);
            var options = ApiWrites.ParseDeleteOptions(text, query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal));
            result = target.Name is null
                ? writes.DeleteCollection(resource, ns, Selector(query, resource), options, dryRun)
                : writes.Delete(resource, ns, target.Name, options, dryRun);
        }
        else
        {
            var bytes = await ReadBodyBytesAsync(http);
            var text = Encoding.UTF8.GetString(bytes);
            var contentType = http.Request.ContentType ?? "";
            if (HttpMethods.IsPatch(method) && target.Name is not null)
            {
                result = target.Subresource == "scale"
                    ? writes.UpdateScale(resource, ns!, target.Name, scale => ApiWrites.PatchJson(scale, contentType, ApiWrites.ParseJson(text)), dryRun, manager)
                    : writes.Patch(resource, ns, target.Name, contentType, text, dryRun, fieldValidation, warnings, query["fieldManager"].ToString(), query["force"].ToString() == "true", http.Request.Headers.UserAgent.ToString());
            }
            else
            {
                var protobuf = KubernetesProtobuf.IsMediaType(contentType); // client-go's typed clients (kubectl 1.30+'s `create …`)
                var yaml = contentType.Split(';')[0].Trim() == "application/yaml";
                if (!protobuf && !yaml && !contentType.StartsWith("application/json", StringComparison.Ordinal) && contentType.Length > 0)
                {
                    throw new ApiStatusException(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf", new JsonObject());
                }

                var body = protobuf
                    ? KubernetesProtobuf.Decode(bytes)
                    : (yaml ? ApiWrites.ParseYaml(text) : ApiWrites.ParseJson(text)) as JsonObject ?? throw ApiStatusException.BadRequest("the request body must be a JSON object");
                ApiWrites.CheckFields(resource, body, fieldValidation, warnings);
                result = (HttpMethods.IsPost(method), target.Name, target.Subresource) switch
                {
                    (true, null, _) => writes.Create(resource, ns, body, dryRun, manager),
                    (false, { } name, "scale") when HttpMethods.IsPut(method) => writes.UpdateScale(resource, ns!, name, _ => body, dryRun, manager),
                    (false, { } name, null) when HttpMethods.IsPut(method) => writes.Update(resource, ns, name, body, dryRun, manager),
                    _ => throw ApiStatusException.MethodNotAllowed(),
                };
            }
        }

        foreach (var warning in warnings)
        {
            // the API server's warning headers: 299 - "text", quotes in the text escaped
            http.Response.Headers.Append("Warning", $"299 - \"{HeaderText(warning).Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
        }

        await WriteJsonAsync(http, result.Body, result.Code);
    }

    /// <summary>A header value is ASCII: an ellipsis becomes "...", an arrow "->", anything else outside ASCII "?".</summary>
    private static string HeaderText(string text) =>
        string.Concat(text.Select(c => c switch
        {
            '\u2026' => "...",
            '\u2192' => "->",
            < ' ' or > '~' => "?",
            _ => c.ToString(),
        }));

    private static Func<IKubernetesObject<V1ObjectMeta>, bool> Selector(IQueryCollection query, ApiResource resource)
    {
        var labels = LabelSelector.Parse(query["labelSelector"]);
        var fields = FieldSelector.Parse(query["fieldSelector"], resource);
        return o => labels.Matches(o.Metadata.Labels) && fields.Matches(o);
    }

    /// <summary>
    /// The body, up to the API server's 3 MiB. A longer one is read to its end (up to Kestrel's hard cap) before the 413,
    /// so that a client still sending gets the answer rather than a reset connection.
    /// </summary>
    private static async Task<byte[]> ReadBodyBytesAsync(HttpContext http)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        var over = false;
        try
        {
            int read;
            while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
            {
                if (!over && buffer.Length + read > ApiServer.MaxRequestBytes)
                {
                    over = true;
                    buffer = new MemoryStream();
                }

                if (!over)
                {
                    buffer.Write(chunk, 0, read);
                }
            }
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException e) when (e.StatusCode == 413)
        {
            over = true;
        }

        return over
            ? throw new ApiStatusException(413, "RequestEntityTooLarge", $"Request entity too large: limit is {ApiServer.MaxRequestBytes}", new JsonObject())
            : buffer.ToArray();
    }

    private const string TableContentType = "application/json;as=Table;v=v1;g=meta.k8s.io";

    private static bool WantsTable(string accept) =>
        accept.Contains("as=Table", StringComparison.Ordinal) && accept.Contains("g=meta.k8s.io", StringComparison.Ordinal);

    /// <summary>
    /// A watch: with no resourceVersion (or "0"), the current objects as ADDED first; from a revision, every change
    /// after it (410 Gone as an ERROR event when that history is no longer held); then changes as they happen, with
    /// BOOKMARK events when asked for, until timeoutSeconds or the client leaves.
    /// </summary>
    private async Task WatchAsync(HttpContext http, ApiResource resource, Func<IKubernetesObject<V1ObjectMeta>, bool> selected, bool asTable, ApiDocuments.IncludeObject include)
    {
        var query = http.Request.Query;
        if (query.ContainsKey("sendInitialEvents"))
        {
            // the WatchList feature gate is off in v1.29 (alpha), so the API server refuses the parameter
            throw new ApiStatusException(422, "Invalid", "ListOptions.meta.k8s.io \"\" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled");
        }

        var timeout = int.TryParse(query["timeoutSeconds"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromMinutes(30);
        var bookmarks = query["allowWatchBookmarks"].ToString() is "true" or "1";
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        deadline.CancelAfter(timeout);

        http.Response.StatusCode = 200;
        http.Response.ContentType = asTable ? TableContentType : "application/json";
        http.Response.Headers.CacheControl = "no-cache, private";
        await http.Response.StartAsync(deadline.Token);
        // the API server flushes the headers at once, so that a client's Watch() returns before the first event
        await http.Response.Body.FlushAsync(deadline.Token);

        var first = true;
        async Task SendAsync(string type, IKubernetesObject<V1ObjectMeta> value)
        {
            if (!asTable)
            {
                // {"type":…,"object":…} around the object's cached encoding
                var encoded = ObjectJson.Object(value, resource);
                var line = new byte[encoded.Length + type.Length + 24];
                var head = Encoding.UTF8.GetBytes($"{{\"type\":\"{type}\",\"object\":");
                head.CopyTo(line, 0);
                encoded.AsSpan(0, encoded.Length - 1).CopyTo(line.AsSpan(head.Length));
                var end = head.Length + encoded.Length - 1;
                line[end] = (byte)'}';
                line[end + 1] = (byte)'\n';
                await http.Response.Body.WriteAsync(line.AsMemory(0, end + 2), deadline.Token);
                await http.Response.Body.FlushAsync(deadline.Token);
                return;
            }

            JsonNode body = ApiDocuments.Table(resource, [value], null, clock(), include, columnDefinitions: first);
            first = false;
            await WriteLineAsync(http, ApiDocuments.WatchEvent(type, body), deadline.Token);
        }

        var requested = query["resourceVersion"].ToString();
        var changed = feed.Changed;
        long cursor;
        if (requested is "" or "0")
        {
            var (items, revision) = feed.List(resource);
            foreach (var item in items.Where(selected))
            {
                await SendAsync("ADDED", item);
            }

            cursor = revision;
        }
        else if (!long.TryParse(requested, NumberStyles.Integer, CultureInfo.InvariantCulture, out cursor))
        {
            throw ApiStatusException.BadRequest($"invalid resource version \"{requested}\"");
        }

        try
        {
            while (!deadline.IsCancellationRequested)
            {
                IReadOnlyList<WatchEvent> events;
                try
                {
                    events = feed.After(cursor, resource);
                }
                catch (ApiStatusException gone)
                {
                    await WriteLineAsync(http, ApiDocuments.WatchEvent("ERROR", gone.ToStatus()), deadline.Token);
                    return;
                }

                foreach (var e in events)
                {
                    var now = selected(e.Object);
                    var before = e.Previous is not null && selected(e.Previous);
                    switch (e.Type)
                    {
                        case "MODIFIED" when now && !before:
                            await SendAsync("ADDED", e.Object);
                            break;
                        case "MODIFIED" when !now && before:
                            await SendAsync("DELETED", e.Object);
                            break;
                        case "DELETED" when before:
                        case "ADDED" or "MODIFIED" when now:
                            await SendAsync(e.Type, e.Object);
                            break;
                    }

                    cursor = e.Revision;
                }

                cursor = Math.Max(cursor, events.Count > 0 ? events[^1].Revision : cursor);
                var wait = Task.Delay(TimeSpan.FromSeconds(bookmarks ? 60 : 300), deadline.Token);
                var woke = await Task.WhenAny(changed, wait);
                if (woke == wait && bookmarks)
                {
                    var mark = new JsonObject
                    {
                        ["kind"] = resource.Kind,
                        ["apiVersion"] = resource.GroupVersion,
                        ["metadata"] = new JsonObject { ["resourceVersion"] = Math.Max(cursor, feed.Revision).ToString(CultureInfo.InvariantCulture) },
                    };
                    await WriteLineAsync(http, ApiDocuments.WatchEvent("BOOKMARK", mark), deadline.Token);
                }

                changed = feed.Changed;
                // the publish that woke us may have landed between After() and Changed: After() again sees it
            }
        }
        catch (OperationCanceledException)
        {
            // timeoutSeconds reached, or the client went away: the stream just ends, as the API server's does
        }
    }

    private static async Task WriteLineAsync(HttpContext http, JsonNode node, CancellationToken cancel)
    {
        var bytes = Encoding.UTF8.GetBytes(node.ToJsonString(Compact) + "\n");
        await http.Response.Body.WriteAsync(bytes, cancel);
        await http.Response.Body.FlushAsync(cancel);
    }

    private static async Task WriteJsonAsync(HttpContext http, JsonNode node, int status = 200, string? contentType = null)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = contentType ?? "application/json";
        http.Response.Headers.CacheControl = "no-cache, private";
        var bytes = Encoding.UTF8.GetBytes(node.ToJsonString(Compact) + "\n");
        http.Response.ContentLength = bytes.Length;
        await http.Response.Body.WriteAsync(bytes, http.RequestAborted);
    }

    /// <summary>
    /// A group/version's OpenAPI document as kube-openapi's handler3 serves it: its hash as the ETag; with a hash in
    /// the query that is not the document's, a 301 to the current one; with the current hash, cacheable for a year.
    /// </summary>
    private static async Task WriteOpenApiAsync(HttpContext http, string key, (byte[] Json, string Hash) document)
    {
        http.Response.Headers.Vary = "Accept";
        http.Response.Headers.ETag = $"\"{document.Hash}\"";
        if (http.Request.Query["hash"].ToString() is { Length: > 0 } hash)
        {
            if (hash != document.Hash)
            {
                http.Response.StatusCode = 301;
                http.Response.Headers.Location = $"/openapi/v3/{key}?hash={document.Hash}";
                return;
            }

            http.Response.Headers.CacheControl = "public, immutable";
            http.Response.Headers.Expires = DateTime.UtcNow.AddYears(1).ToString("ddd, dd MMM yyyy HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            http.Response.Headers.CacheControl = "no-cache, private";
        }

        http.Response.StatusCode = 200;
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = document.Json.Length;
        await http.Response.Body.WriteAsync(document.Json, http.RequestAborted);
    }

    private static async Task WriteBytesAsync(HttpContext http, byte[] json)
    {
        http.Response.StatusCode = 200;
        http.Response.ContentType = "application/json";
        http.Response.Headers.CacheControl = "no-cache, private";
        http.Response.ContentLength = json.Length;
        await http.Response.Body.WriteAsync(json, http.RequestAborted);
    }

    private static async Task WriteTextAsync(HttpContext http, string text, int status)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/plain; charset=utf-8";
        await http.Response.WriteAsync(text, http.RequestAborted);
    }
}
