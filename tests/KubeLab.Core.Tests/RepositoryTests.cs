namespace KubeLab.Core.Tests;

/// <summary>A clone of the repository stands alone: nothing in code, tests, benchmarks or CI reaches beside it.</summary>
public class RepositoryTests
{
    // Spelled with escapes so that this file does not match itself.
    private static readonly string[] OutsideReferences = ["\u0022shared\u0022", "..\u002Fshared", "/work\u002Fshared", "shared\u002Fgolden"];

    private static readonly string[] CodeExtensions = [".cs", ".csproj", ".props", ".sh", ".json", ".yaml"];

    [Fact]
    public void No_code_test_benchmark_or_ci_file_reads_the_shared_folder_beside_the_repository()
    {
        var root = RepositoryRoot();
        var files = new[] { "src", "tests", "bench" }
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(root, d), "*", SearchOption.AllDirectories))
            .Where(f => CodeExtensions.Contains(Path.GetExtension(f)) && !IsBuildOutput(f))
            .Concat(Directory.EnumerateFiles(Path.Combine(root, ".ci")))
            .ToList();
        Assert.NotEmpty(files);
        var offenders = files
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (f, line, i)))
            .Where(x => OutsideReferences.Any(r => x.line.Contains(r, StringComparison.Ordinal)))
            .Select(x => $"{Path.GetRelativePath(root, x.f)}:{x.i + 1}: {x.line.Trim()}")
            .ToList();
        Assert.True(offenders.Count == 0, "copy what a test needs into the repository instead:\n" + string.Join('\n', offenders));
    }

    private static bool IsBuildOutput(string path) =>
        path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
        || path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal);

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "KubeLab.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new FileNotFoundException("KubeLab.slnx above " + AppContext.BaseDirectory);
    }
}
