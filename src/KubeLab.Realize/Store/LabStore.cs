using System.Text.RegularExpressions;
using KubeLab.Core;
using KubeLab.Core.Control;

namespace KubeLab.Realize.Store;

/// <summary>
/// Labs on disk: $KUBELAB_HOME (default ~/.kubelab)/&lt;lab&gt;/state.db (<see cref="LabDatabase"/>). Every change
/// happens under an exclusive lock and is committed in one SQLite transaction that writes only what changed, so
/// concurrent commands never lose an update and a crash leaves the old state or the new one.
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

    /// <summary>The lab's database (<see cref="LabDatabase"/>).</summary>
    private string DatabasePath(string name) => Path.Combine(LabDir(name), LabDatabase.FileName);

    /// <summary>The whole-file state of labs made before the database: read once and moved into it.</summary>
    private string LegacyStatePath(string name) => Path.Combine(LabDir(name), LegacyStateFileName);

    public const string LegacyStateFileName = "state.json";

    public bool Exists(string name) => IsLab(LabDir(name));

    private static bool IsLab(string folder) =>
        File.Exists(Path.Combine(folder, LabDatabase.FileName)) || File.Exists(Path.Combine(folder, LegacyStateFileName));

    public IReadOnlyList<string> List() =>
        Directory.Exists(Home)
            ? Directory.GetDirectories(Home).Where(IsLab).Select(Path.GetFileName).OfType<string>()
                .Where(IsValidName).Order(StringComparer.Ordinal).ToList()
            : [];

    /// <summary>
    /// When the lab's store last committed (the database or its write-ahead log was written): what
    /// <see cref="Netns.AgentLauncher.RollForward"/> compares the agent's state file with.
    /// </summary>
    public static DateTime CommittedAt(string labDir) =>
        new[] { LabDatabase.FileName, LabDatabase.FileName + "-wal", LegacyStateFileName }
            .Select(f => Path.Combine(labDir, f)).Where(File.Exists).Select(File.GetLastWriteTimeUtc).DefaultIfEmpty(DateTime.MinValue).Max();

    public ClusterState Load(string name)
    {
        ValidateName(name);
        if (!Exists(name))
        {
            throw KubeLabException.NotFound(
                $"lab \"{name}\" not found (labs: {(List() is { Count: > 0 } labs ? string.Join(", ", labs) : "none")}); create it with `kubelab up --name {name}`");
        }

        return Database(name).Read();
    }

    /// <summary>
    /// An open connection per lab, kept with what it last read or wrote: a long-lived process (the lab agent, whose API
    /// server writes many times a second) reads the objects again only when another process has committed.
    /// </summary>
    private readonly Dictionary<string, LabDatabase> open = new(StringComparer.Ordinal);

    private LabDatabase Database(string name)
    {
        lock (open)
        {
            if (open.TryGetValue(name, out var known))
            {
                if (known.IsCurrent)
                {
                    return known;
                }

                known.Dispose();
                open.Remove(name);
            }
        }

        var path = DatabasePath(name);
        if (!File.Exists(path))
        {
            Migrate(name);
        }

        LabDatabase database;
        try
        {
            database = LabDatabase.Open(path);
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            throw StateFile.Damaged(path, e.Message);
        }

        lock (open)
        {
            if (open.TryGetValue(name, out var raced))
            {
                database.Dispose();
                return raced;
            }

            open[name] = database;
            return database;
        }
    }

    /// <summary>
    /// A lab made before the database: its state.json, read once under the lab's lock, becomes the database (made whole
    /// or not at all, then the file is removed; a kill in between leaves both, and the database wins).
    /// </summary>
    private void Migrate(string name)
    {
        using var _ = Lock(name);
        var path = DatabasePath(name);
        var legacy = LegacyStatePath(name);
        if (File.Exists(path) || !File.Exists(legacy))
        {
            return;
        }

        var state = StateFile.Deserialize(File.ReadAllText(legacy), legacy);
        LabDatabase.Create(path, state).Dispose();
        File.Delete(legacy);
    }

    /// <summary>
    /// The lab as committed, read afresh through a connection of its own, in the whole-file form labs had before the
    /// database (what tests compare to show that a command changed nothing, and the form a lab is migrated from).
    /// </summary>
    public string Export(string name)
    {
        Load(name); // the not-found error, and a lab made before the database migrated
        using var database = LabDatabase.Open(DatabasePath(name));
        return System.Text.Encoding.UTF8.GetString(StateFile.SerializeUtf8(database.Read()));
    }

    /// <summary>The lab's driver, without reading its objects (`down` needs nothing else).</summary>
    public string DriverOf(string name)
    {
        ValidateName(name);
        if (!Exists(name))
        {
            Load(name); // throws the not-found error
        }

        var path = DatabasePath(name);
        if (!File.Exists(path))
        {
            // a lab made before the database, not yet migrated: `down` removes it without moving it first
            return StateFile.DriverOf(File.ReadAllText(LegacyStatePath(name)), LegacyStatePath(name));
        }

        try
        {
            return LabDatabase.DriverOf(path);
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            throw StateFile.Damaged(path, e.Message);
        }
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

        var database = LabDatabase.Create(DatabasePath(name), state);
        lock (open)
        {
            if (open.Remove(name, out var stale))
            {
                stale.Dispose();
            }

            open[name] = database;
        }
    }

    /// <summary>
    /// Reads, changes and commits a lab under its lock: only what <paramref name="change"/> changed is written, in one
    /// transaction. If <paramref name="change"/> throws, nothing is written.
    /// </summary>
    public T Update<T>(string name, Func<ClusterState, (ClusterState State, T Result)> change)
    {
        ValidateName(name);
        if (!Exists(name))
        {
            Load(name); // throws the not-found error
        }

        using var _ = Lock(name);
        var database = Database(name);
        var (state, result) = change(database.Read());
        database.Commit(state);
        return result;
    }

    /// <summary>Removes the lab's folder (state, logs, kubeconfig).</summary>
    public void Delete(string name)
    {
        ValidateName(name);
        lock (open)
        {
            if (open.Remove(name, out var database))
            {
                database.Dispose();
            }
        }

        if (Directory.Exists(LabDir(name)))
        {
            Directory.Delete(LabDir(name), recursive: true);
        }
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

    /// <summary>
    /// The lock between the lab's API clients and what replaces its agent: `kubelab apply`, `run` and `delete` hold it
    /// shared while they talk to the agent's API server; `up` and `down`, which stop the agent, hold it exclusive, and
    /// take it before the lab's lock (the agent takes the lab's lock to store a client's write: a command that held
    /// the lab's lock while waiting here would wait for itself). Waited for up to a minute.
    /// </summary>
    public IDisposable AgentUse(string name, bool exclusive)
    {
        ValidateName(name);
        return AcquireFileLock(name, Path.Combine(Home, ".locks", name + ".api.lock"), exclusive);
    }

    private static FileStream AcquireFileLock(string name, string path, bool exclusive = true)
    {
        PrivateFolder.Create(Path.GetDirectoryName(path)!);
        var deadline = DateTime.UtcNow + LockTimeout;
        var delay = 2;
        while (true)
        {
            try
            {
                // .NET takes flock(LOCK_EX | LOCK_NB) for FileShare.None on Unix, flock(LOCK_SH | LOCK_NB) otherwise
                return exclusive
                    ? new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None)
                    : new FileStream(path, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite);
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
