using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace KubeLab.Cli;

/// <summary>
/// Command lists show one line per command; a command's own `--help` adds its details and examples.
/// Each command's description is written as a first line, a blank line, then the details.
/// </summary>
internal static class HelpWithDetails
{
    public static void Install(RootCommand root)
    {
        var details = new Dictionary<Command, string>();
        foreach (var command in root.Subcommands)
        {
            var text = command.Description ?? "";
            var split = text.IndexOf('\n', StringComparison.Ordinal);
            if (split > 0)
            {
                command.Description = text[..split].Trim();
                details[command] = text[(split + 1)..].Trim('\n');
            }
        }

        var help = root.Options.OfType<HelpOption>().First();
        help.Action = new DetailedHelpAction((HelpAction)help.Action!, details);
    }

    public static bool IsHelp(ParseResult parse) => parse.Action is HelpAction or DetailedHelpAction;

    private sealed class DetailedHelpAction(HelpAction inner, IReadOnlyDictionary<Command, string> details) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var result = inner.Invoke(parseResult);
            if (details.TryGetValue(parseResult.CommandResult.Command, out var text))
            {
                var output = parseResult.InvocationConfiguration.Output;
                output.WriteLine(text);
                output.WriteLine();
            }

            return result;
        }
    }
}
