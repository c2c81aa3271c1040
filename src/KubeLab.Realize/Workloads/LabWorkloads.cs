using System.Net;
using KubeLab.Core.Model;

namespace KubeLab.Realize.Workloads;

/// <summary>What KubeLab runs for a pod (images are emulated).</summary>
public enum WorkloadKind
{
    None,
    /// <summary>kube-system pods labelled <c>k8s-app=kube-dns</c>: CoreDNS's kubernetes-plugin answers.</summary>
    CoreDns,
    /// <summary>Pods whose first image is nginx: the real nginx where installed.</summary>
    Nginx,
    /// <summary>Pods whose first image is nginx, on a machine without nginx: the built-in page.</summary>
    BuiltinHttp,
    /// <summary>The lab's underlay resolver (multipass's dnsmasq).</summary>
    UnderlayDns,
    /// <summary>Pods whose first image is hashicorp/http-echo: its text on its -listen port.</summary>
    HttpEcho,
    /// <summary>Pods whose first image is a whoami (traefik/whoami): the pod and the request, on its -port.</summary>
    Whoami,
    /// <summary>Pods whose first image is Traefik: 404 on its web entrypoint, as a Traefik without routes.</summary>
    Traefik,
}

/// <summary>How the lab agent finds namespaces and folders.</summary>
public sealed record LabWorkloadOptions
{
    /// <summary>The network namespace of a pod (the netns realiser's naming).</summary>
    public required Func<Pod, string> PodNetns { get; init; }

    /// <summary>The lab's folder; nginx's files go under <c>&lt;folder&gt;/nginx/&lt;netns&gt;/</c>.</summary>
    public required string LabFolder { get; init; }

    /// <summary>The underlay namespace; when set, the underlay DNS serves on the lab's gateway address there.</summary>
    public string? UnderlayNetns { get; init; }

    /// <summary>A node's network namespace; when set (with <see cref="UnderlayNetns"/>), each node gets systemd-resolved's stub on 127.0.0.53.</summary>
    public Func<string, string>? NodeNetns { get; init; }

    /// <summary>CoreDNS's upstream (<c>forward . /etc/resolv.conf</c>); defaults to the gateway's port 53 when the underlay DNS runs.</summary>
    public IPEndPoint? CoreDnsUpstream { get; init; }

    public string NginxBinary { get; init; } = NginxWorkload.DefaultBinary;

    /// <summary>False: always the built-in server, even where nginx is installed.</summary>
    public bool UseRealNginx { get; init; } = true;

    /// <summary>
    /// Above this many nginx pods, every nginx pod gets the built-in server: a real nginx costs two processes of
    /// about 5 MiB each, so a few hundred would pass the lab's 1 GiB memory budget (docs/benchmarks.md).
    /// </summary>
    public int MaxRealNginxPods { get; init; } = int.MaxValue;
}

/// <summary>One running workload.</summary>
public sealed record RunningWorkload(WorkloadKind Kind, string PodKey, string Netns, IPAddress Address, int? ProcessId);

/// <summary>
/// The lab agent's workloads, reconciled against the cluster snapshot: the CoreDNS pod's DNS server, an HTTP server
/// per nginx pod, and the underlay resolver. <see cref="ReconcileAsync"/> starts what is new, stops what is gone, and
/// hands the DNS servers the new snapshot. Failures are logged and kept in <see cref="Problems"/>; the rest keeps running.
/// </summary>
public sealed class LabWorkloads : IAsyncDisposable
{
    private readonly LabWorkloadOptions options;
    private readonly WorkloadLog log;
    private readonly Dictionary<string, (RunningWorkload Info, IAsyncDisposable Handle)> pods = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly List<string> problems = [];
    private (DnsWorkload Server, RunningWorkload Info)? dns;
    private UnderlayDns? underlay;
    private IReadOnlyList<RunningWorkload> running = [];

    private LabWorkloads(LabWorkloadOptions options, WorkloadLog log)
    {
        this.options = options;
        this.log = log;
    }

    /// <summary>What runs now (updated at the end of each reconcile).</summary>
    public IReadOnlyList<RunningWorkload> Running => Volatile.Read(ref running);

    /// <summary>Workloads that failed to start or stop, with the reason.</summary>
    public IReadOnlyList<string> Problems
    {
        get
        {
            lock (problems)
            {
                return [.. problems];
            }
        }
    }

    /// <summary>The CoreDNS pod's server, if the cluster has one.</summary>
    public DnsWorkload? Dns => dns?.Server;

    public static async Task<LabWorkloads> StartAsync(ClusterSnapshot snapshot, LabWorkloadOptions options, WorkloadLog log, CancellationToken cancellationToken = default)
    {
        var workloads = new LabWorkloads(options, log);
        await workloads.ReconcileAsync(snapshot, cancellationToken).ConfigureAwait(false);
        return workloads;
    }

    /// <summary>The workload KubeLab emulates for <paramref name="pod"/>, or None.</summary>
    public static WorkloadKind KindOf(Pod pod, bool nginxInstalled)
    {
        if (pod.IP is null || pod.HostNetwork || pod.Terminating || pod.Phase != PodPhase.Running)
        {
            return WorkloadKind.None;
        }

        if (pod.Namespace == "kube-system" && pod.Labels.TryGetValue("k8s-app", out var app) && app == "kube-dns")
        {
            return WorkloadKind.CoreDns;
        }

        return ImageEmulation.Of(pod).Kind switch
        {
            EmulatedImage.Nginx => nginxInstalled ? WorkloadKind.Nginx : WorkloadKind.BuiltinHttp,
            EmulatedImage.HttpEcho => WorkloadKind.HttpEcho,
            EmulatedImage.Whoami => WorkloadKind.Whoami,
            EmulatedImage.Traefik => WorkloadKind.Traefik,
            _ => WorkloadKind.None,
        };
    }

    /// <summary><c>nginx</c>, <c>nginx:1.25</c>, <c>docker.io/library/nginx@sha256:…</c>, <c>nginxinc/nginx-unprivileged</c>.</summary>
    public static bool IsNginxImage(string image) => ImageEmulation.Repository(image).StartsWith("nginx", StringComparison.OrdinalIgnoreCase);

    public async Task ReconcileAsync(ClusterSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ReconcileUnderlay(snapshot);
            ReconcileDns(snapshot);
            await ReconcileHttpAsync(snapshot, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            PublishRunning();
            gate.Release();
        }
    }

    private void PublishRunning()
    {
        var list = pods.Values.Select(p => p.Info).ToList();
        if (dns is { } d)
        {
            list.Add(d.Info);
        }

        Volatile.Write(ref running, list.OrderBy(w => w.PodKey, StringComparer.Ordinal).ToList());
    }

    private void ReconcileUnderlay(ClusterSnapshot snapshot)
    {
        if (options.UnderlayNetns is not { } netns)
        {
            return;
        }

        if (underlay is not null)
        {
            underlay.Reconcile(snapshot.Nodes, snapshot.Config.HostSearchDomain ?? LabDefaults.HostSearchDomain);
        }
        else
        {
            Try($"underlay DNS in {netns}", () => underlay = UnderlayDns.Start(netns, snapshot.Config.Gateway, snapshot.Nodes, log,
                snapshot.Config.HostSearchDomain ?? LabDefaults.HostSearchDomain,
                hostResolver: snapshot.Config.UpstreamDns ? HostResolver.FromSystem() : null));
        }

        if (underlay is { } running && options.NodeNetns is { } nodeNetns)
        {
            foreach (var node in snapshot.Nodes)
            {
                Try($"systemd-resolved stub in {nodeNetns(node.Name)}", () => running.AddNodeStub(nodeNetns(node.Name)));
            }
        }
    }

    private void ReconcileDns(ClusterSnapshot snapshot)
    {
        var pod = snapshot.Pods.Where(p => KindOf(p, nginxInstalled: false) == WorkloadKind.CoreDns)
            .OrderBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault();
        var wanted = pod is null ? null : new RunningWorkload(WorkloadKind.CoreDns, pod.Key, options.PodNetns(pod), pod.IP!, null);
        if (dns is { } current && current.Info == wanted)
        {
            current.Server.Reconcile(snapshot);
            return;
        }

        if (dns is { } old)
        {
            old.Server.Dispose();
            dns = null;
        }

        if (wanted is null)
        {
            return;
        }

        var upstream = options.CoreDnsUpstream ?? (options.UnderlayNetns is null ? null : new IPEndPoint(snapshot.Config.Gateway, 53));
        Try($"CoreDNS for pod {wanted.PodKey} in {wanted.Netns}", () =>
            dns = (DnsWorkload.Start(new DnsWorkloadOptions { Netns = wanted.Netns, Upstream = upstream }, snapshot, log), wanted));
    }

    private async Task ReconcileHttpAsync(ClusterSnapshot snapshot, CancellationToken cancellationToken)
    {
        var realNginx = options.UseRealNginx && NginxWorkload.IsInstalled(options.NginxBinary)
            && snapshot.Pods.Count(p => p.IP is not null && IsNginxImage(p.Image)) <= options.MaxRealNginxPods;
        var wanted = new Dictionary<string, (RunningWorkload Info, Pod Pod)>(StringComparer.Ordinal);
        foreach (var pod in snapshot.Pods)
        {
            var kind = KindOf(pod, realNginx);
            if (kind is WorkloadKind.Nginx or WorkloadKind.BuiltinHttp or WorkloadKind.HttpEcho or WorkloadKind.Whoami or WorkloadKind.Traefik)
            {
                wanted[pod.Key] = (new RunningWorkload(kind, pod.Key, options.PodNetns(pod), pod.IP!, null), pod);
            }
        }

        foreach (var (key, running) in pods.ToList())
        {
            if (!wanted.TryGetValue(key, out var want) || want.Info != (running.Info with { ProcessId = null }))
            {
                await StopAsync(running.Info, running.Handle).ConfigureAwait(false);
                pods.Remove(key);
            }
        }

        // Started a few at a time: each nginx costs an `ip netns exec`, its start-up and a probe (tens of ms, mostly
        // waiting), so a lab with hundreds of nginx pods would otherwise wait for them one by one.
        using var throttle = new SemaphoreSlim(StartConcurrency);
        var starts = wanted.Where(w => !pods.ContainsKey(w.Key)).OrderBy(w => w.Key, StringComparer.Ordinal)
            .Select(w => StartHttpAsync(w.Key, w.Value.Info, w.Value.Pod, throttle, cancellationToken)).ToList();
        try
        {
            await Task.WhenAll(starts).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // keep those that did start, so that they are stopped with the rest
        }

        foreach (var start in starts.Where(t => t.IsCompletedSuccessfully))
        {
            if (start.Result is (var key, { } value))
            {
                pods[key] = value;
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>The pod's addresses in interface order, as Go's net.Interfaces and Addrs list them (`ip -o addr show` in the pod's namespace).</summary>
    private static async Task<IReadOnlyList<string>> PodAddressesAsync(string netns, CancellationToken cancellationToken)
    {
        var start = new System.Diagnostics.ProcessStartInfo("ip") { ArgumentList = { "-n", netns, "-o", "addr", "show" }, RedirectStandardOutput = true, UseShellExecute = false };
        using var process = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException($"could not run: ip -n {netns} -o addr show");
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        // "1: lo    inet 127.0.0.1/8 scope host lo\ ..." → 127.0.0.1
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(words => Array.FindIndex(words, w => w is "inet" or "inet6") is >= 0 and var i && i + 1 < words.Length ? words[i + 1].Split('/')[0] : null)
            .OfType<string>()];
    }

    /// <summary>How many HTTP workloads start at once.</summary>
    private const int StartConcurrency = 8;

    private async Task<(string Key, (RunningWorkload Info, IAsyncDisposable Handle)? Started)> StartHttpAsync(
        string key, RunningWorkload info, Pod pod, SemaphoreSlim throttle, CancellationToken cancellationToken)
    {
        await throttle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (info.Kind == WorkloadKind.Nginx)
            {
                var nginx = await NginxWorkload.StartAsync(info.Netns, pod.Name, info.Address, options.LabFolder, log, options.NginxBinary,
                    cancellationToken: cancellationToken).ConfigureAwait(false);
                return (key, (info with { ProcessId = nginx.ProcessId }, nginx));
            }

            var emulation = ImageEmulation.Of(pod);
            return info.Kind switch
            {
                WorkloadKind.HttpEcho => (key, (info, HttpWorkload.Start(info.Netns, pod.Name, info.Address, log, emulation.Port,
                    EchoResponders.HttpEcho(emulation.Text, emulation.StatusCode, () => DateTimeOffset.UtcNow), "hashicorp/http-echo"))),
                WorkloadKind.Traefik => (key, (info, HttpWorkload.Start(info.Netns, pod.Name, info.Address, log, emulation.Port,
                    EchoResponders.GoNotFound(() => DateTimeOffset.UtcNow), "traefik"))),
                WorkloadKind.Whoami => (key, (info, HttpWorkload.Start(info.Netns, pod.Name, info.Address, log, emulation.Port,
                    EchoResponders.Whoami(pod.Hostname ?? pod.Name, emulation.Name, await PodAddressesAsync(info.Netns, cancellationToken).ConfigureAwait(false), () => DateTimeOffset.UtcNow), "whoami"))),
                _ => (key, (info, HttpWorkload.Start(info.Netns, pod.Name, info.Address, log))),
            };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Problem($"{info.Kind} for pod {key} in {info.Netns}", e);
            return (key, null);
        }
        finally
        {
            throttle.Release();
        }
    }

    private async Task StopAsync(RunningWorkload info, IAsyncDisposable handle)
    {
        try
        {
            await handle.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Problem($"stopping {info.Kind} for pod {info.PodKey}", e);
        }
    }

    private void Try(string what, Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            Problem(what, e);
        }
    }

    private void Problem(string what, Exception e)
    {
        var text = $"{what}: {e.Message}";
        lock (problems)
        {
            problems.Add(text);
        }

        log.Write("agent", "failed: " + text);
    }

    public async ValueTask DisposeAsync()
    {
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            // all at once: each nginx needs a SIGTERM and a wait for its exit
            await Task.WhenAll(pods.Values.Select(p => StopAsync(p.Info, p.Handle))).ConfigureAwait(false);
            pods.Clear();
            dns?.Server.Dispose();
            dns = null;
            underlay?.Dispose();
            underlay = null;
        }
        finally
        {
            PublishRunning();
            gate.Release();
        }
    }
}
