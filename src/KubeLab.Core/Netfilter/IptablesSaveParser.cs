namespace KubeLab.Core.Netfilter;

/// <summary>
/// Reads <c>iptables-save</c> output (and iptables-restore input): <c>*table</c>, <c>:CHAIN POLICY [p:b]</c>,
/// <c>-A CHAIN matches -j TARGET options</c>, <c>COMMIT</c>, <c># comments</c>. Options are split generically
/// (an option takes the words up to the next option), so modules it does not know still parse and are reported
/// by the evaluator instead.
/// </summary>
internal static class IptablesSaveParser
{
    private static readonly Dictionary<string, string> BasicOptions = new(StringComparer.Ordinal)
    {
        ["-s"] = "s",
        ["--source"] = "s",
        ["--src"] = "s",
        ["-d"] = "d",
        ["--destination"] = "d",
        ["--dst"] = "d",
        ["-i"] = "i",
        ["--in-interface"] = "i",
        ["-o"] = "o",
        ["--out-interface"] = "o",
        ["-p"] = "p",
        ["--protocol"] = "p",
    };

    public static Ruleset Parse(string text, string? source, bool deferRules = false)
    {
        var where = source ?? "iptables-save";
        var tables = new Dictionary<string, NetfilterTable>(StringComparer.Ordinal);
        // Dumps repeat the same words (-m, comment, tcp, chain names) hundreds of thousands of times: keep one copy.
        var words = new Words(pooled: false);
        var allRules = new List<NetfilterRule>();
        NetfilterTable? current = null;
        (NetfilterChain? Chain, string Name) last = default; // rules come chain by chain: the previous rule's chain, found again without a lookup
        var lineNumber = 0;
        var lastLine = 0;
        var start = 0;
        while (start <= text.Length)
        {
            var end = text.IndexOf('\n', start);
            if (end < 0)
            {
                end = text.Length;
            }

            lineNumber++;
            var lineStart = start;
            var line = text.AsSpan(start, end - start).TrimEnd('\r');
            start = end + 1;
            var trimmed = line.Trim();
            if (trimmed.IsEmpty || trimmed[0] == '#')
            {
                continue;
            }

            lastLine = lineNumber;

            switch (trimmed[0])
            {
                case '*':
                    if (current is not null)
                    {
                        throw Error(where, lineNumber, $"table \"{trimmed[1..]}\" starts before table \"{current.Name}\" (line {current.LineNumber}) ended: add a COMMIT line");
                    }

                    var tableName = trimmed[1..].ToString();
                    if (tableName.Length == 0)
                    {
                        throw Error(where, lineNumber, "\"*\" without a table name: expected *filter, *nat, *mangle, *raw or *security");
                    }

                    if (tables.TryGetValue(tableName, out var previous))
                    {
                        throw Error(where, lineNumber, $"table \"{tableName}\" appears twice (first at line {previous.LineNumber})");
                    }

                    current = new NetfilterTable(tableName, lineNumber);
                    tables.Add(tableName, current);
                    break;
                case ':':
                    ParseChainLine(trimmed, current, where, lineNumber);
                    break;
                case '[':
                case '-':
                    var rule = ParseRuleLine(text, lineStart + (line.Length - line.TrimStart().Length), trimmed.Length, current, where, lineNumber, words, deferRules, ref last);
                    if (rule is not null)
                    {
                        allRules.Add(rule); // kept only to be checked below: a deferred parse makes rules on first use
                    }

                    break;
                default:
                    if (trimmed.SequenceEqual("COMMIT"))
                    {
                        if (current is null)
                        {
                            throw Error(where, lineNumber, "COMMIT outside a table: expected a *table line before it");
                        }

                        current = null;
                        break;
                    }

                    throw Error(where, lineNumber, $"unexpected line \"{Shorten(trimmed.ToString())}\": expected *table, :CHAIN, -A CHAIN ..., COMMIT or # comment");
            }
        }

        if (current is not null)
        {
            throw Error(where, lastLine, $"table \"{current.Name}\" (line {current.LineNumber}) has no COMMIT: the dump is truncated");
        }

        if (!deferRules)
        {
            // Every rule is checked, in file order, so the first malformed line fails the parse. The parsed form is
            // dropped (it dies young; keeping 320,000 of them made the GC cost more than the parsing) and read again
            // when the rule is first used.
            foreach (var rule in allRules)
            {
                rule.Check(words);
            }
        }

        return new Ruleset(tables, source);
    }

    /// <summary>":NAME POLICY [packets:bytes]", its words read in place (a 10,000-Service node declares 110,000 chains).</summary>
    private static void ParseChainLine(ReadOnlySpan<char> line, NetfilterTable? table, string where, int lineNumber)
    {
        if (table is null)
        {
            throw Error(where, lineNumber, $"chain line \"{Shorten(line.ToString())}\" outside a table: expected a *table line before it");
        }

        var rest = line[1..].TrimStart(' ');
        if (rest.IsEmpty)
        {
            throw Error(where, lineNumber, "chain line without a name: expected \":NAME POLICY [packets:bytes]\"");
        }

        var space = rest.IndexOf(' ');
        var name = (space < 0 ? rest : rest[..space]).ToString();
        rest = space < 0 ? [] : rest[space..].TrimStart(' ');
        space = rest.IndexOf(' ');
        var second = space < 0 ? rest : rest[..space];
        string? policy = !second.IsEmpty && !second.SequenceEqual("-") ? second.ToString() : null;
        if (policy is not null && policy is not ("ACCEPT" or "DROP" or "QUEUE" or "RETURN"))
        {
            throw Error(where, lineNumber, $"chain \"{name}\" has policy \"{policy}\": a built-in chain's policy is ACCEPT or DROP, a user chain's is \"-\"");
        }

        if (table.ChainMap.TryGetValue(name, out var existing))
        {
            throw Error(where, lineNumber, $"chain \"{name}\" is declared twice in table \"{table.Name}\" (first at line {existing.LineNumber})");
        }

        table.ChainMap.Add(name, new NetfilterChain(table.Name, name, policy, lineNumber));
    }

    private static NetfilterRule? ParseRuleLine(string text, int offset, int length, NetfilterTable? table, string where, int lineNumber, Words words, bool deferRules, ref (NetfilterChain? Chain, string Name) last)
    {
        // The header (-A CHAIN) is read here; the rest of the rule now, or on first use when deferred.
        var line = text.AsSpan(offset, length);
        var rest = line;
        if (rest.StartsWith("["))
        {
            var close = rest.IndexOf(']');
            rest = close < 0 ? [] : rest[(close + 1)..].TrimStart(); // [packets:bytes] from iptables-save --counters
        }

        var space = rest.IndexOfAny(' ', '\t');
        var verb = space < 0 ? rest : rest[..space];
        if (!verb.SequenceEqual("-A") && !verb.SequenceEqual("--append"))
        {
            throw Error(where, lineNumber, $"unexpected rule \"{Shorten(line.ToString())}\": iptables-save rules start with -A CHAIN");
        }

        if (table is null)
        {
            throw Error(where, lineNumber, "rule outside a table: expected a *table line before it");
        }

        rest = space < 0 ? [] : rest[space..].TrimStart();
        if (rest.IsEmpty)
        {
            throw Error(where, lineNumber, "-A without a chain name");
        }

        space = rest.IndexOfAny(' ', '\t');
        var nameSpan = space < 0 ? rest : rest[..space];
        NetfilterChain? chain;
        string chainName;
        if (last.Chain is not null && last.Chain.Table == table.Name && nameSpan.SequenceEqual(last.Name))
        {
            (chain, chainName) = last;
        }
        else
        {
            chainName = words.Intern(nameSpan);
            if (!table.ChainMap.TryGetValue(chainName, out chain))
            {
                throw Error(where, lineNumber, $"chain \"{chainName}\" is not declared in table \"{table.Name}\": add \":{chainName} - [0:0]\" before the rules");
            }

            last = (chain, chainName);
        }

        if (deferRules)
        {
            chain.AddDeferred(text, where, offset, length, lineNumber);
            return null;
        }

        var rule = new NetfilterRule(table.Name, chainName, lineNumber, text, offset, length, where)
        {
            Position = chain.RuleCount + 1,
        };
        chain.Add(rule);
        return rule;
    }

    internal sealed record RuleBody(IReadOnlyList<RuleMatch> Matches, string? Target, IReadOnlyList<MatchOption> TargetOptions, bool IsGoto);

    internal static RuleBody ParseBody(string line, string where, int lineNumber, Words? words = null)
    {
        words ??= new Words(pooled: false);
        var tokens = Tokenize(line, where, lineNumber, words);
        var i = 0;
        if (tokens.Count > 0 && tokens[0].Text.StartsWith('[') && !tokens[0].Quoted)
        {
            i++;
        }

        i += 2;
        var matches = new List<RuleMatch>();
        string? module = null;
        List<MatchOption>? moduleOptions = null;
        string? protocol = null;
        var negate = false;
        string? target = null;
        var isGoto = false;
        var targetOptions = new List<MatchOption>();

        void CloseModule()
        {
            if (module is not null)
            {
                matches.Add(new RuleMatch(module, moduleOptions!));
                module = null;
                moduleOptions = null;
            }
        }

        while (i < tokens.Count)
        {
            var token = tokens[i];
            if (token.Text == "!" && !token.Quoted)
            {
                if (negate)
                {
                    throw Error(where, lineNumber, "\"! !\": double negation");
                }

                negate = true;
                i++;
                continue;
            }

            if (token.Quoted || !token.Text.StartsWith('-'))
            {
                throw Error(where, lineNumber, $"unexpected word \"{token.Text}\" in \"{Shorten(line)}\": expected an option");
            }

            if (target is not null)
            {
                var (option, next) = ReadOption(tokens, i, negate);
                targetOptions.Add(option);
                negate = false;
                i = next;
                continue;
            }

            if (BasicOptions.TryGetValue(token.Text, out var basic))
            {
                if (i + 1 >= tokens.Count)
                {
                    throw Error(where, lineNumber, $"option {token.Text} needs a value");
                }

                CloseModule();
                var value = tokens[i + 1].Text;
                if (basic == "p")
                {
                    protocol = value;
                }

                matches.Add(new RuleMatch("", [new MatchOption(basic, negate, [value])]));
                negate = false;
                i += 2;
                continue;
            }

            switch (token.Text)
            {
                case "-f" or "--fragment":
                    CloseModule();
                    matches.Add(new RuleMatch("", [new MatchOption("f", negate, [])]));
                    negate = false;
                    i++;
                    continue;
                case "-m" or "--match":
                    if (negate)
                    {
                        throw Error(where, lineNumber, "\"!\" before -m: negate an option of the module instead");
                    }

                    if (i + 1 >= tokens.Count)
                    {
                        throw Error(where, lineNumber, "-m needs a module name");
                    }

                    CloseModule();
                    module = tokens[i + 1].Text;
                    moduleOptions = [];
                    i += 2;
                    continue;
                case "-j" or "--jump" or "-g" or "--goto":
                    if (i + 1 >= tokens.Count)
                    {
                        throw Error(where, lineNumber, $"{token.Text} needs a target");
                    }

                    CloseModule();
                    target = tokens[i + 1].Text;
                    isGoto = token.Text is "-g" or "--goto";
                    i += 2;
                    continue;
                case "-c" or "--set-counters":
                    i += 3;
                    continue;
            }

            if (!token.Text.StartsWith("--", StringComparison.Ordinal))
            {
                throw Error(where, lineNumber, $"unknown option \"{token.Text}\" in \"{Shorten(line)}\"");
            }

            if (module is null)
            {
                // Old dumps and hand-written rules may use --dport after -p tcp without -m tcp: iptables loads the
                // protocol's match implicitly.
                if (protocol is null)
                {
                    throw Error(where, lineNumber, $"option \"{token.Text}\" outside a match: expected -m MODULE before it");
                }

                module = protocol;
                moduleOptions = [];
            }

            var (moduleOption, after) = ReadOption(tokens, i, negate);
            moduleOptions!.Add(moduleOption);
            negate = false;
            i = after;
        }

        if (negate)
        {
            throw Error(where, lineNumber, "\"!\" at the end of the rule: nothing to negate");
        }

        CloseModule();
        return new RuleBody(matches, target, targetOptions, isGoto);
    }

    private static (MatchOption Option, int Next) ReadOption(List<Token> tokens, int i, bool negate)
    {
        var name = tokens[i].Text.TrimStart('-');
        var values = new List<string>();
        var j = i + 1;
        while (j < tokens.Count && (tokens[j].Quoted || !IsOptionStart(tokens[j].Text)))
        {
            values.Add(tokens[j].Text);
            j++;
        }

        return (new MatchOption(name, negate, values), j);
    }

    private static bool IsOptionStart(string word) =>
        word == "!" || (word.Length > 1 && word[0] == '-' && !char.IsAsciiDigit(word[1]));

    internal readonly record struct Token(string Text, bool Quoted);

    internal sealed class Words(bool pooled = true)
    {
        private readonly Dictionary<string, string>? pool = pooled ? new(StringComparer.Ordinal) : null;

        public List<Token> Tokens { get; } = new(32);

        public string Intern(ReadOnlySpan<char> word)
        {
            if (pool is null)
            {
                return word.ToString();
            }

            var lookup = pool.GetAlternateLookup<ReadOnlySpan<char>>();
            if (lookup.TryGetValue(word, out var existing))
            {
                return existing;
            }

            var text = word.ToString();
            pool.Add(text, text);
            return text;
        }
    }

    private static List<Token> Tokenize(string line, string where, int lineNumber, Words words)
    {
        var tokens = words.Tokens;
        tokens.Clear();
        var i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && line[i] is ' ' or '\t')
            {
                i++;
            }

            if (i >= line.Length)
            {
                break;
            }

            if (line[i] == '"')
            {
                var sb = new System.Text.StringBuilder();
                var j = i + 1;
                var closed = false;
                while (j < line.Length)
                {
                    var c = line[j];
                    if (c == '\\' && j + 1 < line.Length && line[j + 1] is '"' or '\\')
                    {
                        sb.Append(line[j + 1]);
                        j += 2;
                        continue;
                    }

                    if (c == '"')
                    {
                        closed = true;
                        j++;
                        break;
                    }

                    sb.Append(c);
                    j++;
                }

                if (!closed)
                {
                    throw Error(where, lineNumber, $"unterminated quote starting at column {i + 1}");
                }

                tokens.Add(new Token(sb.ToString(), true));
                i = j;
                continue;
            }

            var start = i;
            while (i < line.Length && line[i] is not (' ' or '\t'))
            {
                i++;
            }

            tokens.Add(new Token(words.Intern(line.AsSpan(start, i - start)), false));
        }

        return tokens;
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "...";

    internal static KubeLabException Error(string where, int line, string message) =>
        KubeLabException.Invalid($"{where}:{line}: {message}");
}
