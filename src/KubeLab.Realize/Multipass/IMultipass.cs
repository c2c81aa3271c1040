namespace KubeLab.Realize.Multipass;

/// <summary>A VM as `multipass info/list --format json` reports it; keys a given release lacks are null.</summary>
public sealed record MultipassInstance(string Name, string State, IReadOnlyList<string> IPv4, int? CpuCount = null, long? MemoryTotal = null, string? Release = null)
{
    /// <summary>"Running" today; very old releases printed "RUNNING".</summary>
    public bool IsRunning => string.Equals(State, "Running", StringComparison.OrdinalIgnoreCase);
}

/// <summary>What a multipass command printed and returned.</summary>
public sealed record MultipassResult(int ExitCode, string StandardOutput, string StandardError)
{
    public bool Ok => ExitCode == 0;

    /// <summary>multipass's exit code when `--timeout` ran out (the VM usually keeps booting).</summary>
    public const int TimeoutExitCode = 5;
}

/// <summary>The multipass CLI, one method per subcommand KubeLab uses.</summary>
public interface IMultipass
{
    /// <summary>The executable run (for messages).</summary>
    string Executable { get; }

    /// <summary>`multipass version`; null when multipass cannot be run.</summary>
    string? Version();

    MultipassResult Launch(string name, int cpus, string memory, string disk, string cloudInitPath, int timeoutSeconds, string image);

    /// <summary>`multipass info NAME... --format json`: the instances that exist (absent names are missing from the map).</summary>
    IReadOnlyDictionary<string, MultipassInstance> Info(IReadOnlyList<string> names);

    /// <summary>`multipass list --format json`.</summary>
    IReadOnlyList<MultipassInstance> List();

    /// <summary>`multipass exec NAME -- COMMAND...`, with optional standard input (never shown in messages).</summary>
    MultipassResult Exec(string name, IReadOnlyList<string> command, string? stdin = null);

    MultipassResult Transfer(string source, string destination);

    /// <summary>`multipass delete --purge NAME...`: deletes and purges only these instances.</summary>
    MultipassResult DeleteAndPurge(IReadOnlyList<string> names);

    /// <summary>`multipass purge`: every deleted instance, also other people's; KubeLab does not use it.</summary>
    MultipassResult Purge();
}
