using System.Globalization;
using k8s;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace KubeLab.Core.Manifests;

/// <summary>
/// Reads standard multi-document Kubernetes YAML (as kubectl apply -f takes it, including `kind: List`
/// as `kubectl get -o yaml` prints it) into KubernetesClient's own models. Errors name the source and line.
/// </summary>
public static class ManifestReader
{
    public static IReadOnlyList<ManifestDocument> Read(string text, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw KubeLabException.Invalid(
                $"{source}:{e.Start.Line}: error parsing YAML: {FirstLine(e.Message)} (line {e.Start.Line}, column {e.Start.Column}); fix the YAML and try again");
        }

        var result = new List<ManifestDocument>();
        foreach (var document in stream.Documents)
        {
            if (document.RootNode is YamlScalarNode { Value: null or "" or "~" or "null" })
            {
                continue; // an empty document, e.g. a trailing `---`
            }

            AddObject(document.RootNode, source, result);
        }

        return result;
    }

    private static void AddObject(YamlNode node, string source, List<ManifestDocument> result)
    {
        var line = (int)node.Start.Line;
        if (node is not YamlMappingNode mapping)
        {
            throw KubeLabException.Invalid($"{source}:{line}: error validating data: the document is not a mapping; each document must be a Kubernetes object with apiVersion and kind");
        }

        var apiVersion = Scalar(mapping, "apiVersion");
        var kind = Scalar(mapping, "kind");
        if (string.IsNullOrEmpty(apiVersion) || string.IsNullOrEmpty(kind))
        {
            var missing = string.IsNullOrEmpty(apiVersion) ? "apiVersion" : "kind";
            throw KubeLabException.Invalid($"{source}:{line}: error validating data: {missing} not set; every object needs apiVersion and kind");
        }

        if (kind == "List" || kind.EndsWith("List", StringComparison.Ordinal) && apiVersion == "v1" && mapping.Children.ContainsKey(new YamlScalarNode("items")))
        {
            if (mapping.Children.TryGetValue(new YamlScalarNode("items"), out var items) && StrictDecoding.ListItems(items) is { } notAList)
            {
                throw KubeLabException.Invalid($"{source}:{items.Start.Line}: unable to decode \"{source}\": {notAList}");
            }

            if (items is YamlSequenceNode sequence)
            {
                foreach (var item in sequence)
                {
                    AddObject(item, source, result);
                }
            }

            return;
        }

        var key = $"{apiVersion}/{kind}";
        if (!SupportedKinds.Types.TryGetValue(key, out var type))
        {
            throw KubeLabException.Invalid(
                $"{source}:{line}: no matches for kind \"{kind}\" in version \"{apiVersion}\"; supported kinds: {SupportedKinds.List}");
        }

        if (type != typeof(KubeProxyConfigurationDocument) && StrictDecoding.Check(mapping, type) is var (reason, at))
        {
            throw KubeLabException.Invalid($"{source}:{at}: {StrictDecoding.CannotBeHandled(apiVersion, kind, reason)}");
        }

        var yaml = Emit(mapping);
        object value;
        try
        {
            value = type == typeof(KubeProxyConfigurationDocument)
                ? new KubeProxyConfigurationDocument(ToPlain(mapping) as IReadOnlyDictionary<string, object?> ?? new Dictionary<string, object?>())
                : Deserialize(type, yaml);
        }
        catch (Exception e) when (e is YamlException or FormatException or InvalidOperationException or ArgumentException)
        {
            var where = e is YamlException y && y.Start.Line > 0 ? line + (int)y.Start.Line - 1 : line;
            throw KubeLabException.Invalid(
                $"{source}:{where}: error decoding {kind}: {FirstLine(InnerMost(e).Message)}; check the field names and types against the Kubernetes API ({apiVersion} {kind})");
        }

        result.Add(new ManifestDocument(source, line, apiVersion, kind, value));
    }

    private static object Deserialize(Type type, string yaml)
    {
        var method = typeof(KubernetesYaml).GetMethods()
            .First(m => m.Name == nameof(KubernetesYaml.Deserialize) && m.IsGenericMethod && m.GetParameters() is [{ ParameterType: var p }, ..] && p == typeof(string));
        try
        {
            var args = method.GetParameters().Length == 2 ? new object[] { yaml, true } : [yaml];
            return method.MakeGenericMethod(type).Invoke(null, args)!;
        }
        catch (System.Reflection.TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }

    private static string Emit(YamlNode node)
    {
        var writer = new StringWriter(CultureInfo.InvariantCulture);
        new YamlStream(new YamlDocument(node)).Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    private static string? Scalar(YamlMappingNode mapping, string key) =>
        mapping.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode scalar ? scalar.Value : null;

    /// <summary>YAML to plain dictionaries, lists and strings (for documents KubernetesClient has no model for).</summary>
    internal static object? ToPlain(YamlNode node) => node switch
    {
        YamlMappingNode m => m.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value ?? "", kv => ToPlain(kv.Value), StringComparer.Ordinal)
            as IReadOnlyDictionary<string, object?>,
        YamlSequenceNode s => s.Children.Select(ToPlain).ToList(),
        YamlScalarNode s => s.Value,
        _ => null,
    };

    private static Exception InnerMost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }

    private static string FirstLine(string message)
    {
        var index = message.IndexOf('\n', StringComparison.Ordinal);
        return (index < 0 ? message : message[..index]).Trim();
    }
}
