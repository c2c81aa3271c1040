using System.Diagnostics;

namespace KubeLab.Netns.Tests;

/// <summary>Runs a host command for a real-kernel test (never against the root namespace's iptables).</summary>
internal static class HostCommand
{
    public static (int ExitCode, string Stdout, string Stderr) Run(string file, IEnumerable<string> args, string? stdin = null, int timeoutMs = 120_000)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }

        if (!process.WaitForExit(timeoutMs))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', start.ArgumentList)} did not finish in {timeoutMs} ms");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    public static string Check(string file, params string[] args) => CheckWithInput(file, null, args);

    public static string CheckWithInput(string file, string? stdin, params string[] args)
    {
        var (code, stdout, stderr) = Run(file, args, stdin);
        return code == 0
            ? stdout
            : throw new InvalidOperationException($"`{file} {string.Join(' ', args)}` exited {code}: {stderr.Trim()}");
    }

    public static bool OnPath(string file) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, file)));
}

/// <summary>A scratch network namespace, deleted on Dispose even when the test fails.</summary>
internal sealed class ScratchNamespace : IDisposable
{
    public ScratchNamespace(string prefix = "kl-rt")
    {
        Name = prefix + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        HostCommand.Check("ip", "netns", "add", Name);
    }

    public string Name { get; }

    public string Exec(string? stdin, params string[] command) =>
        HostCommand.CheckWithInput("ip", stdin, ["netns", "exec", Name, .. command]);

    public void Dispose() => HostCommand.Run("ip", ["netns", "del", Name]);
}
