using System.Diagnostics;

namespace KubeLab.Netns.Tests.Lab;

/// <summary>A real kubectl (or any program) run against a test lab: its kubeconfig and cache, HOME in the lab's private home.</summary>
internal static class LabKubectl
{
    /// <summary>kubectl's options that point it at the lab.</summary>
    public static string[] Options(KubelabProcess kubelab) => ["--kubeconfig", kubelab.Kubeconfig, "--cache-dir", Path.Combine(kubelab.Home, "kube-cache")];

    /// <summary>Starts <paramref name="program"/> with <paramref name="args"/> as given (add <see cref="Options"/> for kubectl).</summary>
    public static Process Start(KubelabProcess kubelab, string program, IEnumerable<string> args, bool stdin = false)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["HOME"] = kubelab.Home;
        return Process.Start(info)!;
    }

    /// <summary>Runs it to the end (90 s at most), with <paramref name="input"/> on its stdin if given.</summary>
    public static (int Code, string Out, string Err) Run(KubelabProcess kubelab, string program, string? input, IEnumerable<string> args)
    {
        using var process = Start(kubelab, program, args, input is not null);
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }

        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            Stop(process);
            Assert.Fail($"{program} {string.Join(' ', args)} did not finish in 90 s");
        }

        return (process.ExitCode, output.Result, error.Result);
    }

    /// <summary>kubectl with the lab's options; fails the test unless it exits 0.</summary>
    public static string Ok(KubelabProcess kubelab, string kubectl, params string[] args)
    {
        var (code, output, error) = Run(kubelab, kubectl, null, [.. Options(kubelab), .. args]);
        Assert.True(code == 0, $"kubectl {string.Join(' ', args)} exited {code}: {error}");
        return output;
    }

    /// <summary>Ends a process the test started (by its own id), and waits for it.</summary>
    public static void Stop(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
    }
}
