using k8s;
using k8s.Models;

namespace KubeLab.Core.Api;

public sealed record TableColumn(string Name, string Type, string Format, int Priority, string Description);

/// <summary>Placeholder until the printers land: the API server's default table (Name, Created At).</summary>
public static class TablePrinters
{
    public static IReadOnlyList<TableColumn> Columns(string resource) =>
    [
        new("Name", "string", "name", 0, "Name must be unique within a namespace."),
        new("Created At", "date", "", 0, "CreationTimestamp is a timestamp representing the server time when this object was created."),
    ];

    public static IReadOnlyList<object?> Cells(string resource, IKubernetesObject<V1ObjectMeta> value, DateTimeOffset now) =>
        [value.Metadata.Name, value.Metadata.CreationTimestamp?.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture)];
}
