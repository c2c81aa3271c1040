using System.Globalization;
using KubeLab.Core.Lab;

namespace KubeLab.Realize.Netns;

/// <summary>
/// A lab's processes found without its state: the agent by its command line (`agent --name LAB --dir FOLDER`),
/// anything the agent started by the marker it inherits in its environment (<see cref="MarkerVariable"/>=FOLDER),
/// and anything running in one of the lab's network namespaces (any thread's /proc/PID/task/TID/ns/net against the
/// namespaces' inodes), such as an nginx whose agent died. Reads /proc only; ends processes by their ids.
/// </summary>
public static class LabProcesses
{
    /// <summary>Set in the agent's environment (and so in every process it starts) to the lab's folder.</summary>
    public const string MarkerVariable = "KUBELAB_LAB_DIR";

    /// <summary>The ids of the lab's processes (never this process).</summary>
    public static IReadOnlyList<int> Find(string lab, string labDir, IReadOnlySet<string> namespaceLinks)
    {
        var folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(labDir));
        var marker = $"{MarkerVariable}={folder}";
        var agentArgs = new[] { "agent", "--name", lab, "--dir", folder };
        var found = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            if (IsAgent(Read($"{entry}/cmdline").Split('\0'), agentArgs)
                || Read($"{entry}/environ").Split('\0').Contains(marker, StringComparer.Ordinal)
                || (namespaceLinks.Count > 0 && InNamespaces(entry, namespaceLinks)))
            {
                found.Add(pid);
            }
        }

        return found;
    }

    /// <summary>The "net:[INODE]" link of each network namespace mounted at <paramref name="paths"/> (as /proc/PID/ns/net reads).</summary>
    public static IReadOnlySet<string> NamespaceLinks(ICommandRunner run, IReadOnlyList<string> paths)
    {
        if (paths.Count == 0)
        {
            return new HashSet<string>();
        }

        // stat of an nsfs bind mount gives the namespace's inode, the number /proc/PID/ns/net links to
        var result = run.Run(new HostCommand("stat", ["-L", "-c", "%i", .. paths]), check: false);
        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(inode => $"net:[{inode}]").ToHashSet(StringComparer.Ordinal);
    }

    private static bool IsAgent(string[] argv, string[] agentArgs)
    {
        for (var i = 0; i + agentArgs.Length <= argv.Length; i++)
        {
            if (argv.AsSpan(i, agentArgs.Length).SequenceEqual(agentArgs))
            {
                return true;
            }
        }

        return false;
    }

    private static bool InNamespaces(string processDir, IReadOnlySet<string> links)
    {
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"{processDir}/task"))
            {
                if (Link($"{task}/ns/net") is { } link && links.Contains(link))
                {
                    return true;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // the process ended while we looked
        }

        return false;
    }

    private static string? Link(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>SIGTERM to all, one shared wait (up to 3 s), then SIGKILL to what is left, and a wait until they are gone.</summary>
    public static void End(IReadOnlyList<int> pids)
    {
        var alive = pids.Where(Alive).ToList();
        foreach (var pid in alive)
        {
            LibC.Kill(pid, 15);
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        while ((alive = alive.Where(Alive).ToList()).Count > 0 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(5);
        }

        foreach (var pid in alive)
        {
            LibC.Kill(pid, 9);
        }

        var gone = DateTime.UtcNow + TimeSpan.FromSeconds(2);
        while (alive.Any(Alive) && DateTime.UtcNow < gone)
        {
            Thread.Sleep(5);
        }
    }

    /// <summary>
    /// Gone or a zombie: the agent's parent is init (setsid), which reaps it in its own time, so a process that has
    /// exited can linger as 'Z' in /proc.
    /// </summary>
    public static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].TrimStart();
            return state.Length > 0 && state[0] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }
}
