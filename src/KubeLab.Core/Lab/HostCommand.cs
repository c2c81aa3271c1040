namespace KubeLab.Core.Lab;

/// <summary>One host command of a plan, with optional standard input; printable for --dry-run and errors.</summary>
public sealed record HostCommand(string File, IReadOnlyList<string> Args, string? Stdin = null, string? Comment = null)
{
    public static HostCommand Ip(string? netns, params string[] args) =>
        new("ip", netns is null ? args : ["-n", netns, .. args]);

    /// <summary>Many `ip` commands in one process: `ip -n NS -batch -`.</summary>
    public static HostCommand IpBatch(string netns, IEnumerable<string> lines, string? comment = null) =>
        new("ip", ["-n", netns, "-batch", "-"], string.Concat(lines.Select(l => l + "\n")), comment);

    /// <summary>
    /// Adds or deletes many named namespaces in one process (`ip -batch -` with `netns add|del NAME` lines): one fork
    /// instead of one per namespace. With <paramref name="force"/>, a failing line does not stop the rest.
    /// </summary>
    public static HostCommand NetnsBatch(string verb, IEnumerable<string> names, bool force = false, string? comment = null) =>
        new("ip", force ? ["-force", "-batch", "-"] : ["-batch", "-"], string.Concat(names.Select(n => $"netns {verb} {n}\n")), comment);

    public static HostCommand BridgeBatch(string netns, IEnumerable<string> lines) =>
        new("bridge", ["-n", netns, "-batch", "-"], string.Concat(lines.Select(l => l + "\n")));

    public static HostCommand InNetns(string netns, string file, params string[] args) =>
        new("ip", ["netns", "exec", netns, file, .. args]);

    /// <summary>The command as a shell line (with its input as a here-document, cut after <paramref name="maxInputLines"/> lines).</summary>
    public string ToShell(int maxInputLines = int.MaxValue)
    {
        var line = string.Join(' ', new[] { File }.Concat(Args).Select(Quote));
        if (Stdin is null)
        {
            return line;
        }

        var lines = Stdin.TrimEnd('\n').Split('\n');
        var input = lines.Length <= maxInputLines
            ? string.Join('\n', lines)
            : string.Join('\n', lines.Take(maxInputLines)) + $"\n# ... {lines.Length - maxInputLines} more lines of input";
        return $"{line} <<'EOF'\n{input}\nEOF";
    }

    private static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,+@%".Contains(c, StringComparison.Ordinal))
            ? word
            : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
