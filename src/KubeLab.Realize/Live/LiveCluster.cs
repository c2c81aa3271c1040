using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeLab.Core;
using KubeLab.Core.Api;
using KubeLab.Core.Control;
using KubeLab.Core.Manifests;
using KubeLab.Core.Model;

namespace KubeLab.Realize.Live;

/// <summary>
/// A real API server (a multipass lab's k3s, or any cluster given by --kubeconfig) through KubernetesClient:
/// the objects KubeLab models are listed and turned into the same snapshot the emulated lab gives, and
/// manifests are applied as `kubectl apply` applies them.
/// </summary>
public sealed class LiveCluster : IDisposable
{
    private readonly Kubernetes client;
    private readonly KubernetesClientConfiguration config;

    private LiveCluster(Kubernetes client, KubernetesClientConfiguration config)
    {
        this.client = client;
        this.config = config;
        Server = config.Host;
        DefaultNamespace = config.Namespace is { Length: > 0 } ns ? ns : "default";
    }

    public string Server { get; }

    /// <summary>The kubeconfig context's namespace, else "default": where kubectl puts and looks for what names no namespace.</summary>
    public string DefaultNamespace { get; }

    /// <summary>
    /// A client of a lab's own API server from the files its kubeconfig names (the server's address, its CA, the
    /// admin's certificate and key), without parsing the kubeconfig: KubernetesClient's YAML reader is most of a short
    /// command's start-up.
    /// </summary>
    public static LiveCluster ForLab(string server, string caCertificate, string clientCertificate, string clientKey)
    {
        var config = new KubernetesClientConfiguration
        {
            Host = server,
            SslCaCerts = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection(
                System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(caCertificate)),
            ClientCertificateFilePath = clientCertificate,
            ClientKeyFilePath = clientKey,
            HttpClientTimeout = TimeSpan.FromSeconds(15),
        };
        return new LiveCluster(new Kubernetes(config), config);
    }

    /// <summary>Reads the kubeconfig; a file that does not parse is a clear error (exit 1), nothing is contacted.</summary>
    public static LiveCluster FromKubeconfig(string path, string? context = null, TimeSpan? timeout = null)
    {
        if (!File.Exists(path))
        {
            throw KubeLabException.Host($"--kubeconfig: {path}: no such file");
        }

        KubernetesClientConfiguration config;
        try
        {
            config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path, currentContext: context);
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or YamlDotNet.Core.YamlException or ArgumentException or InvalidOperationException or FormatException or IOException or System.Text.Json.JsonException)
        {
            throw KubeLabException.Host($"--kubeconfig: {path} is not a usable kubeconfig{(context is null ? "" : $" (context \"{context}\")")}: {e.Message}");
        }

        config.HttpClientTimeout = timeout ?? TimeSpan.FromSeconds(15);
        return new LiveCluster(new Kubernetes(config), config);
    }

    /// <summary>Nodes, pods, services and endpoint slices of every namespace, as `kubectl get ... -A -o yaml` gives them.</summary>
    public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Objects() => Call("list nodes, pods, services and endpoint slices", async () =>
    {
        var nodes = await client.CoreV1.ListNodeAsync().ConfigureAwait(false);
        var pods = await client.CoreV1.ListPodForAllNamespacesAsync().ConfigureAwait(false);
        var services = await client.CoreV1.ListServiceForAllNamespacesAsync().ConfigureAwait(false);
        var slices = await client.DiscoveryV1.ListEndpointSliceForAllNamespacesAsync().ConfigureAwait(false);
        return (IReadOnlyList<IKubernetesObject<V1ObjectMeta>>)
        [
            .. nodes.Items.Select(n => WithKind(n, "v1", "Node")),
            .. pods.Items.Select(p => WithKind(p, "v1", "Pod")),
            .. services.Items.Select(s => WithKind(s, "v1", "Service")),
            .. slices.Items.Select(s => WithKind(s, "discovery.k8s.io/v1", "EndpointSlice")),
        ];
    });

    public ClusterSnapshot Snapshot() => SnapshotBuilder.FromObjects(null, null, Objects());

    /// <summary>Everything read once: a lab state of the objects (for the commands that print from a state), the snapshot and the nodes.</summary>
    public (ClusterState State, ClusterSnapshot Snapshot, IReadOnlyList<V1Node> Nodes) Read()
    {
        var objects = Objects();
        var snapshot = SnapshotBuilder.FromObjects(null, null, objects);
        var state = new ClusterState
        {
            Config = snapshot.Config with { Name = "live", Driver = "live" },
            Objects = [.. objects.Where(o => o is not V1Node).Select(StoredObject.Of)],
        };
        return (state, snapshot, [.. objects.OfType<V1Node>()]);
    }

    /// <summary>
    /// `kubectl apply` (client side, <see cref="ClientSideApply"/>): each object is created with its
    /// last-applied-configuration, or patched three-way (strategic for built-in kinds, JSON merge for custom ones), or
    /// left "unchanged" when there is nothing to patch; the field manager is kubectl's. The API server's warnings go
    /// to <paramref name="warnings"/>, as kubectl prints them.
    /// </summary>
    public IReadOnlyList<string> Apply(IReadOnlyList<ManifestDocument> documents, Action<string>? warnings = null)
    {
        EnsureServed(documents);
        var lines = new List<string>();
        foreach (var document in documents)
        {
            if (document.Object is not IKubernetesObject<V1ObjectMeta> value)
            {
                continue;
            }

            var copy = KubeObjects.Clone(value);
            var ns = ResourceOf(document.ApiVersion, document.Kind).Namespaced ? (string.IsNullOrEmpty(document.Namespace) ? DefaultNamespace : document.Namespace) : null;
            copy.Metadata.NamespaceProperty = ns; // kubectl sets it before it records what it applied
            lines.Add(Call($"apply {document.Kind} \"{document.Name}\" ({document.Where})", () => ApplyOne(document, copy, ns, warnings)));
            if (value is V1CustomResourceDefinition)
            {
                // the kinds it defines are found by asking discovery again (their plural is the CRD's, not a guess)
                discovered = null;
                servedKinds.Clear();
            }
        }

        return lines;
    }

    /// <summary>
    /// An object of a kind KubeLab has no type for (a custom resource) whose kind neither the server's discovery nor a
    /// CRD earlier in <paramref name="documents"/> defines is kubectl's mapping error. kubectl maps every object first,
    /// then sends those it could map and reports the others; kubelab sends nothing (an apply that fails applies nothing).
    /// </summary>
    public void EnsureServed(IReadOnlyList<ManifestDocument> documents)
    {
        // a server without aggregated discovery (before v1.26) is left to answer for itself
        if (documents.FirstOrDefault(d => d.Object is CustomObject) is null || DiscoveredOrNone().Count == 0)
        {
            return;
        }

        var defined = new HashSet<string>(servedKinds, StringComparer.Ordinal);
        foreach (var document in documents)
        {
            defined.UnionWith(CustomResources.DefinedBy(document).Select(r => $"{r.GroupVersion}/{r.Kind}"));
            if (document.Object is CustomObject && !defined.Contains($"{document.ApiVersion}/{document.Kind}"))
            {
                throw CustomResources.NotServed(document);
            }
        }
    }

    /// <summary>Creates an object as `kubectl create`/`run` do (no last-applied annotation), with their field manager.</summary>
    public string Create(IKubernetesObject<V1ObjectMeta> value, string apiVersion, string kind, string fieldManager, Action<string>? warnings = null) =>
        Call($"create {kind} \"{value.Metadata.Name}\"", async () =>
        {
            var ns = ResourceOf(apiVersion, kind).Namespaced ? value.Metadata.NamespaceProperty ?? DefaultNamespace : null;
            var body = JsonNode.Parse(KubeObjects.ToJson(value))!.AsObject();
            await SendAsync(HttpMethod.Post, ObjectPath(apiVersion, kind, ns, null) + $"?fieldManager={fieldManager}", body, "application/json", warnings).ConfigureAwait(false);
            return $"{KubeObjects.ResourceName(kind, value.Metadata.Name, KubeObjects.GroupOf(apiVersion))} created";
        });

    private async Task<string> ApplyOne(ManifestDocument document, IKubernetesObject<V1ObjectMeta> value, string? ns, Action<string>? warnings)
    {
        var name = KubeObjects.ResourceName(document.Kind, document.Name, KubeObjects.GroupOf(document.ApiVersion));
        const string query = "?fieldManager=kubectl-client-side-apply&fieldValidation=Strict";
        var modified = ClientSideApply.Modified(value);
        var current = await SendAsync(HttpMethod.Get, ObjectPath(document.ApiVersion, document.Kind, ns, document.Name), null, null, warnings, allowNotFound: true).ConfigureAwait(false);
        if (current is null)
        {
            await SendAsync(HttpMethod.Post, ObjectPath(document.ApiVersion, document.Kind, ns, null) + query, modified, "application/json", warnings).ConfigureAwait(false);
            return $"{name} created";
        }

        var original = current["metadata"]?["annotations"]?[ControlPlane.LastAppliedAnnotation] is JsonValue text && text.TryGetValue<string>(out var json)
            ? JsonNode.Parse(json) as JsonObject
            : null;
        var strategic = ClientSideApply.IsBuiltIn(document.ApiVersion);
        var patch = ClientSideApply.Patch(original, modified, current, strategic);
        if (patch.Count == 0)
        {
            return $"{name} unchanged";
        }

        await SendAsync(HttpMethod.Patch, ObjectPath(document.ApiVersion, document.Kind, ns, document.Name) + query, patch,
            strategic ? "application/strategic-merge-patch+json" : "application/merge-patch+json", warnings).ConfigureAwait(false);
        return $"{name} configured";
    }

    /// <summary>
    /// A GET as kubectl makes it, asking for what <paramref name="accept"/> names (JSON, the server's Table, aggregated
    /// discovery): the reply's body. The server's Status becomes kubectl's error (NotFound for an object that is not there).
    /// </summary>
    public JsonObject Get(string path, string accept, string what) =>
        Call(what, async () => await SendAsync(HttpMethod.Get, path, null, null, null, accept: accept).ConfigureAwait(false)
            ?? throw KubeLabException.Host($"the API server at {Server} answered {path} with no JSON object"));

    /// <summary>/api/v1/namespaces/NS/pods[/NAME], /apis/apps/v1/…: where an object of a kind lives.</summary>
    private string ObjectPath(string apiVersion, string kind, string? ns, string? name) =>
        ResourcePath(apiVersion, ResourceOf(apiVersion, kind).Plural, ns, name);

    /// <summary>A resource's collection (no name) or object in a namespace (or none: cluster-wide, or every namespace).</summary>
    public static string ResourcePath(string apiVersion, string plural, string? ns, string? name)
    {
        var root = apiVersion.Contains('/', StringComparison.Ordinal) ? $"/apis/{apiVersion}" : $"/api/{apiVersion}";
        var scope = ns is null ? "" : $"/namespaces/{Uri.EscapeDataString(ns)}";
        return $"{root}{scope}/{plural}{(name is null ? "" : "/" + Uri.EscapeDataString(name))}";
    }

    /// <summary>
    /// The resource of a kind in a group/version, as kubectl's REST mapper finds it: the lab's own table for the kinds
    /// it knows, else the server's discovery (custom resources: a Policy's plural may be "policies"), else the plural
    /// a kind's name suggests.
    /// </summary>
    public ApiResource ResourceOf(string apiVersion, string kind)
    {
        var group = KubeObjects.GroupOf(apiVersion);
        var version = group.Length == 0 ? apiVersion : apiVersion[(group.Length + 1)..];
        if (ApiResources.ForKind(kind) is { } known && known.Group == group)
        {
            return known;
        }

        var served = DiscoveredOrNone();
        return served.FirstOrDefault(r => r.Group == group && r.Kind == kind && r.Version == version)
            ?? served.FirstOrDefault(r => r.Group == group && r.Kind == kind)
            ?? new ApiResource(group, version, kind.ToLowerInvariant() + "s", kind.ToLowerInvariant(), kind, true, [], [], []);
    }

    /// <summary>
    /// The resources the server serves, in its discovery's order (the core group, then /apis), each group's
    /// preferred version: its aggregated discovery, asked once per client.
    /// </summary>
    public IReadOnlyList<ApiResource> Resources() => discovered ??= Discover();

    private IReadOnlyList<ApiResource>? discovered;

    /// <summary>"group/version/Kind" of every version discovery lists (<see cref="Resources"/> keeps each group's preferred one).</summary>
    private readonly HashSet<string> servedKinds = new(StringComparer.Ordinal);

    /// <summary>The server's resources, or none for a server without aggregated discovery (before v1.26, or a stand-in).</summary>
    public IReadOnlyList<ApiResource> DiscoveredOrNone()
    {
        try
        {
            return Resources();
        }
        catch (KubeLabException)
        {
            return discovered = [];
        }
    }

    private List<ApiResource> Discover()
    {
        var resources = new List<ApiResource>();
        foreach (var root in new[] { "/api", "/apis" })
        {
            var document = Get(root, ApiDocuments.AggregatedV2Beta1, "discover the API server's resources");
            foreach (var group in document["items"]?.AsArray() ?? [])
            {
                var name = group!["metadata"]?["name"]?.GetValue<string>() ?? "";
                if (group["versions"]?.AsArray() is not [JsonObject preferred, ..])
                {
                    continue;
                }

                foreach (var other in group["versions"]!.AsArray())
                {
                    var gv = name.Length == 0 ? other!["version"]!.GetValue<string>() : $"{name}/{other!["version"]!.GetValue<string>()}";
                    foreach (var entry in other["resources"]?.AsArray() ?? [])
                    {
                        servedKinds.Add($"{gv}/{entry!["responseKind"]?["kind"]?.GetValue<string>()}");
                    }
                }

                var version = preferred["version"]!.GetValue<string>();
                foreach (var entry in preferred["resources"]?.AsArray() ?? [])
                {
                    resources.Add(new ApiResource(name, version,
                        entry!["resource"]!.GetValue<string>(),
                        entry["singularResource"]?.GetValue<string>() ?? "",
                        entry["responseKind"]?["kind"]?.GetValue<string>() ?? "",
                        entry["scope"]?.GetValue<string>() == "Namespaced",
                        Strings(entry["shortNames"]),
                        Strings(entry["verbs"]),
                        Strings(entry["categories"])));
                }
            }
        }

        return resources;
    }

    private static string[] Strings(JsonNode? array) =>
        array is JsonArray a ? [.. a.Select(s => s!.GetValue<string>())] : [];

    /// <summary>
    /// One request through the client's connection (its TLS client certificate; a token or basic credentials of the
    /// kubeconfig are added here). The reply's body, or null on 404 when allowed; the API server's Status otherwise
    /// is an <see cref="HttpOperationException"/>, as KubernetesClient's own calls raise it.
    /// </summary>
    private async Task<JsonObject?> SendAsync(HttpMethod method, string path, JsonObject? body, string? contentType, Action<string>? warnings, bool allowNotFound = false, string accept = "application/json")
    {
        // appended, not resolved: a server URL with a path (a proxy's /k8s/clusters/c-1) keeps it
        using var request = new HttpRequestMessage(method, new Uri(client.BaseUri.AbsoluteUri.TrimEnd('/') + path));
        request.Headers.TryAddWithoutValidation("Accept", accept);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType!);
        }

        if (config.AccessToken is { Length: > 0 } token)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
        else if (config.TokenProvider is { } provider)
        {
            request.Headers.Authorization = await provider.GetAuthenticationHeaderAsync(CancellationToken.None).ConfigureAwait(false);
        }
        else if (config.Username is { Length: > 0 } user)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{user}:{config.Password}")));
        }

        using var response = await client.HttpClient.SendAsync(request).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (warnings is not null && response.Headers.TryGetValues("Warning", out var values))
        {
            foreach (var warning in values)
            {
                warnings(WarningText(warning));
            }
        }

        if (response.StatusCode == HttpStatusCode.NotFound && allowNotFound)
        {
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new HttpOperationException($"{(int)response.StatusCode} {response.ReasonPhrase}")
            {
                Response = new HttpResponseMessageWrapper(response, text),
            };
        }

        return JsonNode.Parse(text) as JsonObject;
    }

    /// <summary>A Warning header's text: <c>299 - "text"</c>, its quotes unescaped.</summary>
    internal static string WarningText(string header)
    {
        var open = header.IndexOf('"', StringComparison.Ordinal);
        return open < 0 || !header.EndsWith('"') || header.Length - open < 2
            ? header
            : header[(open + 1)..^1].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
    }

    /// <summary>
    /// Deletes objects by kind, namespace and name, as `kubectl delete` does: each is deleted (gracefully: a pod
    /// terminates first; the garbage collector takes what it owns, in the background), then, with
    /// <paramref name="wait"/>, kubectl's --wait: until every one is gone.
    /// </summary>
    public IReadOnlyList<string> Delete(IReadOnlyList<(string ApiVersion, string Kind, string Namespace, string Name)> targets, bool ignoreNotFound = false, TimeSpan? wait = null)
    {
        var lines = new List<string>();
        var deleted = new List<(string Path, string? Uid)>();
        foreach (var (apiVersion, kind, objectNamespace, name) in targets)
        {
            var ns = ResourceOf(apiVersion, kind).Namespaced ? (string.IsNullOrEmpty(objectNamespace) ? DefaultNamespace : objectNamespace) : null;
            var path = ObjectPath(apiVersion, kind, ns, name);
            var reply = Call($"delete {kind} \"{name}\"", async () =>
                await SendAsync(HttpMethod.Delete, path + "?propagationPolicy=Background", null, null, null, allowNotFound: ignoreNotFound).ConfigureAwait(false));
            if (reply is not null)
            {
                lines.Add(KubeObjects.Deleted(kind, name, KubeObjects.GroupOf(apiVersion)));
                // the object the server deleted (a Status names its uid in details, an object in metadata)
                var uid = (reply["kind"]?.GetValue<string>() == "Status" ? reply["details"]?["uid"] : reply["metadata"]?["uid"])?.GetValue<string>();
                deleted.Add((path, uid));
            }
        }

        if (wait is { } limit)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            foreach (var (path, uid) in deleted)
            {
                // as kubectl's wait: gone, or another object of that name in its place (a kubelet's new node lease)
                while (Call($"wait for {path} to be deleted", () => SendAsync(HttpMethod.Get, path, null, null, null, allowNotFound: true)) is { } current
                    && (uid is null || current["metadata"]?["uid"]?.GetValue<string>() == uid))
                {
                    if (watch.Elapsed > limit)
                    {
                        throw KubeLabException.Timeout($"timed out after {limit.TotalSeconds:0} s waiting for {path} to be deleted (it is still terminating; `kubectl get` shows it)");
                    }

                    Thread.Sleep(100);
                }
            }
        }

        return lines;
    }

    /// <summary>Keeps <paramref name="held"/> (a lock) until this client is disposed.</summary>
    public LiveCluster Holding(IDisposable held)
    {
        this.held.Add(held);
        return this;
    }

    public void Dispose()
    {
        client.Dispose();
        foreach (var lease in held)
        {
            lease.Dispose();
        }

        held.Clear();
    }

    private readonly List<IDisposable> held = [];

    /// <summary>The image of the node reader pod (has iptables, iproute2 and nsenter).</summary>
    public const string NodeReaderImage = "nicolaka/netshoot:v0.13";

    /// <summary>
    /// Runs a command in a node's own namespaces, as `kubectl debug node/NAME` does: a short-lived privileged pod with
    /// the host's network and PID namespaces, pinned to the node; `nsenter -t 1` enters the node's namespaces. The pod
    /// is removed afterwards, also when the command fails.
    /// </summary>
    public string ReadNode(string node, IReadOnlyList<string> command, TimeSpan? deadline = null, TimeSpan? poll = null)
    {
        var name = $"kubelab-node-reader-{node}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3))}";
        const string ns = "default";
        var pod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "kubelab" } },
            Spec = new V1PodSpec
            {
                NodeName = node,
                HostNetwork = true,
                HostPID = true,
                RestartPolicy = "Never",
                Tolerations = [new V1Toleration { OperatorProperty = "Exists" }],
                Containers = [new V1Container { Name = "reader", Image = NodeReaderImage, Command = ["sleep", "600"], SecurityContext = new V1SecurityContext { Privileged = true } }],
            },
        };
        Call($"create the node reader pod {ns}/{name} on {node}", () => client.CoreV1.CreateNamespacedPodAsync(pod, ns));
        try
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var limit = deadline ?? TimeSpan.FromMinutes(2);
            while (true)
            {
                var phase = Call($"read pod {ns}/{name}", () => client.CoreV1.ReadNamespacedPodAsync(name, ns)).Status?.Phase;
                if (phase == "Running")
                {
                    break;
                }

                if (watch.Elapsed >= limit || phase is "Failed" or "Succeeded")
                {
                    throw KubeLabException.Timeout($"the node reader pod {ns}/{name} on {node} is {phase ?? "Pending"} after {watch.Elapsed.TotalSeconds:0} s (image {NodeReaderImage}); look with `kubectl describe pod -n {ns} {name}`");
                }

                Thread.Sleep(poll ?? TimeSpan.FromSeconds(1));
            }

            using var stdout = new MemoryStream();
            using var stderr = new MemoryStream();
            var code = Exec(ns, name, ["nsenter", "-t", "1", "-m", "-u", "-n", "-i", "--", .. command], stdout, stderr);
            return code == 0
                ? System.Text.Encoding.UTF8.GetString(stdout.ToArray())
                : throw KubeLabException.Host($"`{string.Join(' ', command)}` on node {node} (through pod {ns}/{name}) exited {code}: {System.Text.Encoding.UTF8.GetString(stderr.ToArray()).Trim()}");
        }
        finally
        {
            Delete([("v1", "Pod", ns, name)], ignoreNotFound: true);
        }
    }

    /// <summary>Runs a command in a pod's first container through the API server's exec websocket; returns its exit code.</summary>
    public int Exec(string ns, string pod, IReadOnlyList<string> command, Stream stdout, Stream stderr) =>
        Call($"exec in pod \"{ns}/{pod}\"", async () =>
        {
            var target = await client.CoreV1.ReadNamespacedPodAsync(pod, ns).ConfigureAwait(false);
            var container = target.Spec.Containers[0].Name;
            return await ((IKubernetes)client).NamespacedPodExecAsync(pod, ns, container, command, tty: false, async (_, output, error) =>
                await Task.WhenAll(output.CopyToAsync(stdout), error.CopyToAsync(stderr)).ConfigureAwait(false), CancellationToken.None).ConfigureAwait(false);
        });

    private static T WithKind<T>(T value, string apiVersion, string kind) where T : IKubernetesObject<V1ObjectMeta>
    {
        value.ApiVersion ??= apiVersion;
        value.Kind ??= kind;
        return value;
    }

    /// <summary>Runs a request; what the API server said, or that it did not answer, becomes a clear error (exit 1).</summary>
    private T Call<T>(string what, Func<Task<T>> request)
    {
        try
        {
            return Task.Run(request).GetAwaiter().GetResult();
        }
        catch (HttpOperationException e)
        {
            // kubectl's words: the Status's reason and message (Error from server (AlreadyExists): pods "x" already exists)
            var body = e.Response.Content;
            var status = body is { Length: > 0 } && body.TrimStart().StartsWith('{') ? KubernetesJson.Deserialize<V1Status>(body) : null;
            var reason = status?.Reason is { Length: > 0 } r ? r : e.Response.StatusCode.ToString();
            var message = status?.Message ?? (body is { Length: > 0 } ? body : e.Message);
            var text = status?.Message is null ? $"Error from server ({reason}) while trying to {what}: {message}" : $"Error from server ({reason}): {message}";
            throw e.Response.StatusCode switch
            {
                HttpStatusCode.NotFound => KubeLabException.NotFound(text),
                HttpStatusCode.Conflict => KubeLabException.Conflict(text),
                HttpStatusCode.UnprocessableEntity or HttpStatusCode.BadRequest => KubeLabException.Invalid(text),
                _ => KubeLabException.Host(text),
            };
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Net.Sockets.SocketException)
        {
            throw KubeLabException.Host(
                $"the API server at {Server} does not answer ({e.Message}) while trying to {what}; check that the cluster is running and the kubeconfig's server address is right");
        }
    }
}
