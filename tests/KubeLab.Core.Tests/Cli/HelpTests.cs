namespace KubeLab.Core.Tests.Cli;

public class HelpTests
{
    public static TheoryData<string> Commands => new() { "up", "down", "list", "apply", "delete", "run", "get", "exec", "rules", "tour", "graph", "scenarios", "completion" };

    [Theory]
    [MemberData(nameof(Commands))]
    public void Every_command_has_help_with_examples(string command)
    {
        using var cli = new CliHarness();
        var help = cli.Ok(command, "--help");
        Assert.Contains($"kubelab {command}", help, StringComparison.Ordinal);
        Assert.Contains("Examples:", help, StringComparison.Ordinal);
    }

    [Fact]
    public void Command_list_shows_one_line_per_command()
    {
        using var cli = new CliHarness();
        var help = cli.Ok("--help");
        Assert.Contains("  up                       Create a lab and wait until it is ready.\n", help, StringComparison.Ordinal);
        Assert.DoesNotContain("sudo kubelab up -f seed", help, StringComparison.Ordinal);
    }

    [Fact]
    public void Completion_suggests_commands_and_resource_types()
    {
        using var cli = new CliHarness();
        Assert.Contains("graph\n", cli.Ok("[suggest:9]", "kubelab g"), StringComparison.Ordinal);
        Assert.Contains("svc\n", cli.Ok("[suggest:12]", "kubelab get "), StringComparison.Ordinal);
        Assert.Contains("complete -o default -F _kubelab_complete kubelab", cli.Ok("completion", "bash"), StringComparison.Ordinal);
    }
}
