using System.Text.RegularExpressions;

namespace KubeLab.Netns.Tests.Lab;

/// <summary>Every command in the README's runnable blocks runs, in order, as a newcomer would type it.</summary>
[Trait("Category", "Netns")]
public sealed partial class ReadmeTests : TestLab
{
    internal static string Readme()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "KubeLab.slnx")))
            {
                return File.ReadAllText(Path.Combine(dir.FullName, "README.md"));
            }
        }

        throw new FileNotFoundException("README.md beside KubeLab.slnx");
    }

    /// <summary>The runnable blocks' commands, each with the output block that follows it in the README, if any.</summary>
    internal static IReadOnlyList<(string Command, string? Output)> RunnableCommands(string readme)
    {
        var blocks = FencedBlock().Matches(readme).Select(m => (Info: m.Groups[1].Value.Trim(), Body: m.Groups[2].Value, m.Index, End: m.Index + m.Length)).ToList();
        var result = new List<(string, string?)>();
        for (var i = 0; i < blocks.Count; i++)
        {
            if (blocks[i].Info != "sh runnable")
            {
                continue;
            }

            // an output block is an untagged block right after the command's block
            var output = i + 1 < blocks.Count && blocks[i + 1].Info.Length == 0 && readme[blocks[i].End..blocks[i + 1].Index].Trim().Length == 0
                ? blocks[i + 1].Body
                : null;
            foreach (var line in blocks[i].Body.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                result.Add((line.Trim(), output));
            }
        }

        return result;
    }

    [GeneratedRegex(@"^```([^\n]*)\n(.*?)^```$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex FencedBlock();

    [Fact]
    public void Readme_has_the_two_commands_and_ci_runs_the_test_command()
    {
        var readme = Readme();
        Assert.Contains("```sh runnable\n./kubelab tour\n```", readme, StringComparison.Ordinal);
        Assert.Contains("```sh\n./run-tests\n```", readme, StringComparison.Ordinal);
        var ci = File.ReadAllText(Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(FindSlnx()))!, Path.GetFileName(Path.GetDirectoryName(FindSlnx()))!, ".ci", "run"));
        Assert.Contains("\n./run-tests\n", ci, StringComparison.Ordinal);
    }

    private static string FindSlnx()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "KubeLab.slnx");
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException("KubeLab.slnx");
    }

    [SkippableFact]
    public void Every_runnable_readme_command_works_and_prints_what_the_readme_shows()
    {
        Skip.IfNot(Environment.IsPrivilegedProcess, "NOT RUN: the README's lab needs root (CI runs this as root)");
        var commands = RunnableCommands(Readme());
        Assert.True(commands.Count >= 5, "the README should show at least five runnable commands");
        foreach (var (command, documented) in commands)
        {
            // `./kubelab` is the launcher of the built kubelab; publishing from inside the test host would rebuild
            // the assemblies it runs on.
            var words = (command.StartsWith("./kubelab ", StringComparison.Ordinal) ? command[2..] : command)
                .Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("kubelab", words[0]);
            var args = words.Skip(1).ToList();
            var dash = args.IndexOf("--");
            args.InsertRange(dash < 0 ? args.Count : dash, ["--name", Name]);
            var (code, output, error) = Kubelab.Run([.. args]);
            Assert.True(code == 0, $"README command `{command}` exited {code}: {error}");
            if (documented is not null)
            {
                static string Squeeze(string line) => string.Join(' ', Generated(line).Split(' ', StringSplitOptions.RemoveEmptyEntries));
                var want = documented.TrimEnd('\n').Split('\n');
                var got = output.TrimEnd('\n').Split('\n');
                Assert.True(want.Length == got.Length, $"`{command}` printed {got.Length} lines, the README shows {want.Length}:\n{output}");
                Assert.Equal(Squeeze(want[0]), Squeeze(got[0]));
                Assert.Equal(want.Where(l => !Volatile(l)).Select(Squeeze), got.Where(l => !Volatile(l)).Select(Squeeze));
            }
        }
    }

    /// <summary>
    /// Names that are random in Kubernetes too (pod-name suffixes, host veths, the add-ons' allocated ClusterIPs; the
    /// seed pins its own) and box widths that follow them.
    /// </summary>
    private static string Generated(string line) =>
        BoxRule().Replace(Veth().Replace(PodSuffix().Replace(AllocatedClusterIP().Replace(line, "10.43.<allocated>"), "-<hash>"), "veth<hash>"), "─");

    [GeneratedRegex(@"\b10\.43\.(?!0\.1\b|0\.10\b|180\.238\b)\d+\.\d+\b")]
    private static partial Regex AllocatedClusterIP();

    [GeneratedRegex("-[a-z0-9]{6,10}-[a-z0-9]{5}\\b")]
    private static partial Regex PodSuffix();

    [GeneratedRegex("veth[0-9a-f]{8}")]
    private static partial Regex Veth();

    [GeneratedRegex("─+")]
    private static partial Regex BoxRule();

    /// <summary>Lines that change between runs: the pod table's rows (names and ages).</summary>
    private static bool Volatile(string line) => line.StartsWith("nginx-deployment-", StringComparison.Ordinal) || line.StartsWith("test-pod ", StringComparison.Ordinal);
}
