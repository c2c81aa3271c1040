using System.Diagnostics;
using System.Text.RegularExpressions;

namespace KubeLab.Netns.Tests.Lab;

/// <summary>
/// kubectl's streaming verbs against the seed lab's API on the real kernel: exec (SPDY/3.1 from kubectl 1.29, the
/// v5 channel protocol over WebSocket from 1.33), logs of the real nginx, and port-forward to a loopback port of this
/// machine (SPDY, and SPDY tunnelled in WebSocket from 1.33).
/// </summary>
[Trait("Category", "Netns")]
public sealed partial class KubectlStreamingTests(SeedLabFixture lab) : IClassFixture<SeedLabFixture>
{
    private const string Folder = "/usr/lib/google-cloud-sdk/bin";

    private static string Kubectl(string version)
    {
        Skip.IfNot(Environment.IsPrivilegedProcess, "NOT RUN: the netns lab needs root (CI runs these as root)");
        var path = Path.Combine(Folder, $"kubectl.{version}");
        Skip.IfNot(File.Exists(path), $"NOT RUN: the real kubectl {version} is not at {path}");
        return path;
    }

    [SkippableTheory]
    [InlineData("1.29")]
    [InlineData("1.33")]
    public void Kubectl_exec_runs_the_cheat_sheets_curl_from_test_pod(string version)
    {
        var (code, output, error) = Run(Kubectl(version), null, "exec", "test-pod", "--", "curl", "-s", "-m", "5", "nginx-service");
        Assert.True(code == 0, error);
        Assert.Contains("<title>Welcome to nginx!</title>", output, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData("1.29")]
    [InlineData("1.33")]
    public void Kubectl_exec_keeps_stdout_and_stderr_apart_and_reports_the_exit_code(string version)
    {
        var (code, output, error) = Run(Kubectl(version), null, "exec", "test-pod", "--", "sh", "-c", "echo out; echo err >&2; exit 3");
        Assert.Equal(3, code);
        Assert.Equal("out\n", output);
        Assert.Equal("err\ncommand terminated with exit code 3\n", error);
    }

    [SkippableTheory]
    [InlineData("1.29")]
    [InlineData("1.33")]
    public void Kubectl_exec_passes_stdin_through_and_the_pod_sees_its_own_hostname(string version)
    {
        var (code, output, error) = Run(Kubectl(version), "hello from stdin\n", "exec", "-i", "test-pod", "--", "sh", "-c", "cat; hostname");
        Assert.True(code == 0, error);
        Assert.Equal("hello from stdin\ntest-pod\n", output);
    }

    [SkippableTheory]
    [InlineData("1.29")]
    [InlineData("1.33")]
    public void Kubectl_run_i_attaches_to_the_pods_main_process_and_the_pod_ends_with_its_exit_code(string version)
    {
        var name = "attach-" + version.Replace(".", "", StringComparison.Ordinal);
        // --rm: kubectl waits for the pod to finish after the session, then deletes it
        var (code, output, error) = Run(Kubectl(version), "echo hello from $(hostname)\n", "run", "-i", "--rm", "--restart=Never", name, "--image=busybox", "--", "sh");
        Assert.True(code == 0, error);
        Assert.Equal($"hello from {name}\npod \"{name}\" deleted\n", output);

        var failing = name + "-err";
        (code, _, error) = Run(Kubectl(version), null, "run", "-i", "--restart=Never", failing, "--image=busybox", "--", "sh", "-c", "exit 3");
        Assert.Equal(3, code);
        Assert.Contains($"pod default/{failing} terminated (Error)", error, StringComparison.Ordinal);
        Assert.Equal("Failed 3", LabKubectl.Ok(lab.Kubelab, Kubectl(version), "get", "pod", failing, "-o", "jsonpath={.status.phase} {.status.containerStatuses[0].state.terminated.exitCode}"));
        Run(Kubectl(version), null, "delete", "pod", failing, "--grace-period=0", "--force");
    }

    [SkippableTheory]
    [InlineData("1.29")]
    [InlineData("1.33")]
    public void Kubectl_exec_of_a_missing_program_fails_in_containerds_words(string version)
    {
        var (code, _, error) = Run(Kubectl(version), null, "exec", "test-pod", "--", "no-such-program");
        Assert.Equal(1, code);
        Assert.Matches(@"^error: Internal error occurred: error executing command in container: failed to exec in container: failed to start exec ""[0-9a-f]{64}"": OCI runtime exec failed: exec failed: unable to start container process: exec: ""no-such-program"": executable file not found in \$PATH: unknown\n$", error);
    }

    [SkippableTheory]
    [InlineData("1.29")]
    [InlineData("1.33")]
    public void Kubectl_exec_with_a_terminal_gives_the_command_one_of_the_clients_size(string version)
    {
        var kubectl = Kubectl(version);
        // script(1) gives kubectl a terminal of 100x30; kubectl sends that size on the resize stream
        var inner = $"stty cols 100 rows 30; {kubectl} --kubeconfig {lab.Kubelab.Kubeconfig} exec -it test-pod -- sh -c 'tty; stty size'";
        var (code, output, error) = RunProcess("script", null, "--quiet", "--return", "--command", inner, "/dev/null");
        Assert.True(code == 0, error + output);
        Assert.Matches(@"/dev/pts/\d+\r\n30 100\r\n", output);
    }

    [SkippableTheory]
    [InlineData("1.29")]
    [InlineData("1.33")]
    public void Kubectl_logs_shows_the_nginx_pods_access_log_and_follows_it(string version)
    {
        var kubectl = Kubectl(version);
        var pod = NginxPodOnVm1(kubectl);
        var path = "/logs-" + Guid.NewGuid().ToString("N")[..8];
        lab.ExecOk("test-pod", "curl", "-s", "-o", "/dev/null", "-m", "5", $"http://10.42.0.8{path}");
        var (code, output, error) = Run(kubectl, null, "logs", pod, "--tail=1");
        Assert.True(code == 0, error);
        Assert.Matches($@"^10\.42\.1\.4 - - \[[^\]]+\] ""GET {path} HTTP/1\.1"" 404 \d+ ""-"" ""curl/[^""]+"" ""-""\n$", output);

        // -f: a line written after the request started comes through the open stream
        using var follow = Start(kubectl, "logs", "-f", pod, "--tail=0");
        var second = path + "-followed";
        var seen = Task.Run(() =>
        {
            while (follow.StandardOutput.ReadLine() is { } line)
            {
                if (line.Contains(second, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        });
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!seen.IsCompleted && DateTime.UtcNow < deadline)
        {
            lab.ExecOk("test-pod", "curl", "-s", "-o", "/dev/null", "-m", "5", $"http://10.42.0.8{second}");
            seen.Wait(TimeSpan.FromSeconds(1));
        }

        Stop(follow);
        Assert.True(seen.IsCompleted && seen.Result, "kubectl logs -f did not show the request made while it followed");
    }

    [SkippableTheory]
    [InlineData("1.29")]
    [InlineData("1.33")]
    public async Task Kubectl_port_forward_brings_an_nginx_pod_to_a_loopback_port(string version)
    {
        var kubectl = Kubectl(version);
        using var forward = Start(kubectl, "port-forward", $"pod/{NginxPodOnVm1(kubectl)}", "--address", "127.0.0.1", ":80");
        var port = ForwardedPort(forward);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        for (var i = 0; i < 3; i++)
        {
            var page = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/"));
            Assert.Contains("<title>Welcome to nginx!</title>", page, StringComparison.Ordinal);
        }

        Stop(forward);
    }

    [SkippableTheory]
    [InlineData("1.29")]
    [InlineData("1.33")]
    public async Task Kubectl_port_forward_to_a_closed_port_reports_the_refusal_and_keeps_forwarding(string version)
    {
        var kubectl = Kubectl(version);
        using var forward = Start(kubectl, "port-forward", "pod/test-pod", "--address", "127.0.0.1", ":81");
        var port = ForwardedPort(forward);
        var errors = forward.StandardError.ReadLineAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await Assert.ThrowsAnyAsync<Exception>(() => http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/")));
        Assert.True(errors.Wait(TimeSpan.FromSeconds(10)), "kubectl printed no error");
        Assert.Contains("an error occurred forwarding", errors.Result, StringComparison.Ordinal);
        Assert.Contains("failed to connect to localhost:81 inside namespace", errors.Result, StringComparison.Ordinal);
        Assert.Contains("connect: connection refused", errors.Result, StringComparison.Ordinal);
        Stop(forward);
    }

    private string NginxPodOnVm1(string kubectl)
    {
        var (_, output, _) = Run(kubectl, null, "get", "pods", "--field-selector", "status.podIP=10.42.0.8", "-o", "name");
        return output.Trim().Replace("pod/", "", StringComparison.Ordinal);
    }

    /// <summary>"Forwarding from 127.0.0.1:41234 -> 80": the local port kubectl chose.</summary>
    private static int ForwardedPort(Process forward)
    {
        var line = forward.StandardOutput.ReadLineAsync();
        Assert.True(line.Wait(TimeSpan.FromSeconds(30)) && line.Result is not null, "kubectl port-forward did not start");
        var match = ForwardingLine().Match(line.Result!);
        Assert.True(match.Success, line.Result);
        return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^Forwarding from 127\.0\.0\.1:(\d+) -> \d+$")]
    private static partial Regex ForwardingLine();

    private (int Code, string Out, string Err) Run(string kubectl, string? input, params string[] args) =>
        LabKubectl.Run(lab.Kubelab, kubectl, input, [.. LabKubectl.Options(lab.Kubelab), .. args]);

    private (int Code, string Out, string Err) RunProcess(string program, string? input, params string[] args) => LabKubectl.Run(lab.Kubelab, program, input, args);

    private Process Start(string kubectl, params string[] args) => LabKubectl.Start(lab.Kubelab, kubectl, [.. LabKubectl.Options(lab.Kubelab), .. args]);

    private static void Stop(Process process) => LabKubectl.Stop(process);
}
