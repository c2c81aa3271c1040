using System.Diagnostics;
using System.Net;
using KubeLab.Realize.Netns;

namespace KubeLab.Netns.Tests;

/// <summary>
/// Two scratch namespaces <c>kl-t&lt;random6&gt;-a</c> and <c>-b</c> joined by a veth pair with 10.250.x.1/30 and .2/30.
/// Everything is made inside the namespaces (nothing touches the root namespace) and removed on Dispose.
/// </summary>
internal sealed class ScratchNetwork : IDisposable
{
    private readonly List<string> created = [];

    public ScratchNetwork()
    {
        var id = Convert.ToHexString(Guid.NewGuid().ToByteArray())[..6].ToLowerInvariant();
        var subnet = Random.Shared.Next(0, 64) * 4;
        var third = Random.Shared.Next(0, 256);
        Prefix = $"kl-t{id}";
        A = $"{Prefix}-a";
        B = $"{Prefix}-b";
        AddressA = IPAddress.Parse($"10.250.{third}.{subnet + 1}");
        AddressB = IPAddress.Parse($"10.250.{third}.{subnet + 2}");
        try
        {
            Must("ip", "netns", "add", A);
            created.Add(A);
            Must("ip", "netns", "add", B);
            created.Add(B);
            Must("ip", "-n", A, "link", "add", "veth-a", "type", "veth", "peer", "name", "veth-b", "netns", B);
            foreach (var (ns, dev, ip) in new[] { (A, "veth-a", AddressA), (B, "veth-b", AddressB) })
            {
                Must("ip", "-n", ns, "link", "set", "lo", "up");
                Must("ip", "-n", ns, "addr", "add", $"{ip}/30", "dev", dev);
                Must("ip", "-n", ns, "link", "set", dev, "up");
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Prefix { get; }
    public string A { get; }
    public string B { get; }
    public IPAddress AddressA { get; }
    public IPAddress AddressB { get; }

    /// <summary>Runs a command inside <paramref name="netns"/> (ip netns exec), with a deadline.</summary>
    public static CommandResult Exec(string netns, params string[] command) => Run(["ip", "netns", "exec", netns, .. command]);

    public static CommandResult Run(params string[] command)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in command.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(20)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return new CommandResult(-1, stdout.Result, "timed out: " + string.Join(' ', command) + "\n" + stderr.Result);
        }

        return new CommandResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    private static void Must(params string[] command)
    {
        var result = Run(command);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', command)} failed ({result.ExitCode}): {result.Stderr}");
        }
    }

    public void Dispose()
    {
        foreach (var ns in created.AsEnumerable().Reverse())
        {
            Run("ip", "netns", "del", ns);
        }

        created.Clear();
    }
}

internal sealed record CommandResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n{Stdout}\n{Stderr}";
}

/// <summary>Loud skips for machines that cannot run real-kernel tests.</summary>
internal static class Requires
{
    public static void Root()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "SKIPPED: real-kernel netns tests need Linux");
        Skip.IfNot(Environment.IsPrivilegedProcess, "SKIPPED: real-kernel netns tests need root (CI runs them as root); run `sudo dotnet test --filter Category=Netns`");
        NetnsThread.WarmUpRuntime();
    }

    public static void Tool(string path, string package)
    {
        Skip.IfNot(File.Exists(path), $"SKIPPED: {path} is missing; install it with `apt-get install -y {package}`");
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or the deadline passes.</summary>
    public static bool Eventually(Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(5));
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            Thread.Sleep(20);
        }

        return condition();
    }
}
