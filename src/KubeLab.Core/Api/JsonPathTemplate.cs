using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KubeLab.Core.Api;

/// <summary>
/// kubectl's `-o jsonpath=TEMPLATE` (client-go util/jsonpath, as `kubectl get` uses it: missing keys print nothing):
/// text with actions in braces — a path (<c>{.items[*].metadata.name}</c>, <c>{.spec.ports[0].port}</c>,
/// <c>{..name}</c>, <c>{.items[?(@.spec.nodeName=="vm1")].metadata.name}</c>, <c>{['metadata']['name']}</c>), a quoted
/// literal (<c>{"\n"}</c>), and <c>{range EXPR}…{end}</c>. Several values of one action are separated by a space;
/// strings print as they are, numbers and booleans as JSON, objects and arrays as compact JSON, as Go's jsonpath does.
/// </summary>
public sealed class JsonPathTemplate
{
    private abstract record Part;
    private sealed record Text(string Value) : Part;
    private sealed record PathPart(IReadOnlyList<Step> Steps) : Part;
    private sealed record Range(IReadOnlyList<Step> Steps, IReadOnlyList<Part> Body) : Part;

    private abstract record Step;
    private sealed record Field(string Name) : Step;
    private sealed record AllChildren : Step;
    private sealed record Recursive(string? Name) : Step;
    private sealed record Index(int? Start, int? End, bool Slice) : Step;
    private sealed record Filter(IReadOnlyList<Step> Left, string? Operator, string? Right) : Step;

    private readonly IReadOnlyList<Part> parts;

    private JsonPathTemplate(IReadOnlyList<Part> parts) => this.parts = parts;

    /// <summary>Parses a template; a malformed one is a usage error in kubectl's words.</summary>
    public static JsonPathTemplate Parse(string template)
    {
        var position = 0;
        var parts = ParseParts(template, ref position, inRange: false);
        return new JsonPathTemplate(parts);
    }

    public string Execute(JsonNode? root)
    {
        var text = new StringBuilder();
        Write(parts, root, text);
        return text.ToString();
    }

    /// <summary>The values of the template's paths, each printed (custom-columns joins them with ",").</summary>
    public IReadOnlyList<string> Values(JsonNode? root) =>
        [.. parts.OfType<PathPart>().SelectMany(p => Evaluate(p.Steps, root)).Where(v => v is not null).Select(Print)];

    /// <summary>The JSON values the template's paths find (a CRD printer column reads the first).</summary>
    public IReadOnlyList<JsonNode> Results(JsonNode? root) =>
        [.. parts.OfType<PathPart>().SelectMany(p => Evaluate(p.Steps, root)).OfType<JsonNode>()];

    /// <summary>One value as the template prints it: strings as they are, anything else as JSON.</summary>
    public static string PrintValue(JsonNode value) => Print(value);

    private static void Write(IReadOnlyList<Part> parts, JsonNode? current, StringBuilder text)
    {
        foreach (var part in parts)
        {
            switch (part)
            {
                case Text t:
                    text.Append(t.Value);
                    break;
                case PathPart p:
                    text.Append(string.Join(' ', Evaluate(p.Steps, current).Select(Print)));
                    break;
                case Range r:
                    foreach (var item in Evaluate(r.Steps, current))
                    {
                        Write(r.Body, item, text);
                    }

                    break;
            }
        }
    }

    private static string Print(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => node.ToJsonString(),
    };

    private static List<JsonNode?> Evaluate(IReadOnlyList<Step> steps, JsonNode? start)
    {
        var current = new List<JsonNode?> { start };
        foreach (var step in steps)
        {
            var next = new List<JsonNode?>();
            foreach (var node in current)
            {
                switch (step)
                {
                    case Field f when node is JsonObject o && o.TryGetPropertyValue(f.Name, out var value):
                        next.Add(value);
                        break;
                    case AllChildren when node is JsonArray a:
                        next.AddRange(a);
                        break;
                    case AllChildren when node is JsonObject o:
                        next.AddRange(o.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value));
                        break;
                    case Recursive r:
                        Descend(node, r.Name, next);
                        break;
                    case Index i when node is JsonArray a:
                        next.AddRange(Slice(a, i));
                        break;
                    case Filter f when node is JsonArray a:
                        next.AddRange(a.Where(item => Matches(f, item)));
                        break;
                }
            }

            current = next;
        }

        return current;
    }

    private static void Descend(JsonNode? node, string? name, List<JsonNode?> found)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    if (name is null || key == name)
                    {
                        found.Add(value);
                    }

                    Descend(value, name, found);
                }

                break;
            case JsonArray a:
                foreach (var item in a)
                {
                    if (name is null)
                    {
                        found.Add(item);
                    }

                    Descend(item, name, found);
                }

                break;
        }
    }

    private static IEnumerable<JsonNode?> Slice(JsonArray array, Index index)
    {
        int Resolve(int value) => value < 0 ? value + array.Count : value;
        if (!index.Slice)
        {
            var at = Resolve(index.Start ?? 0);
            return at >= 0 && at < array.Count ? [array[at]] : [];
        }

        var start = Math.Clamp(Resolve(index.Start ?? 0), 0, array.Count);
        var end = Math.Clamp(Resolve(index.End ?? array.Count), 0, array.Count);
        return array.Skip(start).Take(Math.Max(0, end - start));
    }

    private static bool Matches(Filter filter, JsonNode? item)
    {
        var left = Evaluate(filter.Left, item);
        if (filter.Operator is null)
        {
            return left.Count > 0 && left[0] is not null;
        }

        if (left.Count == 0)
        {
            return false;
        }

        var value = left[0];
        var right = filter.Right!;
        var comparison = value is JsonValue v && v.GetValueKind() == JsonValueKind.Number && double.TryParse(right, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            ? v.GetValue<double>().CompareTo(number)
            : string.CompareOrdinal(Print(value), right.Trim('"', '\''));
        return filter.Operator switch
        {
            "==" => comparison == 0,
            "!=" => comparison != 0,
            "<" => comparison < 0,
            "<=" => comparison <= 0,
            ">" => comparison > 0,
            _ => comparison >= 0,
        };
    }

    private static List<Part> ParseParts(string template, ref int position, bool inRange)
    {
        var parts = new List<Part>();
        var text = new StringBuilder();
        while (position < template.Length)
        {
            var c = template[position];
            if (c != '{')
            {
                text.Append(c);
                position++;
                continue;
            }

            var close = FindClose(template, position);
            var action = template[(position + 1)..close].Trim();
            position = close + 1;
            if (text.Length > 0)
            {
                parts.Add(new Text(text.ToString()));
                text.Clear();
            }

            if (action == "end")
            {
                if (!inRange)
                {
                    throw Error(template, "not in range, nothing to end");
                }

                return parts;
            }

            if (action.StartsWith("range ", StringComparison.Ordinal))
            {
                var steps = ParsePath(action[6..].Trim(), template);
                var body = ParseParts(template, ref position, inRange: true);
                parts.Add(new Range(steps, body));
                continue;
            }

            if (action.Length >= 2 && action[0] == '"' && action[^1] == '"')
            {
                parts.Add(new Text(Unquote(action[1..^1])));
                continue;
            }

            parts.Add(new PathPart(ParsePath(action, template)));
        }

        if (inRange)
        {
            throw Error(template, "unclosed action"); // client-go: a range without {end}
        }

        if (text.Length > 0)
        {
            parts.Add(new Text(text.ToString()));
        }

        return parts;
    }

    private static int FindClose(string template, int open)
    {
        var quote = '\0';
        for (var i = open + 1; i < template.Length; i++)
        {
            var c = template[i];
            if (quote != '\0')
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '}')
            {
                return i;
            }
        }

        throw Error(template, "unclosed action");
    }

    private static string Unquote(string text) =>
        text.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\t", "\t", StringComparison.Ordinal)
            .Replace("\\r", "\r", StringComparison.Ordinal).Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);

    private static List<Step> ParsePath(string path, string template)
    {
        var steps = new List<Step>();
        var i = 0;
        if (path.StartsWith('$') || path.StartsWith('@'))
        {
            i = 1;
        }

        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                if (i + 1 < path.Length && path[i + 1] == '.')
                {
                    var start = i + 2;
                    var end = NameEnd(path, start);
                    var name = path[start..end];
                    steps.Add(new Recursive(name is "" or "*" ? null : name));
                    i = end;
                    continue;
                }

                var nameStart = i + 1;
                var nameEnd = NameEnd(path, nameStart);
                var field = path[nameStart..nameEnd];
                if (field == "*")
                {
                    steps.Add(new AllChildren());
                }
                else if (field.Length > 0)
                {
                    steps.Add(new Field(field));
                }

                i = nameEnd;
            }
            else if (path[i] == '[')
            {
                var close = path.IndexOf(']', i);
                if (path.AsSpan(i).StartsWith("[?("))
                {
                    close = path.IndexOf(")]", i, StringComparison.Ordinal) + 1;
                }

                if (close <= i)
                {
                    throw Error(template, "unterminated array");
                }

                var inside = path[(i + 1)..close].Trim();
                steps.Add(ParseBracket(inside, template));
                i = close + 1;
            }
            else
            {
                throw Error(template, $"unrecognized character in action: U+{(int)path[i]:X4} '{path[i]}'");
            }
        }

        return steps;
    }

    private static int NameEnd(string path, int start)
    {
        var end = start;
        while (end < path.Length && path[end] is not ('.' or '['))
        {
            end++;
        }

        return end;
    }

    private static Step ParseBracket(string inside, string template)
    {
        if (inside == "*")
        {
            return new AllChildren();
        }

        if (inside.Length >= 2 && inside[0] is '\'' or '"' && inside[^1] == inside[0])
        {
            return new Field(inside[1..^1]);
        }

        if (inside.StartsWith("?(", StringComparison.Ordinal) && inside.EndsWith(')'))
        {
            var expression = inside[2..^1].Trim();
            foreach (var op in new[] { "==", "!=", "<=", ">=", "<", ">" })
            {
                var at = expression.IndexOf(op, StringComparison.Ordinal);
                if (at > 0)
                {
                    return new Filter(ParsePath(expression[..at].Trim(), template), op, expression[(at + op.Length)..].Trim());
                }
            }

            return new Filter(ParsePath(expression, template), null, null);
        }

        int? Number(string text) => text.Length == 0 ? null
            : int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : throw Error(template, $"invalid array index {text}");
        var colon = inside.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? new Index(Number(inside), null, Slice: false) : new Index(Number(inside[..colon].Trim()), Number(inside[(colon + 1)..].Split(':')[0].Trim()), Slice: true);
    }

    private static KubeLabException Error(string template, string what) =>
        KubeLabException.Usage($"error: error parsing jsonpath {template}, {what}");
}
