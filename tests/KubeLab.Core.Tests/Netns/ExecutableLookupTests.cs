using KubeLab.Realize.Netns;

namespace KubeLab.Core.Tests.Netns;

public sealed class ExecutableLookupTests : IDisposable
{
    private readonly DirectoryInfo dir = Directory.CreateTempSubdirectory("kubelab-exec-");

    public void Dispose() => dir.Delete(recursive: true);

    [Fact]
    public void A_program_on_the_path_can_run() => Assert.Null(ExecutableLookup.Check("sh", "/nonexistent:/usr/bin:/bin"));

    [Fact]
    public void A_program_on_no_path_folder_exits_127_as_shells_do()
    {
        var failure = ExecutableLookup.Check("nosuchprogram", "/usr/bin:/bin");
        Assert.Equal((127, "exec: \"nosuchprogram\": executable file not found in $PATH"), failure);
    }

    [Fact]
    public void A_missing_path_exits_127_and_a_file_without_execute_bits_or_a_folder_exits_126()
    {
        var plain = Path.Combine(dir.FullName, "notes.txt");
        File.WriteAllText(plain, "not a program");
        Assert.Equal(127, ExecutableLookup.Check(Path.Combine(dir.FullName, "missing"), null)?.ExitCode);
        Assert.Equal((126, $"exec: \"{plain}\": permission denied"), ExecutableLookup.Check(plain, null));
        Assert.Equal(126, ExecutableLookup.Check(dir.FullName, null)?.ExitCode);
        Assert.Equal(127, ExecutableLookup.Check("notes.txt", dir.FullName)?.ExitCode); // not executable: the search goes on and finds nothing
    }
}
