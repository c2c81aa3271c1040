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
}
