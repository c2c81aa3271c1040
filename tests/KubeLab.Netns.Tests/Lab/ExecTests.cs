namespace KubeLab.Netns.Tests.Lab;

/// <summary>exec's exit codes are the command's own, and a program that cannot start gives a shell's 127/126.</summary>
[Trait("Category", "Netns")]
public sealed class ExecTests : TestLab
{
    [SkippableFact]
    public void Exec_of_a_missing_program_exits_127_and_of_a_file_that_is_no_program_126()
    {
        Skip.IfNot(Environment.IsPrivilegedProcess, "NOT RUN: the netns lab needs root (CI runs these as root)");
        Kubelab.Ok("up", "--name", Name);
        var (missing, _, missingError) = Kubelab.Run("exec", "--name", Name, "vm1", "--", "nosuchprogram", "-x");
        Assert.Equal(127, missing);
        Assert.Contains("exec: \"nosuchprogram\": executable file not found in $PATH", missingError, StringComparison.Ordinal);
        Assert.Contains("command terminated with exit code 127", missingError, StringComparison.Ordinal);
        var (notProgram, _, notProgramError) = Kubelab.Run("exec", "--name", Name, "vm1", "--", "/etc/passwd");
        Assert.Equal(126, notProgram);
        Assert.Contains("command terminated with exit code 126", notProgramError, StringComparison.Ordinal);
        // the command's own exit code passes through
        Assert.Equal(3, Kubelab.Run("exec", "--name", Name, "vm1", "--", "sh", "-c", "exit 3").Code);
    }

    [SkippableFact]
    public void Http_echo_and_whoami_pods_answer_from_their_namespace_on_their_ports()
    {
        Skip.IfNot(Environment.IsPrivilegedProcess, "NOT RUN: the netns lab needs root (CI runs these as root)");
        Kubelab.Ok("up", "--name", Name, "-f", "test-pod");
        Kubelab.Ok("run", "hello", "--image=hashicorp/http-echo", "--port=5678", "--name", Name, "--", "-text=hello from the lab");
        Kubelab.Ok("run", "who", "--image=traefik/whoami", "--name", Name);
        var who = Kubelab.Ok("get", "pod", "who", "-o", "wide", "--name", Name).Split('\n')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[5];
        var hello = Kubelab.Ok("get", "pod", "hello", "-o", "wide", "--name", Name).Split('\n')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[5];

        var echoed = Kubelab.Ok("exec", "--name", Name, "test-pod", "--", "curl", "-sS", "--max-time", "5", "-i", $"http://{hello}:5678/anything");
        var whoami = Kubelab.Ok("exec", "--name", Name, "test-pod", "--", "curl", "-sS", "--max-time", "5", "-H", "X-Lab: yes", $"http://{who}/");

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", echoed, StringComparison.Ordinal);
        Assert.Contains("X-App-Name: http-echo\r\n", echoed, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nhello from the lab\n", echoed, StringComparison.Ordinal);
        Assert.StartsWith("Hostname: who\nIP: 127.0.0.1\n", whoami, StringComparison.Ordinal);
        Assert.Contains($"IP: {who}\n", whoami, StringComparison.Ordinal);
        Assert.Contains("GET / HTTP/1.1\r\nHost: " + who + "\r\nUser-Agent: curl/", whoami, StringComparison.Ordinal);
        Assert.Contains("X-Lab: yes\r\n", whoami, StringComparison.Ordinal);
    }
}
