namespace KubeLab.Realize.Store;

/// <summary>
/// Folders only their owner may enter (0700), like ~/.kube: a lab's folder holds its objects (ConfigMap data, later
/// Secrets), its API server's keys and its logs.
/// </summary>
public static class PrivateFolder
{
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates the folder (and missing parents) and makes the folder itself 0700, whatever the umask did or an earlier version left.</summary>
    public static void Create(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        Directory.CreateDirectory(path, OwnerOnly);
        if ((File.GetUnixFileMode(path) & ~OwnerOnly) != 0)
        {
            File.SetUnixFileMode(path, OwnerOnly);
        }
    }
}
