namespace KubeLab.Realize.Store;

/// <summary>Files only their owner may read (0600), written whole or not at all: a lab's state, its agent's copy, logs, configs.</summary>
public static class PrivateFile
{
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Writes a temporary file (0600 from its creation), flushes it to disk and renames it over <paramref name="path"/>.</summary>
    public static void WriteAtomically(string path, string text) => WriteAtomically(path, System.Text.Encoding.UTF8.GetBytes(text));

    /// <inheritdoc cref="WriteAtomically(string, string)"/>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> bytes)
    {
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        using (var stream = new FileStream(temporary, Options(FileMode.Create)))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Writes <paramref name="path"/> in place, created 0600 (an existing file is made 0600 too).</summary>
    public static void Write(string path, string text)
    {
        using (var stream = new FileStream(path, Options(FileMode.Create)))
        {
            stream.Write(System.Text.Encoding.UTF8.GetBytes(text));
        }

        Restrict(path);
    }

    /// <summary>Makes an existing file 0600.</summary>
    public static void Restrict(string path)
    {
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & ~OwnerOnly) != 0)
        {
            File.SetUnixFileMode(path, OwnerOnly);
        }
    }

    private static FileStreamOptions Options(FileMode mode)
    {
        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        return options;
    }
}
