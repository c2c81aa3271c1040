using KubeLab.Core;
using KubeLab.Realize.Store;

namespace KubeLab.Realize.Netns;

/// <summary>
/// The machine's netns labs and the KUBELAB_HOME that owns each. Network namespaces (kl-&lt;lab&gt;.…) are
/// machine-wide while lab folders are per home, so two homes must not build or remove one lab: the first home to
/// build a lab owns its name until its `down`. One file per lab under /run/kubelab/labs (tmpfs: gone at boot, as the
/// namespaces are), holding the owner's home; changed under an flock of the folder's lock file.
/// </summary>
public sealed class LabRegistry(string folder)
{
    public const string MachineFolder = "/run/kubelab/labs";

    public static LabRegistry Machine { get; } = new(MachineFolder);

    public string Folder { get; } = folder;

    /// <summary>The home that owns <paramref name="lab"/>, or null when no home does.</summary>
    public string? Owner(string lab)
    {
        var file = EntryPath(lab);
        try
        {
            return File.Exists(file) ? File.ReadAllText(file).Trim() is { Length: > 0 } home ? home : null : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The home other than <paramref name="home"/> that owns <paramref name="lab"/>, or null.</summary>
    public string? OtherOwner(string lab, string home) => Owner(lab) is { } owner && owner != Normalise(home) ? owner : null;

    /// <summary>Fails (exit 2) when another home owns <paramref name="lab"/>; changes nothing.</summary>
    public void EnsureNotOwnedByOther(string lab, string home, string verb)
    {
        if (OtherOwner(lab, home) is { } owner)
        {
            throw OwnedByOther(lab, owner, verb);
        }
    }

    /// <summary>Records this home as the owner of <paramref name="lab"/>; fails (exit 2) when another home owns it.</summary>
    public void Claim(string lab, string home)
    {
        using var _ = Lock();
        EnsureNotOwnedByOther(lab, home, "build");
        var file = EntryPath(lab);
        var temporary = $"{file}.{Environment.ProcessId}.tmp";
        File.WriteAllText(temporary, Normalise(home) + "\n");
        File.Move(temporary, file, overwrite: true);
    }

    /// <summary>Forgets <paramref name="lab"/> if this home owns it.</summary>
    public void Release(string lab, string home)
    {
        if (!Directory.Exists(Folder))
        {
            return;
        }

        using var _ = Lock();
        if (Owner(lab) == Normalise(home))
        {
            File.Delete(EntryPath(lab));
        }
    }

    /// <summary>The labs that <paramref name="home"/> owns, in name order.</summary>
    public IReadOnlyList<string> LabsOf(string home) =>
        Directory.Exists(Folder)
            ? Directory.GetFiles(Folder).Select(Path.GetFileName).OfType<string>()
                .Where(name => !name.StartsWith('.') && !name.EndsWith(".tmp", StringComparison.Ordinal) && Owner(name) == Normalise(home))
                .Order(StringComparer.Ordinal).ToList()
            : [];

    private string EntryPath(string lab)
    {
        LabStore.ValidateName(lab);
        return Path.Combine(Folder, lab);
    }

    private static string Normalise(string home) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(home));

    private static KubeLabException OwnedByOther(string lab, string owner, string verb) =>
        KubeLabException.Conflict(
            $"lab \"{lab}\" belongs to another KubeLab home ({owner}): its namespaces kl-{lab}.… are that home's, so this home may not {verb} it; "
            + $"pick another name (--name), or remove it from its own home: `KUBELAB_HOME={owner} kubelab down --name {lab}`");

    private FileStream Lock()
    {
        PrivateFolder.Create(Folder);
        var path = Path.Combine(Folder, ".lock");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(5);
            }
        }
    }
}
