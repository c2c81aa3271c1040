using System.CommandLine;
using KubeLab.Realize.Store;

namespace KubeLab.Cli.Commands;

/// <summary>Options shared by several commands, spelled as kubectl and kind spell them.</summary>
internal static class CommonOptions
{
    public static Option<string> Lab() => new("--name")
    {
        Description = $"the lab (default: $KUBELAB_LAB or \"{LabStore.DefaultLab}\")",
        DefaultValueFactory = _ => CliContext.DefaultLabName(),
        HelpName = "LAB",
    };

    public static Option<string?> Namespace() => new("--namespace", "-n")
    {
        Description = "the namespace (default: default)",
        HelpName = "NS",
    };

    public static Option<string[]> Files() => new("--filename", "-f")
    {
        Description = "a YAML file, a URL, '-' for stdin, or a built-in scenario (see `kubelab scenarios`)",
        AllowMultipleArgumentsPerToken = false,
        HelpName = "FILE",
    };
}
