using System.Diagnostics;
using System.Globalization;
using KubeLab.Core;
using KubeLab.Core.Control;
using KubeLab.Realize.Store;

namespace KubeLab.Realize.Netns;

/// <summary>
/// Runs the lab agent as a background process of its own session (`setsid`), with its log in the lab's
/// folder. It is handed the desired state through agent-state.json and reports what it serves through
/// agent.ready; it records its pid and its children's (nginx) so that `down` ends exactly those.
/// </summary>
public sealed class AgentLauncher(IReadOnlyList<string> agentCommand) : IAgentLauncher
{
    public const string StateFileName = "agent-state.json";
    public const string ReadyFileName = "agent.ready";
    public const string PidFileName = "agent.pid";
    public const string ChildrenFileName = "agent.children";
    public const string LogFileName = "agent.log";
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How to start this very program's `agent` command.</summary>
    public static IReadOnlyList<string> SelfCommand(string entryAssembly)
    {
        var host = Environment.ProcessPath ?? "dotnet";
        return Path.GetFileNameWithoutExtension(host) == "dotnet" || !File.Exists(host) || host.EndsWith("testhost", StringComparison.Ordinal)
            ? [FindDotnet(), entryAssembly]
            : [host];
    }

    private static string FindDotnet() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path
        : File.Exists("/usr/share/dotnet/dotnet") ? "/usr/share/dotnet/dotnet"
        : "dotnet";

    public bool IsRunning(string labDir) => AgentPid(labDir, null) is not null;

    public string? Problem(string labDir)
    {
        if (IsRunning(labDir))
        {
            return null;
        }

        var log = Path.Combine(labDir, LogFileName);
        return RecordedPid(labDir) is { } pid
            ? $"process {pid} has exited; its log: {log}"
            : $"no agent process is recorded ({Path.Combine(labDir, PidFileName)} is missing); its log: {log}";
    }

    public void Start(string labDir, string lab, ClusterState state)
    {
        Stop(labDir, lab);
        PrivateFolder.Create(labDir);
        WriteState(labDir, state);
        File.Delete(Path.Combine(labDir, ReadyFileName));
        var log = Path.Combine(labDir, LogFileName);
        var info = new ProcessStartInfo("setsid")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // setsid -f: a new session, so the agent outlives this command and no terminal signal reaches it.
        info.ArgumentList.Add("-f");
        info.ArgumentList.Add("/bin/sh");
        info.ArgumentList.Add("-c");
        // umask 077: the agent's log, its files and its nginx's configs and logs are its owner's alone (0600 in 0700)
        info.ArgumentList.Add("umask 077; exec \"$@\" >>\"$KUBELAB_AGENT_LOG\" 2>&1 </dev/null");
        info.ArgumentList.Add("kubelab-agent");
        foreach (var word in agentCommand)
        {
            info.ArgumentList.Add(word);
        }

        info.ArgumentList.Add("agent");
        info.ArgumentList.Add("--name");
        info.ArgumentList.Add(lab);
        info.ArgumentList.Add("--dir");
        info.ArgumentList.Add(Path.TrimEndingDirectorySeparator(Path.GetFullPath(labDir)));
        info.Environment["KUBELAB_AGENT_LOG"] = log;
        // the marker by which `down` finds the agent's processes even when its pid files are lost
        info.Environment[LabProcesses.MarkerVariable] = Path.TrimEndingDirectorySeparator(Path.GetFullPath(labDir));
        // no diagnostics IPC: a killed agent would leave its /tmp/dotnet-diagnostic-PID-… socket behind
        // (KUBELAB_AGENT_DIAGNOSTICS=1 keeps it, for profiling the agent with dotnet-trace or dotnet-counters)
        if (Environment.GetEnvironmentVariable("KUBELAB_AGENT_DIAGNOSTICS") != "1")
        {
            info.Environment["DOTNET_EnableDiagnostics"] = "0";
        }

        // The CLI turns tiered compilation off (a command is a short batch job); the agent is a long-running server,
        // where tiering and its profile-guided re-JIT pay off: the variable overrides the CLI's runtimeconfig.
        if (Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") is null)
        {
            info.Environment["DOTNET_TieredCompilation"] = "1";
        }
        using var starter = Process.Start(info) ?? throw KubeLabException.Host("cannot start the lab agent (setsid)");
        starter.StandardInput.Close();
        starter.WaitForExit();
        if (starter.ExitCode != 0)
        {
            throw KubeLabException.Host($"cannot start the lab agent: setsid exited {starter.ExitCode}: {starter.StandardError.ReadToEnd()}");
        }

        WaitReady(labDir, state.Generation, log);
    }

    public void Update(string labDir, string lab, ClusterState state)
    {
        if (LabAgent.TryServeInProcess(labDir, state))
        {
            return; // the agent's own API server: served in place
        }

        // never restarted here (a dead agent is shown as a degraded lab until `kubelab up` restarts it)
        if (Problem(labDir) is { } problem)
        {
            throw AgentDown(lab, problem);
        }

        WriteState(labDir, state);
        WaitReady(labDir, state.Generation, Path.Combine(labDir, LogFileName));
    }

    /// <summary>The error for a change to a lab whose agent is not running.</summary>
    public static KubeLabException AgentDown(string lab, string problem) =>
        KubeLabException.Host($"lab \"{lab}\" is degraded: its agent (the API server, CoreDNS, nginx) is not running ({problem}); `kubelab up --name {lab}` restarts it");

    public void Stop(string labDir, string lab)
    {
        if (AgentPid(labDir, lab) is { } pid)
        {
            EndProcess(pid);
        }

        // nginx processes the agent started, if it could not stop them itself, and any agent of this lab whose pid
        // file was lost (an `up` killed before the agent wrote it): found by their command line and environment
        var children = Path.Combine(labDir, ChildrenFileName);
        var recorded = File.Exists(children)
            ? File.ReadAllLines(children)
                .Select(line => int.TryParse(line, NumberStyles.Integer, CultureInfo.InvariantCulture, out var child) ? child : 0)
                .Where(child => child > 0 && CommandLine(child).Contains(labDir, StringComparison.Ordinal))
            : [];
        LabProcesses.End([.. recorded.Union(LabProcesses.Find(lab, labDir, new HashSet<string>()))]);

        // the folder is gone when `down` runs for a lab whose state was lost (File.Delete throws for a missing folder)
        foreach (var file in new[] { PidFileName, ChildrenFileName, ReadyFileName }.Select(f => Path.Combine(labDir, f)).Where(File.Exists))
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// The lab as it was last realised. A change writes agent-state.json once the kernel is synced and before
    /// the store commits (the commit point); a command killed between the two leaves agent-state.json a generation ahead,
    /// which the kernel and the agent already serve. That change is completed ("rolled forward") by the next writer
    /// rather than undone, so the API server's resourceVersions never go back. Called under the lab's lock, before
    /// the next change is computed; to be kept in that order by whatever commits the state.
    /// </summary>
    public static ClusterState RollForward(string labDir, ClusterState stored)
    {
        var served = Path.Combine(labDir, StateFileName);
        try
        {
            // the usual case costs a few stat calls: the store commits after agent-state.json is written
            if (!File.Exists(served) || File.GetLastWriteTimeUtc(served) <= LabStore.CommittedAt(labDir))
            {
                return stored;
            }

            var state = StateFile.Deserialize(File.ReadAllText(served), served);
            return state.Generation > stored.Generation && state.Config.Name == stored.Config.Name ? state : stored;
        }
        catch (Exception e) when (e is IOException or KubeLabException)
        {
            return stored; // a damaged or vanishing agent-state.json is no newer lab
        }
    }

    private static void WriteState(string labDir, ClusterState state)
    {
        PrivateFile.WriteAtomically(Path.Combine(labDir, StateFileName), StateFile.SerializeUtf8(state));
    }

    private static void WaitReady(string labDir, long generation, string log)
    {
        var ready = Path.Combine(labDir, ReadyFileName);
        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (File.Exists(ready) && long.TryParse(SafeRead(ready).Split('\n')[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var served) && served >= generation)
            {
                return;
            }

            if (RecordedPid(labDir) is { } recorded && !Alive(recorded))
            {
                break; // it died
            }

            Thread.Sleep(20);
        }

        var tail = File.Exists(log) ? string.Join('\n', File.ReadAllLines(log).TakeLast(15)) : "(no log)";
        var pidFile = Path.Combine(labDir, PidFileName);
        var process = !File.Exists(pidFile) ? "it never wrote its pid file"
            : AgentPid(labDir, null) is { } pid ? $"process {pid} is still running" : "its process has exited";
        throw KubeLabException.Timeout($"the lab agent did not become ready within {ReadyTimeout.TotalSeconds:0} s ({process}); its log ({log}) ends with:\n{tail}");
    }

    private static string SafeRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>The pid the agent wrote, whether or not it still runs; null while the file is missing or unreadable.</summary>
    private static int? RecordedPid(string labDir) =>
        int.TryParse(SafeRead(Path.Combine(labDir, PidFileName)).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) && pid > 0 ? pid : null;

    /// <summary>The agent's pid, if that process is alive and really is this lab's agent.</summary>
    private static int? AgentPid(string labDir, string? lab)
    {
        var file = Path.Combine(labDir, PidFileName);
        if (!File.Exists(file) || !int.TryParse(SafeRead(file).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid))
        {
            return null;
        }

        var commandLine = CommandLine(pid);
        return commandLine.Contains(" agent ", StringComparison.Ordinal) && commandLine.Contains(labDir, StringComparison.Ordinal) ? pid : null;
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>SIGTERM, a moment to finish, then SIGKILL: only for a pid this lab started.</summary>
    private static void EndProcess(int pid)
    {
        if (!Alive(pid))
        {
            return;
        }

        LibC.Kill(pid, 15);
        if (!WaitGone(pid, TimeSpan.FromSeconds(3)))
        {
            LibC.Kill(pid, 9);
            WaitGone(pid, TimeSpan.FromSeconds(2));
        }
    }

    private static bool Alive(int pid) => LabProcesses.Alive(pid);

    private static bool WaitGone(int pid, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Alive(pid))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            Thread.Sleep(5);
        }

        return true;
    }
}

internal static partial class LibC
{
    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "chown", SetLastError = true, StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8)]
    internal static partial int Chown(string path, int owner, int group);
}
