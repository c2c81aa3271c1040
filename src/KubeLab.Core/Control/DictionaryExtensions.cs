namespace KubeLab.Core.Control;

internal static class DictionaryExtensions
{
    /// <summary>KubernetesClient's maps are IDictionary (nullable); this reads one without ceremony.</summary>
    public static string? Get(this IDictionary<string, string>? map, string key) =>
        map is not null && map.TryGetValue(key, out var value) ? value : null;
}
