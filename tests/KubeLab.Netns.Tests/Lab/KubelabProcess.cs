using System.Diagnostics;

namespace KubeLab.Netns.Tests.Lab;

/// <summary>Runs the real kubelab program (as a user would) against a private KUBELAB_HOME.</summary>
internal sealed class KubelabProcess(string home)
{
    public string Home { get; } = home;

    /// <summary>The kubeconfig that up merges the lab's context into (inside the private home).</summary>
    public string Kubeconfig => Path.Combine(Home, "kube", "config");

    public (int Code, string Out, string Err) Run(params string[] args) => RunWithTimeout(TimeSpan.FromMinutes(5), args);

    public (int Code, string Out, string Err) RunWithTimeout(TimeSpan timeout, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(typeof(KubeLab.Cli.Program).Assembly.Location);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["KUBELAB_HOME"] = Home;
        info.Environment["KUBECONFIG"] = Kubeconfig; // never the user's own ~/.kube/config
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubelab {string.Join(' ', args)} did not finish in {timeout}");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>
    /// Starts kubelab and kills it with SIGKILL after <paramref name="delay"/> (a user's kill -9, an OOM kill, a power
    /// cut of the CLI); true if it was still running then. What it started in its own session (the lab agent) lives on.
    /// </summary>
    public bool RunKilledAfter(TimeSpan delay, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(typeof(KubeLab.Cli.Program).Assembly.Location);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["KUBELAB_HOME"] = Home;
        info.Environment["KUBECONFIG"] = Kubeconfig;
        using var process = Process.Start(info)!;
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        if (process.WaitForExit(delay))
        {
            return false;
        }

        process.Kill(entireProcessTree: false); // SIGKILL to kubelab alone, as `kill -9 PID` does
        process.WaitForExit();
        return true;
    }

    public string Ok(params string[] args)
    {
        var (code, output, error) = Run(args);
        Assert.True(code == 0, $"kubelab {string.Join(' ', args)} exited {code}:\n{output}\n{error}");
        return output;
    }

    public static string NewLabName() => "t" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();

    public static string NewHome() => Path.Combine(Path.GetTempPath(), "kubelab-netns-" + Guid.NewGuid().ToString("N")[..8]);
}

/// <summary>
/// A test's own lab: a unique name in a private KUBELAB_HOME, always taken down (also when the test fails),
/// with any namespace `down` might have missed deleted by the lab's prefix.
/// </summary>
public class TestLab : IDisposable
{
    internal KubelabProcess Kubelab { get; } = new(KubelabProcess.NewHome());

    public string Name { get; } = KubelabProcess.NewLabName();

    public virtual void Dispose()
    {
        Kubelab.Run("down", "--name", Name);
        foreach (var ns in KubeLab.Realize.Netns.NetnsDriver.ExistingNamespaces(Name))
        {
            HostCommand.Run("ip", ["netns", "del", ns]);
        }

        KubeLab.Realize.Netns.LabRegistry.Machine.Release(Name, Kubelab.Home);

        if (Directory.Exists(Kubelab.Home))
        {
            Directory.Delete(Kubelab.Home, recursive: true);
        }

        GC.SuppressFinalize(this);
    }
}

/// <summary>The seed lab, brought up once for a test class and always taken down (also when tests fail).</summary>
public sealed class SeedLabFixture : TestLab
{
    public SeedLabFixture()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return;
        }

        try
        {
            UpOutput = Kubelab.Ok("up", "--name", Name, "-f", "seed");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string UpOutput { get; } = "";

    public (int Code, string Out, string Err) Exec(string target, params string[] command) =>
        Kubelab.Run(["exec", "--name", Name, target, "--", .. command]);

    public string ExecOk(string target, params string[] command)
    {
        var (code, output, error) = Exec(target, command);
        Assert.True(code == 0, $"exec {target} -- {string.Join(' ', command)} exited {code}: {error}");
        return output;
    }

    public override void Dispose()
    {
        if (Environment.IsPrivilegedProcess)
        {
            base.Dispose();
        }
    }
}
