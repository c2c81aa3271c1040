namespace KubeLab.Netns.Tests.Lab;

/// <summary>The seed's real outputs, copied into this project (Golden/seed/README.md says from where).</summary>
internal static class SeedGolden
{
    public static string Folder { get; } = Path.Combine(AppContext.BaseDirectory, "Golden", "seed");

    public static string Read(string file) => File.ReadAllText(Path.Combine(Folder, file));
}
