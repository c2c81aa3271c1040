using System.Diagnostics;

namespace KubeLab.Core.Tests.Scripts;

/// <summary>
/// ./kubelab's two-stage build, run against a stand-in `dotnet` (a script that follows `dotnet publish`'s arguments and
/// writes a program that says which build it is): the first command runs right after a plain publish, the
/// ReadyToRun publish follows in the background and is switched to, and nothing is built again until a source changes.
/// (The real publish takes a minute; docs/benchmarks.md measures it.)
/// </summary>
public sealed class LauncherBuildTests : IDisposable
{
    private readonly string repo = Directory.CreateTempSubdirectory("kl-launcher-").FullName;
    private readonly string bin;

    public LauncherBuildTests()
    {
        File.Copy(Path.Combine(RepositoryTests.RepositoryRoot(), "kubelab"), Path.Combine(repo, "kubelab"));
        Directory.CreateDirectory(Path.Combine(repo, "src", "KubeLab.Cli"));
        File.WriteAllText(Path.Combine(repo, "src", "KubeLab.Cli", "Program.cs"), "// v1\n");
        bin = Directory.CreateDirectory(Path.Combine(repo, "stand-in-bin")).FullName;
        // `dotnet publish PROJECT -c Release -o OUT ... [-p:PublishReadyToRun=false]`: OUT/kubelab prints which build it
        // is and its arguments (and fails for `fail`); every call is logged.
        File.WriteAllText(Path.Combine(bin, "dotnet"), """
            #!/usr/bin/env bash
            echo "$*" >> "$STANDIN_LOG"
            out=; kind=r2r
            while [ $# -gt 0 ]; do
              case "$1" in -o) out=$2; shift ;; -p:PublishReadyToRun=false) kind=jit ;; esac
              shift
            done
            mkdir -p "$out"
            printf '#!/usr/bin/env bash\necho "%s build: $*"\n[ "$1" != fail ]\n' "$kind" > "$out/kubelab"
            chmod +x "$out/kubelab"
            """.ReplaceLineEndings("\n"));
        Bash($"chmod 755 '{bin}/dotnet'");
    }

    public void Dispose()
    {
        // a background stage still running holds the build lock: wait for it before removing its folder
        Bash($"[ -e '{repo}/.build/lock' ] && flock -w 30 '{repo}/.build/lock' true");
        Directory.Delete(repo, recursive: true);
    }

    private string Log => Path.Combine(repo, "publish-calls.log");

    private (int Code, string Out, string Err) Launch(params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(repo, "kubelab")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["PATH"] = bin + ":/usr/bin:/bin";
        start.Environment["STANDIN_LOG"] = Log;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error);
    }

    private static (int Code, string Out, string Err) Bash(string script)
    {
        using var process = Process.Start(new ProcessStartInfo("bash") { ArgumentList = { "-c", script }, RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error);
    }

    private string[] PublishCalls() => File.Exists(Log) ? File.ReadAllLines(Log) : [];

    private string Current() => new FileInfo(Path.Combine(repo, ".build", "current")).LinkTarget ?? "";

    /// <summary>Until the background stage has switched to its build and let go of the build lock.</summary>
    private void WaitForAheadOfTimeBuild()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!Current().EndsWith("-r2r", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the background ReadyToRun build never became current (current: {Current()})");
            Thread.Sleep(50);
        }

        Assert.Equal(0, Bash($"flock -w 30 '{repo}/.build/lock' true").Code);
    }

    [Fact]
    public void The_first_command_runs_after_a_plain_build_and_the_ahead_of_time_build_follows_in_the_background()
    {
        var (code, output, error) = Launch("version", "--short");

        Assert.Equal(0, code);
        Assert.Equal("jit build: version --short\n", output);
        Assert.Contains("kubelab: building KubeLab (dotnet publish -c Release)", error, StringComparison.Ordinal);
        Assert.Contains("kubelab: compiling KubeLab ahead of time in the background", error, StringComparison.Ordinal);
        // the background build may already have started (and logged its publish) when the first command returns
        var first = PublishCalls()[0];
        Assert.InRange(PublishCalls().Length, 1, 2);
        Assert.Contains("-p:PublishReadyToRun=false -p:TieredCompilation=true", first, StringComparison.Ordinal);

        WaitForAheadOfTimeBuild();

        var calls = PublishCalls();
        Assert.Equal(2, calls.Length);
        Assert.DoesNotContain("PublishReadyToRun", calls[1], StringComparison.Ordinal);
        Assert.Equal((0, "r2r build: list\n", ""), Launch("list"));
        Assert.Equal(2, PublishCalls().Length);
    }

    [Fact]
    public void A_changed_source_builds_again_in_two_stages_and_the_command_keeps_its_exit_code()
    {
        Launch("version");
        WaitForAheadOfTimeBuild();
        var before = Current();
        File.SetLastWriteTimeUtc(Path.Combine(repo, "src", "KubeLab.Cli", "Program.cs"), DateTime.UtcNow.AddSeconds(5));

        var (code, output, _) = Launch("fail");

        Assert.Equal(1, code);
        Assert.Equal("jit build: fail\n", output);
        WaitForAheadOfTimeBuild();
        Assert.NotEqual(before, Current());
        Assert.Equal(4, PublishCalls().Length);
    }
}
