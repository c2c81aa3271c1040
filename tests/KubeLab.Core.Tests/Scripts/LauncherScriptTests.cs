using System.Diagnostics;

namespace KubeLab.Core.Tests.Scripts;

/// <summary>
/// scripts/os-packages.sh, which ./kubelab and ./run-tests source: what it says and does about missing OS packages.
/// (Installing for real is what CI's fresh machine does; these tests never run apt-get.)
/// </summary>
public sealed class LauncherScriptTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("kl-os-packages-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static (int Code, string Out, string Err) Bash(string script, params (string Key, string Value)[] environment)
    {
        var start = new ProcessStartInfo("bash") { ArgumentList = { "-c", script }, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryTests.RepositoryRoot() };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error);
    }

    [Fact]
    public void On_an_unknown_distribution_it_prints_the_one_command_and_installs_nothing()
    {
        var osRelease = Path.Combine(folder, "os-release");
        File.WriteAllText(osRelease, "ID=plan9\n");

        var (code, output, error) = Bash(". scripts/os-packages.sh && require_tools 'the netns lab' kl-no-such-tool=kl-no-such-package bash=bash", ("KL_OS_RELEASE", osRelease));

        Assert.Equal(0, code);
        Assert.Equal("", output);
        Assert.Contains("the netns lab needs programs this machine lacks (kl-no-such-tool); this is not Debian or Ubuntu, so nothing is installed.", error, StringComparison.Ordinal);
        Assert.Contains("on Debian the one command is: apt-get install -y --no-install-recommends kl-no-such-package", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_is_said_or_installed_when_every_tool_is_there()
    {
        var (code, output, error) = Bash(". scripts/os-packages.sh && require_tools 'the tests' bash=bash sh=dash");

        Assert.Equal((0, "", ""), (code, output, error));
    }

    [Fact]
    public void The_lab_and_test_lists_name_a_debian_package_for_every_tool_the_readme_promises()
    {
        var (_, output, _) = Bash(". scripts/os-packages.sh && printf '%s\\n' \"${KL_TEST_TOOLS[@]}\"");
        var packages = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=')[1]).ToHashSet(StringComparer.Ordinal);

        foreach (var package in new[] { "iproute2", "iptables", "nginx-light", "dnsutils", "curl", "tcpdump", "conntrack", "iputils-ping", "iputils-tracepath", "graphviz", "tmux", "librsvg2-bin", "chromium", "python3-kubernetes" })
        {
            Assert.Contains(package, packages);
        }
    }

    [Fact]
    public void Ci_runs_exactly_the_readmes_test_command()
    {
        var root = RepositoryTests.RepositoryRoot();
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));
        var ci = File.ReadAllLines(Path.Combine(root, ".ci", "run"));

        Assert.Contains("```sh\n./run-tests\n```", readme, StringComparison.Ordinal);
        Assert.Equal("./run-tests", ci.Last(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#')));
    }
}
