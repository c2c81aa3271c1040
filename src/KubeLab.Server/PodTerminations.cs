using KubeLab.Core;
using KubeLab.Core.Control;

namespace KubeLab.Server;

/// <summary>
/// The lab's kubelet side of graceful deletion, as time passes: whenever a terminating pod's containers are due to have
/// stopped (<see cref="ControlPlane.NextDue"/>), the pod's final deletion is committed (<see cref="ControlPlane.Sync"/>)
/// with the events it records; woken early by every published change.
/// </summary>
internal sealed class PodTerminations : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    public PodTerminations(ClusterFeed feed, ILabWriter writer, Func<DateTimeOffset> clock, TextWriter log) =>
        loop = Task.Run(() => RunAsync(feed, writer, clock, log, stop.Token));

    private static async Task RunAsync(ClusterFeed feed, ILabWriter writer, Func<DateTimeOffset> clock, TextWriter log, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var changed = feed.Changed;
            var due = feed.Current is { } state ? ControlPlane.NextDue(state) : null;
            var wait = due is null ? Timeout.InfiniteTimeSpan : due.Value - clock();
            if (due is null || wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.WhenAny(changed, Task.Delay(wait, stop));
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            try
            {
                var next = writer.Commit(current =>
                {
                    var result = ControlPlane.Sync(current, clock());
                    return ReferenceEquals(result.State, current) ? current : ClusterEvents.Store(result.State, result.Events, clock());
                });
                feed.Publish(next);
            }
            catch (Exception e) when (e is KubeLabException or IOException or UnauthorizedAccessException)
            {
                // the lab's store refused the change (locked, gone, disk full): the loop keeps going and tries again
                await log.WriteLineAsync($"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} [kubelet] error: finishing pod terminations: {e.Message}");
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try
        {
            await loop;
        }
        catch (OperationCanceledException)
        {
        }

        stop.Dispose();
    }
}
