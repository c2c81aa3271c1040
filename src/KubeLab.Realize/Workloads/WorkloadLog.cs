using System.Globalization;

namespace KubeLab.Realize.Workloads;

/// <summary>A thread-safe line log for the lab agent's workloads: <c>2026-11-26T18:00:00.123Z [dns coredns] text</c>.</summary>
public sealed class WorkloadLog
{
    private readonly TextWriter writer;
    private readonly TimeProvider clock;

    public WorkloadLog(TextWriter writer, TimeProvider? clock = null)
    {
        this.writer = TextWriter.Synchronized(writer);
        this.clock = clock ?? TimeProvider.System;
    }

    /// <summary>A log that writes nowhere.</summary>
    public static WorkloadLog Null { get; } = new(TextWriter.Null);

    public void Write(string source, string text)
    {
        var stamp = clock.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        try
        {
            writer.WriteLine($"{stamp} [{source}] {text}");
            writer.Flush();
        }
        catch (ObjectDisposedException)
        {
            // the agent is shutting down
        }
    }
}
