using System.Globalization;
using System.Text;

namespace KubeLab.Realize.Workloads;

/// <summary>
/// An nginx pod's container log: what the nginx image sends to the container's stdout (the access log) and stderr (the
/// error log), here the two files of the lab's real nginx, read as they grow and merged by time as the kubelet's log
/// merges the container's two streams.
/// </summary>
public sealed class NginxLog(string directory)
{
    private readonly Tail access = new(Path.Combine(directory, "access.log"), AccessTime);
    private readonly Tail error = new(Path.Combine(directory, "error.log"), ErrorTime);

    /// <summary>The folder the lab's nginx for <paramref name="netns"/> writes to (see NginxWorkload).</summary>
    public static string DirectoryFor(string labFolder, string netns) => Path.GetFullPath(Path.Combine(labFolder, "nginx", netns));

    /// <summary>Complete lines written since the last call, oldest first (a line's time is the one nginx wrote in it).</summary>
    public IReadOnlyList<(DateTimeOffset Time, string Line)> ReadNew() =>
        [.. error.ReadNew().Concat(access.ReadNew()).OrderBy(l => l.Time)]; // OrderBy is stable: each file keeps its order

    // 10.42.0.9 - - [03/Dec/2026:11:40:00 +0000] "GET / HTTP/1.1" 200 ...
    private static DateTimeOffset? AccessTime(string line)
    {
        var open = line.IndexOf('[', StringComparison.Ordinal);
        var close = open < 0 ? -1 : line.IndexOf(']', open);
        return close > open && DateTimeOffset.TryParseExact(line[(open + 1)..close], "dd/MMM/yyyy:HH:mm:ss zzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
            ? time
            : null;
    }

    // 2026/12/03 11:40:00 [notice] 17#17: start worker processes (nginx writes local time; the lab's is UTC)
    private static DateTimeOffset? ErrorTime(string line) =>
        line.Length >= 19 && DateTimeOffset.TryParseExact(line[..19], "yyyy/MM/dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var time)
            ? time
            : null;

    /// <summary>A file read from where the last read stopped, whole lines only.</summary>
    private sealed class Tail(string file, Func<string, DateTimeOffset?> timeOf)
    {
        private long offset;
        private string partial = "";
        private DateTimeOffset last = DateTimeOffset.MinValue;

        public IEnumerable<(DateTimeOffset Time, string Line)> ReadNew()
        {
            if (!File.Exists(file))
            {
                return [];
            }

            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length < offset)
            {
                offset = 0; // the file was cut (log rotation): start again
            }

            stream.Seek(offset, SeekOrigin.Begin);
            var bytes = new byte[stream.Length - offset];
            stream.ReadExactly(bytes);
            offset += bytes.Length;
            var text = partial + Encoding.UTF8.GetString(bytes);
            var end = text.LastIndexOf('\n');
            partial = end < 0 ? text : text[(end + 1)..];
            if (end < 0)
            {
                return [];
            }

            var lines = new List<(DateTimeOffset, string)>();
            foreach (var line in text[..end].Split('\n'))
            {
                // a line without its own time (a continuation) keeps the previous one's
                last = timeOf(line) ?? last;
                lines.Add((last, line));
            }

            return lines;
        }
    }
}
