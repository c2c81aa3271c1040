using System.Diagnostics;
using System.Globalization;
using KubeLab.Core;
using KubeLab.Core.Lab;

namespace KubeLab.Realize.Netns;

/// <summary>
/// A command run in a pod as the API's exec runs it: in the pod's network namespace with its hostname, resolv.conf
/// and hosts (NetnsExec), the host's tools playing the image. With a terminal, util-linux's `script` gives the command a
/// pseudo-terminal (its output then carries the terminal's CR LF, as a container's does); the terminal's size is set
/// with `stty -F` on that pseudo-terminal, and the kernel signals SIGWINCH to the command as it does for a resize.
/// </summary>
public sealed class PodExec : IDisposable
{
    private readonly Process process;
    private readonly bool tty;
    private string? terminal;

    private PodExec(Process process, bool tty)
    {
        this.process = process;
        this.tty = tty;
        Exited = process.WaitForExitAsync().ContinueWith(_ => process.ExitCode, TaskScheduler.Default);
    }

    public Stream Stdin => process.StandardInput.BaseStream;

    public Stream Stdout => process.StandardOutput.BaseStream;

    public Stream? Stderr => tty ? null : process.StandardError.BaseStream;

    public Task<int> Exited { get; }

    /// <summary>Starts <paramref name="command"/>; null and runc's reason when its program cannot run.</summary>
    public static (PodExec? Exec, string? Error) Start(string netns, string hostname, IReadOnlyList<string> command, bool tty, (int Width, int Height)? size = null)
    {
        if (ExecutableLookup.Check(command[0], Environment.GetEnvironmentVariable("PATH")) is var (_, message))
        {
            return (null, message);
        }

        var inner = NetnsExec.Argv(netns, hostname, isPod: true, runFlannel: null, command);
        // with a terminal, its size is set on it (stty on the shell's stdin, the pseudo-terminal) before the command runs
        var sized = size is { Width: > 0, Height: > 0 } s
            ? $"stty cols {s.Width.ToString(CultureInfo.InvariantCulture)} rows {s.Height.ToString(CultureInfo.InvariantCulture)} 2>/dev/null; exec "
            : "exec ";
        var argv = tty ? ["script", "--quiet", "--return", "--command", sized + string.Join(' ', inner.Select(Quote)), "/dev/null"] : inner;
        var start = new ProcessStartInfo(argv[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var word in argv.Skip(1))
        {
            start.ArgumentList.Add(word);
        }

        if (tty)
        {
            start.Environment["TERM"] = "xterm";
            start.Environment["SHELL"] = "/bin/sh"; // what `script` runs the command with
        }

        var process = Process.Start(start) ?? throw KubeLabException.Host($"could not start {argv[0]} for an exec in {netns}");
        return (new PodExec(process, tty), null);
    }

    /// <summary>Sets the terminal's size (no-op without a terminal, or before the command has one).</summary>
    public void Resize(int width, int height)
    {
        if (!tty || width <= 0 || height <= 0)
        {
            return;
        }

        for (var attempt = 0; attempt < 50 && (terminal ??= FindTerminal()) is null && !process.HasExited; attempt++)
        {
            Thread.Sleep(10); // `script` opens the pseudo-terminal and starts its child right after it starts
        }

        if (terminal is null)
        {
            return;
        }

        using var stty = Process.Start(new ProcessStartInfo("stty", ["-F", terminal, "rows", height.ToString(CultureInfo.InvariantCulture), "cols", width.ToString(CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
        });
        stty?.WaitForExit(2000);
    }

    /// <summary>The pseudo-terminal `script` gave its child: the child's standard input.</summary>
    private string? FindTerminal()
    {
        foreach (var stat in Directory.EnumerateDirectories("/proc").Select(d => Path.Combine(d, "stat")))
        {
            try
            {
                var text = File.ReadAllText(stat);
                var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
                if (fields[1] == process.Id.ToString(CultureInfo.InvariantCulture))
                {
                    var target = new FileInfo(Path.Combine(Path.GetDirectoryName(stat)!, "fd", "0")).LinkTarget;
                    if (target?.StartsWith("/dev/pts/", StringComparison.Ordinal) == true)
                    {
                        return target;
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException or ArgumentOutOfRangeException)
            {
            }
        }

        return null;
    }

    private static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>Ends the command if it still runs (the client went away), then releases it.</summary>
    public void Dispose()
    {
        if (!process.HasExited)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
        }

        process.Dispose();
    }
}
