namespace KubeLab.Realize.Netns;

/// <summary>
/// Finds a command's program before `ip netns exec` runs it (ip exits 1 whatever went wrong), so that a
/// missing program exits 127 and one that cannot run exits 126, as shells do and as kubectl reports a
/// container runtime's failed exec ("command terminated with exit code 126/127").
/// </summary>
public static class ExecutableLookup
{
    public const int NotFound = 127;
    public const int NotExecutable = 126;

    /// <summary>Null when the program can run; else the exit code and runc's words for the failure.</summary>
    public static (int ExitCode, string Message)? Check(string program, string? path)
    {
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(program)
                ? IsExecutable(program) ? null : (NotExecutable, $"exec: \"{program}\": permission denied")
                : Directory.Exists(program)
                    ? (NotExecutable, $"exec: \"{program}\": is a directory")
                    : (NotFound, $"exec: \"{program}\": stat {program}: no such file or directory");
        }

        foreach (var dir in (path ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate) && IsExecutable(candidate))
            {
                return null;
            }
        }

        return (NotFound, $"exec: \"{program}\": executable file not found in $PATH");
    }

    private static bool IsExecutable(string file) =>
        OperatingSystem.IsWindows()
        || (File.GetUnixFileMode(file) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
}
