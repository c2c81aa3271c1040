using System.Globalization;
using System.Text.Json;
using KubeLab.Core;

namespace KubeLab.Realize.Multipass;

/// <summary>
/// Reads multipass's JSON (json_formatter.cpp) with its real types: cpu_count, snapshot_count and disk sizes
/// are strings, memory.used/total numbers, ipv4 a list (empty until a lease; flannel and cni0 add 10.42.x
/// entries once k3s runs). Keys that older releases lack are tolerated.
/// </summary>
public static class MultipassJson
{
    public static IReadOnlyDictionary<string, MultipassInstance> ParseInfo(string json)
    {
        using var document = Parse(json, "info");
        var result = new Dictionary<string, MultipassInstance>(StringComparer.Ordinal);
        if (document.RootElement.TryGetProperty("info", out var info) && info.ValueKind == JsonValueKind.Object)
        {
            foreach (var vm in info.EnumerateObject())
            {
                result[vm.Name] = Instance(vm.Name, vm.Value);
            }
        }

        return result;
    }

    public static IReadOnlyList<MultipassInstance> ParseList(string json)
    {
        using var document = Parse(json, "list");
        if (!document.RootElement.TryGetProperty("list", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        return list.EnumerateArray()
            .Where(vm => vm.ValueKind == JsonValueKind.Object && vm.TryGetProperty("name", out _))
            .Select(vm => Instance(vm.GetProperty("name").GetString() ?? "", vm))
            .ToList();
    }

    private static JsonDocument Parse(string json, string command)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw KubeLabException.Host($"`multipass {command} --format json` printed something that is not JSON ({e.Message}): {Shorten(json)}");
        }
    }

    private static MultipassInstance Instance(string name, JsonElement vm) => new(
        name,
        Text(vm, "state") ?? "Unknown",
        vm.TryGetProperty("ipv4", out var ipv4) && ipv4.ValueKind == JsonValueKind.Array
            ? ipv4.EnumerateArray().Select(a => a.GetString()).OfType<string>().Where(a => a.Length > 0).ToList()
            : [],
        int.TryParse(Text(vm, "cpu_count"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var cpus) ? cpus : null,
        vm.TryGetProperty("memory", out var memory) && memory.ValueKind == JsonValueKind.Object ? Number(memory, "total") : null,
        Text(vm, "release"));

    /// <summary>A string field, or a number printed as one (releases differ).</summary>
    private static string? Text(JsonElement element, string key) =>
        element.TryGetProperty(key, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                _ => null,
            }
            : null;

    private static long? Number(JsonElement element, string key) =>
        element.TryGetProperty(key, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.Number when value.TryGetInt64(out var n) => n,
                JsonValueKind.String when long.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => n,
                _ => null,
            }
            : null;

    internal static string Shorten(string text) => text.Length > 300 ? text[..300] + " ..." : text.Trim();
}
