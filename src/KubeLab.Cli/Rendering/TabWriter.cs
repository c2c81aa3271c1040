using System.Text;

namespace KubeLab.Cli.Rendering;

/// <summary>
/// Column alignment as kubectl prints tables: Go's text/tabwriter with minwidth 6, padding 3 and
/// blanks (k8s.io/cli-runtime printers.GetNewTabWriter). Every cell but the last of a row is padded to
/// its column's width; the last cell is printed as it is, with no trailing blanks.
/// </summary>
public static class TabWriter
{
    private const int MinWidth = 6;
    private const int Padding = 3;

    public static string Format(IReadOnlyList<IReadOnlyList<string>> rows)
    {
        var columns = rows.Count == 0 ? 0 : rows.Max(r => r.Count);
        var widths = new int[columns];
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Count - 1; i++)
            {
                widths[i] = Math.Max(widths[i], Math.Max(MinWidth, row[i].Length + Padding));
            }
        }

        var text = new StringBuilder();
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Count; i++)
            {
                text.Append(i < row.Count - 1 ? row[i].PadRight(widths[i]) : row[i]);
            }

            text.Append('\n');
        }

        return text.ToString();
    }
}
