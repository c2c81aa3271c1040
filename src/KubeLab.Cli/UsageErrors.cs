using System.CommandLine;
using System.CommandLine.Parsing;

namespace KubeLab.Cli;

/// <summary>
/// Unknown verbs and options as kubectl (cobra) reports them: `unknown command "gte" for "kubelab"` and
/// `unknown flag: --show-lables` / `unknown shorthand flag: 'w' in -w`, each with cobra's "Did you mean this?"
/// suggestions (Levenshtein distance at most 2, or a prefix) — never taken as an object's name.
/// </summary>
internal static class UsageErrors
{
    private const int SuggestionsMinimumDistance = 2; // cobra's default

    public static string? Find(ParseResult parse, RootCommand root)
    {
        var command = parse.CommandResult.Command;
        foreach (var token in parse.Tokens)
        {
            if (token.Type == TokenType.DoubleDash)
            {
                break;
            }

            if (token.Type != TokenType.Argument)
            {
                continue;
            }

            if (command == root && root.Subcommands.All(c => c.Name != token.Value) && parse.Tokens[0] == token)
            {
                var verbs = Suggest(token.Value, root.Subcommands.Where(c => !c.Hidden).Select(c => c.Name));
                return $"error: unknown command \"{token.Value}\" for \"kubelab\"\n{DidYouMean(verbs)}Run 'kubelab --help' for usage.\n";
            }

            if (token.Value.Length > 1 && token.Value[0] == '-' && !double.TryParse(token.Value, System.Globalization.CultureInfo.InvariantCulture, out _))
            {
                var names = command.Options.Concat(root.Options).SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal)).Distinct().ToList();
                var flag = token.Value.Split('=')[0];
                var isLong = flag.StartsWith("--", StringComparison.Ordinal);
                var suggestions = isLong
                    ? Suggest(flag, names)
                    : names.Where(n => n.Length > 2 && n[2] == flag[1]).Order(StringComparer.Ordinal).ToList();
                var what = isLong ? $"unknown flag: {flag}" : $"unknown shorthand flag: '{flag[1]}' in {token.Value}";
                return $"error: {what}\n{DidYouMean(suggestions)}See 'kubelab {command.Name} --help' for usage.\n";
            }
        }

        return null;
    }

    private static string DidYouMean(IReadOnlyList<string> suggestions) =>
        suggestions.Count == 0 ? "" : $"\nDid you mean this?\n{string.Concat(suggestions.Select(s => $"\t{s}\n"))}\n";

    private static List<string> Suggest(string typed, IEnumerable<string> known) =>
        known.Where(k => Distance(typed.ToLowerInvariant(), k.ToLowerInvariant()) <= SuggestionsMinimumDistance
                || k.StartsWith(typed, StringComparison.OrdinalIgnoreCase) && typed.TrimStart('-').Length > 0)
            .Distinct().ToList();

    /// <summary>Levenshtein distance, as cobra's ld().</summary>
    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }
}
