using System.Text.RegularExpressions;
using KubeLab.Core;
using KubeLab.Core.Control;

namespace KubeLab.Realize.Store;

/// <summary>
/// Labs on disk: $KUBELAB_HOME (default ~/.kubelab)/&lt;lab&gt;/state.json. Every change happens under an
/// exclusive lock and is written atomically (write a temporary file, flush it to disk, rename), so
/// concurrent commands never lose an update and a crash never leaves a half-written file.
/// </summary>
public sealed partial class LabStore(string home)
{
    public const string DefaultLab = "kubelab";
    public const int MaxNameLength = 20;
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(60);

    public string Home { get; } = home;

    public static LabStore FromEnvironment()
    {
        var home = Environment.GetEnvironmentVariable("KUBELAB_HOME");
        if (string.IsNullOrEmpty(home))
        {
            home = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kubelab");
        }

        return new LabStore(home);
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex LabName();

    /// <summary>Lab names become network namespace names (kl-&lt;lab&gt;-vm1), so they stay short and plain.</summary>
    public static void ValidateName(string name)
    {
        if (name.Length > MaxNameLength || !LabName().IsMatch(name))
        {
            throw KubeLabException.Usage(
                $"--name: Invalid value: \"{name}\": a lab name must be at most {MaxNameLength} characters of lower case letters, digits and '-', starting and ending with a letter or digit (e.g. 'kubelab', 'demo-2')");
        }
    }

    /// <summary>True for a name <see cref="ValidateName"/> accepts (a folder of another name in the home is not a lab).</summary>
    public static bool IsValidName(string name) => name.Length <= MaxNameLength && LabName().IsMatch(name);

    public string LabDir(string name) => Path.Combine(Home, name);

    private string StatePath(string name) => Path.Combine(LabDir(name), "state.json");

    public bool Exists(string name) => File.Exists(StatePath(name));

    public IReadOnlyList<string> List() =>
        Directory.Exists(Home)
            ? Directory.GetDirectories(Home).Where(d => File.Exists(Path.Combine(d, "state.json"))).Select(Path.GetFileName).OfType<string>()
                .Where(IsValidName).Order(StringComparer.Ordinal).ToList()
            : [];

    public ClusterState Load(string name)
    {
        ValidateName(name);
        if (!Exists(name))
        {
            throw KubeLabException.NotFound(
                $"lab \"{name}\" not found (labs: {(List() is { Count: > 0 } labs ? string.Join(", ", labs) : "none")}); create it with `kubelab up --name {name}`");
        }

        var path = StatePath(name);
        // stat before reading: a file replaced in between is read new under the old stamp, and read again next time
        var stamp = Stamp(path);
        lock (cached)
        {
            if (cached.TryGetValue(name, out var known) && known.Stamp == stamp)
            {
                return known.State;
            }
        }

        var state = StateFile.Deserialize(File.ReadAllText(path), path);
        Remember(name, stamp, state);
        return state;
    }

    /// <summary>
    /// The state last read or written per lab, with the file's size and modification time then: a long-lived process
    /// (the lab agent, whose API server writes many times a second) reads the file only when another process has
    /// replaced it. Every write replaces the file (a new inode, a new modification time).
    /// </summary>
    private readonly Dictionary<string, (FileStamp Stamp, ClusterState State)> cached = new(StringComparer.Ordinal);

    private readonly record struct FileStamp(long Length, DateTime Written);

    private static FileStamp Stamp(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? new FileStamp(info.Length, info.LastWriteTimeUtc) : default;
    }

    private void Remember(string name, FileStamp stamp, ClusterState state)
    {
        lock (cached)
        {
            cached[name] = (stamp, state);
        }
    }

    /// <summary>
    /// The lab's driver, read from its state file without loading the objects (Kubernetes JSON costs a cold start
    /// hundreds of milliseconds, and `down` needs nothing else).
    /// </summary>
    public string DriverOf(string name)
    {
        ValidateName(name);
        if (!Exists(name))
        {
            Load(name); // throws the not-found error
        }

        return StateFile.DriverOf(File.ReadAllText(StatePath(name)), StatePath(name));
    }

    /// <summary>Creates a lab; fails if one of that name exists.</summary>
    public void Create(ClusterState state)
    {
        var name = state.Config.Name;
        ValidateName(name);
        PrivateFolder.Create(LabDir(name));
        using var _ = Lock(name);
        if (Exists(name))
        {
            throw KubeLabException.Conflict($"lab \"{name}\" already exists; use it, or remove it first with `kubelab down --name {name}`");
        }

        WriteAtomically(name, state);
    }

    /// <summary>Reads, changes and writes a lab under its lock. If <paramref name="change"/> throws, nothing is written.</summary>
    public T Update<T>(string name, Func<ClusterState, (ClusterState State, T Result)> change)
    {
        ValidateName(name);
        if (!Exists(name))
        {
            Load(name); // throws the not-found error
        }

        using var _ = Lock(name);
        var (state, result) = change(Load(name));
        WriteAtomically(name, state);
        return result;
    }

    /// <summary>Removes the lab's folder (state, logs, kubeconfig).</summary>
    public void Delete(string name)
    {
        ValidateName(name);
        lock (cached)
        {
            cached.Remove(name);
        }

        if (Directory.Exists(LabDir(name)))
        {
            Directory.Delete(LabDir(name), recursive: true);
        }
    }

    private void WriteAtomically(string name, ClusterState state)
    {
        var path = StatePath(name);
        PrivateFile.WriteAtomically(path, StateFile.SerializeUtf8(state));
        Remember(name, Stamp(path), state);
    }

    /// <summary>
    /// An exclusive advisory lock (flock) on the lab's lock file, waited for up to a minute. Every writer of a lab
    /// (up, apply, delete, run, down, the lab's API server) holds it for the whole change, so one lab is never built,
    /// synced or removed by two commands at once. The lock file lives beside the lab folders ($KUBELAB_HOME/.locks),
    /// not inside its lab's folder: `down` removes that folder while it holds the lock, and a command waiting on a
    /// deleted file would lock a different inode than the next one. The lock is re-entrant on one thread (up holds it
    /// and applies its scenario, which locks again); other threads of the process wait like other processes.
    /// </summary>
    public IDisposable Lock(string name)
    {
        ValidateName(name);
        var path = LockPath(name);
        var held = HeldLocks.GetOrAdd(path, _ => new HeldLock());
        if (!Monitor.TryEnter(held, LockTimeout))
        {
            throw LockTimedOut(name, path);
        }

        try
        {
            if (held.Depth == 0)
            {
                held.Stream = AcquireFileLock(name, path);
            }

            held.Depth++;
            return new LockRelease(held);
        }
        catch
        {
            Monitor.Exit(held);
            throw;
        }
    }

    private string LockPath(string name) => Path.Combine(Home, ".locks", name + ".lock");

    private static FileStream AcquireFileLock(string name, string path)
    {
        PrivateFolder.Create(Path.GetDirectoryName(path)!);
        var deadline = DateTime.UtcNow + LockTimeout;
        var delay = 2;
        while (true)
        {
            try
            {
                // .NET takes flock(LOCK_EX | LOCK_NB) for FileShare.None on Unix
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(delay);
                delay = Math.Min(delay * 2, 50);
            }
            catch (IOException)
            {
                throw LockTimedOut(name, path);
            }
        }
    }

    private static KubeLabException LockTimedOut(string name, string path) =>
        KubeLabException.Timeout($"lab \"{name}\" is locked by another kubelab command ({path}) for over {LockTimeout.TotalSeconds:0} s; wait for it to finish");

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, HeldLock> HeldLocks = new(StringComparer.Ordinal);

    private sealed class HeldLock
    {
        public FileStream? Stream;
        public int Depth;
    }

    private sealed class LockRelease(HeldLock held) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 1)
            {
                return;
            }

            if (--held.Depth == 0)
            {
                held.Stream?.Dispose();
                held.Stream = null;
            }

            Monitor.Exit(held);
        }
    }
}
