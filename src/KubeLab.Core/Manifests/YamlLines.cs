using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace KubeLab.Core.Manifests;

/// <summary>Where a field is in YAML text: the line of the key (or list item) at a path of keys and indices in one object.</summary>
internal static class YamlLines
{
    /// <summary>
    /// The 1-based line of <paramref name="path"/> inside the object whose mapping starts at <paramref name="objectLine"/>
    /// (a document's or a List item's first line), or null when the text does not have it. Only for error messages:
    /// the text has been read once already, so it is known to parse.
    /// </summary>
    public static int? LineOf(string text, int objectLine, IReadOnlyList<object> path)
    {
        try
        {
            var parser = new Parser(new StringReader(text));
            while (parser.MoveNext())
            {
                if (parser.Current is MappingStart root && root.Start.Line >= objectLine)
                {
                    return Follow(parser, path);
                }
            }
        }
        catch (YamlException)
        {
        }

        return null;
    }

    /// <summary>From the current collection's start event, follows the path; the parser's events are its only stack.</summary>
    private static int? Follow(IParser parser, IReadOnlyList<object> path)
    {
        var line = (int)parser.Current!.Start.Line;
        foreach (var step in path)
        {
            switch (parser.Current, step)
            {
                case (MappingStart, string key):
                    if (FindKey(parser, key) is not { } keyLine)
                    {
                        return line;
                    }

                    line = keyLine;
                    break;
                case (SequenceStart, int index):
                    if (FindItem(parser, index) is not { } itemLine)
                    {
                        return line;
                    }

                    line = itemLine;
                    break;
                default:
                    return line;
            }
        }

        return line;
    }

    /// <summary>Moves to the value of <paramref name="key"/> in the current mapping; the key's line.</summary>
    private static int? FindKey(IParser parser, string key)
    {
        parser.MoveNext();
        while (parser.Current is not MappingEnd and not null)
        {
            var isKey = parser.Current is Scalar { Value: var name } && name == key;
            var keyLine = (int)parser.Current.Start.Line;
            Skip(parser);
            if (isKey)
            {
                return keyLine;
            }

            Skip(parser);
        }

        return null;
    }

    /// <summary>Moves to item <paramref name="index"/> of the current sequence; its line.</summary>
    private static int? FindItem(IParser parser, int index)
    {
        parser.MoveNext();
        for (var i = 0; parser.Current is not SequenceEnd and not null; i++)
        {
            if (i == index)
            {
                return (int)parser.Current.Start.Line;
            }

            Skip(parser);
        }

        return null;
    }

    /// <summary>Moves past the node that starts at the current event.</summary>
    private static void Skip(IParser parser)
    {
        var depth = 0;
        do
        {
            depth += parser.Current switch
            {
                MappingStart or SequenceStart => 1,
                MappingEnd or SequenceEnd => -1,
                _ => 0,
            };
            parser.MoveNext();
        }
        while (depth > 0);
    }
}
