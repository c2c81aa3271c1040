using System.Globalization;
using System.Runtime.InteropServices;
using KubeLab.Core.Control;
using KubeLab.Core.Lab;
using KubeLab.Realize.Store;
using KubeLab.Realize.Workloads;

namespace KubeLab.Realize.Netns;

/// <summary>
/// The lab agent: one background process per netns lab. It serves the CoreDNS pod's DNS, the nginx pods'
/// HTTP and the underlay's resolver, and reconciles them whenever the driver hands it a new state.
/// </summary>
public static class LabAgent
{
    public static int Run(string lab, string labDir, CancellationToken stop)
    {
        // A first line before anything can block, so that a silent agent log means the process never ran.
        Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} [agent] process {Environment.ProcessId} started for lab {lab}");
        NetnsThread.WarmUpRuntime(); // before any namespace is entered: runtime threads stay in the root namespace
        var statePath = Path.Combine(labDir, AgentLauncher.StateFileName);
        File.WriteAllText(Path.Combine(labDir, AgentLauncher.PidFileName), Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
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
        return RunAsync(statePath, labDir, options, log, linked.Token).GetAwaiter().GetResult();
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

    private static async Task<int> RunAsync(string statePath, string labDir, LabWorkloadOptions options, WorkloadLog log, CancellationToken stop)
    {
        var state = StateFile.Deserialize(await File.ReadAllTextAsync(statePath, stop), statePath);
        var stamp = File.GetLastWriteTimeUtc(statePath);
        var workloads = await LabWorkloads.StartAsync(SnapshotBuilder.FromState(state), options, log, stop);
        Report(labDir, state.Generation, workloads);
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
                state = StateFile.Deserialize(await File.ReadAllTextAsync(statePath, stop), statePath);
                await workloads.ReconcileAsync(SnapshotBuilder.FromState(state), stop);
                Report(labDir, state.Generation, workloads);
            }
            catch (Exception e) when (e is IOException or KubeLab.Core.KubeLabException)
            {
                log.Write("agent", $"reconcile failed, will retry: {e.Message}");
                stamp = default;
            }
        }

        log.Write("agent", "stopping workloads");
        // nginx processes stop first; the DNS library's receive loops may take seconds to notice, and the
        // process exit closes their sockets anyway, so waiting for them is bounded.
        await Task.WhenAny(workloads.DisposeAsync().AsTask(), Task.Delay(TimeSpan.FromMilliseconds(500), CancellationToken.None));
        return 0;
    }

    /// <summary>agent.ready: the generation served; agent.children: the processes the agent started.</summary>
    private static void Report(string labDir, long generation, LabWorkloads workloads)
    {
        var children = workloads.Running.Where(w => w.ProcessId is not null).Select(w => w.ProcessId!.Value.ToString(CultureInfo.InvariantCulture));
        File.WriteAllLines(Path.Combine(labDir, AgentLauncher.ChildrenFileName), children);
        var problems = workloads.Problems;
        var temporary = Path.Combine(labDir, AgentLauncher.ReadyFileName + ".tmp");
        File.WriteAllText(temporary, generation.ToString(CultureInfo.InvariantCulture) + "\n" + string.Join('\n', problems));
        File.Move(temporary, Path.Combine(labDir, AgentLauncher.ReadyFileName), overwrite: true);
    }
}
