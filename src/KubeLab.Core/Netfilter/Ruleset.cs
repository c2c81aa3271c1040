namespace KubeLab.Core.Netfilter;

/// <summary>A parsed <c>iptables-save</c> dump: every table, chain and rule, with the rule's original text and line.</summary>
public sealed class Ruleset
{
    internal Ruleset(IReadOnlyDictionary<string, NetfilterTable> tables, string? source)
    {
        Tables = tables;
        Source = source;
    }

    public IReadOnlyDictionary<string, NetfilterTable> Tables { get; }

    /// <summary>Where the text came from (a file name), used in messages.</summary>
    public string? Source { get; }

    public int RuleCount => Tables.Values.Sum(t => t.Chains.Values.Sum(c => c.Rules.Count));

    public NetfilterTable? FindTable(string name) => Tables.GetValueOrDefault(name);

    public NetfilterChain? FindChain(string table, string chain) => FindTable(table)?.Chains.GetValueOrDefault(chain);

    public static Ruleset Parse(string text, string? source = null) => IptablesSaveParser.Parse(text, source);
}

public sealed class NetfilterTable
{
    internal NetfilterTable(string name, int line)
    {
        Name = name;
        LineNumber = line;
    }

    public string Name { get; }

    public int LineNumber { get; }

    /// <summary>Chains in the order the dump declared them.</summary>
    public IReadOnlyDictionary<string, NetfilterChain> Chains => ChainMap;

    internal readonly Dictionary<string, NetfilterChain> ChainMap = new(StringComparer.Ordinal);
}

public sealed class NetfilterChain
{
    internal NetfilterChain(string table, string name, string? policy, int line)
    {
        Table = table;
        Name = name;
        Policy = policy;
        LineNumber = line;
    }

    public string Table { get; }

    public string Name { get; }

    /// <summary>ACCEPT/DROP for built-in chains; null for user chains (<c>:NAME - [0:0]</c>).</summary>
    public string? Policy { get; }

    public bool IsBuiltin => Policy is not null;

    public int LineNumber { get; }

    public IReadOnlyList<NetfilterRule> Rules => RuleList;

    internal readonly List<NetfilterRule> RuleList = [];
}

/// <summary>One option of a match module, e.g. <c>! --mark 0x4000/0x4000</c>.</summary>
public sealed record MatchOption(string Name, bool Negated, IReadOnlyList<string> Values)
{
    public string Value => Values.Count > 0 ? Values[0] : "";

    public override string ToString() =>
        (Negated ? "! " : "") + "--" + Name + (Values.Count > 0 ? " " + string.Join(' ', Values) : "");
}

/// <summary>
/// A match: either a basic one (<c>-s</c>, <c>-d</c>, <c>-i</c>, <c>-o</c>, <c>-p</c>, <c>-f</c>: Module is "" and there is one
/// option) or a module loaded with <c>-m NAME</c> and its options.
/// </summary>
public sealed record RuleMatch(string Module, IReadOnlyList<MatchOption> Options)
{
    public bool IsBasic => Module.Length == 0;

    public MatchOption? Find(string option) => Options.FirstOrDefault(o => o.Name == option);

    public override string ToString() => IsBasic
        ? Options[0].ToString().Replace("--", "-", StringComparison.Ordinal)
        : "-m " + Module + (Options.Count > 0 ? " " + string.Join(' ', Options) : "");
}

public sealed class NetfilterRule
{
    internal NetfilterRule(string table, string chain, int line, string text, IReadOnlyList<RuleMatch> matches,
        string? target, IReadOnlyList<MatchOption> targetOptions, bool isGoto)
    {
        Table = table;
        Chain = chain;
        LineNumber = line;
        Text = text;
        Matches = matches;
        Target = target;
        TargetOptions = targetOptions;
        IsGoto = isGoto;
    }

    public string Table { get; }

    public string Chain { get; }

    /// <summary>1-based line in the dump.</summary>
    public int LineNumber { get; }

    /// <summary>The rule exactly as the dump printed it (<c>-A CHAIN ...</c>).</summary>
    public string Text { get; }

    public IReadOnlyList<RuleMatch> Matches { get; }

    /// <summary>The <c>-j</c>/<c>-g</c> target; null for a rule without one (it only counts packets).</summary>
    public string? Target { get; }

    public IReadOnlyList<MatchOption> TargetOptions { get; }

    public bool IsGoto { get; }

    /// <summary>Index of this rule inside its chain, 1-based (what <c>iptables -L --line-numbers</c> shows).</summary>
    public int Position { get; internal set; }

    public string? TargetOption(string name) => TargetOptions.FirstOrDefault(o => o.Name == name)?.Value;

    public string? Comment => Matches.FirstOrDefault(m => m.Module == "comment")?.Find("comment")?.Value;

    public override string ToString() => Text;
}
