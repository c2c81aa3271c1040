using System.CommandLine;
using KubeLab.Core;
using KubeLab.Core.Manifests;

namespace KubeLab.Cli.Commands;

internal static class ScenariosCommand
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string?>("NAME") { Description = "print this scenario's YAML", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("scenarios", """
            List the built-in scenarios (usable as `-f NAME`), or print one's YAML.


            Examples:
              kubelab scenarios
              kubelab scenarios seed > seed.yaml
            """)
        { name };
        command.SetAction(parse =>
        {
            if (parse.GetValue(name) is { } scenario)
            {
                if (!Scenarios.TryGet(scenario, out var text))
                {
                    throw KubeLabException.NotFound($"no scenario \"{scenario}\" (scenarios: {string.Join(", ", Scenarios.Descriptions.Keys)})");
                }

                context.Out.Write(text);
                return 0;
            }

            foreach (var (key, description) in Scenarios.Descriptions)
            {
                context.Out.WriteLine($"{key,-12} {description}");
            }

            return 0;
        });
        return command;
    }
}
