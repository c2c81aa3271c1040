using KubeLab.Core;
using KubeLab.Core.Manifests;

namespace KubeLab.Cli;

/// <summary>Where `-f` reads from: a file, a folder of .yaml/.yml/.json files, a URL, stdin, or a built-in scenario.</summary>
public static class ManifestSources
{
    /// <param name="strict">apply and up: objects are checked as the API server checks what kubectl apply sends (strict field validation).</param>
    /// <param name="custom">apply and delete: kinds KubeLab has no type for are kept as custom objects, for the lab's CRDs to judge.</param>
    public static IReadOnlyList<ManifestDocument> Read(IReadOnlyList<string> sources, TextReader stdin, bool strict = false, bool custom = false)
    {
        if (sources.Count == 0)
        {
            throw KubeLabException.Usage("must specify one of -f and -k (e.g. `kubelab apply -f seed` or `kubelab apply -f app.yaml`)");
        }

        var documents = new List<ManifestDocument>();
        foreach (var source in sources)
        {
            documents.AddRange(ReadOne(source, stdin, strict, custom));
        }

        return documents;
    }

    private static IReadOnlyList<ManifestDocument> ReadOne(string source, TextReader stdin, bool strict, bool custom)
    {
        if (source == "-")
        {
            return ManifestReader.Read(stdin.ReadToEnd(), "<stdin>", strict, custom);
        }

        if (source.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || source.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            try
            {
                return ManifestReader.Read(client.GetStringAsync(new Uri(source)).GetAwaiter().GetResult(), source, strict, custom);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                throw KubeLabException.Invalid($"unable to read URL \"{source}\": {e.Message}; download it and pass the file instead");
            }
        }

        if (Directory.Exists(source))
        {
            return Directory.GetFiles(source).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)
                .SelectMany(f => ManifestReader.Read(File.ReadAllBytes(f), f, strict, custom))
                .ToList();
        }

        if (File.Exists(source))
        {
            return ManifestReader.Read(File.ReadAllBytes(source), source, strict, custom);
        }

        if (Scenarios.TryGet(source, out var text))
        {
            return ManifestReader.Read(text, $"scenario {source}", strict, custom);
        }

        throw KubeLabException.Invalid(
            $"the path \"{source}\" does not exist, and it is not a built-in scenario ({string.Join(", ", Scenarios.Descriptions.Keys)})");
    }
}
