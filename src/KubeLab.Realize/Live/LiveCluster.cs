using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeLab.Core;
using KubeLab.Core.Control;
using KubeLab.Core.Manifests;
using KubeLab.Core.Model;

namespace KubeLab.Realize.Live;

/// <summary>
/// A real API server (a multipass lab's k3s, or any cluster given by --kubeconfig) through KubernetesClient:
/// the objects KubeLab models are listed and turned into the same snapshot the emulated lab gives, and
/// manifests are created or replaced as `kubectl create`/`replace` would.
/// </summary>
public sealed class LiveCluster : IDisposable
{
    private readonly Kubernetes client;

    private LiveCluster(Kubernetes client, string server)
    {
        this.client = client;
        Server = server;
    }

    public string Server { get; }

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
        return new LiveCluster(new Kubernetes(config), config.Host);
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

    /// <summary>Creates each object, or replaces it (keeping its resourceVersion and a Service's cluster IPs) if it exists.</summary>
    public IReadOnlyList<string> Apply(IReadOnlyList<ManifestDocument> documents)
    {
        var lines = new List<string>();
        foreach (var document in documents)
        {
            if (document.Object is not IKubernetesObject<V1ObjectMeta> value)
            {
                continue;
            }

            var ns = ControlPlane.IsNamespaced(document.Kind) ? (string.IsNullOrEmpty(document.Namespace) ? "default" : document.Namespace) : null;
            var resource = Resource(document.ApiVersion, document.Kind);
            lines.Add(Call($"apply {document.Kind} \"{document.Name}\" ({document.Where})", () => value switch
            {
                V1Pod v => CreateOrReplace(resource, v, ns, document),
                V1Service v => CreateOrReplace(resource, v, ns, document),
                V1EndpointSlice v => CreateOrReplace(resource, v, ns, document),
                V1Deployment v => CreateOrReplace(resource, v, ns, document),
                V1ReplicaSet v => CreateOrReplace(resource, v, ns, document),
                V1ConfigMap v => CreateOrReplace(resource, v, ns, document),
                V1Namespace v => CreateOrReplace(resource, v, ns, document),
                _ => throw KubeLabException.Usage($"{document.Where}: {document.Kind} is not supported on a live cluster yet"),
            }));
        }

        return lines;
    }

    /// <summary>Deletes objects by kind, namespace and name; the API server's garbage collector takes what they own.</summary>
    public IReadOnlyList<string> Delete(IReadOnlyList<(string Kind, string Namespace, string Name)> targets, bool ignoreNotFound = false)
    {
        var lines = new List<string>();
        foreach (var (kind, objectNamespace, name) in targets)
        {
            var ns = ControlPlane.IsNamespaced(kind) ? (string.IsNullOrEmpty(objectNamespace) ? "default" : objectNamespace) : null;
            var resource = Resource(ApiVersionOf(kind), kind);
            var line = Call($"delete {kind} \"{name}\"", async () =>
            {
                try
                {
                    if (ns is null)
                    {
                        await resource.DeleteAsync<GenericObject>(name).ConfigureAwait(false);
                    }
                    else
                    {
                        await resource.DeleteNamespacedAsync<GenericObject>(ns, name).ConfigureAwait(false);
                    }

                    return $"{KubeObjects.ResourceName(kind, name)} deleted";
                }
                catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound && ignoreNotFound)
                {
                    return null;
                }
            });
            if (line is not null)
            {
                lines.Add(line);
            }
        }

        return lines;
    }

    public static string ApiVersionOf(string kind) => kind switch
    {
        "Deployment" or "ReplicaSet" => "apps/v1",
        "EndpointSlice" => "discovery.k8s.io/v1",
        _ => "v1",
    };

    public void Dispose() => client.Dispose();

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
            Delete([("Pod", ns, name)], ignoreNotFound: true);
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

    /// <summary>`kubectl create`, and on AlreadyExists `kubectl replace` with the live resourceVersion (and a Service's allocated cluster IPs).</summary>
    private static async Task<string> CreateOrReplace<T>(GenericClient resource, T value, string? ns, ManifestDocument document)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        try
        {
            if (ns is null)
            {
                await resource.CreateAsync(value).ConfigureAwait(false);
            }
            else
            {
                await resource.CreateNamespacedAsync(value, ns).ConfigureAwait(false);
            }

            return $"{KubeObjects.ResourceName(document.Kind, document.Name)} created";
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            var existing = ns is null
                ? await resource.ReadAsync<GenericObject>(document.Name).ConfigureAwait(false)
                : await resource.ReadNamespacedAsync<GenericObject>(ns, document.Name).ConfigureAwait(false);
            value.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
            if (value is V1Service { Spec: { } service } && existing.Spec is { } spec)
            {
                // Immutable once allocated: a replace without them would be refused.
                if (service.ClusterIP is null && spec.TryGetProperty("clusterIP", out var ip))
                {
                    service.ClusterIP = ip.GetString();
                }

                if (service.ClusterIPs is null && spec.TryGetProperty("clusterIPs", out var ips))
                {
                    service.ClusterIPs = [.. ips.EnumerateArray().Select(i => i.GetString()!)];
                }
            }

            if (ns is null)
            {
                await resource.ReplaceAsync(value, document.Name).ConfigureAwait(false);
            }
            else
            {
                await resource.ReplaceNamespacedAsync(value, ns, document.Name).ConfigureAwait(false);
            }

            return $"{KubeObjects.ResourceName(document.Kind, document.Name)} configured";
        }
    }

    private GenericClient Resource(string apiVersion, string kind)
    {
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        var (group, version) = slash < 0 ? ("", apiVersion) : (apiVersion[..slash], apiVersion[(slash + 1)..]);
        return new GenericClient(client, group, version, ControlPlane.Plural(kind), disposeClient: false);
    }

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
            var body = e.Response.Content;
            var message = body is { Length: > 0 } && body.TrimStart().StartsWith('{')
                ? KubernetesJson.Deserialize<V1Status>(body).Message ?? body
                : e.Message;
            throw KubeLabException.Host($"Error from server ({e.Response.StatusCode}) while trying to {what}: {message}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Net.Sockets.SocketException)
        {
            throw KubeLabException.Host(
                $"the API server at {Server} does not answer ({e.Message}) while trying to {what}; check that the cluster is running and the kubeconfig's server address is right");
        }
    }

    /// <summary>Enough of any object to read its metadata and a Service's cluster IPs.</summary>
    private sealed class GenericObject : IKubernetesObject<V1ObjectMeta>
    {
        public string ApiVersion { get; set; } = "";
        public string Kind { get; set; } = "";
        public V1ObjectMeta Metadata { get; set; } = new();
        public System.Text.Json.JsonElement? Spec { get; set; }
    }
}
