using System.Globalization;

namespace KubeLab.Cli.Rendering;

/// <summary>kubectl's AGE column: k8s.io/apimachinery/pkg/util/duration.HumanDuration.</summary>
public static class Age
{
    public static string Since(DateTimeOffset created, DateTimeOffset now) =>
        created == default ? "<unknown>" : Human(now - created);

    public static string Human(TimeSpan d)
    {
        static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
        var seconds = (long)Math.Floor(d.TotalSeconds);
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
}
