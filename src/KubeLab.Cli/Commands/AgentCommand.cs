using System.CommandLine;
using KubeLab.Realize.Netns;

namespace KubeLab.Cli.Commands;

/// <summary>The lab agent's entry point (started by `up`, not by people).</summary>
internal static class AgentCommand
{
    public static Command Create(CliContext context)
    {
        var lab = CommonOptions.Lab();
        var dir = new Option<string>("--dir") { Description = "the lab's folder", Required = true };
        var command = new Command("agent", "Run a netns lab's workloads (DNS, HTTP); started by `kubelab up`.") { lab, dir };
        command.Hidden = true;
        command.SetAction((parse, cancel) =>
        {
            var code = LabAgent.Run(parse.GetValue(lab)!, parse.GetValue(dir)!, cancel);
            Environment.Exit(code); // the DNS library's socket threads must not hold the process open
            return Task.FromResult(code);
        });
        return command;
    }
}
