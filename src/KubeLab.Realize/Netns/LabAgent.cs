using System.Globalization;
using System.Runtime.InteropServices;
using KubeLab.Core.Control;
using KubeLab.Core.Lab;
using KubeLab.Realize.Store;
using KubeLab.Realize.Workloads;

namespace KubeLab.Realize.Netns;

/// <summary>
/// What runs beside the agent's workloads and follows the same states: the lab's API server. Started once with
/// the first state (alongside the workloads), then handed every state the agent serves, before the agent reports
/// it ready.
/// </summary>
public interface IAgentCompanion : IAsyncDisposable
{
    Task StartAsync(ClusterState state, CancellationToken stop);

    void Publish(ClusterState state);
}

/// <summary>
/// The lab agent: one background process per lab. On a netns lab it serves the CoreDNS pod's DNS, the nginx pods'
/// HTTP and the underlay's resolver; on every lab it runs the companion (the API server); it reconciles them
/// whenever the driver hands it a new state.
/// </summary>
public static class LabAgent
{
    public static int Run(string lab, string labDir, CancellationToken stop, IAgentCompanion? companion = null)
    {
        // A first line before anything can block, so that a silent agent log means the process never ran.
        Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} [agent] process {Environment.ProcessId} started for lab {lab}");
        NetnsThread.WarmUpRuntime(); // before any namespace is entered: runtime threads stay in the root namespace
        var statePath = Path.Combine(labDir, AgentLauncher.StateFileName);
        // written whole (a temporary file renamed): `up` polls this file, and an empty one read between the truncation
        // and the write made it conclude that the agent had died ("did not become ready … its process has exited")
        PrivateFile.WriteAtomically(Path.Combine(labDir, AgentLauncher.PidFileName), Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
        using var logWriter = TextWriter.Synchronized(Console.Out);
        var log = new WorkloadLog(logWriter);
        log.Write("agent", $"lab {lab}: agent pid {Environment.ProcessId} starting");
        var options = new LabWorkloadOptions
        {
            PodNetns = pod => NetnsNames.Pod(lab, pod.Namespace, pod.Name),
            LabFolder = labDir,
            UnderlayNetns = NetnsNames.Underlay(lab),
            NodeNetns = node => NetnsNames.Node(lab, node),
            UseRealNginx = UseRealNginx(Environment.GetEnvironmentVariable(NginxVariable)),
            MaxRealNginxPods = MaxRealNginxPods(Environment.GetEnvironmentVariable(NginxVariable)),
        };
        using var terminated = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stopSource.Cancel();
        });
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, stopSource.Token);
        return RunAsync(statePath, labDir, options, companion, log, linked.Token).GetAwaiter().GetResult();
    }

    private static readonly CancellationTokenSource stopSource = new();

    /// <summary>
    /// KUBELAB_NGINX=builtin: nginx pods get the agent's built-in HTTP server (all pods in one process) instead of a
    /// real nginx each (two processes a pod, about 5 MiB resident each: big labs add up); =real: real nginx however
    /// many; unset: real nginx up to <see cref="DefaultMaxRealNginxPods"/> nginx pods, the built-in server beyond.
    /// Read from the agent's environment, which it inherits from `kubelab up`.
    /// </summary>
    public const string NginxVariable = "KUBELAB_NGINX";

    public static bool UseRealNginx(string? setting) => !string.Equals(setting, "builtin", StringComparison.OrdinalIgnoreCase);

    public const int DefaultMaxRealNginxPods = 64;

    public static int MaxRealNginxPods(string? setting) =>
        string.Equals(setting, "real", StringComparison.OrdinalIgnoreCase) ? int.MaxValue : DefaultMaxRealNginxPods;

    /// <summary>The agents running in this process, by lab folder: how the agent's own API server hands it a state.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Func<ClusterState, Task>> InProcess = new(StringComparer.Ordinal);

    /// <summary>
    /// When this process is the lab's agent (its API server is committing a change), serves <paramref name="state"/>
    /// here and now and returns true; other processes hand it over through the agent's state file.
    /// </summary>
    public static bool TryServeInProcess(string labDir, ClusterState state)
    {
        if (!InProcess.TryGetValue(InProcessKey(labDir), out var serve))
        {
            return false;
        }

        serve(state).GetAwaiter().GetResult();
        return true;
    }

    private static string InProcessKey(string labDir) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(labDir));

    private static async Task<int> RunAsync(string statePath, string labDir, LabWorkloadOptions? options, IAgentCompanion? companion, WorkloadLog log, CancellationToken stop)
    {
        var state = StateFile.Deserialize(await File.ReadAllTextAsync(statePath, stop), statePath);
        var stamp = File.GetLastWriteTimeUtc(statePath);
        // the API server and the workloads start side by side (each is mostly JIT and socket set-up); both are up
        // before the agent reports ready
        var api = companion?.StartAsync(state, stop) ?? Task.CompletedTask;
        // only a netns lab has namespaces for DNS and HTTP; a model-only lab's agent is its API server alone
        options = state.Config.Driver == "netns" ? options : null;
        var workloads = options is null ? null : await LabWorkloads.StartAsync(SnapshotBuilder.FromState(state), options, log, stop);
        await api;
        companion?.Publish(state);
        Report(labDir, state.Generation, workloads);

        // One state at a time, newest wins, from either door: the file other kubelab processes write, or the agent's
        // own API server (in this process: no file, no polling, no waiting for the next tick).
        var serving = new SemaphoreSlim(1, 1);
        var served = state.Generation;
        async Task Serve(ClusterState next)
        {
            await serving.WaitAsync(stop);
            try
            {
                if (next.Generation <= served)
                {
                    return;
                }

                if (workloads is not null)
                {
                    await workloads.ReconcileAsync(SnapshotBuilder.FromState(next), stop);
                }

                companion?.Publish(next);
                served = next.Generation;
                Report(labDir, next.Generation, workloads);
            }
            finally
            {
                serving.Release();
            }
        }

        var key = InProcessKey(labDir);
        InProcess[key] = Serve;
        try
        {
            await Loop();
        }
        finally
        {
            InProcess.TryRemove(key, out _);
        }

        async Task Loop()
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(50, stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                if (!File.Exists(statePath))
                {
                    log.Write("agent", "the lab's state is gone: stopping");
                    break;
                }

                var now = File.GetLastWriteTimeUtc(statePath);
                if (now == stamp)
                {
                    continue;
                }

                stamp = now;
                try
                {
                    await Serve(StateFile.Deserialize(await File.ReadAllTextAsync(statePath, stop), statePath));
                }
                catch (Exception e) when (e is IOException or KubeLab.Core.KubeLabException)
                {
                    log.Write("agent", $"reconcile failed, will retry: {e.Message}");
                    stamp = default;
                }
            }
        }

        log.Write("agent", "stopping workloads");
        // nginx processes stop first; the DNS library's receive loops may take seconds to notice, and the
        // process exit closes their sockets anyway, so waiting for them is bounded.
        if (workloads is not null)
        {
            await Task.WhenAny(workloads.DisposeAsync().AsTask(), Task.Delay(TimeSpan.FromMilliseconds(500), CancellationToken.None));
        }

        if (companion is not null)
        {
            await companion.DisposeAsync();
        }

        return 0;
    }

    /// <summary>agent.ready: the generation served; agent.children: the processes the agent started.</summary>
    private static void Report(string labDir, long generation, LabWorkloads? workloads)
    {
        var children = workloads is null ? [] : workloads.Running.Where(w => w.ProcessId is not null).Select(w => w.ProcessId!.Value.ToString(CultureInfo.InvariantCulture));
        File.WriteAllLines(Path.Combine(labDir, AgentLauncher.ChildrenFileName), children);
        var problems = workloads?.Problems ?? [];
        var temporary = Path.Combine(labDir, AgentLauncher.ReadyFileName + ".tmp");
        File.WriteAllText(temporary, generation.ToString(CultureInfo.InvariantCulture) + "\n" + string.Join('\n', problems));
        File.Move(temporary, Path.Combine(labDir, AgentLauncher.ReadyFileName), overwrite: true);
    }
}
