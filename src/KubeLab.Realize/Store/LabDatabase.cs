using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using KubeLab.Core.Control;
using Microsoft.Data.Sqlite;

namespace KubeLab.Realize.Store;

/// <summary>
/// A lab's store: one SQLite database (state.db, write-ahead log, synchronous=FULL), as k3s keeps its cluster in SQLite
/// through kine. A commit writes only what changed since the state this connection last read or wrote — the objects
/// added, changed (a different instance than the one read: the control plane hands back the very instance of every
/// object it did not change) and deleted, and the lab's config, allocator memory and generation when they changed —
/// in one transaction that is on disk when the commit returns. The generation is the revision: it is stored with the
/// objects it stamped, so resourceVersions never go back after a restart or a reboot.
/// </summary>
/// <remarks>
/// One row per object, not kine's row per revision: the watch history lives in the API server's memory (a client
/// too far behind gets 410 Gone, as after a compaction), so rows of older revisions would only need compacting;
/// each row keeps the revision of the commit that last wrote it (kine's mod_revision). A row's id is its place in the state's list
/// (creation order; Events after every other object, as the control plane keeps them): a changed object keeps its row
/// and place, a new one is appended. A change that reorders the list (none of today's controllers does) rewrites the
/// table in the same transaction, so the list always reads back as it was committed.
/// </remarks>
internal sealed partial class LabDatabase : IDisposable
{
    public const string FileName = "state.db";

    /// <summary>The files SQLite keeps beside the database (write-ahead log, shared-memory index).</summary>
    public static readonly string[] Companions = ["-wal", "-shm"];

    private const string Schema = """
        CREATE TABLE lab (
          name  TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE objects (
          id          INTEGER PRIMARY KEY,  -- the object's place in the list (creation order)
          class       INTEGER NOT NULL,     -- 0, or 1 for Events (listed after every other object; see Place)
          kind        TEXT NOT NULL,
          api_version TEXT NOT NULL,
          namespace   TEXT NOT NULL,
          name        TEXT NOT NULL,
          revision    INTEGER NOT NULL,     -- the generation of the commit that last wrote the row
          value       TEXT NOT NULL         -- the object as Kubernetes JSON
        );
        CREATE INDEX objects_by_place ON objects (class, id);
        """;

    private readonly string path;
    private readonly SqliteConnection connection;
    private readonly (ulong, ulong) identity;

    // what the database holds as this connection last read or wrote it
    private long dataVersion = -1;
    private ClusterState? state;
    private Dictionary<object, Place> rows = new(ReferenceEqualityComparer.Instance);
    private long lastRow;

    private LabDatabase(string path)
    {
        this.path = path;
        identity = Identity(path);
        connection = Connect(path, SqliteOpenMode.ReadWrite);
    }

    private static SqliteConnection Connect(string path, SqliteOpenMode mode)
    {
        // no pooling: a closed connection closes its file (`down` removes the folder; a pooled handle would keep the old
        // file open and answer from it after the lab is made again); a busy database (another process's checkpoint) is
        // waited for, as the lab's lock is
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = mode,
            Pooling = false,
            DefaultTimeout = 60,
        }.ToString());
        connection.Open();
        Execute(connection, "PRAGMA busy_timeout = 60000; PRAGMA synchronous = FULL;");
        return connection;
    }

    /// <summary>Opens an existing lab database.</summary>
    public static LabDatabase Open(string path) => new(path);

    /// <summary>
    /// Makes the database whole or not at all: written into a temporary file (0600 from its creation) in one
    /// transaction, switched to write-ahead logging, closed and renamed into place; then opened with
    /// <paramref name="state"/> as what it holds.
    /// </summary>
    public static LabDatabase Create(string path, ClusterState state)
    {
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            PrivateFile.Write(temporary, ""); // SQLite takes an empty file as a new database, and keeps its mode for the log
            var numbered = Numbered(state.Objects);
            using (var connection = Connect(temporary, SqliteOpenMode.ReadWrite))
            {
                using (var transaction = connection.BeginTransaction())
                {
                    Execute(connection, Schema, transaction);
                    WriteLab(connection, transaction, state, previous: null);
                    using var insert = Insert(connection, transaction);
                    foreach (var (place, o) in numbered)
                    {
                        Bind(insert, place, o, state.Generation);
                        insert.ExecuteNonQuery();
                    }

                    transaction.Commit();
                }

                Execute(connection, "PRAGMA journal_mode = WAL;");
            }

            File.Move(temporary, path, overwrite: false);
            var database = new LabDatabase(path);
            database.Remember(state, Places(numbered));
            database.dataVersion = database.DataVersion(null);
            return database;
        }
        finally
        {
            File.Delete(temporary);
            foreach (var companion in Companions.Append("-journal"))
            {
                File.Delete(temporary + companion);
            }
        }
    }

    /// <summary>config.driver alone, without reading the objects.</summary>
    public static string DriverOf(string path)
    {
        using var connection = Connect(path, SqliteOpenMode.ReadOnly);
        var config = ReadLabValue(connection, null, "config", path);
        using var document = JsonDocument.Parse(config);
        return document.RootElement.TryGetProperty("driver", out var driver) && driver.GetString() is { } name
            ? name
            : throw StateFile.Damaged(path, "config.driver is missing");
    }

    /// <summary>
    /// The file this connection opened is still the lab's: `down` and `up` in another process make a new one (another
    /// inode: the old one cannot be reused while this connection holds it open).
    /// </summary>
    public bool IsCurrent => Identity(path) is var now && now.Inode != 0 && now == identity;

    /// <summary>
    /// The file's device and inode on Linux (statx, whose struct has one layout on every architecture: stx_ino at byte
    /// 32, stx_dev_major/minor at 136/140), else its creation time (.NET reports the last write time as the creation
    /// time on Linux, which a checkpoint changes). (0, 0) for a missing file.
    /// </summary>
    private static unsafe (ulong Device, ulong Inode) Identity(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return File.Exists(path) ? (0UL, (ulong)File.GetCreationTimeUtc(path).Ticks) : default;
        }

        var buffer = stackalloc byte[256];
        if (Statx(AtCurrentDirectory, path, 0, StatxInode, buffer) != 0)
        {
            return default;
        }

        return (((ulong)*(uint*)(buffer + 136) << 32) | *(uint*)(buffer + 140), *(ulong*)(buffer + 32));
    }

    private const int AtCurrentDirectory = -100; // AT_FDCWD
    private const uint StatxInode = 0x100; // STATX_INO

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "statx", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int directory, string path, int flags, uint mask, byte* buffer);

    /// <summary>
    /// The lab as committed: what this connection last read or wrote when no other connection has committed since
    /// (SQLite's data_version: one query), else read whole in one read transaction.
    /// </summary>
    public ClusterState Read()
    {
        lock (connection)
        {
            using var transaction = connection.BeginTransaction(deferred: true);
            var generation = ReadLabValue(connection, transaction, "generation", path); // starts the read snapshot
            var version = DataVersion(transaction);
            if (state is not null && version == dataVersion)
            {
                return state;
            }

            try
            {
                var config = ReadLabValue(connection, transaction, "config", path);
                var lastReserved = ReadLabValue(connection, transaction, "lastReserved", path);
                var objects = ImmutableList.CreateBuilder<StoredObject>();
                var ids = new Dictionary<object, Place>(ReferenceEqualityComparer.Instance);
                using (var select = connection.CreateCommand())
                {
                    select.Transaction = transaction;
                    select.CommandText = "SELECT class, id, kind, api_version, value FROM objects ORDER BY class, id";
                    using var reader = select.ExecuteReader();
                    while (reader.Read())
                    {
                        var value = StateFile.ReadObject(reader.GetString(2), reader.GetString(3), reader.GetString(4));
                        objects.Add(StoredObject.Of(value));
                        ids.TryAdd(value, new Place(reader.GetInt32(0), reader.GetInt64(1)));
                    }
                }

                using var configJson = JsonDocument.Parse(config);
                using var reservedJson = JsonDocument.Parse(lastReserved);
                var read = new ClusterState
                {
                    Config = StateFile.ReadConfig(configJson.RootElement, path),
                    Objects = objects.ToImmutable(),
                    Generation = long.Parse(generation, NumberStyles.None, CultureInfo.InvariantCulture),
                    LastReserved = StateFile.ReadLastReserved(reservedJson.RootElement),
                };
                Remember(read, ids);
                dataVersion = version;
                return read;
            }
            catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or KeyNotFoundException or ArgumentException or SqliteException)
            {
                throw StateFile.Damaged(path, e.Message);
            }
        }
    }

    /// <summary>
    /// Writes <paramref name="next"/>, a change of the state last read, in one transaction: the rows of what changed.
    /// Called under the lab's lock (one writer at a time across processes; SQLite's own lock backs it up).
    /// </summary>
    public void Commit(ClusterState next)
    {
        lock (connection)
        {
            var previous = state ?? throw new InvalidOperationException("a lab database commits a change of the state it read");
            if (ReferenceEquals(next, previous))
            {
                return;
            }

            var plan = Plan(previous, next);
            using var transaction = connection.BeginTransaction(deferred: false);
            WriteLab(connection, transaction, next, previous);
            if (plan.Rewrite)
            {
                Execute(connection, "DELETE FROM objects", transaction);
            }
            else
            {
                using var delete = connection.CreateCommand();
                delete.Transaction = transaction;
                delete.CommandText = "DELETE FROM objects WHERE id = $id";
                var id = delete.Parameters.Add("$id", SqliteType.Integer);
                foreach (var gone in plan.Deleted)
                {
                    id.Value = gone.Id;
                    delete.ExecuteNonQuery();
                }
            }

            if (plan.Written.Count > 0)
            {
                // an insert or a replace of the row of the same id: a changed object keeps its place
                using var write = Insert(connection, transaction, replace: true);
                foreach (var (place, o) in plan.Written)
                {
                    Bind(write, place, o, next.Generation);
                    write.ExecuteNonQuery();
                }
            }

            transaction.Commit();
            Remember(next, plan.Places);
        }
    }

    /// <summary>
    /// Where a row is listed: by band, then id. A row's band is its class (Events after every other object) unless the
    /// list was committed with the classes mixed, when every row is in band 0 and listed by id alone.
    /// </summary>
    private readonly record struct Place(int Band, long Id) : IComparable<Place>
    {
        public int CompareTo(Place other) => Band != other.Band ? Band.CompareTo(other.Band) : Id.CompareTo(other.Id);
    }

    private sealed record CommitPlan(bool Rewrite, List<Place> Deleted, List<(Place Place, StoredObject Object)> Written, Dictionary<object, Place> Places);

    /// <summary>
    /// Which rows a change writes: every object of <paramref name="next"/> is matched to the row of the same instance
    /// (unchanged: not written), or else of the same key (changed: written in its row), or else is a new row at the end
    /// of its band. Rows left unmatched are deleted. A list whose places would not read back in its order is written
    /// whole, numbered anew.
    /// </summary>
    private CommitPlan Plan(ClusterState previous, ClusterState next)
    {
        var places = new Dictionary<object, Place>(ReferenceEqualityComparer.Instance);
        var written = new List<(Place, StoredObject)>();
        var claimed = new HashSet<long>();
        Dictionary<string, Queue<Place>>? byKey = null;
        var nextRow = lastRow;
        var inOrder = true;
        var last = new Place(int.MinValue, 0);
        foreach (var o in next.Objects)
        {
            Place place;
            if (rows.TryGetValue(o.Object, out var same) && claimed.Add(same.Id))
            {
                place = same;
            }
            else
            {
                byKey ??= KeysOf(previous);
                place = byKey.TryGetValue(o.Key, out var placesOfKey) && placesOfKey.TryDequeue(out var changed) && claimed.Add(changed.Id)
                    ? changed
                    : new Place(ClassOf(o), ++nextRow);
                written.Add((place, o));
            }

            places.TryAdd(o.Object, place);
            inOrder &= place.CompareTo(last) > 0;
            last = place;
        }

        if (!inOrder)
        {
            var all = Numbered(next.Objects);
            return new CommitPlan(true, [], all, Places(all));
        }

        var deleted = rows.Values.Where(place => !claimed.Contains(place.Id)).ToList();
        return new CommitPlan(false, deleted, written, places);

        Dictionary<string, Queue<Place>> KeysOf(ClusterState s)
        {
            var keys = new Dictionary<string, Queue<Place>>(StringComparer.Ordinal);
            foreach (var o in s.Objects)
            {
                if (rows.TryGetValue(o.Object, out var place) && !claimed.Contains(place.Id))
                {
                    (keys.TryGetValue(o.Key, out var q) ? q : keys[o.Key] = new Queue<Place>()).Enqueue(place);
                }
            }

            return keys;
        }
    }

    /// <summary>Every object a row, numbered in list order: in the bands of their classes when the list keeps them apart, else all in band 0.</summary>
    private static List<(Place Place, StoredObject Object)> Numbered(IReadOnlyList<StoredObject> objects)
    {
        var separate = objects.Select(ClassOf).Zip(objects.Skip(1).Select(ClassOf)).All(pair => pair.First <= pair.Second);
        return objects.Select((o, i) => (new Place(separate ? ClassOf(o) : 0, i + 1L), o)).ToList();
    }

    private static Dictionary<object, Place> Places(List<(Place Place, StoredObject Object)> numbered)
    {
        var places = new Dictionary<object, Place>(ReferenceEqualityComparer.Instance);
        foreach (var (place, o) in numbered)
        {
            places.TryAdd(o.Object, place);
        }

        return places;
    }

    private static int ClassOf(StoredObject o) => o.Kind == "Event" ? 1 : 0;

    private void Remember(ClusterState read, Dictionary<object, Place> places)
    {
        state = read;
        rows = places;
        lastRow = places.Count == 0 ? lastRow : Math.Max(lastRow, places.Values.Max(p => p.Id));
    }

    private long DataVersion(SqliteTransaction? transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "PRAGMA data_version";
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>The lab's own rows: generation always, config and allocator memory when they are other instances than before.</summary>
    private static void WriteLab(SqliteConnection connection, SqliteTransaction transaction, ClusterState next, ClusterState? previous)
    {
        using var upsert = connection.CreateCommand();
        upsert.Transaction = transaction;
        upsert.CommandText = "INSERT OR REPLACE INTO lab (name, value) VALUES ($name, $value)";
        var name = upsert.Parameters.Add("$name", SqliteType.Text);
        var value = upsert.Parameters.Add("$value", SqliteType.Text);
        void Put(string key, string text)
        {
            name.Value = key;
            value.Value = text;
            upsert.ExecuteNonQuery();
        }

        if (previous is null)
        {
            Put("apiVersion", StateFile.ApiVersion);
        }

        if (previous is null || next.Generation != previous.Generation)
        {
            Put("generation", next.Generation.ToString(CultureInfo.InvariantCulture));
        }

        if (previous is null || !ReferenceEquals(next.Config, previous.Config))
        {
            Put("config", StateFile.ConfigJson(next.Config));
        }

        if (previous is null || !ReferenceEquals(next.LastReserved, previous.LastReserved))
        {
            Put("lastReserved", StateFile.LastReservedJson(next.LastReserved));
        }
    }

    private static string ReadLabValue(SqliteConnection connection, SqliteTransaction? transaction, string name, string path)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT value FROM lab WHERE name = $name";
        command.Parameters.AddWithValue("$name", name);
        try
        {
            return command.ExecuteScalar() as string ?? throw StateFile.Damaged(path, $"{name} is missing");
        }
        catch (SqliteException e)
        {
            throw StateFile.Damaged(path, e.Message);
        }
    }

    private static SqliteCommand Insert(SqliteConnection connection, SqliteTransaction transaction, bool replace = false)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"INSERT{(replace ? " OR REPLACE" : "")} INTO objects (id, class, kind, api_version, namespace, name, revision, value) VALUES ($id, $class, $kind, $apiVersion, $namespace, $name, $revision, $value)";
        command.Parameters.Add("$id", SqliteType.Integer);
        command.Parameters.Add("$class", SqliteType.Integer);
        command.Parameters.Add("$kind", SqliteType.Text);
        command.Parameters.Add("$apiVersion", SqliteType.Text);
        command.Parameters.Add("$namespace", SqliteType.Text);
        command.Parameters.Add("$name", SqliteType.Text);
        command.Parameters.Add("$revision", SqliteType.Integer);
        command.Parameters.Add("$value", SqliteType.Text);
        return command;
    }

    private static void Bind(SqliteCommand insert, Place place, StoredObject o, long generation)
    {
        var p = insert.Parameters;
        p[0].Value = place.Id;
        p[1].Value = place.Band;
        p[2].Value = o.Object.Kind ?? o.Kind;
        p[3].Value = o.Object.ApiVersion ?? "";
        p[4].Value = o.Namespace;
        p[5].Value = o.Name;
        p[6].Value = generation;
        p[7].Value = KubeObjects.Encoded(o.Object);
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose() => connection.Dispose();
}
