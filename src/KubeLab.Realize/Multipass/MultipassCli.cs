using System.Text;
using CliWrap;
using CliWrap.Buffered;
using KubeLab.Core;

namespace KubeLab.Realize.Multipass;

/// <summary>
/// Runs the `multipass` executable ($KUBELAB_MULTIPASS, else `multipass` on PATH). Standard input is passed
/// through a pipe and never appears in messages (it carries the k3s token).
/// <paramref name="environment"/> adds variables for the child (tests configure the stand-in this way).
/// </summary>
public sealed class MultipassCli(string? executable = null, IReadOnlyDictionary<string, string?>? environment = null) : IMultipass
{
    public const string EnvironmentVariable = "KUBELAB_MULTIPASS";

    public string Executable { get; } = executable
        ?? (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } configured ? configured : "multipass");

    public string? Version()
    {
        try
        {
            var result = Run(["version"]);
            return result.Ok ? result.StandardOutput.Trim() : null;
        }
        catch (KubeLabException)
        {
            return null;
        }
    }

    public MultipassResult Launch(string name, int cpus, string memory, string disk, string cloudInitPath, int timeoutSeconds, string image) =>
        Run(Core.Lab.MultipassPlan.Launch(new Core.Lab.MultipassOptions { Cpus = cpus, Memory = memory, Disk = disk, LaunchTimeoutSeconds = timeoutSeconds, Image = image }, name, cloudInitPath).Args);

    public IReadOnlyDictionary<string, MultipassInstance> Info(IReadOnlyList<string> names)
    {
        // One name at a time: an absent instance makes the whole command fail.
        var found = new Dictionary<string, MultipassInstance>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var result = Run(["info", name, "--format", "json"]);
            if (result.Ok)
            {
                foreach (var (key, value) in MultipassJson.ParseInfo(result.StandardOutput))
                {
                    found[key] = value;
                }
            }
            else if (!result.StandardError.Contains("does not exist", StringComparison.Ordinal))
            {
                throw Failed(["info", name, "--format", "json"], result);
            }
        }

        return found;
    }

    public IReadOnlyList<MultipassInstance> List()
    {
        var result = Run(["list", "--format", "json"]);
        return result.Ok ? MultipassJson.ParseList(result.StandardOutput) : throw Failed(["list", "--format", "json"], result);
    }

    public MultipassResult Exec(string name, IReadOnlyList<string> command, string? stdin = null) => Run(["exec", name, "--", .. command], stdin);

    public MultipassResult Transfer(string source, string destination) => Run(["transfer", source, destination]);

    public MultipassResult DeleteAndPurge(IReadOnlyList<string> names) => Run(["delete", "--purge", .. names]);

    public MultipassResult Purge() => Run(["purge"]);

    private MultipassResult Run(IReadOnlyList<string> args, string? stdin = null)
    {
        var cli = Cli.Wrap(Executable).WithArguments(args).WithValidation(CommandResultValidation.None);
        if (environment is not null)
        {
            cli = cli.WithEnvironmentVariables(environment);
        }

        if (stdin is not null)
        {
            cli = cli.WithStandardInputPipe(PipeSource.FromString(stdin, Encoding.UTF8));
        }

        try
        {
            var result = cli.ExecuteBufferedAsync().GetAwaiter().GetResult();
            return new MultipassResult(result.ExitCode, result.StandardOutput, result.StandardError);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw KubeLabException.Host($"cannot run `{Executable}`: {e.Message}", e);
        }
    }

    /// <summary>The failed command, ready to paste (standard input left out), and what multipass said.</summary>
    public KubeLabException Failed(IReadOnlyList<string> args, MultipassResult result) =>
        KubeLabException.Host($"this multipass command failed with exit code {result.ExitCode}:\n{new Core.Lab.HostCommand(Executable, args).ToShell()}\n{result.StandardError.Trim()}");
}
