using System.Globalization;
using System.Text;

namespace KubeLab.Netns.Tests;

/// <summary>
/// Compares iptables-restore input with what iptables-save prints after the kernel round trip
/// (kube-iptables reference §8): matches are reordered, host addresses get /32, comments of plain words
/// lose their quotes, MARK --or-mark/--xor-mark become --set-xmark, marks lose leading zeros, REJECT gains
/// its default --reject-with, probabilities are re-printed from the kernel's 32-bit value, and recent gains
/// --mask 255.255.255.255 --rsource. Each rule is reduced to a sorted list of option groups with those
/// rewrites applied, so equal rules compare equal while the order of rules within a chain still counts.
/// </summary>
internal static class IptablesRoundTrip
{
    /// <summary>(table, chain) → canonical rules in chain order; chains without rules are included.</summary>
    public static Dictionary<(string Table, string Chain), List<string>> Parse(string text)
    {
        var result = new Dictionary<(string, string), List<string>>();
        string? table = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#' || line == "COMMIT")
            {
                continue;
            }

            if (line[0] == '*')
            {
                table = line[1..];
            }
            else if (line[0] == ':')
            {
                var chain = line[1..].Split(' ')[0];
                result.TryAdd((table!, chain), []);
            }
            else if (line.StartsWith("-A ", StringComparison.Ordinal))
            {
                var tokens = Tokenise(line);
                var key = (table!, tokens[1]);
                if (!result.TryGetValue(key, out var rules))
                {
                    result[key] = rules = [];
                }

                rules.Add(Canonical(tokens.Skip(2).ToList()));
            }
        }

        return result;
    }

    public static string Canonical(string ruleSpec) => Canonical(Tokenise(ruleSpec));

    private static string Canonical(List<string> tokens)
    {
        var groups = new List<List<string>>();
        List<string>? current = null;
        var negate = false;
        foreach (var token in tokens)
        {
            if (token == "!")
            {
                negate = true;
                continue;
            }

            if (token.StartsWith('-') && !IsNumber(token))
            {
                current = negate ? ["!", token] : [token];
                groups.Add(current);
                negate = false;
            }
            else
            {
                current!.Add(token);
            }
        }

        var output = new List<string>();
        var hasReject = false;
        var hasRejectWith = false;
        foreach (var group in groups)
        {
            var option = group[group[0] == "!" ? 1 : 0];
            var values = group.Skip(group[0] == "!" ? 2 : 1).ToList();
            switch (option)
            {
                case "-s" or "-d" or "--src" or "--dst":
                    var address = values[0].Contains('/', StringComparison.Ordinal) ? values[0] : values[0] + "/32";
                    output.Add((group[0] == "!" ? "! " : "") + (option.Length == 2 ? option : option == "--src" ? "-s" : "-d") + " " + address);
                    continue;
                case "--or-mark":
                    output.Add($"--set-xmark {Hex(values[0])}/{Hex(values[0])}");
                    continue;
                case "--xor-mark":
                    output.Add($"--set-xmark {Hex(values[0])}/0x0");
                    continue;
                case "--mark" or "--set-xmark":
                    var parts = values[0].Split('/');
                    output.Add((group[0] == "!" ? "! " : "") + option + " " + string.Join('/', parts.Select(Hex)));
                    continue;
                case "--probability":
                    output.Add("--probability " + double.Parse(values[0], CultureInfo.InvariantCulture).ToString("F9", CultureInfo.InvariantCulture));
                    continue;
                case "--mask" when values is ["255.255.255.255"]:
                case "--rsource":
                    continue;
                case "-j" when values is ["REJECT", ..]:
                    hasReject = true;
                    break;
                case "--reject-with":
                    hasRejectWith = true;
                    break;
            }

            output.Add(string.Join(' ', group));
        }

        if (hasReject && !hasRejectWith)
        {
            output.Add("--reject-with icmp-port-unreachable");
        }

        output.Sort(StringComparer.Ordinal);
        return string.Join(" | ", output);
    }

    private static bool IsNumber(string token) => token.Length > 1 && char.IsAsciiDigit(token[1]);

    private static string Hex(string value) =>
        "0x" + Convert.ToUInt32(value, 16).ToString("x", CultureInfo.InvariantCulture);

    /// <summary>Splits a rule line into words; double-quoted strings are one word (without quotes).</summary>
    public static List<string> Tokenise(string line)
    {
        var tokens = new List<string>();
        var word = new StringBuilder();
        var quoted = false;
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '\\' && i + 1 < line.Length)
                {
                    word.Append(line[++i]);
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
                inWord = true;
            }
            else if (c == ' ')
            {
                if (inWord)
                {
                    tokens.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            tokens.Add(word.ToString());
        }

        return tokens;
    }
}
