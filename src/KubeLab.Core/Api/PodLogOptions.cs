using System.Globalization;

namespace KubeLab.Core.Api;

/// <summary>
/// The pods/log query (PodLogOptions: follow, tailLines, sinceSeconds, sinceTime, timestamps, limitBytes) and what it
/// selects from a container's lines, as the kubelet reads a container's log: since first, then the last tailLines,
/// each line prefixed with its time (fixed nine fractional digits) when timestamps are asked for.
/// </summary>
public sealed record PodLogOptions(bool Follow, int? TailLines, TimeSpan? SinceSeconds, DateTimeOffset? SinceTime, bool Timestamps, long? LimitBytes)
{
    public static PodLogOptions Parse(Func<string, string?> query)
    {
        bool Flag(string name) => query(name) is "true" or "1" or "True";
        long? Number(string name, long min)
        {
            if (query(name) is not { Length: > 0 } text)
            {
                return null;
            }

            if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                throw ApiStatusException.BadRequest($"{name}: Invalid value: \"{text}\": must be an integer");
            }

            // the API server's PodLogOptions validation (a BadRequest)
            return value < min ? throw ApiStatusException.BadRequest($"{name}: Invalid value: {value}: must be {(min == 0 ? "greater than or equal to 0" : "greater than 0")}") : value;
        }

        var tail = Number("tailLines", 0);
        var since = Number("sinceSeconds", 1);
        DateTimeOffset? sinceTime = null;
        if (query("sinceTime") is { Length: > 0 } sinceText)
        {
            if (!DateTimeOffset.TryParse(sinceText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                throw ApiStatusException.BadRequest($"sinceTime: Invalid value: \"{sinceText}\": must be an RFC 3339 time");
            }

            sinceTime = parsed;
        }

        if (since is not null && sinceTime is not null)
        {
            throw ApiStatusException.BadRequest("[]: Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified");
        }

        return new PodLogOptions(Flag("follow"), tail is null ? null : (int)Math.Min(tail.Value, int.MaxValue), since is null ? null : TimeSpan.FromSeconds(since.Value),
            sinceTime, Flag("timestamps"), Number("limitBytes", 1));
    }

    /// <summary>The first answer: the lines since the cut-off, the last TailLines of them, formatted.</summary>
    public IReadOnlyList<string> FirstLines(IReadOnlyList<(DateTimeOffset Time, string Line)> lines, DateTimeOffset now)
    {
        var from = SinceTime ?? (SinceSeconds is { } seconds ? now - seconds : DateTimeOffset.MinValue);
        var selected = lines.Where(l => l.Time >= from).ToList();
        if (TailLines is { } tail && selected.Count > tail)
        {
            selected = selected[^tail..];
        }

        return selected.Select(Format).ToList();
    }

    /// <summary>Lines that came while following: all of them.</summary>
    public IReadOnlyList<string> NextLines(IReadOnlyList<(DateTimeOffset Time, string Line)> lines) => lines.Select(Format).ToList();

    private string Format((DateTimeOffset Time, string Line) line) =>
        Timestamps
            ? line.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture) + "00Z " + line.Line + "\n"
            : line.Line + "\n";
}
