using System.Globalization;
using k8s.Models;

namespace KubeLab.Core.Control;

/// <summary>
/// The Events the control plane recorded, kept as the API server keeps them: stored with the change that made them,
/// a repeat of the same event (same object, reason, message, source) counted on the first one as client-go's
/// EventCorrelator does (count, lastTimestamp), and dropped an hour after it was last seen (kube-apiserver's
/// --event-ttl default, which k3s keeps).
/// </summary>
public static class ClusterEvents
{
    public static readonly TimeSpan Ttl = TimeSpan.FromHours(1);

    public static ClusterState Store(ClusterState state, IReadOnlyList<Corev1Event> recorded, DateTimeOffset now)
    {
        var expired = now - Ttl;
        var objects = state.Objects.RemoveAll(o => o.Object is Corev1Event e && LastSeen(e) < expired);
        if (recorded.Count == 0)
        {
            return objects.Count == state.Objects.Count ? state : state with { Objects = objects };
        }

        var revision = state.Generation.ToString(CultureInfo.InvariantCulture);
        Dictionary<string, StoredObject>? counted = null;
        foreach (var ev in recorded)
        {
            ev.Metadata.ResourceVersion = revision;
            // metadata.creationTimestamp is a metav1.Time: whole seconds
            var created = ev.FirstTimestamp ?? ev.EventTime ?? now.UtcDateTime;
            ev.Metadata.CreationTimestamp ??= new DateTime(created.Ticks - (created.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
            ev.Metadata.Uid ??= Uid(ev.Metadata.Name);
            if (ev.Count is null)
            {
                objects = objects.Add(StoredObject.Of(ev));
                continue;
            }

            counted ??= objects.Where(o => o.Object is Corev1Event { Count: not null })
                .GroupBy(o => Key((Corev1Event)o.Object), StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            if (counted.TryGetValue(Key(ev), out var same) && same.Object is Corev1Event previous)
            {
                var aggregated = KubeObjects.Clone(previous);
                aggregated.Count = (previous.Count ?? 1) + 1;
                aggregated.LastTimestamp = ev.LastTimestamp;
                aggregated.Metadata.ResourceVersion = revision;
                var replaced = StoredObject.Of(aggregated);
                objects = objects.Replace(same, replaced);
                counted[Key(ev)] = replaced;
                continue;
            }

            var added = StoredObject.Of(ev);
            objects = objects.Add(added);
            counted[Key(ev)] = added;
        }

        return state with { Objects = objects };
    }

    private static string Key(Corev1Event e) =>
        string.Join('\0', e.InvolvedObject?.Uid, e.InvolvedObject?.FieldPath, e.Type, e.Reason, e.Message, e.Source?.Component, e.Source?.Host);

    private static DateTimeOffset LastSeen(Corev1Event e) =>
        new(DateTime.SpecifyKind(e.LastTimestamp ?? e.EventTime ?? e.Metadata.CreationTimestamp ?? DateTime.MinValue, DateTimeKind.Utc));

    private static string Uid(string name)
    {
        var random = new Random(unchecked((int)Names.Fnv32a("event/" + name)));
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        bytes[6] = (byte)((bytes[6] & 0x0f) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3f) | 0x80);
        return new Guid(bytes, bigEndian: true).ToString();
    }

    /// <summary>
    /// An Event as events.k8s.io/v1 serves it (pkg/apis/events/v1 conversion): regarding, note, reportingController,
    /// and the core fields under deprecated* names.
    /// </summary>
    public static Eventsv1Event ToEventsV1(Corev1Event e) => new()
    {
        ApiVersion = "events.k8s.io/v1",
        Kind = "Event",
        Metadata = e.Metadata,
        EventTime = e.EventTime,
        Series = e.Series is null ? null : new Eventsv1EventSeries { Count = e.Series.Count ?? 0, LastObservedTime = e.Series.LastObservedTime ?? DateTime.MinValue },
        ReportingController = e.ReportingComponent,
        ReportingInstance = e.ReportingInstance,
        Action = e.Action,
        Reason = e.Reason,
        Regarding = e.InvolvedObject,
        Related = e.Related,
        Note = e.Message,
        Type = e.Type,
        DeprecatedSource = e.Source is { Component: null, Host: null } ? null : e.Source,
        DeprecatedFirstTimestamp = e.FirstTimestamp,
        DeprecatedLastTimestamp = e.LastTimestamp,
        DeprecatedCount = e.Count,
    };

    /// <summary>The reverse, for the Table printer (the API server prints both versions from one internal type).</summary>
    public static Corev1Event ToCore(Eventsv1Event e) => new()
    {
        ApiVersion = "v1",
        Kind = "Event",
        Metadata = e.Metadata,
        EventTime = e.EventTime,
        Series = e.Series is null ? null : new Corev1EventSeries { Count = e.Series.Count, LastObservedTime = e.Series.LastObservedTime },
        ReportingComponent = e.ReportingController,
        ReportingInstance = e.ReportingInstance,
        Action = e.Action,
        Reason = e.Reason,
        InvolvedObject = e.Regarding,
        Related = e.Related,
        Message = e.Note,
        Type = e.Type,
        Source = e.DeprecatedSource,
        FirstTimestamp = e.DeprecatedFirstTimestamp,
        LastTimestamp = e.DeprecatedLastTimestamp,
        Count = e.DeprecatedCount,
    };
}
