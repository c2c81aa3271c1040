using System.Diagnostics;
using System.Globalization;

namespace KubeLab.Cli;

/// <summary>
/// With KUBELAB_TIMINGS=1 a command prints how long each of its phases took, wall and CPU (and the process's time since start,
/// the GC's counts and its pauses so far) on stderr, for the benchmarks in docs/benchmarks.md; otherwise it does nothing.
/// </summary>
internal sealed class PhaseTimings
{
    private readonly TextWriter? _err;
    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private TimeSpan _cpu = Process.GetCurrentProcess().TotalProcessorTime;

    private PhaseTimings(TextWriter? err) => _err = err;

    public static PhaseTimings FromEnvironment(TextWriter err) =>
        new(Environment.GetEnvironmentVariable("KUBELAB_TIMINGS") is "1" ? err : null);

    public void Mark(string phase)
    {
        if (_err is null)
        {
            return;
        }

        var process = Process.GetCurrentProcess();
        var sinceStart = DateTime.Now - process.StartTime;
        var cpu = process.TotalProcessorTime;
        _err.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"timing: {phase} {_watch.Elapsed.TotalMilliseconds:F0} ms, CPU {(cpu - _cpu).TotalMilliseconds:F0} ms (process {sinceStart.TotalMilliseconds:F0} ms, GCs {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)} pausing {GC.GetTotalPauseDuration().TotalMilliseconds:F0} ms, heap {GC.GetTotalMemory(false) >> 20} MiB, allocated {GC.GetTotalAllocatedBytes() >> 20} MiB)"));
        _cpu = cpu;
        _watch.Restart();
    }
}
