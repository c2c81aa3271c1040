using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace KubeLab.Core.Manifests;

public static partial class ManifestReader
{
    /// <summary>
    /// A YAML request body (Content-Type application/yaml, application/apply-patch+yaml) as JSON text, as
    /// sigs.k8s.io/yaml's YAMLToJSON gives the API server's decoder: the first document only, an empty body null. The
    /// bounds are the manifest reader's (alias expansion, the 3 MiB an object may expand to, Go's JSON depth). Errors
    /// are <see cref="KubeLabException"/>s worded as go-yaml words them ("yaml: line 3: …") for the caller to wrap as
    /// the API server does.
    /// </summary>
    public static string YamlBodyToJson(string text)
    {
        const string source = "body";
        var parser = new Parser(new StringReader(text));
        var buffer = new JsonBuffer();
        try
        {
            Expect<StreamStart>(parser, source);
            if (Next(parser, source) is not DocumentStart)
            {
                return "null";
            }

            var document = new YamlDocumentReader(parser, source);
            var first = document.Next();
            if (first is DocumentEnd)
            {
                return "null";
            }

            document.WriteNode(first, buffer);
            return Encoding.UTF8.GetString(buffer.Complete());
        }
        catch (YamlException e)
        {
            throw KubeLabException.Invalid($"yaml: line {e.Start.Line}: {FirstLine(e.Message)}");
        }
        catch (KubeLabException e) when (ReaderMessage().Match(e.Message) is { Success: true } m)
        {
            // the reader's "body:LINE: error parsing YAML: …" as go-yaml's "yaml: line LINE: …"
            throw KubeLabException.Invalid($"yaml: line {m.Groups["line"].Value}: {m.Groups["message"].Value}");
        }
    }

    [GeneratedRegex(@"^body:(?<line>\d+): (error parsing YAML: |error decoding: )?(?<message>.*)$", RegexOptions.Singleline)]
    private static partial Regex ReaderMessage();
}
