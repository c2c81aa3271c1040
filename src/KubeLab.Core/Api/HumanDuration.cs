using System.Globalization;

namespace KubeLab.Core.Api;

/// <summary>
/// k8s.io/apimachinery/pkg/util/duration.HumanDuration (~2-3 significant figures: "90s", "5m30s", "22h", "3d4h",
/// "400d", "2y10d") and the printers' translateTimestampSince ("&lt;unknown&gt;" for a missing timestamp).
/// </summary>
public static class HumanDuration
{
    /// <summary>translateTimestampSince: the age of <paramref name="timestamp"/> at <paramref name="now"/>.</summary>
    public static string Since(DateTime? timestamp, DateTimeOffset now) =>
        ToOffset(timestamp) is { } t ? Format(now - t) : "<unknown>";

    /// <summary>
    /// The duration the way kubectl shows an age. Go converts with int(), which truncates toward zero: -1.9s is
    /// still "0s" (two seconds of clock skew are tolerated), -2s is "&lt;invalid&gt;".
    /// </summary>
    public static string Format(TimeSpan d)
    {
        var seconds = (long)d.TotalSeconds;
        if (seconds < -1)
        {
            return "<invalid>";
        }

        if (seconds < 0)
        {
            return "0s";
        }

        if (seconds < 60 * 2)
        {
            return F($"{seconds}s");
        }

        var minutes = seconds / 60;
        if (minutes < 10)
        {
            var s = seconds % 60;
            return s == 0 ? F($"{minutes}m") : F($"{minutes}m{s}s");
        }

        if (minutes < 60 * 3)
        {
            return F($"{minutes}m");
        }

        var hours = minutes / 60;
        if (hours < 8)
        {
            var m = minutes % 60;
            return m == 0 ? F($"{hours}h") : F($"{hours}h{m}m");
        }

        if (hours < 48)
        {
            return F($"{hours}h");
        }

        if (hours < 24 * 8)
        {
            var h = hours % 24;
            return h == 0 ? F($"{hours / 24}d") : F($"{hours / 24}d{h}h");
        }

        if (hours < 24 * 365 * 2)
        {
            return F($"{hours / 24}d");
        }

        if (hours < 24 * 365 * 8)
        {
            var dy = hours / 24 % 365;
            return dy == 0 ? F($"{hours / 24 / 365}y") : F($"{hours / 24 / 365}y{dy}d");
        }

        return F($"{hours / 24 / 365}y");
    }

    /// <summary>
    /// An API timestamp as an instant; null for a missing one (metav1.Time.IsZero). KubernetesJson reads RFC 3339
    /// times as UTC; a time without a kind is taken as UTC too.
    /// </summary>
    internal static DateTimeOffset? ToOffset(DateTime? timestamp) =>
        timestamp is not { } t || t == default
            ? null
            : t.Kind == DateTimeKind.Unspecified
                ? new DateTimeOffset(t, TimeSpan.Zero)
                : new DateTimeOffset(t.ToUniversalTime(), TimeSpan.Zero);

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
