using System.Text;
using CliWrap;
using CliWrap.Buffered;
using KubeLab.Core;
using KubeLab.Core.Lab;

namespace KubeLab.Realize.Netns;

public sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>The one way the netns driver runs host commands; it may be called from several threads at once.</summary>
public interface ICommandRunner
{
    /// <summary>Runs the command; a non-zero exit is an error naming the command, ready to paste into a shell.</summary>
    CommandResult Run(HostCommand command, bool check = true);
}

/// <summary>Runs commands as processes (CliWrap), buffering their output.</summary>
public sealed class ProcessCommandRunner : ICommandRunner
{
    private int count;

    public int Count => Volatile.Read(ref count);

    public CommandResult Run(HostCommand command, bool check = true)
    {
        Interlocked.Increment(ref count);
        var cli = Cli.Wrap(command.File).WithArguments(command.Args).WithValidation(CommandResultValidation.None);
        if (command.Stdin is not null)
        {
            cli = cli.WithStandardInputPipe(PipeSource.FromString(command.Stdin, Encoding.UTF8));
        }

        BufferedCommandResult result;
        try
        {
            result = cli.ExecuteBufferedAsync().GetAwaiter().GetResult();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw KubeLabException.Host($"cannot run `{command.File}`: {e.Message}; install it (`apt-get install {PackageOf(command.File)}`)", e);
        }

        if (check && result.ExitCode != 0)
        {
            throw KubeLabException.Host(
                $"this host command failed with exit code {result.ExitCode}:\n{command.ToShell(maxInputLines: 20)}\n{result.StandardError.Trim()}{(string.IsNullOrWhiteSpace(result.StandardOutput) ? "" : "\n" + result.StandardOutput.Trim())}");
        }

        return new CommandResult(result.ExitCode, result.StandardOutput, result.StandardError);
    }

    /// <summary>The Debian package that ships a tool the netns lab runs.</summary>
    internal static string PackageOf(string tool) => tool switch
    {
        "ip" or "bridge" => "iproute2",
        _ when tool.StartsWith("iptables", StringComparison.Ordinal) => "iptables",
        "sysctl" => "procps",
        "dig" => "dnsutils",
        "setsid" => "util-linux",
        _ => tool,
    };
}
